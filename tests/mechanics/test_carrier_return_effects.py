"""Carriers driving back (docs/mechanics/transport.md, "Ground carriers"): a unit that left its carriers
parked and mounts again waits for them to come to it (crewed carriers drive at their own speed; without a
crew the people walk back to them), instead of finding them beside it after ``mount_s``.

The scenario: a blue squad of 10 with one truck (10 m/s in the open, 1.2 m/s on foot) walks 1 km north
from the origin, leaving its truck there, and is ordered at ``CALL_S`` to ride 5 km east.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from effects_kit import Result, Runner, at, eye
from test_carrier_effects import DT, FOOT, LEG, MOUNT_S, RIDE, squads

CALL_S = 1200.0
AWAY_M = 1000.0


def called_back(*, crew: int) -> dict[str, Any]:
    """The squad walks ``AWAY_M`` north on foot (its truck, with ``crew``, stays at the origin), then rides
    ``LEG`` east from ``CALL_S``."""
    data = squads(crew=crew)
    walk = {"task": "move", "units": ["blue/sqd"], "to": at(0, AWAY_M), "mounted": False}
    ride = {"task": "move", "units": ["blue/sqd"], "to": at(LEG, AWAY_M), "mounted": True}
    data["plan"]["phases"] = {
        "walk": {"trigger": {"at_s": 0}, "tasks": [walk]},
        "ride": {"trigger": {"at_s": CALL_S}, "tasks": [ride]},
    }
    return data


def mounted(result: Result) -> tuple[float, float, float]:
    """When and where (x, y) the squad mounted again (its only UnitMounted)."""
    t = result.select("UnitMounted", unit="blue/sqd")
    assert len(t) == 1
    return float(t["time_s"][0].as_py()), float(t["x_m"][0].as_py()), float(t["y_m"][0].as_py())


def arrived(result: Result) -> float:
    """When the squad arrived at the end of its ride."""
    t = result.select("UnitArrived", unit="blue/sqd")
    return float(np.max(t["time_s"].to_numpy()))


def test_a_crewed_carrier_drives_back_and_the_people_wait_for_it(runner: Runner) -> None:
    """The crewed truck drives the 1 km to the squad in about 1000 / 10 = 100 s (to within the squad's
    footprint and a step), the squad waiting where it stands; it then mounts (mount_s) and rides 5 km:
    about 100 s later than if the truck were beside it after mount_s."""
    result = runner.run(called_back(crew=2), reps=1)
    when, x, y = mounted(result)
    assert CALL_S + AWAY_M / RIDE - 2 * DT <= when <= CALL_S + AWAY_M / RIDE + DT
    assert np.hypot(x, y - AWAY_M) <= 1.0  # it did not move before its truck came
    ride = np.hypot(LEG, 0.0) / RIDE
    assert abs(arrived(result) - (when + MOUNT_S + ride)) <= 2 * DT


def test_without_a_crew_the_people_walk_back_to_their_carrier(runner: Runner) -> None:
    """With no crew the truck cannot come: the squad walks the 1 km back at 1.2 m/s (about 830 s) and
    mounts beside the truck at the origin, then rides from there."""
    result = runner.run(called_back(crew=0), reps=1)
    when, x, y = mounted(result)
    assert CALL_S + AWAY_M / FOOT - 60.0 / FOOT - 2 * DT <= when <= CALL_S + AWAY_M / FOOT + DT
    assert np.hypot(x, y) <= 60.0  # within the squad's footprint of the truck
    ride = np.hypot(LEG - x, AWAY_M - y) / RIDE
    assert abs(arrived(result) - (when + MOUNT_S + ride)) <= 2 * DT


def test_a_carrier_destroyed_while_parked_does_not_come_back(runner: Runner) -> None:
    """A red post 300 m south of the parked truck comes into action once the squad is 1 km north of it
    (1.3 km from the post, beyond its 1 km gun) and destroys the truck where it stands before ``CALL_S``
    (0.5 a shot, 6 shots a minute: in about 20 s). Called to ride, the squad has no truck to come: it
    never mounts and walks the 5 km at 1.2 m/s."""
    reps = 4
    data = called_back(crew=2)
    cat = data["catalogue"]
    cat["sensors"]["eye"] = eye(10.0, range_scale_m=5000.0, max_range_m=5000.0)
    cat["weapons"]["gun"] = {
        "kind": "direct",
        "rate_per_min": 6,
        "bands": [{"max_range_m": 1000.0, "p_kill": 0.0001, "p_suppress": 0.0}],
        "vehicle_p_kill": {"soft": 0.5, "light": 0.0},
    }
    cat["unit_types"]["post"] = {
        "category": "infantry",
        "personnel": 30,
        "weapons": [{"weapon": "gun", "count": 1}],
        "sensors": [{"sensor": "eye"}],
        "speed_mps": {"open": 1.0},
        "break_losses": 1.0,
        "break_suppression": 1.0,
    }
    data["units"]["red/post"] = {"type": "post", "nation": "R", "at": at(0, -300), "readiness_s": 1000.0}
    data["time"]["duration_s"] = CALL_S + LEG / FOOT + 1200.0
    result = runner.run(data, reps=reps)
    lost = result.first("CarrierLost", unit="blue/sqd")
    assert (lost < CALL_S).all()
    assert result.count("UnitMounted", unit="blue/sqd").sum() == 0
    t = result.select("UnitArrived", unit="blue/sqd")
    last = np.full(reps, np.nan)
    np.fmax.at(last, np.asarray(t["replication"].to_numpy(), dtype=np.int64), t["time_s"].to_numpy())
    assert np.all(np.abs(last - (CALL_S + LEG / FOOT)) <= 2 * DT)
