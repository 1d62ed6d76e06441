"""The first ``drillsim run`` after an install: CPU time with an empty compiled-code cache, what it compiles.

Each round starts ``drillsim run SCENARIO`` as a fresh process with ``NUMBA_CACHE_DIR`` pointing at an empty
temporary folder (so the kernels are compiled, as on a fresh install, and the cache in the source tree is left
alone), then the same command again with that folder filled (the kernels loaded from it). Reported: the CPU
time (user + system, from the operating system's accounting of the child) and the wall-clock time of both,
and the difference, the cost of compiling. CPU time is the figure to trust on a shared machine.

With ``--kernels`` the cold run also records, through numba's compile events, the CPU time spent compiling
each function (exclusive of the functions it compiles in turn, so the column adds up to the whole), how
many times each was compiled (one per signature) and the part numba spent in LLVM (``llvm`` column); the
largest are printed.

    python -m benchmarks.cold_start                         # the default scenario, one round
    python -m benchmarks.cold_start khatlon-2015-v2 --kernels --json runs/cold.json
    python -m benchmarks.cold_start --kernels --without-ahead   # no helper compiling alongside the run

On a cold cache ``drillsim run`` forks a helper that compiles kernels alongside it
(``drillsim.engine.simulation.compile_steps_ahead``); the cold CPU counts the helper's (the run reaps it),
and ``own_cpu_s`` (with ``--kernels`` or ``--without-ahead``) the run's alone, what an idle two-core machine
waits for.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

__all__ = ["CompileTimes", "cold_and_warm", "kernel_times"]


class CompileTimes:
    """Listens to numba's compile events: per function, the CPU seconds spent compiling it (exclusive of
    the functions compiled meanwhile, e.g. its callees), of which in LLVM, and how many compilations."""

    def __init__(self) -> None:
        self.stack: list[list[Any]] = []  # [name, start, seconds of nested compilations]
        self.exclusive: dict[str, float] = {}
        self.llvm: dict[str, float] = {}
        self.signatures: dict[str, int] = {}
        self.callers: dict[str, set[str]] = {}
        self.llvm_start = 0.0
        self.llvm_depth = 0

    def on_compile(self, starting: bool, data: dict[str, Any] | None) -> None:
        """A function's compilation starts or ends."""
        now = time.process_time()
        if starting:
            function = getattr((data or {}).get("dispatcher"), "py_func", None)
            name = f"{getattr(function, '__module__', '?')}.{getattr(function, '__qualname__', '?')}"
            self.signatures[name] = self.signatures.get(name, 0) + 1
            if self.stack:
                self.callers.setdefault(name, set()).add(self.stack[-1][0])
            self.stack.append([name, now, 0.0])
            return
        name, start, nested = self.stack.pop()
        self.exclusive[name] = self.exclusive.get(name, 0.0) + (now - start - nested)
        if self.stack:
            self.stack[-1][2] += now - start

    def on_llvm(self, starting: bool) -> None:
        """numba takes or releases its LLVM lock (charged to the function being compiled)."""
        now = time.process_time()
        self.llvm_depth += 1 if starting else -1
        if starting and self.llvm_depth == 1:
            self.llvm_start = now
        elif not starting and self.llvm_depth == 0 and self.stack:
            name = self.stack[-1][0]
            self.llvm[name] = self.llvm.get(name, 0.0) + (now - self.llvm_start)

    def rows(self) -> list[dict[str, Any]]:
        """One row per function compiled."""
        return [
            {
                "name": k,
                "exclusive_s": v,
                "llvm_s": self.llvm.get(k, 0.0),
                "signatures": self.signatures[k],
                "callers": sorted(self.callers.get(k, ())),
            }
            for k, v in self.exclusive.items()
        ]

    def install(self) -> None:
        """Start listening (for the rest of the process)."""
        from numba.core import event

        times = self

        class Compiles(event.Listener):
            def on_start(self, e: Any) -> None:
                times.on_compile(True, e.data)

            def on_end(self, e: Any) -> None:
                times.on_compile(False, e.data)

        class Llvm(event.Listener):
            def on_start(self, e: Any) -> None:
                times.on_llvm(True)

            def on_end(self, e: Any) -> None:
                times.on_llvm(False)

        event.register("numba:compile", Compiles())
        event.register("numba:llvm_lock", Llvm())


