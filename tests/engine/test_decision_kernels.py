"""The compiled passes of close assault (which rows have attackers on a position), of behaviour (what a
deciding element sees around it, and what it then does), of morale (who rallies) and of air strikes (the
best-located contact) give, bit for bit, what the code they replaced gives (kept here as references), on a
mid-battle state of the default scenario stirred so that every branch is taken, or on random pictures."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from test_compiled_steps import _same_events, _same_state, _twin

from drillsim.engine.simulation import Simulation
from drillsim.events.types import UnitRallied
from drillsim.mechanics.air.step import RETARGET_RADIUS_M, _best_contacts
from drillsim.mechanics.assault.model import (
    ASSAULT_S,
    DECISION_MEAN_S,
    SUPPRESSED_POWER,
    assault_success_probability,
    decision_probability,
    defence_factor,
    force_ratio,
    terrain_factor,
)
from drillsim.mechanics.assault.step import (
    _holding_out,
    _repulse,
    _seize,
    _settled_status,
    resolve_assaults,
)
from drillsim.mechanics.behaviour.model import (
    PROBE_HALT_M,
    Assessment,
    cover_hold,
    next_cover_level,
    probe_point,
    select_actions,
)
from drillsim.mechanics.behaviour.step import Decisions, Sighted, Standing, _assess, decide
from drillsim.mechanics.morale.step import RALLY_S, RALLY_SUPPRESSION, rally
from drillsim.state.batch import (
    ACTIVE,
    BEHAVIOUR_ASSAULT,
    BEHAVIOUR_COVER,
    BEHAVIOUR_NONE,
    BEHAVIOUR_PROBE,
    BEHAVIOUR_WITHDRAW,
    DESTROYED,
    POSITION_CONTESTED,
)
from drillsim.state.context import StepContext
from drillsim.world.positions import PositionTable, ground_box, on_ground


@pytest.fixture(scope="module")
def battle() -> Simulation:
    """Six replications of the default scenario, six hours in."""
    sim = Simulation("khatlon-2015", rng=3, replications=6)
    sim.run(until_s=6 * 3600.0)
    return sim


# --- close assault ----------------------------------------------------------------------------------------


def _reference_resolve_assaults(ctx: StepContext) -> None:
    """Close assaults as array expressions over every row and element (the code the compiled search of
    attackers replaced)."""
    positions = ctx.world.positions
    s = ctx.state
    f = ctx.world.forces
    ground = (s.status == ACTIVE) & ~f.is_air[None, :]
    fighting = ground & ~s.broken
    suppressed = s.suppressed_until > ctx.t0
    power = s.strength * f.training[None, :] * np.where(suppressed, SUPPRESSED_POWER, 1.0)
    for k in range(len(positions)):
        inside = positions.inside(k, s.x, s.y) & ground
        owner = s.position_owner[:, k]
        leaving = (s.behaviour_mode == BEHAVIOUR_WITHDRAW) & (s.task < 0)
        attackers = inside & ~s.broken & ~leaving & f.hostile[owner][:, f.side]
        busy = np.flatnonzero(attackers.any(axis=1))
        quiet = np.ones(s.r, dtype=bool)
        quiet[busy] = False
        s.assault_since[quiet, k] = np.inf
        s.position_status[quiet, k] = _settled_status(
            s.position_owner[quiet, k], s.position_lost_at[quiet, k], k, ctx
        )
        if not len(busy):
            continue
        defenders = inside[busy] & f.allied[owner[busy]][:, f.side]
        standing = defenders & fighting[busy]
        attack_power = np.where(attackers[busy], power[busy], 0.0)
        defence_power = np.where(standing, power[busy], 0.0)
        relief = terrain_factor(ctx.world.movement_class(s.x[busy], s.y[busy]))
        phi = defence_factor(s.posture[busy], fortified=bool(positions.fortified[k])) * relief
        weight = defence_power.sum(axis=1)
        mean_phi = np.where(weight > 0, (defence_power * phi).sum(axis=1) / np.maximum(weight, 1e-12), 1.0)
        ratio = force_ratio(attack_power.sum(axis=1), weight, mean_phi)
        opposed = standing.any(axis=1)
        holding = (
            opposed & _holding_out(ctx, k, busy, attackers[busy]) & (assault_success_probability(ratio) < 0.5)
        )
        s.assault_since[busy[holding], k] = np.inf
        opposed &= ~holding
        starting = opposed & np.isinf(s.assault_since[busy, k])
        s.assault_since[busy[starting], k] = ctx.t1
        s.position_status[busy[opposed], k] = POSITION_CONTESTED
        fought_for = ctx.t1 - s.assault_since[busy, k]
        if ctx.stochastic:
            closed = fought_for >= ASSAULT_S - 1e-9
            due = opposed & closed & (ctx.uniform("assault/decide", busy, k) < decision_probability(ctx.dt))
        else:
            due = opposed & (fought_for >= ASSAULT_S + DECISION_MEAN_S - 1e-9)
        decide = (~opposed & ~holding) | due
        if not decide.any():
            continue
        u = ctx.uniform("assault", busy, k)
        won = decide & (~opposed | (u < assault_success_probability(ratio)))
        repulsed = due & ~won
        _repulse(ctx, k, busy[repulsed], attackers[busy[repulsed]], ratio[repulsed])
        if won.any():
            rows = busy[won]
            _seize(
                ctx, k, rows, attackers[rows], attack_power[won], defenders[won], suppressed[rows], ratio[won]
            )


def _with_a_polygon(ctx: StepContext) -> StepContext:
    """The same world with the last position's circle made a hexagon (a polygon takes the other branch)."""
    p = ctx.world.positions
    k = len(p) - 1
    angle = np.linspace(0.0, 2.0 * np.pi, 6, endpoint=False)
    hexagon = np.stack(
        [p.x[k] + p.radius_m[k] * np.cos(angle), p.y[k] + p.radius_m[k] * np.sin(angle)], axis=1
    )
    radius = p.radius_m.copy()
    radius[k] = np.nan
    positions = replace(p, radius_m=radius, polygons=(*p.polygons[:k], hexagon))
    return replace(ctx, world=replace(ctx.world, positions=positions))


