"""Objectives and measures of effectiveness, per replication.

Objectives are checked every step (hold objectives at their deadline); measures are read at the end from
the first-occurrence times and tallies the engine keeps, which are the same facts the event log records.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from drillsim.core.compiled import jit
from drillsim.events.types import ObjectiveAchieved
from drillsim.geo.distance import SignedDistanceField, field_value, signed_offsets
from drillsim.scenario.models import (
    REACH_RADIUS_M,
    LatLon,
    MeasureSpec,
    ObjectiveSpec,
    Scenario,
    side_losses_measure,
    standard_measures,
)
from drillsim.state.batch import ACTIVE
from drillsim.state.context import StepContext
from drillsim.world.support import points_inside_polygon

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

FATE_CODES = {"captured": 0, "killed": 1, "escaped": 2}
"""The fates decided during a run, as the compiled check numbers them (``at-large`` is decided at the end)."""

LINE_FIELD_CELL_M = 1000.0
"""Grid spacing of the signed-distance tables used for lines (penetration depth, hold-line)."""


@dataclass
class _LineRef:
    points: FloatArray
    friendly_sign: float
    field: SignedDistanceField


class Scorekeeper:
    """Checks objectives during the run and computes measures at the end."""

    def __init__(self, ctx: StepContext) -> None:
        w = ctx.world
        self.scenario: Scenario = w.scenario
        f = w.forces
        self.side_ix = {name: i for i, name in enumerate(f.side_names)}
        self.nation_ix = {name: i for i, name in enumerate(f.nation_names)}
        self.objectives: list[tuple[int, ObjectiveSpec]] = list(enumerate(w.scenario.objectives.values()))
        self.lines: dict[str, _LineRef] = {}
        self.in_place: dict[str, FloatArray] = {}
        self.in_place_members: dict[str, IntArray] = {}
        self.depth_measures: dict[str, tuple[int, str]] = {}
        for name, m in w.scenario.measures.items():
            if m.kind == "time-in-place":
                self.in_place[name] = np.full(ctx.state.r, np.inf)
                self.in_place_members[name] = self._members(ctx, list(m.units))
            if m.kind == "penetration-depth" and m.line is not None:
                of = self.side_ix[m.of_side] if m.of_side else -1
                self.depth_measures[name] = (of, m.line)
                self.depth: dict[str, FloatArray] = getattr(self, "depth", {})
                self.depth[name] = np.zeros(ctx.state.r)
        for _, o in self.objectives:
            for line_name in (o.line,):
                if line_name:
                    self._line(ctx, line_name, self.side_ix[o.side])
        for name, (of, line_name) in self.depth_measures.items():
            m = w.scenario.measures[name]
            defender = self.side_ix[m.side] if m.side else int(np.argmax(f.hostile[of])) if of >= 0 else 0
            self._line(ctx, line_name, defender)
        # What the checks read that does not change during a run, found once rather than every step.
        self.objective_elems = [self._objective_elems(ctx, o) for _, o in self.objectives]
        self.reach_xy = [self._reach_xy(ctx, o) for _, o in self.objectives]
        self.deadline = [float(o.by_s) if o.by_s is not None else np.inf for _, o in self.objectives]
        self.is_hold = [o.kind in ("hold-line", "hold-area") for _, o in self.objectives]
        self.at_end = [
            hold or (o.kind == "fate" and o.fate == "at-large")
            for hold, (_, o) in zip(self.is_hold, self.objectives, strict=True)
        ]
        """Per objective, whether it is decided at its deadline (or the end) rather than every step."""
        self.strength0_sum = [max(float(f.strength0[e].sum()), 1e-9) for e in self.objective_elems]
        """Per objective, its elements' strength at the start (a withdrawal is secured on a share of it)."""
        self.is_withdraw = np.zeros(len(w.plan.tasks) + 1, dtype=bool)
        """Per task index, whether it is a withdrawal; the last entry (read by task -1, none) is False."""
        self.is_withdraw[[t.index for t in w.plan.tasks if t.kind == "withdraw"]] = True
        self.depth_elems = {
            name: np.flatnonzero(((f.side == of) if of >= 0 else np.ones(f.n, dtype=bool)) & ~f.is_air)
            for name, (of, _) in self.depth_measures.items()
        }
        self.depth_seen = {
            name: np.full((ctx.state.r, len(elems), 3), np.nan) for name, elems in self.depth_elems.items()
        }
        """Per depth measure, where its elements were, and whether in action, when last measured."""

    def _line(self, ctx: StepContext, name: str, defender: int) -> _LineRef:
        if name in self.lines:
            return self.lines[name]
        w = ctx.world
        spec = w.scenario.lines[name]
        refs: list[LatLon | str] = (
            list(spec.points) if spec.points else list(w.gazetteer.lines[str(spec.geodata_line)])
        )
        pts = np.array(
            [w.projection.to_xy(p.lat, p.lon) for p in (w.gazetteer.resolve(r) for r in refs)],
            dtype=np.float64,
        )
        f = w.forces
        mine = f.side == defender
        offs = signed_offsets(f.x0[mine], f.y0[mine], pts) if mine.any() else np.ones(1)
        sign = 1.0 if np.sum(np.sign(offs)) >= 0 else -1.0
        x0, y0, x1, y1 = w.terrain.extent_m
        ref = _LineRef(pts, sign, SignedDistanceField.build(pts, (x0, y0, x1, y1), cell_m=LINE_FIELD_CELL_M))
        self.lines[name] = ref
        return ref

    def _members(self, ctx: StepContext, unit_ids: list[str]) -> IntArray:
        f = ctx.world.forces
        out: list[int] = []
        for uid in unit_ids:
            out += f.members(uid)
        return np.array(sorted(set(out)), dtype=np.int64)

    def _objective_elems(self, ctx: StepContext, o: ObjectiveSpec) -> IntArray:
        """The elements an objective is checked on (none for the hold objectives)."""
        f = ctx.world.forces
        if o.kind in ("capture-unit", "destroy-unit", "reach", "fate"):
            return self._members(ctx, [str(o.unit)])
        if o.kind == "secure-withdrawal":
            return self._members(ctx, list(o.units))
        if o.kind == "neutralise":
            return np.flatnonzero((f.side == self.side_ix[str(o.of_side)]) & ~f.is_air)
        return np.zeros(0, dtype=np.int64)

    def _reach_xy(self, ctx: StepContext, o: ObjectiveSpec) -> tuple[float, float]:
        """Where a reach objective's unit must get to (NaN for the other kinds)."""
        if o.kind != "reach":
            return (np.nan, np.nan)
        assert o.to is not None
        p = ctx.world.gazetteer.resolve(o.to)
        tx, ty = ctx.world.projection.to_xy(p.lat, p.lon)
        return (float(tx), float(ty))

    def step(self, ctx: StepContext) -> None:
        s = ctx.state
        t1 = ctx.t1
        for k, o in self.objectives:
            deadline = self.deadline[k]
            if self.at_end[k] or t1 > deadline + ctx.dt:
                continue
            when = self._objective_time(ctx, k, o)
            rows = np.flatnonzero(when <= min(t1, deadline))
            if len(rows):
                s.objective_at[rows, k] = when[rows]
                ctx.emit(
                    ObjectiveAchieved,
                    rows,
                    when[rows],
                    side=o.side,
                    objective=ctx.world.plan.objective_names[k],
                )
        for name, first in self.in_place.items():
            elems = self.in_place_members[name]
            if len(elems):
                # In place once every unit has first reached its destination (or is out of action); a
                # later order does not undo it.
                _settle_in_place(first, s.first_arrived_at, s.status, elems)
        for name, (_, line_name) in self.depth_measures.items():
            ref = self.lines[line_name]
            elems = self.depth_elems[name]
            if len(elems):
                field = ref.field
                _deepen(
                    self.depth[name],
                    field.values,
                    field.x0,
                    field.y0,
                    field.cell_m,
                    ref.friendly_sign,
                    s.x,
                    s.y,
                    s.status,
                    elems,
                    self.depth_seen[name],
                )

    def _objective_time(self, ctx: StepContext, k: int, o: ObjectiveSpec) -> FloatArray:
        """Per replication, when objective ``k`` was met (+inf where it is not, or is already decided)."""
        s = ctx.state
        t1 = ctx.t1
        elems = self.objective_elems[k]
        done = s.objective_at
        if o.kind == "capture-unit":
            return _capture_times(done, k, s.captured_at, elems)
        if o.kind == "destroy-unit":
            return _destroy_times(done, k, s.destroyed_at, s.captured_at, elems)
        if o.kind == "neutralise":
            return _neutralise_times(done, k, s.status, s.broken, elems, float(o.fraction), t1)
        if o.kind == "secure-withdrawal":
            when = _withdrawal_times(
                done,
                k,
                s.arrived_at,
                s.route_i,
                s.route_len,
                s.task,
                s.broken,
                s.status,
                self.is_withdraw,
                elems,
            )
            # Secured only if enough of the force got away, read only when some replication is otherwise
            # secured. The strength kept is summed over every row as before: NumPy's sums over a subset of
            # the rows need not round the same way.
            if np.isfinite(when).any():
                kept = s.strength[:, elems].sum(axis=1) / self.strength0_sum[k]
                when[~(kept >= float(o.fraction))] = np.inf
            return when
        if o.kind == "reach":
            tx, ty = self.reach_xy[k]
            return _reach_times(done, k, s.x, s.y, elems, tx, ty, t1)
        if o.kind == "fate" and o.fate in FATE_CODES:
            code = FATE_CODES[o.fate]
            return _fate_times(done, k, s.captured_at, s.escaped_at, s.destroyed_at, elems, code)
        return np.full(s.r, np.inf)

    def _at_large(self, ctx: StepContext, k: int, end: float) -> BoolArray:
        """Per replication, whether objective ``k``'s unit met none of the other three fates by ``end``."""
        s = ctx.state
        open_ = np.full((s.r, k + 1), np.inf)
        decided = np.zeros(s.r, dtype=bool)
        for code in FATE_CODES.values():
            when = _fate_times(
                open_, k, s.captured_at, s.escaped_at, s.destroyed_at, self.objective_elems[k], code
            )
            decided |= when <= end
        return ~decided

    def finish(self, ctx: StepContext) -> None:
        """Decide hold objectives at their deadline (or the end)."""
        s = ctx.state
        f = ctx.world.forces
        w = ctx.world
        for k, o in self.objectives:
            if o.kind == "fate" and self.at_end[k]:
                end = min(float(o.by_s), ctx.t1) if o.by_s is not None else ctx.t1
                rows = np.flatnonzero(self._at_large(ctx, k, end) & np.isinf(s.objective_at[:, k]))
                if len(rows):
                    s.objective_at[rows, k] = end
                    ctx.emit(
                        ObjectiveAchieved, rows, end, side=o.side, objective=ctx.world.plan.objective_names[k]
                    )
                continue
            if o.kind not in ("hold-line", "hold-area"):
                continue
            side = self.side_ix[o.side]
            enemy = f.hostile[side][f.side] & ~f.is_air
            threat = (s.status == ACTIVE) & ~s.broken & enemy[None, :]
            if o.kind == "hold-area":
                area = w.scenario.areas[str(o.area)]
                if area.center is not None and area.radius_m is not None:
                    c = w.gazetteer.resolve(area.center)
                    cx, cy = w.projection.to_xy(c.lat, c.lon)
                    inside = np.hypot(s.x - cx, s.y - cy) <= float(area.radius_m)
                else:
                    poly = np.array(
                        [
                            w.projection.to_xy(p.lat, p.lon)
                            for p in (w.gazetteer.resolve(r) for r in area.polygon)
                        ]
                    )
                    inside = points_inside_polygon(s.x, s.y, poly)
                lost = (threat & inside).any(axis=1)
            else:
                ref = self.lines[str(o.line)]
                off = ref.field.at(s.x, s.y) * ref.friendly_sign
                lost = (threat & (off > 0)).any(axis=1)
            held = ~lost
            end = float(o.by_s) if o.by_s is not None else ctx.t1
            rows = np.flatnonzero(held & np.isinf(s.objective_at[:, k]))
            if len(rows):
                s.objective_at[rows, k] = min(end, ctx.t1)
                ctx.emit(
                    ObjectiveAchieved,
                    rows,
                    min(end, ctx.t1),
                    side=o.side,
                    objective=ctx.world.plan.objective_names[k],
                )

    def measures(self, ctx: StepContext) -> dict[str, FloatArray]:
        """Every named measure, one value per replication (NaN where it never happened)."""
        s = ctx.state
        f = ctx.world.forces
        out: dict[str, FloatArray] = {}
        obj_ix = {name: i for i, name in enumerate(ctx.world.plan.objective_names)}
        for name, m in self.scenario.measures.items():
            out[name] = self._measure(ctx, name, m, obj_ix)
        # Standard measures every run reports: each side's losses, unless the scenario names one so.
        standard = standard_measures(self.scenario)
        for side_name, i in self.side_ix.items():
            name = side_losses_measure(side_name)
            if name in standard:
                mask = f.side == i
                out[name] = (f.strength0[mask][None, :] - s.strength[:, mask]).sum(axis=1)
        return out

    def _selection(self, ctx: StepContext, m: MeasureSpec) -> NDArray[np.bool_]:
        """The elements a measure counts: its ``units``, else its ``nation``, else its ``side``, else all."""
        f = ctx.world.forces
        mask = np.zeros(f.n, dtype=bool)
        if m.units:
            mask[self._members(ctx, list(m.units))] = True
        elif m.nation:
            mask = f.nation == self.nation_ix[m.nation]
        elif m.side:
            mask = f.side == self.side_ix[m.side]
        else:
            mask[:] = True
        return mask

    def _event_measure(self, ctx: StepContext, m: MeasureSpec) -> FloatArray:
        """phase-start, time-broken, units-broken, time-lost, time-retaken, held-at-end, time-landed,
        time-dismounted, carriers-lost."""
        s = ctx.state
        w = ctx.world
        if m.kind == "phase-start":
            when = s.phase_start[:, w.plan.phase_names.index(str(m.phase))]
        elif m.kind == "time-landed":
            landed = s.landed_at[:, self._selection(ctx, m)]
            flown = np.isfinite(landed)
            when = np.where(flown, landed, -np.inf).max(axis=1, initial=-np.inf)
            when = np.where((when <= s.time_s) & flown.any(axis=1), when, np.inf)
        elif m.kind == "time-dismounted":
            carried = self._selection(ctx, m) & (w.carriers.has if w.carriers is not None else False)
            # when the last of them first dismounted (+inf while one has not)
            when = (
                s.dismounted_at[:, carried].max(axis=1, initial=-np.inf)
                if carried.any()
                else np.full(s.r, np.inf)
            )
        elif m.kind == "carriers-lost":
            if w.carriers is None:
                return np.zeros(s.r)
            mask = self._selection(ctx, m)
            return np.asarray((w.carriers.vehicles0[mask][None, :] - s.carriers_left[:, mask]).sum(axis=1))
        elif m.kind in ("time-broken", "units-broken"):
            mask = self._selection(ctx, m)
            if m.kind == "units-broken":
                return np.asarray(s.broken[:, mask].sum(axis=1), dtype=np.float64)
            when = s.broke_at[:, mask].min(axis=1, initial=np.inf)
        else:
            k = w.positions.names.index(str(m.position))
            if m.kind == "held-at-end":
                holder = self.side_ix[m.side] if m.side else int(w.positions.owner0[k])
                return np.asarray(s.position_owner[:, k] == holder, dtype=np.float64)
            when = (s.position_lost_at if m.kind == "time-lost" else s.position_retaken_at)[:, k]
        return np.where(np.isfinite(when), when, np.nan)

    def _measure(self, ctx: StepContext, name: str, m: MeasureSpec, obj_ix: dict[str, int]) -> FloatArray:  # noqa: C901
        s = ctx.state
        f = ctx.world.forces
        side = self.side_ix.get(m.side) if m.side else None
        of = self.side_ix.get(m.of_side) if m.of_side else None

        def finite(a: FloatArray) -> FloatArray:
            return np.where(np.isfinite(a), a, np.nan)

        if m.kind == "time-to-first-detection":
            if of is not None:
                return finite(s.detected_at[:, f.side == of].min(axis=1, initial=np.inf))
            return finite(s.detected_by_side[:, side if side is not None else 0])
        if m.kind == "time-to-locate":
            frac = float(m.fraction) if m.fraction is not None else 0.8
            k = min(max(int(np.ceil(frac * 10 - 1e-9)) - 1, 0), 9)
            a = side if side is not None else 0
            b = of if of is not None else int(np.argmax(f.hostile[a]))
            return finite(s.located_first[:, a, b, k])
        if m.kind == "objective-achieved":
            return np.isfinite(s.objective_at[:, obj_ix[str(m.objective)]]).astype(np.float64)
        if m.kind == "objective-time":
            return finite(s.objective_at[:, obj_ix[str(m.objective)]])
        if m.kind in _EVENT_MEASURES:
            return self._event_measure(ctx, m)
        if m.kind == "losses":
            mask = self._selection(ctx, m)
            if m.casualties != "all":
                state = {"killed": s.killed, "wounded": s.wounded, "missing": s.missing}[m.casualties]
                return np.asarray(state[:, mask].sum(axis=1), dtype=np.float64)
            return np.asarray(
                (f.strength0[mask][None, :] - s.strength[:, mask]).sum(axis=1), dtype=np.float64
            )
        if m.kind == "penetration-depth":
            return self.depth[name] if name in getattr(self, "depth", {}) else np.zeros(s.r)
        if m.kind == "fraction-neutralised":
            b = of if of is not None else 0
            mask = (f.side == b) & ~f.is_air
            out = (s.status[:, mask] != ACTIVE) | s.broken[:, mask]
            return np.asarray(out.mean(axis=1), dtype=np.float64)
        if m.kind == "rounds-fired":
            return s.rounds_fired[:, side].copy() if side is not None else s.rounds_fired.sum(axis=1)
        if m.kind == "sorties-flown":
            return s.sorties_flown[:, side].copy() if side is not None else s.sorties_flown.sum(axis=1)
        if m.kind == "aircraft-lost":
            return s.aircraft_lost[:, side].copy() if side is not None else s.aircraft_lost.sum(axis=1)
        if m.kind == "sorties-aborted":
            return s.sorties_aborted[:, side].copy() if side is not None else s.sorties_aborted.sum(axis=1)
        if m.kind == "supplies-delivered":
            return (
                s.supplies_delivered[:, side].copy() if side is not None else s.supplies_delivered.sum(axis=1)
            )
        if m.kind == "rounds-delivered":
            return s.rounds_delivered[:, side].copy() if side is not None else s.rounds_delivered.sum(axis=1)
        if m.kind == "fuel-exhausted":
            return s.fuel_exhausted[:, side].copy() if side is not None else s.fuel_exhausted.sum(axis=1)
        if m.kind == "fire-missions":
            return s.missions_fired[:, side].copy() if side is not None else s.missions_fired.sum(axis=1)
        if m.kind == "kill-chain-time":
            a = side if side is not None else 0
            return np.where(
                s.chain_count[:, a] > 0, s.chain_time_sum[:, a] / np.maximum(s.chain_count[:, a], 1), np.nan
            )
        if m.kind == "time-in-place":
            return finite(self.in_place[name])
        if m.kind == "fratricide":
            # Casualties a side suffered from its own or allied fire (all sides when none is named).
            victims = [side] if side is not None else list(range(len(f.side_names)))
            out = np.zeros(s.r)
            for v in victims:
                out += s.casualties_by_side[:, f.allied[:, v], v].sum(axis=1)
            return out
        if m.kind in ("obstacle-casualties", "obstacle-breach-time"):
            return _obstacle_measure(ctx, m, side)
        raise ValueError(f"unknown measure kind {m.kind}")  # pragma: no cover


