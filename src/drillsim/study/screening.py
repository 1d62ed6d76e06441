"""Screening of every number of a scenario: Morris elementary effects with groups.

:func:`screen_scenario` moves every numeric parameter of a scenario and of its catalogue
(``Scenario.parameters()``) over a relative range (default +-25 %, clipped to the field's physical bounds),
in groups (Campolongo, Cariboni & Saltelli 2007), along ``r`` random one-group-at-a-time trajectories on a
``p``-level grid (Morris 1991). Every design point is one chunk on an executor (a process pool by default),
or a lane of one when points differ only in their starting state (:func:`lane_batches`), and every point
runs the same replication indices and root seed (common random numbers). For each group and
each of the scenario's measures (its MOEs) it reports ``mu*`` (mean absolute elementary effect), ``mu`` and
``sigma``, normalised by the measure's spread over the design, ranks the groups by their mean normalised
``mu*`` over the measures, and joins each group with the pedigree of its members
(:func:`~drillsim.scenario.pedigree.is_sourced`). Optionally a second stage screens the members of the most
influential groups one by one. Equations, the grouping rules and the cost: docs/sensitivity.md.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal, get_args

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel

from drillsim.core.errors import InputError, UserError
from drillsim.core.random import root_seed
from drillsim.experiments.executors import ChunkTask, ExecutorLike, executor_from
from drillsim.scenario.io import load_scenario, parse_field_path, with_overrides
from drillsim.scenario.models import AmbushTask, Scenario
from drillsim.scenario.pedigree import Bounds, is_sourced
from drillsim.study.quantities import is_constant
from drillsim.study.sensitivity import _used_catalogue_prefixes
from drillsim.world.lanes import is_lane_input

__all__ = [
    "GROUPINGS",
    "GroupEffect",
    "MorrisScreening",
    "ScreenedInput",
    "fixed_counts",
    "group_key",
    "in_catalogue",
    "lane_batches",
    "morris_design",
    "morris_effects",
    "refine_screening",
    "screen_scenario",
    "screened_inputs",
]

FloatArray = NDArray[np.float64]
Grouping = Literal["none", "entry", "field", "kind"]
GROUPINGS: tuple[str, ...] = get_args(Grouping)
"""How numbers are grouped: each alone, by entry (a catalogue entry, unit, nation, side, phase, objective,
measure, area), by field family (one field across the entries of a kind), or by kind (a section of the
scenario: the sensors, the weapons, the unit types, the units, the nations, the plan, ...)."""
SETTINGS = ("time.",)
"""Numbers that set up the run rather than the model; never moved."""
UNREAD_FIELDS: dict[str, str] = {}
"""Fields that no model reads, by name, with the reason; never moved. A test checks that no code beyond the
scenario's models names them, so a model that starts reading one must take it off this list. (Fuel,
``fuel_l`` and ``fuel_per_km_l``, was on it until the fuel model read it: docs/mechanics/movement.md.)"""
UNREAD_AREA_RADIUS = (
    "the radius of an area whose extent no model reads (it is drawn on maps, or its centre is a destination)"
)
"""Why an area's ``radius_m`` is not moved when nothing reads the area's extent
(:func:`areas_with_extent`)."""
SETTING = "a setting of the run (horizon, time step), not an input of the model"
UNUSED_ENTRY = "not read: no unit of the scenario carries this catalogue entry"
NOT_READ = "not read by any model: "
ZERO = "zero: a relative range around 0 is empty"
ROUNDING = "its range rounds to the value itself"
FIXED_KINDS: tuple[tuple[str, str], ...] = (
    (UNUSED_ENTRY, "in catalogue entries no unit carries"),
    (NOT_READ, "that no model reads"),
    (ZERO, "zero"),
    (ROUNDING, "whose range rounds to the value itself"),
    (SETTING, "settings of the run"),
)
"""The reasons a number is not moved (each reason starts with the first text), with a short label."""
LEVELS = 4
"""Grid levels ``p`` of :func:`screen_scenario`: ``delta = p / (2 (p - 1)) = 2/3`` of each range."""
INFLUENTIAL_SHARE = 0.1
"""A group is *influential* when its influence is at least this share of the largest one."""


# --- the inputs and their groups ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ScreenedInput:
    """One number of the scenario and the range it is moved over (``low == high``: it stays fixed)."""

    path: str
    value: float
    low: float
    high: float
    integer: bool
    source: str | None
    confidence: str | None
    sourced: bool
    shape: tuple[str, ...]
    """The path's keys, with entry names (mapping keys) marked ``{name}`` and list indices ``[N]``."""
    fixed: str | None = None
    """Why the number is not moved (zero, rounding, not read by any model or the scenario), or None."""

    def setting(self, u: float) -> float | int:
        """The value at grid coordinate ``u`` in [0, 1]."""
        x = self.low + u * (self.high - self.low)
        return round(x) if self.integer else x