def _stir_assaults(ctx: StepContext, rng: np.random.Generator) -> None:
    """Put ground elements of every side on the positions (some broken, suppressed, withdrawing on their
    own, out of action), hand some positions to the other side, and start some assaults long ago."""
    s = ctx.state
    f = ctx.world.forces
    p = ctx.world.positions
    ground = np.flatnonzero(~f.is_air)
    for r in range(s.r):
        for k in range(len(p)):
            chosen = rng.choice(ground, size=6, replace=False)
            reach = 300.0 if np.isnan(p.radius_m[k]) else p.radius_m[k]
            s.x[r, chosen] = p.x[k] + rng.uniform(-1.2, 1.2, 6) * reach
            s.y[r, chosen] = p.y[k] + rng.uniform(-1.2, 1.2, 6) * reach
    shape = s.x.shape
    s.broken = s.broken | (rng.random(shape) < 0.15)
    s.suppressed_until = np.where(rng.random(shape) < 0.3, ctx.t1 + 60.0, s.suppressed_until)
    s.behaviour_mode = np.where(rng.random(shape) < 0.1, BEHAVIOUR_WITHDRAW, s.behaviour_mode)
    s.task = np.where(rng.random(shape) < 0.3, -1, s.task)
    s.status = np.where(rng.random(shape) < 0.05, DESTROYED, s.status)
    sides = len(f.side_names)
    s.position_owner = np.where(
        rng.random(s.position_owner.shape) < 0.3,
        rng.integers(0, sides, s.position_owner.shape),
        s.position_owner,
    )
    s.assault_since = np.where(rng.random(s.assault_since.shape) < 0.5, ctx.t0 - 2 * ASSAULT_S, np.inf)


