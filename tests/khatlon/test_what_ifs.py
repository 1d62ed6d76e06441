"""The v2 what-ifs point the way a defence analyst expects, checked with a paired test at fixed seeds.

Each variant runs beside the base under common random numbers (the same seed, replication by
replication), and the paired differences d_i = variant_i - base_i must be positive beyond their noise:
mean(d) > t * sd(d) / sqrt(n), with t the one-sided 95 % Student quantile for n - 1 degrees of freedom
(the tolerance comes from the runs' own variance, not from a fixed margin). The runs stop 6 h after the
crossing, past the first contacts and the fights at the border posts, to keep the test short.
"""

from __future__ import annotations

import numpy as np
import pytest

from drillsim import Simulation, load_scenario

SEED = 20261206
REPLICATIONS = 8
UNTIL_S = 30 * 3600.0
T_95_ONE_SIDED = {2: 2.920, 3: 2.353, 4: 2.132, 5: 2.015, 6: 1.943, 7: 1.895}


def _measure(name: str, measure: str) -> np.ndarray:
    out = Simulation(load_scenario(name), rng=SEED, replications=REPLICATIONS).run(until_s=UNTIL_S)
    return np.asarray(out.measures[measure], dtype=np.float64)


@pytest.fixture(scope="module")
def base_runs() -> dict[str, np.ndarray]:
    """The base scenario's measures used below, one value per replication."""
    return {m: _measure("khatlon-2015-v2", m) for m in ("first-detection", "losses-csto")}


def _assert_higher(variant: np.ndarray, base: np.ndarray) -> None:
    d = variant - base
    d = d[~np.isnan(d)]
    assert d.size >= 3, "too few replications with the measure in both scenarios"
    noise = T_95_ONE_SIDED[d.size - 1] * float(np.std(d, ddof=1)) / np.sqrt(d.size)
    assert float(np.mean(d)) > noise, (d, noise)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("variant", "measure"),
    [
        # In the dark the border posts and the helicopters see the crossing later.
        ("khatlon-2015-night-v2", "first-detection"),
        # Ten times the militants overrun more of the border posts and the second line.
        ("khatlon-2015-incursion-7000-v2", "losses-csto"),
    ],
)
def test_what_if_points_the_expected_way(
    variant: str, measure: str, base_runs: dict[str, np.ndarray]
) -> None:
    """The variant raises the measure against the base, beyond the paired differences' noise."""
    _assert_higher(_measure(variant, measure), base_runs[measure])