def _obstacle_measure(ctx: StepContext, m: MeasureSpec, side: int | None) -> FloatArray:
    """People a side (every side when none is named) lost to an obstacle (every obstacle when none is
    named), or the first time one of its elements got through it (NaN when none did)."""
    s = ctx.state
    sides = slice(None) if side is None else slice(side, side + 1)
    names = ctx.world.obstacles.names
    which = slice(None) if m.obstacle is None else slice(names.index(m.obstacle), names.index(m.obstacle) + 1)
    if m.kind == "obstacle-casualties":
        return np.asarray(s.obstacle_casualties[:, sides, which].sum(axis=(1, 2)), dtype=np.float64)
    first = s.obstacle_breached_at[:, sides, which].min(axis=(1, 2), initial=np.inf)
    return np.where(first <= s.time_s, first, np.nan)


_EVENT_MEASURES = (
    "phase-start",
    "time-broken",
    "units-broken",
    "time-lost",
    "time-retaken",
    "held-at-end",
    "time-landed",
    "time-dismounted",
    "carriers-lost",
)
"""Measures read from phase starts, breaking and the positions' first times and holders."""


# ------------------------------------------------------------------------------------- compiled loops
# The per-step checks, one pass over (replication, element) each. Objective times are computed only in the
# replications where the objective is still open (``objective_at[:, k]`` infinite), +inf in the others.


