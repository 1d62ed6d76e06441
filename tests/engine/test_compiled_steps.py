"""The compiled loops of movement, steering and fire support give, bit for bit, what the array expressions
they replaced give (kept here as references), on a mid-battle state of the default scenario stirred so that
every branch is taken."""

from __future__ import annotations

import copy
import math
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

import numba
import numpy as np
import pytest

from drillsim.core.compiled import plain
from drillsim.engine.simulation import Simulation
from drillsim.events.types import FireMissionRequested, UnitArrived, UnitDismounted, UnitMounted
from drillsim.geo.terrain import Terrain
from drillsim.mechanics.indirect_fire.model import (
    burst_exponents,
    hit_probabilities,
    lethal_spread,
    round_casualty_fraction,
)
from drillsim.mechanics.indirect_fire.step import (
    FRESH_CONTACT_S,
    MISSION_IDS_PER_SIDE,
    PHASE_ADJUSTING,
    REQUEST_INTERVAL_S,
    STAGE_DONE,
    STAGE_FIRED,
    STAGE_REQUESTED,
    IndirectFire,
)
from drillsim.mechanics.movement.fuel import burn_fuel, burn_idle_fuel, start_drive
from drillsim.mechanics.movement.step import ARRIVAL_TOLERANCE_M, SUPPRESSED_SPEED_FACTOR, move
from drillsim.mechanics.movement.together import column_allowance
from drillsim.mechanics.orders.command import _obstacle_grid, _river_detours, _steer, nearest_contacts
from drillsim.mechanics.transport.model import shuttle_speed_factor, shuttle_trips
from drillsim.mechanics.transport.step import _HALTED, _MOUNTED, _MOVING, Carriers
from drillsim.state.batch import ACTIVE, BEHAVIOUR_NONE, DESTROYED, Routes
from drillsim.state.context import StepContext
from drillsim.world.forces import TERRAIN_INDEX
from drillsim.world.plan import RIDE_AUTO, RIDE_NO, RIDE_YES


@dataclass
class _Capture:
    """A recorder that keeps every emit call as it was made."""

    enabled: bool = True
    sample_s: float | None = None
    calls: list[tuple[str, Any, Any, dict[str, Any]]] = field(default_factory=list)

    def emit(self, kind: str, replication: Any, time_s: Any, **columns: Any) -> None:
        self.calls.append((kind, np.copy(replication), np.copy(time_s), copy.deepcopy(columns)))


def _events(capture: _Capture) -> list[tuple[Any, ...]]:
    """One tuple per event (kind, replication, time, then the columns by name), however they were batched."""
    rows = []
    for kind, reps, time_s, columns in capture.calls:
        n = len(reps)
        cols = [np.broadcast_to(np.asarray(columns[name]), (n,)) for name in sorted(columns)]
        times = np.broadcast_to(time_s, (n,))
        for i in range(n):
            rows.append((kind, reps[i], times[i], *sorted(columns), *(c[i] for c in cols)))
    return rows


def _same_events(a: _Capture, b: _Capture) -> None:
    assert _events(a) == _events(b)


def _same_state(a: Any, b: Any) -> None:
    for name, value in vars(a).items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(value, getattr(b, name), err_msg=name)
        elif hasattr(value, "__dataclass_fields__"):
            _same_state(value, getattr(b, name))


@pytest.fixture(scope="module")
def battle() -> Simulation:
    """Six replications of the default scenario, eight hours in."""
    sim = Simulation("khatlon-2015-v1", rng=5, replications=6)
    sim.run(until_s=8 * 3600.0)
    return sim


def _twin(sim: Simulation) -> tuple[StepContext, StepContext]:
    """Two independent contexts on copies of the simulation's state, each with its own capture."""
    ctx = sim.ctx
    ctx.t0 = sim.state.time_s
    ctx.t1 = ctx.t0 + sim.world.dt_s
    return (
        replace(ctx, state=copy.deepcopy(sim.state), recorder=_Capture()),
        replace(ctx, state=copy.deepcopy(sim.state), recorder=_Capture()),
    )


# --- movement ---------------------------------------------------------------------------------------------


def _reference_move(ctx: StepContext) -> None:
    """Movement as array expressions (the implementation the compiled loop replaced), then the idle burn of
    the halted vehicles, as the move takes it."""
    moved = _reference_advance(ctx)
    if len(ctx.world.forces.idlers):
        mask = np.zeros(ctx.state.x.shape, dtype=bool)
        if moved is not None:
            mask[moved] = True
        burn_idle_fuel(ctx, mask)


