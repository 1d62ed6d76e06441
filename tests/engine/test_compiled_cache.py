"""A stale on-disk cache is recompiled, not fatal: :func:`drillsim.core.compiled.jit`.

numba unpickles a function's cache index before it checks the index against the source, so an index written
when a NamedTuple argument had another name fails with AttributeError. The test builds that situation for
real: a module whose compiled function takes a NamedTuple is run once in a child process (writing the cache
beside it), the NamedTuple is then renamed, and a second child must still get the right answer.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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


def _run(folder: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(folder))
    env.pop("NUMBA_CACHE_DIR", None)  # the cache must sit beside the module, where the test can see it
    env.pop("NUMBA_DISABLE_JIT", None)
    return subprocess.run(
        [sys.executable, "-c", "import stale_kernel"], env=env, capture_output=True, text=True, check=False
    )


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
