"""Learning a better plan for the raiders of the crossing-defence example with the cross-entropy method.

    python examples/rl/cross_entropy.py                       # 15 iterations of 256 lanes; writes a curve
    python examples/rl/cross_entropy.py --iterations 5 --lanes 64 --svg curve.svg

The policy is open-loop: for each decision step and each raider unit, a probability for every menu entry
(carry on with the plan, attack the nearest contact, withdraw to the start, defend a place). Each lane of
the vector environment plays one plan drawn from these probabilities, so one batched episode scores a whole
population; the best fifth (the elite) pulls the probabilities towards its own choices. The scripted plan
is the policy that always carries on. NumPy only: no learning library is needed.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from drillsim import rl

EXAMPLE = Path(__file__).resolve().parents[1] / "crossing-defence.yaml"


@dataclass
class Curve:
    """Returns per iteration: the population's mean, the elite's mean, and the scripted plan's mean."""

    population: list[float] = field(default_factory=list)
    elite: list[float] = field(default_factory=list)
    scripted: float = float("nan")
    learned: float = float("nan")
    learned_se: float = float("nan")
    scripted_se: float = float("nan")


def _play(env: rl.VectorEnv, seed: int, plans: NDArray[np.int64]) -> NDArray[np.float64]:
    """Total reward per lane of one episode in which lane i follows ``plans[i]`` (steps x units)."""
    env.reset(seed=seed)
    total = np.zeros(env.num_envs)
    for t in range(plans.shape[1]):
        _, reward, terminated, _, _ = env.step(plans[:, t, :])
        total += reward
        if terminated.all():
            break
    return total


def learn(
    *,
    lanes: int = 256,
    iterations: int = 15,
    interval_s: float = 600.0,
    elite_fraction: float = 0.2,
    smoothing: float = 0.7,
    seed: int = 2026,
) -> tuple[Curve, NDArray[np.int64]]:
    """Run the cross-entropy method; return the learning curve and the most likely plan."""
    # The menu of docs/rl.md's figures: without move-to-cell lines (the raiders have no indirect fire).
    env = rl.make(
        EXAMPLE.as_posix(), side="raiders", lanes=lanes, decision_interval_s=interval_s, move_grid=0
    )
    assert isinstance(env, rl.VectorEnv)
    steps = int(np.ceil(env.core.world.duration_s / interval_s))
    units = len(env.core.menus["raiders"].units)
    entries = env.core.menus["raiders"].size
    probs = np.full((steps, units, entries), 1.0 / entries)
    rng = np.random.default_rng(seed)
    curve = Curve()
    n_elite = max(1, round(elite_fraction * lanes))
    for it in range(iterations):
        u = rng.random((lanes, steps, units, 1))
        plans = (u > np.cumsum(probs, axis=-1)[None]).sum(axis=-1).astype(np.int64)
        plans = np.minimum(plans, entries - 1)
        returns = _play(env, seed + it, plans)
        elite = np.argsort(returns)[-n_elite:]
        curve.population.append(float(returns.mean()))
        curve.elite.append(float(returns[elite].mean()))
        freq = np.stack([(plans[elite] == a).mean(axis=0) for a in range(entries)], axis=-1)
        probs = smoothing * freq + (1.0 - smoothing) * probs
    best = probs.argmax(axis=-1)
    # Held-out replications: a seed no iteration used, the same lanes for both plans.
    held_out = seed + 10_000
    scripted = _play(env, held_out, np.zeros((lanes, steps, units), dtype=np.int64))
    learned = _play(env, held_out, np.broadcast_to(best, (lanes, steps, units)).copy())
    curve.scripted, curve.scripted_se = float(scripted.mean()), float(scripted.std(ddof=1) / np.sqrt(lanes))
    curve.learned, curve.learned_se = float(learned.mean()), float(learned.std(ddof=1) / np.sqrt(lanes))
    return curve, best


def plot(curve: Curve, path: Path) -> None:
    """Write the learning curve as SVG."""
    from drillsim.core.figures import new_figure, save_figure

    fig = new_figure(6.4, 3.6)
    ax = fig.add_subplot()
    x = np.arange(1, len(curve.population) + 1)
    ax.plot(x, curve.population, marker="o", label="population mean")
    ax.plot(x, curve.elite, marker="s", label="elite mean")
    ax.axhline(curve.scripted, color="grey", linestyle="--", label="scripted plan (held out)")
    ax.axhline(curve.learned, color="black", linestyle=":", label="learned plan (held out)")
    ax.set_xlabel("iteration (one batched episode each)")
    ax.set_ylabel("raiders' return per episode")
    ax.legend(loc="lower right", fontsize="small")
    save_figure(fig, path.with_suffix(""), ["svg"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lanes", type=int, default=256)
    parser.add_argument("--iterations", type=int, default=15)
    parser.add_argument("--svg", type=Path, default=None, help="write the learning curve here")
    args = parser.parse_args()
    curve, best = learn(lanes=args.lanes, iterations=args.iterations)
    for i, (p, e) in enumerate(zip(curve.population, curve.elite, strict=True), start=1):
        print(f"iteration {i:>2}: population {p:+.3f}  elite {e:+.3f}")
    print(
        f"held out: scripted {curve.scripted:+.3f} ± {curve.scripted_se:.3f}, "
        f"learned {curve.learned:+.3f} ± {curve.learned_se:.3f}"
    )
    print("learned plan (decision step x unit):", best.tolist())
    if args.svg:
        plot(curve, args.svg)


if __name__ == "__main__":
    main()