def _reference_advance(ctx: StepContext) -> tuple[np.ndarray, np.ndarray] | None:
    """The moving elements' step; returns the (rows, elements) that moved (None: none)."""
    s = ctx.state
    f = ctx.world.forces
    moving = (s.route_i < s.route_len) & (s.status == ACTIVE) & (ctx.t0 >= f.readiness_s[None, :])
    rows, elems = np.nonzero(moving)
    if not len(rows):
        return None
    # Fuel is not what the compiled loop replaced: the reference takes it as the move does.
    drive, go = start_drive(ctx, rows, elems) if f.any_fuel else (None, None)
    if go is not None:
        rows, elems = rows[go], elems[go]
        if not len(rows):
            return None
    i = s.route_i[rows, elems]
    tx = s.route_x[rows, elems, i]
    ty = s.route_y[rows, elems, i]
    x = s.x[rows, elems]
    y = s.y[rows, elems]
    air = f.is_air[elems]
    speed = np.empty(len(rows))
    speed[air] = f.speed_by_class[elems[air], 0]
    ground = ~air
    gx, gy, ge = x[ground], y[ground], elems[ground]
    # Mounted elements move at their carriers' speeds (docs/mechanics/transport.md).
    carried = ctx.world.carriers.speed_by_class if ctx.world.carriers is not None else f.speed_by_class
    riding = s.mounted[rows[ground], ge]
    cls = ctx.world.movement_class(gx, gy)
    base = np.where(riding, carried[ge, cls], f.speed_by_class[ge, cls])
    theta = np.degrees(np.arctan(ctx.world.terrain.slope_at(gx, gy)))
    keep = 1.0 - f.slope_slowdown[ge] * theta / np.maximum(f.slope_limit_deg[ge] / 2.0, 1e-9)
    keep = np.clip(keep, 0.05, 1.0)
    speed[ground] = base * keep
    speed[np.flatnonzero(ground)[base <= 0]] = 0.1
    on_road = s.route_road[rows[ground], ge, i[ground]]
    road = TERRAIN_INDEX["road"]
    road_speed = np.where(riding, carried[ge, road], f.speed_by_class[ge, road])
    speed[np.flatnonzero(ground)[on_road]] = road_speed[on_road]
    suppressed = s.suppressed_until[rows, elems] > ctx.t0
    speed *= s.speed_factor[rows, elems] * np.where(suppressed & ~air, SUPPRESSED_SPEED_FACTOR, 1.0)
    step = speed * ctx.dt
    dx, dy = tx - x, ty - y
    dist = np.hypot(dx, dy)
    reach = dist <= step + ARRIVAL_TOLERANCE_M
    frac = np.where(reach, 1.0, step / np.maximum(dist, 1e-9))
    s.x[rows, elems] = x + dx * frac
    s.y[rows, elems] = y + dy * frac
    rr, ee = rows[reach], elems[reach]
    nxt = s.route_i[rr, ee] + 1
    nxt = np.where(s.route_loop[rr, ee] & (nxt >= s.route_len[rr, ee]), 0, nxt)
    s.route_i[rr, ee] = nxt
    done = nxt >= s.route_len[rr, ee]
    dr, de = rr[done], ee[done]
    used = np.where(step[reach][done] > 0, dist[reach][done] / np.maximum(step[reach][done], 1e-9), 1.0)
    when = ctx.t0 + np.clip(used, 0.0, 1.0) * ctx.dt
    s.arrived_at[dr, de] = np.minimum(s.arrived_at[dr, de], when)
    s.first_arrived_at[dr, de] = np.minimum(s.first_arrived_at[dr, de], when)
    s.posture[dr, de] = s.arrival_posture[dr, de]
    if drive is not None:
        burn_fuel(ctx, drive, dr, de)
    if len(dr):
        ctx.emit(UnitArrived, dr, when, unit=ctx.ids[de], x_m=s.x[dr, de], y_m=s.y[dr, de])
    return rows, elems


def _stir_movement(ctx: StepContext, rng: np.random.Generator) -> None:
    """Give the state every case movement handles: suppression, task speed factors, road legs, loops,
    elements about to arrive, elements that cannot cross their ground (speed 0), stopped ones."""
    s = ctx.state
    shape = s.x.shape
    s.suppressed_until = np.where(rng.random(shape) < 0.3, ctx.t1 + 60.0, s.suppressed_until)
    s.speed_factor = rng.uniform(0.2, 1.5, shape)
    s.route_road = rng.random(s.route_road.shape) < 0.3
    s.route_loop = rng.random(shape) < 0.5
    # Some routes one short point away: they arrive (or loop) this step.
    near = rng.random(shape) < 0.2
    has_route = s.route_len > 0
    s.route_i = np.where(near & has_route, np.maximum(s.route_len - 1, 0), s.route_i)
    a, e = np.nonzero(near & has_route)
    s.route_x[a, e, s.route_i[a, e]] = s.x[a, e] + rng.uniform(-20.0, 20.0, len(a))
    s.route_y[a, e, s.route_i[a, e]] = s.y[a, e] + rng.uniform(-20.0, 20.0, len(a))
    # A few with a route although they had none, so more elements move.
    fresh = (rng.random(shape) < 0.3) & ~has_route
    s.route_len = np.where(fresh, 1, s.route_len)
    s.route_i = np.where(fresh, 0, s.route_i)
    a, e = np.nonzero(fresh)
    s.route_x[a, e, 0] = s.x[a, e] + rng.uniform(-5000.0, 5000.0, len(a))
    s.route_y[a, e, 0] = s.y[a, e] + rng.uniform(-5000.0, 5000.0, len(a))
    s.arrival_posture = rng.integers(0, 3, shape)
    if ctx.world.carriers is not None:  # some elements with carriers riding, some on foot
        has = ctx.world.carriers.speed_by_class.max(axis=1) > 0
        s.mounted = (rng.random(shape) < 0.5) & has[None, :]
    s.arrived_at = np.where(rng.random(shape) < 0.5, ctx.t0 + 30.0, np.inf)


