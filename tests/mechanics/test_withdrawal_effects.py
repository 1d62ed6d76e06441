"""Withdrawals that keep together (docs/mechanics/orders.md, "Withdrawal"): the elements of a withdrawing
unit fall back as one body at the pace of the slowest, toward one rally point, instead of scattering.

The scenario: a blue platoon of three elements side by side, on foot at 3, 2 and 1 m/s, withdraws 4 km
west to a rally point. Movement draws no random numbers, so one replication decides; positions are read
every step (10 s).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from effects_kit import Runner, at, base, eye

from drillsim.engine.simulation import Simulation

DT = 10.0
LEG_M = 4000.0
SPEEDS = {"blue/fast": 3.0, "blue/middle": 2.0, "blue/slow": 1.0}
GAP_M = 300.0


def withdrawal(**task: Any) -> dict[str, Any]:
    """The three elements 100 m apart north to south at x = 0, withdrawing to (-4 km, 0) on one task
    (``task`` overrides its fields)."""
    data = base(duration_s=7200.0, dt_s=DT)
    types = data["catalogue"]["unit_types"]
    units = {}
    for k, (name, speed) in enumerate(SPEEDS.items()):
        kind = name.split("/")[1]
        types[kind] = {"category": "infantry", "echelon": "section", "personnel": 10}
        types[kind]["speed_mps"] = {"open": speed}
        units[name] = {"type": kind, "nation": "B", "at": at(0, 100.0 * (k - 1))}
    data["units"] = units
    back = {"task": "withdraw", "units": list(SPEEDS), "to": at(-LEG_M, 0)} | task
    data["plan"]["phases"] = {"back": {"trigger": {"at_s": 0}, "tasks": [back]}}
    return data


def spread(runner: Runner, data: dict[str, Any], until_s: float) -> np.ndarray:
    """Per step: the greatest distance between two of the platoon's elements (m)."""
    sim = Simulation(runner.scenario(data), rng=1, replications=1)
    idx = [sim.world.forces.index(name) for name in SPEEDS]
    out = []
    for k in range(1, int(until_s / DT) + 1):
        sim.run(until_s=k * DT)
        x, y = sim.state.x[0, idx], sim.state.y[0, idx]
        out.append(np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :]).max())
    return np.array(out)


def test_a_withdrawing_platoon_stays_within_its_gap(runner: Runner) -> None:
    """By default a withdrawal keeps together: no two elements are ever farther apart than the gap plus
    their starting frontage (200 m) and a step's march; with ``together: false`` the fast element opens a
    lead of 2 m/s times the time, past 2 km before the slow one is halfway."""
    kept = spread(runner, withdrawal(max_gap_m=GAP_M), 2000.0)
    assert kept.max() <= np.hypot(GAP_M + 3.0 * DT, 200.0) + 1.0
    loose = spread(runner, withdrawal(together=False), 2000.0)
    assert loose.max() > 2000.0
    assert loose[-1] > 4.0 * kept.max()


def test_a_withdrawing_platoon_moves_at_the_pace_of_its_slowest(runner: Runner) -> None:
    """Kept together, the fast element reaches the rally point no sooner than the slowest could walk to
    within the gap of it (4 km - 300 m at 1 m/s); on its own it arrives in about 4 km / 3 m/s."""
    kept = runner.run(withdrawal(max_gap_m=GAP_M), reps=1)
    fast_s = float(kept.first("UnitArrived", unit="blue/fast")[0])
    assert fast_s >= (LEG_M - GAP_M) / 1.0 - 2 * DT
    loose = runner.run(withdrawal(together=False), reps=1)
    assert float(loose.first("UnitArrived", unit="blue/fast")[0]) <= LEG_M / 3.0 + 2 * DT


def falling_back(gap_m: float) -> dict[str, Any]:
    """The three elements as red bands with the behaviour rules (withdraw at 3 km), on one move task that
    keeps together with ``gap_m``, 100 m west of them; a blue company of 200 1 km north, which they see
    at once: each falls back on its own rule, 3 km south."""
    data = withdrawal()
    cat = data["catalogue"]
    cat["sensors"]["eye"] = eye(10.0) | {"identifies": True}
    cat["behaviours"] = {"rules": {"rules": ["withdraw"], "radius_m": 3000.0}}
    cat["unit_types"]["company"] = {"category": "infantry", "personnel": 200}
    units: dict[str, Any] = {}
    for k, name in enumerate(SPEEDS):
        kind = name.split("/")[1]
        cat["unit_types"][kind]["sensors"] = [{"sensor": "eye"}]
        units[f"red/{kind}"] = {"type": kind, "nation": "R", "at": at(100.0 * k, 0), "behaviour": "rules"}
    units["blue/company"] = {"type": "company", "nation": "B", "at": at(100, 1000)}
    data["units"] = units
    move = {"task": "move", "units": list(units)[:3], "to": at(0, 0), "together": True, "max_gap_m": gap_m}
    data["plan"]["phases"] = {"back": {"trigger": {"at_s": 0}, "tasks": [move]}}
    return data


def test_bands_falling_back_on_their_behaviour_keep_together(runner: Runner) -> None:
    """Elements of one task falling back on the behaviour's withdrawal keep within the task's gap (300 m)
    along their way back (south, away from the company: each goes straight away from it, so they fan out
    across it): none more than the gap and a step's march farther south than another; with a gap wider
    than the fall-back (5 km) each goes at its own pace and the fast one leads by more than 1.5 km."""

    def deepest(gap_m: float) -> float:
        sim = Simulation(runner.scenario(falling_back(gap_m)), rng=1, replications=1)
        idx = [sim.world.forces.index(f"red/{name.split('/')[1]}") for name in SPEEDS]
        out = 0.0
        for k in range(1, 121):
            sim.run(until_s=k * DT)
            y = sim.state.y[0, idx]
            out = max(out, float(y.max() - y.min()))
        return out

    assert deepest(GAP_M) <= GAP_M + 3.0 * DT + 1.0
    assert deepest(5000.0) > 1500.0
