"""Run the benchmark suite: drillsim on the examples and on synthetic scenarios, and the Mesa 3 reference.

    python -m benchmarks.run                 # full suite (a few minutes on 2 cores)
    python -m benchmarks.run --quick         # smoke run: small sizes, few steps
    python -m benchmarks.run --sizes 100 1000 --out runs/bench.json

Everything is measured in one process, one after the other, with ``time.perf_counter``. Per size:

- drillsim: a batch of ``R`` replications is built (setup timed apart), one warm-up step is taken
  (it also starts the phase and hands out the orders), then ``K`` steps are timed one by one; the median
  step time gives seconds per step and, divided by ``N * R``, seconds per unit-step;
- Mesa: a fresh model (one replication: Mesa runs one at a time) gets the same warm-up step and the same
  ``K`` timed steps, once with the space's own neighbour search and once with a SciPy KD-tree; the faster
  of the two is the reference for the ratio.

Examples run whole (every step of their duration) for ``R`` replications, after a warm-up run; the median
of the timed runs gives replications per second. The table is printed and written as JSON (default
``benchmarks/results/latest.json``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

import drillsim
from benchmarks.synthetic import SIZES, synthetic_scenario
from drillsim.engine.simulation import Simulation

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ("crossing-defence.yaml", "crossing-defence-night.yaml")
RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"


@dataclass(frozen=True)
class SizePlan:
    """How hard to push one synthetic size: drillsim replications and timed steps, Mesa timed steps."""

    n_units: int
    replications: int
    steps: int
    mesa_steps: int


PLANS = {
    100: SizePlan(100, 100, 20, 20),
    300: SizePlan(300, 30, 10, 10),
    1000: SizePlan(1000, 4, 5, 5),
    3000: SizePlan(3000, 1, 3, 3),
    10000: SizePlan(10000, 1, 2, 2),
}
QUICK = {100: SizePlan(100, 10, 3, 3), 300: SizePlan(300, 3, 2, 2)}


@dataclass
class StepTiming:
    """Timings of one engine on one synthetic size."""

    engine: str
    n_units: int
    replications: int
    setup_s: float
    warmup_step_s: float
    step_s: list[float] = field(default_factory=list)

    @property
    def median_step_s(self) -> float:
        return statistics.median(self.step_s)

    @property
    def per_unit_step_s(self) -> float:
        return self.median_step_s / (self.n_units * self.replications)

    def record(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(
            median_step_s=self.median_step_s,
            per_unit_step_s=self.per_unit_step_s,
            unit_steps_per_s=1.0 / self.per_unit_step_s,
            replication_steps_per_s=self.replications / self.median_step_s,
        )
        return out


def _time_steps(step: Callable[[], None], steps: int) -> tuple[float, list[float]]:
    t = time.perf_counter()
    step()
    warm = time.perf_counter() - t
    out = []
    for _ in range(steps):
        t = time.perf_counter()
        step()
        out.append(time.perf_counter() - t)
    return warm, out


def time_drillsim(scenario: drillsim.Scenario, plan: SizePlan, *, seed: int = 1) -> StepTiming:
    t = time.perf_counter()
    sim = Simulation(scenario, rng=seed, replications=plan.replications)
    setup = time.perf_counter() - t
    warm, steps = _time_steps(sim.step, plan.steps)
    return StepTiming("drillsim", plan.n_units, plan.replications, setup, warm, steps)


def time_mesa(scenario: drillsim.Scenario, plan: SizePlan, *, neighbours: str, seed: int = 1) -> StepTiming:
    from benchmarks.mesa_reference import engagement_from_scenario

    t = time.perf_counter()
    model = engagement_from_scenario(scenario, neighbours=neighbours, rng=seed)
    setup = time.perf_counter() - t
    warm, steps = _time_steps(model.step, plan.mesa_steps)
    return StepTiming(f"mesa-{neighbours}", plan.n_units, 1, setup, warm, steps)


def time_example(path: Path, replications: list[int], *, repeats: int) -> list[dict[str, Any]]:
    """Whole runs of an example: replications per second and unit-steps per second, per batch size."""
    scenario = drillsim.load_scenario(path)
    drillsim.run(scenario, rng=0, replications=10)  # warm-up
    rows = []
    for r in replications:
        times = []
        for k in range(repeats if r <= 100 else 1):
            t = time.perf_counter()
            sim = Simulation(scenario, rng=k + 1, replications=r)
            sim.run()
            times.append(time.perf_counter() - t)
        med = statistics.median(times)
        n, steps = sim.world.forces.n, sim.state.step
        rows.append(
            {
                "example": path.name,
                "n_units": n,
                "steps": steps,
                "replications": r,
                "run_s": times,
                "median_run_s": med,
                "replications_per_s": r / med,
                "unit_steps_per_s": n * steps * r / med,
                "per_unit_step_s": med / (n * steps * r),
            }
        )
        print(
            f"  {path.name:32s} R={r:5d}  {med:7.2f} s  {r / med:8.1f} rep/s  "
            f"{n * steps * r / med:10.3g} unit-steps/s",
            flush=True,
        )
    return rows


def fit_exponent(n: list[int], t: list[float]) -> float:
    """Slope of log(time per replication-step) against log(N): cost grows as N**slope."""
    if len(n) < 2:
        return float("nan")
    return float(np.polyfit(np.log(n), np.log(t), 1)[0])


def _fmt_s(x: float) -> str:
    if not math.isfinite(x):
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if x >= scale:
            return f"{x / scale:.3g} {unit}"
    return f"{x:.3g} s"


def print_table(sizes: list[dict[str, Any]], exponents: dict[str, float]) -> None:
    head = (
        f"{'N':>6} {'R':>4} {'drillsim/step':>14} {'per unit-step':>14} {'unit-steps/s':>13} "
        f"{'mesa/step':>11} {'mesa kd/step':>13} {'mesa per u-s':>13} {'ratio':>7}"
    )
    print("\nSynthetic scenarios (median step time; ratio = Mesa best / drillsim, per unit-step)")
    print(head)
    print("-" * len(head))
    for row in sizes:
        d = row["drillsim"]
        ms, mk = row.get("mesa-space"), row.get("mesa-kdtree")
        best = row.get("mesa_best_per_unit_step_s", float("nan"))
        print(
            f"{row['n_units']:>6} {d['replications']:>4} {_fmt_s(d['median_step_s']):>14} "
            f"{_fmt_s(d['per_unit_step_s']):>14} {d['unit_steps_per_s']:>13.3g} "
            f"{_fmt_s(ms['median_step_s'] if ms else math.nan):>11} "
            f"{_fmt_s(mk['median_step_s'] if mk else math.nan):>13} {_fmt_s(best):>13} "
            f"{row.get('ratio', float('nan')):>6.1f}x"
        )
    print("\nScaling: time per replication-step ~ N**k")
    for name, k in exponents.items():
        print(f"  {name:12s} k = {k:.2f}")


def environment() -> dict[str, Any]:
    """What the figures were measured on; Mesa's version only when Mesa is installed (``--no-mesa``)."""
    import importlib.metadata

    import scipy

    try:
        mesa_version: str | None = importlib.metadata.version("mesa")
    except importlib.metadata.PackageNotFoundError:
        mesa_version = None
    return {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "load_average_1m": os.getloadavg()[0],
        "drillsim": drillsim.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "mesa": mesa_version,
    }


