"""A PettingZoo ``ParallelEnv``: every side an agent, all deciding at the same decision points."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from numpy.typing import NDArray
from pettingzoo import ParallelEnv as _PettingZooParallelEnv

from drillsim.rl.lanes import Lanes

__all__ = ["ParallelEnv"]


class ParallelEnv(_PettingZooParallelEnv[str, NDArray[np.float32], NDArray[np.int64]]):  # type: ignore[misc]
    """One lane of a scenario in which each agent (a side) orders its own units from its own picture."""

    metadata: dict[str, Any] = {"name": "drillsim_parallel_v0", "render_modes": []}  # noqa: RUF012

    def __init__(self, lanes: Lanes) -> None:
        if lanes.lanes != 1:
            raise ValueError("ParallelEnv runs one lane")
        self.core = lanes
        self.possible_agents = list(lanes.menus)
        self.agents: list[str] = []
        self.render_mode = None
        self._obs_spaces = {
            a: spaces.Box(0.0, 1.0, shape=(lanes.observation_size(a),), dtype=np.float32)
            for a in self.possible_agents
        }
        self._act_spaces = {
            a: spaces.MultiDiscrete(np.full(len(lanes.menus[a].units), lanes.menus[a].size, dtype=np.int64))
            for a in self.possible_agents
        }

    def observation_space(self, agent: str) -> spaces.Space[Any]:
        return self._obs_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space[Any]:
        return self._act_spaces[agent]

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, NDArray[np.float32]], dict[str, dict[str, Any]]]:
        self.core.reset(seed)
        self.agents = list(self.possible_agents)
        return {a: self.core.observe(a)[0] for a in self.agents}, {a: {} for a in self.agents}

    def step(
        self, actions: dict[str, NDArray[np.int64]]
    ) -> tuple[
        dict[str, NDArray[np.float32]],
        dict[str, float],
        dict[str, bool],
        dict[str, bool],
        dict[str, dict[str, Any]],
    ]:
        for agent in self.agents:
            if agent in actions:
                self.core.act(agent, np.asarray(actions[agent])[None, :])
        self.core.advance()
        done = self.core.done
        observations = {a: self.core.observe(a)[0] for a in self.agents}
        rewards = {a: float(self.core.reward(a)[0]) for a in self.agents}
        terminations = dict.fromkeys(self.agents, done)
        truncations = dict.fromkeys(self.agents, False)
        infos: dict[str, dict[str, Any]] = {a: {} for a in self.agents}
        if done:
            self.agents = []
        return observations, rewards, terminations, truncations, infos
