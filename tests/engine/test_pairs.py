"""The compiled kernels give exactly what a plain, brute-force computation gives, in the same order."""

from __future__ import annotations

import numpy as np
import pytest

from drillsim.core.random import Streams, stream_id
from drillsim.engine.kernels import (
    detect_pairs,
    hash_prefix,
    nearest_seen_targets,
    run_per_row,
    uniform_after,
)
from drillsim.sensors.detection import detection_probability, detection_rate

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
    args = (
        x,
        y,
        shooters,
        np.arange(n),
        reach,
        margin,
        ok,
        ok,
        side,
        HOSTILE,
        float(reach.max()) + margin,
        seen_t,
        seen_x,
        seen_y,
        timeout,
        120.0,
    )
    (rows, i, j, d), _ = run_per_row(nearest_seen_targets, args, (np.int64, np.int64, np.float64), r, 4)
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


@pytest.mark.parametrize(
    ("n", "far_m"),
    [
        (8, 0.0),  # few targets: every pair is tested
        (60, 0.0),  # a dense grid of cells over the targets
        (60, 900_000.0),  # two clusters 900 km apart: too many empty cells, the sorted-key grid
    ],
)
def test_detections_match_a_plain_computation(n: int, far_m: float) -> None:
    """Detections equal a plain computation: hazard summed over mounts, counter-based uniform, same order."""
    r = 40
    rng, x, y, side, ok = _layout(n, r, 100 + n)
    x[:, ::2] += far_m
    y[:, ::2] += far_m
    mounts = np.full((n, 2), -1, dtype=np.int64)
    mounts[:, 0] = np.arange(n)
    mounts[::2, 1] = n + np.arange(0, n, 2) // 2
    n_mounts = int(mounts.max()) + 1
    m_rate = rng.uniform(0.001, 0.05, n_mounts)
    m_scale = rng.uniform(500, 3000, n_mounts)
    m_max = rng.uniform(2000, 6000, n_mounts)
    m_los = np.zeros(n_mounts, dtype=bool)
    max_range = np.array([m_max[mounts[e][mounts[e] >= 0]].max() for e in range(n)])
    altitude = np.full(n, 2.0)
    target_factor = rng.uniform(0.1, 2.0, (r, n))
    observer_factor = rng.uniform(0.5, 1.0, n)
    reps = np.arange(r) * 3 + 1
    streams = Streams(42)
    dt, step = 60.0, 9
    args = (
        x,
        y,
        altitude,
        np.arange(n),
        np.arange(n),
        max_range,
        ok,
        ok,
        side,
        HOSTILE,
        float(max_range.max()),
        mounts,
        m_rate,
        m_scale,
        m_max,
        m_los,
        target_factor,
        observer_factor,
        20_000.0,
        dt,
        np.uint64(42),
        np.int64(stream_id("sensors")),
        np.int64(step),
        reps,
    )
    dtypes = (np.int64, np.int64, np.float64, np.int64, np.int64, np.bool_)
    (rows, i, j, *_), _ = run_per_row(detect_pairs, args, dtypes, r, 2)
    want = []
    for row in range(r):
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
                u = float(streams.uniform("sensors", step, reps[row], s, t))
                if hazard > 0 and u < detection_probability(hazard, dt):
                    want.append((row, s, t))
    assert len(want) > 0
    assert [tuple(v) for v in zip(rows, i, j, strict=True)] == want
