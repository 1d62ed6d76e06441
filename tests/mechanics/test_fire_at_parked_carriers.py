"""Fire missions at parked carriers (docs/mechanics/indirect-fire.md, "Fire at parked carriers"): a battery
takes a sighted column of carriers parked away from its people as a target, as it takes troops, and its
rounds destroy them through the weapon's vehicle radii.

The scenario: a red motorised company leaves its eight trucks parked at (0, 500) and walks 3 km north;
a blue observer at the origin sees only the trucks (the company's people have no signature: they are
never seen), and a blue battery 5 km south of the observer fires on its reports.
"""

from __future__ import annotations

from typing import Any

import pytest
from effects_kit import Result, Runner, at, base, eye

from drillsim.mechanics.indirect_fire import step as indirect

REPS = 6
TRUCKS = 8


def column() -> dict[str, Any]:
    """The observer, the battery (12 missions of 6 rounds, trucks destroyed within 20 m of a burst with
    probability 0.5) and the red company walking away from its trucks."""
    data = base(duration_s=5400.0, dt_s=10.0)
    cat = data["catalogue"]
    cat["sensors"]["eye-1500"] = eye(1.0, range_scale_m=1500.0, max_range_m=1500.0) | {
        "position_error_m": 20.0
    }
    cat["weapons"]["howitzer"] = {
        "kind": "indirect",
        "max_range_m": 20000,
        "rate_per_min": 4,
        "rounds_per_mission": 6,
        "lethal_radius_m": 30,
        "vehicle_lethal_radius_m": {"soft": 20, "light": 5},
        "dispersion_m": 60,
        "projectile_speed_mps": 300,
    }
    cat["unit_types"]["fo"] = {
        "category": "reconnaissance",
        "echelon": "team",
        "personnel": 3,
        "sensors": [{"sensor": "eye-1500"}],
    }
    cat["unit_types"]["battery"] = {
        "category": "artillery",
        "echelon": "battery",
        "personnel": 40,
        "weapons": [{"weapon": "howitzer", "count": 6}],
    }
    cat["unit_types"]["motor-company"] = {
        "category": "motorised",
        "echelon": "company",
        "personnel": 80,
        "vehicles": {"truck": TRUCKS},
        "speed_mps": {"open": 1.2},
        "carriers": {"vehicle": "truck", "seats": 10, "speed_mps": {"open": 10.0}, "armour": "soft"},
        "signature": 0.0,
        "break_losses": 1.0,
        "break_suppression": 1.0,
    }
    data["units"] = {
        "blue/fo": {"type": "fo", "nation": "B", "at": at(0, 0)},
        "blue/battery": {"type": "battery", "nation": "B", "at": at(0, -5000)},
        "red/coy": {"type": "motor-company", "nation": "R", "at": at(0, 500)},
    }
    walk = {"task": "move", "units": ["red/coy"], "to": at(0, 3500), "mounted": False}
    fires = {"task": "fire-support", "units": ["blue/battery"], "observers": ["blue/fo"], "max_missions": 12}
    data["plan"]["phases"] = {"go": {"trigger": {"at_s": 0}, "tasks": [walk, fires]}}
    data["measures"] = {"trucks-lost": {"kind": "carriers-lost", "side": "red"}}
    return data


