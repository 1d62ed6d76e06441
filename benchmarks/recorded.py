"""The recorded replications of ``drillsim mc``: process CPU of running them a few at a time or all at once.

``drillsim mc`` runs the replications it records (``--record``, 3) again with an event log after the Monte
Carlo batches, in the main process. Each step of a batch has a cost that does not depend on how many
replications it advances, so three replications in one batch cost less than a batch of two and one of one.
This times :func:`drillsim.engine.simulation.record` of the same replications with each batch size, in one
process, alternating (A B A B after a warm-up that compiles the kernels), with the process CPU clock, and
checks that every batch size gives the same measures and the same events.

    python -m benchmarks.recorded                            # default scenario, replications 0 1 2
    python -m benchmarks.recorded khatlon-2015 --replications 17 143 88 --batches 2 3 --rounds 2
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from typing import Any

import numpy as np

from drillsim import load_scenario
from drillsim.engine.simulation import record
from drillsim.world.build import build_world

__all__ = ["recorded_cpu"]


def _once(scenario: Any, world: Any, seed: int, replications: list[int], batch: int) -> tuple[float, Any]:
    """Process CPU seconds of one ``record`` and its outcomes (events read back from the spool)."""
    gc.collect()
    start = time.process_time()
    outcomes = record(scenario, rng=seed, replications=replications, batch=batch, world=world)
    cpu = time.process_time() - start
    assert outcomes.spool is not None
    events = outcomes.spool.table()
    outcomes.spool.close()
    return cpu, (outcomes.measures, events)


def recorded_cpu(
    scenario_name: str | None, seed: int, replications: list[int], batches: list[int], rounds: int
) -> dict[int, list[float]]:
    """CPU seconds of ``record`` per batch size, one entry per round; raises if the results differ."""
    scenario = load_scenario(scenario_name) if scenario_name else load_scenario("khatlon-2015")
    world = build_world(scenario)
    record(scenario, rng=seed, replications=[replications[0]], world=world).spool.close()  # type: ignore[union-attr]
    times: dict[int, list[float]] = {b: [] for b in batches}
    reference: Any = None
    for _ in range(rounds):
        for batch in batches:
            cpu, result = _once(scenario, world, seed, replications, batch)
            times[batch].append(cpu)
            if reference is None:
                reference = result
            else:
                measures, events = result
                for name, values in reference[0].items():
                    assert np.array_equal(values, measures[name], equal_nan=True), name
                same = events.to_pandas().equals(reference[1].to_pandas())  # NaN equals NaN here
                assert same, f"batch {batch}: the events differ"
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--replications", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--batches", type=int, nargs="+", default=[2, 3])
    parser.add_argument("--rounds", type=int, default=2)
    options = parser.parse_args(argv)
    load = os.getloadavg()[0]
    times = recorded_cpu(
        options.scenario, options.seed, options.replications, options.batches, options.rounds
    )
    for batch, cpu in times.items():
        print(f"batch {batch}: " + ", ".join(f"{c:.2f}" for c in cpu) + " s CPU")
    first = options.batches[0]
    for batch in options.batches[1:]:
        ratio = sum(times[batch]) / sum(times[first])
        print(f"batch {batch} / batch {first}: {ratio:.3f}x")
    print(f"identical measures and events; load average {load:.2f} -> {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
