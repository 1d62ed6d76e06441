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
error. An entry is used only while the sources it was compiled from are unchanged: numba stamps an entry
with the hash of the function's own file, so a change to a compiled helper or a constant in another module
would leave the caller's stale machine code running; here the stamp is :func:`source_stamp`, the hash of
the file and of every module it imports from its own package and from drillsim, directly or not.

A function is compiled once for all the processes that share its cache (:func:`compile_lock`): the workers
of ``drillsim mc`` on a cold cache would otherwise each compile the same kernels at the same time. The first
process to miss the cache compiles under a lock on the function's cache files; the others wait for that
lock, then load what it saved.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import os
import pickle
import re
import select
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

import numba
import numpy as np
from numba.core import event as numba_event
from numba.core import sigutils
from numba.core.caching import FunctionCache, IndexDataCacheFile
from numba.core.compiler_lock import global_compiler_lock
from numpy.typing import NDArray

IntArray = NDArray[np.int64]
F = TypeVar("F", bound=Callable[..., Any])
G = TypeVar("G", bound=tuple[Any, ...])

_STALE_CACHE_ERRORS = (AttributeError, ImportError, EOFError, pickle.UnpicklingError)
"""What unpickling a cache file written by older code raises: a class no longer found under its name
(AttributeError), a module gone (ImportError), a truncated or foreign file."""


_DRILLSIM = Path(__file__).resolve().parent.parent
"""The folder of the drillsim package, whose modules a kernel's stamp follows wherever the kernel lives."""


def _imported_names(source: str, packages: tuple[str, ...], *, init: bool) -> set[str]:
    """Every dotted name under ``packages`` that ``source`` imports (at the top, in a function or only for
    type checking), with the names it imports from them (which may be modules); in a package's
    ``__init__.py`` (``init``), also every dotted name it mentions, such as the homes of its lazily loaded
    names (``drillsim.core.exports``). More than the imports, never fewer: a name that is no module is
    dropped by :func:`_module_file`."""
    alternatives = "|".join(re.escape(p) for p in packages)
    dotted = rf"(?:{alternatives})(?:\.\w+)*"
    names: set[str] = set()
    for match in re.finditer(rf"\bfrom\s+({dotted})\s+import\s+(\([^)]*\)|[^\n]*)", source):
        base = match.group(1)
        names.add(base)
        names.update(f"{base}.{word}" for word in re.findall(r"\w+", re.sub(r"#[^\n]*", "", match.group(2))))
    for match in re.finditer(r"^\s*import\s+([^\n]*)", source, flags=re.MULTILINE):
        names.update(re.findall(rf"\b(?:{alternatives})(?:\.\w+)*", match.group(1)))
    if init:
        names.update(re.findall(rf"\b(?:{alternatives})(?:\.\w+)+", source))
    return names


def _module_file(name: str, roots: dict[str, Path]) -> Path | None:
    """The source file of module ``name`` (``a.b.c`` as ``ROOT/b/c.py`` or ``ROOT/b/c/__init__.py``, ROOT the
    folder of package ``a``), or None when it is no module there."""
    top, *rest = name.split(".")
    folder = roots[top].joinpath(*rest)
    for path in (folder.with_suffix(".py") if rest else None, folder / "__init__.py"):
        if path is not None and path.is_file():
            return path
    return None


def _package_roots(path: Path, module: str) -> dict[str, Path]:
    """The folders of drillsim and of the top-level package of ``module`` (defined in ``path``), by name."""
    parts = module.split(".")
    roots = {"drillsim": _DRILLSIM}
    if len(parts) > 1:  # a module of a package: its top folder is as many levels up as it has parents
        depth = len(parts) - 1 if path.name != "__init__.py" else len(parts)
        roots.setdefault(parts[0], path.parents[depth - 1])
    return roots


@functools.cache
def source_stamp(path: Path, module: str) -> bytes:
    """The hash of ``path`` (the source file of ``module``) and of every module it imports from drillsim and
    from its own top-level package, directly or through others: what a compiled function defined there may
    have frozen into its machine code (its compiled callees, their constants, the NamedTuple types).

    Computed once per file and process (about 35 ms for all of drillsim); a cache entry whose stamp differs
    is not used, so an edit to any of those files compiles the function again.
    """
    roots = _package_roots(path, module)
    packages = tuple(roots)
    seen = {path.resolve()}
    queue = [path.resolve()]
    digests: dict[str, bytes] = {}
    while queue:
        current = queue.pop()
        data = current.read_bytes()
        digests[str(current)] = hashlib.sha256(data).digest()
        source = data.decode("utf-8", errors="replace")
        for name in _imported_names(source, packages, init=current.name == "__init__.py"):
            found = _module_file(name, roots)
            if found is not None and (found := found.resolve()) not in seen:
                seen.add(found)
                queue.append(found)
    whole = hashlib.sha256()
    for name in sorted(digests):
        whole.update(name.encode())
        whole.update(digests[name])
    return whole.digest()


