"""Direct fire's compiled steps give exactly what plain computations give: each shooter's choice of target
(a brute-force search over every pair), the grouping of engagements by target (``np.unique``) and a whole
step of fire (the array expressions the compiled loop replaced, kept here as the reference)."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pytest

from drillsim.core.compiled import run_per_row
from drillsim.engine.simulation import Simulation
from drillsim.mechanics.casualties import KILLED_FRACTION
from drillsim.mechanics.direct_fire.frontage import engaged_on_frontage
from drillsim.mechanics.direct_fire.model import (
    AMBUSH_SURPRISE_FACTOR,
    CONSERVE_FRACTION,
    POSTURE_AREA_TABLE,
    POSTURE_HEIGHT_TABLE,
    POSTURE_IN_POSITION,
    REFERENCE_HEIGHT_M,
    SUPPRESSED_EXPOSURE,
    SUPPRESSED_FIRE_FACTOR,
    TARGET_WIDTH_M,
    UNAIMED_EFFECT,
    Engagements,
    band_values,
    engagement_rates,
)
from drillsim.mechanics.direct_fire.step import (
    SUPPRESSION_S,
    apply_casualties,
    carriers_with_troops,
    group_argmax,
    group_by_target,
)
from drillsim.mechanics.direct_fire.targets import Picks, Shooters, nearest_seen_targets
from drillsim.mechanics.transport import mounted_exposure
from drillsim.scenario.models import POSTURES
from drillsim.state.batch import ACTIVE, ContactLayer
from drillsim.state.context import StepContext

HOSTILE = np.array([[False, True], [True, False]])
NOW = 120.0
TIMEOUT = np.array([600.0, 600.0])


def _choose(x, y, side, reach, margin, ok, seen_t, seen_x, seen_y):
    """The kernel's (row, shooter, target, true distance) for every element as a shooter."""
    shooters = np.arange(x.shape[1])
    table = Shooters(shooters, shooters, reach, side, HOSTILE)
    seen = ContactLayer(seen_t, seen_x, seen_y, np.zeros_like(seen_t))
    args = (x, y, table, margin, ok, ok, seen, TIMEOUT, NOW)
    (rows, i, j, d), _ = run_per_row(
        nearest_seen_targets, args, (np.int64, np.int64, np.float64), x.shape[0], 1, Picks
    )
    return list(zip(rows.tolist(), i.tolist(), j.tolist(), d.tolist(), strict=True))


def _brute_force(x, y, side, reach, margin, ok, seen_t, seen_x, seen_y):
    """Every shooter against every target: the nearest believed distance (``np.hypot``) within reach whose
    true distance is within reach + margin, ties to the lowest target."""
    want = []
    for row in range(x.shape[0]):
        for s in range(x.shape[1]):
            if not ok[row, s] or reach[s] <= 0:
                continue
            best, best_b, best_d = -1, np.inf, 0.0
            for t in range(x.shape[1]):
                if t == s or not HOSTILE[side[s], side[t]] or not ok[row, t]:
                    continue
                if NOW - seen_t[row, side[s], t] > TIMEOUT[side[s]]:
                    continue
                d = float(np.hypot(x[row, t] - x[row, s], y[row, t] - y[row, s]))
                b = float(np.hypot(seen_x[row, side[s], t] - x[row, s], seen_y[row, side[s], t] - y[row, s]))
                if d <= reach[s] + margin and b <= reach[s] and b < best_b:
                    best, best_b, best_d = t, b, d
            if best >= 0:
                want.append((row, s, best, best_d))
    return want


def _blocks(rng: np.random.Generator, n: int, r: int, gap: float):
    """Two sides in blocks ``gap`` apart in y (as in the synthetic benchmark), believed positions off by up
    to a few hundred metres, most contacts live."""
    side = np.arange(n) % 2
    x = rng.uniform(-1500.0, 1500.0, (r, n))
    y = np.where(side == 0, -gap / 2, gap / 2) + np.where(side == 0, -1, 1) * rng.uniform(0, 700.0, (r, n))
    seen_x = x[:, None, :] + rng.normal(0, 150.0, (r, 2, n))
    seen_y = y[:, None, :] + rng.normal(0, 150.0, (r, 2, n))
    seen_t = np.where(rng.random((r, 2, n)) < 0.8, NOW - 10.0, -np.inf)
    ok = rng.random((r, n)) < 0.95
    return x, y, side, ok, seen_t, seen_x, seen_y