def test_compiled_assault_search_matches_the_array_expressions(battle: Simulation) -> None:
    """Same state and same events as the array expressions, over three stirred states in which assaults
    are repulsed and won (an assault is decided at a random moment, so one state may decide none)."""
    kinds: set[str] = set()
    for seed in (1, 2, 3):
        a, b = _twin(battle)
        a, b = _with_a_polygon(a), _with_a_polygon(b)
        _stir_assaults(a, np.random.default_rng(seed))
        _stir_assaults(b, np.random.default_rng(seed))
        resolve_assaults(a)
        _reference_resolve_assaults(b)
        _same_state(a.state, b.state)
        _same_events(a.recorder, b.recorder)  # type: ignore[arg-type]
        kinds |= {call[0] for call in b.recorder.calls}  # type: ignore[attr-defined]
    assert {"AssaultResolved", "PositionSeized"} <= kinds


def test_on_ground_matches_the_position_table(battle: Simulation) -> None:
    """The compiled point test of a circle and of a polygon answers as ``PositionTable.inside``, and the
    box around the ground holds every point on it."""
    ctx = _with_a_polygon(battle.ctx)
    p: PositionTable = ctx.world.positions
    rng = np.random.default_rng(8)
    for k in (0, len(p) - 1):
        reach = float(np.nanmax(p.radius_m))
        x = p.x[k] + rng.uniform(-1.5, 1.5, 4_000) * reach
        y = p.y[k] + rng.uniform(-1.5, 1.5, 4_000) * reach
        expected = p.inside(k, x, y)
        got = np.array([on_ground(p.ground(k), float(u), float(v)) for u, v in zip(x, y, strict=True)])
        assert np.array_equal(got, expected)
        assert expected.any()
        assert not expected.all()
        # The box the assault pass tests first holds every point on the ground, and not much more.
        x0, x1, y0, y1 = ground_box(p.ground(k))
        boxed = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
        assert not (expected & ~boxed).any()
        assert (boxed & ~expected).mean() < 0.5


# --- behaviour --------------------------------------------------------------------------------------------


def _reference_assess(
    rows: np.ndarray, elems: np.ndarray, t1: float, ctx: StepContext, air_seen_at: np.ndarray
) -> tuple[np.ndarray, ...]:
    """The assessment with hypot for every pair (the loop the cheap squared test now guards), in Python;
    numpy's hypot, the C library's, as compiled code's ``math.hypot`` is (Python's rounds differently)."""
    s = ctx.state
    f = ctx.world.forces
    pic = s.picture
    side_of, is_air, hostile, strength0 = f.belligerents
    radius_m, reach_m, air_radius_m, unidentified = ctx.world.behaviours.horizons
    k_n, n = len(rows), f.n
    friendly, enemy = np.zeros(k_n), np.zeros(k_n)
    ex, ey = np.full(k_n, np.nan), np.full(k_n, np.nan)
    target = np.full(k_n, -1, dtype=np.int64)
    t_strength, t_dist = np.full(k_n, np.inf), np.full(k_n, np.inf)
    for k in range(k_n):
        r, e = rows[k], elems[k]
        m = side_of[e]
        px, py = s.x[r, e], s.y[r, e]
        sx = sy = 0.0
        for t in range(n):
            if side_of[t] == m:
                if is_air[t] or s.status[r, t] != ACTIVE or s.broken[r, t]:
                    continue
                if np.hypot(s.x[r, t] - px, s.y[r, t] - py) <= radius_m[e]:
                    friendly[k] += s.strength[r, t]
                continue
            if not hostile[m, side_of[t]] or s.status[r, t] != ACTIVE:
                continue
            if is_air[t]:  # placed by the side's picture, or by the element's own sighting
                last = -np.inf
                d = np.hypot(pic.known_x[r, m, t] - px, pic.known_y[r, m, t] - py)
                if pic.known_live[r, m, t] and d <= air_radius_m[e]:
                    last = pic.known_t[r, m, t]
                d = np.hypot(pic.seen_x[r, m, t] - px, pic.seen_y[r, m, t] - py)
                if pic.seen_by[r, m, t] == e and d <= air_radius_m[e]:
                    last = max(last, pic.seen_t[r, m, t])
                air_seen_at[r, e] = max(air_seen_at[r, e], last)
                continue
            if not pic.known_live[r, m, t]:
                continue
            cx, cy, _ = pic.believed(r, m, np.array([t]), t1)  # ground contacts: dead-reckoned to now
            d = np.hypot(cx[0] - px, cy[0] - py)
            est = strength0[t] if pic.identified[r, m, t] else unidentified[e]
            if d <= radius_m[e]:
                enemy[k] += est
                sx += est * cx[0]
                sy += est * cy[0]
            if d <= reach_m[e] and (est < t_strength[k] or (est == t_strength[k] and d < t_dist[k])):
                target[k], t_strength[k], t_dist[k] = t, est, d
        if enemy[k] > 0:
            ex[k], ey[k] = sx / enemy[k], sy / enemy[k]
    return friendly, enemy, ex, ey, target, t_strength, t_dist


