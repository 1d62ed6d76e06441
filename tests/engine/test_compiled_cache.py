"""A stale on-disk cache is recompiled, not fatal, and never run: :func:`drillsim.core.compiled.jit`.

numba unpickles a function's cache index before it checks the index against the source, so an index written
when a NamedTuple argument had another name fails with AttributeError. The test builds that situation for
real: a module whose compiled function takes a NamedTuple is run once in a child process (writing the cache
beside it), the NamedTuple is then renamed, and a second child must still get the right answer.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from drillsim.core.compiled import compile_lock

MODULE = """
from typing import NamedTuple

import numpy as np

from drillsim.core.compiled import jit


class {name}(NamedTuple):
    a: np.ndarray
    b: np.ndarray


@jit
def total(group: {name}) -> float:
    return float(group.a.sum() + group.b.sum())


print(total({name}(np.arange(3.0), np.ones(2))))
"""


def _run(folder: Path, code: str = "import stale_kernel") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(folder))
    env.pop("NUMBA_CACHE_DIR", None)  # the cache must sit beside the module, where the test can see it
    env.pop("NUMBA_DISABLE_JIT", None)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)


def test_index_naming_a_renamed_namedtuple_is_recompiled(tmp_path: Path) -> None:
    """The second run loads a cache whose index names ``Pair``, now called ``Couple``: it still prints 5."""
    module = tmp_path / "stale_kernel.py"
    module.write_text(MODULE.format(name="Pair"))
    first = _run(tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "5.0"
    indexes = list((tmp_path / "__pycache__").glob("stale_kernel.total-*.nbi"))
    assert indexes, "the first run wrote no cache index"
    assert b"Pair" in indexes[0].read_bytes()  # the index names the class, so renaming it makes it stale

    module.write_text(MODULE.format(name="Couple"))
    second = _run(tmp_path)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "5.0"
    assert not any(b"Pair" in index.read_bytes() for index in (tmp_path / "__pycache__").glob("*.nbi"))


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
from stalepkg.helpers import scale


@jit
def total(a: np.ndarray) -> float:
    return scale(a.sum())


value = total(np.ones(2))
print(value, sum(total.stats.cache_hits.values()))
"""


def _run_package(folder: Path) -> tuple[str, str]:
    """``stalepkg.kernels`` in a child process: the answer and how many of its loads hit the cache."""
    done = _run(folder, "import stalepkg.kernels")
    assert done.returncode == 0, done.stderr
    value, hits = done.stdout.split()
    return value, hits


def _package(folder: Path, factor: float) -> None:
    package = folder / "stalepkg"
    package.mkdir(exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "helpers.py").write_text(HELPERS.format(factor=factor))
    (package / "kernels.py").write_text(KERNELS)


def test_change_to_a_compiled_callee_in_another_module_recompiles_the_caller(tmp_path: Path) -> None:
    """A cached kernel is compiled again when a module it imports changes (its callee's constant here)."""
    _package(tmp_path, 2.0)
    assert _run_package(tmp_path) == ("4.0", "0")
    assert _run_package(tmp_path) == ("4.0", "1")  # unchanged sources: loaded from the cache
    _package(tmp_path, 3.0)
    assert _run_package(tmp_path) == ("6.0", "0")


def test_change_to_a_module_not_imported_keeps_the_cache(tmp_path: Path) -> None:
    """An edit to a module the kernel's module does not import leaves its cache entry in use."""
    _package(tmp_path, 2.0)
    assert _run_package(tmp_path) == ("4.0", "0")
    (tmp_path / "stalepkg" / "other.py").write_text("FACTOR = 5.0\n")
    (tmp_path / "stalepkg" / "__init__.py").write_text('"""Changed."""\n')
    assert _run_package(tmp_path) == ("4.0", "1")


SHARED = """
import numpy as np

from drillsim.core.compiled import jit


@jit
def doubled(a: np.ndarray) -> np.ndarray:
    return a * 2.0
"""

WAITER = """
import numpy as np

import shared_kernel

print("compiling", flush=True)
shared_kernel.doubled(np.ones(3))
stats = shared_kernel.doubled.stats
print(sum(stats.cache_hits.values()), sum(stats.cache_misses.values()))
"""


def test_a_process_waits_for_another_compiling_the_function_and_loads_its_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While one process compiles a function, another needing it waits, then loads it: compiled once."""
    (tmp_path / "shared_kernel.py").write_text(SHARED)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "shared_kernel", raising=False)
    shared = importlib.import_module("shared_kernel")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    env.pop("NUMBA_DISABLE_JIT", None)
    with compile_lock(shared.doubled):  # this process is the first to compile it
        waiter = subprocess.Popen(
            [sys.executable, "-c", WAITER], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert waiter.stdout is not None
        assert waiter.stdout.readline().strip() == "compiling"
        assert shared.doubled(np.ones(2)).tolist() == [2.0, 2.0]  # compiled and saved under the lock held
        assert waiter.poll() is None  # the other process is waiting for the lock
    out, err = waiter.communicate(timeout=300)
    assert waiter.returncode == 0, err
    assert out.split() == ["1", "0"]  # one load from the cache, no compilation of its own
    assert sum(shared.doubled.stats.cache_misses.values()) == 1
