"""The compiled kernels give exactly what a plain, brute-force computation gives, in the same order."""

from __future__ import annotations

import numpy as np
import pytest

from drillsim.core.compiled import plain, run_per_row
from drillsim.core.random import DrawKey, Streams, draw_keys_of, hash_prefix, stream_id, uniform_after
from drillsim.geo.terrain import SightGrid
from drillsim.mechanics.direct_fire.targets import Picks, Shooters, nearest_seen_targets
from drillsim.mechanics.sensing.model import (
    POSTURE_DETECTABILITY_TABLE,
    detection_probability,
    detection_rate,
)
from drillsim.mechanics.sensing.passes import (
    Candidates,
    Detections,
    Found,
    LightTable,
    Looks,
    Reporting,
    SensorTable,
    bound_tables,
    deliver_due_reports,
    detect_pairs,
    informant_reports,
    located_fraction_table,
    pick_detections,
    record_detections,
    who_looks,
)
from drillsim.state.batch import ACTIVE, AIR_INBOUND, AIR_OUTBOUND, ContactLayer

HOSTILE = np.array([[False, True, True], [True, False, False], [True, False, False]])


def _layout(n: int, r: int, seed: int):
    rng = np.random.default_rng(seed)
    extent = 3_000.0 * np.sqrt(n)  # constant density, so every size has close pairs
    x = rng.uniform(0, extent, (r, n))
    y = rng.uniform(0, extent, (r, n))
    side = rng.integers(0, 3, n)
    ok = rng.random((r, n)) < 0.9
    return rng, x, y, side, ok


def test_compiled_uniform_equals_the_counter_based_stream() -> None:
    """The kernel's hash (prefix per replication, then two coordinates) is bit for bit Streams.uniform."""
    streams = Streams(987654321)
    for step, rep, a, b in [(0, 0, 0, 0), (5, 17, 3, 250), (2879, 999, 151, 7), (12, 3, 7, 151)]:
        prefix = hash_prefix(
            np.uint64(streams.seed), np.int64(stream_id("sensors")), np.int64(step), np.int64(rep)
        )
        value = uniform_after(np.uint64(prefix), np.int64(a), np.int64(b))
        assert value == float(streams.uniform("sensors", step, rep, a, b))


@pytest.mark.parametrize("n", [8, 47, 49, 160])
def test_target_choice_matches_brute_force(n: int) -> None:
    """Each shooter's nearest seen enemy equals a brute-force search, below and above the grid cut-over."""
    r = 5
    rng, x, y, side, ok = _layout(n, r, n)
    reach = rng.uniform(0, 4_000, n)
    seen_t = np.where(rng.random((r, 3, n)) < 0.6, 100.0, -np.inf)
    seen_x = x[:, None, :] + rng.normal(0, 300, (r, 3, n))
    seen_y = y[:, None, :] + rng.normal(0, 300, (r, 3, n))
    timeout = np.array([600.0, 600.0, 600.0])
    margin = 300.0
    shooters = np.arange(n)
    table = Shooters(shooters, np.arange(n), reach, side, HOSTILE)
    seen = ContactLayer(seen_t, seen_x, seen_y, np.zeros_like(seen_t))
    args = (x, y, table, margin, ok, ok, seen, timeout, 120.0)
    (rows, i, j, d), _ = run_per_row(
        nearest_seen_targets, args, (np.int64, np.int64, np.float64), r, 4, Picks
    )
    want = []
    for row in range(r):
        for s in shooters:
            if not ok[row, s]:
                continue
            best, best_b, best_d = -1, np.inf, 0.0
            for t in range(n):
                if t == s or not HOSTILE[side[s], side[t]] or not ok[row, t]:
                    continue
                if 120.0 - seen_t[row, side[s], t] > 600.0:
                    continue
                true_d = np.hypot(x[row, t] - x[row, s], y[row, t] - y[row, s])
                believed = np.hypot(seen_x[row, side[s], t] - x[row, s], seen_y[row, side[s], t] - y[row, s])
                if true_d <= reach[s] + margin and believed <= reach[s] and believed < best_b:
                    best, best_b, best_d = t, believed, true_d
            if best >= 0:
                want.append((row, s, best, best_d))
    assert len(want) > 0
    assert [tuple(v) for v in zip(rows, i, j, strict=True)] == [w[:3] for w in want]
    assert np.allclose(d, [w[3] for w in want], rtol=0, atol=1e-9)


