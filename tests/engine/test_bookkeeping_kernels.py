"""The compiled per-step bookkeeping (objectives and measures, the line fields' lookup, aircraft endurance,
capture and flight, trigger evaluation) gives, bit for bit, what the array expressions it replaced give
(kept here as references), on a mid-battle state of the default scenario stirred so that every branch is
taken, or on random facts."""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
import pytest
from numpy.typing import NDArray
from test_compiled_steps import _same_events, _same_state, _twin

from drillsim.engine.simulation import Simulation
from drillsim.events.types import (
    ObjectiveAchieved,
    SortieLaunched,
    SortieRecovered,
    UnitCaptured,
    UnitEscaped,
    UnitFled,
)
from drillsim.geo.distance import SignedDistanceField
from drillsim.geo.terrain import Terrain
from drillsim.mechanics.air.step import enforce_endurance
from drillsim.mechanics.casualties import declare_missing
from drillsim.mechanics.morale.step import (
    CAPTURE_RADIUS_M,
    FLEE_DISTANCE_M,
    FLEE_RADIUS_M,
    GUARD_RADIUS_M,
    capture_and_flight,
)
from drillsim.mechanics.orders.command import begin_task, set_routes
from drillsim.mechanics.orders.triggers import Facts, TriggerState
from drillsim.mechanics.outcomes.step import (
    FATE_CODES,
    REACH_RADIUS_M,
    Scorekeeper,
    _destroy_times,
    _fate_times,
)
from drillsim.scenario.models import ObjectiveSpec
from drillsim.state.batch import (
    ACTIVE,
    AIR_INBOUND,
    AIR_ON_STATION,
    AIR_OUTBOUND,
    AIR_READY,
    AIR_TURNAROUND,
    AIR_WAITING,
    CAPTURED,
    DESTROYED,
    ESCAPED,
)
from drillsim.state.context import StepContext
from drillsim.world.plan import CompiledPlan, TriggerNode

FloatArray = np.ndarray


@pytest.fixture(scope="module")
def battle() -> Simulation:
    """Six replications of the default scenario, eight hours in."""
    sim = Simulation("khatlon-2015-v1", rng=5, replications=6)
    sim.run(until_s=8 * 3600.0)
    return sim


# --- the line fields' lookup ------------------------------------------------------------------------------


def _reference_field_at(field: SignedDistanceField, x: FloatArray, y: FloatArray) -> FloatArray:
    """The field's table read as a terrain reads its elevation grid (array expressions, edges clamped)."""
    ny, nx = field.values.shape
    grid = Terrain(
        elevation_m=field.values,
        terrain_class=np.zeros((ny, nx), dtype=np.uint8),
        cell_m=field.cell_m,
        x0_m=field.x0,
        y0_m=field.y0,
    )
    return np.asarray(grid.elevation_at(x, y), dtype=np.float64)


@pytest.mark.parametrize("seed", [0, 1])
def test_field_lookup_matches_the_array_expressions(seed: int) -> None:
    """Points inside, outside, on grid nodes and on the grid's edges (-0.0 included) read the same bits as the
    terrain's bilinear lookup (one formula for both grids); NaN coordinates read NaN."""
    rng = np.random.default_rng(seed)
    field = SignedDistanceField.build(rng.uniform(0, 40_000, (25, 2)), (0, 0, 40_000, 30_000), cell_m=1000.0)
    x = rng.uniform(-5_000, 45_000, (50, 30))
    y = rng.uniform(-5_000, 35_000, (50, 30))
    x[0, :12] = np.arange(12) * 1000.0  # on grid nodes
    y[0, :12] = 3000.0
    x[1, :4] = [-0.0, 0.0, 40_000.0, 1e9]
    y[1, :4] = [0.0, -0.0, 30_000.0, -1e9]
    got = field.at(x, y)
    want = _reference_field_at(field, x, y)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got.view(np.int64), want.view(np.int64))
    assert float(field.at(1234.5, 678.9)) == float(
        _reference_field_at(field, np.array(1234.5), np.array(678.9))
    )
    assert np.isnan(field.at(np.nan, 5.0))


# --- objectives and measures ------------------------------------------------------------------------------


