"""Gymnasium environments over the batched engine: one side played by an agent, the rest by the plan.

:class:`VectorEnv` is a ``gymnasium.vector.VectorEnv`` whose sub-environments are the engine's
replications: one batched engine step serves every lane. :class:`Env` is the single-lane
``gymnasium.Env`` (the same code with one lane). Observations, actions and rewards are described in
docs/rl.md.
"""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space
from numpy.typing import NDArray

from drillsim.rl.lanes import Lanes

__all__ = ["Env", "VectorEnv"]


def _spaces(lanes: Lanes, side: str) -> tuple[spaces.Box, spaces.MultiDiscrete]:
    menu = lanes.menus[side]
    observation = spaces.Box(0.0, 1.0, shape=(lanes.observation_size(side),), dtype=np.float32)
    action = spaces.MultiDiscrete(np.full(len(menu.units), menu.size, dtype=np.int64))
    return observation, action


def _info(lanes: Lanes) -> dict[str, Any]:
    sim = lanes.sim
    assert sim is not None
    return {
        "time_s": np.full(lanes.lanes, sim.time_s),
        "replication": sim.replication_indices.copy(),
    }


class VectorEnv(gymnasium.vector.VectorEnv[NDArray[np.float32], NDArray[np.int64], NDArray[Any]]):
    """``lanes`` replications of a scenario, ``side`` played by the agent.

    All lanes end together, when the scenario's duration is reached (``terminated``; nothing is
    truncated). The next ``step`` after the end starts the next episode in every lane (next-step autoreset),
    returning its first observations with zero rewards.
    """

    metadata: dict[str, Any] = {"autoreset_mode": AutoresetMode.NEXT_STEP}  # noqa: RUF012 (gymnasium's API)

    def __init__(self, lanes: Lanes, side: str) -> None:
        self.core = lanes
        self.side = side
        self.num_envs = lanes.lanes
        self.single_observation_space, self.single_action_space = _spaces(lanes, side)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._ended = False

    @property
    def menu_labels(self) -> tuple[str, ...]:
        """What each action number orders."""
        return self.core.menus[self.side].labels

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[NDArray[np.float32], dict[str, Any]]:
        if seed is not None:
            self._np_random, self._np_random_seed = gymnasium.utils.seeding.np_random(seed)
        self.core.reset(seed)
        self._ended = False
        return self.core.observe(self.side), _info(self.core)

    def step(self, actions: NDArray[np.int64]) -> tuple[Any, ...]:
        zeros = np.zeros(self.num_envs, dtype=bool)
        if self._ended:
            obs, info = self.reset()
            return obs, np.zeros(self.num_envs), zeros, zeros.copy(), info
        self.core.act(self.side, actions)
        self.core.advance()
        reward = self.core.reward(self.side)
        self._ended = self.core.done
        terminated = np.full(self.num_envs, self._ended)
        return self.core.observe(self.side), reward, terminated, zeros, _info(self.core)


class Env(gymnasium.Env[NDArray[Any], NDArray[np.int64]]):
    """One lane: the scenario with ``side`` played by the agent (a plain ``gymnasium.Env``)."""

    metadata: dict[str, Any] = {"render_modes": []}  # noqa: RUF012 (gymnasium's API)

    def __init__(self, lanes: Lanes, side: str) -> None:
        if lanes.lanes != 1:
            raise ValueError("Env runs one lane; use VectorEnv for more")
        self.core = lanes
        self.side = side
        self.observation_space, self.action_space = _spaces(lanes, side)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[NDArray[np.float32], dict[str, Any]]:
        super().reset(seed=seed)
        self.core.reset(seed)
        return self.core.observe(self.side)[0], {"time_s": self.core.sim.time_s if self.core.sim else 0.0}

    def step(
        self, action: NDArray[np.int64]
    ) -> tuple[NDArray[np.float32], float, bool, bool, dict[str, Any]]:
        self.core.act(self.side, np.asarray(action)[None, :])
        self.core.advance()
        reward = float(self.core.reward(self.side)[0])
        sim = self.core.sim
        assert sim is not None
        return self.core.observe(self.side)[0], reward, self.core.done, False, {"time_s": sim.time_s}