@pytest.mark.parametrize(("n", "gap"), [(60, 1500.0), (400, 1500.0), (400, -800.0), (900, 200.0)])
def test_target_choice_matches_brute_force_in_facing_blocks(n: int, gap: float) -> None:
    """Blocks apart, overlapping and mixed, with up to hundreds of contacts a side (many columns)."""
    rng = np.random.default_rng(n + int(abs(gap)))
    x, y, side, ok, seen_t, seen_x, seen_y = _blocks(rng, n, 3, gap)
    reach = rng.choice([0.0, 500.0, 1500.0, 2000.0], n)
    args = (x, y, side, reach, 300.0, ok, seen_t, seen_x, seen_y)
    want = _brute_force(*args)
    assert len(want) > n // 4  # many shooters engage
    assert _choose(*args) == want


def test_target_choice_breaks_exact_ties_by_lowest_target_and_keeps_the_reach_edges() -> None:
    """Contacts on a lattice around the shooters, at exactly equal believed distances (ties go to the
    lowest target), exactly at reach (kept) and with the true position exactly at reach + margin (kept)
    or just beyond (passed over, so a farther contact is taken)."""
    rng = np.random.default_rng(5)
    n, r = 240, 4
    side = (np.arange(n) >= 40).astype(np.int64)  # 40 shooters, 200 targets
    x = np.zeros((r, n))
    y = np.zeros((r, n))
    x[:, :40] = rng.integers(-3, 4, (r, 40)) * 100.0
    y[:, :40] = rng.integers(-3, 4, (r, 40)) * 100.0
    x[:, 40:] = rng.integers(-12, 13, (r, 200)) * 100.0
    y[:, 40:] = rng.integers(-12, 13, (r, 200)) * 100.0
    seen_x = np.repeat(x[:, None, :], 2, axis=1)
    seen_y = np.repeat(y[:, None, :], 2, axis=1)
    # Some true positions off their believed ones: 3-4-5 triangles put them exactly at reach + margin.
    moved = rng.random((r, n)) < 0.3
    x = x + np.where(moved, 300.0, 0.0)
    y = y + np.where(moved, 400.0, 0.0)
    reach = np.where(side == 0, 500.0, 0.0)
    seen_t = np.full((r, 2, n), NOW)
    ok = np.ones((r, n), dtype=bool)
    for margin in (0.0, 500.0, np.nextafter(500.0, 0.0)):
        args = (x, y, side, reach, margin, ok, seen_t, seen_x, seen_y)
        want = _brute_force(*args)
        assert len({(a, b) for a, b, _, _ in want}) == len(want) > 100
        assert _choose(*args) == want


def test_target_choice_matches_brute_force_with_every_contact_at_one_believed_x() -> None:
    """Contacts believed on one north-south line (their columns have no width) or at one point."""
    rng = np.random.default_rng(8)
    x, y, side, ok, seen_t, seen_x, seen_y = _blocks(rng, 200, 3, 500.0)
    reach = np.full(200, 1500.0)
    for line_y in (seen_y, np.full_like(seen_y, 25.0)):
        args = (x, y, side, reach, 300.0, ok, seen_t, np.full_like(seen_x, 40.0), line_y)
        want = _brute_force(*args)
        assert len(want) > 100
        assert _choose(*args) == want


def test_group_by_target_is_np_unique_of_row_sorted_pairs() -> None:
    """Distinct (row, target) pairs in order and each pair's group, as ``np.unique`` gives them."""
    rng = np.random.default_rng(11)
    n = 37
    rows = np.sort(rng.integers(0, 20, 500))
    target = rng.integers(0, n, 500)
    tr, tj, inverse = group_by_target(rows, target, n)
    uniq, want_inverse = np.unique(rows * n + target, return_inverse=True)
    np.testing.assert_array_equal(tr, uniq // n)
    np.testing.assert_array_equal(tj, uniq % n)
    np.testing.assert_array_equal(inverse, want_inverse)
    empty = group_by_target(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), n)
    assert [len(a) for a in empty] == [0, 0, 0]


# --- a whole step of direct fire --------------------------------------------------------------------------


