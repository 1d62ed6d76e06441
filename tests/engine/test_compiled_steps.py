"""The compiled loops of movement and fire support give, bit for bit, what the array expressions they
replaced give (kept here as references), on a mid-battle state of the default scenario stirred so that
every branch is taken."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pytest

from drillsim.engine.context import StepContext
from drillsim.engine.movement import ARRIVAL_TOLERANCE_M, SUPPRESSED_SPEED_FACTOR, move
from drillsim.engine.simulation import Simulation
from drillsim.engine.state import ACTIVE
from drillsim.forces.tables import TERRAIN_INDEX


@dataclass
class _Capture:
    """A recorder that keeps every emit call as it was made."""

    enabled: bool = True
    sample_s: float | None = None
    calls: list[tuple[str, Any, Any, dict[str, Any]]] = field(default_factory=list)

    def emit(self, kind: str, replication: Any, time_s: Any, **columns: Any) -> None:
        self.calls.append((kind, np.copy(replication), np.copy(time_s), copy.deepcopy(columns)))


def _same_events(a: _Capture, b: _Capture) -> None:
    assert len(a.calls) == len(b.calls)
    for (ka, ra, ta, ca), (kb, rb, tb, cb) in zip(a.calls, b.calls, strict=True):
        assert ka == kb
        np.testing.assert_array_equal(ra, rb)
        np.testing.assert_array_equal(np.broadcast_to(ta, ra.shape), np.broadcast_to(tb, rb.shape))
        assert ca.keys() == cb.keys()
        for name in ca:
            np.testing.assert_array_equal(np.asarray(ca[name]), np.asarray(cb[name]))


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
    """Movement as array expressions (the implementation the compiled loop replaced)."""
    s = ctx.state
    f = ctx.world.forces
    moving = (s.route_i < s.route_len) & (s.status == ACTIVE) & (ctx.t0 >= f.readiness_s[None, :])
    rows, elems = np.nonzero(moving)
    if not len(rows):
        return
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
    base = f.speed_by_class[ge, ctx.world.movement_class(gx, gy)]
    theta = np.degrees(np.arctan(ctx.world.terrain.slope_at(gx, gy)))
    keep = 1.0 - f.slope_slowdown[ge] * theta / np.maximum(f.slope_limit_deg[ge] / 2.0, 1e-9)
    keep = np.clip(keep, 0.05, 1.0)
    speed[ground] = base * keep
    speed[np.flatnonzero(ground)[base <= 0]] = 0.1
    on_road = s.route_road[rows[ground], ge, i[ground]]
    speed[np.flatnonzero(ground)[on_road]] = f.speed_by_class[ge[on_road], TERRAIN_INDEX["road"]]
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
    if done.any():
        dr, de = rr[done], ee[done]
        used = np.where(step[reach][done] > 0, dist[reach][done] / np.maximum(step[reach][done], 1e-9), 1.0)
        when = ctx.t0 + np.clip(used, 0.0, 1.0) * ctx.dt
        s.arrived_at[dr, de] = np.minimum(s.arrived_at[dr, de], when)
        s.first_arrived_at[dr, de] = np.minimum(s.first_arrived_at[dr, de], when)
        s.posture[dr, de] = s.arrival_posture[dr, de]
        ctx.emit("UnitArrived", dr, when, unit=ctx.ids[de], x_m=s.x[dr, de], y_m=s.y[dr, de])


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
