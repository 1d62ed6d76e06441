"""The orders an agent may give: a menu of tasks per controlled unit, held in an on-call phase.

An agent does not steer elements directly. It picks, for each unit it controls, one entry of a fixed menu;
each entry is an ordinary scenario task (attack the nearest contact, withdraw to the start, defend a named
place, move to a cell of a grid over the area, call the side's indirect fire on the contacts the unit
reports) compiled with the rest of the plan into a phase that no trigger ever starts. Choosing an entry issues
that task through the same order path as the scripted plan: the order waits for the unit's command delay,
arrives as an ``OrderReceived`` event, and is carried out by the same mechanics. Entry 0 gives no order,
so an agent that always chooses it plays the scripted plan unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from drillsim.core.errors import UserError
from drillsim.scenario.models import PhaseSpec, Scenario

__all__ = [
    "AGENT_PHASE",
    "CALL_FIRE",
    "CARRY_ON",
    "DEFAULT_MOVE_GRID",
    "ActionMenu",
    "controllable_units",
    "fire_support_units",
    "move_cells",
    "with_agent_orders",
]

AGENT_PHASE = "agent-orders"
"""Name of the on-call phase that holds the agent's menu of tasks."""

CARRY_ON = "carry on"
"""Menu entry 0: no new order; the unit goes on with what the plan gave it."""

CALL_FIRE = "call fire on its contacts"
"""Menu entry of a side with indirect-fire units: those units take a fire-support task that answers the
calls of this unit's reports only."""

DEFAULT_MOVE_GRID = 3
"""Cells per side of the grid of move-to-point entries (3 x 3: nine destinations over the area; an
assumption that keeps the menu short; finer grids cost the learner more entries to explore)."""


@dataclass(frozen=True)
class ActionMenu:
    """What each controlled unit of one side may be ordered to do.

    ``units[u]`` is a scenario unit (a group counts as one unit: its elements get the same order);
    ``labels[i]`` names menu entry ``i``; ``task_index[u][i]`` is the compiled task that entry ``i`` issues
    to unit ``u`` (-1 for entry 0, which issues nothing).
    """

    side: str
    units: tuple[str, ...]
    labels: tuple[str, ...]
    task_index: tuple[tuple[int, ...], ...]

    @property
    def size(self) -> int:
        """Number of menu entries (the same for every unit)."""
        return len(self.labels)


def controllable_units(scenario: Scenario, side: str) -> tuple[str, ...]:
    """The side's ground units that an agent may order, in scenario order: every top-level unit entry of
    the side whose type moves on the ground (aircraft keep their scripted sorties)."""
    units = []
    for uid, unit in scenario.units.items():
        nation = scenario.nations[unit.nation]
        utype = scenario.catalogue.unit_types[unit.type]
        if nation.side == side and utype.domain == "ground" and utype.speed_mps:
            units.append(uid)
    return tuple(units)


def fire_support_units(scenario: Scenario, side: str) -> tuple[str, ...]:
    """The side's units whose type carries an indirect-fire weapon (mortars, howitzers, rocket
    launchers), in scenario order."""
    weapons = scenario.catalogue.weapons
    out = []
    for uid, unit in scenario.units.items():
        utype = scenario.catalogue.unit_types[unit.type]
        indirect = any(weapons[m.weapon].kind == "indirect" for m in utype.weapons if m.weapon in weapons)
        if scenario.nations[unit.nation].side == side and indirect:
            out.append(uid)
    return tuple(out)


def move_cells(scenario: Scenario, grid: int) -> list[tuple[str, dict[str, float]]]:
    """The move-to-point destinations: the centres of a ``grid`` x ``grid`` grid of equal latitude and
    longitude steps over the scenario area, each with its label ``move to cell C,R`` (column C from the
    west, row R from the south, both from 0), columns first."""
    b = scenario.area.bounds
    cells = []
    for row in range(grid):
        for col in range(grid):
            lat = b.south + (row + 0.5) / grid * (b.north - b.south)
            lon = b.west + (col + 0.5) / grid * (b.east - b.west)
            cells.append((f"move to cell {col},{row}", {"lat": lat, "lon": lon}))
    return cells


