"""The compiled grid pair search returns exactly the pairs a brute-force search finds, in the same order."""

from __future__ import annotations

import numpy as np
import pytest

from drillsim.engine.pairs import near_pairs


def brute_force_pairs(x, y, sources, targets, radius, side, hostile, source_ok, target_ok):
    """Every (row, source, target) within the source's radius, by testing all of them."""
    rows, src, tgt, dist = [], [], [], []
    for r in range(x.shape[0]):
        for s in sources:
            if not source_ok[r, s] or radius[s] <= 0:
                continue
            for t in targets:
                if t == s or not hostile[side[s], side[t]] or not target_ok[r, t]:
                    continue
                d = np.hypot(x[r, t] - x[r, s], y[r, t] - y[r, s])
                if d <= radius[s]:
                    rows.append(r)
                    src.append(s)
                    tgt.append(t)
                    dist.append(d)
    return np.array(rows), np.array(src), np.array(tgt), np.array(dist)


@pytest.mark.parametrize("n", [8, 47, 49, 160])
def test_grid_search_matches_brute_force(n: int) -> None:
    """Pairs, their order and distances equal a brute-force search, below and above the grid cut-over."""
    rng = np.random.default_rng(n)
    r = 6
    extent = 3_000.0 * np.sqrt(n)  # constant density, so every size has close pairs
    x = rng.uniform(0, extent, (r, n))
    y = rng.uniform(0, extent, (r, n))
    side = rng.integers(0, 3, n)
    hostile = np.array([[False, True, True], [True, False, False], [True, False, False]])
    sources = rng.permutation(n)[: n // 2]
    targets = np.sort(rng.permutation(n)[: (3 * n) // 4])
    radius = rng.uniform(0, 9_000, n)
    radius[rng.random(n) < 0.1] = 0.0
    source_ok = rng.random((r, n)) < 0.9
    target_ok = rng.random((r, n)) < 0.9
    got = near_pairs(
        x, y, sources, targets, radius, side=side, hostile=hostile, source_ok=source_ok, target_ok=target_ok
    )
    want = brute_force_pairs(x, y, sources, targets, radius, side, hostile, source_ok, target_ok)
    assert len(want[0]) > 0
    for a, b in zip(got[:3], want[:3], strict=True):
        assert np.array_equal(a, b)
    assert np.allclose(got[3], want[3], rtol=0, atol=1e-9)