def _bounds_in(annotation: Any) -> Bounds | None:
    """The first :class:`Bounds` in a type annotation (inside ``Annotated``, unions, ``dict``, ``list``)."""
    for meta in getattr(annotation, "__metadata__", ()):
        if isinstance(meta, Bounds):
            return meta
    for arg in get_args(annotation):
        found = _bounds_in(arg)
        if found is not None:
            return found
    return None


def _walk(scenario: Scenario, path: str) -> tuple[tuple[str, ...], Bounds | None]:
    """The path's shape (entry names in braces) and the bounds of the field it ends in."""
    node: Any = scenario
    shape: list[str] = []
    bounds: Bounds | None = None
    for key in parse_field_path(path):
        if isinstance(node, BaseModel) and isinstance(key, str):
            info = type(node).model_fields[key]
            bounds = next((m for m in info.metadata if isinstance(m, Bounds)), None) or _bounds_in(
                info.annotation
            )
            shape.append(key)
            node = getattr(node, key)
        elif isinstance(node, dict):
            shape.append("{" + str(key) + "}")
            node = node[key]
        elif isinstance(node, list | tuple) and isinstance(key, int):
            shape.append(f"[{key}]")
            node = node[key]
        else:  # pragma: no cover - parameters() only lists paths that exist
            raise UserError(f"cannot follow '{path}' in {scenario.name}")
    return tuple(shape), bounds


def _range(value: float, fraction: float, bounds: Bounds | None) -> tuple[float, float]:
    a, b = sorted((value * (1.0 - fraction), value * (1.0 + fraction)))
    if bounds is not None:
        if bounds.ge is not None:
            a = max(a, bounds.ge)
        if bounds.gt is not None and a <= bounds.gt:
            a = min(value, bounds.gt + 0.5 * (value - bounds.gt))
        if bounds.le is not None:
            b = min(b, bounds.le)
    elif value >= 0.0:
        a = max(a, 0.0)
    return a, b


def screened_inputs(
    scenario: Scenario, *, fraction: float = 0.25, paths: Sequence[str] | None = None
) -> list[ScreenedInput]:
    """Every number of ``scenario`` (or those at ``paths``) with the range it is moved over.

    A number moves over ``[v (1 - fraction), v (1 + fraction)]`` clipped to its field's bounds; whole-number
    fields are rounded. It stays fixed when it is a setting of the run (``time.duration_s``, ``time.dt_s``:
    moving the horizon or the step changes the question, not the model), when it is zero (a relative range
    around 0 is empty), when rounding leaves it unchanged (a count of 1), when it sits in a catalogue entry
    no unit of the scenario carries (the engine never reads it), or when no model reads it
    (:data:`UNREAD_FIELDS`; a unit's ``spread_m`` when the unit is one element whose count stays 1: one
    element stands at the unit's point; an area's ``radius_m`` when no model reads the area's extent,
    :func:`areas_with_extent`).
    """
    if not 0.0 < fraction < 1.0:
        raise UserError(f"the relative range must lie in (0, 1), got {fraction}")
    params = scenario.parameters()
    if paths is not None:
        known = {p.path: p for p in params}
        missing = [p for p in paths if p not in known]
        if missing:
            raise UserError(f"no numeric parameter '{missing[0]}' in {scenario.name}")
        params = [known[p] for p in paths]
    used = _used_catalogue_prefixes(scenario)
    out: list[ScreenedInput] = []
    for p in params:
        shape, bounds = _walk(scenario, p.path)
        integer = bool(bounds is not None and bounds.integer)
        low, high = _range(p.value, fraction, bounds)
        fixed: str | None = None
        unread = _unread(scenario, shape, fraction)
        if p.path.startswith(SETTINGS):
            fixed = SETTING
        elif p.path.startswith("catalogue.") and not any(p.path.startswith(u) for u in used):
            fixed = UNUSED_ENTRY
        elif unread is not None:
            fixed = NOT_READ + unread
        elif p.value == 0.0:
            fixed = ZERO
        elif (integer and round(low) == round(high)) or low == high:
            fixed = ROUNDING
        out.append(
            ScreenedInput(
                path=p.path,
                value=p.value,
                low=low,
                high=high,
                integer=integer,
                source=p.source,
                confidence=p.confidence,
                sourced=is_sourced(p),
                shape=shape,
                fixed=fixed,
            )
        )
    return out


