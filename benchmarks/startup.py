"""Start-up time of the ``drillsim`` command: ``--help``, ``--version``, and refusing a run too large.

The third command runs a copy of ``examples/crossing-defence.yaml`` whose raiding group has ``count:
1000000000000`` (10^12 elements); it must be refused, with the memory estimate, before the scenario models,
the engine or Numba load (target: under a second).

Each command is started ``--repeat`` times as a fresh process; the median wall-clock time and the median
CPU time (user + system, from the operating system's accounting of the child) are reported. The CPU time
is the better figure on a busy machine, where the wall-clock time also counts waiting for a core; on an
idle machine the two agree. ``--limit`` makes the run fail (exit 1) when a median wall-clock time is above
it (the target is 0.5 s).

    python -m benchmarks.startup                      # 10 starts of each command
    python -m benchmarks.startup --repeat 20 --limit 0.5
    python -m benchmarks.startup --json runs/startup.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

COMMANDS: tuple[tuple[tuple[str, ...], int], ...] = (
    (("--help",), 0),
    (("--version",), 0),
    (("run", "{huge}", "--out", "refused-run"), 2),
)
"""The arguments timed (what a new user types first, and a run refused by the pre-flight check), each
with the exit code it must end with. ``{huge}`` stands for a scenario file of 10^12 elements."""

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "crossing-defence.yaml"
HUGE_COUNT = "    count: 1000000000000\n    at: far-bank"


def huge_scenario(folder: Path) -> Path:
    """The crossing-defence example with its raiding group of 10^12 elements, written into ``folder``."""
    text = EXAMPLE.read_text(encoding="utf-8")
    original = "    count: 2\n    at: far-bank"
    if text.count(original) != 1:
        raise SystemExit(f"{EXAMPLE}: expected one '{original!r}' to enlarge")
    path = folder / "huge.yaml"
    path.write_text(text.replace(original, HUGE_COUNT), encoding="utf-8")
    return path


TARGET_S = 0.5
"""Start-up target for ``--help`` and ``--version`` on an idle machine."""


def program() -> list[str]:
    """The installed ``drillsim`` script beside this interpreter, or ``python -m drillsim``."""
    script = Path(sys.executable).with_name("drillsim")
    if script.exists():
        return [str(script)]
    found = shutil.which("drillsim")
    return [found] if found else [sys.executable, "-m", "drillsim"]


def _start(command: list[str], exit_code: int) -> None:
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    if done.returncode != exit_code:
        raise SystemExit(f"{' '.join(command)} ended with {done.returncode}, not {exit_code}: {done.stderr}")


def time_command(args: tuple[str, ...], repeat: int, exit_code: int = 0) -> dict[str, Any]:
    """Start ``drillsim ARGS`` ``repeat`` times (after one warm-up start); medians of wall and CPU time."""
    command = [*program(), *args]
    _start(command, exit_code)  # warm-up: file caches, .pyc files
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        _start(command, exit_code)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return {
        "command": " ".join(["drillsim", *args]),
        "median_wall_s": statistics.median(walls),
        "median_cpu_s": statistics.median(cpus),
        "min_wall_s": min(walls),
        "wall_s": walls,
    }


def measure(repeat: int) -> dict[str, Any]:
    """Time every command; the load average before and after tells a noisy result."""
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        huge = str(huge_scenario(Path(folder)))
        rows = [
            time_command(tuple(a.format(huge=huge) for a in args), repeat, code) for args, code in COMMANDS
        ]
    return {
        "python": sys.version.split()[0],
        "cpu_count": os.cpu_count(),
        "load_average_start": load_start,
        "load_average_end": os.getloadavg(),
        "repeat": repeat,
        "commands": rows,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10, help="starts of each command (default 10)")
    parser.add_argument("--limit", type=float, default=None, help="fail when a median wall time is above")
    parser.add_argument("--json", type=Path, default=None, help="write the measurements to this file")
    options = parser.parse_args(argv)
    doc = measure(options.repeat)
    for row in doc["commands"]:
        print(
            f"{row['command'][:40]:<40} median wall {row['median_wall_s']:.3f} s, "
            f"median CPU {row['median_cpu_s']:.3f} s, fastest {row['min_wall_s']:.3f} s"
        )
    print(f"load average {doc['load_average_start'][0]:.2f} -> {doc['load_average_end'][0]:.2f}")
    if options.json is not None:
        options.json.parent.mkdir(parents=True, exist_ok=True)
        options.json.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    if options.limit is not None and any(r["median_wall_s"] > options.limit for r in doc["commands"][:2]):
        print(f"slower than {options.limit} s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
