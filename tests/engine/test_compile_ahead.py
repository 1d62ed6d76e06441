"""Kernels compiled ahead by a forked helper land in the on-disk cache, stamped like any other:
:func:`drillsim.core.compiled.compile_ahead`, :func:`~drillsim.core.compiled.is_cached` and the one-line
notice of :func:`~drillsim.core.compiled.report_compilation`.

Each test runs child processes on a throw-away package (``aheadpkg``) whose cache sits beside it, as
``tests/engine/test_compiled_cache.py`` does, so that the cache starts empty.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

HELPERS = """
from drillsim.core.compiled import jit

FACTOR = {factor}


@jit
def scale(x: float) -> float:
    return x * FACTOR
"""

KERNELS = """
import numpy as np

from drillsim.core.compiled import jit
from aheadpkg.helpers import scale


@jit
def total(a: np.ndarray) -> float:
    return scale(a.sum())
"""

AHEAD = """
import numpy as np

from drillsim.core.compiled import compile_ahead, is_cached
from aheadpkg.kernels import total

before = is_cached(total)
helper = compile_ahead(lambda is_stopped: total(np.ones(2)))
print(before, helper.wait(), is_cached(total), total.signatures == [])
"""
"""The parent starts the helper, waits for it, and never calls the kernel itself."""

LATER = """
import numpy as np

from drillsim.core.compiled import watch_compilation
from aheadpkg.kernels import total

compiled = []
with watch_compilation(compiled.append):
    value = total(np.ones(2))
print(value, len(compiled))
"""
"""A later process: the kernel's value and how many functions it compiled to get it."""


def _run(folder: Path, code: str) -> list[str]:
    env = dict(os.environ, PYTHONPATH=str(folder))
    env.pop("NUMBA_CACHE_DIR", None)  # the cache must sit beside the package, empty at first
    env.pop("NUMBA_DISABLE_JIT", None)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def _package(folder: Path, factor: float) -> None:
    package = folder / "aheadpkg"
    package.mkdir(exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "helpers.py").write_text(HELPERS.format(factor=factor))
    (package / "kernels.py").write_text(KERNELS)


def test_helper_fills_the_cache_that_a_later_process_loads(tmp_path: Path) -> None:
    """The helper compiles the kernel into the cache (the parent compiles nothing); a later process then
    gets the kernel's value without compiling anything."""
    _package(tmp_path, 2.0)
    assert _run(tmp_path, AHEAD) == ["False", "0", "True", "True"]
    assert _run(tmp_path, LATER) == ["4.0", "0"]


def test_entry_compiled_ahead_is_stale_after_a_change_to_a_module_it_imports(tmp_path: Path) -> None:
    """The helper's cache entry carries the source stamp: after an edit to the callee's module, the kernel
    is not cached, and a later process compiles it again and gets the new value."""
    _package(tmp_path, 2.0)
    _run(tmp_path, AHEAD)
    _package(tmp_path, 3.0)
    assert _run(
        tmp_path,
        "from aheadpkg.kernels import total\nfrom drillsim.core.compiled import is_cached\n"
        "print(is_cached(total))",
    ) == ["False"]
    value, compiled = _run(tmp_path, LATER)
    assert value == "6.0"
    assert int(compiled) >= 1


STOPPED = """
import time

from drillsim.core.compiled import compile_ahead

def work(is_stopped):
    for _ in range(6000):  # 60 s at most, should stop() not reach the helper
        if is_stopped():
            return
        time.sleep(0.01)
    raise RuntimeError("never told to stop")

helper = compile_ahead(work)
helper.stop()
print(helper.wait())
"""


def test_stop_ends_the_helper_between_its_calls(tmp_path: Path) -> None:
    """After ``stop()`` the helper's ``is_stopped()`` turns true and it exits with 0 (1 had it run out)."""
    _package(tmp_path, 2.0)
    assert _run(tmp_path, STOPPED) == ["0"]


NOTICE = """
import numpy as np

from drillsim.core.compiled import report_compilation
from aheadpkg.kernels import total

with report_compilation(print):
    total(np.ones(2))
"""


def test_first_run_says_it_compiles_and_how_many_and_a_cached_run_says_nothing(tmp_path: Path) -> None:
    """One line when compiling starts, one with the count at the end; nothing once the cache is filled."""
    _package(tmp_path, 2.0)
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    env.pop("NUMBA_CACHE_DIR", None)
    env.pop("NUMBA_DISABLE_JIT", None)
    lines = [
        subprocess.run(
            [sys.executable, "-c", NOTICE], env=env, capture_output=True, text=True, check=True
        ).stdout.splitlines()
        for _ in range(2)
    ]
    first, second = lines
    assert len(first) == 2
    assert first[0].startswith("compiling the simulation kernels")
    assert first[1].startswith("compiled 2 kernels in ")  # total and its callee scale
    assert second == []


def test_run_starts_a_helper_only_on_a_cold_cache_with_a_core_free(example: Any, monkeypatch: Any) -> None:
    """``compile_steps_ahead``: no helper when the step kernels are cached or the machine is busy; else a
    helper that steps its copy of the simulation and ends cleanly (exit code 0)."""
    from drillsim.engine import simulation

    sim = simulation.Simulation(example, rng=1, replications=1)
    monkeypatch.setattr(simulation, "is_cached", lambda function: True)
    assert simulation.compile_steps_ahead(sim) is None
    monkeypatch.setattr(simulation, "is_cached", lambda function: False)
    monkeypatch.setattr(simulation.os, "getloadavg", lambda: (99.0, 99.0, 99.0))
    assert simulation.compile_steps_ahead(sim) is None
    monkeypatch.setattr(simulation.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    helper = simulation.compile_steps_ahead(sim)
    assert helper is not None
    assert helper.pid is not None
    assert helper.wait() == 0
    assert sim.state.step == 0  # the helper stepped its own copy


class _Helper:
    """Stands for the helper :func:`compile_steps_ahead` starts: records the probe's step at each stop."""

    def __init__(self, sim: Any) -> None:
        self.sim = sim
        self.stopped_at: list[int] = []

    def stop(self) -> int:
        self.stopped_at.append(int(self.sim.state.step))
        return 0


def test_monte_carlo_probe_starts_the_run_helper_and_stops_it_after_its_step(
    example: Any, monkeypatch: Any
) -> None:
    """``monte_carlo`` asks :func:`compile_steps_ahead` (the machinery of ``drillsim run``) for a helper for
    its probe, and stops it once the probe's step has compiled, before the workers need the core; without
    one (the kernels cached, no core free) it runs as before."""
    from drillsim.engine import simulation
    from drillsim.experiments.montecarlo import monte_carlo

    helpers: list[_Helper] = []

    def ahead(sim: Any) -> _Helper:
        helpers.append(_Helper(sim))
        return helpers[-1]

    monkeypatch.setattr(simulation, "compile_steps_ahead", ahead)
    result = monte_carlo(example, replications=2, rng=3, batch=2, executor=1, progress=False)
    assert len(helpers) == 1
    assert isinstance(helpers[0].sim, simulation.Simulation)
    assert helpers[0].stopped_at[0] == 1  # stopped right after the probe's one step
    monkeypatch.setattr(simulation, "compile_steps_ahead", lambda sim: None)
    again = monte_carlo(example, replications=2, rng=3, batch=2, executor=1, progress=False)
    assert again.table.equals(result.table)
