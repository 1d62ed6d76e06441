"""The plan compiled for the engine: phases, trigger trees and tasks as flat, indexed records.

Names become indices (phases, sides, objectives, elements), locations become projected metres, and each
task knows the elements that receive it. Evaluation of triggers over a batch lives in
:mod:`drillsim.mechanics.orders.triggers`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from drillsim.geo.projection import LocalProjection
from drillsim.scenario.gazetteer import Gazetteer
from drillsim.scenario.models import TASK_KINDS as SCENARIO_TASK_KINDS
from drillsim.scenario.models import (
    AfterPhaseTrigger,
    AllOfTrigger,
    AmbushTask,
    AnyOfTrigger,
    ArrivedTrigger,
    AttackTask,
    AtTimeTrigger,
    CoverWithdrawalTask,
    DefendTask,
    EventTrigger,
    FireSupportTask,
    LatLon,
    LocatedTrigger,
    LossesTrigger,
    MoveTask,
    ObjectiveTrigger,
    PatrolTask,
    RaidTask,
    ReconnoitreTask,
    RelieveTask,
    ResupplyTask,
    Scenario,
    ScreenTask,
    StrikeTask,
    WithdrawTask,
)
from drillsim.world.forces import POSTURE_INDEX, ForceTable
from drillsim.world.obstacles import ZoneTable, area_polygons, line_polygons, obstacle_event_key

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

TASK_KINDS = ("idle", *SCENARIO_TASK_KINDS)
"""Task codes of the engine: 0 is no task, then the scenario language's task kinds."""
TASK_CODE = {name: i for i, name in enumerate(TASK_KINDS)}
RIDE_NO, RIDE_AUTO, RIDE_YES = 0, 1, 2
"""A task's ``mounted`` option: walk, ride where faster (omitted), ride."""
_RIDE_CODE = {False: RIDE_NO, None: RIDE_AUTO, True: RIDE_YES}
STANDOFF_SHARE = 0.5
"""A reconnoitre toward contacts stops this share of its best sensor's range scale short of a contact: there
its sensor's detection rate is exp(-0.25), about 0.78, of its rate at close range (docs/mechanics/orders.md,
"Reconnaissance toward contacts"; assumption)."""
MIN_STANDOFF_M = 100.0
"""The stand-off of an element with no sensor (assumption: the arrival tolerance of a route)."""
TRACK_SPACING_SHARE = 1.0
"""A search pattern (raid, attack on a target unit) spaces its tracks this share of the searching element's
best sensor's range scale apart: no point of the square is farther than half a range scale from a track,
where the sensor's detection rate is still exp(-0.25), about 0.78, of its rate at close range
(docs/mechanics/orders.md,
"Search for a target"; assumption)."""


@dataclass(frozen=True)
class TriggerNode:
    """A node of a trigger tree; ``kind``: at, after, event, losses, located, objective, arrived, all, any."""

    kind: str
    delay_s: float = 0.0
    at_s: float = 0.0
    phase: int = -1
    event: str = ""
    side: int = -1
    of_side: int = -1
    nation: int = -1
    elements: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    objective: int = -1
    fraction: float = 0.0
    children: tuple[int, ...] = ()
    obstacle: int = -1
    """obstacle-encountered / obstacle-breached: the obstacle (in name order), -1 for any."""
    selected: bool = False
    """losses: ``elements`` is the selection (sides, nations and units named), even when empty."""
    key: int = -1
    """Keyed events (position-lost, position-retaken): the index of the thing named (-1: any)."""


@dataclass(frozen=True)
class SupplyOrder:
    """What a resupply task's carriers do: load ``load_rounds`` at the depot (x, y) in ``load_s``, carry
    them to a served element whose rounds fell below ``request_below`` of its load, hand over in
    ``handover_s``, come back. With ``load_fuel_l`` they also carry fuel, and a served element whose fuel fell
    below ``request_below`` of its tanks asks too."""

    depot: FloatArray
    load_rounds: float
    request_below: float
    load_s: float
    handover_s: float
    load_fuel_l: float = 0.0


