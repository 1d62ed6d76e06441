"""Keeping together (docs/mechanics/movement.md, "Keeping together"): a task's elements march as one body,
and a battery follows the units it supports.

The scenario: a fast element (10 m/s) and a slow one (1 m/s), of one side, ordered on one task 4 km east.
Movement draws no random numbers, so one replication decides; positions are read every step (10 s).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from effects_kit import Runner, at, base, eye

from drillsim.engine.simulation import Simulation

DT = 10.0
LEG_M = 4000.0
FAST_MPS = 10.0
SLOW_MPS = 1.0


def two_speeds(*, fast_at: float = 0.0, **task: Any) -> dict[str, Any]:
    """The fast element at (``fast_at``, 0), the slow one at the origin, both ordered to (4 km, 0) on one
    move task; ``task`` overrides task fields."""
    data = base(duration_s=7200.0, dt_s=DT)
    types = data["catalogue"]["unit_types"]
    for name, speed in (("fast", FAST_MPS), ("slow", SLOW_MPS)):
        types[name] = {"category": "motorised", "echelon": "team", "personnel": 10}
        types[name]["speed_mps"] = {"open": speed}
    data["units"] = {
        "blue/fast": {"type": "fast", "nation": "B", "at": at(fast_at, 0)},
        "blue/slow": {"type": "slow", "nation": "B", "at": at(0, 0)},
    }
    move = {"task": "move", "units": ["blue/fast", "blue/slow"], "to": at(LEG_M, 0)} | task
    data["plan"]["phases"] = {"go": {"trigger": {"at_s": 0}, "tasks": [move]}}
    return data


def track(runner: Runner, data: dict[str, Any], until_s: float) -> np.ndarray:
    """(steps + 1, 2): the fast and the slow element's eastings (m) at the start and after each step."""
    sim = Simulation(runner.scenario(data), rng=1, replications=1)
    fast, slow = sim.world.forces.index("blue/fast"), sim.world.forces.index("blue/slow")
    out = [(sim.state.x[0, fast], sim.state.x[0, slow])]
    for k in range(1, int(until_s / DT) + 1):
        sim.run(until_s=k * DT)
        out.append((sim.state.x[0, fast], sim.state.x[0, slow]))
    return np.array(out)


def test_the_fast_element_stays_within_the_gap(runner: Runner) -> None:
    """With ``together`` the fast element never leads the slow one by more than the gap, and the two arrive
    within the gap's walk of each other; without it the fast one arrives about 3,600 s earlier."""
    gap = 300.0
    xs = track(runner, two_speeds(together=True, max_gap_m=gap), 4500.0)
    lead = xs[:, 0] - xs[:, 1]
    assert lead.max() <= gap + SLOW_MPS * DT + 1.0
    assert lead.max() >= gap - FAST_MPS * DT  # it did go ahead up to the gap: the rule is not a standstill
    apart = runner.run(two_speeds(together=True, max_gap_m=gap), reps=1)
    fast_s = float(apart.first("UnitArrived", unit="blue/fast")[0])
    slow_s = float(apart.first("UnitArrived", unit="blue/slow")[0])
    assert slow_s - fast_s <= gap / SLOW_MPS + 2 * DT
    loose = runner.run(two_speeds(), reps=1)
    loose_fast = float(loose.first("UnitArrived", unit="blue/fast")[0])
    assert loose_fast <= LEG_M / FAST_MPS + 2 * DT
    assert fast_s > loose_fast + 3000.0


def test_a_leader_halts_for_the_laggard(runner: Runner) -> None:
    """A fast element starting 2 km ahead with a 500 m gap waits where it is until the slow one has closed
    to 500 m behind it (1,500 m walked, 1,500 s), then keeps the gap."""
    gap = 500.0
    xs = track(runner, two_speeds(fast_at=2000.0, together=True, max_gap_m=gap), 2500.0)
    steps = np.arange(len(xs)) * DT
    behind = steps < (2000.0 - gap) / SLOW_MPS - 2 * DT
    assert np.all(np.abs(xs[behind, 0] - xs[0, 0]) < 1.0)  # the leader has not moved
    assert xs[-1, 0] > xs[0, 0] + 400.0  # once closed up, it marches again
    lead = xs[:, 0] - xs[:, 1]
    closed = steps >= (2000.0 - gap) / SLOW_MPS + DT
    assert np.all(lead[closed] <= gap + SLOW_MPS * DT + 1.0)