@dataclass
class _Capture:
    """A recorder that keeps every event, one tuple per event."""

    enabled: bool = True
    sample_s: float | None = None
    events: list[tuple[Any, ...]] = field(default_factory=list)

    def emit(self, kind: str, replication: Any, time_s: Any, **columns: Any) -> None:
        k = len(replication)
        cols = [np.broadcast_to(np.asarray(columns[name]), (k,)) for name in sorted(columns)]
        times = np.broadcast_to(time_s, (k,))
        for e in range(k):
            self.events.append((kind, replication[e], times[e], *sorted(columns), *(c[e] for c in cols)))


@dataclass
class _Shooters:
    """The shooters as the reference sees them, (R, 2N): the elements, then the guns on their carriers
    (shooter ``n + e``) at the carriers' position (where parked, else the element's), with the carriers at
    the start and left as their strength, their riders' suppression while ridden (none parked) and the
    element's training; manned while ridden, or parked with a crew, and carriers left."""

    x: Any
    y: Any
    strength0: Any
    strength: Any
    suppressed_until: Any
    training: Any
    manned: Any


def _shooters(ctx: StepContext) -> _Shooters:
    s = ctx.state
    f = ctx.world.forces
    c = ctx.world.carriers
    assert c is not None
    parked = ~np.isnan(s.parked_x)
    return _Shooters(
        np.concatenate((s.x, np.where(parked, s.parked_x, s.x)), axis=1),
        np.concatenate((s.y, np.where(parked, s.parked_y, s.y)), axis=1),
        np.concatenate((f.strength0, c.vehicles0)),
        np.concatenate((s.strength, s.carriers_left), axis=1),
        np.concatenate((s.suppressed_until, np.where(s.mounted, s.suppressed_until, -np.inf)), axis=1),
        np.concatenate((f.training, f.training)),
        (s.carriers_left > 0) & (s.mounted | (c.crew[None, :] > 0)),
    )


def _engagements(sim: Simulation, ctx: StepContext, *, carriers: bool = False) -> tuple[Any, ...]:
    """(row, shooter, target, true distance) of each engagement of the step, as direct fire chooses them;
    with ``carriers`` the guns on carriers too (shooters ``n + e``, :class:`_Shooters`), by row."""
    d = sim.direct
    s = ctx.state
    f = ctx.world.forces
    pic = s.picture
    able = (s.status == ACTIVE) & ~s.broken & (ctx.t0 >= f.readiness_s[None, :])

    def picks(table: Shooters, x: Any, y: Any, ok: Any, room: int) -> tuple[Any, ...]:
        args = (
            x,
            y,
            table,
            300.0,
            np.ascontiguousarray(ok),
            np.ascontiguousarray(s.status == ACTIVE),
            pic.seen_layer(),
            f.contact_timeout_s,
            ctx.t1,
        )
        found, _ = run_per_row(nearest_seen_targets, args, (np.int64, np.int64, np.float64), s.r, room, Picks)
        return found

    if not carriers:
        return picks(d.shooter_table, s.x, s.y, able, len(d.shooters))
    sh = _shooters(ctx)
    own = picks(d.shooter_table, sh.x, sh.y, np.concatenate((able, np.zeros_like(able)), axis=1), f.n)
    guns = picks(
        d.carrier_table, sh.x, sh.y, np.concatenate((np.zeros_like(able), able & sh.manned), axis=1), f.n
    )
    both = [np.concatenate((a, b)) for a, b in zip(own, guns, strict=True)]
    order = np.argsort(both[0], kind="stable")
    return tuple(a[order] for a in both)