@jit
def _capture_times(objective_at: FloatArray, k: int, captured_at: FloatArray, elems: IntArray) -> FloatArray:
    """A capture-unit objective: when the first of the unit's elements was captured."""
    r_n = objective_at.shape[0]
    when = np.full(r_n, np.inf)
    for r in range(r_n):
        if np.isinf(objective_at[r, k]):
            for e in elems:
                when[r] = min(when[r], captured_at[r, e])
    return when


@jit
def _destroy_times(
    objective_at: FloatArray, k: int, destroyed_at: FloatArray, captured_at: FloatArray, elems: IntArray
) -> FloatArray:
    """A destroy-unit objective: when the last of the unit's elements was destroyed or captured."""
    r_n = objective_at.shape[0]
    when = np.full(r_n, np.inf)
    for r in range(r_n):
        if np.isinf(objective_at[r, k]) and len(elems):
            last = -np.inf
            for e in elems:
                last = max(last, min(destroyed_at[r, e], captured_at[r, e]))
            when[r] = last
    return when


@jit
def _neutralise_times(
    objective_at: FloatArray,
    k: int,
    status: IntArray,
    broken: BoolArray,
    elems: IntArray,
    fraction: float,
    t1: float,
) -> FloatArray:
    """A neutralise objective: ``t1`` where at least ``fraction`` of the elements are out of action or
    broken (the fraction is count / elements, as NumPy's mean of the flags gives it)."""
    r_n = objective_at.shape[0]
    n = len(elems)
    when = np.full(r_n, np.inf)
    for r in range(r_n):
        if not np.isinf(objective_at[r, k]):
            continue
        out = 0
        for e in elems:
            if status[r, e] != ACTIVE or broken[r, e]:
                out += 1
        frac = out / n if n else 0.0
        if frac >= fraction:
            when[r] = t1
    return when