def test_compiled_assessment_matches_hypot_for_every_pair(battle: Simulation) -> None:
    """Every deciding element's friendly and enemy strength, centre, target and its distance, and the air
    sightings, are those of the loop that measured every pair with hypot; contacts are moved to lie on
    the radius and reach so that the boundary is tested."""
    a, b = _twin(battle)
    s = a.state
    f = a.world.forces
    table = a.world.behaviours
    deciding = (table.take_cover | table.withdraw | table.attack) & ~f.is_air
    rows, elems = np.nonzero((s.status == ACTIVE) & deciding[None, :])
    rng = np.random.default_rng(5)
    pick = np.sort(rng.choice(len(rows), size=min(60, len(rows)), replace=False))
    rows, elems = rows[pick], elems[pick]
    pic = s.picture
    # Some contacts exactly at the radius or the reach of a decider, and every air element in flight.
    for r, e in zip(rows[:20], elems[:20], strict=True):
        m = f.side[e]
        live = np.flatnonzero(pic.known_live[r, m])
        for t, edge in zip(live[:4], (table.radius_m[e], table.reach_m[e]) * 2, strict=False):
            angle = rng.uniform(0.0, 2.0 * np.pi)
            pic.known_x[r, m, t] = s.x[r, e] + edge * math.cos(angle)
            pic.known_y[r, m, t] = s.y[r, e] + edge * math.sin(angle)
            pic.known_vx[r, m, t] = pic.known_vy[r, m, t] = 0.0  # believed there, on the edge
    # Every aircraft placed in the hostile sides' pictures, and sighted by a decider, at some deciders.
    for r, e in zip(rows[20:40], elems[20:40], strict=True):
        m = f.side[e]
        for t in np.flatnonzero(f.is_air & f.hostile[m][f.side]):
            pic.known_live[r, m, t] = True
            pic.known_t[r, m, t] = a.t1 - rng.uniform(0.0, 600.0)
            pic.known_x[r, m, t] = s.x[r, e] + rng.uniform(-0.6, 0.6) * table.air_radius_m[e]
            pic.known_y[r, m, t] = s.y[r, e]
            pic.seen_by[r, m, t] = e
            pic.seen_t[r, m, t] = a.t1
            pic.seen_x[r, m, t] = s.x[r, e]
            pic.seen_y[r, m, t] = s.y[r, e] + rng.uniform(-1.5, 1.5) * table.air_radius_m[e]
    pic_b = b.state.picture
    names = ("known_x", "known_y", "known_t", "known_live", "known_vx", "known_vy")
    for name in (*names, "seen_by", "seen_t", "seen_x", "seen_y"):
        getattr(pic_b, name)[...] = getattr(pic, name)
    got = _assess(
        rows,
        elems,
        a.t1,
        f.belligerents,
        (pic.known_layer(), (pic.known_vx, pic.known_vy)),
        pic.known_live,
        pic.identified,
        Sighted(pic.seen_t, pic.seen_x, pic.seen_y, pic.seen_by),
        Standing(s.status, s.broken, s.strength, s.x, s.y),
        table.horizons,
        s.air_seen_at,
    )
    expected = _reference_assess(rows, elems, b.t1, b, b.state.air_seen_at)
    for g, x in zip(got, expected, strict=True):
        np.testing.assert_array_equal(g, x)
    np.testing.assert_array_equal(s.air_seen_at, b.state.air_seen_at)
    assert (s.air_seen_at[rows, elems] == a.t1).any()  # some own sightings decide
    assert (expected[1] > 0).any()
    assert (expected[4] >= 0).any()


