"""Kernels are compiled once, not once per array layout their callers happen to pass (each extra
signature is another compilation on the first run after an install)."""

from __future__ import annotations

import os
import subprocess
import sys

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


SIGNATURES = """
import sys

import numba

import drillsim
from drillsim.engine import EventLog

drillsim.run("khatlon-2015-v2", rng=1, replications=1, recorder=EventLog())
seen = {}
for name, module in list(sys.modules.items()):
    if name.startswith("drillsim"):
        for value in vars(module).values():
            if isinstance(value, numba.core.dispatcher.Dispatcher):
                py = value.py_func
                seen[f"{py.__module__}.{py.__qualname__}"] = len(value.signatures)
print(" ".join(sorted(k for k, v in seen.items() if v > 1)))
"""

GENERIC = {
    "drillsim.core.compiled._compact",  # compacts int, float and bool outputs of the per-row kernels
    "drillsim.geo.spatial_index.first_at_least",  # searches sorted int and float keys
    "drillsim.geo.terrain.bilinear_at",  # the sight grid (read-only) and the slope and distance tables
}
"""Kernels the default scenario calls with arguments of genuinely different types."""


def test_default_scenario_compiles_each_kernel_for_one_signature_but_the_generic() -> None:
    """A run of the default scenario calls no kernel with a second layout of the same types (a strided
    selection, Fortran order, a literal constant), each one another compilation on a first run."""
    env = dict(os.environ)
    env.pop("NUMBA_DISABLE_JIT", None)
    done = subprocess.run(
        [sys.executable, "-c", SIGNATURES], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert set(done.stdout.split()) <= GENERIC
