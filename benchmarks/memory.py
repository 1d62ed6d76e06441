"""Peak memory of ``drillsim`` commands as the replication count grows.

Each command runs as a fresh process; the resident set size of the process and all its descendants (the
Monte Carlo workers) is summed every 0.1 s, and the highest sum is reported with the wall-clock time and
the load average at the start. A command whose memory is bounded shows about the same peak at every
count; one that holds every replication grows with the count.

``report`` and ``view`` read the result the ``run`` or ``mc`` before them wrote (so they need one of
those in ``--commands``). ``view`` starts the server, asks for every page and data file the viewer loads
(the replay of the first replication and the ensemble included), and is stopped when all have answered;
its peak is the server's while it built them.

    python -m benchmarks.memory                         # run, mc, report, view at n = 10, 200
    python -m benchmarks.memory --counts 10 200 1000 --commands run report view
    python -m benchmarks.memory --json runs/memory.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from http import HTTPStatus
from pathlib import Path
from typing import Any

import psutil

from benchmarks.startup import program

SAMPLE_S = 0.1
"""How often the process tree's memory is read."""


def tree_rss(process: psutil.Process) -> int:
    """Resident bytes of a process and its descendants now (0 for those that just ended)."""
    total = 0
    for one in [process, *process.children(recursive=True)]:
        try:
            total += one.memory_info().rss
        except psutil.Error:
            continue
    return total


VIEW_PATHS = ("/", "/api/meta.json", "/api/layers.json", "/api/elevation.png")
"""What the viewer loads when it opens, before the replay of the result's first replication and the
ensemble tab (``/api/ensemble.json``, asked last)."""
OPTIONAL_PATHS = ("/api/elevation.png",)
"""Paths a result may lack (a scenario without terrain has no elevation image: 404, as the viewer expects)."""


def _row(args: list[str], peak: int, start: float, load: float) -> dict[str, Any]:
    return {
        "command": " ".join(["drillsim", *args]),
        "peak_rss_mb": round(peak / 1e6, 1),
        "wall_s": round(time.perf_counter() - start, 1),
        "load_average": round(load, 2),
    }


def peak_memory(args: list[str]) -> dict[str, Any]:
    """Run ``drillsim ARGS``; its peak summed resident memory, its wall-clock time and the load average."""
    command = [*program(), *args]
    load = os.getloadavg()[0]
    start = time.perf_counter()
    peak = 0
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as child:
        watched = psutil.Process(child.pid)
        while child.poll() is None:
            peak = max(peak, tree_rss(watched))
            time.sleep(SAMPLE_S)
        error = child.stderr.read().decode() if child.stderr else ""
    if child.returncode != 0:
        raise SystemExit(f"drillsim {' '.join(args)} failed ({child.returncode}):\n{error}")
    return _row(args, peak, start, load)


def _fetch_all(base: str, paths: tuple[str, ...], done: list[str | None]) -> None:
    """Ask the server for each path in turn (the answers are read and dropped); ``done[0]`` gets the
    error, if any, and ``done[1]`` is set when all have answered."""
    try:
        for path in paths:
            try:
                with urllib.request.urlopen(base + path, timeout=900) as answer:
                    answer.read()
            except urllib.error.HTTPError as error:
                if not (error.code == HTTPStatus.NOT_FOUND and path in OPTIONAL_PATHS):
                    raise
    except OSError as error:
        done[0] = f"{path}: {error}"
    done[1] = "done"


def view_peak_memory(result_dir: Path) -> dict[str, Any]:
    """Serve ``result_dir`` with ``drillsim view``, load everything the viewer loads (the ensemble last),
    and stop the server; the server's peak resident memory meanwhile."""
    import threading

    args = ["view", str(result_dir), "--no-browser", "--port", "0"]
    first = json.loads((result_dir / "run.json").read_text(encoding="utf-8"))["replications"][0]
    replay = f"/api/replay/{int(first)}.json"  # a Monte Carlo result records chosen replications
    load = os.getloadavg()[0]
    start = time.perf_counter()
    peak = 0
    with subprocess.Popen(
        [*program(), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as child:
        watched = psutil.Process(child.pid)
        line = child.stdout.readline() if child.stdout else ""
        url = next((w for w in line.split() if w.startswith("http://")), None)
        if url is None:
            child.kill()
            raise SystemExit(f"drillsim view printed no address: {line!r}")
        done: list[str | None] = [None, None]
        fetcher = threading.Thread(
            target=_fetch_all, args=(url.rstrip("/"), (*VIEW_PATHS, replay, "/api/ensemble.json"), done)
        )
        fetcher.start()
        while done[1] is None and child.poll() is None:
            peak = max(peak, tree_rss(watched))
            time.sleep(SAMPLE_S)
        child.terminate()
        fetcher.join(timeout=5)
    if done[0] is not None:
        raise SystemExit(f"drillsim view {result_dir}: {done[0]}")
    return _row(args[:2], peak, start, load)


def _show(row: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    """Keep a measured row and print it at once (a long series shows its figures as they come)."""
    rows.append(row)
    print(
        f"{row['command']:<60} peak {row['peak_rss_mb']:>8,.1f} MB  {row['wall_s']:>7.1f} s  "
        f"load {row['load_average']:.2f}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[10, 200])
    parser.add_argument(
        "--commands",
        nargs="+",
        default=["run", "mc", "report", "view"],
        choices=["run", "mc", "report", "view"],
    )
    parser.add_argument("--scenario", default="khatlon-2015-v1")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None)
    options = parser.parse_args(argv)
    rows: list[dict[str, Any]] = []
    work = Path(tempfile.mkdtemp(prefix="drillsim-memory-"))
    try:
        runs = [c for c in options.commands if c in ("run", "mc")]
        readers = [c for c in options.commands if c in ("report", "view")]
        if readers and not runs:
            parser.error("report and view read a result: add run or mc to --commands")
        for name in runs:
            for n in options.counts:
                out = work / f"{name}-{n}"
                args = [name, options.scenario, "--seed", str(options.seed), "-n", str(n), "--out", str(out)]
                _show(peak_memory(args), rows)
                for reader in readers:
                    if reader == "report":
                        _show(peak_memory(["report", str(out)]), rows)
                    else:
                        _show(view_peak_memory(out), rows)
                shutil.rmtree(out, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if options.json is not None:
        options.json.parent.mkdir(parents=True, exist_ok=True)
        options.json.write_text(json.dumps({"python": sys.version, "rows": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