def _reference_objective_time(score: Scorekeeper, ctx: StepContext, k: int, o: ObjectiveSpec) -> FloatArray:
    """When objective ``k`` is met in every replication, as array expressions."""
    s = ctx.state
    f = ctx.world.forces
    t1 = ctx.t1
    inf = np.full(s.r, np.inf)
    elems = score.objective_elems[k]
    if o.kind == "capture-unit":
        return np.asarray(s.captured_at[:, elems].min(axis=1), dtype=np.float64)
    if o.kind == "neutralise":
        out = (s.status[:, elems] != ACTIVE) | s.broken[:, elems]
        frac = out.mean(axis=1) if len(elems) else np.zeros(s.r)
        return np.where(frac >= float(o.fraction), t1, inf)
    if o.kind == "secure-withdrawal":
        arrived = np.isfinite(s.arrived_at[:, elems]) & (s.route_i[:, elems] >= s.route_len[:, elems])
        withdrawing = score.is_withdraw[s.task[:, elems]]
        home = arrived & s.broken[:, elems]
        safe = (arrived & withdrawing) | home | (s.status[:, elems] != ACTIVE)
        kept = s.strength[:, elems].sum(axis=1) / max(float(f.strength0[elems].sum()), 1e-9)
        ok = (
            safe.all(axis=1)
            & (kept >= float(o.fraction))
            & (withdrawing | (s.status[:, elems] != ACTIVE)).any(axis=1)
        )
        last = np.where(arrived & withdrawing, s.arrived_at[:, elems], -np.inf).max(axis=1)
        return np.where(ok, np.maximum(last, 0.0), inf)
    if o.kind == "reach":
        tx, ty = score.reach_xy[k]
        d = np.hypot(s.x[:, elems] - tx, s.y[:, elems] - ty)
        return np.where((d <= REACH_RADIUS_M).any(axis=1), t1, inf)
    if o.kind == "fate" and o.fate != "at-large":
        cap = s.captured_at[:, elems].min(axis=1)
        esc = s.escaped_at[:, elems].min(axis=1)
        gone = np.isfinite(s.destroyed_at[:, elems]).all(axis=1)
        if o.fate == "captured":
            return np.where(np.isfinite(cap) & (cap <= esc), cap, inf)
        if o.fate == "escaped":
            return np.where(esc < cap, esc, inf)
        return np.where(np.isinf(cap) & np.isinf(esc) & gone, s.destroyed_at[:, elems].max(axis=1), inf)
    return inf


def _reference_step(score: Scorekeeper, ctx: StepContext) -> None:
    """Scorekeeper.step as array expressions."""
    s = ctx.state
    t1 = ctx.t1
    for k, o in score.objectives:
        deadline = float(o.by_s) if o.by_s is not None else np.inf
        at_end = o.kind in ("hold-line", "hold-area") or (o.kind == "fate" and o.fate == "at-large")
        if at_end or t1 > deadline + ctx.dt:
            continue
        open_ = np.isinf(s.objective_at[:, k])
        if not open_.any():
            continue
        when = _reference_objective_time(score, ctx, k, o)
        done = open_ & (when <= min(t1, deadline))
        if done.any():
            rows = np.flatnonzero(done)
            s.objective_at[rows, k] = when[rows]
            ctx.emit(
                ObjectiveAchieved, rows, when[rows], side=o.side, objective=ctx.world.plan.objective_names[k]
            )
    for name, first in score.in_place.items():
        elems = score.in_place_members[name]
        if len(elems) and np.isinf(first).any():
            reached = s.first_arrived_at[:, elems]
            arrived = np.isfinite(reached) | (s.status[:, elems] != ACTIVE)
            allin = arrived.all(axis=1) & np.isinf(first)
            first[allin] = np.where(np.isfinite(reached), reached, -np.inf).max(axis=1)[allin]
    for name, (_, line_name) in score.depth_measures.items():
        ref = score.lines[line_name]
        elems = score.depth_elems[name]
        off = _reference_field_at(ref.field, s.x[:, elems], s.y[:, elems]) * ref.friendly_sign
        live = s.status[:, elems] == ACTIVE
        depth = np.where(live, off, 0.0).max(axis=1)
        score.depth[name] = np.maximum(score.depth[name], depth)


