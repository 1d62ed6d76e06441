"""The ambush look-out of the behaviour step against another tree's, call by call, in one process.

Runs a scenario with the current code; every call of ``mechanics.behaviour.step._find_ambushes`` also calls
the same function loaded from a reference source tree's ``behaviour/step.py`` (``--reference``, e.g. a
``git archive`` of the commit before a change) on the same state, alternating which goes first, timing
each with the process CPU clock and checking that both return the same contacts and sites, bit for bit.

    python -m benchmarks.ambush_ab --reference ../reference/src -n 20 --until 108000
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from drillsim import load_scenario
from drillsim.engine.simulation import Simulation
from drillsim.mechanics.behaviour import step as current

__all__ = ["compare"]


def _reference(tree: Path) -> Any:
    """The reference tree's ``behaviour/step.py`` as a module of its own (imports from the current tree)."""
    path = tree / "drillsim" / "mechanics" / "behaviour" / "step.py"
    spec = importlib.util.spec_from_file_location("reference_behaviour_step", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def compare(scenario: str, tree: Path, replications: int, seed: int, until_s: float) -> dict[str, float]:
    """CPU seconds of the current and the reference look-out over a run, and the calls made."""
    reference = _reference(tree)
    totals = {"current_s": 0.0, "reference_s": 0.0, "calls": 0.0}
    new = current._find_ambushes

    def both(ctx: Any, rows: Any, elems: Any, looking: Any) -> Any:
        first, second = (new, reference._find_ambushes)[:: 1 if totals["calls"] % 2 == 0 else -1]
        results = {}
        for function in (first, second):
            start = time.process_time()
            results[function] = function(ctx, rows, elems, looking)
            key = "current_s" if function is new else "reference_s"
            totals[key] += time.process_time() - start
        totals["calls"] += 1
        (out, where), (ref_out, ref_where) = results[new], results[reference._find_ambushes]
        assert np.array_equal(out, ref_out), "the contacts differ"
        assert np.array_equal(where, ref_where, equal_nan=True), "the sites differ"
        return out, where

    current._find_ambushes = both  # type: ignore[assignment]
    try:
        sim = Simulation(load_scenario(scenario), rng=seed, replications=replications)
        sim.run(until_s=until_s)
    finally:
        current._find_ambushes = new  # type: ignore[assignment]
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="khatlon-2015")
    parser.add_argument("--reference", type=Path, required=True, help="the reference tree's src folder")
    parser.add_argument("-n", "--replications", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--until", type=float, default=108_000.0, help="simulated seconds")
    options = parser.parse_args(argv)
    load = os.getloadavg()[0]
    t = compare(options.scenario, options.reference, options.replications, options.seed, options.until)
    ratio = t["current_s"] / t["reference_s"] if t["reference_s"] else float("nan")
    print(
        f"{int(t['calls'])} calls, the same results: current {t['current_s']:.2f} s CPU, reference "
        f"{t['reference_s']:.2f} s ({ratio:.3f}x); load average {load:.2f} -> {os.getloadavg()[0]:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
