"""Environment steps per second of the vector environment, beside a plain loop of single-lane environments.

    python -m benchmarks.rl                          # lanes 1, 64 and 256 on the crossing-defence example
    python -m benchmarks.rl --lanes 1 64 --steps 12
    python -m benchmarks.rl --lanes --parallel-lanes 256   # only the multi-agent (PettingZoo) figures

The multi-agent figures (``--parallel-lanes``, default 256) time ``rl.make_parallel(lanes=N)``, both
sides played by random agents, beside a loop of ``--loop-envs`` single-lane parallel environments.

Each configuration takes ``--steps`` decision steps (random actions, a fixed seed) after a warm-up
episode start; the figure is lane-steps per second (environment steps summed over all lanes). The loop
baseline steps ``--loop-envs`` single-lane environments one after the other, the way a user without a
batched engine would. Everything runs in one process, one configuration after another.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from drillsim import rl
from drillsim.scenario.io import load_scenario

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "crossing-defence.yaml"


def _vector_rate(lanes: int, steps: int, side: str, interval_s: float) -> float:
    env = rl.make(load_scenario(EXAMPLE), side=side, lanes=lanes, decision_interval_s=interval_s)
    policy = np.random.default_rng(0)
    env.reset(seed=1)
    env.step(np.zeros(env.action_space.shape, dtype=np.int64))  # compile and warm caches
    start = time.perf_counter()
    for _ in range(steps):
        env.step(policy.integers(0, env.single_action_space.nvec, size=env.action_space.shape))
    return lanes * steps / (time.perf_counter() - start)


def _loop_rate(envs: int, steps: int, side: str, interval_s: float) -> float:
    scenario = load_scenario(EXAMPLE)
    singles = [
        rl.make(scenario, side=side, vector=False, decision_interval_s=interval_s) for _ in range(envs)
    ]
    policy = np.random.default_rng(0)
    for i, env in enumerate(singles):
        env.reset(seed=1 + i)
        env.step(np.zeros(env.action_space.shape, dtype=np.int64))
    start = time.perf_counter()
    for _ in range(steps):
        for env in singles:
            env.step(policy.integers(0, env.action_space.nvec))
    return envs * steps / (time.perf_counter() - start)


def _parallel_rate(lanes: int, steps: int, interval_s: float) -> float:
    env = rl.make_parallel(load_scenario(EXAMPLE), lanes=lanes, decision_interval_s=interval_s)
    for agent in env.possible_agents:
        env.action_space(agent).seed(0)
    env.reset(seed=1)
    env.step({})  # compile and warm caches
    start = time.perf_counter()
    for _ in range(steps):
        env.step({a: env.action_space(a).sample() for a in env.agents})
    return lanes * steps / (time.perf_counter() - start)


def _parallel_loop_rate(envs: int, steps: int, interval_s: float) -> float:
    scenario = load_scenario(EXAMPLE)
    singles = [rl.make_parallel(scenario, decision_interval_s=interval_s) for _ in range(envs)]
    for i, env in enumerate(singles):
        for agent in env.possible_agents:
            env.action_space(agent).seed(i)
        env.reset(seed=1 + i)
        env.step({})
    start = time.perf_counter()
    for _ in range(steps):
        for env in singles:
            env.step({a: env.action_space(a).sample() for a in env.agents})
    return envs * steps / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lanes", type=int, nargs="*", default=[1, 64, 256])
    parser.add_argument("--parallel-lanes", type=int, nargs="*", default=[256])
    parser.add_argument("--steps", type=int, default=6, help="decision steps timed per configuration")
    parser.add_argument("--loop-envs", type=int, default=8, help="single-lane environments in the loop")
    parser.add_argument("--side", default="raiders")
    parser.add_argument("--interval-s", type=float, default=300.0, help="decision interval, scenario seconds")
    args = parser.parse_args(argv)
    print(f"{'configuration':<36} {'lane-steps/s':>14} {'x loop':>8}")
    if args.lanes:
        loop = _loop_rate(args.loop_envs, args.steps, args.side, args.interval_s)
        print(f"{f'loop of {args.loop_envs} single-lane envs':<36} {loop:>14.1f} {1.0:>8.1f}")
        for lanes in args.lanes:
            rate = _vector_rate(lanes, args.steps, args.side, args.interval_s)
            print(f"{f'vector env, {lanes} lanes':<36} {rate:>14.1f} {rate / loop:>8.1f}")
    if args.parallel_lanes:
        loop = _parallel_loop_rate(args.loop_envs, args.steps, args.interval_s)
        print(f"{f'loop of {args.loop_envs} single-lane parallel envs':<36} {loop:>14.1f} {1.0:>8.1f}")
        for lanes in args.parallel_lanes:
            rate = _parallel_rate(lanes, args.steps, args.interval_s)
            print(f"{f'parallel env, {lanes} lanes':<36} {rate:>14.1f} {rate / loop:>8.1f}")


if __name__ == "__main__":
    main()