def _stir_score(score: Scorekeeper, ctx: StepContext, rng: np.random.Generator) -> None:
    """Give the state every case the objective and measure checks handle: decided objectives, captures,
    losses, arrivals on withdrawals and elsewhere, broken elements home, elements at a reach point or past
    the line, time-in-place measures set, unset and set to -inf."""
    s = ctx.state
    shape = s.x.shape
    s.objective_at[:] = np.where(rng.random(s.objective_at.shape) < 0.3, ctx.t0 - 600.0, np.inf)
    s.status[:] = np.where(rng.random(shape) < 0.75, ACTIVE, rng.choice([DESTROYED, CAPTURED], shape))
    s.broken[:] = rng.random(shape) < 0.2
    s.captured_at[:] = np.where(rng.random(shape) < 0.5, ctx.t0 + rng.uniform(0, 60, shape), np.inf)
    s.strength[:] = ctx.world.forces.strength0[None, :] * rng.uniform(0.3, 1.0, shape)
    s.arrived_at[:] = np.where(rng.random(shape) < 0.8, rng.uniform(0, ctx.t1, shape), np.inf)
    s.route_len[:] = rng.integers(0, 3, shape)
    s.route_i[:] = np.where(rng.random(shape) < 0.8, s.route_len, 0)
    withdraw = np.flatnonzero(score.is_withdraw[:-1])
    s.task[:] = np.where(rng.random(shape) < 0.85, rng.choice(withdraw, shape), -1)
    s.first_arrived_at[:] = np.where(rng.random(shape) < 0.9, rng.uniform(0, ctx.t1, shape), np.inf)
    for k, (tx, ty) in enumerate(score.reach_xy):
        if np.isfinite(tx):  # half the rows at the point
            e = score.objective_elems[k]
            near = rng.random(s.r) < 0.5
            s.x[np.ix_(np.flatnonzero(near), e)] = tx + rng.uniform(-400, 400, (int(near.sum()), len(e)))
            s.y[np.ix_(np.flatnonzero(near), e)] = ty + rng.uniform(-400, 400, (int(near.sum()), len(e)))
    strength0 = ctx.world.forces.strength0
    for k, (_, o) in enumerate(score.objectives):  # in most rows, met or nearly
        rows = np.flatnonzero(rng.random(s.r) < 0.7)
        block = np.ix_(rows, score.objective_elems[k])
        shape_k = (len(rows), len(score.objective_elems[k]))
        if o.kind == "secure-withdrawal":
            s.arrived_at[block] = rng.uniform(0, ctx.t1, shape_k)
            s.route_i[block] = s.route_len[block]
            s.task[block] = withdraw[0]
            kept = np.array([0.7, 0.8, 0.95, 1.0])[rows % 4][:, None]  # the share kept: under, at, over 0.8
            s.strength[block] = strength0[score.objective_elems[k]][None, :] * kept
        if o.kind == "neutralise":
            s.broken[block] = rng.random(shape_k) < 0.85
    x0, y0, x1, y1 = ctx.world.terrain.extent_m
    far = rng.random(shape) < 0.3
    s.x[far] = rng.uniform(x0 - 5000, x1 + 5000, int(far.sum()))
    s.y[far] = rng.uniform(y0 - 5000, y1 + 5000, int(far.sum()))
    for first in score.in_place.values():
        first[:] = rng.choice([np.inf, -np.inf, ctx.t0 - 60.0], len(first))
    for name in score.depth:
        score.depth[name][:] = rng.choice([0.0, 500.0], s.r)
        score.depth_seen[name][:] = np.nan  # the depth so far is made up: measure every row again


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_compiled_score_step_matches_the_array_expressions(battle: Simulation, seed: int) -> None:
    rng = np.random.default_rng(seed)
    compiled, reference = _twin(battle)
    score = copy.deepcopy(battle.score)
    _stir_score(score, compiled, rng)
    reference.state = copy.deepcopy(compiled.state)
    reference_score = copy.deepcopy(score)
    score.step(compiled)
    _reference_step(reference_score, reference)
    np.testing.assert_array_equal(compiled.state.objective_at, reference.state.objective_at)
    for name in score.in_place:
        np.testing.assert_array_equal(score.in_place[name], reference_score.in_place[name])
    for name in score.depth:
        np.testing.assert_array_equal(
            score.depth[name].view(np.int64), reference_score.depth[name].view(np.int64)
        )
    _same_events(compiled.recorder, reference.recorder)  # type: ignore[arg-type]
    achieved = {c[3]["detail"] for c in reference.recorder.calls}  # type: ignore[attr-defined]
    assert len(achieved) == 4  # every kind of objective checked each step was met somewhere


@pytest.mark.parametrize("seed", [0, 1])
def test_penetration_depth_is_measured_again_only_where_an_element_moved(
    battle: Simulation, seed: int
) -> None:
    """Step after step, with elements moving, put out of action or still in some rows, the depth measured
    only in the rows that changed is the depth measured in every row."""
    rng = np.random.default_rng(seed)
    compiled, reference = _twin(battle)
    score = copy.deepcopy(battle.score)
    reference_score = copy.deepcopy(score)
    s, ref_s = compiled.state, reference.state
    (name,) = score.depth
    elems = score.depth_elems[name]
    x0, y0, x1, y1 = compiled.world.terrain.extent_m
    for _ in range(4):
        rows = np.flatnonzero(rng.random(s.r) < 0.5)
        moved = np.ix_(rows, elems)
        s.x[moved] = rng.uniform(x0, x1, (len(rows), len(elems)))
        s.y[moved] = rng.uniform(y0, y1, (len(rows), len(elems)))
        s.status[rows[:1], elems[:3]] = DESTROYED
        ref_s.x[:], ref_s.y[:], ref_s.status[:] = s.x, s.y, s.status
        score.step(compiled)
        _reference_step(reference_score, reference)
        np.testing.assert_array_equal(
            score.depth[name].view(np.int64), reference_score.depth[name].view(np.int64)
        )
    assert (score.depth[name] > 0).any()


@pytest.mark.parametrize("seed", [0, 1])
def test_destroy_unit_times_match_the_array_expressions(seed: int) -> None:
    """When the last of a unit's elements was destroyed or captured, in the open replications only."""
    rng = np.random.default_rng(seed)
    r, n = 40, 12
    destroyed = np.where(rng.random((r, n)) < 0.6, rng.uniform(0, 100, (r, n)), np.inf)
    captured = np.where(rng.random((r, n)) < 0.3, rng.uniform(0, 100, (r, n)), np.inf)
    objective_at = np.where(rng.random((r, 3)) < 0.3, 5.0, np.inf)
    elems = np.array([1, 4, 7])
    destroyed[:, elems] = np.where(rng.random((r, 3)) < 0.8, destroyed[:, elems], 3.0)
    want = np.minimum(destroyed[:, elems], captured[:, elems]).max(axis=1)
    want = np.where(np.isinf(objective_at[:, 2]), want, np.inf)
    got = _destroy_times(objective_at, 2, destroyed, captured, elems)
    np.testing.assert_array_equal(got, want)
    assert np.isfinite(got).any()