def _reference_rates(
    sim: Simulation,
    ctx: StepContext,
    rows,
    i,
    j,
    true_d,
    located,
    effect_scale,
    round_scale,
    shooters: _Shooters | None = None,
) -> tuple[Any, Any]:
    """Casualty and suppression rates per engagement, and ammunition used, as array expressions (the
    implementation the compiled loop replaced), with fire discipline; ``shooters`` for guns on carriers
    among them."""
    d = sim.direct
    s = ctx.state
    f = ctx.world.forces
    if shooters is None:
        strength0, strength, suppressed_until, training = (
            f.strength0,
            s.strength,
            s.suppressed_until,
            f.training,
        )
    else:
        sh = shooters
        strength0, strength, suppressed_until, training = (
            sh.strength0,
            sh.strength,
            sh.suppressed_until,
            sh.training,
        )
    fighting = strength[rows, i] / np.maximum(strength0[i], 1e-9)
    suppressed = (suppressed_until[rows, i] > ctx.t0).astype(np.float64)
    target_suppressed = s.suppressed_until[rows, j] > ctx.t0
    open_share = 1.0 - f.cover[j]
    height = POSTURE_HEIGHT_TABLE[s.posture[rows, j]]
    erf = np.vectorize(math.erf, otypes=[np.float64])
    lam = np.zeros(len(rows))
    lam_fragments = np.zeros(len(rows))
    supp_rate = np.zeros(len(rows))
    # Anti-armour weapons fire at carriers with their people and at troops in positions or under cover.
    covered = POSTURE_IN_POSITION[s.posture[rows, j]] | (f.cover[j] > 0)
    vehicles = carriers_with_troops(ctx, rows, j)
    for k in range(d.table.shape[1]):
        m = d.table[i, k]
        has = m >= 0
        mm = np.where(has, m, 0)
        upper = f.w_band_range[mm]
        reaches = true_d <= np.where(np.isfinite(upper), upper, -np.inf).max(axis=1)  # the last real band
        conserve = s.ammo[rows, mm] < CONSERVE_FRACTION * f.w_ammo0[mm]
        used_on = ~f.w_covered_only[mm] | covered | vehicles
        loaded = has & (s.ammo[rows, mm] > 0) & reaches & (located | ~conserve) & used_on
        pk, ps = band_values(true_d, f.w_band_range[mm], f.w_band_pkill[mm], f.w_band_psupp[mm])
        pk = pk * np.where(located, 1.0, UNAIMED_EFFECT)
        aim = f.w_aim_error_mil[mm]
        spread = np.maximum(aim * true_d * 1e-3, 1e-9) * 2.0 * math.sqrt(2.0)
        full = erf(TARGET_WIDTH_M / spread) * erf(REFERENCE_HEIGHT_M / spread)
        hit = erf(TARGET_WIDTH_M / spread) * erf(height / spread)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.minimum(hit / full, 1.0)
        presented = np.where(full > 0, ratio, np.minimum(height / REFERENCE_HEIGHT_M, 1.0))
        exposure = np.where(aim > 0, presented, POSTURE_AREA_TABLE[s.posture[rows, j]]) * open_share
        exposure = np.where((aim > 0) & target_suppressed, exposure * SUPPRESSED_EXPOSURE, exposure)
        exposure = np.where(f.w_covered_only[mm] & ~covered, 0.0, exposure)
        c = np.maximum(
            f.w_count[mm]
            * f.w_rate_per_s[mm]
            * pk
            * np.clip(fighting, 0.0, 1.0)
            * training[i]
            * (1.0 - (1.0 - SUPPRESSED_FIRE_FACTOR) * suppressed)
            * exposure,
            0.0,
        )
        lam += np.where(loaded, effect_scale * c, 0.0)
        lam_fragments += np.where(loaded, effect_scale * c * f.w_fragments[mm], 0.0)
        supp_rate += np.where(
            loaded & (ps > 0), effect_scale * (f.w_count[mm] * f.w_rate_per_s[mm] * ps * fighting), 0.0
        )
        aimed_rate = np.where(target_suppressed, f.w_sustained_per_s[mm], f.w_rapid_per_s[mm])
        aimed_rate = np.where(conserve, f.w_rate_per_s[mm], aimed_rate)
        rate = np.where(located, aimed_rate, f.w_sustained_per_s[mm])
        fire = 1.0 - (1.0 - SUPPRESSED_FIRE_FACTOR) * suppressed
        used = np.where(
            loaded, f.w_count[mm] * rate * ctx.dt * np.clip(fighting, 0.0, 1.0) * fire * round_scale, 0.0
        )
        np.subtract.at(s.ammo, (rows[loaded], mm[loaded]), used[loaded])
    np.maximum(s.ammo, 0.0, out=s.ammo)
    return lam, supp_rate, lam_fragments


