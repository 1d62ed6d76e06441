"""Direct fire's compiled steps give exactly what plain computations give: each shooter's choice of target
(a brute-force search over every pair)."""

from __future__ import annotations

import numpy as np
import pytest

from drillsim.engine.kernels import nearest_seen_targets, run_per_row

HOSTILE = np.array([[False, True], [True, False]])
NOW = 120.0
TIMEOUT = np.array([600.0, 600.0])


def _choose(x, y, side, reach, margin, ok, seen_t, seen_x, seen_y):
    """The kernel's (row, shooter, target, true distance) for every element as a shooter."""
    shooters = np.arange(x.shape[1])
    args = (
        x,
        y,
        shooters,
        shooters,
        reach,
        margin,
        ok,
        ok,
        side,
        HOSTILE,
        seen_t,
        seen_x,
        seen_y,
        TIMEOUT,
        NOW,
    )
    (rows, i, j, d), _ = run_per_row(
        nearest_seen_targets, args, (np.int64, np.int64, np.float64), x.shape[0], 1
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
