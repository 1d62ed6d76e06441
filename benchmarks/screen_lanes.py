"""Which screened numbers of a scenario could run as lanes of one batch, and how many batches a design needs.

    python -m benchmarks.screen_lanes                   # the default scenario, every moved number
    python -m benchmarks.screen_lanes khatlon-2015-v1 --trajectories 2 --json screen-lanes.json

For every number ``drillsim screen`` moves, the scenario is moved to the top of its range and compiled; the
compiled world is compared with the base's (``drillsim.world.lanes.lane_tables_differ``). A number is then:

- ``lane``: a lane input (``is_lane_input``): it sets only the starting state, so design points that differ
  only in such numbers run as lanes of one batch;
- ``tables``: it changes compiled tables that every row of a batch reads (these would need one copy per lane);
- ``shapes``: it changes the size of a table (the number of elements, say);
- ``no table``: no compiled table changes: the mechanics read it from the scenario itself while running
  (objectives, measures, the environment), or nothing reads it.

It also counts the batches of the default design (``kind`` groups) with ``--trajectories``. With ``--cost
N``, it times (process CPU, one warm process) N design points of the scenario that differ only in a unit's
starting posture, run one by one and as N lanes of one batch, one replication each.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np

import drillsim
from drillsim.core.random import root_seed
from drillsim.scenario.io import with_overrides
from drillsim.study.screening import LEVELS, group_key, lane_batches, morris_design, screened_inputs
from drillsim.world.build import World, build_world
from drillsim.world.lanes import is_lane_input, lane_tables_differ


def _sizes(world: World, table: str) -> tuple[int, ...]:
    obj: Any = world
    for part in table.split("."):
        obj = getattr(obj, part, None)
    return tuple(np.shape(obj)) if obj is not None else ()


def screen_lanes(scenario: str, trajectories: int, seed: int) -> dict[str, Any]:
    """Each moved number's class and the tables it reaches; the design's points and batches."""
    base = drillsim.load_scenario(Path(scenario) if scenario.endswith((".yaml", ".yml")) else scenario)
    world = build_world(base)
    moved = [i for i in screened_inputs(base) if i.fixed is None]
    classes: Counter[str] = Counter()
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    tables: Counter[str] = Counter()
    for i in moved:
        if is_lane_input(i.path):
            cls = "lane"
        else:
            other = build_world(with_overrides(base, {i.path: i.setting(1.0)}))
            changed = lane_tables_differ(world, other)
            tables.update(changed)
            if not changed:
                cls = "no table"
            elif any(_sizes(world, t) != _sizes(other, t) for t in changed):
                cls = "shapes"
            else:
                cls = "tables"
        classes[cls] += 1
        by_kind[group_key(i.shape, "kind")][cls] += 1
    groups: dict[str, list[int]] = {}
    for n, i in enumerate(moved):
        groups.setdefault(group_key(i.shape, "kind"), []).append(n)
    design = morris_design(
        list(groups.values()),
        len(moved),
        trajectories=trajectories,
        levels=LEVELS,
        rng=np.random.default_rng([root_seed(seed), 0x4D4F52]),
    )
    return {
        "scenario": base.name,
        "moved": len(moved),
        "classes": dict(classes),
        "by_kind": {k: dict(v) for k, v in sorted(by_kind.items())},
        "tables": dict(tables.most_common()),
        "points": int(design.units.shape[0]),
        "batches": len(lane_batches(moved, design)),
    }


def lane_cost(scenario: str, points: int, seed: int) -> dict[str, Any]:
    """CPU seconds of ``points`` design points (each unit in turn starting in another posture) run one by
    one, then as lanes of one batch; both after a warm-up run."""
    from drillsim.engine.simulation import Simulation

    base = drillsim.load_scenario(Path(scenario) if scenario.endswith((".yaml", ".yml")) else scenario)
    units = list(base.units)
    variants = [base]
    for k in range(points - 1):
        name = units[k % len(units)]
        posture = "hidden" if base.units[name].posture != "hidden" else "halted"
        variants.append(with_overrides(base, {f"units.{name}.posture": posture}))
    worlds = [build_world(v) for v in variants]
    Simulation(base, rng=seed, replications=[0], world=worlds[0]).run()  # compiles, warms up
    started = time.process_time()
    alone = [
        Simulation(v, rng=seed, replications=[0], world=w).run()
        for v, w in zip(variants, worlds, strict=True)
    ]
    one_by_one = time.process_time() - started
    started = time.process_time()
    sim = Simulation(base, rng=seed, replications=[0] * points, world=worlds[0], starts=worlds)
    lanes = sim.run()
    as_lanes = time.process_time() - started
    same = all(
        np.array_equal(lanes.measures[m][k : k + 1], alone[k].measures[m], equal_nan=True)
        for k in range(points)
        for m in lanes.measures
    )
    return {
        "scenario": base.name,
        "points": points,
        "one_by_one_s": one_by_one,
        "lanes_s": as_lanes,
        "same": same,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="khatlon-2015")
    parser.add_argument("--trajectories", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--cost", type=int, default=0, help="time this many points alone and as lanes")
    args = parser.parse_args()
    if args.cost:
        cost = lane_cost(args.scenario, args.cost, args.seed)
        print(
            f"{cost['scenario']}: {cost['points']} points one by one {cost['one_by_one_s']:.2f} CPU-s, "
            f"as lanes {cost['lanes_s']:.2f} CPU-s; the same measures: {cost['same']}"
        )
        return
    result = screen_lanes(args.scenario, args.trajectories, args.seed)
    print(f"{result['scenario']}: {result['moved']} moved numbers: {result['classes']}")
    for kind, counts in result["by_kind"].items():
        print(f"  {kind}: {counts}")
    print(f"tables reached (numbers each): {dict(list(result['tables'].items())[:25])}")
    print(f"design: {result['points']} points in {result['batches']} batches")
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