def _reference_decide(ctx: StepContext) -> Decisions | None:
    """The decisions as array expressions over the deciders (the code the compiled choice replaced), with
    the compiled assessment (tested above) and the model's rule functions."""
    table = ctx.world.behaviours
    s = ctx.state
    f = ctx.world.forces
    deciding = (table.take_cover | table.withdraw | table.attack) & ~f.is_air
    rows, elems = np.nonzero((s.status == ACTIVE) & ~s.broken & ~s.fled & deciding[None, :])
    if not len(rows):
        return None
    pic = s.picture
    friendly, enemy, ex, ey, target, t_strength, t_dist = _assess(
        rows,
        elems,
        ctx.t1,
        f.belligerents,
        (pic.known_layer(), (pic.known_vx, pic.known_vy)),
        pic.known_live,
        pic.identified,
        Sighted(pic.seen_t, pic.seen_x, pic.seen_y, pic.seen_by),
        Standing(s.status, s.broken, s.strength, s.x, s.y),
        table.horizons,
        s.air_seen_at,
    )
    previous = s.behaviour_mode[rows, elems].copy()
    assessment = Assessment(
        air_seen_at=s.air_seen_at[rows, elems],
        friendly=friendly,
        enemy=enemy,
        target=target,
        target_strength=t_strength,
        target_distance=t_dist,
        withdrawing=(previous == BEHAVIOUR_WITHDRAW) & (s.route_i[rows, elems] < s.route_len[rows, elems]),
        mode=previous,
        previous_target=s.behaviour_target[rows, elems],
        probe_halted_at=np.where(previous == BEHAVIOUR_PROBE, s.behaviour_since[rows, elems], np.inf),
        called_off_at=np.where(previous == BEHAVIOUR_NONE, s.behaviour_since[rows, elems], -np.inf),
    )
    action = select_actions(
        assessment,
        time_s=ctx.t1,
        take_cover=table.take_cover[elems],
        withdraw=table.withdraw[elems],
        attack=table.attack[elems],
        probe=table.probe[elems],
        withdraw_below=table.withdraw_below[elems],
        attack_above=table.attack_above[elems],
        probe_s=table.probe_s[elems],
        cover_s=cover_hold(s.cover_level[rows, elems], table.cover_s[elems], table.max_cover_s[elems]),
    )
    entering = (action == BEHAVIOUR_COVER) & (previous != BEHAVIOUR_COVER)
    r, e = rows[entering], elems[entering]
    s.cover_level[r, e] = next_cover_level(
        s.cover_level[r, e], ctx.t1 - s.cleared_at[r, e], table.wary_s[elems][entering]
    )
    leaving = (action != BEHAVIOUR_COVER) & (previous == BEHAVIOUR_COVER)
    s.cleared_at[rows[leaving], elems[leaving]] = ctx.t1
    x, y = s.x[rows, elems], s.y[rows, elems]
    side = f.side[elems]
    safe = np.maximum(target, 0)
    bx, by, _ = pic.believed(rows, side, safe, ctx.t1)  # the target where it is believed now
    tx = np.where(target >= 0, bx, np.nan)
    ty = np.where(target >= 0, by, np.nan)
    gx = np.full(len(rows), np.nan)
    gy = np.full(len(rows), np.nan)
    assault = action == BEHAVIOUR_ASSAULT
    gx[assault], gy[assault] = tx[assault], ty[assault]
    probing = action == BEHAVIOUR_PROBE
    px, py = probe_point(x, y, tx, ty, table.probe_distance_m[elems])
    gx[probing], gy[probing] = px[probing], py[probing]
    dx, dy = x - ex, y - ey
    norm = np.hypot(dx, dy)
    away = table.radius_m[elems] / np.where(norm > 1.0, norm, 1.0)
    withdraw = action == BEHAVIOUR_WITHDRAW
    gx[withdraw] = np.where(norm > 1.0, x + dx * away, x)[withdraw]
    gy[withdraw] = np.where(norm > 1.0, y + dy * away, y)[withdraw]
    changed = (action != previous) | (
        (action >= BEHAVIOUR_PROBE) & (target != s.behaviour_target[rows, elems])
    )
    since = np.where(changed, ctx.t1, s.behaviour_since[rows, elems])
    halted = np.hypot(px - x, py - y) <= PROBE_HALT_M
    since = np.where(probing & changed & ~halted, np.inf, since)
    since = np.where(probing & halted & np.isinf(since), ctx.t1, since)
    s.behaviour_since[rows, elems] = since
    s.behaviour_mode[rows, elems] = action
    # An attack called off is remembered while the element stays on its task.
    on_task = (action == BEHAVIOUR_NONE) & (
        (previous == BEHAVIOUR_NONE) | (previous == BEHAVIOUR_PROBE) | (previous == BEHAVIOUR_ASSAULT)
    )
    s.behaviour_target[rows, elems] = np.where(
        on_task, s.behaviour_target[rows, elems], np.where(action >= BEHAVIOUR_PROBE, target, -1)
    )
    return Decisions(rows, elems, action, previous, np.where(action >= BEHAVIOUR_PROBE, target, -1), gx, gy)