@pytest.mark.parametrize("seed", [0, 1])
def test_fate_times_match_the_array_expressions_and_exclude_each_other(seed: int) -> None:
    """A unit's captured, killed and escaped times, in the open replications only; in every replication at
    most one of the three is met, and where none is, no element was captured or escaped and one at least
    was never destroyed (the unit is at large)."""
    rng = np.random.default_rng(seed)
    r, n = 60, 10
    destroyed = np.where(rng.random((r, n)) < 0.7, rng.uniform(0, 100, (r, n)), np.inf)
    captured = np.where(rng.random((r, n)) < 0.15, rng.uniform(0, 100, (r, n)), np.inf)
    escaped = np.where(rng.random((r, n)) < 0.15, rng.uniform(0, 100, (r, n)), np.inf)
    objective_at = np.where(rng.random((r, 3)) < 0.2, 5.0, np.inf)
    elems = np.array([0, 3, 8])
    cap = captured[:, elems].min(axis=1)
    esc = escaped[:, elems].min(axis=1)
    gone = np.isfinite(destroyed[:, elems]).all(axis=1)
    want = {
        "captured": np.where(np.isfinite(cap) & (cap <= esc), cap, np.inf),
        "escaped": np.where(esc < cap, esc, np.inf),
        "killed": np.where(np.isinf(cap) & np.isinf(esc) & gone, destroyed[:, elems].max(axis=1), np.inf),
    }
    open_ = np.isinf(objective_at[:, 2])
    met = np.zeros(r, dtype=int)
    for fate, code in FATE_CODES.items():
        got = _fate_times(objective_at, 2, captured, escaped, destroyed, elems, code)
        np.testing.assert_array_equal(got, np.where(open_, want[fate], np.inf))
        assert np.isfinite(got).any(), fate
        met += np.isfinite(want[fate])
    assert met.max() == 1
    at_large = met == 0
    assert at_large.any()
    assert (np.isinf(cap) & np.isinf(esc) & ~gone)[at_large].all()


# --- aircraft endurance -----------------------------------------------------------------------------------


def _reference_enforce_endurance(ctx: StepContext) -> None:
    """enforce_endurance as array expressions over the aircraft columns."""
    s = ctx.state
    f = ctx.world.forces
    plan = ctx.world.plan
    strike = np.array([t.kind == "strike" for t in plan.tasks] + [True])
    air = np.flatnonzero(f.is_air)
    on = (s.status[:, air] == ACTIVE) & ~strike[s.task[:, air]]
    t1 = ctx.t1
    rows, k = np.nonzero(on & (s.air_phase[:, air] == AIR_OUTBOUND) & np.isfinite(s.airborne_since[:, air]))
    if len(rows):
        elems = air[k]
        speed = np.maximum(f.speed_by_class[elems, 0], 1e-9)
        home_s = np.hypot(s.x[rows, elems] - f.home_x[elems], s.y[rows, elems] - f.home_y[elems]) / speed
        turn = (t1 - s.airborne_since[rows, elems]) + home_s >= f.endurance_s[elems]
        rr, ee = rows[turn], elems[turn]
        if len(rr):
            s.air_phase[rr, ee] = AIR_INBOUND
            s.speed_factor[rr, ee] = 1.0
            s.route_loop[rr, ee] = False
            set_routes(ctx, rr, ee, np.stack([f.home_x[ee], f.home_y[ee]], axis=1)[:, None, :])
    rows, k = np.nonzero(
        on & (s.air_phase[:, air] == AIR_INBOUND) & (s.route_i[:, air] >= s.route_len[:, air])
    )
    if len(rows):
        elems = air[k]
        s.air_phase[rows, elems] = AIR_TURNAROUND
        s.air_until[rows, elems] = t1 + f.turnaround_s[elems]
        s.airborne_since[rows, elems] = np.inf
        ctx.emit(SortieRecovered, rows, t1, mission=np.zeros(len(rows)), aircraft=ctx.ids[elems])
    rows, k = np.nonzero(on & (s.air_phase[:, air] == AIR_TURNAROUND) & (s.air_until[:, air] <= t1))
    if len(rows):
        elems = air[k]
        tasks = s.task[rows, elems]
        when = s.air_until[rows, elems]
        s.air_phase[rows, elems] = AIR_READY
        for k in np.unique(tasks):
            sel = tasks == k
            begin_task(ctx, plan.tasks[int(k)], rows[sel], elems[sel], when[sel])
        up = s.air_phase[rows, elems] == AIR_OUTBOUND
        ctx.emit(
            SortieLaunched, rows[up], when[up], mission=np.zeros(int(up.sum())), aircraft=ctx.ids[elems[up]]
        )


