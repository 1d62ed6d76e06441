"""Where chunks of replications run: a local process pool (default) or a Dask cluster.

Experiments (:mod:`drillsim.experiments.experiment`) and Monte Carlo (:mod:`drillsim.experiments.montecarlo`)
both run here. A *chunk* is a range of replications of one design point (a Monte Carlo run has one), or of
a few design points that differ only in their starting state, run as lanes of one batch. Each
chunk is a pure function of its inputs (the design point's scenario, the root seed, the replication
indices, the stop time), and the engine's random numbers are counter-based, so a chunk gives the same
numbers on any executor, worker count or machine. Executors hand back results as chunks finish, in
whatever order; the caller (running in the client process) puts them in order and writes them, so workers
need no access to the client's file system.

Dask is imported only when asked for (the ``dask`` extra). Workers of a Dask cluster must have the same
drillsim version (and its dependencies) installed as the client.
"""

from __future__ import annotations

import ctypes
import importlib
import logging
import os
import signal
import sys
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from drillsim.core.errors import UserError
from drillsim.scenario.io import content_hash
from drillsim.scenario.models import Scenario

if TYPE_CHECKING:
    from drillsim.world.build import World


@dataclass(frozen=True)
class ChunkTask:
    """Run replications of one design point: everything a worker needs, picklable."""

    point: int
    replications: tuple[int, ...]
    """Replication numbers within the design point (0..R-1), stored with the results."""
    stream_indices: tuple[int, ...]
    """The engine's replication indices, which pick the random numbers (see ``random_numbers``)."""
    scenario: Scenario
    seed: int
    until_s: float | None
    lanes: tuple[tuple[int, Scenario], ...] = ()
    """Further design points (number, scenario) run as lanes of the same batch, each with the same
    replications: their scenarios differ from ``scenario`` only in the inputs that set the starting state
    (:func:`~drillsim.world.lanes.lane_key`)."""


@dataclass(frozen=True)
class ChunkResult:
    """Per-replication measures of one finished chunk, in the order of ``task.replications``."""

    task: ChunkTask
    measures: dict[str, np.ndarray]
    lane_measures: tuple[dict[str, np.ndarray], ...] = ()
    """The measures of each of ``task.lanes``, in order."""


_WORLDS: OrderedDict[str, World] = OrderedDict()
"""The worlds a worker process built lately, by scenario content hash: its next chunks of the same design
point reuse them (a world is read-only during a run)."""
WORLDS_KEPT = 4


def _world(scenario: Scenario) -> World:
    key = content_hash(scenario)
    world = _WORLDS.pop(key, None)
    if world is None:
        from drillsim.world.build import build_world

        world = build_world(scenario)
    _WORLDS[key] = world
    while len(_WORLDS) > WORLDS_KEPT:
        _WORLDS.popitem(last=False)
    return world


def run_chunk(task: ChunkTask) -> ChunkResult:
    """Run one chunk in a batch (the function executors send to workers)."""
    from drillsim.engine.simulation import Simulation

    world = _world(task.scenario)
    if not task.lanes:
        sim = Simulation(task.scenario, rng=task.seed, replications=list(task.stream_indices), world=world)
        outcomes = sim.run(until_s=task.until_s)
        return ChunkResult(task, {k: np.asarray(v, dtype=np.float64) for k, v in outcomes.measures.items()})
    from drillsim.world.build import build_world

    worlds = [world, *(build_world(scenario) for _, scenario in task.lanes)]
    r = len(task.stream_indices)
    sim = Simulation(
        task.scenario,
        rng=task.seed,
        replications=list(task.stream_indices) * len(worlds),
        world=world,
        starts=[w for w in worlds for _ in range(r)],
    )
    outcomes = sim.run(until_s=task.until_s)
    parts = [
        {k: np.asarray(v[i * r : (i + 1) * r], dtype=np.float64) for k, v in outcomes.measures.items()}
        for i in range(len(worlds))
    ]
    return ChunkResult(task, parts[0], tuple(parts[1:]))