@dataclass(frozen=True)
class CompiledTask:
    """A task of a phase, ready for the engine."""

    index: int
    phase: int
    kind: str
    elements: IntArray
    """Elements that receive the task."""
    delay_s: float
    stagger_s: float
    waypoints: FloatArray
    """(elements, points, 2): the route each element follows (via points, then its destination); for a
    patrol the loop. Empty (points = 0) when the destination is found at run time (attack on contacts,
    raid, strike)."""
    speed_factor: float = 1.0
    posture_on_arrival: int = POSTURE_INDEX["halted"]
    target_elements: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    capture: bool = False
    covered: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    observers: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    fire_direction_delay_s: float = 0.0
    max_missions: float = np.inf
    sorties: int = 0
    weapon: str | None = None
    tasking_delay_s: float = 0.0
    time_on_station_s: float = 0.0
    danger_close: bool = False
    """Fire support and strikes: fire even with friendly troops inside the weapon's safe distance."""
    loop: bool = False
    then_to: FloatArray = field(default_factory=lambda: np.full(2, np.nan))
    """Raid, cover-withdrawal, ambush: where to go when the task ends; reconnoitre toward contacts: where
    to go while there is no contact to reconnoitre (nan: none)."""
    # --- via roads, ambush, relief
    via_roads: bool = False
    """The route names route or road lines in ``via``: its ground legs may follow the road network."""
    kill_zone: ZoneTable | None = None
    """Ambush: the kill zone (one zone)."""
    withdraw_after_s: float = np.inf
    """Ambush: time after opening fire at which the party withdraws (to ``then_to``)."""
    withdraw_losses: float = 1.0
    """Ambush: fraction of its strength an element may lose before it withdraws."""
    supply: SupplyOrder | None = None
    """Resupply: the depot, the load and the times (the served elements are ``target_elements``)."""
    mounted: int = 0
    """Elements with carriers: RIDE_AUTO rides where faster, RIDE_YES rides, RIDE_NO walks (tasks without
    a ``mounted`` option: RIDE_AUTO)."""
    together_gap_m: float = np.inf
    """Keeping together: the most route distance an element may lead the task's last element by (inf: each
    element at its own pace)."""
    supported: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Fire support: the elements the batteries follow (none: the batteries stay where they are)."""
    support_reach_m: FloatArray = field(default_factory=lambda: np.zeros(0))
    """Fire support with ``supported``: for each of the task's elements, the distance from the supported
    elements' centre it keeps within (the task's ``reach`` times the element's greatest indirect range)."""
    support_range_m: FloatArray = field(default_factory=lambda: np.zeros(0))
    """Fire support with ``supported``: each element's greatest indirect range (inf for an element without
    an indirect-fire weapon), from which its displacement dead band is measured."""
    toward_contacts: bool = False
    """Reconnoitre toward contacts: the destination is found at run time from the side's picture (and is
    ``then_to``, when finite, while the picture holds no contact to reconnoitre)."""
    search_area: ZoneTable | None = None
    """Reconnoitre toward contacts: only contacts believed inside this zone (None: anywhere)."""
    standoff_m: FloatArray = field(default_factory=lambda: np.zeros(0))
    """Reconnoitre toward contacts: for each of the task's elements, how far short of a contact it stops."""
    track_spacing_m: FloatArray = field(default_factory=lambda: np.zeros(0))
    """Raid, attack on a target unit: for each of the task's elements, the track spacing of its search
    pattern (``TRACK_SPACING_SHARE`` of its best sensor's range scale)."""


RESERVED_FOR = ("attack", "raid")
"""Task kinds that hold a unit in reserve until their phase starts (the plan commits it to an attack)."""