def _unread(scenario: Scenario, shape: Sequence[str], fraction: float) -> str | None:
    """Why no model reads the number at ``shape``, or None when one may."""
    if shape[-1] in UNREAD_FIELDS:
        return UNREAD_FIELDS[shape[-1]]
    if shape[:2] == ("catalogue", "unit_types") and shape[-1] in ("fuel_per_km_l", "idle_fuel_per_h_l"):
        utype = scenario.catalogue.unit_types[shape[2][1:-1]]
        if utype.fuel_l is None or utype.domain == "air":
            return "the fuel burn of a unit type whose fuel is not modelled (no fuel_l, or an aircraft)"
    area_radius = len(shape) == 3 and shape[0] == "areas" and shape[2] == "radius_m"
    if area_radius and shape[1][1:-1] not in areas_with_extent(scenario):
        return UNREAD_AREA_RADIUS
    if len(shape) == 3 and shape[0] == "units" and shape[2] == "spread_m":
        unit = scenario.units[shape[1][1:-1]]
        # A one-element unit stands at its point (world/forces.py places elements only when count > 1),
        # unless the screening can move its count above 1.
        if int(unit.count) == 1 and round(1.0 + fraction) == 1:
            return "the spread of a unit of one element (it stands at the unit's point)"
    return None


def areas_with_extent(scenario: Scenario) -> set[str]:
    """The areas whose extent (polygon, or centre and ``radius_m``) a model reads: no-fire areas
    (world/support.py), the areas of obstacles (world/obstacles.py), of positions (world/positions.py),
    of hold-area objectives (mechanics/outcomes) and ambushes' kill zones (world/plan.py). Any other area
    is read at most as a point (a defend task's area: its centre) or only drawn on maps."""
    out = {name for name, area in scenario.areas.items() if area.kind == "no-fire"}
    out |= {str(ob.area) for ob in scenario.obstacles.values() if ob.area is not None}
    out |= {str(pos.area) for pos in scenario.positions.values() if pos.area is not None}
    out |= {str(o.area) for o in scenario.objectives.values() if o.kind == "hold-area" and o.area is not None}
    for phase in scenario.plan.phases.values():
        out |= {str(task.kill_zone) for task in phase.tasks if isinstance(task, AmbushTask)}
    return out


def fixed_counts(fixed: Sequence[tuple[str, str]]) -> list[tuple[str, int]]:
    """How many numbers were not moved for each reason of :data:`FIXED_KINDS` (short label, count)."""
    out = []
    for reason, label in FIXED_KINDS:
        n = sum(1 for _, why in fixed if why.startswith(reason))
        if n:
            out.append((label, n))
    return out


def group_key(shape: Sequence[str], rule: str) -> str:
    """The group of a number, from its path's shape (entry names in braces, list items as ``[N]``).

    ``none``: the path itself. ``entry``: the path up to its first entry name (``catalogue.sensors.eye``,
    ``units.tjk/sof``, ``nations.TJK``, ``plan.phases.incursion``), or its first key when it has none
    (``time``, ``environment``). ``field``: the path with every entry name replaced by ``*`` and every list
    index by ``[*]`` (``catalogue.sensors.*.rate_per_s``, ``units.*.readiness_s``,
    ``catalogue.unit_types.*.speed_mps.*``). ``kind``: the path before its first entry name
    (``catalogue.sensors``, ``units``, ``plan.phases``), or its first key.
    """

    def plain(key: str) -> str:
        return key[1:-1] if key.startswith("{") else key

    def joined(keys: Sequence[str]) -> str:
        text = ""
        for key in keys:
            text += key if key.startswith("[") or not text else "." + key
        return text

    first_entry = next((i for i, k in enumerate(shape) if k.startswith("{")), None)
    if rule == "none":
        return joined([plain(k) for k in shape])
    if rule == "field":
        return joined(["*" if k.startswith("{") else "[*]" if k.startswith("[") else k for k in shape])
    if rule == "entry":
        if first_entry is None:
            return shape[0]
        return joined([plain(k) for k in shape[: first_entry + 1]])
    if rule == "kind":
        return shape[0] if first_entry is None else joined(list(shape[:first_entry]))
    raise UserError(f"unknown grouping '{rule}'; choose one of {', '.join(GROUPINGS)}")


# --- the design and the elementary effects ------------------------------------------------------------------


@dataclass(frozen=True)
class MorrisDesign:
    """``r`` trajectories of ``G + 1`` points each, in grid coordinates of the ``k`` moved numbers."""

    units: FloatArray
    """``(r (G + 1), k)`` grid coordinates in [0, 1], trajectory after trajectory."""
    order: NDArray[np.int64]
    """``(r, G)``: the group moved at each step of each trajectory."""
    direction: NDArray[np.int64]
    """``(r, G)``: +1 when the group moved up at that step, -1 when down."""
    delta: float


