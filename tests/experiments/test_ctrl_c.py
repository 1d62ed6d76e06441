"""Ctrl-C during ``drillsim experiment`` on a real Dask LocalCluster and on the process pool.

The command runs in a subprocess in a process group of its own; once it has written progress (part files)
the whole group gets SIGINT, as a terminal's Ctrl-C would send it to the command and to every worker
process. The command must stop with one line on stderr, no traceback, exit code 130, and leave a store
that ``--resume`` finishes with exactly one row per (design point, replication).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pytest

Rows = Callable[[Path], pa.Table]
Pairs = Callable[[pa.Table], list[tuple[int, int]]]

INTERRUPTED = 130


def interrupt_after_progress(command: list[str], progress: Callable[[], bool]) -> tuple[int, str]:
    """Start ``command`` in a new process group, send the group SIGINT once ``progress()`` holds; returns
    the exit code and stderr. The group is killed if it has not ended 60 s after the SIGINT."""
    process = subprocess.Popen(
        command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 300
        while not progress():
            if process.poll() is not None:
                pytest.fail(f"the run ended (code {process.returncode}) before progress: {process.stderr}")
            assert time.monotonic() < deadline, "no progress within five minutes"
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    return process.returncode, err


def experiment_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "drillsim", "experiment", *args]


@pytest.mark.parametrize("where", [["--dask-local", "2"], ["--workers", "2"]], ids=["dask", "pool"])
def test_ctrl_c_stops_cleanly_and_resumes(
    where: list[str], tmp_path: Path, small_experiment: str, rows_of: Rows, pairs_of: Pairs
) -> None:
    """SIGINT to the group after two chunks: one line, no traceback, exit 130; --resume completes it."""
    path = tmp_path / "experiment.yaml"
    path.write_text(small_experiment + "batch: 1\n", encoding="utf-8")
    store = tmp_path / "store"
    code, err = interrupt_after_progress(
        experiment_command(str(path), *where, "--out", str(store)),
        lambda: len(list((store / "parts").glob("point-*.parquet"))) >= 2,
    )
    assert "Traceback" not in err
    assert "KeyboardInterrupt" not in err
    assert "CancelledError" not in err
    assert code == INTERRUPTED, err
    # The last line (before it: the progress bar's last state, and on a loaded machine perhaps Dask's
    # warnings of a slow event loop, which are not about the interruption).
    assert err.splitlines()[-1] == (
        f"interrupted: the finished replications are kept in {store}; run the same command with --resume "
        "to finish the experiment."
    )
    finished = pairs_of(rows_of(store))
    assert 2 <= len(finished) < 51
    assert not list(store.rglob("*.tmp"))
    resumed = subprocess.run(
        experiment_command(str(path), "--resume", *where, "--out", str(store)),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert pairs_of(rows_of(store)) == [(d, k) for d in range(17) for k in range(3)]