class Executor(Protocol):
    """Runs chunks and yields their results as they finish."""

    description: str

    @property
    def slots(self) -> int:
        """How many chunks it runs at the same time (worker processes or threads)."""
        ...

    def run(self, tasks: Iterable[ChunkTask]) -> Iterator[ChunkResult]:
        """Run ``tasks`` (taken from the iterable only as slots free up) and yield results as they finish."""
        ...

    def close(self) -> None: ...


_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Worker initializer: the worker is killed when its parent dies (Linux), and leaves Ctrl-C to it.

    Without this a worker whose parent was killed (SIGKILL, out of memory) lives on, blocked writing its
    result to a pipe nobody reads. ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` asks the kernel to kill it when the
    parent goes; if the parent is already gone (it died before this call), the worker exits at once.
    Ctrl-C reaches every process of the terminal's group: workers ignore it, and the parent stops them.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no prctl in this libc
            pass
    if os.getppid() != parent:
        os._exit(1)


@contextmanager
def _interrupts_ignored() -> Iterator[None]:
    """Ignore Ctrl-C (SIGINT) for the duration of a ``with`` block, in the main thread.

    Processes started meanwhile inherit the ignored signal (Dask's worker processes: Ctrl-C reaches every
    process of the terminal's group, and the client stops them); cleaning up after a first Ctrl-C is not
    cut short by a second one. Elsewhere than the main thread this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def _quiet_dask() -> Iterator[None]:
    """Silence the ``distributed`` loggers of this process for a ``with`` block (closing after Ctrl-C)."""
    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


class ProcessPool:
    """A ``concurrent.futures.ProcessPoolExecutor`` on this machine; ``workers`` defaults to the CPU count.

    At most ``2 * workers`` chunks are in flight at once, so an interruption loses little work. Workers
    die with the process that started them (see :func:`die_with_parent`); :meth:`close` after an error or
    an interruption kills them instead of waiting for their chunks.
    """

    def __init__(self, workers: int | None = None) -> None:
        if workers is not None and workers < 1:
            raise UserError(f"option '--workers': needs at least 1 worker, got {workers}.")
        self.workers = workers or os.cpu_count() or 1
        self.description = f"process pool, {self.workers} worker(s)"
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers, initializer=die_with_parent, initargs=(os.getpid(),)
        )

    @property
    def slots(self) -> int:
        return self.workers

    def run(self, tasks: Iterable[ChunkTask]) -> Iterator[ChunkResult]:
        pending = iter(tasks)
        running: set[Future[ChunkResult]] = set()
        while True:
            while len(running) < 2 * self.workers and (task := next(pending, None)) is not None:
                running.add(self._pool.submit(run_chunk, task))
            if not running:
                return
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: f.result().task.point):
                yield future.result()

    def close(self) -> None:
        if sys.exc_info()[0] is None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            return
        # Leaving on an error or Ctrl-C: chunks still running are lost anyway, so stop their workers now.
        # The pool is shut down only once its workers are dead: its manager thread then sees them gone and
        # ends, and nothing is left for the interpreter's exit to wake (that would fail on a closed pipe).
        with _interrupts_ignored():
            processes = list((getattr(self._pool, "_processes", None) or {}).values())
            for process in processes:
                if process.is_alive():
                    process.kill()
            for process in processes:
                process.join(timeout=5)
            self._pool.shutdown(wait=True, cancel_futures=True)


class DaskCluster:
    """A Dask ``distributed`` cluster: an existing one at ``address``, or a LocalCluster of ``local_workers``.

    Tasks are submitted in batches of a few per worker thread and gathered as they complete.
    """

    def __init__(self, *, address: str | None = None, local_workers: int | None = None) -> None:
        try:
            dask: Any = importlib.import_module("distributed")  # untyped; imported only when asked for
        except ImportError:  # pragma: no cover - the dask extra is missing
            raise UserError("running on Dask needs dask.distributed: pip install 'drillsim[dask]'.") from None
        self._dask = dask
        self._cluster: Any = None
        self._worker_pids: list[int] = []
        if address is not None:
            try:
                self._client: Any = dask.Client(address, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise UserError(
                    f"option '--scheduler': cannot reach the Dask scheduler at {address}: {exc}"
                ) from None
            self.description = f"Dask cluster at {address}"
        else:
            n = local_workers or 1
            if n < 1:
                raise UserError(f"option '--dask-local': needs at least 1 worker, got {n}.")
            with _interrupts_ignored():  # the worker processes are spawned ignoring Ctrl-C (see close)
                self._cluster = dask.LocalCluster(
                    n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
                )
                self._client = dask.Client(self._cluster)
                self._worker_pids = [int(pid) for pid in self._client.run(os.getpid).values()]
            self.description = f"Dask LocalCluster, {n} worker(s)"

    def _threads(self) -> int:
        info = self._client.scheduler_info()
        return max(1, sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values()))

    @property
    def slots(self) -> int:
        return self._threads()

    def run(self, tasks: Iterable[ChunkTask]) -> Iterator[ChunkResult]:
        pending = iter(tasks)
        window = 2 * self._threads()
        futures = self._dask.as_completed()
        in_flight = 0
        while in_flight < window and (task := next(pending, None)) is not None:
            futures.add(self._client.submit(run_chunk, task, pure=False))
            in_flight += 1
        if not in_flight:
            return
        for future in futures:
            result: ChunkResult = future.result()
            future.release()
            if (task := next(pending, None)) is not None:
                futures.add(self._client.submit(run_chunk, task, pure=False))
            yield result

    def close(self) -> None:
        if sys.exc_info()[0] is None:
            self._client.close()
            if self._cluster is not None:
                self._cluster.close()
            return
        # Leaving on an error or Ctrl-C: the local workers' chunks are lost anyway; kill them, so that they
        # do not log the cancellation of their tasks, and close quietly (the client says what happened).
        with _interrupts_ignored(), _quiet_dask():
            for pid in self._worker_pids:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self._client.close(timeout=10)
            if self._cluster is not None:
                self._cluster.close(timeout=10)


ExecutorLike = Executor | int | None
"""What ``executor=`` takes: an :class:`Executor`, a number of local worker processes, or None."""


@contextmanager
def executor_from(executor: ExecutorLike) -> Iterator[Executor]:
    """The executor that ``executor=`` names, for the duration of a ``with`` block.

    An :class:`Executor` (a :class:`ProcessPool`, a :class:`DaskCluster`, or any object with ``slots``,
    ``run``, ``close`` and ``description``) is used as it is and left open: the caller made it, the caller
    closes it. An int is a local process pool of that many workers, None a pool of one worker per CPU;
    those are closed when the block ends.
    """
    if executor is None or (isinstance(executor, int) and not isinstance(executor, bool)):
        pool = ProcessPool(executor)
        try:
            yield pool
        finally:
            pool.close()
    elif isinstance(executor, bool) or not all(
        hasattr(executor, name) for name in ("slots", "run", "close", "description")
    ):
        raise UserError(
            f"executor must be an Executor (ProcessPool, DaskCluster), a number of worker processes or "
            f"None; got {type(executor).__name__}"
        )
    else:
        yield executor


def make_executor(
    *, scheduler: str | None = None, dask_local: int | None = None, workers: int | None = None
) -> Executor:
    """The executor the options ask for: Dask at ``scheduler``, a Dask LocalCluster, or a process pool."""
    if scheduler is not None and dask_local is not None:
        raise UserError("options '--scheduler' and '--dask-local' exclude each other; give one.")
    if workers is not None and (scheduler is not None or dask_local is not None):
        raise UserError("option '--workers' sets the local process pool; it does not apply to Dask.")
    if scheduler is not None:
        return DaskCluster(address=scheduler)
    if dask_local is not None:
        if dask_local < 1:
            raise UserError(f"option '--dask-local': needs at least 1 worker, got {dask_local}.")
        return DaskCluster(local_workers=dask_local)
    return ProcessPool(workers)
