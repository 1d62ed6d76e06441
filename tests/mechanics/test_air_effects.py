"""Aircraft endurance, turnaround, cruise speed and the strike chain's delays (docs/mechanics/movement.md,
docs/mechanics/fires.md) move sorties, releases and losses the documented way.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from effects_kit import Result, Runner, assert_paired_greater, at, base, eye

DT = 10.0


def patrol(
    *, endurance_s: float = 3600.0, turnaround_s: float = 900.0, cruise: float = 50.0
) -> dict[str, Any]:
    """A blue helicopter patrols between two points 6 km from its base for four hours."""
    data = base(duration_s=14_400.0, dt_s=DT)
    data["catalogue"]["unit_types"]["heli"] = {
        "category": "helicopter",
        "domain": "air",
        "echelon": "flight",
        "personnel": 2,
        "air": {
            "cruise_speed_mps": cruise,
            "endurance_s": endurance_s,
            "altitude_m": 500,
            "turnaround_s": turnaround_s,
        },
    }
    data["sites"] = {"base": {"kind": "airbase", "at": at(-3000, -3000), "nation": "B"}}
    data["units"] = {"blue/heli": {"type": "heli", "nation": "B", "at": at(-3000, -3000), "home": "base"}}
    data["plan"]["phases"] = {
        "patrol": {
            "trigger": {"at_s": 0},
            "tasks": [
                {"task": "patrol", "units": ["blue/heli"], "waypoints": [at(3000, 3000), at(3000, -3000)]}
            ],
        }
    }
    return data


def landings(result: Result) -> list[float]:
    return sorted(result.select("SortieRecovered")["time_s"].to_pylist())


def test_shorter_endurance_lands_sooner_and_more_often(runner: Runner) -> None:
    """endurance_s: a helicopter with 30 min endurance lands sooner and more often than one with 60 min."""
    short = landings(runner.run(patrol(endurance_s=1800.0), reps=1, until_s=7200.0))
    long = landings(runner.run(patrol(endurance_s=3600.0), reps=1, until_s=7200.0))
    assert short[0] < long[0]
    assert short[0] <= 1800.0 + DT
    assert len(short) > len(long)


def test_turnaround_keeps_the_aircraft_on_the_ground(runner: Runner) -> None:
    """turnaround_s: the next sortie launches that long after landing."""
    for turnaround in (600.0, 1500.0):
        result = runner.run(patrol(turnaround_s=turnaround), reps=1, until_s=6000.0)
        landed = landings(result)[0]
        relaunched = min(t for t in result.select("SortieLaunched")["time_s"].to_pylist() if t > landed)
        assert abs(relaunched - landed - turnaround) <= DT


def test_faster_aircraft_arrive_sooner_whatever_the_ground(runner: Runner) -> None:
    """cruise_speed_mps: a flight of 10 km takes distance / cruise speed; terrain class does not matter."""

    def flight(cruise: float, ground: str) -> float:
        data = patrol(cruise=cruise, endurance_s=20_000.0)
        data["area"]["default_terrain"] = ground
        data["plan"]["phases"]["patrol"]["tasks"] = [
            {"task": "move", "units": ["blue/heli"], "to": at(7000, -3000)}
        ]
        return float(runner.run(data, reps=1, until_s=1000.0).first("UnitArrived")[0])

    slow, fast = flight(50.0, "open"), flight(100.0, "open")
    assert abs(slow - 2 * fast) <= 2 * DT
    assert flight(100.0, "mountain") == fast


def strike(**task: Any) -> dict[str, Any]:
    """A blue jet (home 15 km south) strikes the red platoon its forward observer sees 500 m away."""
    data = base(duration_s=7200.0, dt_s=DT)
    cat = data["catalogue"]
    cat["sensors"]["sure-eye"] = eye(10.0) | {"position_error_m": 20.0}
    cat["weapons"]["bomb"] = {"kind": "air", "max_range_m": 1000, "lethal_radius_m": 30, "dispersion_m": 30}
    cat["weapons"]["bomb"]["rounds_per_mission"] = task.pop("bombs", 2)
    cat["unit_types"]["jet"] = {
        "category": "aircraft",
        "domain": "air",
        "echelon": "flight",
        "personnel": 1,
        "weapons": [{"weapon": "bomb"}],
        "air": {"cruise_speed_mps": 200, "endurance_s": 7200, "turnaround_s": 1200},
    }
    cat["unit_types"]["fo"] = {
        "category": "reconnaissance",
        "echelon": "team",
        "personnel": 3,
        "sensors": [{"sensor": "sure-eye"}],
    }
    cat["unit_types"]["platoon"] = {
        "category": "infantry",
        "echelon": "platoon",
        "personnel": 100,
        "break_losses": 1.0,
        "break_suppression": 1.0,
    }
    data["sites"] = {"field": {"kind": "airbase", "at": at(0, -15000), "nation": "B"}}
    data["units"] = {
        "blue/jet": {"type": "jet", "nation": "B", "at": at(0, -15000), "home": "field"},
        "blue/fo": {"type": "fo", "nation": "B", "at": at(0, 0)},
        "red/platoon": {"type": "platoon", "nation": "R", "at": at(0, 500)},
    }
    job = {"task": "strike", "units": ["blue/jet"], "tasking_delay_s": 300, "sorties": 1} | task
    data["plan"]["phases"] = {"strike": {"trigger": {"at_s": 0}, "tasks": [job]}}
    return data


def test_tasking_delay_separates_request_and_take_off(runner: Runner) -> None:
    """tasking_delay_s: the aircraft take off that long after the request."""
    for delay in (300.0, 1200.0):
        result = runner.run(strike(tasking_delay_s=delay), reps=4, until_s=3600.0)
        lag = result.first("SortieLaunched") - result.first("StrikeRequested")
        assert np.allclose(lag, delay)


def test_more_weapons_per_sortie_kill_more(runner: Runner) -> None:
    """rounds_per_mission (weapons per aircraft per sortie): four bombs kill more than one."""
    four = runner.run(strike(bombs=4), reps=60, until_s=1200.0).losses("red")
    one = runner.run(strike(bombs=1), reps=60, until_s=1200.0).losses("red")
    assert_paired_greater(four, one)


def test_more_sorties_are_flown_when_ordered(runner: Runner) -> None:
    """sorties: a task of three sorties launches three, one after another's turnaround."""
    one = runner.run(strike(sorties=1), reps=1, until_s=6000.0).count("SortieLaunched")
    three = runner.run(strike(sorties=3), reps=1, until_s=6000.0).count("SortieLaunched")
    assert one[0] == 1
    assert three[0] == 3