@jit
def _withdrawal_times(
    objective_at: FloatArray,
    k: int,
    arrived_at: FloatArray,
    route_i: IntArray,
    route_len: IntArray,
    task: IntArray,
    broken: BoolArray,
    status: IntArray,
    is_withdraw: BoolArray,
    elems: IntArray,
) -> FloatArray:
    """A secure-withdrawal objective, but for the strength kept: when the last withdrawing element arrived
    (at least 0; broken stragglers are not waited for) where every element is safe (arrived on a
    withdrawal, out of action, or broken and back home: out of contact, it got away too) and one at least
    is withdrawing or out of action."""
    r_n = objective_at.shape[0]
    when = np.full(r_n, np.inf)
    for r in range(r_n):
        if not np.isinf(objective_at[r, k]):
            continue
        safe = True
        any_gone = False
        last = -np.inf
        for e in elems:
            arrived = np.isfinite(arrived_at[r, e]) and route_i[r, e] >= route_len[r, e]
            withdrawing = is_withdraw[task[r, e]]
            out = status[r, e] != ACTIVE
            if not ((arrived and withdrawing) or (arrived and broken[r, e]) or out):
                safe = False
                break
            if withdrawing or out:
                any_gone = True
            if arrived and withdrawing:
                last = max(last, arrived_at[r, e])
        if safe and any_gone:
            when[r] = max(last, 0.0)
    return when