CHILD = """
import atexit, json, resource, sys, time
from benchmarks.cold_start import CompileTimes
times = CompileTimes()
times.install()
path = sys.argv[1]
def dump():
    own = resource.getrusage(resource.RUSAGE_SELF)
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"kernels": times.rows(), "own_cpu_s": own.ru_utime + own.ru_stime}, f)
atexit.register(dump)
if sys.argv[2] == "--without-ahead":
    import drillsim.engine.simulation
    drillsim.engine.simulation.compile_steps_ahead = lambda sim: None
sys.argv = ["drillsim", *sys.argv[3:]]
from drillsim.cli import run_main
run_main()
"""
"""The child of a ``--kernels`` run (from the repository root): ``drillsim`` with :class:`CompileTimes`, its
own CPU time apart from its helper's (``own_cpu_s``); ``--without-ahead`` starts no compiling helper."""


def _run(
    args: list[str], cache: Path, code: str | None = None, dump: Path | None = None, *, ahead: bool = True
) -> dict[str, float]:
    """One ``drillsim`` process with ``NUMBA_CACHE_DIR=cache``: its CPU (with its compiling helper's) and
    wall-clock seconds."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache))
    if code is None:
        command = [sys.executable, "-c", "from drillsim.cli import run_main; run_main()", *args]
    else:
        command = [sys.executable, "-c", code, str(dump), "--ahead" if ahead else "--without-ahead", *args]
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        error = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"drillsim {' '.join(args)} failed: {error}")
    return {"cpu_s": usage.ru_utime + usage.ru_stime, "wall_s": wall}


def cold_and_warm(scenario: str | None, seed: int, kernels: bool, *, ahead: bool = True) -> dict[str, Any]:
    """One round: ``drillsim run`` with an empty cache, then again with the cache the first filled. With
    ``kernels`` or without ``ahead`` (no compiling helper), the cold run also reports its own CPU time
    (``own_cpu_s``, without its helper's: on an idle machine the helper has the other core)."""
    with tempfile.TemporaryDirectory() as folder:
        cache = Path(folder) / "numba-cache"
        args = ["run", *([scenario] if scenario else []), "--seed", str(seed)]
        args += ["--out", str(Path(folder) / "run"), "--force"]
        dump = Path(folder) / "kernels.json"
        cold = _run(args, cache, CHILD if kernels or not ahead else None, dump, ahead=ahead)
        warm = _run(args, cache)
        row: dict[str, Any] = {"cold": cold, "warm": warm, "compile_cpu_s": cold["cpu_s"] - warm["cpu_s"]}
        if kernels or not ahead:
            recorded = json.loads(dump.read_text(encoding="utf-8"))
            cold["own_cpu_s"] = recorded["own_cpu_s"]
            if kernels:
                row["kernels"] = recorded["kernels"]
    return row


def kernel_times(rows: list[dict[str, Any]], top: int) -> list[str]:
    """The ``top`` functions that took longest to compile, as printable lines."""
    total = sum(r["exclusive_s"] for r in rows)
    lines = [f"compiling: {total:.1f} s CPU in {sum(r['signatures'] for r in rows)} compilations"]
    lines.append(f"{'exclusive s':>11} {'llvm s':>7} {'sigs':>4}  function")
    for r in sorted(rows, key=lambda r: -r["exclusive_s"])[:top]:
        lines.append(f"{r['exclusive_s']:11.2f} {r['llvm_s']:7.2f} {r['signatures']:4d}  {r['name']}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=None, help="scenario (default: drillsim's default)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--kernels", action="store_true", help="record each function's compile time")
    parser.add_argument("--top", type=int, default=25, help="functions listed with --kernels")
    parser.add_argument(
        "--without-ahead", action="store_true", help="the cold run starts no helper compiling alongside"
    )
    parser.add_argument("--json", type=Path, default=None, help="write the measurements to this file")
    options = parser.parse_args(argv)
    load_start = os.getloadavg()
    rounds = [
        cold_and_warm(options.scenario, options.seed, options.kernels, ahead=not options.without_ahead)
        for _ in range(options.rounds)
    ]
    for k, row in enumerate(rounds):
        cold, warm = row["cold"], row["warm"]
        own = f", {cold['own_cpu_s']:.1f} s of it its own" if "own_cpu_s" in cold else ""
        print(
            f"round {k + 1}: cold {cold['cpu_s']:.1f} s CPU{own} ({cold['wall_s']:.1f} s wall), "
            f"warm {warm['cpu_s']:.1f} s CPU ({warm['wall_s']:.1f} s wall), "
            f"compiling {row['compile_cpu_s']:.1f} s CPU"
        )
        if "kernels" in row:
            print("\n".join(kernel_times(row["kernels"], options.top)))
    load = os.getloadavg()
    print(f"load average {load_start[0]:.2f} -> {load[0]:.2f}")
    if options.json is not None:
        doc = {"scenario": options.scenario, "load_average_start": load_start, "load_average_end": load}
        options.json.parent.mkdir(parents=True, exist_ok=True)
        options.json.write_text(json.dumps({**doc, "rounds": rounds}, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