def test_compiled_movement_matches_the_array_expressions(battle: Simulation) -> None:
    rng = np.random.default_rng(11)
    f = battle.world.forces
    # Some types cannot cross some ground: they crawl.
    speed = np.where(rng.random(f.speed_by_class.shape) < 0.2, 0.0, f.speed_by_class)
    world = replace(battle.world, forces=replace(f, speed_by_class=speed))
    compiled, reference = _twin(battle)
    compiled.world = reference.world = world
    _stir_movement(compiled, rng)
    reference.state = copy.deepcopy(compiled.state)
    move(compiled)
    _reference_move(reference)
    _same_state(compiled.state, reference.state)
    _same_events(compiled.recorder, reference.recorder)  # type: ignore[arg-type]
    assert any(kind == "UnitArrived" for kind, *_ in reference.recorder.calls)  # type: ignore[attr-defined]
    assert compiled.state.mounted.any()


# --- fire-mission requests --------------------------------------------------------------------------------


def _reference_request_missions(support: IndirectFire, ctx: StepContext) -> None:
    """Fire-mission requests as array expressions, battery by battery (what the compiled loop replaced)."""
    s = ctx.state
    f = ctx.world.forces
    pic = s.picture
    plan = ctx.world.plan
    m = s.missions
    believed = pic.believed_layer(ctx.t1)  # contacts dead-reckoned to now
    engaged = np.zeros((s.r, len(f.side_names), f.n), dtype=bool)
    open_ = m.stage < STAGE_DONE
    engaged[m.rep[open_], f.side[m.firer[open_]], m.target[open_]] = True
    in_hand = np.zeros(s.status.shape, dtype=bool)  # one mission at a time: requested or adjusting
    held = (m.stage == STAGE_REQUESTED) | ((m.stage == STAGE_FIRED) & (m.fire_phase == PHASE_ADJUSTING))
    in_hand[m.rep[held], m.firer[held]] = True
    for b in support.batteries:
        mount = support.battery_mount[b]
        side = f.side[b]
        free = (
            (s.battery_task[:, b] >= 0)
            & (s.status[:, b] == ACTIVE)
            & ~s.broken[:, b]
            & (s.battery_busy_until[:, b] <= ctx.t1)
            & (s.missions_left[:, b] > 0)
            & (s.ammo[:, mount] > 0)
            & ~in_hand[:, b]
        )
        rows = np.flatnonzero(free)
        if not len(rows):
            continue
        obs_by = pic.seen_by[rows, side, :]
        task_of = s.battery_task[rows, b]
        allowed = np.stack([support.observer_ok[int(t)] for t in task_of])
        observer_ok = (obs_by >= 0) & np.take_along_axis(allowed, np.maximum(obs_by, 0), axis=1)
        d = np.hypot(
            believed.x[rows, side, :] - s.x[rows, b][:, None],
            believed.y[rows, side, :] - s.y[rows, b][:, None],
        )
        cand = (
            pic.known_live[rows, side, :]
            & observer_ok
            & f.hostile[side][f.side][None, :]
            & ~f.is_air[None, :]
            & ((ctx.t1 - pic.known_t[rows, side, :]) <= FRESH_CONTACT_S)
            & (d <= f.w_max_range[mount])
            & (d >= f.w_min_range[mount])
            & ~engaged[rows, side, :]
            & ((ctx.t1 - support.last_request[rows, side, :]) >= REQUEST_INTERVAL_S)
            & (s.status[rows, :] == ACTIVE)
        )
        score = np.where(cand, believed.err[rows, side, :] + 1e-3 * d, np.inf)
        best = np.argmin(score, axis=1)
        got = np.isfinite(score[np.arange(len(rows)), best])
        rows, best, task_of = rows[got], best[got], task_of[got]
        if not len(rows):
            continue
        engaged[rows, side, best] = True
        support.last_request[rows, side, best] = ctx.t1
        observer = pic.seen_by[rows, side, best]
        requested = ctx.t1 + f.liaison_s[f.nation[np.maximum(observer, 0)], f.nation[b]]
        fdc = np.array([plan.tasks[int(t)].fire_direction_delay_s for t in task_of])
        ids = side * MISSION_IDS_PER_SIDE + s.next_mission_id[rows, side]
        s.next_mission_id[rows, side] += 1
        s.missions_left[rows, b] -= 1
        s.battery_busy_until[rows, b] = np.inf
        n = len(rows)
        m.append(
            rep=rows,
            mission_id=ids,
            firer=np.full(n, b),
            mount=np.full(n, mount),
            target=best,
            observer=observer,
            detected_t=pic.episode_t[rows, side, best],
            requested_t=requested,
            fire_t=requested + fdc,
            impact_t=np.full(n, np.inf),
            aim_x=believed.x[rows, side, best],
            aim_y=believed.y[rows, side, best],
            rounds=np.zeros(n),
            stage=np.full(n, STAGE_REQUESTED),
        )
        ctx.emit(
            FireMissionRequested,
            rows,
            requested,
            mission=ids.astype(np.float64),
            side=ctx.sides[side],
            observer=ctx.ids[np.maximum(observer, 0)],
            target=ctx.ids[best],
            battery=ctx.ids[b],
            x_m=believed.x[rows, side, best],
            y_m=believed.y[rows, side, best],
        )