def _stir_aircraft(ctx: StepContext, rng: np.random.Generator) -> None:
    """Aircraft in every air phase, on strike, other and no tasks, some out of action, some aloft long
    enough to turn home, some landed, some turned around."""
    s = ctx.state
    f = ctx.world.forces
    plan = ctx.world.plan
    air = np.flatnonzero(f.is_air)
    block = np.ix_(np.arange(s.r), air)
    shape = (s.r, len(air))
    phases = [AIR_READY, AIR_WAITING, AIR_OUTBOUND, AIR_ON_STATION, AIR_INBOUND, AIR_TURNAROUND]
    s.air_phase[block] = rng.choice(phases, shape, p=[0.05, 0.05, 0.4, 0.1, 0.2, 0.2])
    s.status[block] = np.where(rng.random(shape) < 0.85, ACTIVE, DESTROYED)
    for e in air:  # one of the aircraft's own tasks, or none
        own = [t.index for t in plan.tasks if e in t.elements]
        s.task[:, e] = np.where(rng.random(s.r) < 0.9, rng.choice(own, s.r), -1) if own else -1
    s.x[block] += rng.uniform(-30_000.0, 30_000.0, shape)  # away from home
    s.y[block] += rng.uniform(-30_000.0, 30_000.0, shape)
    # Aloft for the endurance less the time home times 0-2: half of them must turn home now.
    home_s = np.hypot(s.x[block] - f.home_x[air], s.y[block] - f.home_y[air]) / f.speed_by_class[air, 0]
    since = ctx.t1 - (f.endurance_s[air][None, :] - home_s * rng.uniform(0.0, 2.0, shape))
    s.airborne_since[block] = np.where(rng.random(shape) < 0.8, since, np.inf)
    s.route_len[block] = rng.integers(0, 3, shape)
    s.route_i[block] = np.where(rng.random(shape) < 0.5, s.route_len[block], 0)
    s.air_until[block] = ctx.t1 + rng.choice([-60.0, 0.0, 60.0], shape)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_compiled_endurance_matches_the_array_expressions(battle: Simulation, seed: int) -> None:
    rng = np.random.default_rng(seed)
    compiled, reference = _twin(battle)
    _stir_aircraft(compiled, rng)
    reference.state = copy.deepcopy(compiled.state)
    enforce_endurance(compiled)
    _reference_enforce_endurance(reference)
    _same_state(compiled.state, reference.state)
    _same_events(compiled.recorder, reference.recorder)  # type: ignore[arg-type]
    kinds = {c[0] for c in reference.recorder.calls}  # type: ignore[attr-defined]
    assert {"SortieRecovered", "SortieLaunched"} <= kinds
    assert (reference.state.air_phase != battle.state.air_phase).any()


# --- capture and flight -----------------------------------------------------------------------------------


