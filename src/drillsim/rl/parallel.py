"""A PettingZoo ``ParallelEnv``: every side an agent, all deciding at the same decision points.

With one lane it is a plain PettingZoo parallel environment. With ``lanes`` > 1 it is its vectorised
form over the engine's batched replications: each agent's observation is a ``(lanes, n)`` array, its
action a ``(lanes, units)`` array and its reward a ``(lanes,)`` array (the spaces are the batched spaces),
while terminations and truncations stay one flag per agent, since all lanes share the decision clock and
end together. One batched engine step serves every lane and every agent.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.vector.utils import batch_space
from numpy.typing import NDArray
from pettingzoo import ParallelEnv as _PettingZooParallelEnv

from drillsim.rl.lanes import Lanes

__all__ = ["ParallelEnv"]


class ParallelEnv(_PettingZooParallelEnv[str, NDArray[np.float32], NDArray[np.int64]]):  # type: ignore[misc]
    """A scenario in which each agent (a side) orders its own units from its own picture; with more than
    one lane, every value is batched over the lanes (see the module's description)."""

    metadata: dict[str, Any] = {"name": "drillsim_parallel_v0", "render_modes": []}  # noqa: RUF012

    def __init__(self, lanes: Lanes) -> None:
        self.core = lanes
        self.num_lanes = lanes.lanes
        self.batched = lanes.lanes > 1
        self.possible_agents = list(lanes.menus)
        self.agents: list[str] = []
        self.render_mode = None
        single_obs = {
            a: spaces.Box(0.0, 1.0, shape=(lanes.observation_size(a),), dtype=np.float32)
            for a in self.possible_agents
        }
        single_act = {
            a: spaces.MultiDiscrete(np.full(len(lanes.menus[a].units), lanes.menus[a].size, dtype=np.int64))
            for a in self.possible_agents
        }
        if self.batched:
            self._obs_spaces: dict[str, spaces.Space[Any]] = {
                a: batch_space(space, lanes.lanes) for a, space in single_obs.items()
            }
            self._act_spaces: dict[str, spaces.Space[Any]] = {
                a: batch_space(space, lanes.lanes) for a, space in single_act.items()
            }
        else:
            self._obs_spaces = dict(single_obs)
            self._act_spaces = dict(single_act)

    def _observe(self, agent: str) -> NDArray[np.float32]:
        obs = self.core.observe(agent)
        return obs if self.batched else obs[0]

    def observation_space(self, agent: str) -> spaces.Space[Any]:
        return self._obs_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space[Any]:
        return self._act_spaces[agent]

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, NDArray[np.float32]], dict[str, dict[str, Any]]]:
        self.core.reset(seed)
        self.agents = list(self.possible_agents)
        return {a: self._observe(a) for a in self.agents}, {a: {} for a in self.agents}

    def step(
        self, actions: dict[str, NDArray[np.int64]]
    ) -> tuple[
        dict[str, NDArray[np.float32]],
        dict[str, Any],
        dict[str, bool],
        dict[str, bool],
        dict[str, dict[str, Any]],
    ]:
        """Every agent's orders (a missing agent carries on), then the lanes run to the next decision
        point. Rewards are floats with one lane, ``(lanes,)`` arrays with more."""
        for agent in self.agents:
            if agent in actions:
                self.core.act(agent, np.asarray(actions[agent]).reshape(self.num_lanes, -1))
        self.core.advance()
        done = self.core.done
        observations = {a: self._observe(a) for a in self.agents}
        rewards: dict[str, Any] = {
            a: self.core.reward(a) if self.batched else float(self.core.reward(a)[0]) for a in self.agents
        }
        terminations = dict.fromkeys(self.agents, done)
        truncations = dict.fromkeys(self.agents, False)
        infos: dict[str, dict[str, Any]] = {a: {} for a in self.agents}
        if done:
            self.agents = []
        return observations, rewards, terminations, truncations, infos
