"""Peak memory of ``drillsim`` commands as the replication count grows.

Each command runs as a fresh process; the resident set size of the process and all its descendants (the
Monte Carlo workers) is summed every 0.1 s, and the highest sum is reported with the wall-clock time and
the load average at the start. A command whose memory is bounded shows about the same peak at every
count; one that holds every replication grows with the count.

    python -m benchmarks.memory                         # run -n 10, 200; mc -n 10, 200 (default scenario)
    python -m benchmarks.memory --counts 10 200 1000 --commands run
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
    return {
        "command": " ".join(["drillsim", *args]),
        "peak_rss_mb": round(peak / 1e6, 1),
        "wall_s": round(time.perf_counter() - start, 1),
        "load_average": round(load, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[10, 200])
    parser.add_argument("--commands", nargs="+", default=["run", "mc"], choices=["run", "mc"])
    parser.add_argument("--scenario", default="khatlon-2015-v1")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None)
    options = parser.parse_args(argv)
    rows = []
    work = Path(tempfile.mkdtemp(prefix="drillsim-memory-"))
    try:
        for name in options.commands:
            for n in options.counts:
                out = work / f"{name}-{n}"
                args = [name, options.scenario, "--seed", str(options.seed), "-n", str(n), "--out", str(out)]
                row = peak_memory(args)
                rows.append(row)
                print(
                    f"{row['command']:<60} peak {row['peak_rss_mb']:>8,.1f} MB  {row['wall_s']:>7.1f} s  "
                    f"load {row['load_average']:.2f}",
                    flush=True,
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if options.json is not None:
        options.json.parent.mkdir(parents=True, exist_ok=True)
        options.json.write_text(json.dumps({"python": sys.version, "rows": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