def _sensors(rng: np.random.Generator, n: int, rate: tuple[float, float], scale: tuple[float, float]):
    """Mount tables for n elements: every element one mount, every other one a second."""
    mounts = np.full((n, 2), -1, dtype=np.int64)
    mounts[:, 0] = np.arange(n)
    mounts[::2, 1] = n + np.arange(0, n, 2) // 2
    n_mounts = int(mounts.max()) + 1
    m_rate = rng.uniform(*rate, n_mounts)
    m_scale = rng.uniform(*scale, n_mounts)
    m_max = rng.uniform(2000, 6000, n_mounts)
    max_range = np.array([m_max[mounts[e][mounts[e] >= 0]].max() for e in range(n)])
    return mounts, m_rate, m_scale, m_max, max_range


def _keys(n: int) -> np.ndarray:
    """Draw keys of n elements named e0, e1, ... (as a force table keys its elements by id)."""
    return draw_keys_of([f"e{k}" for k in range(n)])


def _detect(
    x, y, ok, side, sensors, target_factor, observer_factor, reps, step=9, dt=60.0, m_error=None, los=None
):
    """Run the detection kernel (seed 42); returns (rows, observers, targets) of the detections. Without
    ``m_error`` the mounts' position errors are infinite, so no pair can be ruled out as less precise than
    another: every detection comes back. With ``los`` (which mounts need a line of sight), lines of sight
    are checked and every output comes back."""
    n = x.shape[1]
    mounts, m_rate, m_scale, m_max, max_range = sensors
    if m_error is None:
        m_error = np.full(len(m_rate), np.inf)
    table = SensorTable(
        np.arange(n),
        np.arange(n),
        max_range,
        side,
        HOSTILE,
        mounts,
        m_scale,
        m_max,
        np.zeros(len(m_rate), dtype=bool) if los is None else los,
        m_error,
        observer_factor,
        float(max_range.max()),
        20_000.0,
        los is not None,
    )
    bounds = bound_tables(table, np.full(n, 2.0), m_rate, dt)
    args = (
        x,
        y,
        np.full(x.shape, 2.0),  # each element's height, per row
        ok,
        ok,
        target_factor,
        table,
        LightTable(m_rate, bounds, dt),
        DrawKey(np.uint64(42), np.int64(stream_id("sensors")), np.int64(step), reps, _keys(n)),
    )
    dtypes = (np.int64, np.int64, np.float64, np.int64, np.int64, np.bool_)
    found, _ = run_per_row(detect_pairs, args, dtypes, x.shape[0], 2, Detections)
    return found if los is not None else found[:3]


def _probabilities(x, y, ok, side, sensors, target_factor, observer_factor, row, dt=60.0):
    """Plain computation of every pair's detection probability in one row: (n, n), 0 where none."""
    n = x.shape[1]
    mounts, m_rate, m_scale, m_max, max_range = sensors
    p = np.zeros((n, n))
    for s in range(n):
        for t in range(n):
            if s == t or not (ok[row, s] and ok[row, t]) or not HOSTILE[side[s], side[t]]:
                continue
            dist = np.hypot(x[row, t] - x[row, s], y[row, t] - y[row, s])
            if dist > max_range[s]:
                continue
            ms = mounts[s][mounts[s] >= 0]
            hazard = detection_rate(
                dist,
                rate_per_s=m_rate[ms],
                range_scale_m=m_scale[ms],
                max_range_m=m_max[ms],
                factor=target_factor[row, t] * observer_factor[s],
            ).sum()
            p[s, t] = detection_probability(hazard, dt) if hazard > 0 else 0.0
    return p