@jit
def _reach_times(
    objective_at: FloatArray,
    k: int,
    x: FloatArray,
    y: FloatArray,
    elems: IntArray,
    tx: float,
    ty: float,
    t1: float,
) -> FloatArray:
    """A reach objective: ``t1`` where one of the unit's elements is within REACH_RADIUS_M of (tx, ty)."""
    r_n = objective_at.shape[0]
    when = np.full(r_n, np.inf)
    for r in range(r_n):
        if not np.isinf(objective_at[r, k]):
            continue
        for e in elems:
            if math.hypot(x[r, e] - tx, y[r, e] - ty) <= REACH_RADIUS_M:
                when[r] = t1
                break
    return when


@jit
def _fate_times(
    objective_at: FloatArray,
    k: int,
    captured_at: FloatArray,
    escaped_at: FloatArray,
    destroyed_at: FloatArray,
    elems: IntArray,
    fate: int,
) -> FloatArray:
    """A fate objective (``fate`` a code of FATE_CODES): captured at the first capture where no element
    escaped before it; escaped at the first escape where none was captured before (or at the same time);
    killed when the last element was destroyed where none was captured or escaped. The three exclude each
    other, so at most one is met in a replication."""
    r_n = objective_at.shape[0]
    when = np.full(r_n, np.inf)
    for r in range(r_n):
        if not np.isinf(objective_at[r, k]) or not len(elems):
            continue
        cap = np.inf
        esc = np.inf
        last = -np.inf
        all_gone = True
        for e in elems:
            cap = min(cap, captured_at[r, e])
            esc = min(esc, escaped_at[r, e])
            if np.isinf(destroyed_at[r, e]):
                all_gone = False
            else:
                last = max(last, destroyed_at[r, e])
        if fate == 0 and np.isfinite(cap) and cap <= esc:
            when[r] = cap
        elif fate == 2 and esc < cap:
            when[r] = esc
        elif fate == 1 and np.isinf(cap) and np.isinf(esc) and all_gone:
            when[r] = last
    return when