def run_suite(
    *, sizes: list[int], quick: bool = False, mesa: bool = True, examples: bool = True
) -> dict[str, Any]:
    """Measure everything and return the results document (also what ``latest.json`` holds)."""
    start = time.perf_counter()
    plans = QUICK if quick else PLANS
    doc: dict[str, Any] = {"environment": environment(), "quick": quick, "examples": [], "synthetic": []}
    if examples:
        print("Examples (whole runs, NullRecorder)", flush=True)
        for name in EXAMPLES:
            path = ROOT / "examples" / name
            if path.exists():
                reps = [10, 100] if quick else [100, 1000]
                doc["examples"].extend(time_example(path, reps, repeats=1 if quick else 3))
    print("Synthetic scenarios", flush=True)
    for n in sizes:
        plan = plans.get(n) or SizePlan(n, 1, 2, 2)
        scenario = synthetic_scenario(n)
        row: dict[str, Any] = {"n_units": n, "plan": asdict(plan)}
        timings = [time_drillsim(scenario, plan)]
        if mesa:
            timings.append(time_mesa(scenario, plan, neighbours="space"))
            timings.append(time_mesa(scenario, plan, neighbours="kdtree"))
        for tm in timings:
            row[tm.engine] = tm.record()
            print(
                f"  N={n:6d} {tm.engine:12s} R={tm.replications:4d} setup {tm.setup_s:6.2f} s  "
                f"warm-up {tm.warmup_step_s:6.2f} s  step {_fmt_s(tm.median_step_s):>9}  "
                f"per unit-step {_fmt_s(tm.per_unit_step_s):>9}",
                flush=True,
            )
        if mesa:
            best = min(row["mesa-space"]["per_unit_step_s"], row["mesa-kdtree"]["per_unit_step_s"])
            row["mesa_best_per_unit_step_s"] = best
            row["ratio"] = best / row["drillsim"]["per_unit_step_s"]
        doc["synthetic"].append(row)
    ns = [r["n_units"] for r in doc["synthetic"]]
    exponents = {
        "drillsim": fit_exponent(
            ns, [r["drillsim"]["per_unit_step_s"] * r["n_units"] for r in doc["synthetic"]]
        )
    }
    if mesa:
        for engine in ("mesa-space", "mesa-kdtree"):
            exponents[engine] = fit_exponent(
                ns, [r[engine]["per_unit_step_s"] * r["n_units"] for r in doc["synthetic"]]
            )
    doc["scaling_exponent"] = exponents
    doc["total_s"] = time.perf_counter() - start
    doc["load_average_1m_end"] = os.getloadavg()[0]
    print_table(doc["synthetic"], exponents)
    print(f"\nTotal {doc['total_s']:.0f} s")
    return doc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=None, help="unit counts (default: all)")
    parser.add_argument("--quick", action="store_true", help="smoke run: small sizes, few steps")
    parser.add_argument("--no-mesa", action="store_true", help="skip the Mesa reference")
    parser.add_argument("--no-examples", action="store_true", help="skip the example scenarios")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"JSON output (default {RESULTS})")
    args = parser.parse_args(argv)
    sizes = args.sizes or (sorted(QUICK) if args.quick else list(SIZES))
    doc = run_suite(sizes=sizes, quick=args.quick, mesa=not args.no_mesa, examples=not args.no_examples)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, args.out)
    print(f"Written {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