@dataclass(frozen=True)
class CompiledPlan:
    """Phases (in plan order) with their trigger trees and tasks."""

    phase_names: tuple[str, ...]
    phase_root: tuple[int, ...]
    nodes: tuple[TriggerNode, ...]
    tasks: tuple[CompiledTask, ...]
    phase_tasks: tuple[tuple[int, ...], ...]
    objective_names: tuple[str, ...]
    phase_unless: tuple[int, ...] = ()
    """Each phase's ``unless`` root node (-1: none); empty when no phase has one."""
    phase_unless_text: tuple[str, ...] = ()
    """Each phase's ``unless`` condition in words (empty string: none), the reason a skip event gives."""

    @cached_property
    def together_gap_m(self) -> FloatArray:
        """(tasks,) each task's keep-together gap (inf: its elements each at their own pace)."""
        return np.array([t.together_gap_m for t in self.tasks], dtype=np.float64).reshape(-1)

    @cached_property
    def keeps_together(self) -> bool:
        """Some task keeps its elements together."""
        return bool(np.isfinite(self.together_gap_m).any())


class _Compiler:
    def __init__(
        self, scenario: Scenario, forces: ForceTable, projection: LocalProjection, gazetteer: Gazetteer
    ) -> None:
        self.s = scenario
        self.f = forces
        self.proj = projection
        self.gaz = gazetteer
        self.nodes: list[TriggerNode] = []
        self.phases = list(scenario.plan.phases)
        self.sides = list(scenario.sides)
        self.nations = list(scenario.nations)
        self.objectives = list(scenario.objectives)
        self.positions = list(scenario.positions)

    def losses_selection(self, trig: LossesTrigger) -> IntArray:
        """The elements of every side, nation and unit a losses trigger names (their union)."""
        sides = [self.sides.index(n) for n in trig.names("side")]
        nations = [self.nations.index(n) for n in trig.names("nation")]
        chosen = np.isin(self.f.side, sides) | np.isin(self.f.nation, nations)
        units = self.elements(trig.names("unit"))
        chosen[units] = True
        return np.flatnonzero(chosen).astype(np.int64)

    def xy(self, ref: LatLon | str) -> tuple[float, float]:
        point = self.gaz.resolve(ref)
        x, y = self.proj.to_xy(point.lat, point.lon)
        return float(x), float(y)

    def elements(self, unit_ids: list[str], *, with_subordinates: bool = False) -> IntArray:
        chosen: list[int] = []
        for uid in unit_ids:
            chosen += self.f.members(uid)
        if with_subordinates:
            children: dict[str, list[str]] = {}
            for uid, unit in self.s.units.items():
                if unit.parent is not None:
                    children.setdefault(unit.parent, []).append(uid)
            stack = list(unit_ids)
            while stack:
                for child in children.get(stack.pop(), []):
                    chosen += self.f.members(child)
                    stack.append(child)
        return np.array(sorted(set(chosen)), dtype=np.int64)

    def side(self, name: str | None) -> int:
        return self.sides.index(name) if name is not None else -1

    def trigger(self, trig: Any) -> int:
        delay = float(trig.delay_s)
        node: TriggerNode
        if isinstance(trig, AtTimeTrigger):
            node = TriggerNode("at", delay, at_s=float(trig.at_s))
        elif isinstance(trig, AfterPhaseTrigger):
            node = TriggerNode("after", delay, phase=self.phases.index(trig.after_phase))
        elif isinstance(trig, EventTrigger):
            elems = self.elements([trig.unit]) if trig.unit else np.zeros(0, dtype=np.int64)
            objective = self.objectives.index(trig.objective) if trig.objective else -1
            obstacle = sorted(self.s.obstacles).index(trig.obstacle) if trig.obstacle else -1
            if trig.event in ("obstacle-encountered", "obstacle-breached"):
                key = obstacle_event_key(
                    self.side(trig.side), obstacle, len(self.s.sides), len(self.s.obstacles)
                )
            else:
                key = self.positions.index(trig.position) if trig.position else -1
            node = TriggerNode(
                "event",
                delay,
                event=trig.event,
                side=self.side(trig.side),
                elements=elems,
                objective=objective,
                obstacle=obstacle,
                key=key,
            )
        elif isinstance(trig, LossesTrigger):
            node = TriggerNode(
                "losses",
                delay,
                elements=self.losses_selection(trig),
                fraction=float(trig.losses_above),
                selected=bool(trig.names("side") or trig.names("nation") or trig.names("unit")),
            )
        elif isinstance(trig, LocatedTrigger):
            node = TriggerNode(
                "located",
                delay,
                side=self.side(trig.side),
                of_side=self.side(trig.of_side),
                fraction=float(trig.located_fraction),
            )
        elif isinstance(trig, ObjectiveTrigger):
            node = TriggerNode("objective", delay, objective=self.objectives.index(trig.objective_achieved))
        elif isinstance(trig, ArrivedTrigger):
            node = TriggerNode("arrived", delay, elements=self.elements(list(trig.arrived)))
        elif isinstance(trig, AllOfTrigger | AnyOfTrigger):
            members = trig.all_of if isinstance(trig, AllOfTrigger) else trig.any_of
            children = tuple(self.trigger(sub) for sub in members)
            node = TriggerNode("all" if isinstance(trig, AllOfTrigger) else "any", delay, children=children)
        else:  # pragma: no cover - the models admit no other trigger
            raise TypeError(f"unknown trigger {trig!r}")
        self.nodes.append(node)
        return len(self.nodes) - 1

    def line_points(self, name: str) -> list[tuple[float, float]]:
        line = self.s.lines[name]
        if line.points:
            return [self.xy(p) for p in line.points]
        return [self.xy(p) for p in self.gaz.lines[str(line.geodata_line)]]

    def spread_along(self, points: list[tuple[float, float]], n: int) -> FloatArray:
        """``n`` positions spaced evenly along a polyline (each at the middle of its share)."""
        pts = np.asarray(points, dtype=np.float64)
        seg = np.hypot(*np.diff(pts, axis=0).T)
        cum = np.concatenate([[0.0], np.cumsum(seg)])
        targets = (np.arange(n) + 0.5) / max(n, 1) * cum[-1]
        x = np.interp(targets, cum, pts[:, 0])
        y = np.interp(targets, cum, pts[:, 1])
        return np.stack([x, y], axis=1)

    def area_center(self, name: str) -> tuple[float, float]:
        area = self.s.areas[name]
        if area.center is not None:
            return self.xy(area.center)
        pts = np.asarray([self.xy(p) for p in area.polygon])
        return float(pts[:, 0].mean()), float(pts[:, 1].mean())

    def via_points(self, refs: list[Any], elems: IntArray) -> list[tuple[float, float]]:
        """Via points in order; a route or road line contributes its vertices, from the end nearer the point
        before it (the elements' mean start position for the first)."""
        out: list[tuple[float, float]] = []
        last = (float(self.f.x0[elems].mean()), float(self.f.y0[elems].mean())) if len(elems) else (0.0, 0.0)
        for ref in refs:
            if isinstance(ref, str) and ref in self.s.lines:
                pts = self.line_points(ref)
                if np.hypot(pts[-1][0] - last[0], pts[-1][1] - last[1]) < np.hypot(
                    pts[0][0] - last[0], pts[0][1] - last[1]
                ):
                    pts = pts[::-1]
                out += pts
            else:
                out.append(self.xy(ref))
            last = out[-1]
        return out

    def has_via_line(self, refs: list[Any]) -> bool:
        return any(isinstance(ref, str) and ref in self.s.lines for ref in refs)

    def zone(self, name: str, width_m: float) -> ZoneTable:
        """An area, or a line buffered to ``width_m``, as a zone."""
        if name in self.s.areas:
            return ZoneTable.of([area_polygons(self.s, name, self.xy)])
        return ZoneTable.of([line_polygons(np.asarray(self.line_points(name), dtype=np.float64), width_m)])

    def march(self, base: dict[str, Any], elems: IntArray, spec: MoveTask | ReconnoitreTask) -> CompiledTask:
        """A move or a reconnoitre to a place (through its via points), or a reconnoitre toward contacts:
        aimed at run time, with its area, stand-offs and the place to go while there is no contact
        (``then_to``)."""
        if isinstance(spec, MoveTask) or spec.toward is None:
            assert spec.to is not None  # the model asks a reconnoitre for to, toward or both
            pts = [*self.via_points(list(spec.via), elems), self.xy(spec.to)]
            arrival = spec.posture_on_arrival if isinstance(spec, MoveTask) else "hidden"
            return CompiledTask(
                **base,
                waypoints=self.route(elems, pts),
                speed_factor=float(spec.speed_factor),
                via_roads=self.has_via_line(list(spec.via)),
                posture_on_arrival=POSTURE_INDEX[arrival],
            )
        return CompiledTask(
            **base,
            waypoints=np.zeros((len(elems), 0, 2)),
            speed_factor=float(spec.speed_factor),
            posture_on_arrival=POSTURE_INDEX["hidden"],
            toward_contacts=True,
            search_area=self.zone(spec.area, 0.0) if spec.area is not None else None,
            standoff_m=self.standoff(elems, spec.standoff_m),
            then_to=np.array(self.xy(spec.to)) if spec.to is not None else np.full(2, np.nan),
        )

    def standoff(self, elems: IntArray, given: float | None) -> FloatArray:
        """Each element's stand-off from a contact it reconnoitres: ``given``, or ``STANDOFF_SHARE`` of the
        range scale of its farthest-seeing sensor (``MIN_STANDOFF_M`` without one)."""
        if given is not None:
            return np.full(len(elems), float(given))
        return np.maximum(STANDOFF_SHARE * self.sensor_scale(elems), MIN_STANDOFF_M)

    def sensor_scale(self, elems: IntArray) -> FloatArray:
        """Each element's farthest-seeing sensor's range scale (0 without a sensor)."""
        best = np.zeros(self.f.n)
        np.maximum.at(best, self.f.s_elem, self.f.s_range_scale)
        return best[elems]

    def route(self, elems: IntArray, points: list[tuple[float, float]]) -> FloatArray:
        arr = np.asarray(points, dtype=np.float64).reshape(1, -1, 2)
        return np.repeat(arr, len(elems), axis=0)

    def task(self, index: int, phase: int, spec: Any) -> CompiledTask:
        elems = self.elements(list(spec.units), with_subordinates=spec.with_subordinates)
        base: dict[str, Any] = {
            "index": index,
            "phase": phase,
            "kind": spec.task,
            "elements": elems,
            "delay_s": float(spec.delay_s),
            "stagger_s": float(spec.stagger_s),
            "mounted": _RIDE_CODE[getattr(spec, "mounted", None)],
            "together_gap_m": float(spec.max_gap_m) if getattr(spec, "together", False) else np.inf,
        }
        empty = np.zeros((len(elems), 0, 2))
        if isinstance(spec, MoveTask | ReconnoitreTask):
            return self.march(base, elems, spec)
        if isinstance(spec, ScreenTask):
            spots = self.spread_along(self.line_points(spec.line), len(elems))[:, None, :]
            return CompiledTask(**base, waypoints=spots, posture_on_arrival=POSTURE_INDEX["hasty-defence"])
        if isinstance(spec, DefendTask):
            if spec.line is not None:
                spots = self.spread_along(self.line_points(spec.line), len(elems))[:, None, :]
            elif spec.area is not None:
                spots = self.route(elems, [self.area_center(spec.area)])
            else:
                assert spec.at is not None
                spots = self.route(elems, [self.xy(spec.at)])
            return CompiledTask(**base, waypoints=spots, posture_on_arrival=POSTURE_INDEX[spec.posture])
        if isinstance(spec, AttackTask):
            targets = self.elements([spec.target_unit]) if spec.target_unit else np.zeros(0, dtype=np.int64)
            target_pts = (
                self.route(elems, [*self.via_points(list(spec.via), elems), self.xy(spec.target)])
                if spec.target is not None
                else empty
            )
            return CompiledTask(
                **base,
                waypoints=target_pts,
                target_elements=targets,
                posture_on_arrival=POSTURE_INDEX["hasty-defence"],
                track_spacing_m=np.maximum(TRACK_SPACING_SHARE * self.sensor_scale(elems), MIN_STANDOFF_M),
                via_roads=spec.target is not None and self.has_via_line(list(spec.via)),
            )
        if isinstance(spec, RaidTask):
            then = np.array(self.xy(spec.then_to)) if spec.then_to is not None else np.full(2, np.nan)
            return CompiledTask(
                **base,
                waypoints=empty,
                target_elements=self.elements([spec.target_unit]),
                capture=spec.capture,
                then_to=then,
                track_spacing_m=np.maximum(TRACK_SPACING_SHARE * self.sensor_scale(elems), MIN_STANDOFF_M),
            )
        if isinstance(spec, WithdrawTask):
            return CompiledTask(**base, waypoints=self.route(elems, [self.xy(spec.to)]))
        if isinstance(spec, CoverWithdrawalTask):
            covered = self.elements(list(spec.of))
            then = np.array(self.xy(spec.to)) if spec.to is not None else np.full(2, np.nan)
            return CompiledTask(
                **base,
                waypoints=empty,
                covered=covered,
                then_to=then,
                posture_on_arrival=POSTURE_INDEX["hasty-defence"],
            )
        if isinstance(spec, StrikeTask):
            target_pts = self.route(elems, [self.xy(spec.target)]) if spec.target is not None else empty
            return CompiledTask(
                **base,
                waypoints=target_pts,
                sorties=int(spec.sorties),
                weapon=spec.weapon,
                tasking_delay_s=float(spec.tasking_delay_s),
                time_on_station_s=float(spec.time_on_station_s),
                danger_close=spec.danger_close,
            )
        if isinstance(spec, FireSupportTask):
            observers = self.elements(list(spec.observers)) if spec.observers else np.zeros(0, dtype=np.int64)
            supported = self.elements(list(spec.supports)) if spec.supports else np.zeros(0, dtype=np.int64)
            mounts = self.f.battery_mounts()[elems]
            longest = self.f.w_max_range[np.maximum(mounts, 0)]
            reach = np.where(mounts >= 0, float(spec.reach) * longest, np.inf)
            return CompiledTask(
                **base,
                waypoints=empty,
                observers=observers,
                supported=supported,
                support_reach_m=reach,
                support_range_m=np.where(mounts >= 0, longest, np.inf),
                fire_direction_delay_s=float(spec.fire_direction_delay_s),
                max_missions=float(spec.max_missions) if spec.max_missions is not None else np.inf,
                danger_close=spec.danger_close,
            )
        if isinstance(spec, PatrolTask):
            pts = [self.xy(p) for p in spec.waypoints]
            return CompiledTask(
                **base,
                waypoints=self.route(elems, pts),
                speed_factor=float(spec.speed_factor),
                loop=spec.loop,
                posture_on_arrival=POSTURE_INDEX["moving"],
            )
        if isinstance(spec, AmbushTask | RelieveTask | ResupplyTask):
            return self.ambush_relief_or_resupply(base, elems, spec)
        raise TypeError(f"unknown task {spec!r}")  # pragma: no cover

    def ambush_relief_or_resupply(
        self, base: dict[str, Any], elems: IntArray, spec: AmbushTask | RelieveTask | ResupplyTask
    ) -> CompiledTask:
        """An ambush (its position, kill zone and withdrawal), a relief (to the relieved unit's post) or a
        resupply (its depot, load and times; the served elements as targets)."""
        if isinstance(spec, ResupplyTask):
            order = SupplyOrder(
                depot=np.array(self.xy(spec.depot), dtype=np.float64),
                load_rounds=float(spec.load_rounds),
                request_below=float(spec.request_below),
                load_s=float(spec.load_s),
                handover_s=float(spec.handover_s),
                load_fuel_l=float(spec.load_fuel_l),
            )
            empty = np.zeros((len(elems), 0, 2))
            return CompiledTask(
                **base, waypoints=empty, target_elements=self.elements(list(spec.supplied)), supply=order
            )
        if isinstance(spec, AmbushTask):
            then = np.array(self.xy(spec.withdraw_to)) if spec.withdraw_to is not None else np.full(2, np.nan)
            return CompiledTask(
                **base,
                waypoints=self.route(elems, [self.xy(spec.at)]),
                posture_on_arrival=POSTURE_INDEX["hidden"],
                kill_zone=self.zone(spec.kill_zone, float(spec.zone_width_m)),
                withdraw_after_s=float(spec.withdraw_after_s),
                withdraw_losses=float(spec.withdraw_losses),
                then_to=then,
            )
        relieved = self.elements([spec.unit])
        post = (float(self.f.x0[relieved].mean()), float(self.f.y0[relieved].mean()))
        return CompiledTask(
            **base,
            waypoints=self.route(elems, [*self.via_points(list(spec.via), elems), post]),
            target_elements=relieved,
            posture_on_arrival=POSTURE_INDEX[spec.posture],
            via_roads=self.has_via_line(list(spec.via)),
        )