def morris_design(
    members: Sequence[Sequence[int]],
    k: int,
    *,
    trajectories: int = 10,
    levels: int = 4,
    rng: np.random.Generator,
) -> MorrisDesign:
    """Random trajectories on a ``levels``-point grid, moving one group at a time by ``delta``.

    Each trajectory starts at a random grid point ``x*`` (levels ``0, 1/(p-1), ..., 1 - delta``, with
    ``delta = p / (2 (p - 1))``), picks a direction per group and a random order of the groups, and moves
    every number of the next group by ``+delta`` (or, going down, starts ``delta`` higher and moves by
    ``-delta``), as in the design matrix ``B*`` of Campolongo et al. (2007), except that the numbers of a
    group share one direction so a step moves the whole group up or down together.
    """
    if levels < 2 or levels % 2:
        raise UserError(f"the number of levels must be even and at least 2, got {levels}")
    if trajectories < 2:
        raise UserError(f"Morris screening needs at least 2 trajectories, got {trajectories}")
    g = len(members)
    delta = levels / (2.0 * (levels - 1))
    starts = np.arange(levels // 2) / (levels - 1)
    units = np.empty((trajectories * (g + 1), k))
    order = np.empty((trajectories, g), dtype=np.int64)
    direction = np.empty((trajectories, g), dtype=np.int64)
    for t in range(trajectories):
        x = rng.choice(starts, size=k)
        d = rng.choice(np.array([-1, 1]), size=g)
        perm = rng.permutation(g)
        for j in range(g):
            if d[j] < 0:
                x[list(members[j])] += delta
        row = t * (g + 1)
        units[row] = x
        for step, j in enumerate(perm):
            x[list(members[j])] += d[j] * delta
            units[row + step + 1] = x
        order[t] = perm
        direction[t] = d[perm]
    return MorrisDesign(np.clip(units, 0.0, 1.0), order, direction, delta)


def morris_effects(design: MorrisDesign, y: FloatArray, groups: int) -> FloatArray:
    """Elementary effects ``(r, G)``: ``EE = (y(after) - y(before)) / (direction * delta)`` per step.

    A step whose point before or after has no value (NaN) gives NaN.
    """
    r = design.order.shape[0]
    ee = np.full((r, groups), np.nan)
    for t in range(r):
        row = t * (groups + 1)
        for step in range(groups):
            g = int(design.order[t, step])
            diff = y[row + step + 1] - y[row + step]
            ee[t, g] = diff / (design.direction[t, step] * design.delta)
    return ee


# --- results ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupEffect:
    """A group of numbers: its ``mu*``, ``mu`` and ``sigma`` per measure, its influence and its pedigree."""

    name: str
    members: tuple[str, ...]
    sourced: int
    """How many members are sourced (:func:`~drillsim.scenario.pedigree.is_sourced`)."""
    confidences: dict[str, int]
    """Members by confidence (``unstated`` for none)."""
    sources: tuple[str, ...]
    mu_star: dict[str, float]
    """Mean ``|EE|`` per measure, in the measure's unit per full range of the group."""
    mu: dict[str, float]
    sigma: dict[str, float]
    effects: int
    """Elementary effects behind each estimate (trajectories that gave a value)."""
    influence: float = 0.0
    """Mean over the measures that vary of ``mu* / spread``."""
    sigma_norm: float = 0.0
    """Mean over the measures that vary of ``sigma / spread``."""
    influential: bool = False

    @property
    def sourced_share(self) -> float:
        return self.sourced / len(self.members) if self.members else 0.0

    @property
    def is_sourced(self) -> bool:
        return bool(self.members) and self.sourced == len(self.members)

    def pedigree_text(self) -> str:
        if len(self.members) == 1:
            conf = next(iter(self.confidences))
            src = self.sources[0] if self.sources else "no source"
            return f"{src}; {conf}"
        levels = ", ".join(f"{n} {c}" for c, n in sorted(self.confidences.items()))
        return f"{self.sourced}/{len(self.members)} sourced; {levels}"

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["sourced_share"] = self.sourced_share
        return out


def in_catalogue(group: GroupEffect) -> bool:
    """Whether every member of ``group`` is a number of the catalogue (``catalogue.``); every grouping keeps
    a path's first key, so a group is either all catalogue or all the scenario's own."""
    return bool(group.members) and all(m.startswith("catalogue.") for m in group.members)


@dataclass(frozen=True)
class MorrisScreening:
    """The result of :func:`screen_scenario`: groups ranked by influence, and the pedigree coverage."""

    scenario: str
    grouping: str
    fraction: float
    trajectories: int
    levels: int
    replications: int
    seed: int
    points: int
    failed_points: int
    measures: tuple[str, ...]
    spread: dict[str, float]
    """Standard deviation of each measure over the design points (0: it never varied; left out)."""
    groups: tuple[GroupEffect, ...]
    """Influential weakly sourced groups first, then the rest; each part by influence, largest first."""
    fixed: tuple[tuple[str, str], ...]
    """Numbers not moved, with the reason."""
    elapsed_s: float
    refined: MorrisScreening | None = None
    """The second stage (:func:`refine_screening`): the members of the most influential groups."""
    notes: tuple[str, ...] = field(default=())
    until_s: float | None = None

    @property
    def coverage(self) -> float:
        """Sourced-influence coverage: the share of the summed influence carried by sourced numbers.

        Each group's influence counts in proportion to the share of it carried by sourced members: their
        share of its members (equal shares), or, for a group whose members a second stage screened
        (:attr:`refined`), their share of the members' influence in that stage. In [0, 1], NaN when no
        group moved any measure.
        """
        return self._coverage(refined=True)

    @property
    def coverage_equal_shares(self) -> float:
        """The coverage of the first stage alone: every group's influence shared equally by its members."""
        return self._coverage(refined=False)

    @property
    def catalogue_coverage(self) -> float:
        """Sourced-influence coverage of the catalogue alone: the share of the catalogue groups' summed
        influence carried by sourced numbers (as :attr:`coverage`, over the groups whose members are all in
        ``catalogue.``). NaN when no catalogue group moved any measure."""
        return self._coverage(refined=True, groups=[g for g in self.groups if in_catalogue(g)])

    @property
    def catalogue_share(self) -> float:
        """The catalogue's share of the summed influence (the rest is the scenario's own numbers: units,
        plan, sides, nations, objectives...). NaN when no group moved any measure."""
        total = sum(g.influence for g in self.groups)
        if not total > 0.0:
            return math.nan
        return sum(g.influence for g in self.groups if in_catalogue(g)) / total

    def _coverage(self, *, refined: bool, groups: Sequence[GroupEffect] | None = None) -> float:
        chosen = self.groups if groups is None else groups
        total = sum(g.influence for g in chosen)
        if not total > 0.0:
            return math.nan
        carried = sum(g.influence * self.sourced_weight(g, refined=refined) for g in chosen)
        return min(1.0, max(0.0, carried / total))

    def coverage_text(self) -> str:
        """The coverage in words: of all influence, of the catalogue's influence, and the catalogue's
        share."""
        coverage = self.coverage
        if not math.isfinite(coverage):
            return "sourced-influence coverage: - (no input moved any measure)"
        text = f"sourced-influence coverage: {coverage:.1%} of all influence"
        catalogue, share = self.catalogue_coverage, self.catalogue_share
        if math.isfinite(catalogue):
            text += f", {catalogue:.1%} of the catalogue's influence"
        text += " is carried by sourced numbers"
        if math.isfinite(share):
            text += (
                f"; the catalogue carries {share:.0%} of all influence, the scenario's own numbers "
                f"(units, plan, sides, nations) the other {1.0 - share:.0%}"
            )
        return text

    def sourced_weight(self, group: GroupEffect, *, refined: bool = True) -> float:
        """The share of ``group``'s influence carried by sourced members (see :attr:`coverage`).

        With a second stage, each of its groups ``h`` gives the members it shares with ``group`` the
        weight ``I_h |h & group| / |h|`` and their sourced share that of ``h``; without one, or when the
        second stage saw no influence among the members, the members share the influence equally.
        """
        if not refined or self.refined is None:
            return group.sourced_share
        inside = set(group.members)
        weight = carried = 0.0
        for h in self.refined.groups:
            common = len(inside.intersection(h.members))
            if common and h.members:
                w = h.influence * common / len(h.members)
                weight += w
                carried += w * h.sourced_share
        return carried / weight if weight > 0.0 else group.sourced_share

    @property
    def moved(self) -> int:
        return sum(len(g.members) for g in self.groups)

    def ranked(self) -> list[GroupEffect]:
        """Groups by influence, largest first."""
        return sorted(self.groups, key=lambda g: (-g.influence, g.name))

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "grouping": self.grouping,
            "fraction": self.fraction,
            "trajectories": self.trajectories,
            "levels": self.levels,
            "replications": self.replications,
            "seed": self.seed,
            "points": self.points,
            "failed_points": self.failed_points,
            "measures": list(self.measures),
            "spread": self.spread,
            "coverage": self.coverage,
            "coverage_equal_shares": self.coverage_equal_shares,
            "catalogue_coverage": self.catalogue_coverage,
            "catalogue_share": self.catalogue_share,
            "groups": [g.as_dict() for g in self.groups],
            "fixed": [list(f) for f in self.fixed],
            "elapsed_s": self.elapsed_s,
            "notes": list(self.notes),
            "refined": self.refined.to_json() if self.refined is not None else None,
        }

    def fixed_text(self) -> str:
        """The numbers not moved, by reason: ``not screened: N numbers no model reads (...), ...``."""
        counts = dict(fixed_counts(self.fixed))
        entries = counts.pop(FIXED_KINDS[0][1], 0)
        by_model = counts.pop(FIXED_KINDS[1][1], 0)
        parts = []
        if entries or by_model:
            what = [f"{entries} in catalogue entries no unit carries"] if entries else []
            if by_model:
                fields = sorted(
                    {path.rsplit(".", 1)[-1] for path, why in self.fixed if why.startswith(NOT_READ)}
                )
                what.append(f"{by_model} read by no model: {', '.join(fields)}")
            parts.append(f"{entries + by_model} numbers no model reads ({'; '.join(what)})")
        parts += [f"{n} {label}" for label, n in counts.items()]
        return "not screened: " + (", ".join(parts) if parts else "none")

    def text(self, *, top: int = 20) -> str:
        """The ranking as plain text: influential weakly sourced groups first."""
        lines = [
            f"Morris screening of {self.scenario}: {self.moved} numbers in {len(self.groups)} groups "
            f"(by {self.grouping}), +-{self.fraction:.0%}, {self.trajectories} trajectories, {self.levels} "
            f"levels, {self.points} points x {self.replications} replication(s), seed {self.seed}, "
            f"{self.elapsed_s:.0f} s",
            self.fixed_text(),
        ]
        if self.failed_points:
            lines.append(
                f"{self.failed_points} design points were invalid scenarios; their steps are skipped"
            )
        lines.append(
            "influence = mean over measures of mu*/spread; sigma likewise; "
            "WEAK = not every member sourced (source and confidence medium or high)"
        )
        lines.append(f"{'group':58s} {'influence':>9s} {'sigma':>7s}  pedigree")
        for g in self.groups[:top]:
            flag = "WEAK " if g.influential and not g.is_sourced else "     "
            lines.append(
                f"{flag}{g.name[:53]:53s} {g.influence:9.3f} {g.sigma_norm:7.3f}  {g.pedigree_text()}"
            )
        if len(self.groups) > top:
            lines.append(f"... {len(self.groups) - top} more groups")
        coverage = self.coverage
        lines.append(
            self.coverage_text()
            + (
                " (members of the refined groups weighted by their own influence; "
                f"{self.coverage_equal_shares:.1%} with equal shares within each group)"
                if self.refined is not None and math.isfinite(coverage)
                else " (each group's influence shared equally by its members)"
                if math.isfinite(coverage)
                else ""
            )
        )
        share = self.catalogue_share
        if math.isfinite(share) and share < 1.0:
            lines.append(
                f"sourcing the catalogue alone can raise the coverage of all influence to {share:.0%} at "
                "most; the rest needs sources for the scenario's own numbers (an exercise's order of battle, "
                "plan and timings), which may not be public"
            )
        lines.extend(f"note: {n}" for n in self.notes)
        if self.refined is not None:
            lines.append("")
            lines.append("Second stage: the members of the most influential groups")
            lines.append(self.refined.text(top=top))
        return "\n".join(lines)


