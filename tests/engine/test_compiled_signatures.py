"""Kernels are compiled once, not once per array layout their callers happen to pass (each extra
signature is another compilation on the first run after an install)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

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


def test_free_batteries_are_a_bool_table_before_any_mission(example: Any) -> None:
    """With no mission yet (none in hand), the batteries' free table is bool, as once missions exist:
    ``~False`` is the integer -1, and an integer table compiled the pick of requests a second time."""
    from drillsim.engine.simulation import Simulation
    from drillsim.mechanics.indirect_fire.step import IndirectFire, free_batteries

    sim = Simulation(example, rng=1, replications=2)
    fire = sim.fires
    assert isinstance(fire, IndirectFire)
    assert len(fire.batteries)
    assert not len(sim.state.missions)
    free = free_batteries(sim.ctx, fire.batteries, fire.battery_mount)
    assert free.dtype == np.bool_
    assert free.shape == (len(fire.batteries), 2)


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