def _reference_fire(sim: Simulation, ctx: StepContext, *, carriers: bool = False) -> None:
    """Direct fire as array expressions (the implementation the compiled loops replaced); with ``carriers``
    the guns on carriers fire too, from the carriers' position."""
    s = ctx.state
    f = ctx.world.forces
    sh = _shooters(ctx) if carriers else None
    x, y = (s.x, s.y) if sh is None else (sh.x, sh.y)
    side = f.side if sh is None else np.concatenate((f.side, f.side))
    rows, i, j, true_d = _engagements(sim, ctx, carriers=carriers)
    keep = engaged_on_frontage(rows, i, j, true_d, x, y, side, sim.direct.frontage)
    rows, i, j, true_d = rows[keep], i[keep], j[keep], true_d[keep]
    rows, i, j, true_d, located, effect_scale, round_scale = sim.direct.discipline(ctx, rows, i, j, true_d)
    lam, supp_rate, lam_fragments = _reference_rates(
        sim, ctx, rows, i, j, true_d, located, effect_scale, round_scale, sh
    )
    fragment_share = np.divide(lam_fragments, lam, out=np.zeros_like(lam), where=lam > 0)
    lam = mounted_exposure(ctx, rows, j, lam)  # carriers' exposure, outside the compiled rates
    i = np.where(i >= f.n, i - f.n, i)  # the element whose weapons, or carriers' guns, fired
    surprise = s.surprise_until[rows, i] > ctx.t0
    lam = np.where(surprise, lam * AMBUSH_SURPRISE_FACTOR, lam)
    uniq, inverse = np.unique(rows * f.n + j, return_inverse=True)
    total = np.bincount(inverse, weights=lam, minlength=len(uniq))
    supp_total = np.bincount(inverse, weights=supp_rate, minlength=len(uniq))
    main = group_argmax(inverse, lam, len(uniq))
    tr, tj = uniq // f.n, uniq % f.n
    share = np.bincount(inverse, weights=lam * fragment_share, minlength=len(uniq))
    share = np.divide(share, total, out=np.zeros_like(total), where=total > 0)
    killed = (1.0 - share) * KILLED_FRACTION["direct"] + share * KILLED_FRACTION["indirect"]
    apply_casualties(
        ctx,
        tr,
        tj,
        total * ctx.dt,
        shooter=i[main],
        weapon="direct",
        stream="fires/direct",
        killed_fraction=killed if (share > 0).any() else None,
    )
    hit = ctx.uniform("fires/suppression", tr, ctx.key(tj)) < -np.expm1(-supp_total * ctx.dt)
    s.suppressed_until[tr[hit], tj[hit]] = np.maximum(
        s.suppressed_until[tr[hit], tj[hit]], ctx.t1 + SUPPRESSION_S
    )


def _stir(ctx: StepContext, rng: np.random.Generator) -> None:
    """Put both sides close together, each seeing most of the other (believed positions off), with
    mounts out of ammunition or about to run out, suppressed and weakened shooters, every posture."""
    s = ctx.state
    f = ctx.world.forces
    pic = s.picture
    shape = s.x.shape
    s.x = rng.uniform(-1_500.0, 1_500.0, shape)
    s.y = rng.uniform(-1_500.0, 1_500.0, shape)
    # Located (seen 30 s ago), only believed (5 minutes ago) or not seen at all.
    pic.seen_t = rng.choice([ctx.t1 - 30.0, ctx.t1 - 300.0, -np.inf], pic.seen_t.shape, p=[0.5, 0.2, 0.3])
    # Every task (some suppress believed positions) or none.
    s.task = rng.integers(-1, len(ctx.world.plan.tasks), shape)
    pic.seen_x = s.x[:, None, :] + rng.normal(0.0, 200.0, pic.seen_x.shape)
    pic.seen_y = s.y[:, None, :] + rng.normal(0.0, 200.0, pic.seen_y.shape)
    s.status = np.where(rng.random(shape) < 0.1, ACTIVE + 1, ACTIVE)
    s.broken = rng.random(shape) < 0.05
    s.strength = f.strength0 * rng.choice([0.0, 0.3, 1.0, 1.5], shape)  # over 1: a fighting fraction clipped
    s.suppressed_until = np.where(rng.random(shape) < 0.3, ctx.t1 + 60.0, -np.inf)
    s.posture = rng.integers(0, len(POSTURES), shape)
    s.ammo = rng.choice([0.0, 0.05, 1.0, 100.0, np.inf], s.ammo.shape)
    # The carriers of elements on foot parked up to 400 m from them, their guns in the fight.
    c = ctx.world.carriers
    assert c is not None
    parked = ~s.mounted & c.has[None, :]
    s.parked_x = np.where(parked, s.x + rng.uniform(-400.0, 400.0, shape), np.nan)
    s.parked_y = np.where(parked, s.y + rng.uniform(-400.0, 400.0, shape), np.nan)


@pytest.fixture(scope="module")
def battle() -> Simulation:
    """Five replications of the default scenario, eight hours in (every element ready)."""
    sim = Simulation("khatlon-2015-v1", rng=5, replications=5)
    sim.run(until_s=8 * 3600.0)
    return sim