def _stir_behaviours(ctx: StepContext, rng: np.random.Generator) -> None:
    """Give the deciders every kind of past (each action, targets kept or changed, probes halted long ago
    or not yet, cover levels and all-clears, withdrawals under way or done, aircraft seen lately), move
    live hostile contacts onto some deciders and their probe distance (half the rows know of no enemy at
    all), and break or rout some elements."""
    s = ctx.state
    f = ctx.world.forces
    table = ctx.world.behaviours
    pic = s.picture
    shape = s.x.shape
    t1 = ctx.t1
    s.behaviour_mode = rng.integers(0, BEHAVIOUR_ASSAULT + 1, shape)
    s.behaviour_target = np.where(rng.random(shape) < 0.5, rng.integers(-1, f.n, shape), s.behaviour_target)
    s.behaviour_since = np.where(
        rng.random(shape) < 0.7, t1 - rng.choice([0.0, 100.0, 299.0, 300.0, 301.0, 5000.0], shape), np.inf
    )
    s.cover_level = rng.integers(0, 62, shape)
    s.cleared_at = t1 - rng.choice([0.0, 600.0, 3600.0, 3601.0, 1e5, np.inf], shape)
    lately = rng.random(shape) < 0.3
    s.air_seen_at = np.where(
        lately, t1 - rng.choice([0.0, 300.0, 599.0, 600.0, 1200.0, 7200.0], shape), -np.inf
    )
    s.route_len = rng.integers(0, 4, shape)
    s.route_i = rng.integers(0, 4, shape)
    s.broken = s.broken | (rng.random(shape) < 0.05)
    s.fled = s.fled | (rng.random(shape) < 0.05)
    deciders = np.flatnonzero((table.take_cover | table.withdraw | table.attack) & ~f.is_air)
    ground = np.flatnonzero(~f.is_air)
    pic.known_live[::2] = False  # half the rows know of no enemy at all
    for r in range(1, s.r, 2):
        for e in rng.choice(deciders, size=min(12, len(deciders)), replace=False):
            m = f.side[e]
            hostile = ground[f.hostile[m][f.side[ground]]]
            for t in rng.choice(hostile, size=min(3, len(hostile)), replace=False):
                distance = rng.choice([0.0, 50.0, table.probe_distance_m[e], 400.0, 1500.0])
                distance = 0.0 if np.isnan(distance) else distance
                angle = rng.uniform(0.0, 2.0 * np.pi)
                pic.known_live[r, m, t] = True
                pic.known_t[r, m, t] = t1
                pic.known_x[r, m, t] = s.x[r, e] + distance * math.cos(angle)
                pic.known_y[r, m, t] = s.y[r, e] + distance * math.sin(angle)
                pic.identified[r, m, t] = rng.random() < 0.5
                if rng.random() < 0.5:
                    s.behaviour_target[r, e] = t