LAYOUTS = [
    (8, 0.0, 1.0),  # few targets: every pair is tested
    (60, 0.0, 1.0),  # a dense grid of cells over the targets
    (60, 900_000.0, 1.0),  # two clusters 900 km apart: too many empty cells, the sorted-key grid
    (400, 0.0, 0.1),  # crowded: the dense grid's cells are refined
]


@pytest.mark.parametrize(("n", "far_m", "squeeze"), LAYOUTS)
def test_likely_detections_match_a_plain_computation(n: int, far_m: float, squeeze: float) -> None:
    """Where every pair is likely to detect (no skipping), detections equal a plain computation: hazard
    summed over mounts, the counter-based uniform of (observer, target), pair order."""
    r = 2 if n > 100 else 40
    rng, x, y, side, ok = _layout(n, r, 100 + n)
    x, y = x * squeeze, y * squeeze
    x[:, ::2] += far_m
    y[:, ::2] += far_m
    # Slow fall-off and high rates: every cell's bound is above SKIP_BELOW.
    sensors = _sensors(rng, n, rate=(0.01, 0.05), scale=(1e6, 2e6))
    target_factor = rng.uniform(1.0, 2.0, (r, n))
    observer_factor = rng.uniform(0.5, 1.0, n)
    reps = np.arange(r) * 3 + 1
    rows, i, j = _detect(x, y, ok, side, sensors, target_factor, observer_factor, reps)
    streams = Streams(42)
    key = _keys(n)
    want = []
    for row in range(r):
        p = _probabilities(x, y, ok, side, sensors, target_factor, observer_factor, row)
        for s, t in zip(*np.nonzero(p), strict=True):
            if float(streams.uniform("sensors", 9, reps[row], key[s], key[t])) < p[s, t]:
                want.append((row, s, t))
    assert len(want) > 0
    assert [tuple(v) for v in zip(rows, i, j, strict=True)] == want


@pytest.mark.parametrize(("n", "far_m", "squeeze"), LAYOUTS)
def test_detections_are_independent_trials_with_the_right_probabilities(
    n: int, far_m: float, squeeze: float
) -> None:
    """Unlikely detections are sampled by skipping (one draw per landing, not per pair). Over many
    replications of one layout, each pair detects as often as its probability says (chi-square over pairs),
    and each observer's number of detections has the variance of independent trials (a dependence between
    an observer's pairs would change it). Tolerances: 5 standard deviations of each statistic."""
    reps_n = 3000 if n <= 100 else 400
    rng, x1, y1, side, ok1 = _layout(n, 1, 200 + n)
    x1, y1 = x1 * squeeze, y1 * squeeze
    x1[:, ::2] += far_m
    y1[:, ::2] += far_m
    sensors = _sensors(rng, n, rate=(0.0002, 0.002), scale=(500, 3000))
    tf1 = rng.uniform(0.1, 2.0, (1, n))
    observer_factor = rng.uniform(0.5, 1.0, n)
    x, y, ok, tf = (np.repeat(a, reps_n, axis=0) for a in (x1, y1, ok1, tf1))
    rows, i, j = _detect(x, y, ok, side, sensors, tf, observer_factor, np.arange(reps_n))
    p = _probabilities(x1, y1, ok1, side, sensors, tf1, observer_factor, 0)
    assert np.median(p[p > 0]) < 0.05  # most pairs in skipping territory
    counts = np.zeros((n, n))
    np.add.at(counts, (i, j), 1.0)
    assert counts[p == 0].sum() == 0  # nothing detected that cannot be
    live = p > 0
    pq = p[live] * (1 - p[live])
    v = reps_n * pq
    chi2 = float(((counts[live] - reps_n * p[live]) ** 2 / v).sum())
    # Each term has mean 1 and, from the binomial's fourth central moment, variance
    # (1 + 3 (N - 2) p q) / (N p q) - 1 (about 2 + 1 / (N p) for rare pairs: much more than 2).
    sd = np.sqrt(((1 + 3 * (reps_n - 2) * pq) / v - 1).sum())
    df = int(live.sum())
    assert abs(chi2 - df) < 5 * sd, (chi2, df, sd)
    # Each observer's count per replication: mean sum(p), variance sum(p (1 - p)).
    per_obs = np.zeros((reps_n, n))
    np.add.at(per_obs, (rows, i), 1.0)
    watch = p.sum(axis=1) > 0.05
    var_want = (p * (1 - p)).sum(axis=1)[watch]
    var_got = per_obs[:, watch].var(axis=0, ddof=1)
    # Sample variance of a near-Poisson count: standard error ~ var * sqrt(2 / (N - 1)) (+ kurtosis term);
    # pooled over the observers watched.
    ratio = var_got.sum() / var_want.sum()
    se = np.sqrt((2 * var_want**2 + var_want).sum() / (reps_n - 1)) / var_want.sum()
    assert abs(ratio - 1.0) < 5 * se, (ratio, se)


