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
from drillsim.events.recorder import EventLog
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


def _fire_missions(
    scenario: Scenario, seed: int, call_at_s: float | None
) -> tuple[float, list[tuple[float, str, str]]]:
    """Defenders playing the plan, the squads calling fire at ``call_at_s`` (None: never), to 5,500 s:
    when the mortars received the agent's order (NaN: never) and every FireMissionRequested
    (time, observer, battery)."""
    env = rl.make(scenario, side="defenders", lanes=1, vector=False, decision_interval_s=300.0)
    assert isinstance(env, rl.Env)
    env.core.recorder = lambda: EventLog(sample_s=None)
    env.reset(seed=seed)
    sim = env.core.sim
    assert sim is not None
    menu = env.core.menus["defenders"]
    carry_on = np.zeros(len(menu.units), dtype=np.int64)
    call = carry_on.copy()
    call[menu.units.index("tjk/pl/sqd")] = menu.labels.index(rl.CALL_FIRE)
    while sim.time_s < 5500.0:
        calling = call_at_s is not None and call_at_s <= sim.time_s < call_at_s + 300.0
        env.step(call if calling else carry_on)
    assert isinstance(sim.recorder, EventLog)
    t = sim.recorder.table().to_pydict()
    ordered = [
        t["time_s"][i]
        for i, kind in enumerate(t["kind"])
        if kind == "OrderReceived" and t["other"][i] == rl.AGENT_PHASE and t["unit"][i] == "tjk/mortars"
    ]
    assert all(
        t["detail"][i] == "fire-support"
        for i, k in enumerate(t["kind"])
        if k == "OrderReceived" and t["other"][i] == rl.AGENT_PHASE
    )
    missions = [
        (t["time_s"][i], t["unit"][i], t["detail"][i])
        for i, kind in enumerate(t["kind"])
        if kind == "FireMissionRequested"
    ]
    return (ordered[0] if ordered else float("nan")), missions


def test_call_for_fire_puts_the_mortars_at_the_callers_service(scenario: Scenario) -> None:
    """'Call fire' from the squads reaches the mortars as a fire-support order through the command path;
    from then on they fire only on contacts the squads report, where the plan also let the drone call."""
    # Whether the drone happens to call a mission after the order in the scripted plan depends on the run
    # (at seed 3 the squads call them all), so the contrast is looked for over three seeds.
    drone_called = []
    for seed in (1, 2, 3):
        ordered, missions = _fire_missions(scenario, seed=seed, call_at_s=1200.0)
        assert ordered >= 1200.0  # received after the order's command delay, not before it was given
        after = [m for m in missions if m[0] >= ordered]
        assert after
        assert {m[2] for m in after} == {"tjk/mortars"}
        assert all(m[1].startswith("tjk/pl/sqd/") for m in after)
        never, scripted = _fire_missions(scenario, seed=seed, call_at_s=None)
        assert np.isnan(never)
        drone_called.append(any(not m[1].startswith("tjk/pl/sqd/") for m in scripted if m[0] >= ordered))
    assert any(drone_called)


def test_move_to_a_cell_heads_for_its_centre(scenario: Scenario) -> None:
    """'Move to cell C,R' is a move order to the centre of that cell of a 3 x 3 grid over the area; the
    unit receives it through the command path and closes on the centre."""
    env = rl.make(scenario, side="defenders", lanes=1, vector=False, decision_interval_s=300.0)
    assert isinstance(env, rl.Env)
    env.core.recorder = lambda: EventLog(sample_s=None)
    env.reset(seed=4)
    sim = env.core.sim
    assert sim is not None
    menu = env.core.menus["defenders"]
    unit = menu.units.index("tjk/pl/hq")
    elems = env.core.views["defenders"].unit_elems[unit]
    action = np.zeros(len(menu.units), dtype=np.int64)
    while sim.time_s < 600.0:  # the plan's only orders (at 0 s) have arrived
        env.step(action)
    b = scenario.area.bounds
    centres = {
        f"move to cell {col},{row}": (
            b.south + (row + 0.5) / 3 * (b.north - b.south),
            b.west + (col + 0.5) / 3 * (b.east - b.west),
        )
        for row in range(3)
        for col in range(3)
    }

    def distance(label: str) -> float:
        cx, cy = env.core.world.projection.to_xy(np.array([centres[label][0]]), np.array([centres[label][1]]))
        return float(np.hypot(sim.state.x[0, elems] - cx[0], sim.state.y[0, elems] - cy[0]).mean())

    label = max(centres, key=distance)  # the farthest destination, so that the move shows
    k = menu.labels.index(label)
    task = env.core.world.plan.tasks[menu.task_index[unit][k]]
    assert task.kind == "move"
    cx, cy = env.core.world.projection.to_xy(np.array([centres[label][0]]), np.array([centres[label][1]]))
    np.testing.assert_allclose(task.waypoints[:, -1], [[cx[0], cy[0]]] * len(task.elements), atol=1e-6)
    start = distance(label)
    action[unit] = k
    env.step(action)
    for _ in range(4):
        env.step(np.zeros_like(action))
    assert isinstance(sim.recorder, EventLog)
    t = sim.recorder.table().to_pydict()
    got = [
        (t["unit"][i], t["detail"][i])
        for i, kind in enumerate(t["kind"])
        if kind == "OrderReceived" and t["other"][i] == rl.AGENT_PHASE
    ]
    assert got == [("tjk/pl/hq", "move")] * len(elems)
    assert distance(label) < start - 500.0


def test_parallel_env_over_lanes_passes_pettingzoo_api_test(scenario: Scenario) -> None:
    """make_parallel(lanes=3) is the vectorised form: batched spaces, one flag per agent at the end."""
    env = rl.make_parallel(scenario, lanes=3, decision_interval_s=INTERVAL_S)
    parallel_api_test(env, num_cycles=20)
    obs, _ = env.reset(seed=2)
    assert {a: o.shape for a, o in obs.items()} == {
        a: (3, env.core.observation_size(a)) for a in env.possible_agents
    }
    actions = {a: env.action_space(a).sample() for a in env.possible_agents}
    _, rewards, terminated, _, _ = env.step(actions)
    assert all(np.shape(r) == (3,) for r in rewards.values())
    assert all(isinstance(t, bool) for t in terminated.values())


def test_parallel_lanes_replay_single_lane_episodes(scenario: Scenario) -> None:
    """Lane i of a vectorised parallel environment is the single-lane environment's replication i: with
    the same orders, each lane's rewards equal those of one-lane environments run on that replication."""
    lanes = rl.make_parallel(scenario, lanes=2, decision_interval_s=INTERVAL_S)
    lanes.reset(seed=9)
    steps = [{a: lanes.action_space(a).sample() for a in lanes.possible_agents} for _ in range(3)]
    got = [lanes.step(actions)[1] for actions in steps]
    for lane in range(2):
        single = rl.make_parallel(scenario, decision_interval_s=INTERVAL_S)
        single.reset(seed=9)
        for _ in range(lane):  # lane i of episode 0 is replication i: episode i of a single lane
            single.reset()
        for actions, rewards in zip(steps, got, strict=True):
            _, mine, _, _, _ = single.step({a: act[lane] for a, act in actions.items()})
            for agent in single.possible_agents:
                assert mine[agent] == rewards[agent][lane]