def test_compiled_choice_of_actions_matches_the_array_expressions(battle: Simulation) -> None:
    """The same decisions (actions, previous actions, targets, goals) and the same state (bookkeeping,
    cover levels, all-clears, air sightings) as the array expressions, over three stirred states in which,
    together, every action is chosen, taken up, kept and left."""
    actions: set[int] = set()
    kept: set[int] = set()
    for seed in (1, 2, 3):
        a, b = _twin(battle)
        _stir_behaviours(a, np.random.default_rng(seed))
        _stir_behaviours(b, np.random.default_rng(seed))
        got = decide(a)
        expected = _reference_decide(b)
        assert got is not None
        assert expected is not None
        for name in ("rows", "elems", "action", "previous", "target", "goal_x", "goal_y"):
            np.testing.assert_array_equal(getattr(got, name), getattr(expected, name), err_msg=name)
        _same_state(a.state, b.state)
        actions |= set(expected.action[expected.action != expected.previous].tolist())
        actions |= set(expected.previous[expected.action != expected.previous].tolist())
        kept |= set(expected.action[expected.action == expected.previous].tolist())
    every = {BEHAVIOUR_NONE, BEHAVIOUR_COVER, BEHAVIOUR_WITHDRAW, BEHAVIOUR_PROBE, BEHAVIOUR_ASSAULT}
    assert actions == every
    assert {BEHAVIOUR_COVER, BEHAVIOUR_PROBE} <= kept


# --- morale -----------------------------------------------------------------------------------------------


def _reference_rally(ctx: StepContext) -> tuple[np.ndarray, np.ndarray]:
    """Who rallies, as the array expression over every row and element the compiled pass replaced."""
    s = ctx.state
    f = ctx.world.forces
    ready = (
        s.broken
        & (s.status == ACTIVE)
        & ~f.is_air[None, :]
        & (ctx.t1 - s.broken_since >= RALLY_S - 1e-9)
        & (s.suppressed_until <= ctx.t0)
        & (s.suppression_avg <= RALLY_SUPPRESSION)
        & ~s.fled
    )
    return np.nonzero(ready)