def supported_march(**support: Any) -> dict[str, Any]:
    """A blue platoon marches 10 km east (1 m/s); a mortar team (4 km range, 1 m/s) starts beside it on a
    fire-support task (``support`` overrides its fields)."""
    data = base(duration_s=14400.0, dt_s=DT)
    cat = data["catalogue"]
    cat["weapons"]["mortar"] = {
        "kind": "indirect",
        "max_range_m": 4000,
        "rate_per_min": 4,
        "rounds_per_mission": 2,
        "lethal_radius_m": 20,
        "dispersion_m": 60,
        "projectile_speed_mps": 200,
    }
    foot = {"open": 1.0}
    cat["unit_types"]["platoon"] = {"category": "infantry", "echelon": "platoon", "personnel": 30}
    cat["unit_types"]["platoon"]["speed_mps"] = foot
    cat["unit_types"]["mortar-team"] = {
        "category": "artillery",
        "echelon": "team",
        "personnel": 6,
        "weapons": [{"weapon": "mortar", "count": 1}],
        "speed_mps": foot,
    }
    data["units"] = {
        "blue/platoon": {"type": "platoon", "nation": "B", "at": at(0, 0)},
        "blue/mortar": {"type": "mortar-team", "nation": "B", "at": at(0, -500)},
    }
    fires = {"task": "fire-support", "units": ["blue/mortar"]} | support
    march = {"task": "move", "units": ["blue/platoon"], "to": at(10_000, 0)}
    data["plan"]["phases"] = {"go": {"trigger": {"at_s": 0}, "tasks": [march, fires]}}
    return data


def _mortar_to_platoon_m(runner: Runner, data: dict[str, Any]) -> float:
    result = runner.run(data, reps=1, until_s=14_000.0)
    f = result.sim.world.forces
    m, p = f.index("blue/mortar"), f.index("blue/platoon")
    s = result.sim.state
    return float(np.hypot(s.x[0, m] - s.x[0, p], s.y[0, m] - s.y[0, p]))


def test_a_mortar_team_ends_within_range_of_the_group_it_supports(runner: Runner) -> None:
    """With ``supports`` the mortar team follows the platoon and ends within ``reach`` (0.5) of its 4 km
    range of it; without, it stays at its start, 10 km from the platoon's destination."""
    following = _mortar_to_platoon_m(runner, supported_march(supports=["blue/platoon"]))
    assert following <= 0.5 * 4000.0 + 100.0  # a steered element within 100 m of its goal stays put
    assert following >= 0.5 * 4000.0 - 200.0  # it keeps its reach, it does not walk onto the platoon
    left_behind = _mortar_to_platoon_m(runner, supported_march())
    assert left_behind > 9000.0


def _two_flanks(red_at: tuple[float, float]) -> dict[str, Any]:
    """Two idle platoons 16 km apart, each seeing 6 km, and a mortar team between them supporting both; a
    red squad (no weapons) at ``red_at``."""
    data = supported_march(supports=["blue/east", "blue/west"])
    cat = data["catalogue"]
    cat["sensors"]["platoon-eye"] = eye(1.0, range_scale_m=3000.0, max_range_m=6000.0)
    cat["unit_types"]["platoon"]["sensors"] = [{"sensor": "platoon-eye", "count": 1}]
    cat["unit_types"]["squad"] = {"category": "infantry", "echelon": "squad", "personnel": 9}
    data["units"] = {
        "blue/east": {"type": "platoon", "nation": "B", "at": at(8000, 0)},
        "blue/west": {"type": "platoon", "nation": "B", "at": at(-8000, 0)},
        "blue/mortar": {"type": "mortar-team", "nation": "B", "at": at(0, -500)},
        "red/squad": {"type": "squad", "nation": "R", "at": at(*red_at)},
    }
    fires = data["plan"]["phases"]["go"]["tasks"][1]
    data["plan"]["phases"] = {"go": {"trigger": {"at_s": 0}, "tasks": [fires]}}
    return data


def _mortar_to_east_m(runner: Runner, data: dict[str, Any]) -> float:
    result = runner.run(data, reps=1, until_s=10_000.0)
    f = result.sim.world.forces
    m, e = f.index("blue/mortar"), f.index("blue/east")
    s = result.sim.state
    return float(np.hypot(s.x[0, m] - s.x[0, e], s.y[0, m] - s.y[0, e]))


def test_a_mortar_team_follows_the_supported_platoon_in_contact(runner: Runner) -> None:
    """Supporting two platoons 16 km apart, the mortar team goes to within its reach (2 km) of the one that
    sees an enemy, not to the centre between them; with the enemy out of both platoons' sight it stays
    at the centre, 8 km from each."""
    engaged = _mortar_to_east_m(runner, _two_flanks(red_at=(10_000, 0)))
    assert engaged <= 0.5 * 4000.0 + 100.0
    idle = _mortar_to_east_m(runner, _two_flanks(red_at=(8_000, 14_000)))
    assert idle > 7_500.0