@jit
def _settle_in_place(
    first: FloatArray, first_arrived_at: FloatArray, status: IntArray, elems: IntArray
) -> None:
    """A time-in-place measure, in place: where still infinite (not set, or set to -inf as no element
    arrived) and every element has first arrived or is out of action, the last first arrival (-inf if none
    arrived)."""
    for r in range(first.shape[0]):
        if not np.isinf(first[r]):
            continue
        last = -np.inf
        for e in elems:
            reached = first_arrived_at[r, e]
            if np.isfinite(reached):
                last = max(last, reached)
            elif status[r, e] == ACTIVE:
                break
        else:
            first[r] = last


@jit
def _deepen(
    depth: FloatArray,
    values: FloatArray,
    x0: float,
    y0: float,
    cell_m: float,
    friendly_sign: float,
    x: FloatArray,
    y: FloatArray,
    status: IntArray,
    elems: IntArray,
    seen: FloatArray,
) -> None:
    """A penetration-depth measure, in place: per replication, the greatest signed offset past the line
    (the line field's value times ``friendly_sign``) of any element in action, and 0, if above the depth so
    far.

    ``seen`` ((rows, elems, 3), NaN at first) keeps where each element was and whether it was in action
    when its row was last measured, updated in place: a row whose elements all are as then would give the
    same greatest offset again, which the depth already holds, so it is not measured again."""
    for r in range(depth.shape[0]):
        same = True
        for i in range(len(elems)):
            e = elems[i]
            live = 1.0 if status[r, e] == ACTIVE else 0.0
            if not (
                _same_float(x[r, e], seen[r, i, 0])
                and _same_float(y[r, e], seen[r, i, 1])
                and live == seen[r, i, 2]
            ):
                same = False
                break
        if same:
            continue
        for i in range(len(elems)):
            e = elems[i]
            seen[r, i, 0] = x[r, e]
            seen[r, i, 1] = y[r, e]
            seen[r, i, 2] = 1.0 if status[r, e] == ACTIVE else 0.0
        deepest = -np.inf
        for e in elems:
            off = 0.0
            if status[r, e] == ACTIVE:
                off = field_value(values, x0, y0, cell_m, x[r, e], y[r, e]) * friendly_sign
            if off > deepest or np.isnan(off):  # as NumPy's max: NaN wins
                deepest = off
        if not (depth[r] > deepest or np.isnan(depth[r])):  # as np.maximum(depth, deepest)
            depth[r] = deepest


@jit
def _same_float(a: float, b: float) -> bool:
    """Whether two floats are the same value, zeros of different signs told apart (NaN is never the same)."""
    return a == b and (a != 0.0 or math.copysign(1.0, a) == math.copysign(1.0, b))
