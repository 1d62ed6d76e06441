"""The orders an agent may give: a menu of tasks per controlled unit, held in an on-call phase.

An agent does not steer elements directly. It picks, for each unit it controls, one entry of a fixed menu;
each entry is an ordinary scenario task (attack the nearest contact, withdraw to the start, defend a named
place) compiled with the rest of the plan into a phase that no trigger ever starts. Choosing an entry issues
that task through the same order path as the scripted plan: the order waits for the unit's command delay,
arrives as an ``OrderReceived`` event, and is carried out by the same mechanics. Entry 0 gives no order,
so an agent that always chooses it plays the scripted plan unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from drillsim.core.errors import UserError
from drillsim.scenario.models import PhaseSpec, Scenario

__all__ = ["AGENT_PHASE", "CARRY_ON", "ActionMenu", "controllable_units", "with_agent_orders"]

AGENT_PHASE = "agent-orders"
"""Name of the on-call phase that holds the agent's menu of tasks."""

CARRY_ON = "carry on"
"""Menu entry 0: no new order; the unit goes on with what the plan gave it."""


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
    scenario: Scenario, sides: list[str], units: dict[str, tuple[str, ...]] | None = None
) -> tuple[Scenario, dict[str, ActionMenu]]:
    """The scenario with an on-call phase holding every menu task of ``sides``, and each side's menu.

    ``units`` names the controlled units per side (default: :func:`controllable_units`). The menu is
    ``carry on``, ``attack nearest contact``, ``withdraw to start``, then ``defend <place>`` for each of the
    scenario's named places in the order they are written.
    """
    phases = dict(scenario.plan.phases)
    tasks: list[dict[str, object]] = []
    menus: dict[str, ActionMenu] = {}
    first = sum(len(p.tasks) for p in phases.values())
    places = list(scenario.places)
    labels = (CARRY_ON, "attack nearest contact", "withdraw to start", *(f"defend {p}" for p in places))
    for side in sides:
        _check_side(scenario, side)
        controlled = (units or {}).get(side) or controllable_units(scenario, side)
        unknown = [u for u in controlled if u not in scenario.units]
        if unknown:
            raise UserError(f"scenario {scenario.name!r} has no unit {unknown[0]!r} (agent of {side!r}).")
        if not controlled:
            raise UserError(f"side {side!r} of scenario {scenario.name!r} has no ground unit to order.")
        index: list[tuple[int, ...]] = []
        for uid in controlled:
            unit = scenario.units[uid]
            start = unit.at if isinstance(unit.at, str) else unit.at.model_dump()
            defends: list[dict[str, object]] = [{"task": "defend", "units": [uid], "at": p} for p in places]
            specs: list[dict[str, object]] = [
                {"task": "attack", "units": [uid]},
                {"task": "withdraw", "units": [uid], "to": start},
                *defends,
            ]
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
