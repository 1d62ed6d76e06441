"""The grid-culling prototype returns exactly what the dense ``near_pairs`` returns, in the same order."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.grid_pairs_prototype import grid_near_pairs
from benchmarks.synthetic import synthetic_scenario
from drillsim.engine.combat import BELIEF_MARGIN_M
from drillsim.engine.pairs import near_pairs
from drillsim.engine.simulation import Simulation
from drillsim.engine.state import ACTIVE


def _assert_same(dense: tuple[np.ndarray, ...], grid: tuple[np.ndarray, ...]) -> None:
    for a, b in zip(dense, grid, strict=True):
        assert a.dtype == b.dtype
        assert np.array_equal(a, b)


def _random_case(seed: int) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    r = int(rng.integers(1, 6))
    n = int(rng.integers(1, 120))
    scale = float(rng.choice([10.0, 1000.0, 50_000.0]))
    # Integer coordinates give exact ties at the radius; a few far-away and NaN positions test the edges.
    x = np.round(rng.normal(0.0, scale, (r, n)))
    y = np.round(rng.normal(0.0, scale, (r, n)))
    x[rng.random((r, n)) < 0.02] = 1e7
    x[rng.random((r, n)) < 0.02] = np.nan
    radius = np.round(rng.choice([0.0, 5.0, scale / 3, scale, 3 * scale], n))
    radius[rng.random(n) < 0.05] = -1.0
    sides = rng.integers(0, 3, n)
    return {
        "x": x,
        "y": y,
        "sources": np.flatnonzero(rng.random(n) < 0.7),
        "targets": np.flatnonzero(rng.random(n) < 0.8),
        "radius": radius,
        "source_ok": rng.random((r, n)) < 0.9 if rng.random() < 0.7 else None,
        "target_ok": rng.random((r, n)) < 0.9 if rng.random() < 0.7 else None,
        "allowed": sides[:, None] != sides[None, :] if rng.random() < 0.7 else None,
    }


@pytest.mark.parametrize("seed", range(60))
@pytest.mark.parametrize("cells_per_radius", [1, 2])
def test_same_pairs_as_dense_on_random_cases(seed: int, cells_per_radius: int) -> None:
    """Random positions, radii, masks and ties at the radius: same pairs, order and distances."""
    case = _random_case(seed)
    x, y, sources, targets, radius = (case.pop(k) for k in ("x", "y", "sources", "targets", "radius"))
    dense = near_pairs(x, y, sources, targets, radius, **case)
    grid = grid_near_pairs(x, y, sources, targets, radius, cells_per_radius=cells_per_radius, **case)
    _assert_same(dense, grid)


def test_same_pairs_as_dense_on_engine_states() -> None:
    """Sensing and direct-fire queries of a running synthetic scenario: identical at every step."""
    sim = Simulation(synthetic_scenario(300), rng=3, replications=3)
    checked = 0
    for _ in range(8):
        sim.step()
        s, f = sim.state, sim.world.forces
        sensing, fire = sim.sensing, sim.direct
        queries = [
            (sensing.observers, sensing.targets, sensing.max_range, sensing.allowed),
            (fire.shooters, fire.targets, fire.reach + BELIEF_MARGIN_M, fire.allowed),
        ]
        for sources, targets, radius, allowed in queries:
            kwargs = {"source_ok": s.status == ACTIVE, "target_ok": s.status == ACTIVE, "allowed": allowed}
            dense = near_pairs(s.x, s.y, sources, targets, radius, **kwargs)
            _assert_same(dense, grid_near_pairs(s.x, s.y, sources, targets, radius, **kwargs))
            checked += len(dense[0])
    assert checked > 0
    assert f.n == 300
