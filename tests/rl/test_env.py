"""The Gymnasium and PettingZoo environments: the checkers, seeding, the order path and the picture."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from pettingzoo.test import parallel_api_test

from drillsim import rl
from drillsim.core.errors import UserError
from drillsim.engine.simulation import Simulation
from drillsim.scenario.io import load_scenario
from drillsim.scenario.models import Scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "crossing-defence.yaml"
INTERVAL_S = 900.0  # eight decisions over the example's two hours keep the tests short


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(EXAMPLE)


def _episode(
    env: rl.VectorEnv, seed: int, policy: np.random.Generator
) -> tuple[list[np.ndarray], np.ndarray]:
    observations = [env.reset(seed=seed)[0]]
    total = np.zeros(env.num_envs)
    while True:
        actions = policy.integers(0, env.single_action_space.nvec, size=env.action_space.shape)
        obs, reward, terminated, truncated, _ = env.step(actions)
        observations.append(obs)
        total += reward
        assert not truncated.any()
        if terminated.all():
            return observations, total


def test_single_lane_env_passes_gymnasium_checker(scenario: Scenario) -> None:
    env = rl.make(scenario, side="defenders", vector=False, decision_interval_s=INTERVAL_S)
    check_env(env, skip_render_check=True)


def test_parallel_env_passes_pettingzoo_api_test(scenario: Scenario) -> None:
    env = rl.make_parallel(scenario, decision_interval_s=INTERVAL_S)
    assert env.possible_agents == ["defenders", "raiders"]
    parallel_api_test(env, num_cycles=20)


def test_a_seed_reproduces_an_episode_exactly(scenario: Scenario) -> None:
    env = rl.make(scenario, side="raiders", lanes=3, decision_interval_s=INTERVAL_S)
    first, reward_a = _episode(env, 11, np.random.default_rng(0))
    again, reward_b = _episode(env, 11, np.random.default_rng(0))
    other, _ = _episode(env, 12, np.random.default_rng(0))
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(reward_a, reward_b)
    assert any(not np.array_equal(a, c) for a, c in zip(first, other, strict=True))


def test_lanes_are_distinct_replications(scenario: Scenario) -> None:
    env = rl.make(scenario, side="raiders", lanes=4, decision_interval_s=INTERVAL_S)
    _, info = env.reset(seed=5)
    np.testing.assert_array_equal(info["replication"], [0, 1, 2, 3])
    observations, _ = _episode(env, 5, np.random.default_rng(1))
    last = observations[-1]
    assert len({row.tobytes() for row in last}) > 1  # the lanes did not all play the same fight


def test_next_step_autoreset_starts_the_next_episode(scenario: Scenario) -> None:
    env = rl.make(scenario, side="raiders", lanes=2, decision_interval_s=INTERVAL_S)
    _episode(env, 5, np.random.default_rng(1))
    obs, reward, terminated, _, info = env.step(np.zeros(env.action_space.shape, dtype=np.int64))
    np.testing.assert_array_equal(reward, 0.0)
    assert not terminated.any()
    np.testing.assert_array_equal(info["replication"], [2, 3])
    assert info["time_s"][0] == 0.0
    assert obs.shape == env.observation_space.shape


def test_carrying_on_plays_the_scripted_plan(scenario: Scenario) -> None:
    """Entry 0 gives no order: the measures equal a plain run of the scenario with the same seed."""
    env = rl.make(scenario, side="defenders", lanes=3, decision_interval_s=INTERVAL_S)
    assert isinstance(env, rl.VectorEnv)
    env.reset(seed=21)
    terminated = np.zeros(3, dtype=bool)
    while not terminated.all():
        _, _, terminated, _, _ = env.step(np.zeros(env.action_space.shape, dtype=np.int64))
    sim = env.core.sim
    assert sim is not None
    played = sim.outcomes().measures
    scripted = Simulation(scenario, rng=21, replications=3).run().measures
    for name, values in scripted.items():
        np.testing.assert_array_equal(played[name], values, err_msg=name)


def test_an_order_takes_the_command_path(scenario: Scenario) -> None:
    """Withdraw-to-start reaches the squads after their nation's command delay, then they head back."""
    env = rl.make(scenario, side="defenders", lanes=1, vector=False, decision_interval_s=60.0)
    assert isinstance(env, rl.Env)
    env.reset(seed=3)
    menu = env.core.menus["defenders"]
    squads = menu.units.index("tjk/pl/sqd")
    action = np.zeros(len(menu.units), dtype=np.int64)
    sim = env.core.sim
    assert sim is not None
    elems = env.core.views["defenders"].unit_elems[squads]
    delay = float(env.core.world.forces.c2_delay_s[elems[0]])
    while sim.time_s < delay + 60.0:  # the scripted defend order has reached the squads
        env.step(action)
    scripted = sim.state.task[0, elems].copy()
    action[squads] = menu.labels.index("withdraw to start")
    env.step(action)
    ordered = sim.time_s - 60.0
    task = menu.task_index[squads][int(action[squads])]
    assert delay > 60.0  # the order is still on its way after one decision step
    assert (sim.state.pending_task[0, elems] == task).all()
    assert (sim.state.task[0, elems] == scripted).all()
    while sim.time_s < ordered + delay + 60.0:
        env.step(np.zeros_like(action))
    assert (sim.state.task[0, elems] == task).all()


def test_the_agent_sees_the_enemy_only_through_its_picture(scenario: Scenario) -> None:
    """A side whose sensors see nothing observes an empty enemy grid, though the enemy is near."""
    blind = scenario.model_copy(deep=True)
    for sensor in blind.catalogue.sensors.values():
        object.__setattr__(sensor, "rate_per_s", 0.0)
    env = rl.make(blind, side="defenders", lanes=2, decision_interval_s=INTERVAL_S)
    assert isinstance(env, rl.VectorEnv)
    seeing = rl.make(scenario, side="defenders", lanes=2, decision_interval_s=INTERVAL_S)
    assert isinstance(seeing, rl.VectorEnv)
    cells = slice(4 * len(env.core.menus["defenders"].units), -1)
    for e in (env, seeing):
        e.reset(seed=8)
    seen = 0.0
    for _ in range(4):
        zeros = np.zeros(env.action_space.shape, dtype=np.int64)
        obs_blind = env.step(zeros)[0]
        obs_seeing = seeing.step(zeros)[0]
        assert not obs_blind[:, cells].any()
        seen += float(obs_seeing[:, cells].sum())
    assert seen > 0.0


def test_bad_arguments_are_user_errors(scenario: Scenario) -> None:
    with pytest.raises(UserError, match="no side 'blue'"):
        rl.make(scenario, side="blue")
    with pytest.raises(UserError, match="lanes must be at least 1"):
        rl.make(scenario, side="raiders", lanes=0)
    with pytest.raises(UserError, match="measure 'nope'"):
        rl.make(scenario, side="raiders", reward=rl.RewardSpec(measures={"nope": 1.0}))
    env = rl.make(scenario, side="raiders", lanes=1, decision_interval_s=INTERVAL_S)
    env.reset(seed=1)
    with pytest.raises(UserError, match="must lie in"):
        env.step(np.full(env.action_space.shape, 99))