@pytest.mark.parametrize("check_los", [True, False])
def test_one_detection_per_key_is_the_most_precise_clear_one(check_los: bool) -> None:
    """The lazy pick equals checking every line of sight, dropping blocked pairs that need one (or taking
    their error without it), then keeping each key's smallest error, ties to the first entry; informants
    (entries after the pairs) need no line; each end of a line is at its element's height (aircraft are
    targets too). The scratch comes back clean."""
    from drillsim.geo.terrain import EFFECTIVE_EARTH_RADIUS_M, Terrain

    rng = np.random.default_rng(5)
    hills = rng.uniform(0, 60, (40, 40))
    terrain = Terrain(elevation_m=hills, terrain_class=np.zeros((40, 40), dtype=np.uint8), cell_m=100.0)
    r, n, n_pairs, n_inf = 4, 12, 300, 20
    x = rng.uniform(0, 3900, (r, n))
    y = rng.uniform(0, 3900, (r, n))
    altitude = np.where(rng.random((r, n)) < 0.2, 300.0, 2.0)  # heights per row, as aircraft climb
    rows = np.sort(rng.integers(0, r, n_pairs + n_inf))
    rows = np.concatenate([np.sort(rows[:n_pairs]), np.sort(rows[n_pairs:])])
    observer = np.concatenate([rng.integers(0, n, n_pairs), np.full(n_inf, -1)])
    target = rng.integers(0, n, n_pairs + n_inf)
    side = rng.integers(0, 2, n_pairs + n_inf)
    sd = rng.choice([10.0, 20.0, 40.0], n_pairs + n_inf)  # many ties
    sd_blocked = np.where(rng.random(n_pairs + n_inf) < 0.5, rng.choice([5.0, 30.0], n_pairs + n_inf), np.inf)
    needs = ~np.isfinite(sd_blocked) | (rng.random(n_pairs + n_inf) < 0.3)
    needs[n_pairs:] = False
    key = (rows * 2 + side) * n + target
    head = np.full(r * 2 * n, -1, dtype=np.int64)
    tail = head.copy()
    entries = Candidates(key, observer, target, rows, sd, sd_blocked, needs, n_pairs)
    grid = SightGrid(
        terrain.elevation_m, terrain.x0_m, terrain.y0_m, terrain.cell_m, 24, EFFECTIVE_EARTH_RADIUS_M
    )
    keep, clear = pick_detections(entries, x, y, altitude, grid, check_los, head, tail)
    # Every line, then the smallest error per key.
    seen = np.ones(n_pairs + n_inf, dtype=bool)
    if check_los:
        o, t, rr = observer[:n_pairs], target[:n_pairs], rows[:n_pairs]
        seen[:n_pairs] = terrain.line_of_sight(
            x[rr, o], y[rr, o], altitude[rr, o], x[rr, t], y[rr, t], altitude[rr, t], samples=24
        )
    actual = np.where(seen, sd, np.where(needs, np.inf, sd_blocked))
    order = np.lexsort((np.arange(len(key)), actual, key))
    first = np.ones(len(order), dtype=bool)
    first[1:] = key[order][1:] != key[order][:-1]
    want = np.sort(order[first & np.isfinite(actual[order])])
    # With lines checked, some keys lose every pair to blocked lines; without, every key keeps one.
    assert 0 < len(want) < len(np.unique(key)) if check_los else len(want) == len(np.unique(key))
    assert np.flatnonzero(keep).tolist() == want.tolist()
    assert (clear[want] == seen[want]).all()
    assert (head == -1).all()
    assert (tail == -1).all()


