"""Airlifts (docs/mechanics/transport.md): sorties limited by seats, aircraft and the airfield's throughput
bring units in over time; a unit waits where it is until its sortie lands, then is set down at the landing
place; random trip delays spread the arrival between replications, from the seed alone."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from effects_kit import Result, Runner, at, base

from drillsim.core.errors import InputError
from drillsim.mechanics.transport import landing_times, sortie_of_elements

SQUADS = 12


def lift_scenario(**lift: Any) -> dict[str, Any]:
    """Twelve squads of 10 wait at a pickup point 10 km west of a landing zone; an airlift brings them to
    the zone, and they are ordered at once to march 1 km east of it."""
    data = base(duration_s=14400.0, dt_s=10.0)
    data["catalogue"]["unit_types"]["squad"] = {
        "category": "infantry",
        "personnel": 10,
        "speed_mps": {"open": 1.0},
    }
    data["units"] = {"blue/sqd": {"type": "squad", "nation": "B", "at": at(-10000, 0), "count": SQUADS}}
    data["places"] = {"lz": at(0, 0)}
    data["airlifts"] = {"lift": {"units": ["blue/sqd"], "to": "lz", "spread_m": 0} | lift}
    data["plan"]["phases"] = {
        "go": {"trigger": {"at_s": 0}, "tasks": [{"task": "move", "units": ["blue/sqd"], "to": at(1000, 0)}]}
    }
    data["measures"] = {"all-in": {"kind": "time-landed", "units": ["blue/sqd"]}}
    return data


def landed(result: Result) -> np.ndarray:
    """Landing time of each squad (replications x squads), from the UnitLanded events."""
    out = np.full((result.reps, SQUADS), np.nan)
    ev = result.select("UnitLanded")
    ids = list(result.sim.world.forces.ids)
    for r, u, t in zip(
        ev["replication"].to_pylist(), ev["unit"].to_pylist(), ev["time_s"].to_pylist(), strict=True
    ):
        out[r, ids.index(u)] = t
    return out


def test_airfield_throughput_spreads_the_landings(runner: Runner) -> None:
    """Six aircraft of 20 seats ready at once: with one landing every 15 minutes the six sorties land
    600 s, 1,500 s, ... 5,100 s; without the limit they all land at 600 s."""
    lift = {"aircraft": 6, "seats": 20, "first_landing_s": 600, "round_trip_s": 7200}
    limited = landed(runner.run(lift_scenario(**lift, landing_interval_s=900), reps=1))
    free = landed(runner.run(lift_scenario(**lift), reps=1))
    expected = 600.0 + 900.0 * (np.arange(SQUADS) // 2)
    assert np.allclose(limited[0], expected)
    assert np.allclose(free[0], 600.0)


def test_seats_and_round_trips_limit_one_aircraft(runner: Runner) -> None:
    """One aircraft of 40 seats brings four squads a trip: three trips, one round trip apart; the squads
    march on from the landing zone only after landing, and time-landed is the last landing."""
    result = runner.run(lift_scenario(aircraft=1, seats=40, first_landing_s=600, round_trip_s=3600), reps=1)
    when = landed(result)[0]
    assert np.allclose(when, 600.0 + 3600.0 * (np.arange(SQUADS) // 4))
    assert result.measure("all-in")[0] == pytest.approx(7800.0)
    arrived = result.sim.state.first_arrived_at[0]
    # 1 km at 1 m/s from the landing zone, after landing (not 11 km from the pickup point)
    assert np.allclose(arrived, when + 1000.0, atol=20.0)


def test_trip_delays_vary_between_replications_from_the_seed(runner: Runner) -> None:
    """With random trip delays the same lift lands at different times in each replication, the same ones
    again for the same seed and for a replication run alone; without delays every replication is alike."""
    lift = {
        "aircraft": 2,
        "seats": 30,
        "first_landing_s": 600,
        "round_trip_s": 3600,
        "landing_interval_s": 300,
    }
    delayed = landed(runner.run(lift_scenario(**lift, delay_mean_s=900), reps=4))
    again = landed(runner.run(lift_scenario(**lift, delay_mean_s=900), reps=4))
    alone = landed(runner.run(lift_scenario(**lift, delay_mean_s=900), reps=1))
    plain = landed(runner.run(lift_scenario(**lift), reps=4))
    assert np.array_equal(delayed, again)
    assert np.array_equal(delayed[0], alone[0])
    assert len({tuple(row) for row in delayed}) == 4
    assert len({tuple(row) for row in plain}) == 1
    assert (delayed >= plain).all()  # delays only ever make a trip later


def test_schedule_formulas() -> None:
    """Loading in order by seats, and landings through a one-at-a-time airfield."""
    assert sortie_of_elements(np.array([10.0, 10.0, 25.0, 5.0]), 20.0).tolist() == [0, 0, 2, 2]
    when = landing_times(
        sorties=4,
        aircraft=2,
        first_landing_s=0.0,
        round_trip_s=100.0,
        landing_interval_s=30.0,
        delays_s=np.zeros((2, 4)),
    )
    assert when.tolist() == [0.0, 30.0, 100.0, 130.0]


def test_unknown_unit_in_an_airlift_is_refused(runner: Runner) -> None:
    """An airlift naming a unit the scenario does not have is an input error naming the field."""
    data = lift_scenario()
    data["airlifts"]["lift"]["units"] = ["blue/nobody"]
    with pytest.raises(InputError, match="airlifts"):
        runner.scenario(data)


def test_a_phase_waits_for_the_last_landing(runner: Runner) -> None:
    """A phase triggered by ``unit-landed`` of the group starts when its last element has landed."""
    data = lift_scenario(aircraft=1, seats=40, first_landing_s=600, round_trip_s=3600)
    data["plan"]["phases"]["all-in"] = {"trigger": {"event": "unit-landed", "unit": "blue/sqd"}, "tasks": []}
    data["measures"]["all-in-phase"] = {"kind": "phase-start", "phase": "all-in"}
    result = runner.run(data, reps=1)
    assert result.measure("all-in-phase")[0] == pytest.approx(7800.0, abs=10.0)