@pytest.mark.parametrize("seed", [1, 2])
def test_compiled_rally_matches_the_array_expression(battle: Simulation, seed: int) -> None:
    """The same elements rally, and the same state and events follow, as with the array expression;
    broken times are put exactly on the rally threshold so the boundary is taken."""
    a, b = _twin(battle)
    for ctx in (a, b):  # the same stirring for both
        g = np.random.default_rng(seed)
        s = ctx.state
        shape = s.x.shape
        s.broken = g.random(shape) < 0.4
        s.fled = g.random(shape) < 0.1
        s.status = np.where(g.random(shape) < 0.1, DESTROYED, s.status)
        s.broken_since = ctx.t1 - g.choice([0.0, RALLY_S - 1e-9, RALLY_S, RALLY_S - 60.0, 4 * RALLY_S], shape)
        s.suppressed_until = np.where(
            g.random(shape) < 0.3, ctx.t0 + 30.0, ctx.t0 - g.choice([0.0, 60.0], shape)
        )
        s.suppression_avg = g.choice(
            [0.0, RALLY_SUPPRESSION, np.nextafter(RALLY_SUPPRESSION, 1.0), 0.5], shape
        )
    rows, elems = _reference_rally(b)
    assert len(rows) > 10
    rally(a)
    s = b.state
    s.broken[rows, elems] = False
    s.broken_since[rows, elems] = np.inf
    s.morale_base[rows, elems] = s.strength[rows, elems]
    s.route_len[rows, elems] = 0
    b.emit(UnitRallied, rows, b.t1, unit=b.ids[elems])
    _same_state(a.state, b.state)
    _same_events(a.recorder, b.recorder)  # type: ignore[arg-type]


# --- air strikes ------------------------------------------------------------------------------------------


def _reference_best_contact(
    rows: np.ndarray,
    side: int,
    pic: tuple[np.ndarray, ...],
    enemy_ground: np.ndarray,
    near: np.ndarray | None,
) -> np.ndarray:
    """The best-located contact as the array expression the compiled pass replaced."""
    known_live, known_x, known_y, known_err, status = pic
    live = known_live[rows, side, :] & enemy_ground[None, :] & (status[rows, :] == ACTIVE)
    if near is not None:
        d = np.hypot(known_x[rows, side, :] - near[:, :1], known_y[rows, side, :] - near[:, 1:])
        live &= d <= RETARGET_RADIUS_M
    score = np.where(live, known_err[rows, side, :], np.inf)
    best = np.argmin(score, axis=1)
    return np.where(np.isfinite(score[np.arange(len(rows)), best]), best, -1)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_compiled_best_contact_matches_the_array_expression(seed: int) -> None:
    """Random pictures with equal errors, NaN and infinite errors, contacts just inside and outside the
    retargeting radius: the same contact, or none, per row."""
    g = np.random.default_rng(seed)
    r_n, s_n, n = 40, 2, 30
    known_live = g.random((r_n, s_n, n)) < 0.4
    known_x = g.uniform(-2, 2, (r_n, s_n, n)) * RETARGET_RADIUS_M
    known_y = g.uniform(-2, 2, (r_n, s_n, n)) * RETARGET_RADIUS_M
    known_err = g.choice(
        [10.0, 50.0, 50.0, 200.0, np.inf, -np.inf, np.nan],
        (r_n, s_n, n),
        p=[0.3, 0.3, 0.2, 0.1, 0.04, 0.03, 0.03],
    )
    status = np.where(g.random((r_n, n)) < 0.85, ACTIVE, DESTROYED)
    enemy_ground = g.random(n) < 0.7
    rows = np.sort(g.choice(r_n, 25, replace=False))
    near = np.stack([g.uniform(-1, 1, 25), g.uniform(-1, 1, 25)], axis=1) * RETARGET_RADIUS_M
    layer = (known_x, known_x, known_y, known_err)  # the kernel reads x, y and err only
    pic = (known_live, known_x, known_y, known_err, status)
    for side in range(s_n):
        for where in (None, near):
            expected = _reference_best_contact(rows, side, pic, enemy_ground, where)
            got = _best_contacts(
                rows,
                side,
                known_live,
                layer,
                enemy_ground,
                status,
                np.zeros((0, 2)) if where is None else where,
            )
            np.testing.assert_array_equal(got, expected)
            assert (expected >= 0).any()
            assert (expected < 0).any()
