"""Aircraft that stay on station (docs/mechanics/air.md, "On station"): with weapons left after a pass they
attack the next enemy found near the station, and leave when the weapons, the time on station or the fuel
run out.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from effects_kit import Runner, at, base, eye

from drillsim.mechanics.air.step import REATTACK_S

DT = 10.0


def station(
    *, bombs: int = 4, per_pass: int | None = 1, endurance_s: float = 7200.0, **task: Any
) -> dict[str, Any]:
    """A blue jet (home 15 km south) on a strike task with a long time on station; its observer, 1.5 km
    south of a red team, sees 2 km around it. A second red team drives in from 8 km north and comes into
    view about 10 minutes in, after the jet's first pass (about 6.5 minutes in) has destroyed the first."""
    data = base(duration_s=7200.0, dt_s=DT)
    cat = data["catalogue"]
    cat["sensors"]["sure-eye"] = eye(10.0, max_range_m=2000.0) | {"position_error_m": 1.0}
    bomb: dict[str, Any] = {"kind": "air", "max_range_m": 1000, "lethal_radius_m": 200, "dispersion_m": 1}
    bomb["rounds_per_mission"] = bombs
    if per_pass is not None:
        bomb["rounds_per_pass"] = per_pass
    cat["weapons"]["bomb"] = bomb
    cat["unit_types"]["jet"] = {
        "category": "aircraft",
        "domain": "air",
        "echelon": "flight",
        "personnel": 1,
        "weapons": [{"weapon": "bomb"}],
        "air": {"cruise_speed_mps": 200, "endurance_s": endurance_s, "turnaround_s": 1200},
    }
    cat["unit_types"]["fo"] = {
        "category": "reconnaissance",
        "echelon": "team",
        "personnel": 3,
        "sensors": [{"sensor": "sure-eye"}],
    }
    cat["unit_types"]["team"] = {
        "category": "infantry",
        "echelon": "team",
        "personnel": 1,
        "speed_mps": {"open": 10.0},
    }
    data["sites"] = {"field": {"kind": "airbase", "at": at(0, -15000), "nation": "B"}}
    data["units"] = {
        "blue/jet": {"type": "jet", "nation": "B", "at": at(0, -15000), "home": "field"},
        "blue/fo": {"type": "fo", "nation": "B", "at": at(0, 0)},
        "red/first": {"type": "team", "nation": "R", "at": at(0, 1500)},
        "red/second": {"type": "team", "nation": "R", "at": at(0, 8000)},
    }
    job = {"task": "strike", "units": ["blue/jet"], "tasking_delay_s": 300, "time_on_station_s": 3600} | task
    data["plan"]["phases"] = {
        "strike": {"trigger": {"at_s": 0}, "tasks": [job]},
        "approach": {
            "trigger": {"at_s": 0},
            "tasks": [{"task": "move", "units": ["red/second"], "to": at(0, 1400)}],
        },
    }
    return data


def test_a_pair_on_station_attacks_a_second_target_found_after_its_first_pass(runner: Runner) -> None:
    """rounds_per_pass: the jet stays after its first pass and attacks the team found later, in one sortie."""
    result = runner.run(station(time_on_station_s=1200), reps=2, until_s=3600.0)
    released = result.select("WeaponsReleased").to_pylist()
    found = result.select("ContactDetected", other="red/second").to_pylist()
    for rep in range(2):
        passes = [r for r in released if r["replication"] == rep]
        seen = min(r["time_s"] for r in found if r["replication"] == rep)
        assert passes[0]["other"] == "red/first"
        assert passes[0]["time_s"] < seen
        assert any(p["other"] == "red/second" and p["time_s"] >= seen for p in passes)
        assert max(p["time_s"] for p in passes) < result.first("SortieRecovered")[rep]
    # One sortie: it never went home between the passes.
    assert np.all(result.count("SortieLaunched") == 1)


def test_without_passes_the_whole_load_goes_in_one_release(runner: Runner) -> None:
    """No rounds_per_pass: one release of the sortie's load, then home (the one-pass sortie)."""
    result = runner.run(station(per_pass=None), reps=2, until_s=3600.0)
    assert np.all(result.count("WeaponsReleased") == 1)
    assert np.all(result.total("WeaponsReleased", "count") == 4)


def _steady(**kw: Any) -> dict[str, Any]:
    """The station with a red platoon that the bombs never destroy (no second team)."""
    data = station(**kw)
    data["catalogue"]["unit_types"]["team"] |= {
        "personnel": 100,
        "break_losses": 1.0,
        "break_suppression": 1.0,
    }
    data["catalogue"]["weapons"]["bomb"]["lethal_radius_m"] = 1
    del data["units"]["red/second"]
    del data["plan"]["phases"]["approach"]
    return data


def test_the_jet_leaves_when_its_weapons_are_spent(runner: Runner) -> None:
    """rounds_per_mission is the load: two one-bomb passes, REATTACK_S apart, then home long before the
    time on station is out."""
    result = runner.run(_steady(bombs=2), reps=2, until_s=3600.0)
    released = result.select("WeaponsReleased").to_pylist()
    assert np.all(result.count("WeaponsReleased") == 2)
    assert np.all(result.total("WeaponsReleased", "count") == 2)
    for rep in range(2):
        times = [r["time_s"] for r in released if r["replication"] == rep]
        assert abs(times[1] - times[0] - REATTACK_S) <= DT
        recovered = result.first("SortieRecovered")[rep]
        # Home straight after the second pass: 15 km at 200 m/s.
        assert times[1] < recovered <= times[1] + 15_000 / 200 + 2 * DT


def test_the_jet_leaves_when_its_fuel_runs_out(runner: Runner) -> None:
    """air.endurance_s bounds the stay: with weapons for an hour of passes, the jet turns for home when its
    time aloft plus the flight home reaches its endurance."""
    result = runner.run(_steady(bombs=100, endurance_s=1800.0), reps=1, until_s=3600.0)
    launched = float(result.first("SortieLaunched")[0])
    last = max(result.select("WeaponsReleased")["time_s"].to_pylist())
    assert last < launched + 1800.0 - 15_000 / 200
    assert last >= launched + 1800.0 - 15_000 / 200 - REATTACK_S - DT
    assert result.total("WeaponsReleased", "count")[0] < 100
