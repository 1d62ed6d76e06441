"""Where a drillsim command's CPU goes, across its worker processes: a py-spy profile summarised by phase.

Record the command with py-spy (sampling every process of the tree, only samples that were on a CPU), then
summarise the raw (collapsed-stack) file:

    py-spy record -r 20 --subprocesses -f raw -o runs/mc200.txt -- drillsim mc khatlon-2015 -n 200 --seed 1
    python -m benchmarks.profile_tree runs/mc200.txt

Each sample falls in the first phase whose test its stack passes: compiling (numba compiling a kernel),
loading compiled kernels from the cache, imports, the steps of a simulation (then split by mechanic, the
call of ``Simulation.step`` it is in), the world's build, the report, the plots; anything else is "other".
Then the functions with the most samples of their own (the leaf frames). With ``-r 20``, 20 samples are a
second of CPU; a loaded machine delays sampling (py-spy says so), which thins all phases alike.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

__all__ = ["phase_of", "summarise"]

PHASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("compiling kernels", ("_compile_for_args", "compile_extra")),
    ("loading compiled kernels", ("load_overload",)),
    ("simulation steps", ("Simulation.step (",)),
    ("building the world", ("build_world (",)),
    ("report", ("write_report (",)),
    ("plots", ("DistributionPlots", "plots.py")),
    ("imports", ("_find_and_load",)),
)


def phase_of(frames: list[str]) -> str:
    """The phase a sample's stack (outermost frame first) belongs to."""
    for name, marks in PHASES:
        if any(mark in frame for frame in frames for mark in marks):
            return name
    return "other"


def _mechanic(frames: list[str]) -> str | None:
    """The call of ``Simulation.step`` a stack is in (``follow_behaviours``, ``Sensing.detect``...)."""
    for i, frame in enumerate(frames):
        if frame.startswith("Simulation.step ("):
            rest = [f for f in frames[i + 1 :] if "<lambda>" not in f]
            return rest[0].split(" (")[0] if rest else "Simulation.step"
    return None


def summarise(path: Path, top: int) -> list[str]:
    """Printable lines: samples by phase, by mechanic within the steps, and the leaf functions."""
    phases: Counter[str] = Counter()
    mechanics: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():  # a process's command line may span lines
            continue
        n = int(count)
        frames = stack.split(";")
        total += n
        phase = phase_of(frames)
        phases[phase] += n
        if phase == "simulation steps":
            mechanics[_mechanic(frames) or "?"] += n
        leaves[frames[-1]] += n
    lines = [f"{total} samples"]
    lines += [f"{100 * n / total:5.1f} %  {name}" for name, n in phases.most_common()]
    steps = phases["simulation steps"] or 1
    lines.append("simulation steps, by mechanic (share of the steps):")
    lines += [f"{100 * n / steps:5.1f} %  {name}" for name, n in mechanics.most_common(top)]
    lines.append("functions with the most samples of their own (share of all):")
    lines += [f"{100 * n / total:5.1f} %  {name}" for name, n in leaves.most_common(top)]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", type=Path, help="py-spy's raw output (-f raw)")
    parser.add_argument("--top", type=int, default=20)
    options = parser.parse_args(argv)
    print("\n".join(summarise(options.profile, options.top)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
