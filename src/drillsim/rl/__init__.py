"""Reinforcement-learning environments over the batched engine (docs/rl.md).

``make(scenario, side=..., lanes=N)`` returns a Gymnasium vector environment whose lanes are the engine's
replications; ``make(..., lanes=1, vector=False)`` a plain Gymnasium environment; ``make_parallel(scenario)``
a PettingZoo parallel environment with every side an agent (``lanes=N``: vectorised over N
replications). Gymnasium and PettingZoo are optional: install ``drillsim[rl]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from drillsim.core.errors import UserError
from drillsim.rl.lanes import DEFAULT_DECISION_INTERVAL_S, DEFAULT_GRID, Lanes, RewardSpec
from drillsim.rl.menu import (
    AGENT_PHASE,
    CALL_FIRE,
    CARRY_ON,
    DEFAULT_MOVE_GRID,
    ActionMenu,
    controllable_units,
    fire_support_units,
    move_cells,
    with_agent_orders,
)
from drillsim.scenario.io import load_scenario
from drillsim.scenario.models import Scenario

if TYPE_CHECKING:
    from drillsim.rl.env import Env, VectorEnv
    from drillsim.rl.parallel import ParallelEnv

__all__ = [
    "AGENT_PHASE",
    "CALL_FIRE",
    "CARRY_ON",
    "DEFAULT_DECISION_INTERVAL_S",
    "DEFAULT_GRID",
    "DEFAULT_MOVE_GRID",
    "ActionMenu",
    "Env",
    "Lanes",
    "ParallelEnv",
    "RewardSpec",
    "VectorEnv",
    "controllable_units",
    "fire_support_units",
    "make",
    "make_parallel",
    "move_cells",
    "with_agent_orders",
]


def __getattr__(name: str) -> object:
    """The environment classes, imported on first use (they need Gymnasium and PettingZoo)."""
    if name in ("Env", "VectorEnv"):
        try:
            from drillsim.rl import env
        except ModuleNotFoundError as exc:
            raise _missing("gymnasium") from exc
        return getattr(env, name)
    if name == "ParallelEnv":
        try:
            from drillsim.rl import parallel
        except ModuleNotFoundError as exc:
            raise _missing("pettingzoo") from exc
        return parallel.ParallelEnv
    raise AttributeError(f"module 'drillsim.rl' has no attribute {name!r}")


def _scenario(scenario: Scenario | str) -> Scenario:
    return load_scenario(scenario) if isinstance(scenario, str) else scenario


def _missing(package: str) -> UserError:
    return UserError(
        f"the reinforcement-learning environments need the {package!r} package, which is not installed; "
        "install it with: pip install 'drillsim[rl]'."
    )


def make(
    scenario: Scenario | str,
    *,
    side: str,
    lanes: int = 1,
    vector: bool = True,
    decision_interval_s: float = DEFAULT_DECISION_INTERVAL_S,
    grid: int = DEFAULT_GRID,
    units: tuple[str, ...] | None = None,
    reward: RewardSpec | None = None,
    move_grid: int = DEFAULT_MOVE_GRID,
) -> VectorEnv | Env:
    """A Gymnasium environment in which an agent plays ``side`` of ``scenario``.

    Parameters
    ----------
    scenario
        A scenario, a scenario file or an embedded scenario name.
    side
        The side the agent plays; the other sides follow the scenario's plan.
    lanes
        Replications run side by side; each is one sub-environment of the vector environment.
    vector
        Return a ``gymnasium.vector.VectorEnv`` (default); with ``False`` and ``lanes=1``, a
        ``gymnasium.Env``.
    decision_interval_s
        Scenario time between the agent's decisions.
    grid
        Cells per side of the grid on which the agent's picture of the enemy is counted.
    units
        The units the agent orders (default: every ground unit of the side).
    reward
        How the reward is computed (default :class:`RewardSpec`: losses exchanged, plus objectives).
    move_grid
        Cells per side of the grid of move-to-point menu entries (0: none).
    """
    try:
        from drillsim.rl.env import Env, VectorEnv
    except ModuleNotFoundError as exc:  # pragma: no cover - depends on the installation
        raise _missing("gymnasium") from exc
    core = Lanes(
        _scenario(scenario),
        [side],
        lanes=lanes,
        decision_interval_s=decision_interval_s,
        grid=grid,
        units={side: units} if units else None,
        rewards={side: reward} if reward else None,
        move_grid=move_grid,
    )
    if vector:
        return VectorEnv(core, side)
    return Env(core, side)


def make_parallel(
    scenario: Scenario | str,
    *,
    sides: list[str] | None = None,
    lanes: int = 1,
    decision_interval_s: float = DEFAULT_DECISION_INTERVAL_S,
    grid: int = DEFAULT_GRID,
    rewards: dict[str, RewardSpec] | None = None,
    move_grid: int = DEFAULT_MOVE_GRID,
) -> ParallelEnv:
    """A PettingZoo ``ParallelEnv`` in which each of ``sides`` (default: all) is an agent.

    With ``lanes`` > 1 it is vectorised over the engine's replications: each agent's observation,
    action and reward carry a leading lane axis (``(lanes, ...)``; the spaces are batched), one batched
    engine step serves every lane, and terminations stay one flag per agent (all lanes end together).
    Other parameters are those of :func:`make`; ``rewards`` maps a side to its :class:`RewardSpec`.
    """
    try:
        from drillsim.rl.parallel import ParallelEnv
    except ModuleNotFoundError as exc:  # pragma: no cover - depends on the installation
        raise _missing("pettingzoo") from exc
    sc = _scenario(scenario)
    core = Lanes(
        sc,
        sides or list(sc.sides),
        lanes=lanes,
        decision_interval_s=decision_interval_s,
        grid=grid,
        rewards=rewards,
        move_grid=move_grid,
    )
    return ParallelEnv(core)
