"""``import_msdl``: an MSDL order of battle as a drillsim scenario file.

Mapping (docs/interop.md has the whole table):

- a ForceSide whose allegiance is itself is a drillsim side; every ForceSide (side or force) is a nation
  of its side; associations HO and SU are ``hostile``, FR and AF ``allied``, the rest neutral, made the
  same both ways (hostile wins over allied);
- a unit with subordinates is a ``headquarters`` (its command post); a leaf unit gets the catalogue type
  its symbol code maps to, ``count`` elements by the rule of three from the catalogue type's echelon to
  the unit's echelon (confidence low);
- an equipment item whose symbol maps to a type (a drone, an aircraft) is a unit under its holder, with
  ``count`` its quantity; other equipment is listed, not imported (catalogue types carry their weapons);
- what is not mapped stays in the file as a commented-out entry and in :attr:`MsdlImport.not_mapped`.

What a scenario needs and MSDL may lack (start time, duration, area, plan) gets a documented default,
listed in :attr:`MsdlImport.defaults`.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from drillsim.core.errors import UserError
from drillsim.interop.msdl import MsdlPoint, MsdlScenario, MsdlUnit, read_msdl
from drillsim.interop.symbols import echelon_level, match_symbol
from drillsim.scenario.io import load_catalogue

__all__ = [
    "DEFAULT_DURATION_S",
    "DEFAULT_START",
    "MARGIN_M",
    "MAX_COUNT",
    "SPREAD_M",
    "MsdlImport",
    "import_msdl",
]

DEFAULT_START = datetime(2000, 1, 1, tzinfo=UTC)
"""Start time when the file has no Environment/ScenarioTime."""
DEFAULT_DURATION_S = 21_600.0
"""Scenario length: MSDL describes an initial state, not a duration; six hours."""
MARGIN_M = 5_000.0
"""Without an AreaOfInterest, the area is the units' bounding box widened by this much on every side."""
SPREAD_M = 500.0
"""Elements of a unit imported as several catalogue elements start scattered within this radius."""
MAX_COUNT = 81
"""The rule of three is capped here (a brigade of squads): beyond it the file should name subunits."""

_RELATIONS = {"HO": "hostile", "SU": "hostile", "FR": "allied", "AF": "allied"}
_METRES_PER_DEGREE = 111_320.0
_SOURCE = "msdl-file"
_DEFAULTS_SOURCE = "import-defaults"


@dataclass(frozen=True)
class MsdlImport:
    """What an import wrote and what it could not carry over."""

    path: Path
    scenario: str
    sides: int
    units: int
    not_mapped: list[str] = field(default_factory=list)
    defaults: list[str] = field(default_factory=list)


def _slug(text: str, fallback: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or fallback


def _unique(base: str, taken: set[str]) -> str:
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name)
    return name