def _stir_fire_support(sim: Simulation, ctx: StepContext, rng: np.random.Generator) -> None:
    """Batteries under their fire-support tasks in most rows, some busy, broken, out of missions or
    ammunition; a dense picture with fresh and stale contacts, ties in error, contacts asked for lately,
    open missions engaging some."""
    s = ctx.state
    pic = s.picture
    f = ctx.world.forces
    shape = pic.known_live.shape
    observers = [f.n - 1]
    for task in ctx.world.plan.tasks:
        if task.kind == "fire-support":
            on = rng.random((s.r, len(task.elements))) < 0.8
            s.battery_task[:, task.elements] = np.where(on, task.index, -1)
            observers += list(task.observers)
    s.status = np.where(rng.random(s.status.shape) < 0.1, ACTIVE + 1, ACTIVE)
    s.broken = rng.random(s.broken.shape) < 0.05
    s.battery_busy_until = rng.choice([-np.inf, ctx.t1, ctx.t1 + 60.0], s.x.shape, p=[0.8, 0.1, 0.1])
    s.missions_left = rng.integers(0, 4, s.x.shape).astype(np.float64)
    s.ammo = np.where(rng.random(s.ammo.shape) < 0.05, 0.0, 100.0)
    s.x = rng.uniform(-6_000.0, 6_000.0, s.x.shape)
    s.y = rng.uniform(-6_000.0, 6_000.0, s.y.shape)
    pic.known_live = rng.random(shape) < 0.15  # few contacts: batteries of a side compete for them
    pic.known_x = rng.uniform(-6_000.0, 6_000.0, shape)
    pic.known_y = rng.uniform(-6_000.0, 6_000.0, shape)
    pic.known_t = ctx.t1 - rng.uniform(0.0, 900.0, shape)
    pic.known_err = rng.choice([50.0, 100.0, 200.0, np.inf], shape)
    moving = rng.random(shape) < 0.5  # half the contacts seen moving, up to 15 m/s
    pic.known_vx = np.where(moving, rng.uniform(-15.0, 15.0, shape), 0.0)
    pic.known_vy = np.where(moving, rng.uniform(-15.0, 15.0, shape), 0.0)
    pic.seen_by = np.where(
        rng.random(shape) < 0.3, rng.choice(observers, shape), rng.integers(-1, f.n, shape)
    )
    sim.fires.last_request = np.where(rng.random(shape) < 0.1, ctx.t1 - 300.0, -np.inf)
    k = 200
    s.missions.append(
        rep=rng.integers(0, s.r, k),
        mission_id=np.zeros(k, dtype=np.int64),
        firer=rng.choice(sim.fires.batteries, k),
        mount=np.zeros(k, dtype=np.int64),
        target=rng.integers(0, f.n, k),
        observer=np.zeros(k, dtype=np.int64),
        detected_t=np.zeros(k),
        requested_t=np.zeros(k),
        fire_t=np.zeros(k),
        impact_t=np.zeros(k),
        aim_x=np.zeros(k),
        aim_y=np.zeros(k),
        rounds=np.zeros(k),
        stage=rng.choice(3, k, p=[0.05, 0.15, 0.8]),  # few in hand: most batteries stay free
        fire_phase=rng.integers(0, 3, k),
    )


@pytest.mark.parametrize("seed", range(4))
def test_compiled_fire_requests_match_the_array_expressions(battle: Simulation, seed: int) -> None:
    rng = np.random.default_rng(seed)
    compiled, reference = _twin(battle)
    saved = battle.fires.last_request
    try:
        _stir_fire_support(battle, compiled, rng)
        reference.state = copy.deepcopy(compiled.state)
        reference_support = copy.copy(battle.fires)
        reference_support.last_request = battle.fires.last_request.copy()
        reference_support.observer_ok = {  # type: ignore[assignment]
            t.index: battle.fires.observer_ok[t.index] for t in battle.world.plan.tasks
        }
        battle.fires.request_missions(compiled)
        _reference_request_missions(reference_support, reference)
        np.testing.assert_array_equal(battle.fires.last_request, reference_support.last_request)
    finally:
        battle.fires.last_request = saved
    _same_state(compiled.state, reference.state)
    _same_events(compiled.recorder, reference.recorder)  # type: ignore[arg-type]
    requests = [event for event in _events(reference.recorder) if event[0] == "FireMissionRequested"]  # type: ignore[arg-type]
    assert max(Counter(event[1] for event in requests).values()) >= 2  # batteries of a side pick in turn