@pytest.mark.parametrize("los_checked", [True, False])
def test_pairs_that_cannot_be_kept_are_left_out(los_checked: bool) -> None:
    """A detection that cannot be its side's most precise of the target (a pair before it detected it
    surely better, whatever the lines of sight) is left out: the kernel's output is the full output less
    some entries, and the pick of the most precise detections is the same. Some mounts need a line of
    sight; without lines checked, every detection stands as found."""
    from drillsim.geo.terrain import EFFECTIVE_EARTH_RADIUS_M, Terrain

    n, r = 60, 20
    rng, x, y, side, ok = _layout(n, r, 31)
    x, y = x * 0.1, y * 0.1  # crowded: every target seen by several observers
    sensors = _sensors(rng, n, rate=(0.002, 0.01), scale=(800.0, 3000.0))
    m_error = rng.uniform(5.0, 80.0, len(sensors[1]))
    los = rng.random(len(sensors[1])) < (0.5 if los_checked else 0.0)
    tf = rng.uniform(0.5, 2.0, (r, n))
    observer_factor = rng.uniform(0.5, 1.0, n)
    reps = np.arange(r)
    every = _detect(x, y, ok, side, sensors, tf, observer_factor, reps, los=los)
    kept = _detect(x, y, ok, side, sensors, tf, observer_factor, reps, m_error=m_error, los=los)
    assert len(kept[0]) < 0.8 * len(every[0])
    entries = {tuple(v[:3]): v for v in zip(*every, strict=True)}
    assert all(np.array_equal(v, entries[tuple(v[:3])]) for v in zip(*kept, strict=True))
    hills = rng.uniform(0, 40, (30, 30))
    terrain = Terrain(elevation_m=hills, terrain_class=np.zeros((30, 30), dtype=np.uint8), cell_m=80.0)
    m_scale = sensors[2]

    def pick(found):
        rows, i, j, slant, best, best_clear, needs = found
        sd = m_error[best] * np.maximum(0.25, slant / m_scale[best])
        fallback = np.maximum(best_clear, 0)
        sd_blocked = np.where(
            best_clear >= 0, m_error[fallback] * np.maximum(0.25, slant / m_scale[fallback]), np.inf
        )
        key = (rows * 3 + side[i]) * n + j
        head = np.full(r * 3 * n, -1, dtype=np.int64)
        grid = SightGrid(
            terrain.elevation_m, terrain.x0_m, terrain.y0_m, terrain.cell_m, 24, EFFECTIVE_EARTH_RADIUS_M
        )
        entries = Candidates(key, i, j, rows, sd, sd_blocked, needs, len(rows))
        keep, clear = pick_detections(
            entries, x, y, np.full(x.shape, 2.0), grid, los_checked, head, head.copy()
        )
        picked = np.flatnonzero(keep)
        return [(rows[q], i[q], j[q], clear[q]) for q in picked]

    assert pick(kept) == pick(every)


