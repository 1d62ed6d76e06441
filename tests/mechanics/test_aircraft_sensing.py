"""Aircraft in the sides' pictures (docs/mechanics/sensing.md, "Aircraft"): sensors see hostile aircraft in
flight out to their ranges stretched by the aircraft's sighting factor, never aircraft on the ground, and
what air defence tracks is in its side's picture.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from effects_kit import Result, Runner, at, base, eye

from drillsim.mechanics.sensing import aircraft_contact_life

REPS = 6


def watched_patrol(
    *, north_m: float, signature_class: str = "rotary", flies: bool = True, sam: bool = False
) -> dict[str, Any]:
    """A red watcher (an eye: range scale 3 km, reach 6 km) at the centre; a blue helicopter patrols east-west
    ``north_m`` north of it at 300 m (or, with ``flies`` off, stays on its pad there). With ``sam`` the
    watcher also carries a missile (4 km slant range) and so tracks aircraft as air defence."""
    data = base(duration_s=1800.0)
    cat = data["catalogue"]
    cat["sensors"]["eye"] = eye(1.0)
    cat["unit_types"]["heli"] = {
        "category": "helicopter",
        "domain": "air",
        "echelon": "flight",
        "personnel": 2,
        "air": {
            "cruise_speed_mps": 50.0,
            "endurance_s": 20_000.0,
            "altitude_m": 300,
            "signature_class": signature_class,
        },
    }
    watcher: dict[str, Any] = {
        "category": "irregular",
        "personnel": 3,
        "sensors": [{"sensor": "eye"}],
        "speed_mps": {"open": 1.0},
    }
    if sam:
        cat["weapons"]["sam"] = {
            "kind": "air-defence",
            "anti_air": {
                "max_range_m": 4000,
                "min_altitude_m": 50,
                "max_altitude_m": 2300,
                "engagements_per_min": 1.0,
                "p_kill": 0.0,
                "p_damage": 0.0,
            },
        }
        watcher["weapons"] = [{"weapon": "sam", "count": 1, "ammunition": 50}]
    cat["unit_types"]["watcher"] = watcher
    data["sites"] = {"base": {"kind": "airbase", "at": at(0, north_m), "nation": "B"}}
    data["units"] = {
        "blue/heli": {"type": "heli", "nation": "B", "at": at(0, north_m), "home": "base"},
        "red/watcher": {"type": "watcher", "nation": "R", "at": at(0, 0)},
    }
    tasks = [{"task": "patrol", "units": ["blue/heli"], "waypoints": [at(-2000, north_m), at(2000, north_m)]}]
    data["plan"]["phases"] = {"go": {"trigger": {"at_s": 0}, "tasks": tasks if flies else []}}
    return data


def sightings(result: Result) -> np.ndarray:
    """Per replication: contacts red made on the helicopter."""
    return result.count("ContactDetected", side="red", other="blue/heli")


def test_aircraft_are_seen_beyond_a_ground_target_reach(runner: Runner) -> None:
    """A helicopter 8 km away (beyond the eye's 6 km reach for a ground target, within it stretched by the
    rotary factor 3) is seen in every replication; a small drone (factor 1) at the same place never."""
    heli = runner.run(watched_patrol(north_m=8000.0), reps=REPS)
    drone = runner.run(watched_patrol(north_m=8000.0, signature_class="small-uav"), reps=REPS)
    assert (sightings(heli) > 0).all()
    assert sightings(drone).sum() == 0


def test_aircraft_on_the_ground_are_not_seen(runner: Runner) -> None:
    """A helicopter on its pad 2 km from the watcher is never in red's picture; flying there, it is."""
    grounded = runner.run(watched_patrol(north_m=2000.0, flies=False), reps=REPS)
    flying = runner.run(watched_patrol(north_m=2000.0), reps=REPS)
    assert sightings(grounded).sum() == 0
    assert (sightings(flying) > 0).all()