def test_a_battery_with_an_observer_destroys_a_parked_truck_column(
    runner: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The observer sights the parked trucks and the battery fires missions on them (the target named
    ``red/coy/carriers``) until most of the column is lost (``CarrierLost`` by fire), hurting none of the
    company 3 km away; with fire at parked carriers switched off the same sightings bring no mission and
    no truck is lost."""
    result: Result = runner.run(column(), reps=REPS)
    assert result.count("CarrierSighted", side="blue").min() > 0
    asked = result.select("FireMissionRequested", side="blue")
    assert len(asked) > 0
    assert set(asked["other"].to_pylist()) == {"red/coy" + indirect.CARRIER_TARGET}
    lost = result.measure("trucks-lost")
    assert (lost >= TRUCKS / 2).all()
    assert result.count("UnitHit", unit="red/coy").sum() == 0  # no crew: the trucks stood empty
    e = result.sim.world.forces.index("red/coy")
    assert (result.sim.state.carriers_left[lost == TRUCKS, e] == 0).all()  # nothing left to mount

    monkeypatch.setattr(indirect, "FIRE_AT_PARKED_CARRIERS", False)
    off = runner.run(column(), reps=REPS)
    assert off.count("CarrierSighted", side="blue").min() > 0
    assert off.count("FireMissionRequested").sum() == 0
    assert (off.measure("trucks-lost") == 0).all()


def test_only_the_task_s_observers_call_fire_on_parked_carriers(runner: Runner) -> None:
    """As for troops, a fire-support task with ``observers`` fires only on their sightings: the same column,
    seen by the observer at the origin, brings no mission when the task names another observer (one
    20 km off that sees nothing)."""
    data = column()
    data["units"]["blue/fo-2"] = {"type": "fo", "nation": "B", "at": at(-15000, -15000)}
    data["plan"]["phases"]["go"]["tasks"][1]["observers"] = ["blue/fo-2"]
    result = runner.run(data, reps=2)
    assert result.count("CarrierSighted", side="blue").min() > 0
    assert result.count("FireMissionRequested").sum() == 0
    assert (result.measure("trucks-lost") == 0).all()


def bombed() -> dict[str, Any]:
    """The same column, struck instead by a blue jet from an airbase 15 km south (three sorties of four
    bombs, trucks destroyed within 30 m of a bomb with probability 0.5); no battery."""
    data = column()
    cat = data["catalogue"]
    cat["weapons"]["bomb"] = {
        "kind": "air",
        "max_range_m": 1000,
        "lethal_radius_m": 45,
        "vehicle_lethal_radius_m": {"soft": 30, "light": 12},
        "dispersion_m": 30,
        "rounds_per_mission": 4,
    }
    cat["unit_types"]["jet"] = {
        "category": "aircraft",
        "domain": "air",
        "echelon": "flight",
        "personnel": 1,
        "weapons": [{"weapon": "bomb"}],
        "air": {"cruise_speed_mps": 200, "endurance_s": 7200, "turnaround_s": 600},
    }
    data["sites"] = {"field": {"kind": "airbase", "at": at(0, -15000), "nation": "B"}}
    del data["units"]["blue/battery"]
    data["units"]["blue/jet"] = {"type": "jet", "nation": "B", "at": at(0, -15000), "home": "field"}
    job = {"task": "strike", "units": ["blue/jet"], "tasking_delay_s": 300, "sorties": 3}
    data["plan"]["phases"]["go"]["tasks"][1] = job
    return data


def test_a_strike_destroys_a_sighted_parked_truck_column(
    runner: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A strike task with no troops in its side's picture takes the sighted parked trucks as its target
    (``StrikeRequested`` on ``red/coy/carriers``), and its bombs destroy some of them in every replication;
    with fire at parked carriers switched off no strike is asked for and no truck is lost."""
    result = runner.run(bombed(), reps=REPS)
    asked = result.select("StrikeRequested")
    assert len(asked) > 0
    assert set(asked["other"].to_pylist()) == {"red/coy" + indirect.CARRIER_TARGET}
    assert (result.measure("trucks-lost") > 0).all()
    monkeypatch.setattr(indirect, "FIRE_AT_PARKED_CARRIERS", False)
    off = runner.run(bombed(), reps=REPS)
    assert off.count("StrikeRequested").sum() == 0
    assert (off.measure("trucks-lost") == 0).all()


def test_a_battery_on_the_march_takes_no_mission_at_parked_carriers(runner: Runner) -> None:
    """A battery takes a mission at parked carriers only when it stands in action, as for troops: the same
    column, with a battery of 6 km range that must first close on the observer it supports (from 5 km
    behind it to half its range, at 3 m/s) and emplace (300 s), requests nothing before it has halted,
    and every mission it is given is fired (none hangs with a battery that will never be ready)."""
    data = column()
    gun = data["catalogue"]["weapons"]["howitzer"]
    gun["max_range_m"] = 6000
    gun["emplace_s"] = 300
    gun["displace_s"] = 120
    data["catalogue"]["unit_types"]["battery"]["speed_mps"] = {"open": 3.0}
    data["plan"]["phases"]["go"]["tasks"][1]["supports"] = ["blue/fo"]
    result = runner.run(data, reps=2)
    assert result.count("CarrierSighted", side="blue").min() > 0
    halted = result.select("BatteryHalted", unit="blue/battery").to_pandas()
    asked = result.select("FireMissionRequested", side="blue").to_pandas()
    done = result.select("FireMissionCompleted").to_pandas()
    assert len(asked) > 0
    first_halt = halted.groupby("replication")["time_s"].min()
    first_request = asked.groupby("replication")["time_s"].min()
    assert (first_request >= first_halt.reindex(first_request.index)).all()
    assert len(done) == len(asked)