def test_informant_reports_use_the_counter_based_stream() -> None:
    """Informants report candidate t of row r exactly when Streams.uniform(stream, step, rep, key[t]) < p."""
    rng = np.random.default_rng(6)
    r, n = 30, 40
    ok = rng.random((r, n)) < 0.8
    candidates = np.flatnonzero(rng.random(n) < 0.5)
    p = rng.uniform(0.0, 0.6, len(candidates))
    reps = np.arange(r) * 5 + 2
    streams = Streams(77)
    key = _keys(n)
    stream = np.int64(stream_id("sensors/informants"))
    args = (ok, candidates, p, np.uint64(77), stream, np.int64(12), reps, key)
    (rows, j), _ = run_per_row(informant_reports, args, (np.int64,), r, len(candidates))
    u = streams.uniform("sensors/informants", 12, reps[:, None], key[candidates][None, :])
    want_r, want_k = np.nonzero(ok[:, candidates] & (u < p[None, :]))
    assert len(want_r) > 0
    assert rows.tolist() == want_r.tolist()
    assert j.tolist() == candidates[want_k].tolist()


def test_report_delivery_and_loss_match_the_array_computation() -> None:
    """Due reports copy the reporting side's seen entry (velocity included) and go live, unless the entry
    is already older than the contact's life (discarded as too late); then stale contacts are lost: the
    compiled pass gives what the masks and fancy indexing give, in (row, side, element) order."""
    rng = np.random.default_rng(8)
    r, ns, n, t1 = 6, 3, 25, 1000.0
    shape = (r, ns, n)
    due_t = np.where(rng.random(shape) < 0.3, rng.uniform(900, 1100, shape), np.inf)
    due_from = rng.integers(0, ns, shape)
    seen = [rng.uniform(0, 1000, shape) for _ in range(6)]  # t, x, y, err, vx, vy
    known = [rng.uniform(0, 1000, shape) for _ in range(6)]
    live = rng.random(shape) < 0.5
    # per side and element
    timeout = np.array([300.0, 600.0, 900.0])[:, None] * rng.uniform(0.5, 1.0, (ns, n))
    # The plain computation, on copies.
    k_copy = [a.copy() for a in known]
    k_live, d_t = live.copy(), due_t.copy()
    rows, b, j = np.nonzero(d_t <= t1)
    a = due_from[rows, b, j]
    d_t[rows, b, j] = np.inf
    age = t1 - seen[0][rows, a, j]
    late = age > timeout[b, j]
    late_out = (rows[late], b[late], j[late], age[late])
    rows, b, j, a = rows[~late], b[~late], j[~late], a[~late]
    for dst, src in zip(k_copy, seen, strict=True):
        dst[rows, b, j] = src[rows, a, j]
    when = due_t[rows, b, j]
    new = ~k_live[rows, b, j]
    k_live[rows, b, j] = True
    lost = np.nonzero(k_live & ((t1 - k_copy[0]) > timeout[None, :, :]))
    k_live[lost] = False
    got = deliver_due_reports(
        due_t,
        due_from,
        ContactLayer(*seen[:4]),
        ContactLayer(*known[:4]),
        (seen[4], seen[5], known[4], known[5]),
        live,
        timeout,
        t1,
    )
    assert len(rows) > 0
    assert len(lost[0]) > 0
    assert len(late_out[0]) > 0
    for g, w in zip(got, (rows, b, j, when, new, *lost, *late_out), strict=True):
        assert np.array_equal(g, w)
    for g, w in zip((*known, live, due_t), (*k_copy, k_live, d_t), strict=True):
        assert np.array_equal(g, w)