# --- area fire ----------------------------------------------------------------------------------------


def test_compiled_hit_probabilities_match_round_casualty_fraction() -> None:
    """The batch path of the indirect-fire model against round_casualty_fraction on the full grid of
    missions x elements x rounds (the expression the compiled path replaced), zero spreads, exposures that
    clip, unexposed elements and short missions included."""
    rng = np.random.default_rng(13)
    k, n, width = 9, 40, 12
    rounds = rng.integers(0, width + 1, k)
    rounds[0] = width
    ex, ey = rng.uniform(-3000.0, 3000.0, (k, n)), rng.uniform(-3000.0, 3000.0, (k, n))
    bx, by = rng.uniform(-3000.0, 3000.0, (k, width)), rng.uniform(-3000.0, 3000.0, (k, width))
    bx[:, :3], by[:, :3] = ex[:, :3], ey[:, :3]  # direct hits: the fraction clips at 1
    lethal = rng.choice([0.0, 15.0, 40.0, 200.0], k)
    footprint = rng.choice([0.0, 50.0, 300.0], n)
    exposure = rng.uniform(0.0, 3.0, (k, n))
    exposed = rng.random((k, n)) < 0.8
    d = np.hypot(ex[:, :, None] - bx[:, None, :], ey[:, :, None] - by[:, None, :])
    frac = round_casualty_fraction(d, lethal[:, None, None], footprint[None, :, None], exposure[:, :, None])
    frac = np.where(np.arange(width)[None, None, :] < rounds[:, None, None], frac, 0.0)
    expected = np.where(exposed, 1.0 - np.prod(1.0 - frac, axis=2), 0.0)
    peak, spread = lethal_spread(lethal[:, None], footprint[None, :])
    exponents = burst_exponents(ex, ey, bx, by, spread, exposed, rounds)
    got = hit_probabilities(np.exp(exponents), peak, spread, exposure, exposed, rounds)
    np.testing.assert_array_equal(got, expected)
    assert (expected == 1.0).any()
    assert ((expected > 0.0) & (expected < 1.0)).any()


# --- steering ---------------------------------------------------------------------------------------------


def _reference_detours(terrain: Terrain, ax: Any, ay: Any, bx: Any, by: Any, ground: Any) -> tuple[Any, Any]:
    """The crossing (-1: none) and length of each leg's river detour, as array expressions: the crossing that
    makes |a - c| + |c - b| shortest for a ground leg the terrain says cuts a river."""
    need = np.zeros(len(ax), dtype=bool)
    need[ground] = terrain.crosses_obstacle(ax[ground], ay[ground], bx[ground], by[ground])
    c = terrain.crossings_xy
    via = np.hypot(c[None, :, 0] - ax[:, None], c[None, :, 1] - ay[:, None]) + np.hypot(
        c[None, :, 0] - bx[:, None], c[None, :, 1] - by[:, None]
    )
    best = np.argmin(via, axis=1)
    return np.where(need, best, -1), np.where(need, via[np.arange(len(ax)), best], np.nan)


def _reference_steer(ctx: StepContext, rows: Any, elems: Any, gx: Any, gy: Any) -> None:
    """Steering as array expressions (what the compiled loop replaced), writing the same waypoints."""
    s = ctx.state
    far = (np.hypot(gx - s.x[rows, elems], gy - s.y[rows, elems]) > 100.0) | (
        s.route_i[rows, elems] < s.route_len[rows, elems]
    )
    rows, elems, gx, gy = rows[far], elems[far], gx[far], gy[far]
    terrain = ctx.world.terrain
    ground = ~ctx.world.forces.is_air[elems]
    via, _ = _reference_detours(terrain, s.x[rows, elems], s.y[rows, elems], gx, gy, ground)
    a = np.flatnonzero(via >= 0)
    s.route_x[rows[a], elems[a], 0] = terrain.crossings_xy[via[a], 0]
    s.route_y[rows[a], elems[a], 0] = terrain.crossings_xy[via[a], 1]
    s.route_road[rows[a], elems[a], 0] = False
    goal = (via >= 0).astype(np.int64)
    s.route_x[rows, elems, goal] = gx
    s.route_y[rows, elems, goal] = gy
    s.route_road[rows, elems, goal] = False
    s.route_len[rows, elems] = goal + 1
    s.route_i[rows, elems] = 0
    s.route_loop[rows, elems] = False


def _legs(terrain: Terrain, x: Any, y: Any, rng: np.random.Generator) -> tuple[Any, Any]:
    """Goals for legs from (x, y): a third anywhere, a third a few km off (many across a river), a third
    within 100 m."""
    x_min, y_min, x_max, y_max = terrain.extent_m
    k = len(x)
    pick = rng.integers(0, 3, k)
    gx = np.where(pick == 0, rng.uniform(x_min, x_max, k), x + rng.normal(0.0, 5000.0, k))
    gy = np.where(pick == 0, rng.uniform(y_min, y_max, k), y + rng.normal(0.0, 5000.0, k))
    gx = np.where(pick == 2, x + rng.uniform(-70.0, 70.0, k), gx)
    gy = np.where(pick == 2, y + rng.uniform(-70.0, 70.0, k), gy)
    return gx, gy


