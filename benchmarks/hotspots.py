"""Profile drillsim with cProfile: the synthetic 1,000-unit case and an example with 1,000 replications.

    python -m benchmarks.hotspots                      # both cases, top 25 functions by own time
    python -m benchmarks.hotspots --case synthetic --steps 20 --top 40

Prints, per case, the functions with the largest own time ("tottime") and their share of the total, then
the largest cumulative times, which show which engine phase (sensing, fire, movement...) they belong to.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
from pathlib import Path

import drillsim
from benchmarks.synthetic import synthetic_scenario
from drillsim.engine.simulation import Simulation

ROOT = Path(__file__).resolve().parent.parent


def profile_synthetic(n_units: int, replications: int, steps: int) -> pstats.Stats:
    sim = Simulation(synthetic_scenario(n_units), rng=1, replications=replications)
    sim.step()  # warm-up: phase start and orders
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(steps):
        sim.step()
    prof.disable()
    return pstats.Stats(prof)


def profile_example(name: str, replications: int) -> pstats.Stats:
    scenario = drillsim.load_scenario(ROOT / "examples" / name)
    drillsim.run(scenario, rng=0, replications=2)  # warm-up (imports, compiled kernels)
    prof = cProfile.Profile()
    prof.enable()
    drillsim.run(scenario, rng=1, replications=replications)
    prof.disable()
    return pstats.Stats(prof)


def report(title: str, stats: pstats.Stats, top: int) -> None:
    total = stats.total_tt  # type: ignore[attr-defined]
    print(f"\n=== {title}: {total:.2f} s profiled ===")
    rows = []
    for (file, line, func), (_, ncalls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = file.split("/src/")[-1].split("site-packages/")[-1]
        rows.append((tottime, cumtime, ncalls, f"{where}:{line}({func})"))
    print(f"{'own s':>8} {'share':>6} {'cum s':>8} {'calls':>8}  function")
    for tottime, cumtime, ncalls, name in sorted(rows, reverse=True)[:top]:
        print(f"{tottime:8.3f} {tottime / total:6.1%} {cumtime:8.3f} {ncalls:8d}  {name}")
    print("-- by cumulative time (drillsim functions) --")
    own = [row for row in rows if row[3].startswith("drillsim/")]
    for tottime, cumtime, ncalls, name in sorted(own, key=lambda row: -row[1])[:top]:
        print(f"{tottime:8.3f} {cumtime / total:6.1%} {cumtime:8.3f} {ncalls:8d}  {name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.hotspots", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--case", choices=["synthetic", "example", "both"], default="both")
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--replications", type=int, default=1, help="synthetic batch size")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--example", default="crossing-defence.yaml")
    parser.add_argument("--example-replications", type=int, default=1000)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    if args.case in ("synthetic", "both"):
        stats = profile_synthetic(args.units, args.replications, args.steps)
        report(f"synthetic {args.units} units, R={args.replications}, {args.steps} steps", stats, args.top)
    if args.case in ("example", "both"):
        stats = profile_example(args.example, args.example_replications)
        report(f"{args.example}, {args.example_replications} replications", stats, args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
