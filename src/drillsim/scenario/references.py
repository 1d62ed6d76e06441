"""Cross-references inside a scenario: every name used must exist, and the parts must fit together.

Checked: unit types, nations, sides, parents (and cycles in the command hierarchy), home sites, places
and sites named as locations, weapons and sensors of unit types, phases, units, objectives, lines and areas
named by triggers, tasks, objectives and measures; relations that disagree; units outside the area;
raids on units that cannot be captured. Every problem is collected, in the order the checks run;
:func:`check_references` raises the first.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any

from drillsim.core.errors import InputError
from drillsim.core.suggest import closest_match
from drillsim.scenario._yaml import FieldPath, render_path
from drillsim.scenario.gazetteer import Gazetteer, gazetteer_for
from drillsim.scenario.models import (
    AfterPhaseTrigger,
    AllOfTrigger,
    AmbushTask,
    AnyOfTrigger,
    ArrivedTrigger,
    AttackTask,
    DefendTask,
    EventTrigger,
    FireSupportTask,
    LatLon,
    LocatedTrigger,
    LossesTrigger,
    ObjectiveTrigger,
    RaidTask,
    ReconnoitreTask,
    RelieveTask,
    Scenario,
    ScreenTask,
    StrikeTask,
)

if TYPE_CHECKING:
    from drillsim.scenario.io import LoadedScenario


MAX_ELEMENTS = 1_000_000
"""Most elements (groups expanded) a scenario may hold."""
_SUGGEST_LIMIT = 2_000
"""Did-you-mean suggestions are looked for among at most this many names (the search is linear)."""
_SUGGESTED_PROBLEMS = 50
"""Only the first problems get suggestions, so a file with thousands of broken names stays fast."""


def element_ids(scenario: Scenario) -> dict[str, str]:
    """Every element id (groups expanded into ``<id>/<k>``), mapped to the declared unit id it comes from."""
    out: dict[str, str] = {}
    for uid, unit in scenario.units.items():
        n = int(unit.count)
        if n == 1:
            out[uid] = uid
        else:
            for k in range(1, n + 1):
                out[f"{uid}/{k}"] = uid
    return out


def element_unit(scenario: Scenario, name: str) -> str | None:
    """The declared unit that element id ``name`` comes from (see :func:`element_ids`), or None.

    Looked up without expanding the groups, so a check costs the same for a unit of 100,000 elements.
    """
    unit = scenario.units.get(name)
    if unit is not None and int(unit.count) == 1:
        return name
    head, _, index = name.rpartition("/")
    group = scenario.units.get(head)
    if group is None or not index.isdigit() or index.startswith("0"):
        return None
    count = int(group.count)
    return head if count > 1 and 1 <= int(index) <= count else None


class _Checker:
    def __init__(self, loaded: LoadedScenario) -> None:
        self.loaded = loaded
        self.s = loaded.scenario
        self.problems: list[InputError] = []
        self._sorted: dict[int, tuple[Iterable[str], list[str]]] = {}
        self._elements_fit()
        self._unit_pool: list[str] | None = None
        try:
            self.gazetteer: Gazetteer = gazetteer_for(self.s)
        except InputError as exc:
            raise InputError(
                exc.message,
                location=loaded.locate(("area", "geodata")),
                path="area.geodata",
                expected=exc.expected,
                found=exc.found,
                suggestion=exc.suggestion,
            ) from None

    def _elements_fit(self) -> bool:
        total = 0
        for uid, unit in self.s.units.items():
            total += int(unit.count)
            if total > MAX_ELEMENTS:
                self.fail(
                    ("units", uid, "count"),
                    "the scenario has too many elements",
                    expected=f"at most {MAX_ELEMENTS:,} elements in all (the counts of every unit added up)",
                    found=f"{total:,} by this unit",
                )
                return False
        return True

    def fail(
        self,
        path: FieldPath,
        message: str,
        *,
        expected: str | None = None,
        found: str | None = None,
        suggestion: str | None = None,
    ) -> None:
        self.problems.append(
            InputError(
                message,
                location=self.loaded.locate(path),
                path=render_path(path),
                expected=expected,
                found=found,
                suggestion=suggestion,
            )
        )

    def sorted_names(self, pool: Iterable[str]) -> list[str]:
        """``pool`` sorted, once per pool (a unit list can be long and is looked at for every reference)."""
        cached = self._sorted.get(id(pool))
        if cached is None or cached[0] is not pool:
            cached = (pool, sorted(pool))
            self._sorted[id(pool)] = cached
        return cached[1]

    def suggest(self, value: str, names: list[str]) -> str | None:
        if len(names) > _SUGGEST_LIMIT or len(self.problems) >= _SUGGESTED_PROBLEMS:
            return None
        return closest_match(value, names)

    def name_in(self, path: FieldPath, value: str | None, pool: Collection[str], what: str) -> bool:
        """Whether ``value`` (when given) is one of ``pool``; a problem is recorded when it is not."""
        if value is None or value in pool:
            return True
        names = self.sorted_names(pool)
        self.fail(
            path,
            f"unknown {what} '{value}'",
            expected=f"one of the scenario's {what}s" + (f" ({_short(names)})" if names else ""),
            found=f"'{value}'",
            suggestion=self.suggest(value, names),
        )
        return False

    def _unit_names(self) -> list[str]:
        """The names a unit reference may use, sorted: declared units and their element ids, or only the
        declared units when the groups expand into too many names to suggest among."""
        if self._unit_pool is None:
            elements = sum(int(unit.count) for unit in self.s.units.values())
            pool = set(self.s.units)
            if elements <= _SUGGEST_LIMIT:
                pool.update(element_ids(self.s))
            self._unit_pool = sorted(pool)
        return self._unit_pool

    def unit(self, path: FieldPath, value: str | None) -> bool:
        if value is None or value in self.s.units or element_unit(self.s, value) is not None:
            return True
        names = self._unit_names()
        self.fail(
            path,
            f"unknown unit '{value}'",
            expected="one of the scenario's units" + (f" ({_short(names)})" if names else ""),
            found=f"'{value}'",
            suggestion=self.suggest(value, names),
        )
        return False

    def location(self, path: FieldPath, ref: LatLon | str | None) -> bool:
        if ref is None or isinstance(ref, LatLon):
            return True
        if ref not in self.gazetteer:
            self.fail(
                path,
                f"unknown place '{ref}'",
                expected="a place or site of the scenario or its geodata, or {lat: .., lon: ..}",
                found=f"'{ref}'",
                suggestion=self.suggest(ref, self.gazetteer.names()),
            )
            return False
        return True

    def run(self) -> None:
        self.sides()
        self.nations()
        self.catalogue()
        self.geometry()
        self.units()
        self.obstacles()
        self.plan()
        self.objectives_and_measures()

    def sides(self) -> None:
        s = self.s
        disagreeing: set[frozenset[str]] = set()
        for sid, side in s.sides.items():
            for other, relation in side.relations.items():
                self.name_in(("sides", sid, "relations", other), other, s.sides, "side")
                if other == sid:
                    self.fail(("sides", sid, "relations", other), "a side cannot have a relation with itself")
                if other not in s.sides:
                    continue
                back = s.sides[other].relations.get(sid)
                if back is not None and back != relation and frozenset((sid, other)) not in disagreeing:
                    disagreeing.add(frozenset((sid, other)))
                    self.fail(
                        ("sides", sid, "relations", other),
                        f"relations of '{sid}' and '{other}' disagree",
                        expected=f"the same relation both ways ('{other}' says {back})",
                        found=relation,
                    )

    def nations(self) -> None:
        for nid, nation in self.s.nations.items():
            self.name_in(("nations", nid, "side"), nation.side, self.s.sides, "side")
            for other in nation.liaison_delay_s:
                self.name_in(("nations", nid, "liaison_delay_s", other), other, self.s.nations, "nation")

    def catalogue(self) -> None:
        cat = self.s.catalogue
        for tid, utype in cat.unit_types.items():
            for i, mount in enumerate(utype.weapons):
                self.name_in(
                    ("catalogue", "unit_types", tid, "weapons", i, "weapon"),
                    mount.weapon,
                    cat.weapons,
                    "weapon",
                )
            for i, smount in enumerate(utype.sensors):
                self.name_in(
                    ("catalogue", "unit_types", tid, "sensors", i, "sensor"),
                    smount.sensor,
                    cat.sensors,
                    "sensor",
                )
            if utype.carriers is not None and utype.carriers.vehicle not in utype.vehicles:
                names = sorted(utype.vehicles)
                listed = f" ({_short(names)})" if names else " (it has none)"
                self.fail(
                    ("catalogue", "unit_types", tid, "carriers", "vehicle"),
                    "the carriers must be some of the unit type's own vehicles",
                    expected="one of the type's vehicles" + listed,
                    found=f"'{utype.carriers.vehicle}'",
                    suggestion=self.suggest(utype.carriers.vehicle, names),
                )

    def geometry(self) -> None:
        s = self.s
        for name, site in s.sites.items():
            self.location(("sites", name, "at"), site.at)
            self.name_in(("sites", name, "nation"), site.nation, s.nations, "nation")
        for name, line in s.lines.items():
            for i, ref in enumerate(line.points):
                self.location(("lines", name, "points", i), ref)
            if line.geodata_line is not None and line.geodata_line not in self.gazetteer.lines:
                self.fail(
                    ("lines", name, "geodata_line"),
                    f"unknown geodata line '{line.geodata_line}'",
                    expected="a line of the scenario's geodata set",
                    suggestion=closest_match(line.geodata_line, self.gazetteer.lines),
                )
        for name, area in s.areas.items():
            for i, ref in enumerate(area.polygon):
                self.location(("areas", name, "polygon", i), ref)
            self.location(("areas", name, "center"), area.center)

    def units(self) -> None:
        s = self.s
        clashes = _clashes(s)
        for uid, unit in s.units.items():
            base: FieldPath = ("units", uid)
            self.name_in((*base, "type"), unit.type, s.catalogue.unit_types, "unit type")
            self.name_in((*base, "nation"), unit.nation, s.nations, "nation")
            self.name_in((*base, "home"), unit.home, s.sites, "site")
            if unit.parent is not None:
                self.name_in((*base, "parent"), unit.parent, s.units, "unit")
            placed = self.location((*base, "at"), unit.at)
            self.location((*base, "escape_to"), unit.escape_to)
            point = self.gazetteer.resolve(unit.at) if placed else None
            if point is not None and not s.area.bounds.contains(point):
                b = s.area.bounds
                self.fail(
                    (*base, "at"),
                    "the unit starts outside the area of operations",
                    expected=f"lat {b.south}..{b.north}, lon {b.west}..{b.east}",
                    found=f"lat {point.lat:.4f}, lon {point.lon:.4f}",
                )
            for i, mount in enumerate(unit.weapons or ()):
                self.name_in((*base, "weapons", i, "weapon"), mount.weapon, s.catalogue.weapons, "weapon")
            utype_of = s.catalogue.unit_types.get(unit.type)
            carried = {
                m.weapon
                for m in (
                    unit.weapons
                    if unit.weapons is not None
                    else (utype_of.weapons if utype_of is not None else ())
                )
            }
            for weapon in unit.ammunition:
                if weapon not in carried:
                    self.fail(
                        (*base, "ammunition", weapon),
                        f"the unit carries no weapon '{weapon}'",
                        expected="a weapon of the unit: " + (", ".join(sorted(carried)) or "none"),
                        suggestion=closest_match(weapon, carried),
                    )
            if uid in clashes:
                self.fail(
                    (*base, "count"),
                    f"element '{uid}/{clashes[uid]}' of this group clashes with a declared unit",
                    expected="unique ids: rename the group or the unit",
                )
        settled: dict[str, bool] = {}  # unit -> whether its chain of parents ends (False: it meets a cycle)
        for uid, unit in s.units.items():
            seen = [uid]
            on_chain = {uid}
            parent = unit.parent
            ends = True
            while parent is not None and parent not in settled:
                if parent in on_chain:
                    self.fail(
                        ("units", uid, "parent"),
                        "the command hierarchy has a cycle",
                        expected="a tree of units",
                        found=" -> ".join([*seen, parent]),
                    )
                    ends = False
                    break
                seen.append(parent)
                on_chain.add(parent)
                parent = s.units[parent].parent if parent in s.units else None
            if parent is not None and parent in settled:
                ends = ends and settled[parent]
            settled.update(dict.fromkeys(seen, ends))
            utype = s.catalogue.unit_types.get(unit.type)
            home = s.sites.get(unit.home) if unit.home is not None else None
            if utype is not None and utype.domain == "air" and home is not None and home.kind != "airbase":
                self.fail(
                    ("units", uid, "home"),
                    "an air unit's home must be an airbase",
                    found=f"a site of kind '{home.kind}'",
                )

    def obstacles(self) -> None:
        s = self.s
        for name, obstacle in s.obstacles.items():
            base: FieldPath = ("obstacles", name)
            self.name_in((*base, "side"), obstacle.side, s.sides, "side")
            for j, side in enumerate(obstacle.known_to):
                self.name_in((*base, "known_to", j), side, s.sides, "side")
            self.name_in((*base, "area"), obstacle.area, s.areas, "area")
            self.name_in((*base, "line"), obstacle.line, s.lines, "line")

    def via(self, path: FieldPath, refs: list[LatLon | str]) -> None:
        """Via points: places, points, or lines of kind route or road."""
        for j, ref in enumerate(refs):
            line = self.s.lines.get(ref) if isinstance(ref, str) else None
            if line is None:
                self.location((*path, j), ref)
            elif line.kind not in ("route", "road"):
                self.fail(
                    (*path, j),
                    f"line '{ref}' is of kind '{line.kind}'",
                    expected="a place, a point, or a line of kind route or road",
                    found=f"a line of kind '{line.kind}'",
                )

    def plan(self) -> None:
        phases = list(self.s.plan.phases)
        for pid, phase in self.s.plan.phases.items():
            base: FieldPath = ("plan", "phases", pid)
            self.trigger((*base, "trigger"), phase.trigger, phases)
            if phase.unless is not None:
                self.trigger((*base, "unless"), phase.unless, phases)
            for i, task in enumerate(phase.tasks):
                tpath: FieldPath = (*base, "tasks", i)
                for j, uid in enumerate(task.units):
                    self.unit((*tpath, "units", j), uid)
                self.task(tpath, task)
                if getattr(task, "mounted", None):
                    self.carried((*tpath, "mounted"), task.units)

    def carried(self, path: FieldPath, units: list[str]) -> None:
        """``mounted: true`` needs every unit named to have carriers."""
        types = self.s.catalogue.unit_types
        walkers = [
            uid
            for uid in units
            if uid in self.s.units
            and (utype := types.get(self.s.units[uid].type)) is not None
            and utype.carriers is None
        ]
        if walkers:
            self.fail(
                path,
                "a task ridden mounted names units whose type has no carriers",
                expected="units whose unit type has 'carriers', or no 'mounted: true'",
                found=_short(walkers),
            )

    def trigger(self, path: FieldPath, trig: Any, phases: list[str]) -> None:
        s = self.s
        if isinstance(trig, AfterPhaseTrigger):
            self.name_in((*path, "after_phase"), trig.after_phase, phases, "phase")
        elif isinstance(trig, EventTrigger):
            self.name_in((*path, "side"), trig.side, s.sides, "side")
            self.unit((*path, "unit"), trig.unit)
            self.name_in((*path, "objective"), trig.objective, s.objectives, "objective")
            self.name_in((*path, "obstacle"), trig.obstacle, s.obstacles, "obstacle")
            self.name_in((*path, "position"), trig.position, s.positions, "position")
            if trig.position is not None and trig.event not in ("position-lost", "position-retaken"):
                self.fail(
                    (*path, "position"),
                    f"'position' does not apply to event '{trig.event}'",
                    expected="position only with event position-lost or position-retaken",
                )
        elif isinstance(trig, LossesTrigger):
            listed = {key: not isinstance(getattr(trig, key), str) for key in ("side", "nation", "unit")}
            for j, name in enumerate(trig.names("side")):
                self.name_in((*path, "side", j) if listed["side"] else (*path, "side"), name, s.sides, "side")
            for j, name in enumerate(trig.names("nation")):
                at = (*path, "nation", j) if listed["nation"] else (*path, "nation")
                self.name_in(at, name, s.nations, "nation")
            for j, uid in enumerate(trig.names("unit")):
                self.unit((*path, "unit", j) if listed["unit"] else (*path, "unit"), uid)
        elif isinstance(trig, LocatedTrigger):
            self.name_in((*path, "side"), trig.side, s.sides, "side")
            self.name_in((*path, "of_side"), trig.of_side, s.sides, "side")
        elif isinstance(trig, ObjectiveTrigger):
            self.name_in((*path, "objective_achieved"), trig.objective_achieved, s.objectives, "objective")
        elif isinstance(trig, ArrivedTrigger):
            for j, uid in enumerate(trig.arrived):
                self.unit((*path, "arrived", j), uid)
        elif isinstance(trig, AllOfTrigger | AnyOfTrigger):
            key = "all_of" if isinstance(trig, AllOfTrigger) else "any_of"
            members = trig.all_of if isinstance(trig, AllOfTrigger) else trig.any_of
            for j, sub in enumerate(members):
                self.trigger((*path, key, j), sub, phases)

    def task(self, path: FieldPath, task: Any) -> None:  # noqa: C901
        s = self.s
        for key in ("to", "at", "target", "then_to", "withdraw_to", "depot"):
            if hasattr(task, key):
                self.location((*path, key), getattr(task, key))
        for j, ref in enumerate(getattr(task, "waypoints", [])):
            self.location((*path, "waypoints", j), ref)
        self.via((*path, "via"), getattr(task, "via", []))
        if isinstance(task, AmbushTask) and task.kill_zone not in s.areas and task.kill_zone not in s.lines:
            names = self.sorted_names(set(s.areas) | set(s.lines))
            self.fail(
                (*path, "kill_zone"),
                f"unknown kill zone '{task.kill_zone}'",
                expected="one of the scenario's areas or lines" + (f" ({_short(names)})" if names else ""),
                found=f"'{task.kill_zone}'",
                suggestion=self.suggest(task.kill_zone, names),
            )
        if isinstance(task, RelieveTask):
            self.unit((*path, "unit"), task.unit)
        if isinstance(task, ScreenTask | DefendTask):
            self.name_in((*path, "line"), task.line, s.lines, "line")
        if isinstance(task, DefendTask):
            self.name_in((*path, "area"), task.area, s.areas, "area")
        if isinstance(task, AttackTask | RaidTask):
            self.unit((*path, "target_unit"), task.target_unit)
        declared = (
            element_unit(s, task.target_unit) if isinstance(task, RaidTask) and task.target_unit else None
        )
        if isinstance(task, RaidTask) and task.capture and declared is not None:
            target = s.units[declared]
            if not target.capturable:
                self.fail(
                    (*path, "target_unit"),
                    f"unit '{task.target_unit}' cannot be captured",
                    expected="a unit with capturable: true, or capture: false to destroy it",
                )
        if isinstance(task, ReconnoitreTask):
            self.unit((*path, "report_to"), task.report_to)
            self.name_in((*path, "area"), task.area, s.areas, "area")
        for key in ("of", "supplied"):  # cover-withdrawal, resupply
            for j, uid in enumerate(getattr(task, key, [])):
                self.unit((*path, key, j), uid)
        if isinstance(task, FireSupportTask):
            for j, uid in enumerate(task.observers):
                self.unit((*path, "observers", j), uid)
        if isinstance(task, StrikeTask):
            self.name_in((*path, "weapon"), task.weapon, s.catalogue.weapons, "weapon")

    def objectives_and_measures(self) -> None:
        s = self.s
        for oid, obj in s.objectives.items():
            base: FieldPath = ("objectives", oid)
            self.name_in((*base, "side"), obj.side, s.sides, "side")
            self.name_in((*base, "of_side"), obj.of_side, s.sides, "side")
            self.unit((*base, "unit"), obj.unit)
            for j, uid in enumerate(obj.units):
                self.unit((*base, "units", j), uid)
            self.name_in((*base, "line"), obj.line, s.lines, "line")
            self.name_in((*base, "area"), obj.area, s.areas, "area")
            self.location((*base, "to"), obj.to)
        for mid, measure in s.measures.items():
            base = ("measures", mid)
            self.name_in((*base, "side"), measure.side, s.sides, "side")
            self.name_in((*base, "of_side"), measure.of_side, s.sides, "side")
            self.name_in((*base, "nation"), measure.nation, s.nations, "nation")
            self.name_in((*base, "objective"), measure.objective, s.objectives, "objective")
            self.name_in((*base, "line"), measure.line, s.lines, "line")
            self.name_in((*base, "obstacle"), measure.obstacle, s.obstacles, "obstacle")
            for j, uid in enumerate(measure.units):
                self.unit((*base, "units", j), uid)
            if measure.kind in ("objective-achieved", "objective-time") and measure.objective is None:
                self.fail(
                    base,
                    f"a measure of kind '{measure.kind}' needs 'objective'",
                    expected="objective: the name of one of the scenario's objectives",
                )
        self.positions_and_behaviours()
        population = s.environment.population
        self.name_in(("environment", "population", "supports"), population.supports, s.sides, "side")

    def positions_and_behaviours(self) -> None:
        """Positions' places and holders, the measures that name them, and units' behaviours."""
        s = self.s
        for pid, pos in s.positions.items():
            base: FieldPath = ("positions", pid)
            self.name_in((*base, "site"), pos.site, s.sites, "site")
            self.name_in((*base, "area"), pos.area, s.areas, "area")
            self.name_in((*base, "held_by"), pos.held_by, s.sides, "side")
        needs = {
            "phase-start": "phase",
            "time-lost": "position",
            "time-retaken": "position",
            "held-at-end": "position",
        }
        for mid, measure in s.measures.items():
            base = ("measures", mid)
            self.name_in((*base, "phase"), measure.phase, s.plan.phases, "phase")
            self.name_in((*base, "position"), measure.position, s.positions, "position")
            key = needs.get(measure.kind)
            if key is not None and getattr(measure, key) is None:
                self.fail(
                    base,
                    f"a measure of kind '{measure.kind}' needs '{key}'",
                    expected=f"{key}: the name of one of the scenario's {key}s",
                )
        for uid, unit in s.units.items():
            self.name_in(("units", uid, "behaviour"), unit.behaviour, s.catalogue.behaviours, "behaviour")
        for name, lift in s.airlifts.items():
            for j, uid in enumerate(lift.units):
                self.unit(("airlifts", name, "units", j), uid)
            self.location(("airlifts", name, "to"), lift.to)


def _short(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")


def _clashes(scenario: Scenario) -> dict[str, int]:
    """Groups whose element ids (``<id>/<k>``) clash with a declared unit, with the first such ``k``."""
    out: dict[str, int] = {}
    for uid in scenario.units:
        group, _, number = uid.rpartition("/")
        if not number.isdigit() or group not in scenario.units:
            continue
        k, count = int(number), int(scenario.units[group].count)
        if 1 <= k <= count and count > 1:
            out[group] = min(k, out.get(group, k))
    return out


def reference_problems(loaded: LoadedScenario) -> list[InputError]:
    """Every broken reference or inconsistency in the scenario, in the order the checks find them."""
    checker = _Checker(loaded)
    checker.run()
    return checker.problems


def check_references(loaded: LoadedScenario) -> None:
    """Raise an InputError for the first broken reference or inconsistency in the scenario."""
    problems = reference_problems(loaded)
    if problems:
        raise problems[0].with_more(len(problems) - 1)