class _StampedCacheFile(IndexDataCacheFile):
    """numba's index and data files of one function, stamped with :func:`source_stamp` (computed when the
    cache is first read or written, not when the module is imported)."""

    def __init__(self, cache_path: str, filename_base: str, function: Callable[..., Any]) -> None:
        self._stamp: bytes | None = None
        super().__init__(cache_path, filename_base, None)  # type: ignore[no-untyped-call]
        self._path = Path(inspect.getfile(function))
        self._module = str(getattr(function, "__module__", None) or self._path.stem)

    @property
    def _source_stamp(self) -> bytes:
        if self._stamp is None:
            self._stamp = source_stamp(self._path, self._module)
        return self._stamp

    @_source_stamp.setter
    def _source_stamp(self, value: bytes | None) -> None:
        self._stamp = value

    def save(self, key: Any, data: Any) -> None:
        """numba's save (read the index, add the entry, write the index and the data), one process at a
        time: two processes adding signatures of one function at once (a run and its
        :func:`compile_ahead` helper) could otherwise both take the first free data file name. Its lock file
        is not :func:`compile_lock`'s: a process saves while it holds that one."""
        try:
            import fcntl
        except ImportError:  # not POSIX: no helper process either (it needs fork)
            super().save(key, data)  # type: ignore[no-untyped-call]
            return
        with open(f"{self._index_path}.save.lock", "ab") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                super().save(key, data)  # type: ignore[no-untyped-call]
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def is_filled(self) -> bool:
        """The index holds an entry stamped with the current sources."""
        return bool(self._load_index())  # type: ignore[no-untyped-call]


class _RecompilingCache(FunctionCache):
    """numba's per-function disk cache, stamped with the sources the function depends on, discarding what
    it cannot read back.

    numba unpickles a function's whole cache index before it checks that the index belongs to the current
    source, so an index naming a NamedTuple type since renamed raises AttributeError on import of every
    caller. Here such an index (or data file) is emptied, and the dispatcher compiles as on a cold cache.
    """

    def __init__(self, py_func: Callable[..., Any]) -> None:
        super().__init__(py_func)  # type: ignore[no-untyped-call]
        self.stamped_file = _StampedCacheFile(self._cache_path, self._impl.filename_base, py_func)
        self._cache_file = self.stamped_file

    def load_overload(self, sig: Any, target_context: Any) -> Any:
        try:
            return super().load_overload(sig, target_context)  # type: ignore[no-untyped-call]
        except _STALE_CACHE_ERRORS:
            # An empty index in place of the unreadable one; the compile that follows then saves afresh.
            self.flush()  # type: ignore[no-untyped-call]
            return None


def is_cached(function: Callable[..., Any]) -> bool:
    """Whether compiled ``function`` (declared with :func:`jit`) has machine code in the on-disk cache that
    its current sources may use (a fresh install or a change of the code: not)."""
    cache = getattr(function, "_cache", None)
    return isinstance(cache, _RecompilingCache) and cache.stamped_file.is_filled()


_LOCKS_HELD: dict[str, tuple[int, int]] = {}
"""The compile locks this process holds: lock file -> (open descriptor, depth). A function compiled again
within its own compilation (another signature) takes its lock once. Touched only under numba's
``global_compiler_lock``, so threads of one process never race on it."""


def _lock_path(dispatcher: Any) -> str:
    """The lock file of a compiled function: its cache index's path with ``.lock`` added."""
    cache = dispatcher._cache
    return os.path.join(str(cache._cache_path), str(cache._cache_file._index_name) + ".lock")


@contextmanager
def compile_lock(dispatcher: Any) -> Iterator[None]:
    """Hold the lock on ``dispatcher``'s cache files across processes (an exclusive ``flock``) for a
    ``with`` block; reentrant within a process. Where the lock file cannot be opened (a cache folder not
    writable, no ``fcntl``), the block runs without it: each process then compiles on its own, as numba does.

    Locks are taken in the order compiled functions call one another (a caller's, then its callees'), and
    compiled code does not call itself round a cycle, so two processes never wait for each other."""
    with global_compiler_lock:
        path = _lock_path(dispatcher)
        held = _LOCKS_HELD.get(path)
        if held is not None:
            _LOCKS_HELD[path] = (held[0], held[1] + 1)
        else:
            try:
                import fcntl

                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
            except (ImportError, OSError):
                yield
                return
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError:
                os.close(fd)
                yield
                return
            _LOCKS_HELD[path] = (fd, 1)
        try:
            yield
        finally:
            fd, depth = _LOCKS_HELD.pop(path)
            if depth > 1:
                _LOCKS_HELD[path] = (fd, depth - 1)
            else:
                os.close(fd)  # closing the descriptor releases the flock