def test_located_fractions_match_the_array_computation() -> None:
    """Fraction of each hostile side's active ground elements held live, per row (0 when none)."""
    rng = np.random.default_rng(9)
    r, n = 8, 30
    side = rng.integers(0, 3, n)
    ground = rng.random(n) < 0.8
    active = rng.random((r, n)) < 0.7
    active[0] = False  # a row where nobody is left
    live = rng.random((r, 3, n)) < 0.5
    got = located_fraction_table(active, live, side, ground, HOSTILE)
    for a in range(3):
        for b in range(3):
            alive = active & ground[None, :] & (side == b)[None, :]
            held = (live[:, a, :] & alive).sum(axis=1)
            want = np.where(alive.sum(axis=1) > 0, held / np.maximum(alive.sum(axis=1), 1), 0.0)
            assert np.array_equal(got[:, a, b], want if HOSTILE[a, b] else np.zeros(r))


def test_recorded_detections_match_the_array_assignments() -> None:
    """Writing detections into the pictures gives what the indexed array assignments give, including two
    allied sides reporting one target in one row (compared with the pending report before either, the later
    one written last)."""
    rng = np.random.default_rng(11)
    r, ns, n, t1 = 5, 3, 20, 600.0
    picked = rng.choice(r * ns * n, 120, replace=False)  # one per (row, side, target)
    rows, side, j = picked // (ns * n), (picked // n) % ns, picked % n
    observer = rng.integers(-1, n, len(rows))
    sd = rng.uniform(10, 500, len(rows))
    ident = rng.random(len(rows)) < 0.3
    bx, by = rng.uniform(0, 1e4, len(rows)), rng.uniform(0, 1e4, len(rows))
    bvx, bvy = rng.normal(0, 5, len(rows)), rng.normal(0, 5, len(rows))
    timeout = np.array([300.0, 600.0, 900.0])
    allied = np.array([[True, True, False], [True, True, False], [False, False, True]])
    latency = np.array([30.0, 200.0, 60.0])
    shape = (r, ns, n)
    pic = {
        "seen_t": np.where(rng.random(shape) < 0.5, rng.uniform(0, 600, shape), -np.inf),
        "seen_x": rng.uniform(0, 1e4, shape),
        "seen_y": rng.uniform(0, 1e4, shape),
        "seen_err": rng.uniform(0, 100, shape),
        "seen_vx": rng.uniform(-5, 5, shape),
        "seen_vy": rng.uniform(-5, 5, shape),
        "seen_by": rng.integers(-1, n, shape),
        "identified": rng.random(shape) < 0.2,
        "episode_t": rng.uniform(0, 600, shape),
        "detected_at": np.where(rng.random((r, n)) < 0.5, rng.uniform(0, 900, (r, n)), np.inf),
        "detected_by_side": np.where(rng.random((r, ns)) < 0.5, rng.uniform(0, 900, (r, ns)), np.inf),
        "due_t": np.where(rng.random(shape) < 0.3, rng.uniform(600, 900, shape), np.inf),
        "due_from": rng.integers(0, ns, shape),
    }
    want = {k: v.copy() for k, v in pic.items()}
    was_live = (t1 - want["seen_t"][rows, side, j]) <= timeout[side]
    for name, value in (
        ("seen_t", t1),
        ("seen_x", bx),
        ("seen_y", by),
        ("seen_err", sd),
        ("seen_vx", bvx),
        ("seen_vy", bvy),
        ("seen_by", observer),
    ):
        want[name][rows, side, j] = value
    want["identified"][rows, side, j] |= ident
    new = ~was_live
    nr, ns_, nj = rows[new], side[new], j[new]
    want["episode_t"][nr, ns_, nj] = t1
    want["detected_at"][nr, nj] = np.minimum(want["detected_at"][nr, nj], t1)
    np.minimum.at(want["detected_by_side"], (nr, ns_), t1)
    for b in range(ns):
        receives = allied[side, b]
        rr, ss, jj = rows[receives], side[receives], j[receives]
        due = t1 + (latency[ss] + np.where(ss == b, 0.0, latency[b]))
        earlier = due < want["due_t"][rr, b, jj]
        want["due_t"][rr[earlier], b, jj[earlier]] = due[earlier]
        want["due_from"][rr[earlier], b, jj[earlier]] = ss[earlier]
    found = Found(rows, side, observer, j, sd, ident, bx, by, bvx, bvy)
    seen = ContactLayer(*(pic[k] for k in ("seen_t", "seen_x", "seen_y", "seen_err")))
    got_new = record_detections(
        found,
        t1,
        seen,
        (pic["seen_vx"], pic["seen_vy"]),
        *(pic[k] for k in ("seen_by", "identified", "episode_t", "detected_at", "detected_by_side")),
        Reporting(timeout, allied, latency),
        pic["due_t"],
        pic["due_from"],
    )
    assert new.any()
    assert not new.all()
    np.testing.assert_array_equal(got_new, new)
    for name in pic:
        np.testing.assert_array_equal(pic[name], want[name], err_msg=name)