def _fleeting(time_on_station_s: float) -> dict[str, Any]:
    """The red platoon drives away out of the observer's 1 km reach; blue forgets contacts after 60 s, so
    the jet finds its contact lost on arrival, waits on station and aborts."""
    data = strike(tasking_delay_s=60, time_on_station_s=time_on_station_s)
    data["catalogue"]["sensors"]["sure-eye"]["max_range_m"] = 1000
    data["sides"]["blue"]["contact_timeout_s"] = 60
    data["catalogue"]["unit_types"]["platoon"]["speed_mps"] = {"open": 10.0}
    data["plan"]["phases"]["away"] = {
        "trigger": {"at_s": 0},
        "tasks": [{"task": "move", "units": ["red/platoon"], "to": at(0, 15000)}],
    }
    return data


def test_time_on_station_sets_when_a_strike_aborts(runner: Runner) -> None:
    """time_on_station_s: with its target lost, the jet waits that long on station before aborting."""
    short = runner.run(_fleeting(300.0), reps=2, until_s=3600.0)
    long = runner.run(_fleeting(900.0), reps=2, until_s=3600.0)
    assert short.count("WeaponsReleased").sum() == 0
    lag = long.first("StrikeAborted") - short.first("StrikeAborted")
    assert np.allclose(lag, 600.0, atol=DT)
