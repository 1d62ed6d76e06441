"""What each mechanic costs per step: process CPU time of every call of ``Simulation.step``, apart.

    python -m benchmarks.step_cost                                   # default scenario, 20 replications
    python -m benchmarks.step_cost examples/crossing-defence.yaml -n 100
    python -m benchmarks.step_cost khatlon-2015-v1 -n 250 --until 21600 --json step-cost.json
    python -m benchmarks.step_cost khatlon-2015 -n 250 --pass sensing/ --pass movement/move

Runs the scenario once with one replication first (so compiling is not counted), then the measured run.
Each call in :attr:`Simulation.mechanics` is timed with ``time.process_time`` (CPU, not wall: trustworthy
on a loaded machine); the table gives milliseconds per step and the share of the step, largest first.
``--pass NAME`` (repeatable; a name ending in ``/`` takes every pass of that package) times only the
named passes and lists only them, the others running untimed.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import drillsim
from drillsim.engine.simulation import Simulation
from drillsim.state.context import StepContext


def _timed(call: Callable[[StepContext], None], total: np.ndarray, i: int) -> Callable[[StepContext], None]:
    def run(ctx: StepContext) -> None:
        t = time.process_time()
        call(ctx)
        total[i] += time.process_time() - t

    return run


def chosen(names: list[str], wanted: list[str] | None) -> list[bool]:
    """Which of the passes ``names`` to time: all without ``wanted``; else those named, or of a package
    named with a trailing ``/``. A name matching no pass is an error that lists the passes."""
    if not wanted:
        return [True] * len(names)
    for w in wanted:
        if not any(n == w or (w.endswith("/") and n.startswith(w)) for n in names):
            raise SystemExit(f"step_cost: no pass {w!r}; the passes are: {', '.join(names)}")
    return [any(n == w or (w.endswith("/") and n.startswith(w)) for w in wanted) for n in names]


def step_cost(
    scenario: str, replications: int, seed: int, until_s: float | None, passes: list[str] | None = None
) -> dict[str, Any]:
    """Per-mechanic CPU milliseconds per step of one run (after a one-replication run that compiles); with
    ``passes``, of those passes only (:func:`chosen`)."""
    sc = drillsim.load_scenario(Path(scenario) if scenario.endswith((".yaml", ".yml")) else scenario)
    sim = Simulation(sc, rng=seed, replications=replications)
    timed = chosen([name for name, _ in sim.mechanics], passes)
    Simulation(sc, rng=seed, replications=1).run(until_s=until_s)  # compiles every kernel the run needs
    total = np.zeros(len(sim.mechanics))
    sim.mechanics = [
        (name, _timed(call, total, i) if timed[i] else call) for i, (name, call) in enumerate(sim.mechanics)
    ]
    names = [name for name, _ in sim.mechanics]
    end = sim.world.duration_s if until_s is None else min(until_s, sim.world.duration_s)
    cpu = time.process_time()
    steps = 0
    while sim.time_s < end - 1e-9:
        sim.step()
        steps += 1
    cpu = time.process_time() - cpu
    steps = max(steps, 1)
    return {
        "scenario": scenario,
        "replications": replications,
        "seed": seed,
        "steps": steps,
        "cpu_s": cpu,
        "ms_per_step": 1000.0 * cpu / steps,
        "load_average": list(os.getloadavg()),
        "mechanics": {
            name: 1000.0 * float(t) / steps for name, t, on in zip(names, total, timed, strict=True) if on
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.step_cost", description=__doc__.splitlines()[0]
    )
    parser.add_argument("scenario", nargs="?", default="khatlon-2015-v1")
    parser.add_argument("-n", "--replications", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--until", type=float, default=None, help="stop after this many simulated seconds")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    parser.add_argument(
        "--pass",
        dest="passes",
        action="append",
        default=None,
        metavar="NAME",
        help="time only this pass (repeatable; 'package/' for all of a package's passes)",
    )
    args = parser.parse_args(argv)
    result = step_cost(args.scenario, args.replications, args.seed, args.until, args.passes)
    print(
        f"{result['scenario']}, {args.replications} replications, {result['steps']} steps: "
        f"{result['cpu_s']:.2f} s CPU, {result['ms_per_step']:.2f} ms a step "
        f"(load {result['load_average'][0]:.1f})"
    )
    step = result["ms_per_step"]
    for name, ms in sorted(result["mechanics"].items(), key=lambda kv: -kv[1]):
        print(f"  {name:34s} {ms:8.3f} ms  {ms / step:6.1%}")
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