def test_compiled_river_detours_match_the_array_expressions(battle: Simulation) -> None:
    """Crossing and detour length of each leg, bit for bit, for legs from near the crossings."""
    rng = np.random.default_rng(2)
    terrain = battle.world.terrain
    k = 5000
    near = rng.integers(0, len(terrain.crossings_xy), k)
    ax = terrain.crossings_xy[near, 0] + rng.normal(0.0, 8000.0, k)
    ay = terrain.crossings_xy[near, 1] + rng.normal(0.0, 8000.0, k)
    bx, by = _legs(terrain, ax, ay, rng)
    ground = rng.random(k) < 0.8
    via, via_m = _river_detours(*_obstacle_grid(terrain), ax, ay, bx, by, ground)
    want, want_m = _reference_detours(terrain, ax, ay, bx, by, ground)
    np.testing.assert_array_equal(via, want)
    np.testing.assert_array_equal(via_m, want_m)
    assert len(np.unique(via[via >= 0])) > 1


def test_compiled_steering_matches_the_array_expressions(battle: Simulation) -> None:
    """Routes steered at goals (far, across rivers, or already reached) are the array expressions' ones."""
    rng = np.random.default_rng(3)
    compiled, reference = _twin(battle)
    s = compiled.state
    rows, elems = np.nonzero(rng.random(s.x.shape) < 0.7)
    # Near the crossings, so that many legs cut a river; some have finished their route.
    terrain = compiled.world.terrain
    near = rng.integers(0, len(terrain.crossings_xy), len(rows))
    s.x[rows, elems] = terrain.crossings_xy[near, 0] + rng.normal(0.0, 8000.0, len(rows))
    s.y[rows, elems] = terrain.crossings_xy[near, 1] + rng.normal(0.0, 8000.0, len(rows))
    s.route_i[rows, elems] = np.where(rng.random(len(rows)) < 0.5, s.route_len[rows, elems], 0)
    s.route_loop[rows, elems] = rng.random(len(rows)) < 0.3
    gx, gy = _legs(terrain, s.x[rows, elems], s.y[rows, elems], rng)
    reference.state = copy.deepcopy(s)
    _steer(compiled, rows, elems, gx, gy)
    _reference_steer(reference, rows, elems, gx, gy)
    _same_state(compiled.state, reference.state)
    steered = compiled.state.route_i[rows, elems] == 0
    assert (~steered).any()  # some had arrived and stay put
    assert (compiled.state.route_len[rows, elems][steered] == 2).any()  # some go through a crossing


# --- carriers: mounting and dismounting -------------------------------------------------------------------


def _reference_mount_and_dismount(carriers: Carriers, ctx: StepContext) -> None:
    """Mounting and dismounting with the enemy's distance looked up for every element with carriers (the
    code the pass that first sets aside the elements that cannot mount or dismount replaced)."""
    c = ctx.world.carriers
    assert c is not None
    s = ctx.state
    f = ctx.world.forces
    rows, elems = np.nonzero(
        c.has[None, :] & (s.status == ACTIVE) & (s.held_until <= ctx.t0) & (f.readiness_s[None, :] <= ctx.t0)
    )
    task = s.task[rows, elems]
    ride = carriers.ride[task]
    mounted = s.mounted[rows, elems]
    moving = s.route_i[rows, elems] < s.route_len[rows, elems]
    x, y = s.x[rows, elems], s.y[rows, elems]
    _, dist = nearest_contacts(ctx, x, y, rows, f.side[elems], ~f.is_air, require_active=True)
    reach = c.dismount_range_m[elems]
    enemy = ((dist <= reach) | (s.suppressed_until[rows, elems] > ctx.t0)) & ~s.broken[rows, elems]
    last = np.maximum(s.route_len[rows, elems] - 1, 0)
    to_goal = np.hypot(s.route_x[rows, elems, last] - x, s.route_y[rows, elems, last] - y)
    at_objective = carriers.attack[task] & moving & (to_goal <= reach)
    arrived = (task >= 0) & ~moving & ~carriers.march[task]
    trips = shuttle_trips(s.strength[rows, elems], s.carriers_left[rows, elems], c.seats[elems])
    road = TERRAIN_INDEX["road"]
    faster = c.speed_by_class[elems, road] * shuttle_speed_factor(trips) > f.speed_by_class[elems, road]
    contact = enemy & ~carriers.withdraw[task]
    short = moving & (ride == RIDE_AUTO) & ~faster
    order = (ride == RIDE_NO) | arrived
    off = mounted & (contact | at_objective | order | short)
    if off.any():
        k = np.flatnonzero(off)
        r, e = rows[k], elems[k]
        s.mounted[r, e] = False
        s.parked_x[r, e], s.parked_y[r, e] = s.x[r, e], s.y[r, e]  # the carriers stay where they got off
        s.held_until[r, e] = np.maximum(s.held_until[r, e], ctx.t0 + c.dismount_s[e])
        s.dismounted_at[r, e] = np.minimum(s.dismounted_at[r, e], ctx.t0)
        s.stay_on_foot[r, e] = np.where(contact[k], task[k], s.stay_on_foot[r, e])
        reason = np.select(
            [contact[k], at_objective[k], order[k]], ["contact", "objective", "order"], default="seats"
        )
        ctx.emit(UnitDismounted, r, ctx.t0, unit=ctx.ids[e], reason=reason.astype(object), x_m=x[k], y_m=y[k])
    can = np.isfinite(trips) & ((ride == RIDE_YES) | ((ride == RIDE_AUTO) & faster))
    on = ~mounted & moving & can & ~enemy & ~at_objective & (s.stay_on_foot[rows, elems] != task)
    if on.any():
        k = np.flatnonzero(on)
        r, e = rows[k], elems[k]
        s.mounted[r, e] = True
        s.parked_x[r, e] = s.parked_y[r, e] = np.nan  # the carriers come up to their people
        s.held_until[r, e] = np.maximum(s.held_until[r, e], ctx.t0 + c.mount_s[e])
        ctx.emit(UnitMounted, r, ctx.t0, unit=ctx.ids[e], x_m=x[k], y_m=y[k])
    p = s.posture[rows, elems]
    now = s.mounted[rows, elems]
    s.posture[rows, elems] = np.where(
        now & (p == _MOVING),
        _MOUNTED,
        np.where(~now & (p == _MOUNTED), np.where(moving, _MOVING, _HALTED), p),
    )