def _reference_capture_and_flight(ctx: StepContext) -> None:
    """capture_and_flight as array expressions."""
    s = ctx.state
    f = ctx.world.forces
    plan = ctx.world.plan
    t1 = ctx.t1
    raid_tasks = [t for t in plan.tasks if t.kind == "raid"]
    for c in np.flatnonzero(f.capturable):
        side = f.side[c]
        live = s.status[:, c] == ACTIVE
        has_escape = np.isfinite(f.escape_x[c])
        if has_escape:
            there = (
                live
                & s.fled[:, c]
                & (np.hypot(s.x[:, c] - f.escape_x[c], s.y[:, c] - f.escape_y[c]) <= 200.0)
            )
            rows = np.flatnonzero(there)
            if len(rows):
                s.status[rows, c] = ESCAPED
                s.escaped_at[rows, c] = t1
                ctx.emit(UnitEscaped, rows, t1, unit=ctx.ids[c])
        for task in raid_tasks:
            if c not in task.target_elements or not task.capture:
                continue
            raiders = task.elements
            on = (s.task[:, raiders] == task.index) & (s.status[:, raiders] == ACTIVE) & ~s.broken[:, raiders]
            close = np.hypot(s.x[:, raiders] - s.x[:, c][:, None], s.y[:, raiders] - s.y[:, c][:, None])
            near = on & (close <= CAPTURE_RADIUS_M)
            guards = np.flatnonzero((f.side == side) & (f.is_guard | (np.arange(f.n) == c)) & ~f.is_air)
            gd = np.hypot(s.x[:, guards] - s.x[:, c][:, None], s.y[:, guards] - s.y[:, c][:, None])
            guarding = (gd <= GUARD_RADIUS_M) & (s.status[:, guards] == ACTIVE)
            resisting = guarding & ~s.broken[:, guards] & (s.suppressed_until[:, guards] <= ctx.t0)
            seized = live & (s.status[:, c] == ACTIVE) & near.any(axis=1) & ~resisting.any(axis=1)
            rows = np.flatnonzero(seized)
            if len(rows):
                captor = raiders[np.argmax(near[rows], axis=1)]
                # Everyone with the captured element goes missing (the casualty-state bookkeeping).
                fighting = s.strength[rows, c].copy()
                declare_missing(
                    ctx, rows, np.full(len(rows), c), fighting=fighting, reason="captured", time_s=t1
                )
                s.strength[rows, c] = 0.0
                s.status[rows, c] = CAPTURED
                s.captured_at[rows, c] = t1
                s.captor[rows, c] = captor
                s.route_len[rows, c] = 0
                ctx.emit(UnitCaptured, rows, t1, unit=ctx.ids[c], captor=ctx.ids[captor])
        raider_mask = np.zeros(f.n, dtype=bool)
        for task in raid_tasks:
            if c in task.target_elements:
                raider_mask[task.elements] = True
        if not raider_mask.any():
            continue
        pic = s.picture
        believed = pic.believed_layer(t1)  # the raiders dead-reckoned to now
        raiders = np.flatnonzero(raider_mask)
        d = np.hypot(
            believed.x[:, side, raiders] - s.x[:, c][:, None],
            believed.y[:, side, raiders] - s.y[:, c][:, None],
        )
        threat = pic.known_live[:, side, raiders] & (d <= FLEE_RADIUS_M)
        starts = (s.status[:, c] == ACTIVE) & ~s.fled[:, c] & threat.any(axis=1)
        rows = np.flatnonzero(starts)
        if not len(rows):
            continue
        s.fled[rows, c] = True
        s.task[rows, c] = -1
        s.pending_task[rows, c] = -1
        s.speed_factor[rows, c] = 1.0
        for r in rows:
            if has_escape:
                dest = np.array([[f.escape_x[c], f.escape_y[c]]])
            else:
                near_threat = int(raiders[np.argmin(np.where(threat[r], d[r], np.inf))])
                away = np.array(
                    [
                        s.x[r, c] - believed.x[r, side, near_threat],
                        s.y[r, c] - believed.y[r, side, near_threat],
                    ]
                )
                away = away / max(float(np.hypot(*away)), 1.0) * FLEE_DISTANCE_M
                dest = np.array([[s.x[r, c] + away[0], s.y[r, c] + away[1]]])
            set_routes(ctx, np.array([r]), np.array([c]), dest)
        ctx.emit(UnitFled, rows, t1, unit=ctx.ids[c])


def _stir_raid(ctx: StepContext, rng: np.random.Generator) -> None:
    """Raiders on and off their task about the capturable elements, guards resisting or not, some
    capturable elements fleeing near their escape point, raiders believed near or far."""
    s = ctx.state
    f = ctx.world.forces
    plan = ctx.world.plan
    shape = s.x.shape
    s.status[:] = np.where(rng.random(shape) < 0.85, ACTIVE, DESTROYED)
    s.broken[:] = rng.random(shape) < 0.2
    s.suppressed_until[:] = np.where(rng.random(shape) < 0.4, ctx.t0 + 60.0, ctx.t0 - 60.0)
    for c in np.flatnonzero(f.capturable):
        side = f.side[c]
        cx, cy = s.x[:, c], s.y[:, c]
        for task in plan.tasks:
            if task.kind == "raid" and c in task.target_elements:
                e = task.elements
                s.task[:, e] = np.where(rng.random((s.r, len(e))) < 0.8, task.index, -1)
                s.x[:, e] = cx[:, None] + rng.uniform(-250, 250, (s.r, len(e)))
                s.y[:, e] = cy[:, None] + rng.uniform(-250, 250, (s.r, len(e)))
                s.picture.known_live[:, side, e] = rng.random((s.r, len(e))) < 0.7
                s.picture.known_x[:, side, e] = cx[:, None] + rng.uniform(-4000, 4000, (s.r, len(e)))
                s.picture.known_y[:, side, e] = cy[:, None] + rng.uniform(-4000, 4000, (s.r, len(e)))
                if task.capture:  # in rows 1 and 2 a raider on its task beside the element
                    s.task[1:3, e[-1]] = task.index
                    s.status[1:3, e[-1]] = ACTIVE
                    s.broken[1:3, e[-1]] = False
                    s.x[1:3, e[-1]] = cx[1:3] + 50.0
        guards = np.flatnonzero((f.side == side) & f.is_guard)
        s.x[:, guards] = cx[:, None] + rng.uniform(-700, 700, (s.r, len(guards)))
        s.y[:, guards] = cy[:, None] + rng.uniform(-700, 700, (s.r, len(guards)))
        # In rows 1 and 2 no guard (the element itself included) resists: suppressed, then broken.
        s.suppressed_until[1, guards] = s.suppressed_until[1, c] = ctx.t0 + 60.0
        s.broken[2, guards] = s.broken[2, c] = True
        s.fled[:, c] = rng.random(s.r) < 0.3
        s.fled[0, c], s.fled[1:3, c] = True, False
        if np.isfinite(f.escape_x[c]):  # some of those fleeing at (the first one) or near their escape point
            at = s.fled[:, c] & (rng.random(s.r) < 0.7)
            s.x[at, c] = f.escape_x[c] + rng.uniform(-250, 250, int(at.sum()))
            s.y[at, c] = f.escape_y[c] + rng.uniform(-250, 250, int(at.sum()))
            s.x[0, c], s.y[0, c] = f.escape_x[c] + 100.0, f.escape_y[c] - 100.0
        s.status[:, c] = ACTIVE