def compile_plan(
    scenario: Scenario, forces: ForceTable, projection: LocalProjection, gazetteer: Gazetteer
) -> CompiledPlan:
    """Compile the scenario's plan for the engine."""
    c = _Compiler(scenario, forces, projection, gazetteer)
    roots: list[int] = []
    tasks: list[CompiledTask] = []
    phase_tasks: list[tuple[int, ...]] = []
    unless: list[int] = []
    for p, (_, phase) in enumerate(scenario.plan.phases.items()):
        roots.append(c.trigger(phase.trigger))
        unless.append(c.trigger(phase.unless) if phase.unless is not None else -1)
        ids: list[int] = []
        for spec in phase.tasks:
            tasks.append(c.task(len(tasks), p, spec))
            ids.append(len(tasks) - 1)
        phase_tasks.append(tuple(ids))
    return CompiledPlan(
        phase_names=tuple(scenario.plan.phases),
        phase_root=tuple(roots),
        nodes=tuple(c.nodes),
        tasks=tuple(tasks),
        phase_tasks=tuple(phase_tasks),
        objective_names=tuple(scenario.objectives),
        phase_unless=tuple(unless) if any(k >= 0 for k in unless) else (),
        phase_unless_text=tuple(
            describe_trigger(phase.unless) if phase.unless is not None else ""
            for phase in scenario.plan.phases.values()
        )
        if any(k >= 0 for k in unless)
        else (),
    )