def _stir_carriers(ctx: StepContext, rng: np.random.Generator) -> None:
    """Elements with carriers riding and on foot, with and without routes, kept on foot by their task or
    not, shown mounted or not, held, suppressed, broken, out of action, and with enemy contacts placed
    inside and outside their dismount range."""
    s = ctx.state
    c = ctx.world.carriers
    assert c is not None
    shape = s.x.shape
    s.mounted = (rng.random(shape) < 0.4) & c.has[None, :]
    fresh = rng.random(shape) < 0.5
    s.route_len = np.where(fresh, 1, s.route_len)
    s.route_i = np.where(fresh, 0, np.where(rng.random(shape) < 0.5, s.route_len, s.route_i))
    a, e = np.nonzero(fresh)
    s.route_x[a, e, 0] = s.x[a, e] + rng.uniform(-3000.0, 3000.0, len(a))
    s.route_y[a, e, 0] = s.y[a, e] + rng.uniform(-3000.0, 3000.0, len(a))
    s.posture = np.where(
        rng.random(shape) < 0.5, rng.choice([_MOVING, _MOUNTED, _HALTED], size=shape), s.posture
    )
    s.task = np.where(rng.random(shape) < 0.15, -1, s.task)
    s.stay_on_foot = np.where(rng.random(shape) < 0.3, s.task, s.stay_on_foot)
    s.held_until = np.where(rng.random(shape) < 0.1, ctx.t0 + 60.0, s.held_until)
    s.suppressed_until = np.where(rng.random(shape) < 0.1, ctx.t0 + 60.0, s.suppressed_until)
    s.broken = s.broken | (rng.random(shape) < 0.1)
    s.status = np.where(rng.random(shape) < 0.05, DESTROYED, s.status)
    f = ctx.world.forces
    pic = s.picture
    for r in range(s.r):  # each side sees some of its enemies near some of its elements
        for m in range(pic.known_live.shape[1]):
            mine = np.flatnonzero((f.side == m) & c.has)
            enemies = np.flatnonzero(f.hostile[m][f.side])
            if not len(mine) or not len(enemies):
                continue
            seen = rng.choice(enemies, size=min(8, len(enemies)), replace=False)
            near = rng.choice(mine, size=len(seen))
            pic.known_live[r, m, seen] = True
            reach = c.dismount_range_m[near]
            pic.known_x[r, m, seen] = s.x[r, near] + rng.uniform(-1.5, 1.5, len(seen)) * reach
            pic.known_y[r, m, seen] = s.y[r, near] + rng.uniform(-1.5, 1.5, len(seen)) * reach


def test_mounting_matches_the_pass_over_every_carrier(battle: Simulation) -> None:
    """Who mounts and dismounts (state, events, reasons, postures) is what the pass that looked up the
    enemy for every element with carriers gives, on stirred states of three seeds."""
    dismounted = mounted = 0
    for seed in (1, 2, 3):
        rng = np.random.default_rng(seed)
        compiled, reference = _twin(battle)
        _stir_carriers(compiled, rng)
        reference.state = copy.deepcopy(compiled.state)
        carriers = Carriers(compiled)
        carriers.mount_and_dismount(compiled)
        _reference_mount_and_dismount(carriers, reference)
        _same_state(compiled.state, reference.state)
        _same_events(compiled.recorder, reference.recorder)  # type: ignore[arg-type]
        kinds = Counter(kind for kind, *_ in reference.recorder.calls)  # type: ignore[attr-defined]
        dismounted += kinds["UnitDismounted"]
        mounted += kinds["UnitMounted"]
    assert dismounted  # both branches taken
    assert mounted


