"""Where the time of one screening design point goes: process CPU of each phase, in one warm process.

    python -m benchmarks.screen_point              # default scenario, points 1 and 2 of the default design
    python -m benchmarks.screen_point khatlon-2015-v1 --points 1 2 3 --seed 1 --json screen-point.json

Builds the default Morris design of ``drillsim screen`` (grouping ``kind``, 10 trajectories, +-25 %, the
seed's design), runs point 0 first (so compiling and the first world are not counted), then each point of
``--points`` as a worker runs it: the point's scenario made and validated (``with_overrides``), its world
built, the simulation set up, stepped to the end, and its measures taken. Times are ``time.process_time``
(CPU, not wall: trustworthy on a loaded machine). The steps' share is what batching design points as lanes
or a cheaper step would cut; the rest is set-up.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

import drillsim
from drillsim.core.random import root_seed
from drillsim.engine.simulation import Simulation
from drillsim.scenario.io import with_overrides
from drillsim.study.screening import LEVELS, group_key, morris_design, screened_inputs
from drillsim.world.build import build_world

PHASES = ("scenario", "world", "setup", "steps", "measures")


def screen_point(scenario: str, points: list[int], seed: int) -> dict[str, Any]:
    """CPU seconds of each phase of each design point in ``points`` (after point 0, which warms up)."""
    base = drillsim.load_scenario(Path(scenario) if scenario.endswith((".yaml", ".yml")) else scenario)
    root = root_seed(seed)
    moved = [i for i in screened_inputs(base) if i.fixed is None]
    groups: dict[str, list[int]] = {}
    for n, i in enumerate(moved):
        groups.setdefault(group_key(i.shape, "kind"), []).append(n)
    design = morris_design(
        list(groups.values()), len(moved), levels=LEVELS, rng=np.random.default_rng([root, 0x4D4F52])
    )

    def run(point: int) -> dict[str, float]:
        values = {i.path: i.setting(float(u)) for i, u in zip(moved, design.units[point], strict=True)}
        marks = [time.process_time()]
        changed = with_overrides(base, values)
        marks.append(time.process_time())
        world = build_world(changed)
        marks.append(time.process_time())
        sim = Simulation(changed, rng=root, replications=[0], world=world)
        marks.append(time.process_time())
        while not sim.done:
            sim.step()
        marks.append(time.process_time())
        sim.outcomes()
        marks.append(time.process_time())
        return {p: b - a for p, a, b in zip(PHASES, marks[:-1], marks[1:], strict=True)} | {
            "steps_taken": float(sim.state.step)
        }

    run(0)
    out = {str(p): run(p) for p in points}
    return {
        "scenario": scenario,
        "seed": seed,
        "design_points": int(design.units.shape[0]),
        "groups": len(groups),
        "moved": len(moved),
        "load_average": list(os.getloadavg()),
        "points": out,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.screen_point", description=__doc__.splitlines()[0]
    )
    parser.add_argument("scenario", nargs="?", default="khatlon-2015")
    parser.add_argument("--points", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    args = parser.parse_args(argv)
    result = screen_point(args.scenario, args.points, args.seed)
    print(
        f"{result['scenario']}: {result['design_points']} design points ({result['groups']} groups, "
        f"{result['moved']} numbers moved), load {result['load_average'][0]:.1f}"
    )
    print(f"{'point':>5s} " + " ".join(f"{p:>9s}" for p in PHASES) + f" {'total':>9s} {'ms/step':>8s}")
    for point, t in result["points"].items():
        total = sum(t[p] for p in PHASES)
        per_step = 1000.0 * t["steps"] / max(t["steps_taken"], 1.0)
        print(f"{point:>5s} " + " ".join(f"{t[p]:9.3f}" for p in PHASES) + f" {total:9.3f} {per_step:8.2f}")
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
