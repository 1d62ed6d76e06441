"""Lanes: replications of one scenario run side by side, stopped at decision points for agents.

One :class:`Lanes` object holds one batched :class:`~drillsim.engine.simulation.Simulation`; lane ``i`` is
replication ``episode * lanes + i`` of the root seed, so an episode is reproduced exactly by the seed and its
number. Between decision points the engine advances every lane in the same batched steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from drillsim.core.errors import UserError
from drillsim.core.random import root_seed
from drillsim.engine.simulation import Simulation
from drillsim.events.recorder import Recorder
from drillsim.mechanics.orders.command import issue_task
from drillsim.rl.menu import DEFAULT_MOVE_GRID, ActionMenu, with_agent_orders
from drillsim.scenario.models import Scenario
from drillsim.state.batch import ACTIVE
from drillsim.world.build import World, build_world

__all__ = ["DEFAULT_DECISION_INTERVAL_S", "DEFAULT_GRID", "Lanes", "RewardSpec"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

DEFAULT_DECISION_INTERVAL_S = 300.0
"""Time between decision points: five minutes of scenario time (an assumption: about the cycle of a
platoon's orders in contact; shorter intervals cost more environment steps per episode)."""

DEFAULT_GRID = 8
"""Cells per side of the square grid over the scenario area on which the picture of the enemy is counted."""

_UNIT_FEATURES = 4  # x, y, strength fraction, fraction of elements in action


@dataclass(frozen=True)
class RewardSpec:
    """How a side's reward is computed (see docs/rl.md).

    Every decision step pays ``losses_weight`` times (the enemy's fraction of personnel lost during the
    step minus the side's own); the last step of an episode adds ``objective_weight`` for each of the side's
    objectives achieved and, for each ``measures`` entry, its weight times the measure's value.
    """

    losses_weight: float = 1.0
    objective_weight: float = 1.0
    measures: dict[str, float] = field(default_factory=dict)


@dataclass
class _SideView:
    """Index tables for one side: its controlled units' elements and its enemies' elements."""

    side: int
    menu: ActionMenu
    unit_elems: tuple[IntArray, ...]
    enemy: IntArray
    objectives: IntArray


class Lanes:
    """A batch of replications with agents' decision points.

    ``sides`` are the sides that agents control (each gets a menu); the others follow the scripted plan.
    """

    def __init__(
        self,
        scenario: Scenario,
        sides: list[str],
        *,
        lanes: int = 1,
        decision_interval_s: float = DEFAULT_DECISION_INTERVAL_S,
        grid: int = DEFAULT_GRID,
        units: dict[str, tuple[str, ...]] | None = None,
        rewards: dict[str, RewardSpec] | None = None,
        move_grid: int = DEFAULT_MOVE_GRID,
    ) -> None:
        if lanes < 1:
            raise UserError(f"lanes must be at least 1, not {lanes}.")
        if not decision_interval_s > 0:
            raise UserError(f"decision_interval_s must be positive, not {decision_interval_s}.")
        if grid < 1:
            raise UserError(f"grid must be at least 1, not {grid}.")
        self.scenario, self.menus = with_agent_orders(scenario, sides, units, move_grid=move_grid)
        for side, spec in (rewards or {}).items():
            unknown = [m for m in spec.measures if m not in self.scenario.measures]
            if unknown:
                raise UserError(
                    f"the reward of {side!r} names measure {unknown[0]!r}, which scenario "
                    f"{scenario.name!r} does not define; expected one of {', '.join(self.scenario.measures)}."
                )
        self.world: World = build_world(self.scenario)
        self.lanes = lanes
        self.interval_s = float(decision_interval_s)
        self.grid = grid
        self.rewards = {side: (rewards or {}).get(side, RewardSpec()) for side in sides}
        self.views = {side: self._view(side) for side in sides}
        self.seed = root_seed(None)
        self.episode = 0
        self.sim: Simulation | None = None
        self.recorder: Callable[[], Recorder] | None = None
        """Makes the recorder of each episode's simulation (default: none, which records nothing)."""
        self._lost: dict[str, dict[int, FloatArray]] = {}
        west, south, east, north = (float(v) for v in self.scenario.area.bounds.model_dump().values())
        xs, ys = self.world.projection.to_xy(np.array([south, north]), np.array([west, east]))
        self._origin = np.array([xs.min(), ys.min()])
        self._extent = np.maximum(np.array([xs.max() - xs.min(), ys.max() - ys.min()]), 1.0)

    def _view(self, side: str) -> _SideView:
        f = self.world.forces
        s = f.side_names.index(side)
        menu = self.menus[side]
        group_of = np.array(f.group_of, dtype=object)
        unit_elems = tuple(np.flatnonzero(group_of == uid).astype(np.int64) for uid in menu.units)
        hostile = f.hostile[s]
        objectives = [k for k, o in enumerate(self.scenario.objectives.values()) if o.side == side]
        return _SideView(
            side=s,
            menu=menu,
            unit_elems=unit_elems,
            enemy=np.flatnonzero(hostile[f.side]).astype(np.int64),
            objectives=np.array(objectives, dtype=np.int64),
        )

    # ------------------------------------------------------------------------------------------ spaces

    def observation_size(self, side: str) -> int:
        """Length of one lane's observation vector for ``side``."""
        return _UNIT_FEATURES * len(self.menus[side].units) + self.grid * self.grid + 1

    # ------------------------------------------------------------------------------------------ episode

    def reset(self, seed: int | None = None) -> None:
        """Start an episode: with ``seed``, the first episode of that root seed; else the next episode."""
        if seed is not None:
            self.seed = root_seed(int(seed))
            self.episode = 0
        elif self.sim is not None:
            self.episode += 1
        first = self.episode * self.lanes
        self.sim = Simulation(
            self.scenario,
            world=self.world,
            rng=self.seed,
            replications=list(range(first, first + self.lanes)),
            recorder=self.recorder() if self.recorder is not None else None,
        )
        sides = range(len(self.world.forces.side_names))
        self._lost = {name: {s: self._side_lost(s) for s in sides} for name in self.views}

    @property
    def done(self) -> bool:
        return self.sim is not None and self.sim.done

    def _running(self) -> Simulation:
        if self.sim is None:
            raise UserError("call reset() before step().")
        return self.sim

    def act(self, side: str, actions: NDArray[np.integer]) -> None:
        """Issue ``side``'s orders: ``actions[lane, unit]`` is a menu entry (0 gives no order)."""
        sim = self._running()
        view = self.views[side]
        menu = view.menu
        a = np.asarray(actions, dtype=np.int64).reshape(self.lanes, len(menu.units))
        if a.min(initial=0) < 0 or a.max(initial=0) >= menu.size:
            raise UserError(f"actions for {side!r} must lie in 0..{menu.size - 1}.")
        state = sim.state
        now = np.full(self.lanes, state.time_s)
        for u in range(len(menu.units)):
            for entry in np.unique(a[:, u]):
                if entry == 0:
                    continue
                k = menu.task_index[u][int(entry)]
                lead = self.world.plan.tasks[k].elements[0]  # the unit's own, or the batteries' first
                rows = np.flatnonzero(
                    (a[:, u] == entry) & (state.task[:, lead] != k) & (state.pending_task[:, lead] != k)
                )
                issue_task(sim.ctx, k, rows, now[rows])

    def advance(self) -> None:
        """Run every lane to the next decision point (or the end of the scenario)."""
        sim = self._running()
        end = min(sim.time_s + self.interval_s, self.world.duration_s)
        while sim.time_s < end - 1e-9:
            sim.step()

    # ------------------------------------------------------------------------------------------ views

    def observe(self, side: str) -> NDArray[np.float32]:
        """(lanes, observation_size) observations of ``side``: its own units as they are, and the enemy only
        as its picture shows them (live contacts counted on the grid), never ground truth."""
        sim = self._running()
        st = sim.state
        view = self.views[side]
        f = self.world.forces
        out = np.zeros((self.lanes, self.observation_size(side)), dtype=np.float32)
        for u, elems in enumerate(view.unit_elems):
            active = st.status[:, elems] == ACTIVE
            xy = (np.stack([st.x[:, elems], st.y[:, elems]], axis=-1) - self._origin) / self._extent
            col = _UNIT_FEATURES * u
            out[:, col] = np.clip(xy[..., 0].mean(axis=1), 0.0, 1.0)
            out[:, col + 1] = np.clip(xy[..., 1].mean(axis=1), 0.0, 1.0)
            out[:, col + 2] = st.strength[:, elems].sum(axis=1) / max(float(f.strength0[elems].sum()), 1.0)
            out[:, col + 3] = active.mean(axis=1)
        pic = st.picture
        live = pic.known_live[:, view.side, view.enemy]
        g = self.grid
        kx = pic.known_x[:, view.side, view.enemy]
        ky = pic.known_y[:, view.side, view.enemy]
        cx = np.clip((kx - self._origin[0]) / self._extent[0] * g, 0, g - 1)
        cy = np.clip((ky - self._origin[1]) / self._extent[1] * g, 0, g - 1)
        rows, which = np.nonzero(live)
        cells = cy[rows, which].astype(np.int64) * g + cx[rows, which].astype(np.int64)
        counts = np.zeros((self.lanes, g * g))
        np.add.at(counts, (rows, cells), 1.0)
        base = _UNIT_FEATURES * len(view.unit_elems)
        out[:, base : base + g * g] = counts / max(len(view.enemy), 1)
        out[:, -1] = st.time_s / self.world.duration_s
        return out

    def _lost_fraction(self, elems: IntArray) -> FloatArray:
        sim = self._running()
        total = max(float(self.world.forces.strength0[elems].sum()), 1.0)
        return np.asarray(1.0 - sim.state.strength[:, elems].sum(axis=1) / total)

    def _side_lost(self, side: int) -> FloatArray:
        return self._lost_fraction(np.flatnonzero(self.world.forces.side == side).astype(np.int64))

    def reward(self, side: str) -> FloatArray:
        """Reward of ``side`` in each lane for the decision step just run (call once per step and side)."""
        view = self.views[side]
        spec = self.rewards[side]
        enemy_sides = [int(s) for s in np.unique(self.world.forces.side[view.enemy])]
        before = self._lost[side]
        total = np.zeros(self.lanes)
        for s in (view.side, *enemy_sides):
            now = self._side_lost(s)
            weight = -1.0 if s == view.side else 1.0 / len(enemy_sides)
            total += spec.losses_weight * weight * (now - before[s])
            before[s] = now
        if self.done:
            sim = self._running()
            outcomes = sim.outcomes()
            if len(view.objectives):
                achieved = np.isfinite(sim.state.objective_at[:, view.objectives]).sum(axis=1)
                total += spec.objective_weight * achieved
            for name, weight in spec.measures.items():
                total += weight * np.nan_to_num(np.asarray(outcomes.measures[name], dtype=np.float64))
        return total
