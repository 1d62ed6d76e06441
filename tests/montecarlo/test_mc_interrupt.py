"""A killed ``drillsim mc`` leaves no workers behind and a directory that ``--resume`` finishes.

The command runs in a subprocess in a process group of its own; once it has written a batch, its main
process is killed with SIGKILL. Its pool workers must be gone within 5 s (they die with their parent),
``report`` must refuse the directory as incomplete, and ``mc --resume DIR`` must give the rows of an
uninterrupted run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from drillsim.experiments.montecarlo import monte_carlo

Cli = Callable[..., Any]
N, BATCH, SEED = 40, 4, 7


def children(pid: int) -> list[int]:
    """The child processes of ``pid`` (from /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text(encoding="ascii")
        found += [int(x) for x in text.split()]
    return found


def is_alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_for(predicate: Callable[[], bool], timeout_s: float) -> bool:
    """Poll ``predicate`` every 0.1 s until it holds or the time is up."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_killed_mc_leaves_no_worker_and_resumes_to_the_same_rows(
    example: Path, tmp_path: Path, cli: Cli
) -> None:
    """SIGKILL of mc's main process: no worker alive 5 s later; --resume gives the uninterrupted rows."""
    out = tmp_path / "mc"
    args = [*("-n", str(N), "--batch", str(BATCH), "--seed", str(SEED), "--workers", "2", "--record", "1")]
    proc = subprocess.Popen(
        [sys.executable, "-m", "drillsim", "mc", str(example), *args, "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert wait_for(lambda: len(list((out / "parts").glob("rows-*.parquet"))) >= 2, 300)
        workers = children(proc.pid)
        assert workers
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        assert wait_for(lambda: not any(is_alive(w) for w in workers), 5.0), [
            w for w in workers if is_alive(w)
        ]
    finally:
        if proc.poll() is None:
            proc.kill()
    refused = cli("report", str(out))
    assert refused.code == 2
    assert "incomplete" in refused.err
    resumed = cli("mc", "--resume", str(out), "--workers", "2")
    assert resumed.code == 0, resumed.err
    whole = monte_carlo(str(example), replications=N, rng=SEED, batch=BATCH, executor=1, progress=False)
    rows = pq.read_table(out / "replications.parquet").replace_schema_metadata(None)
    assert rows.to_pylist() == whole.table.to_pylist()
    assert not (out / "parts").exists()
    assert cli("report", str(out)).code == 0


def test_ctrl_c_on_the_pool_stops_cleanly_and_resumes(example: Path, tmp_path: Path, cli: Cli) -> None:
    """SIGINT to mc's process group after two batches: one line naming --resume, no traceback, exit 130;
    no worker left; --resume gives the rows of an uninterrupted run."""
    out = tmp_path / "mc"
    args = [*("-n", str(N), "--batch", str(BATCH), "--seed", str(SEED), "--workers", "2", "--record", "1")]
    proc = subprocess.Popen(
        [sys.executable, "-m", "drillsim", "mc", str(example), *args, "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert wait_for(lambda: len(list((out / "parts").glob("rows-*.parquet"))) >= 2, 300)
        workers = children(proc.pid)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert "Traceback" not in err
    assert proc.returncode == 130, err
    assert err.splitlines() == [
        f"interrupted: the finished batches are kept in {out}; run 'drillsim mc --resume {out}' to finish "
        "the run."
    ]
    assert not any(is_alive(w) for w in workers)
    resumed = cli("mc", "--resume", str(out), "--workers", "2")
    assert resumed.code == 0, resumed.err
    whole = monte_carlo(str(example), replications=N, rng=SEED, batch=BATCH, executor=1, progress=False)
    rows = pq.read_table(out / "replications.parquet").replace_schema_metadata(None)
    assert rows.to_pylist() == whole.table.to_pylist()