def describe_trigger(trig: Any) -> str:
    """A trigger in words, as it reads in the scenario file (``unit-destroyed of mil/commander``,
    ``objective commander-killed achieved``, ``any of (...)``), delays left out."""
    if isinstance(trig, AtTimeTrigger):
        return f"time {float(trig.at_s):g} s"
    if isinstance(trig, AfterPhaseTrigger):
        return f"phase {trig.after_phase} started"
    if isinstance(trig, EventTrigger):
        about = [
            f"{key} {value}"
            for key in ("side", "unit", "objective", "obstacle", "position")
            if (value := getattr(trig, key)) is not None
        ]
        return trig.event + (f" ({', '.join(about)})" if about else "")
    if isinstance(trig, LossesTrigger):
        named = ", ".join(trig.names("side") + trig.names("nation") + trig.names("unit")) or "all"
        return f"losses of {named} above {float(trig.losses_above):g}"
    if isinstance(trig, LocatedTrigger):
        return f"{trig.side} located {float(trig.located_fraction):g} of {trig.of_side}"
    if isinstance(trig, ObjectiveTrigger):
        return f"objective {trig.objective_achieved} achieved"
    if isinstance(trig, ArrivedTrigger):
        return f"{', '.join(trig.arrived)} arrived"
    if isinstance(trig, AllOfTrigger):
        return "all of (" + "; ".join(describe_trigger(t) for t in trig.all_of) + ")"
    if isinstance(trig, AnyOfTrigger):
        return "any of (" + "; ".join(describe_trigger(t) for t in trig.any_of) + ")"
    raise TypeError(f"unknown trigger {trig!r}")  # pragma: no cover