def _q(text: str) -> str:
    """A YAML scalar that reads back as exactly ``text`` (JSON strings are YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _at(point: MsdlPoint, confidence: str, source: str = _SOURCE) -> str:
    return f"{{lat: {point.lat!r}, lon: {point.lon!r}, source: {source}, confidence: {confidence}}}"


@dataclass
class _Entry:
    """One unit of the output, before it is written."""

    uid: str
    handle: str
    name: str
    nation: str
    unit_type: str | None
    meaning: str
    symbol: str
    count: int
    count_confidence: str
    point: MsdlPoint | None
    point_note: str | None
    parent: str | None
    line: int | None
    equipment_notes: list[str] = field(default_factory=list)


class _Builder:
    """Turns one read MSDL scenario into the lines of a drillsim scenario file."""

    def __init__(self, msdl: MsdlScenario) -> None:
        self.msdl = msdl
        catalogue = load_catalogue("core-v1")
        self.type_levels = {tid: echelon_level(t.echelon) for tid, t in catalogue.unit_types.items()}
        self.type_domains = {tid: t.domain for tid, t in catalogue.unit_types.items()}
        self.catalogue_symbols: dict[str, str] = {}
        for tid, t in catalogue.unit_types.items():
            if t.symbol and t.symbol.isdigit():
                self.catalogue_symbols.setdefault(t.symbol, tid)
        self.not_mapped: list[str] = []
        self.defaults: list[str] = []
        self.sides: dict[str, str] = {}  # side handle -> side id
        self.nations: dict[str, tuple[str, str, str]] = {}  # force handle -> (nation id, side id, name)
        self.entries: list[_Entry] = []

    # --- sides and nations ---------------------------------------------------------------------------

    def _side_of(self, handle: str) -> str:
        forces = {f.handle: f for f in self.msdl.forces}
        seen = set()
        while handle in forces and forces[handle].allegiance != handle and handle not in seen:
            seen.add(handle)
            handle = forces[handle].allegiance
        return handle

    def build_forces(self) -> None:
        taken_sides: set[str] = set()
        taken_nations: set[str] = set()
        for force in self.msdl.forces:
            if self._side_of(force.handle) == force.handle or force.allegiance not in {
                f.handle for f in self.msdl.forces
            }:
                self.sides[force.handle] = _unique(_slug(force.name, "side"), taken_sides)
        for force in self.msdl.forces:
            side_handle = self._side_of(force.handle)
            side = self.sides.get(side_handle) or self.sides[force.handle]
            nation = _unique(_slug(force.name, "force").upper(), taken_nations)
            self.nations[force.handle] = (nation, side, force.name)
        if not self.sides:
            self.sides["-"] = "side"
            self.nations["-"] = ("FORCE", "side", "Force")
            self.defaults.append("the file names no force side: one side 'side' with nation 'FORCE'")

    def relations(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {sid: {} for sid in self.sides.values()}
        for force in self.msdl.forces:
            if force.handle not in self.sides:
                continue
            mine = self.sides[force.handle]
            for other, code in sorted(force.associations.items()):
                theirs = self.sides.get(self._side_of(other))
                relation = _RELATIONS.get(code, "neutral")
                if theirs is None or theirs == mine or relation == "neutral":
                    continue
                for a, b in ((mine, theirs), (theirs, mine)):
                    if out[a].get(b) != "hostile":
                        out[a][b] = relation
        return out

    # --- units ---------------------------------------------------------------------------------------

    def _count(self, unit_type: str, echelon: str | None) -> tuple[int, str]:
        have = self.type_levels.get(unit_type)
        want = echelon_level(echelon)
        if self.type_domains.get(unit_type) == "air" or have is None or want is None or want <= have:
            return 1, "medium"
        return min(3 ** (want - have), MAX_COUNT), "low"

    def build_units(self) -> None:
        units = {u.handle: u for u in self.msdl.units}
        children: dict[str, list[str]] = {}
        for u in self.msdl.units:
            if u.superior:
                children.setdefault(u.superior, []).append(u.handle)
        default_force = next(iter(self.nations))
        ids: dict[str, str] = {}
        taken: set[str] = set()

        def force_of(unit: MsdlUnit, depth: int = 0) -> str:
            if unit.force in self.nations:
                return unit.force
            if unit.superior in units and depth < len(units):
                return force_of(units[unit.superior], depth + 1)
            return default_force

        def uid_of(unit: MsdlUnit, depth: int = 0) -> str:
            if unit.handle in ids:
                return ids[unit.handle]
            nation = self.nations[force_of(unit)][0].lower()
            base = _slug(unit.name, unit.handle[:8].lower() or "unit")
            parent = units.get(unit.superior or "")
            prefix = uid_of(parent, depth + 1) if parent is not None and depth < len(units) else nation
            ids[unit.handle] = _unique(f"{prefix}/{base}", taken)
            return ids[unit.handle]

        for unit in self.msdl.units:
            if unit.force is None and (unit.superior is None or unit.superior not in units):
                self.not_mapped.append(
                    f"unit '{unit.name}' (line {unit.line}): no force side or known superior; "
                    f"put under {self.nations[default_force][0]}"
                )
            match = match_symbol(unit.symbol, self.catalogue_symbols)
            echelon = unit.echelon or match.echelon
            if unit.handle in children or match.is_headquarters:
                unit_type, meaning, count, confidence = (
                    "headquarters",
                    "command post of a formation",
                    1,
                    "medium",
                )
            elif match.unit_type is not None:
                unit_type, meaning = match.unit_type, match.meaning
                count, confidence = self._count(unit_type, echelon)
            else:
                unit_type, meaning, count, confidence = None, match.meaning, 1, "low"
                self.not_mapped.append(
                    f"unit '{unit.name}' (line {unit.line}): symbol {unit.symbol or '-'}, {match.meaning}: "
                    "no catalogue type; left commented out"
                )
            self.entries.append(
                _Entry(
                    uid=uid_of(unit),
                    handle=unit.handle,
                    name=unit.name or unit.handle,
                    nation=self.nations[force_of(unit)][0],
                    unit_type=unit_type,
                    meaning=meaning + (f", echelon {echelon.lower()}" if echelon else ""),
                    symbol=unit.symbol,
                    count=count,
                    count_confidence=confidence,
                    point=unit.point,
                    point_note=unit.location_problem,
                    parent=unit.superior if unit.superior in units else None,
                    line=unit.line,
                )
            )

    def build_equipment(self) -> None:
        by_handle = {e.handle: e for e in self.entries}
        taken = {e.uid for e in self.entries}
        for item in self.msdl.equipment:
            holder = by_handle.get(item.owner_unit or "")
            match = match_symbol(item.symbol, self.catalogue_symbols)
            what = item.equipment_type or item.name or item.handle
            label = f"{item.quantity} x {what} ({item.symbol or 'no symbol'})"
            if match.unit_type is None or self.type_domains.get(match.unit_type) != "air":
                note = f"equipment {label}: {match.meaning}; not imported (unit types carry their equipment)"
                if holder is not None:
                    holder.equipment_notes.append(note)
                self.not_mapped.append(f"{note} (line {item.line})")
                continue
            nation = (
                holder.nation
                if holder
                else self.nations.get(item.owner_force or "", next(iter(self.nations.values())))[0]
            )
            prefix = holder.uid if holder else nation.lower()
            self.entries.append(
                _Entry(
                    uid=_unique(f"{prefix}/{_slug(item.name or item.equipment_type, 'equipment')}", taken),
                    handle=item.handle,
                    name=item.name or item.equipment_type or item.handle,
                    nation=nation,
                    unit_type=match.unit_type,
                    meaning=f"equipment: {match.meaning}",
                    symbol=item.symbol,
                    count=item.quantity,
                    count_confidence="high",
                    point=item.point or (holder.point if holder else None),
                    point_note=(
                        None
                        if item.point
                        else f"{item.location_problem}; placed at its holder {holder.uid}"
                        if holder is not None and holder.point is not None
                        else item.location_problem
                    ),
                    parent=holder.handle if holder else None,
                    line=item.line,
                )
            )

    # --- placement -----------------------------------------------------------------------------------

    def area(self) -> tuple[float, float, float, float]:
        """west, south, east, north."""
        if self.msdl.area is not None:
            low, high = self.msdl.area
            return low.lon, low.lat, high.lon, high.lat
        points = [e.point for e in self.entries if e.point is not None]
        if not points:
            raise UserError(
                f"{self.msdl.path}: no unit has a location drillsim can read (GDC, GCC or UTM) and there is "
                "no Environment/AreaOfInterest: nothing says where the scenario is."
            )
        south, north = min(p.lat for p in points), max(p.lat for p in points)
        west, east = min(p.lon for p in points), max(p.lon for p in points)
        dlat = MARGIN_M / _METRES_PER_DEGREE
        dlon = MARGIN_M / (_METRES_PER_DEGREE * max(math.cos(math.radians((south + north) / 2)), 0.1))
        self.defaults.append(
            f"area: no AreaOfInterest; the units' bounding box widened by {MARGIN_M / 1000:g} km on each side"
        )
        return (
            max(west - dlon, -180.0),
            max(south - dlat, -90.0),
            min(east + dlon, 180.0),
            min(north + dlat, 90.0),
        )

    def place_unlocated(self, bounds: tuple[float, float, float, float]) -> None:
        by_handle = {e.handle: e for e in self.entries}
        centre = MsdlPoint((bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2)
        for entry in self.entries:
            if entry.point is not None:
                continue
            parent = by_handle.get(entry.parent or "")
            hops = 0
            while parent is not None and parent.point is None and hops < len(by_handle):
                parent, hops = by_handle.get(parent.parent or ""), hops + 1
            below = [e.point for e in self.entries if e.parent == entry.handle and e.point is not None]
            if parent is not None and parent.point is not None:
                entry.point, where = parent.point, f"its superior {parent.uid}"
            elif below:
                lat = sum(p.lat for p in below) / len(below)
                lon = sum(p.lon for p in below) / len(below)
                entry.point, where = MsdlPoint(lat, lon), "the mean position of its subordinates"
            else:
                entry.point, where = centre, "the area centre"
            entry.point_note = f"{entry.point_note or 'no location'}; placed at {where}"
            self.not_mapped.append(f"location of '{entry.name}' (line {entry.line}): {entry.point_note}")


def _unit_lines(entry: _Entry, parent_uid: str | None) -> list[str]:
    confidence = "high" if entry.point_note is None else "low"
    lines = [f"  # {entry.name}: MSDL symbol {entry.symbol or '-'}, {entry.meaning} (line {entry.line})"]
    if entry.point_note:
        lines.append(f"  # location: {entry.point_note}")
    lines.extend(f"  # {note}" for note in entry.equipment_notes)
    body = [
        f"{entry.uid}:",
        f"  type: {entry.unit_type or 'UNMAPPED'}",
        f"  nation: {entry.nation}",
        f"  name: {_q(entry.name)}",
    ]
    if parent_uid:
        body.append(f"  parent: {parent_uid}")
    if entry.count > 1:
        body.append(
            f"  count: {{value: {entry.count}, source: {_SOURCE}, confidence: {entry.count_confidence}}}"
        )
        body.append(f"  spread_m: {{value: {SPREAD_M:g}, source: {_DEFAULTS_SOURCE}, confidence: low}}")
    source = _SOURCE if entry.point_note is None else _DEFAULTS_SOURCE
    body.append(f"  at: {_at(entry.point, confidence, source) if entry.point else 'UNPLACED'}")
    prefix = "  # " if entry.unit_type is None else "  "
    return lines + [prefix + line for line in body]


def _render(builder: _Builder, name: str) -> str:
    msdl = builder.msdl
    bounds = builder.area()
    builder.place_unlocated(bounds)
    start = msdl.time
    if start is None:
        start = DEFAULT_START
        builder.defaults.append(f"time: no ScenarioTime; start {DEFAULT_START.isoformat()}")
    elif start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
        builder.defaults.append("time: ScenarioTime has no time zone; read as UTC")
    builder.defaults.append(
        f"duration: {DEFAULT_DURATION_S:g} s (MSDL describes a start state, not a length)"
    )
    builder.defaults.append("plan: none (MSDL carries no orders); every unit holds where it starts")
    by_handle = {e.handle: e for e in builder.entries}
    out = [
        f"# Imported by 'drillsim import-msdl' from {msdl.path.name} (MSDL, SISO-STD-007-2008).",
        "# Check the lines marked UNMAPPED (commented out) and the defaults below before relying on it.",
        "#",
        "# Defaults filled in (docs/interop.md):",
        *(f"#   - {d}" for d in builder.defaults),
    ]
    if builder.not_mapped:
        out += ["#", "# Not mapped or not imported:", *(f"#   - {n}" for n in builder.not_mapped)]
    if msdl.ignored:
        out += ["#", f"# MSDL sections not imported: {', '.join(msdl.ignored)}"]
    title = msdl.name or msdl.path.stem
    out += [
        "schema_version: 1",
        f"name: {name}",
        f"title: {_q(title)}",
        f"description: {_q(f'Order of battle imported from the MSDL file {msdl.path.name}.')}",
        "sources:",
        f"  {_SOURCE}:",
        f"    citation: {_q(f'the MSDL file {msdl.path.name}')}",
        f"    notes: {_q('positions and quantities as the file gives them; element counts: rule of three')}",
        f"  {_DEFAULTS_SOURCE}:",
        f"    citation: {_q('drillsim import-msdl defaults (docs/interop.md)')}",
        "time:",
        f"  start: {start.isoformat()}",
        f"  duration_s: {{value: {DEFAULT_DURATION_S:g}, source: {_DEFAULTS_SOURCE}, confidence: low}}",
        "area:",
        f"  bounds: {{west: {bounds[0]!r}, south: {bounds[1]!r}, east: {bounds[2]!r}, north: {bounds[3]!r}}}",
        "  default_terrain: open",
        "sides:",
    ]
    relations = builder.relations()
    for handle, sid in builder.sides.items():
        force = next((f for f in msdl.forces if f.handle == handle), None)
        out.append(f"  {sid}:")
        out.append(f"    name: {_q(force.name if force else sid)}")
        if relations.get(sid):
            pairs = ", ".join(f"{k}: {v}" for k, v in sorted(relations[sid].items()))
            out.append(f"    relations: {{{pairs}}}")
    out.append("nations:")
    for nation, side, label in builder.nations.values():
        out += [f"  {nation}:", f"    side: {side}", f"    name: {_q(label)}"]
    out.append("units:")
    for entry in builder.entries:
        parent = by_handle.get(entry.parent or "")
        while parent is not None and parent.unit_type is None:
            parent = by_handle.get(parent.parent or "")
        out += _unit_lines(entry, parent.uid if parent is not None else None)
    return "\n".join(out) + "\n"


def import_msdl(file: str | Path, *, out: str | Path | None = None) -> MsdlImport:
    """Write a drillsim scenario YAML from the MSDL file ``file`` (default ``out``: the same name with
    ``.yaml``) and return what was written, what was not mapped and which defaults were used."""
    msdl = read_msdl(file)
    builder = _Builder(msdl)
    builder.build_forces()
    builder.build_units()
    builder.build_equipment()
    if not builder.entries:
        raise UserError(f"{msdl.path}: the MSDL file has no units (Organizations/Units is empty or absent).")
    if not any(e.unit_type is not None for e in builder.entries):
        raise UserError(
            f"{msdl.path}: none of the {len(builder.entries)} units maps to a catalogue unit type, so "
            "there is no scenario to write; see docs/interop.md for the symbol codes drillsim maps."
        )
    name = f"{_slug(msdl.name or msdl.path.stem, 'msdl')}-v1"
    text = _render(builder, name)
    target = Path(out) if out is not None else msdl.path.with_suffix(".yaml")
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{target}: cannot write the scenario: {exc.strerror}") from None
    return MsdlImport(
        path=target,
        scenario=name,
        sides=len(builder.sides),
        units=sum(1 for e in builder.entries if e.unit_type is not None),
        not_mapped=builder.not_mapped,
        defaults=builder.defaults,
    )