# --- keeping together -------------------------------------------------------------------------------------


@numba.njit
def _reference_route_left(routes: Routes, x: np.ndarray, y: np.ndarray, a: int, e: int) -> float:
    """Route distance element ``e`` of row ``a`` has left, waypoint by waypoint along its own route (the
    implementation the waypoint-major loop replaced; compiled as it was, since numba's ``math.hypot`` and
    Python's may differ in the last bit)."""
    route_x, route_y, _, route_len, route_i, _ = routes
    i = route_i[a, e]
    n = route_len[a, e]
    if i >= n:
        return 0.0
    left = math.hypot(route_x[a, e, i] - x[a, e], route_y[a, e, i] - y[a, e])
    for j in range(i + 1, n):
        left += math.hypot(route_x[a, e, j] - route_x[a, e, j - 1], route_y[a, e, j] - route_y[a, e, j - 1])
    return left


@numba.njit
def _reference_allowance(
    gap_by_task: np.ndarray,
    task: np.ndarray,
    status: np.ndarray,
    broken: np.ndarray,
    fled: np.ndarray,
    behaviour_mode: np.ndarray,
    routes: Routes,
    x: np.ndarray,
    y: np.ndarray,
) -> np.ndarray:
    """The keep-together allowance element by element (the loop the compiled pass replaced)."""
    _, _, _, route_len, route_i, route_loop = routes
    r_n, n = task.shape
    allowance = np.full((r_n, n), np.inf)
    left = np.zeros(n)
    n_tasks = gap_by_task.shape[0]
    last = np.zeros(n_tasks)
    for a in range(r_n):
        for k in range(n_tasks):
            last[k] = -1.0
        for e in range(n):
            k = task[a, e]
            if k < 0 or not math.isfinite(gap_by_task[k]):
                continue
            if (
                status[a, e] != ACTIVE
                or broken[a, e]
                or fled[a, e]
                or behaviour_mode[a, e] != BEHAVIOUR_NONE
                or route_loop[a, e]
                or route_i[a, e] >= route_len[a, e]
            ):
                left[e] = -1.0
                continue
            left[e] = _reference_route_left(routes, x, y, a, e)
            if left[e] > last[k]:
                last[k] = left[e]
        for e in range(n):
            k = task[a, e]
            if k < 0 or not math.isfinite(gap_by_task[k]) or left[e] < 0.0:
                continue
            allowance[a, e] = max(0.0, left[e] - (last[k] - gap_by_task[k]))
    return allowance


def _both_allowances(gap: np.ndarray, s: Any) -> tuple[np.ndarray, np.ndarray]:
    """The compiled pass's allowance and the reference's, on one state."""
    args = (s.task, s.status, s.broken, s.fled, s.behaviour_mode, plain(s.routes()), s.x, s.y)
    alone = np.full(s.x.shape[1], -1, dtype=np.int64)  # broken groups' bodies: tests/mechanics
    return column_allowance(gap, *args, alone), _reference_allowance(gap, *args)


@pytest.fixture(scope="module")
def marching() -> Simulation:
    """Two replications of the default scenario (v2) as its militant columns, kept together, set off."""
    sim = Simulation("khatlon-2015", rng=3, replications=2)
    sim.run(until_s=24 * 3600.0 + 600.0)
    return sim


def test_keep_together_allowance_matches_the_element_by_element_sum(marching: Simulation) -> None:
    """The waypoint-major pass gives each element's allowance bit for bit as summing its route alone did,
    over an hour of the march and on a stirred copy (broken, fled, self-directed, looping, arrived and
    out-of-action elements, routes part done)."""
    gap = marching.world.plan.together_gap_m
    assert np.isfinite(gap).any()
    compared = 0
    for _ in range(60):
        got, want = _both_allowances(gap, marching.state)
        np.testing.assert_array_equal(got, want)
        compared += int(np.isfinite(got).sum())
        marching.step()
    assert compared > 0  # elements were kept together: the comparison was not of empty tasks
    rng = np.random.default_rng(11)
    s = copy.deepcopy(marching.state)
    shape = s.x.shape
    s.broken = s.broken | (rng.random(shape) < 0.1)
    s.fled = s.fled | (rng.random(shape) < 0.1)
    s.behaviour_mode = np.where(rng.random(shape) < 0.1, BEHAVIOUR_NONE + 1, s.behaviour_mode)
    s.route_loop = rng.random(shape) < 0.1
    s.status = np.where(rng.random(shape) < 0.1, DESTROYED, s.status)
    s.route_i = np.minimum(s.route_i + rng.integers(0, 4, shape), s.route_len)
    got, want = _both_allowances(gap, s)
    np.testing.assert_array_equal(got, want)
    assert np.isfinite(got).any()  # some elements still kept together after the stirring