# --- running it ---------------------------------------------------------------------------------------------


def _censored(values: FloatArray) -> FloatArray | None:
    """Missing values (a time that never came) take the largest observed value; None when none observed."""
    finite = np.isfinite(values)
    if not finite.any():
        return None
    return np.where(finite, values, float(values[finite].max()))


def _run_design(
    base: Scenario,
    moved: Sequence[ScreenedInput],
    design: MorrisDesign,
    *,
    replications: int,
    seed: int,
    until_s: float | None,
    executor: ExecutorLike,
    progress: Callable[[int, int], None] | None,
) -> tuple[dict[int, dict[str, FloatArray]], list[int]]:
    """Each design point's measures (one chunk per point, common random numbers), and the invalid points.

    Points that differ only in inputs setting the starting state run as lanes of one batch
    (:func:`lane_batches`). Each batch's scenarios are made and validated only when the executor has a slot
    for it, so the workers start on the first points while the next ones are still being made.
    """
    n_points = design.units.shape[0]
    failed: list[int] = []
    indices = tuple(range(replications))
    outputs: dict[int, dict[str, FloatArray]] = {}

    def report() -> None:
        if progress is not None:
            progress(len(failed) + len(outputs), n_points)

    def scenario_at(point: int) -> Scenario | None:
        values = {i.path: i.setting(float(u)) for i, u in zip(moved, design.units[point], strict=True)}
        try:
            return with_overrides(base, values)
        except InputError:
            failed.append(point)
            report()
            return None

    def tasks() -> Iterator[ChunkTask]:
        for batch in lane_batches(moved, design):
            made = [(point, scenario_at(point)) for point in batch]
            ok = [(point, sc) for point, sc in made if sc is not None]
            if ok:
                (point, first), rest = ok[0], ok[1:]
                yield ChunkTask(point, indices, indices, first, seed, until_s, lanes=tuple(rest))

    report()
    with executor_from(executor) as runner:
        for result in runner.run(tasks()):
            outputs[result.task.point] = result.measures
            for (point, _), measures in zip(result.task.lanes, result.lane_measures, strict=True):
                outputs[point] = measures
            report()
    return outputs, failed