def _compiled_once(dispatcher: Any) -> Any:
    """``dispatcher`` whose compilation of a signature it has not yet got runs under :func:`compile_lock`:
    numba's ``compile`` first tries the disk cache, so a process that waited for another finds its entry
    there and loads it instead of compiling the same function again."""
    compile_here = dispatcher.compile

    def compile_once(sig: Any) -> Any:
        args, _ = sigutils.normalize_signature(sig)  # type: ignore[no-untyped-call]
        if tuple(args) in dispatcher.overloads:
            return compile_here(sig)
        with compile_lock(dispatcher):
            return compile_here(sig)

    dispatcher.compile = compile_once
    return dispatcher


def _cached(dispatcher: Any) -> Any:
    """``dispatcher`` (compiled without numba's own cache) with the recompiling disk cache, compiled once
    across processes (:func:`_compiled_once`)."""
    dispatcher._cache = _RecompilingCache(dispatcher.py_func)
    return _compiled_once(dispatcher)


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


COMPILING_NOTICE = (
    "compiling the simulation kernels: the first run after an install or a change of the code; "
    "later runs load them from the cache"
)
"""What :func:`report_compilation` says when the first kernel of a run starts compiling."""


class _CompileClock(numba_event.Listener):
    """Counts the kernels numba compiles (not its own overloads of numpy functions compiled with them) and
    the CPU seconds spent in the outermost compilations; calls ``on_first()`` when the first starts."""

    def __init__(self, on_first: Callable[[], None]) -> None:
        self.on_first = on_first
        self.count = 0
        self.seconds = 0.0
        self.started = False
        self.depth = 0
        self.start = 0.0

    def on_start(self, event: Any) -> None:
        if not self.started:
            self.started = True
            self.on_first()
        function = getattr((event.data or {}).get("dispatcher"), "py_func", None)
        if not str(getattr(function, "__module__", "")).startswith("numba"):  # numba's own: its overloads
            self.count += 1
        if not self.depth:
            self.start = time.process_time()
        self.depth += 1

    def on_end(self, event: Any) -> None:
        self.depth -= 1
        if not self.depth:
            self.seconds += time.process_time() - self.start


@contextmanager
def report_compilation(say: Callable[[str], None]) -> Iterator[None]:
    """Say in one line (``say(line)``) when the first function is compiled in the ``with`` block, and in one
    more at its end how many were compiled and in how much CPU time; nothing when every kernel comes from
    the on-disk cache. ``drillsim run`` wraps its run in it, so that a long first run (a minute of CPU on
    two cores) says what it is doing even without a progress bar."""
    clock = _CompileClock(lambda: say(COMPILING_NOTICE))
    with numba_event.install_listener("numba:compile", clock):
        yield
    if clock.started:
        say(
            f"compiled {clock.count} kernels in {clock.seconds:.1f} s of CPU; "
            "later runs load them from the cache"
        )


class CompileAhead:
    """A forked process compiling kernels into the on-disk cache (see :func:`compile_ahead`)."""

    def __init__(self, pid: int | None, stop_writer: int | None) -> None:
        self.pid = pid
        """The helper's process id; None when none was started."""
        self._stop_writer = stop_writer

    def stop(self) -> int:
        """Tell the helper to stop after the call it is in (never in the middle of writing the cache) and
        wait for it to end; its exit code (see :meth:`wait`)."""
        if self._stop_writer is not None:
            os.close(self._stop_writer)
            self._stop_writer = None
        return self.wait()

    def wait(self) -> int:
        """Wait for the helper to end; its exit code (0: its work done or stopped; 1: it failed)."""
        if self.pid is None:
            return 0
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        return os.waitstatus_to_exitcode(status)


def compile_ahead(work: Callable[[Callable[[], bool]], None]) -> CompileAhead:
    """Run ``work(is_stopped)`` in a forked process, for the kernels it compiles on the way: numba writes
    them to the on-disk cache, from which this process loads them when it first calls them instead of
    compiling them (the first run after an install compiles for a minute of CPU; on two cores the helper
    and the run compile side by side). ``work`` should call ``is_stopped()`` between its calls and return
    when it is true (after :meth:`CompileAhead.stop`, or when this process has ended).

    The helper writes nothing but the cache (its output goes to the null device) and its results are
    thrown away; an entry it writes is stamped with the sources like any other (:func:`source_stamp`).
    Without ``fork`` (Windows), nothing is started. Fork before starting threads (a progress bar's).
    """
    if not hasattr(os, "fork"):
        return CompileAhead(None, None)
    stop_reader, stop_writer = os.pipe()
    pid = os.fork()
    if pid:
        os.close(stop_reader)
        return CompileAhead(pid, stop_writer)
    code = 1
    try:  # the helper: never returns into the caller's code
        os.close(stop_writer)
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        # Python's streams too: the parent's may be a progress bar's proxy, whose lock a thread that
        # does not exist here may have held when the process forked.
        sys.stdout = sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - until _exit
        warnings.simplefilter("ignore")

        def is_stopped() -> bool:  # the pipe readable: closed by stop() or by the end of the parent
            return bool(select.select([stop_reader], [], [], 0)[0])

        work(is_stopped)
        code = 0
    finally:
        os._exit(code)