def _stirred(battle: Simulation, seed: int) -> StepContext:
    """A context for the next step on a stirred copy of the battle's state."""
    ctx = replace(battle.ctx, state=copy.deepcopy(battle.state))
    ctx.t0 = ctx.state.time_s
    ctx.t1 = ctx.t0 + battle.world.dt_s
    _stir(ctx, np.random.default_rng(seed))
    return ctx


@pytest.mark.parametrize("seed", range(4))
def test_engagement_rates_match_the_array_expressions(battle: Simulation, seed: int) -> None:
    """Per engagement, the same casualty and suppression rates, and the same ammunition left, bit for bit."""
    ctx = _stirred(battle, seed)
    rows, i, j, true_d = _engagements(battle, ctx)
    rows, i, j, true_d, located, effect_scale, round_scale = battle.direct.discipline(ctx, rows, i, j, true_d)
    assert located.any()
    assert not located.all()
    s = ctx.state
    ammo = s.ammo.copy()
    lam, supp_rate, _, lam_fragments = engagement_rates(
        Engagements(rows, i, j, true_d, located, effect_scale, round_scale),
        battle.direct.fire_table,
        s.strength,
        s.suppressed_until,
        s.posture,
        ammo,
        ctx.t0,
        ctx.dt,
        carriers_with_troops(ctx, rows, j),
    )
    want_lam, want_supp, want_fragments = _reference_rates(
        battle, ctx, rows, i, j, true_d, located, effect_scale, round_scale
    )
    # A quarter of the shooters are in a burst in a step (BURST_DUTY): a tenth at least have an effect.
    assert (want_lam > 0).mean() > 0.1
    assert (want_supp > 0).mean() > 0.1
    np.testing.assert_array_equal(lam, want_lam)
    np.testing.assert_array_equal(supp_rate, want_supp)
    np.testing.assert_array_equal(lam_fragments, want_fragments)
    assert (want_fragments > 0).any()  # the rockets' fragments are among the effects compared
    np.testing.assert_array_equal(ammo, s.ammo)


@pytest.mark.parametrize("seed", range(4))
def test_compiled_direct_fire_matches_the_array_expressions(battle: Simulation, seed: int) -> None:
    """One step of fire on a stirred state: same strength, ammunition and suppression, and the same events,
    bit for bit."""
    ctx = _stirred(battle, seed)
    compiled = replace(ctx, state=copy.deepcopy(ctx.state), recorder=_Capture())
    reference = replace(ctx, state=copy.deepcopy(ctx.state), recorder=_Capture())
    # The reference knows nothing of carriers destroyed by fire (tests/mechanics/test_vehicle_effects.py
    # covers them) nor of fire at carriers parked away from their people
    # (tests/mechanics/test_carrier_gun_effects.py), so the compiled step runs here with both off. The
    # guns on carriers fire in both, from the carriers' own position.
    d = battle.direct
    assert len(d.carrier_shooters)
    kills_vehicles, parked = d.vehicle_kill, d.parked_table
    d.vehicle_kill, d.parked_table = False, None
    try:
        d.fire(compiled)
    finally:
        d.vehicle_kill, d.parked_table = kills_vehicles, parked
    _reference_fire(battle, reference, carriers=True)
    _, shooter, *_ = _engagements(battle, ctx, carriers=True)
    assert (shooter >= ctx.world.forces.n).any()  # guns on carriers took targets
    assert len(reference.recorder.events) >= 3  # casualties inflicted (bursts and frontage thin the fire)
    exhausted = [e for e in compiled.recorder.events if e[0] == "AmmunitionExhausted"]
    assert [e for e in compiled.recorder.events if e[0] != "AmmunitionExhausted"] == reference.recorder.events
    emptied = (ctx.state.ammo > 0) & (reference.state.ammo <= 0)
    assert len(exhausted) == int(emptied.sum())  # one AmmunitionExhausted per mount emptied in the step
    for name in ("strength", "ammo", "suppressed_until"):
        np.testing.assert_array_equal(
            getattr(compiled.state, name), getattr(reference.state, name), err_msg=name
        )
    assert not np.array_equal(compiled.state.ammo, ctx.state.ammo)  # ammunition was used
    assert (compiled.state.suppressed_until > ctx.state.suppressed_until).any()
