"""The one way drillsim compiles code: numba's ``njit``, cached on disk, without the GIL, serial.

Serial on purpose: Monte Carlo and experiments parallelise over worker processes (forked pools, Dask), and
numba's thread pool is not safe to fork; on two cores threads also gained little over processes.

:func:`jit` keeps the decorated function's type for mypy (numba ships no type information), so call sites are
checked as if the function were plain Python. :func:`jit_inline` is for small helpers called once per
shooter or side (inlined, so the many arrays they take cost no call); :func:`jit_without_refcounts` for the
few tiny functions called millions of times whose array arguments need no reference counting.
:func:`run_per_row` is how the per-row kernels of the mechanics are called; :func:`plain` is how a kernel
called every step from Python takes its groups of arrays. Inside a compiled loop, take a group's arrays
out of it once, before the loop: a compiled helper called per pair with groups of arrays costs about
150 ns a call (the behaviour's assessment spent 11 of its 18 ms on a 240-replication state in such calls
of a two-line test). :func:`watch_compilation` tells a caller when a kernel is being compiled (not loaded
from the cache), so that long first runs can say what they are doing.

Every compiled function keeps its machine code in numba's on-disk cache, through :class:`_RecompilingCache`:
an entry that cannot be read back (its index names a NamedTuple that was renamed or moved since, or the
file is truncated) is discarded and the function compiled again, instead of failing with the unpickling
error.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

import numba
import numpy as np
from numba.core import event as numba_event
from numba.core.caching import FunctionCache
from numpy.typing import NDArray

IntArray = NDArray[np.int64]
F = TypeVar("F", bound=Callable[..., Any])
G = TypeVar("G", bound=tuple[Any, ...])

_STALE_CACHE_ERRORS = (AttributeError, ImportError, EOFError, pickle.UnpicklingError)
"""What unpickling a cache file written by older code raises: a class no longer found under its name
(AttributeError), a module gone (ImportError), a truncated or foreign file."""


class _RecompilingCache(FunctionCache):
    """numba's per-function disk cache, discarding what it cannot read back.

    numba unpickles a function's whole cache index before it checks that the index belongs to the current
    source, so an index naming a NamedTuple type since renamed raises AttributeError on import of every
    caller. Here such an index (or data file) is emptied, and the dispatcher compiles as on a cold cache.
    """

    def load_overload(self, sig: Any, target_context: Any) -> Any:
        try:
            return super().load_overload(sig, target_context)  # type: ignore[no-untyped-call]
        except _STALE_CACHE_ERRORS:
            # An empty index in place of the unreadable one; the compile that follows then saves afresh.
            self.flush()  # type: ignore[no-untyped-call]
            return None


def _cached(dispatcher: Any) -> Any:
    """``dispatcher`` (compiled without numba's own cache) with the recompiling disk cache."""
    dispatcher._cache = _RecompilingCache(dispatcher.py_func)  # type: ignore[no-untyped-call]
    return dispatcher


def jit(function: F) -> F:
    """Compile ``function`` (nopython, cached, nogil, serial)."""
    return cast(F, _cached(numba.njit(nogil=True)(function)))


def jit_inline(function: F) -> F:
    """Compile ``function`` to be inlined into its compiled callers."""
    return cast(F, _cached(numba.njit(nogil=True, inline="always")(function)))


def ufunc(signatures: list[str]) -> Callable[[Callable[..., float]], Any]:
    """Compile a scalar function into a numpy ufunc for the given signatures, callable from compiled code.

    The result takes arrays as well as numbers, so its type is left open (``Any``).
    """

    def wrap(function: Callable[..., float]) -> Any:
        return numba.vectorize(signatures, cache=True)(function)  # type: ignore[no-untyped-call]

    return wrap


def jit_without_refcounts(function: F) -> F:
    """Compile ``function`` without numba's runtime (no reference counts on its arrays).

    Only for functions that allocate nothing: a call then pays no atomic reference-count updates on its
    array arguments (about 45 ns a call for river tests called once per move). ``_nrt`` is an undocumented
    numba option, which is why numba is capped below a version not yet tested (docs/dependencies.md).
    """
    compiled = numba.njit(nogil=True, _nrt=False)(function)  # type: ignore[call-overload]
    return cast(F, _cached(compiled))


def plain(group: G) -> G:
    """``group``'s fields as a plain tuple, for a call from Python into a compiled function.

    numba types a NamedTuple argument about 2 us slower per call than a plain tuple of the same arrays
    (``python -m benchmarks.dispatch``), and a step makes some twenty such calls. A kernel taking its group
    this way reads the fields by position (``a, b, c = group``) or names them again first
    (``group = Group(*group)``, free in compiled code); calls from compiled code may pass the NamedTuple.
    """
    return cast(G, tuple(group))


def run_per_row(
    kernel: Any,
    args: tuple[Any, ...],
    dtypes: tuple[Any, ...],
    rows: int,
    capacity: int,
    group: Callable[..., tuple[Any, ...]] | None = None,
) -> tuple[tuple[Any, ...], int]:
    """Call a per-row kernel with (rows, capacity) outputs, growing the capacity until every row fits
    (the kernels are deterministic, so a second call finds the same rows). Returns the found rows flattened
    in row order (row index first) and the largest count of any row, so callers can size the next call.
    With ``group`` (a NamedTuple class), the kernel takes its outputs as one argument with that class's
    fields, passed as a plain tuple (see :func:`plain`), so the kernel reads them by position."""
    capacity = max(capacity, 1)
    while True:
        outs = tuple(np.empty((rows, capacity), dtype=d) for d in dtypes)
        counts = np.zeros(rows, dtype=np.int64)
        if group is None:
            kernel(*args, *outs, counts)
        else:
            kernel(*args, outs, counts)
        most = int(counts.max()) if rows else 0
        if most <= capacity:
            total = int(counts.sum())
            row_index = np.repeat(np.arange(rows), counts)
            return (row_index, *(_compact(o, counts, total) for o in outs)), most
        capacity = most


@jit
def _compact(out: Any, counts: IntArray, total: int) -> Any:
    """The first ``counts[r]`` entries of each row of ``out``, row after row."""
    flat = np.empty(total, dtype=out.dtype)
    k = 0
    for r in range(out.shape[0]):
        for c in range(counts[r]):
            flat[k] = out[r, c]
            k += 1
    return flat


class _CompileListener(numba_event.Listener):
    """Calls ``on_compile(name)`` when numba starts compiling a function (a cache miss), outermost only."""

    def __init__(self, on_compile: Callable[[str], None]) -> None:
        self.on_compile = on_compile
        self.depth = 0

    def on_start(self, event: Any) -> None:
        self.depth += 1
        dispatcher = (event.data or {}).get("dispatcher")
        name = getattr(getattr(dispatcher, "py_func", None), "__qualname__", "a kernel")
        self.on_compile(str(name))

    def on_end(self, event: Any) -> None:
        self.depth -= 1


@contextmanager
def watch_compilation(on_compile: Callable[[str], None]) -> Iterator[None]:
    """Call ``on_compile(function_name)`` whenever a compiled function is compiled in this process during the
    ``with`` block: on the first run after an install or a change of the code, never when the kernels come
    from numba's on-disk cache (loading them broadcasts nothing)."""
    with numba_event.install_listener("numba:compile", _CompileListener(on_compile)):
        yield
