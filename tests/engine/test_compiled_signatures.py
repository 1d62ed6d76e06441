"""Kernels are compiled once, not once per array layout their callers happen to pass (each extra
signature is another compilation on the first run after an install)."""

from __future__ import annotations

import numpy as np
from numba import typeof

from drillsim.mechanics.orders.command import _compiled_layout


def test_route_legs_reach_the_river_test_in_one_layout() -> None:
    """Leg ends read as strided columns of the destinations, read-only or contiguous arrays all come out
    with the one numba type the river test is compiled for, with their values."""
    points = np.arange(24, dtype=np.float64).reshape(4, 3, 2)
    frozen = np.arange(4, dtype=np.float64)
    frozen.flags.writeable = False
    legs = [points[:, 1, 0], frozen, np.arange(4, dtype=np.float64), np.arange(4)]
    laid_out = [_compiled_layout(v) for v in legs]
    assert len({typeof(v) for v in legs}) > 1  # the inputs differ, so the check below can fail
    assert len({typeof(v) for v in laid_out}) == 1
    for before, after in zip(legs, laid_out, strict=True):
        assert np.array_equal(before, after)