def _check_side(scenario: Scenario, side: str) -> None:
    if side not in scenario.sides:
        raise UserError(
            f"scenario {scenario.name!r} has no side {side!r}; expected one of {', '.join(scenario.sides)}."
        )
    if AGENT_PHASE in scenario.plan.phases:
        raise UserError(
            f"scenario {scenario.name!r} already has a phase named {AGENT_PHASE!r}; the agent's orders need "
            "that name. Rename the phase."
        )


def with_agent_orders(
    scenario: Scenario,
    sides: list[str],
    units: dict[str, tuple[str, ...]] | None = None,
    *,
    move_grid: int = DEFAULT_MOVE_GRID,
) -> tuple[Scenario, dict[str, ActionMenu]]:
    """The scenario with an on-call phase holding every menu task of ``sides``, and each side's menu.

    ``units`` names the controlled units per side (default: :func:`controllable_units`). The menu is
    ``carry on``, ``attack nearest contact``, ``withdraw to start``, ``defend <place>`` for each of the
    scenario's named places in the order they are written, ``move to cell C,R`` for each cell of a
    ``move_grid`` x ``move_grid`` grid over the area (:func:`move_cells`; none when ``move_grid`` is 0),
    then, for a side with indirect-fire units (:func:`fire_support_units`), :data:`CALL_FIRE`.
    """
    if move_grid < 0:
        raise UserError(f"move_grid must be 0 or more, not {move_grid}.")
    phases = dict(scenario.plan.phases)
    tasks: list[dict[str, object]] = []
    menus: dict[str, ActionMenu] = {}
    first = sum(len(p.tasks) for p in phases.values())
    places = list(scenario.places)
    cells = move_cells(scenario, move_grid)
    for side in sides:
        _check_side(scenario, side)
        controlled = (units or {}).get(side) or controllable_units(scenario, side)
        unknown = [u for u in controlled if u not in scenario.units]
        if unknown:
            raise UserError(f"scenario {scenario.name!r} has no unit {unknown[0]!r} (agent of {side!r}).")
        if not controlled:
            raise UserError(f"side {side!r} of scenario {scenario.name!r} has no ground unit to order.")
        batteries = list(fire_support_units(scenario, side))
        labels = (
            CARRY_ON,
            "attack nearest contact",
            "withdraw to start",
            *(f"defend {p}" for p in places),
            *(label for label, _ in cells),
            *((CALL_FIRE,) if batteries else ()),
        )
        index: list[tuple[int, ...]] = []
        for uid in controlled:
            unit = scenario.units[uid]
            start = unit.at if isinstance(unit.at, str) else unit.at.model_dump()
            defends: list[dict[str, object]] = [{"task": "defend", "units": [uid], "at": p} for p in places]
            moves: list[dict[str, object]] = [{"task": "move", "units": [uid], "to": at} for _, at in cells]
            specs: list[dict[str, object]] = [
                {"task": "attack", "units": [uid]},
                {"task": "withdraw", "units": [uid], "to": start},
                *defends,
                *moves,
            ]
            if batteries:
                specs.append({"task": "fire-support", "units": batteries, "observers": [uid]})
            row = [-1]
            for spec in specs:
                row.append(first + len(tasks))
                tasks.append(spec)
            index.append(tuple(row))
        menus[side] = ActionMenu(side=side, units=tuple(controlled), labels=labels, task_index=tuple(index))
    never = float(scenario.time.duration_s) + float(scenario.time.dt_s)
    phases[AGENT_PHASE] = PhaseSpec.model_validate(
        {
            "trigger": {"at_s": never},
            "description": "Orders an agent may give; no trigger starts this phase.",
            "tasks": tasks,
        }
    )
    plan = scenario.plan.model_copy(update={"phases": phases})
    return scenario.model_copy(update={"plan": plan}), menus
