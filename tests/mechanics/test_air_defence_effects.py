"""Air defence (docs/mechanics/air-defence.md): envelopes, engagement outcomes at their probabilities, threat
rings kept out of or overflown, lost aircraft out of action, damaged ones home.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from effects_kit import Runner, at, base, eye

from drillsim.core.errors import UserError
from drillsim.engine import EventLog, Simulation
from drillsim.mechanics.air_defence.model import (
    DAMAGED,
    KILLED,
    MISSED,
    RING_MARGIN_M,
    engagement_result,
    ring_radius,
)
from drillsim.state.batch import ACTIVE, DESTROYED

DT = 10.0
SAM_RANGE_M = 4000.0
SAM_CEILING_M = 2300.0


def sam(
    *, p_kill: float = 0.2, p_damage: float = 0.1, max_range_m: float = SAM_RANGE_M, per_min: float = 1.0
) -> dict[str, Any]:
    """A man-portable missile: slant range 4 km, heights 50-2,300 m."""
    return {
        "kind": "air-defence",
        "anti_air": {
            "max_range_m": max_range_m,
            "min_altitude_m": 50,
            "max_altitude_m": SAM_CEILING_M,
            "engagements_per_min": per_min,
            "p_kill": p_kill,
            "p_damage": p_damage,
        },
    }


def air_defence(
    *,
    altitude_m: float = 500.0,
    missiles: int = 1,
    threat_altitude_m: float | None = None,
    waypoints: tuple[tuple[float, float], ...] = ((0.0, 6000.0), (0.0, -6000.0)),
    duration_s: float = 3600.0,
    **weapon: Any,
) -> dict[str, Any]:
    """A blue helicopter (endurance longer than the run) patrols back and forth between ``waypoints``;
    a red missile team stands at the centre, with an eye that sees aircraft within seconds."""
    data = base(duration_s=duration_s, dt_s=DT)
    cat = data["catalogue"]
    cat["sensors"]["eye"] = eye(1.0)
    cat["weapons"]["sam"] = sam(**weapon)
    air: dict[str, Any] = {
        "cruise_speed_mps": 50,
        "endurance_s": 20_000,
        "altitude_m": altitude_m,
        "turnaround_s": 600,
        "signature_class": "rotary",
    }
    if threat_altitude_m is not None:
        air["threat_altitude_m"] = threat_altitude_m
    cat["unit_types"]["heli"] = {
        "category": "helicopter",
        "domain": "air",
        "echelon": "flight",
        "personnel": 3,
        "sensors": [{"sensor": "eye"}],
        "signature": 4.0,
        "air": air,
    }
    cat["unit_types"]["team"] = {
        "category": "irregular",
        "personnel": 3,
        "weapons": [{"weapon": "sam", "count": 1, "ammunition": missiles}],
        "sensors": [{"sensor": "eye"}],
        "speed_mps": {"open": 1.0},
    }
    data["sites"] = {"base": {"kind": "airbase", "at": at(-12_000, -12_000), "nation": "B"}}
    data["units"] = {
        "blue/heli": {"type": "heli", "nation": "B", "at": at(-12_000, -12_000), "home": "base"},
        "red/team": {"type": "team", "nation": "R", "at": at(0, 0)},
    }
    data["plan"]["phases"] = {
        "patrol": {
            "trigger": {"at_s": 0},
            "tasks": [
                {"task": "patrol", "units": ["blue/heli"], "waypoints": [at(x, y) for x, y in waypoints]}
            ],
        }
    }
    return data


# --- the formulas ---------------------------------------------------------------------------------------


def test_ring_shrinks_with_height_and_vanishes_outside_the_band() -> None:
    """ring_radius: sqrt(R^2 - h^2) inside the height band, 0 above the ceiling or below the floor."""
    kw = {"max_range_m": 4000.0, "min_altitude_m": 50.0, "max_altitude_m": 2300.0}
    assert ring_radius(500.0, **kw) == pytest.approx(math.sqrt(4000.0**2 - 500.0**2))
    assert ring_radius(2000.0, **kw) < ring_radius(500.0, **kw)
    assert ring_radius(2400.0, **kw) == 0.0
    assert ring_radius(20.0, **kw) == 0.0


def test_engagement_result_splits_the_unit_interval() -> None:
    """engagement_result: killed below p_kill, damaged below p_kill + p_damage, missed above."""
    u = np.array([0.0, 0.19, 0.2, 0.29, 0.31, 0.99])
    got = engagement_result(u, p_kill=0.2, p_damage=0.1)
    assert got.tolist() == [KILLED, KILLED, DAMAGED, DAMAGED, MISSED, MISSED]


def test_outcomes_above_one_are_refused(runner: Runner) -> None:
    """p_kill + p_damage > 1 is a scenario error naming the fields."""
    with pytest.raises(UserError, match="p_kill \\+ p_damage"):
        runner.scenario(air_defence(p_kill=0.8, p_damage=0.5))


# --- the envelope ---------------------------------------------------------------------------------------


def test_aircraft_outside_the_envelope_is_never_engaged(runner: Runner) -> None:
    """Above the ceiling, or beyond the slant range, no engagement ever; inside it, engagements happen."""
    reps = 20
    above = runner.run(air_defence(altitude_m=3000.0, missiles=50), reps=reps)
    wide = runner.run(air_defence(missiles=50, waypoints=((-6000.0, 4500.0), (6000.0, 4500.0))), reps=reps)
    inside = runner.run(air_defence(missiles=50), reps=reps)
    assert above.count("AircraftEngaged").sum() == 0
    assert wide.count("AircraftEngaged").sum() == 0
    assert (inside.count("AircraftEngaged") > 0).all()
    # Every engagement inside is within the envelope.
    rng = inside.select("AircraftEngaged")["value"].to_numpy()
    assert (rng <= SAM_RANGE_M + 1e-6).all()


# --- outcomes at their probabilities --------------------------------------------------------------------


def test_missile_kills_and_damages_at_its_probabilities(runner: Runner) -> None:
    """One missile per replication at a helicopter over the team: the fractions lost and damaged among the
    engaged replications match p_kill = 0.2 and p_damage = 0.1.

    Tolerance: each engaged replication is a Bernoulli trial, so the fraction's standard error is
    sqrt(p (1 - p) / n); the test allows 4 standard errors (a false alarm about 6e-5 each way).
    """
    reps = 400
    result = runner.run(air_defence(missiles=1, p_kill=0.2, p_damage=0.1), reps=reps, until_s=1800.0)
    engaged = result.count("AircraftEngaged")
    assert engaged.max() == 1
    n = int(engaged.sum())
    assert n >= 0.95 * reps
    for kind, p in (("AircraftLost", 0.2), ("AircraftDamaged", 0.1)):
        frac = float(result.count(kind).sum()) / n
        assert abs(frac - p) <= 4.0 * math.sqrt(p * (1 - p) / n), (kind, frac)


# --- threat rings ---------------------------------------------------------------------------------------


def _track_after_warning(runner: Runner, data: dict[str, Any], reps: int) -> tuple[list[float], list[float]]:
    """Run step by step; per step after the first engagement of each replication, the helicopter's ground
    distance from the team and its height."""
    scenario = runner.scenario(data)
    sim = Simulation(scenario, rng=20240611, replications=reps, recorder=EventLog(sample_s=None))
    f = sim.world.forces
    heli, team = f.index("blue/heli"), f.index("red/team")
    blue = f.side_names.index("blue")
    dist: list[float] = []
    height: list[float] = []
    while sim.state.time_s < sim.world.duration_s - 1e-9:
        sim.step()
        s = sim.state
        warned = s.threat_t[:, blue, :].min(axis=1) < s.time_s  # learnt in an earlier step
        flying = (s.status[:, heli] == ACTIVE) & (s.air_phase[:, heli] >= 2) & (s.air_phase[:, heli] <= 4)
        rows = np.flatnonzero(warned & flying)
        dist.extend(np.hypot(s.x[rows, heli] - s.x[rows, team], s.y[rows, heli] - s.y[rows, team]).tolist())
        height.extend(s.air_altitude[rows, heli].tolist())
    return dist, height


def test_aware_aircraft_keeps_out_of_the_ring(runner: Runner) -> None:
    """After the first missile (a miss) gives the team away, a helicopter that cannot climb above it patrols
    around the ring, never inside it, and is not engaged again although missiles remain."""
    reps = 10
    data = air_defence(missiles=5, p_kill=0.0, p_damage=0.0)
    dist, _ = _track_after_warning(runner, data, reps)
    radius = math.sqrt(SAM_RANGE_M**2 - 500.0**2)
    assert len(dist) > 100  # it kept flying, warned, for many steps
    assert min(dist) >= radius + RING_MARGIN_M - 1e-6
    result = runner.run(data, reps=reps)
    assert (result.count("AircraftEngaged") == 1).all()


def test_aware_aircraft_with_a_threat_altitude_flies_over_it(runner: Runner) -> None:
    """With a threat altitude above the missile's ceiling, the warned helicopter climbs instead: it still
    passes over the team (inside the ring's ground radius at its usual height), but above the envelope."""
    reps = 10
    data = air_defence(missiles=5, p_kill=0.0, p_damage=0.0, threat_altitude_m=3000.0)
    dist, height = _track_after_warning(runner, data, reps)
    near = np.asarray(dist) < 1000.0
    assert near.any()
    assert (np.asarray(height)[near] == 3000.0).all()
    assert (runner.run(data, reps=reps).count("AircraftEngaged") == 1).all()


# --- effects --------------------------------------------------------------------------------------------


def test_lost_aircraft_stops_flying_and_counts(runner: Runner) -> None:
    """p_kill = 1: the helicopter is lost at the first engagement, is out of action where it fell, flies
    no more sorties, and the aircraft-lost measure counts it once."""
    data = air_defence(missiles=3, p_kill=1.0, p_damage=0.0)
    data["measures"] = {"lost": {"kind": "aircraft-lost", "side": "blue"}}
    reps = 5
    scenario = runner.scenario(data)
    sim = Simulation(scenario, rng=20240611, replications=reps, recorder=EventLog(sample_s=None))
    heli = sim.world.forces.index("blue/heli")
    sim.run(until_s=1800.0)
    where = np.stack([sim.state.x[:, heli], sim.state.y[:, heli]], axis=1)
    out2 = sim.run()
    assert (sim.state.status[:, heli] == DESTROYED).all()
    assert np.array_equal(where, np.stack([sim.state.x[:, heli], sim.state.y[:, heli]], axis=1))
    assert out2.events is not None
    events = out2.events.to_pandas()
    lost = events[events.kind == "AircraftLost"]
    assert len(lost) == reps
    after = events.merge(lost[["replication", "time_s"]], on="replication", suffixes=("", "_lost"))
    later = after[after.time_s > after.time_s_lost]
    assert not later.kind.isin(["SortieLaunched", "SortieRecovered", "AircraftEngaged"]).any()
    assert not ((later.kind == "ContactDetected") & (later.unit == "blue/heli")).any()
    assert np.asarray(out2.measures["lost"]).tolist() == [1.0] * reps


def test_damaged_aircraft_aborts_and_returns(runner: Runner) -> None:
    """p_damage = 1: the helicopter aborts its patrol (SortieAborted, reason damaged), flies home, lands,
    and does not take off again; sorties-aborted counts it once."""
    data = air_defence(missiles=3, p_kill=0.0, p_damage=1.0, duration_s=7200.0)
    data["measures"] = {"aborted": {"kind": "sorties-aborted", "side": "blue"}}
    reps = 5
    result = runner.run(data, reps=reps)
    events = result.events.to_pandas()
    aborted = events[events.kind == "SortieAborted"]
    assert len(aborted) == reps
    assert (aborted.detail == "damaged").all()
    for rep in range(reps):
        mine = events[events.replication == rep]
        t_abort = float(aborted[aborted.replication == rep].time_s.iloc[0])
        landed = mine[(mine.kind == "SortieRecovered") & (mine.time_s > t_abort)]
        assert len(landed) == 1
        assert not ((mine.kind == "SortieLaunched") & (mine.time_s > t_abort)).any()
    heli = result.sim.world.forces.index("blue/heli")
    f = result.sim.world.forces
    s = result.sim.state
    assert np.allclose(s.x[:, heli], f.home_x[heli])
    assert np.allclose(s.y[:, heli], f.home_y[heli])
    assert (s.status[:, heli] == ACTIVE).all()
    assert result.measure("aborted").tolist() == [1.0] * reps