def test_air_defence_tracks_enter_the_picture(runner: Runner) -> None:
    """A missile team sees aircraft through its tracking, not the general search: its side's contact on the
    helicopter names the team as observer, and comes no later than the team's first engagement."""
    result = runner.run(watched_patrol(north_m=2000.0, sam=True), reps=REPS)
    contacts = result.select("ContactDetected", side="red", other="blue/heli")
    assert len(contacts) > 0
    assert set(contacts["unit"].to_pylist()) == {"red/watcher"}
    seen = result.first("ContactDetected", side="red", other="blue/heli")
    engaged = result.first("AircraftEngaged", unit="red/watcher")
    assert np.isfinite(engaged).all()
    assert (seen <= engaged).all()


def leaving_patrol() -> dict[str, Any]:
    """The helicopter patrols 2 km north of the watcher until 600 s, then flies to a point 21 km away (beyond
    the 18 km the watcher's eye reaches for a helicopter) and stays there; the run ends at 1,800 s, well
    inside red's 1,800 s contact timeout after the helicopter was last seen."""
    data = watched_patrol(north_m=2000.0)
    leave = {"task": "move", "units": ["blue/heli"], "to": at(15000, 15000)}
    data["plan"]["phases"]["leave"] = {"trigger": {"at_s": 600}, "tasks": [leave]}
    return data


def test_contacts_on_aircraft_go_stale_after_their_flight_time(runner: Runner) -> None:
    """A contact on an aircraft lives only as long as the aircraft takes to fly the eye's range scale for it
    (3 x 3 km at 50 m/s: 180 s): the helicopter that left is out of red's shared picture by the end in every
    replication, though a ground contact would live 1,800 s; the one still patrolling near the watcher stays
    in it, seen again and again."""
    life = float(aircraft_contact_life(3.0, 3000.0, 50.0))
    assert life == 180.0
    left = runner.run(leaving_patrol(), reps=REPS)
    stays = runner.run(watched_patrol(north_m=2000.0), reps=REPS)
    heli = left.sim.world.forces.ids.index("blue/heli")
    red = left.sim.world.forces.side_names.index("red")
    assert (left.count("ContactReported", side="red", other="blue/heli") > 0).all()
    lost = left.select("ContactLost", side="red", other="blue/heli")
    assert set(lost["replication"].to_pylist()) == set(range(REPS))
    pic = left.sim.state.picture
    assert not pic.known_live[:, red, heli].any()
    # without the aircraft's life the contact, last seen long after 0 s, would still be live at 1,800 s
    assert (pic.known_t[:, red, heli] > 0.0).all()
    assert (1800.0 - pic.known_t[:, red, heli] > life).all()
    assert stays.sim.state.picture.known_live[:, red, heli].all()


def listened_patrol(*, north_m: float, audible_m: float) -> dict[str, Any]:
    """The patrol of :func:`watched_patrol` over a red watcher with no sensor at all, the helicopter audible
    within ``audible_m``; by night."""
    data = watched_patrol(north_m=north_m)
    data["catalogue"]["unit_types"]["watcher"]["sensors"] = []
    data["catalogue"]["unit_types"]["heli"]["air"]["audible_range_m"] = audible_m
    data["environment"]["light"] = "night"
    return data


def test_ground_elements_hear_helicopters_beyond_sight(runner: Runner) -> None:
    """Hearing is its own channel: a watcher with no sensor, by night, hears a helicopter patrolling 2 km away
    (slant range within its 3 km audible range) in every replication, by ear; not when the helicopter is
    inaudible, nor when it patrols 5 km away."""
    heard = runner.run(listened_patrol(north_m=2000.0, audible_m=3000.0), reps=REPS)
    silent = runner.run(listened_patrol(north_m=2000.0, audible_m=0.0), reps=REPS)
    far = runner.run(listened_patrol(north_m=5000.0, audible_m=3000.0), reps=REPS)
    assert (sightings(heard) > 0).all()
    contacts = heard.select("ContactDetected", side="red", other="blue/heli")
    assert set(contacts["unit"].to_pylist()) == {"red/watcher"}
    assert set(contacts["detail"].to_pylist()) == {"hearing"}
    assert sightings(silent).sum() == 0
    assert sightings(far).sum() == 0