@pytest.mark.parametrize("escape", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_compiled_capture_and_flight_match_the_array_expressions(
    battle: Simulation, seed: int, escape: bool
) -> None:
    rng = np.random.default_rng(seed)
    compiled, reference = _twin(battle)
    f = battle.world.forces
    if not escape:  # flee away from the nearest raider instead
        world = replace(battle.world, forces=replace(f, escape_x=np.full(f.n, np.nan)))
        compiled.world = reference.world = world
    _stir_raid(compiled, rng)
    reference.state = copy.deepcopy(compiled.state)
    capture_and_flight(compiled)
    _reference_capture_and_flight(reference)
    _same_state(compiled.state, reference.state)
    _same_events(compiled.recorder, reference.recorder)  # type: ignore[arg-type]
    kinds = {c[0] for c in reference.recorder.calls}  # type: ignore[attr-defined]
    assert {"UnitCaptured", "UnitFled"} <= kinds
    assert ("UnitEscaped" in kinds) == escape


# --- trigger evaluation -----------------------------------------------------------------------------------


def _first(per_element: FloatArray, mask: NDArray[np.bool_], *, all_of: bool = False) -> FloatArray:
    if not mask.any():
        return np.full(per_element.shape[0], np.inf)
    values = per_element[:, mask]
    return np.asarray(values.max(axis=1) if all_of else values.min(axis=1), dtype=np.float64)


def _side_mask(node: TriggerNode, facts: Facts) -> NDArray[np.bool_]:
    if len(node.elements):
        mask = np.zeros(facts.side_of.shape[0], dtype=bool)
        mask[node.elements] = True
        return mask
    if node.side >= 0:
        return np.asarray(facts.side_of == node.side)
    return np.ones(facts.side_of.shape[0], dtype=bool)


def _by_side(table: FloatArray, side: int) -> FloatArray:
    return table[:, side] if side >= 0 else table.min(axis=1)


def event_time(node: TriggerNode, facts: Facts) -> FloatArray:
    """First time of the event a node names, per replication: the array code the compiled trigger pass
    replaced, kept as its reference."""
    kind = node.event
    has_unit = len(node.elements) > 0
    if kind == "contact-detected":
        return (
            _first(facts.detected_at, _side_mask(node, facts))
            if has_unit
            else _by_side(facts.detected_by_side, node.side)
        )
    if kind == "contact-reported":
        return (
            _first(facts.reported_at, _side_mask(node, facts))
            if has_unit
            else _by_side(facts.reported_by_side, node.side)
        )
    if kind == "contact-lost":
        return _by_side(facts.lost_by_side, node.side)
    if kind == "fire-mission-completed":
        return _by_side(facts.mission_by_side, node.side)
    if kind == "strike-completed":
        return _by_side(facts.strike_by_side, node.side)
    if kind == "objective-achieved":
        if node.objective >= 0:
            return facts.objective_at[:, node.objective]
        return (
            facts.objective_at.min(axis=1)
            if facts.objective_at.shape[1]
            else np.full(facts.strength.shape[0], np.inf)
        )
    table = {
        "unit-arrived": facts.arrived_at,
        "unit-destroyed": facts.destroyed_at,
        "unit-broke": facts.broke_at,
        "unit-captured": facts.captured_at,
        "unit-escaped": facts.escaped_at,
    }[kind]
    # A named unit (a group) has arrived or been destroyed when all its elements have; broken, captured or
    # escaped when any has. Without a unit: the first such event on the side.
    all_of = has_unit and kind in ("unit-arrived", "unit-destroyed")
    return _first(table, _side_mask(node, facts), all_of=all_of)


def _reference_evaluate(state: TriggerState, facts: Facts, phases: np.ndarray | None) -> FloatArray:
    """TriggerState.evaluate node by node, as array expressions."""
    nodes = state.plan.nodes
    r = facts.strength.shape[0]
    out = np.full((r, len(nodes)), np.inf)
    needed = state.phase_nodes[phases].any(axis=0) if phases is not None else np.ones(len(nodes), bool)
    for k, node in enumerate(nodes):
        if not needed[k]:
            continue
        if node.kind == "at":
            held = np.full(r, node.at_s)
        elif node.kind == "after":
            held = facts.phase_start[:, node.phase]
        elif node.kind == "event":
            held = event_time(node, facts)
        elif node.kind == "objective":
            held = facts.objective_at[:, node.objective]
        elif node.kind == "arrived":
            mask = np.zeros(facts.side_of.shape[0], dtype=bool)
            if len(node.elements):
                mask[node.elements] = True
            else:
                mask = (facts.side_of == node.side) if node.side >= 0 else ~mask
            held = facts.arrived_at[:, mask].max(axis=1) if mask.any() else np.full(r, np.inf)
        elif node.kind in ("all", "any"):
            child = out[:, list(node.children)]
            held = child.max(axis=1) if node.kind == "all" else child.min(axis=1)
        else:
            now = state._condition(node, facts)
            newly = now & np.isinf(state.first_held[:, k])
            state.first_held[newly, k] = facts.time_s
            held = state.first_held[:, k]
        out[:, k] = held + node.delay_s
    return out


def _every_kind_of_node(n: int, rng: np.random.Generator) -> CompiledPlan:
    """A plan whose trigger nodes are of every kind and event, with and without units and sides, and whose
    phases start on them (some on all/any trees)."""
    some = np.sort(rng.choice(n, 3, replace=False))
    nodes = [TriggerNode("at", at_s=600.0), TriggerNode("after", phase=0, delay_s=300.0)]
    events = [
        "contact-detected",
        "contact-reported",
        "contact-lost",
        "fire-mission-completed",
        "strike-completed",
        "unit-arrived",
        "unit-destroyed",
        "unit-broke",
        "unit-captured",
        "unit-escaped",
    ]
    for event in events:
        nodes.append(TriggerNode("event", event=event, side=1, delay_s=60.0))
        nodes.append(TriggerNode("event", event=event, side=-1))
        nodes.append(TriggerNode("event", event=event, elements=some))
    nodes += [
        TriggerNode("event", event="objective-achieved", objective=1),
        TriggerNode("event", event="objective-achieved"),
        TriggerNode("objective", objective=0, delay_s=120.0),
        TriggerNode("arrived", elements=some),
        TriggerNode("arrived", side=0),
        TriggerNode("arrived", side=2),  # a side with no elements: never
        TriggerNode("losses", side=0, fraction=0.1),
        TriggerNode("losses", elements=some, fraction=0.2),
        TriggerNode("located", side=0, of_side=1, fraction=0.5),
    ]
    leaves = len(nodes)
    nodes.append(TriggerNode("any", children=tuple(range(2, leaves, 3))))
    nodes.append(TriggerNode("all", children=(3, 8, leaves - 1, leaves - 3), delay_s=30.0))
    nodes.append(TriggerNode("any", children=(leaves, leaves + 1)))
    roots = (0, 1, leaves + 2, *range(2, leaves, 2))
    return CompiledPlan(
        phase_names=tuple(f"p{p}" for p in range(len(roots))),
        phase_root=roots,
        nodes=tuple(nodes),
        tasks=(),
        phase_tasks=tuple(() for _ in roots),
        objective_names=("a", "b"),
    )


def _random_facts(r: int, n: int, phases: int, t: float, rng: np.random.Generator) -> Facts:
    def times(shape: tuple[int, ...]) -> FloatArray:
        return np.where(rng.random(shape) < 0.4, rng.uniform(0, t, shape), np.inf)

    strength0 = rng.uniform(5, 20, n)
    return Facts(
        time_s=t,
        phase_start=times((r, phases)),
        detected_by_side=times((r, 2)),
        reported_by_side=times((r, 2)),
        lost_by_side=times((r, 2)),
        mission_by_side=times((r, 2)),
        strike_by_side=times((r, 2)),
        detected_at=times((r, n)),
        reported_at=times((r, n)),
        arrived_at=np.where(rng.random((r, n)) < 0.8, rng.uniform(0, t, (r, n)), np.inf),
        destroyed_at=np.where(rng.random((r, n)) < 0.8, rng.uniform(0, t, (r, n)), np.inf),
        broke_at=times((r, n)),
        captured_at=times((r, n)),
        escaped_at=times((r, n)),
        objective_at=times((r, 2)),
        strength=strength0[None, :] * rng.uniform(0.6, 1.0, (r, n)),
        strength0=strength0,
        side_of=np.sort(rng.integers(0, 2, n)),
        nation_of=rng.integers(0, 3, n),
        located=rng.random((r, 2, 2)),
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_compiled_trigger_evaluation_matches_node_by_node(seed: int) -> None:
    """Every kind of node, over steps (condition memory included), with every phase or only some."""
    rng = np.random.default_rng(seed)
    r, n = 12, 9
    plan = _every_kind_of_node(n, rng)
    compiled, reference = TriggerState(plan, r), TriggerState(plan, r)
    fired = np.zeros(len(plan.nodes), dtype=bool)
    for step in range(6):
        facts = _random_facts(r, n, len(plan.phase_root), 600.0 * (step + 1), rng)
        phases = None if step % 2 else rng.random(len(plan.phase_root)) < 0.6
        got = compiled.evaluate(facts, phases)
        want = _reference_evaluate(reference, facts, phases)
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(compiled.first_held, reference.first_held)
        fired |= np.isfinite(got).any(axis=0)
    assert fired.sum() == len(plan.nodes) - 1  # every node fired somewhere but the one that never can