def test_group_argmax_is_each_keys_largest_value_first_on_ties() -> None:
    """Per key, the index of its largest value, ties to the first index, -1 for keys without values."""
    from drillsim.mechanics.direct_fire.step import group_argmax

    rng = np.random.default_rng(12)
    keys = rng.integers(0, 40, 500)
    values = rng.choice([0.1, 0.2, 0.3], 500)  # many ties
    order = np.lexsort((np.arange(len(keys)), -values, keys))
    first = np.ones(len(order), dtype=bool)
    first[1:] = keys[order][1:] != keys[order][:-1]
    want = np.full(45, -1)
    want[keys[order][first]] = order[first]
    np.testing.assert_array_equal(group_argmax(keys, values, 45), want)
    assert (want[40:] == -1).all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_who_looks_matches_the_array_expressions(seed: int) -> None:
    """Who looks, who can be seen, the targets' factors and which aircraft fly are, bit for bit, what the
    array expressions the pass replaced give (kept here), with every status, air phase and posture."""
    rng = np.random.default_rng(seed)
    r, n = 30, 40
    status = rng.integers(0, 4, (r, n))
    air_phase = rng.integers(0, AIR_INBOUND + 2, (r, n))
    posture = rng.integers(0, len(POSTURE_DETECTABILITY_TABLE), (r, n))
    aircraft = np.sort(rng.choice(n, 7, replace=False))
    signature = rng.choice([0.1, 0.3, 1.0 / 3.0, 1.0, 2.5], n)
    concealment = rng.choice([1.0, 0.5, 0.7], n)
    # The array expressions of the sensing step before the pass.
    target_ok = status == ACTIVE
    source_ok = target_ok.copy()
    phase = air_phase[:, aircraft]
    source_ok[:, aircraft] &= (phase >= AIR_OUTBOUND) & (phase <= AIR_INBOUND)
    factor = signature[None, :] * POSTURE_DETECTABILITY_TABLE[posture] * concealment[None, :]
    flying = (phase >= AIR_OUTBOUND) & (phase <= AIR_INBOUND) & (status[:, aircraft] == ACTIVE)
    out = Looks(
        np.empty((r, n), dtype=bool),
        np.empty((r, n), dtype=bool),
        np.empty((r, n)),
        np.empty((r, len(aircraft)), dtype=bool),
    )
    any_flying = who_looks(
        status, air_phase, posture, aircraft, signature, POSTURE_DETECTABILITY_TABLE, concealment, plain(out)
    )
    for got, expected in zip(out, (source_ok, target_ok, factor, flying), strict=True):
        np.testing.assert_array_equal(got, expected)
    assert any_flying == bool(flying.any())
    assert flying.any()
    assert not flying.all()
    assert (source_ok != target_ok).any()
    none = who_looks(
        status,
        np.zeros_like(air_phase),
        posture,
        aircraft,
        signature,
        POSTURE_DETECTABILITY_TABLE,
        concealment,
        plain(out),
    )
    assert not none