LANES_PER_BATCH = 32
"""At most this many design points run as lanes of one batch."""


def lane_batches(moved: Sequence[ScreenedInput], design: MorrisDesign) -> list[list[int]]:
    """The design's points in batches: points whose settings differ only in inputs that set the starting
    state (:func:`~drillsim.world.lanes.is_lane_input`) share a batch, as its lanes (at most
    :data:`LANES_PER_BATCH`); every other point runs alone. Batches come in the order of their first point."""
    shared = np.array([not is_lane_input(i.path) for i in moved], dtype=bool)
    groups: dict[bytes, list[int]] = {}
    for point in range(design.units.shape[0]):
        groups.setdefault(design.units[point, shared].tobytes(), []).append(point)
    batches = [g[k : k + LANES_PER_BATCH] for g in groups.values() for k in range(0, len(g), LANES_PER_BATCH)]
    return sorted(batches, key=lambda b: b[0])


@dataclass
class _Statistics:
    spread: dict[str, float] = field(default_factory=dict)
    mu_star: dict[str, dict[str, float]] = field(default_factory=dict)
    mu: dict[str, dict[str, float]] = field(default_factory=dict)
    sigma: dict[str, dict[str, float]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _statistics(
    outputs: dict[int, dict[str, FloatArray]],
    design: MorrisDesign,
    names: Sequence[str],
    wanted: Sequence[str],
    replications: int,
) -> _Statistics:
    """``mu*``, ``mu``, ``sigma`` per group and measure, and each measure's spread over the design."""
    n_points = design.units.shape[0]
    st = _Statistics(
        mu_star={g: {} for g in names},
        mu={g: {} for g in names},
        sigma={g: {} for g in names},
        counts=dict.fromkeys(names, 0),
    )
    ok_points = np.array(sorted(outputs), dtype=np.int64)
    for m in wanted:
        raw = np.full((n_points, replications), np.nan)
        for point, out in outputs.items():
            if m in out:
                raw[point] = out[m]
        censored = _censored(raw[ok_points]) if ok_points.size else None
        if censored is None:
            st.spread[m] = 0.0
            st.notes.append(f"measure '{m}' never had a value; left out")
            continue
        raw[ok_points] = censored
        y = raw.mean(axis=1)
        constant = ok_points.size < 2 or is_constant(y[ok_points])
        st.spread[m] = 0.0 if constant else float(np.std(y[ok_points], ddof=1))
        ee = morris_effects(design, y, len(names))
        for j, g in enumerate(names):
            e = ee[:, j][np.isfinite(ee[:, j])]
            st.counts[g] = max(st.counts[g], int(e.size))
            st.mu_star[g][m] = float(np.abs(e).mean()) if e.size else math.nan
            st.mu[g][m] = float(e.mean()) if e.size else math.nan
            st.sigma[g][m] = float(e.std(ddof=1)) if e.size > 1 else math.nan
    return st


def _group_effects(
    names: Sequence[str], members: dict[str, list[ScreenedInput]], st: _Statistics, varying: Sequence[str]
) -> list[GroupEffect]:
    """Each group with its normalised influence and pedigree; influential weakly sourced groups first."""
    effects: list[GroupEffect] = []
    for g in names:
        inside = members[g]
        confidences: dict[str, int] = {}
        for i in inside:
            key = i.confidence or "unstated"
            confidences[key] = confidences.get(key, 0) + 1
        norm = [st.mu_star[g][m] / st.spread[m] for m in varying if math.isfinite(st.mu_star[g][m])]
        snorm = [st.sigma[g][m] / st.spread[m] for m in varying if math.isfinite(st.sigma[g][m])]
        effects.append(
            GroupEffect(
                name=g,
                members=tuple(i.path for i in inside),
                sourced=sum(i.sourced for i in inside),
                confidences=confidences,
                sources=tuple(sorted({i.source for i in inside if i.source})),
                mu_star=st.mu_star[g],
                mu=st.mu[g],
                sigma=st.sigma[g],
                effects=st.counts[g],
                influence=float(np.mean(norm)) if norm else 0.0,
                sigma_norm=float(np.mean(snorm)) if snorm else 0.0,
            )
        )
    top = max((e.influence for e in effects), default=0.0)
    marked = [replace(e, influential=top > 0.0 and e.influence >= INFLUENTIAL_SHARE * top) for e in effects]
    marked.sort(key=lambda e: (not (e.influential and not e.is_sourced), -e.influence, e.name))
    return marked


def screen_scenario(
    scenario: Scenario | str,
    *,
    groups: str = "kind",
    paths: Sequence[str] | None = None,
    fraction: float = 0.25,
    trajectories: int = 10,
    replications: int = 1,
    measures: Sequence[str] | None = None,
    rng: int | np.random.Generator | None = None,
    until_s: float | None = None,
    executor: ExecutorLike = None,
    progress: Callable[[int, int], None] | None = None,
) -> MorrisScreening:
    """Screen every number of a scenario (or those at ``paths``) with grouped Morris elementary effects.

    ``groups`` is one of :data:`GROUPINGS`; each number moves over ``+-fraction`` (clipped to its bounds)
    on a :data:`LEVELS`-point grid along ``trajectories`` trajectories: ``trajectories * (G + 1)`` design
    points, each run with ``replications`` replications (indices 0..R-1 at every point: common random
    numbers) as one chunk on ``executor``. ``measures`` defaults to the scenario's measures.
    :func:`refine_screening` adds a second stage.
    """
    started = time.perf_counter()
    base = load_scenario(scenario) if isinstance(scenario, str) else scenario
    if replications < 1:
        raise UserError(f"each design point needs at least 1 replication, got {replications}")
    seed = root_seed(rng)
    inputs = screened_inputs(base, fraction=fraction, paths=paths)
    moved = [i for i in inputs if i.fixed is None]
    members: dict[str, list[ScreenedInput]] = {}
    by_group: dict[str, list[int]] = {}
    for n, i in enumerate(moved):
        key = group_key(i.shape, groups)
        by_group.setdefault(key, []).append(n)
        members.setdefault(key, []).append(i)
    names = list(by_group)
    if not names:
        raise UserError(f"no number of {base.name} can be moved: every one is zero, fixed or unused")
    design = morris_design(
        [by_group[g] for g in names],
        len(moved),
        trajectories=trajectories,
        levels=LEVELS,
        rng=np.random.default_rng([seed, 0x4D4F52]),
    )
    outputs, failed = _run_design(
        base,
        moved,
        design,
        replications=replications,
        seed=seed,
        until_s=until_s,
        executor=executor,
        progress=progress,
    )
    observed = {m for out in outputs.values() for m in out}
    wanted = list(measures) if measures is not None else [m for m in base.measures if m in observed]
    missing = [m for m in wanted if m not in observed]
    if missing:
        raise UserError(f"no measure '{missing[0]}' in {base.name}")
    st = _statistics(outputs, design, names, wanted, replications)
    varying = [m for m in wanted if st.spread.get(m, 0.0) > 0.0]
    quiet = [m for m in wanted if m not in varying]
    if quiet:
        st.notes.append(f"{len(quiet)} measure(s) did not vary over the design: {', '.join(quiet[:6])}")
    if failed:
        st.notes.append(f"{len(failed)} of {design.units.shape[0]} design points were not valid scenarios")
    return MorrisScreening(
        scenario=base.name,
        grouping=groups,
        fraction=fraction,
        trajectories=trajectories,
        levels=LEVELS,
        replications=replications,
        seed=seed,
        points=design.units.shape[0],
        failed_points=len(failed),
        measures=tuple(varying),
        spread=st.spread,
        groups=tuple(_group_effects(names, members, st, varying)),
        fixed=tuple((i.path, i.fixed) for i in inputs if i.fixed is not None),
        elapsed_s=time.perf_counter() - started,
        notes=tuple(st.notes),
        until_s=until_s,
    )


def refine_screening(
    first: MorrisScreening,
    scenario: Scenario | str,
    *,
    top: int = 3,
    groups: str = "none",
    executor: ExecutorLike = None,
    progress: Callable[[int, int], None] | None = None,
) -> MorrisScreening:
    """The second stage: screen the members of the ``top`` most influential groups of ``first``, grouped
    by ``groups`` (default each alone), with its seed, range, trajectories, replications and measures.

    Returns ``first`` with the second stage in ``refined``.
    """
    best = [g for g in first.ranked() if g.influence > 0.0][:top]
    inner = [p for g in best for p in g.members]
    if not inner:
        return first
    second = screen_scenario(
        scenario,
        groups=groups,
        paths=inner,
        fraction=first.fraction,
        trajectories=first.trajectories,
        replications=first.replications,
        measures=list(first.measures) or None,
        rng=first.seed,
        until_s=first.until_s,
        executor=executor,
        progress=progress,
    )
    return replace(first, refined=second)
