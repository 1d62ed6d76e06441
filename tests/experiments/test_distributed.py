"""Distributed execution: a real local Dask cluster, killed mid-run, resumed; rows equal the process pool's.

The experiment runs as ``python -m drillsim experiment ... --dask-local 2`` (a ``distributed.LocalCluster``
of two worker processes) in its own process group; once some chunks are on disk the whole group is killed
with SIGKILL, as a crash or power cut would. ``--resume`` then runs the rest.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pytest

from drillsim.experiments.experiment import query_results, run_experiment

Write = Callable[..., Path]
Rows = Callable[[Path], pa.Table]
Pairs = Callable[[pa.Table], list[tuple[int, int]]]

pytestmark = pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX process groups")


def drillsim_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "drillsim", *args]


def kill_after_chunks(command: list[str], parts: Path, chunks: int) -> None:
    """Start ``command`` in a new process group and SIGKILL the group once ``chunks`` part files exist."""
    process = subprocess.Popen(
        command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    try:
        while len(list(parts.glob("point-*.parquet"))) < chunks:
            if process.poll() is not None:
                err = process.stderr.read().decode() if process.stderr else ""
                pytest.fail(f"the run ended (code {process.returncode}) before it could be killed: {err}")
            assert time.monotonic() < deadline, "no chunk finished within two minutes"
            time.sleep(0.01)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        if process.stderr:
            process.stderr.close()


@pytest.fixture(scope="module")
def interrupted_and_resumed(
    tmp_path_factory: pytest.TempPathFactory, small_experiment: str
) -> dict[str, object]:
    """Run on Dask, kill the run after 2 chunks, note what was on disk, then resume on Dask."""
    base = tmp_path_factory.mktemp("dask")
    path = base / "experiment.yaml"
    path.write_text(small_experiment, encoding="utf-8")
    store = base / "store"
    kill_after_chunks(
        drillsim_command("experiment", str(path), "--dask-local", "2", "--out", str(store)),
        store / "parts",
        2,
    )
    before = {p.name: p.stat().st_mtime_ns for p in (store / "parts").glob("point-*.parquet")}
    resumed = subprocess.run(
        drillsim_command("experiment", str(path), "--resume", "--dask-local", "2", "--out", str(store)),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return {"path": path, "store": store, "before": before, "resumed": resumed}


def test_kill_left_a_partial_store(interrupted_and_resumed: dict[str, object]) -> None:
    """The kill came mid-run: some design points had finished, not all 17."""
    before = interrupted_and_resumed["before"]
    assert isinstance(before, dict)
    assert 2 <= len(before) < 17


def test_resume_succeeds(interrupted_and_resumed: dict[str, object]) -> None:
    """``--resume`` on the Dask cluster exits 0 and reports the rows already done."""
    resumed = interrupted_and_resumed["resumed"]
    assert isinstance(resumed, subprocess.CompletedProcess)
    assert resumed.returncode == 0, resumed.stderr
    assert "already done" in resumed.stdout


def test_resume_recomputes_nothing_finished(interrupted_and_resumed: dict[str, object]) -> None:
    """The chunks finished before the kill are untouched and the resumed run ran only the others."""
    store = interrupted_and_resumed["store"]
    before = interrupted_and_resumed["before"]
    assert isinstance(store, Path)
    assert isinstance(before, dict)
    now = {name: (store / "parts" / name).stat().st_mtime_ns for name in before}
    assert now == before
    manifest = json.loads((store / "manifest.json").read_text(encoding="utf-8"))
    last = manifest["runs"][-1]
    assert last["pairs_already_done"] == 3 * len(before)
    assert last["pairs_run"] == 51 - 3 * len(before)


def test_one_row_per_pair_after_resume(
    interrupted_and_resumed: dict[str, object], rows_of: Rows, pairs_of: Pairs
) -> None:
    """After the resume the store has exactly one row per (design point, replication)."""
    store = interrupted_and_resumed["store"]
    assert isinstance(store, Path)
    assert pairs_of(rows_of(store)) == [(d, k) for d in range(17) for k in range(3)]


def test_dask_rows_equal_process_pool_rows(
    interrupted_and_resumed: dict[str, object], tmp_path: Path, rows_of: Rows
) -> None:
    """The interrupted-and-resumed Dask run gives the same rows, value for value, as one pool run."""
    path = interrupted_and_resumed["path"]
    store = interrupted_and_resumed["store"]
    assert isinstance(path, Path)
    assert isinstance(store, Path)
    pool_store = run_experiment(path, executor=2, store=tmp_path / "pool")
    assert rows_of(store).equals(rows_of(pool_store))


def test_query_after_resume(interrupted_and_resumed: dict[str, object]) -> None:
    """DuckDB sees all 51 rows of the resumed store, no pair twice."""
    store = interrupted_and_resumed["store"]
    assert isinstance(store, Path)
    table = query_results(
        store, "SELECT count(*) AS n, count(DISTINCT (point, replication)) AS pairs FROM results"
    )
    assert table.to_pylist() == [{"n": 51, "pairs": 51}]
