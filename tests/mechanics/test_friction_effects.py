"""Friction of the march (docs/mechanics/friction.md): paces vary between elements and replications,
vehicles break down with distance, night slows the march, elements lose their way off roads (more often
by night), and all of it comes from the seed alone."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from effects_kit import Result, Runner, at, base

from drillsim.mechanics.friction import breakdown_probability, navigation_error_probability, pace_factor

MARCH_M = 20000.0
SPEED = 10.0
TRUCKS = 10


def column(friction: dict[str, Any]) -> dict[str, Any]:
    """Ten single-truck elements (blue) drive 20 km east across open ground at 10 m/s; nobody else."""
    data = base(duration_s=21600.0, dt_s=10.0)
    data["catalogue"]["unit_types"]["truck"] = {
        "category": "logistics",
        "personnel": 2,
        "vehicles": {"truck": 1},
        "speed_mps": {"open": SPEED},
    }
    data["units"] = {"blue/truck": {"type": "truck", "nation": "B", "at": at(-10000, 0), "count": TRUCKS}}
    data["plan"]["phases"] = {
        "go": {
            "trigger": {"at_s": 0},
            "tasks": [{"task": "move", "units": ["blue/truck"], "to": at(10000, 0)}],
        }
    }
    data["friction"] = friction
    return data


def arrivals(result: Result) -> np.ndarray:
    """Arrival time of every element (replications x elements)."""
    sim = result.sim
    return np.asarray(sim.state.first_arrived_at.copy())


def test_pace_spreads_arrivals_reproducibly(runner: Runner) -> None:
    """With march_speed_cv the same march ends at different times for each element and replication, the
    same ones for the same seed, and a replication's pace does not depend on its batch; without it every
    element arrives at the same time."""
    varied = arrivals(runner.run(column({"march_speed_cv": 0.2}), reps=4))
    again = arrivals(runner.run(column({"march_speed_cv": 0.2}), reps=4))
    fixed = arrivals(runner.run(column({}), reps=4))
    assert np.isfinite(varied).all()
    assert np.array_equal(varied, again)
    assert np.ptp(fixed) == 0.0
    assert np.ptp(varied) > 60.0  # cv 0.2 over a 2,000 s march: a spread of minutes, not of one step
    assert len(np.unique(varied[:, 0])) == 4  # the first element differs between replications
    # the mean pace is 1: the mean arrival time lies near the fixed one (E[1/pace] = 1 + cv^2 = 1.04,
    # standard error of the mean of 40 about 0.2 / sqrt(40) of 2,000 s = 63 s; 4 standard errors)
    assert abs(varied.mean() - fixed.mean() * 1.04) < 4 * 63.0


def test_breakdowns_halt_vehicles_at_the_documented_rate(runner: Runner) -> None:
    """With breakdown_distance_m each truck breaks down at 1/D per metre driven and halts repair_s; without
    it none does."""
    spec = {"breakdown_distance_m": MARCH_M, "repair_s": 1800}
    broken = runner.run(column(spec), reps=4)
    again = runner.run(column(spec), reps=4)
    plain = runner.run(column({}), reps=4)
    events = broken.select("VehicleBrokeDown")
    # Poisson with mean (20 km / 20 km) per truck, 40 trucks: 40 breakdowns, standard deviation sqrt(40).
    assert abs(len(events) - TRUCKS * 4) < 4 * math.sqrt(TRUCKS * 4)
    assert events.equals(again.select("VehicleBrokeDown"))
    assert len(plain.select("VehicleBrokeDown")) == 0
    arrived = arrivals(broken)
    assert np.isfinite(arrived).all()
    late = arrived - arrivals(plain)
    count = np.zeros((4, TRUCKS))
    ids = list(broken.sim.world.forces.ids)
    rows = zip(
        events["replication"].to_pylist(),
        events["unit"].to_pylist(),
        events["time_s"].to_pylist(),
        strict=True,
    )
    for r, unit, t in rows:
        e = ids.index(unit)
        count[r, e] += t < arrived[r, e]  # a breakdown in the step it arrives delays nothing
    # every breakdown on the way costs its repair time (within a step); the others are on time
    assert np.allclose(late, 1800.0 * count, atol=10.0)


def in_light(friction: dict[str, Any], light: str) -> dict[str, Any]:
    data = column(friction)
    data["environment"]["light"] = light
    return data


def test_night_slows_the_march_by_its_factor(runner: Runner) -> None:
    """night_speed_factor f: the 2,000 s march takes 2,000 / f s by night and 2,000 / ((1 + f) / 2) s at
    twilight; by day, or with no factor, night or not, it takes 2,000 s (to within a step)."""
    slow = {"night_speed_factor": 0.5}
    day = arrivals(runner.run(in_light(slow, "day"), reps=1))
    night = arrivals(runner.run(in_light(slow, "night"), reps=1))
    dusk = arrivals(runner.run(in_light(slow, "twilight"), reps=1))
    plain = arrivals(runner.run(in_light({}, "night"), reps=1))
    march = MARCH_M / SPEED
    assert np.abs(plain - march).max() <= 10.0
    assert np.abs(day - plain).max() <= 10.0
    assert np.abs(night - plain / 0.5).max() <= 10.0
    assert np.abs(dusk - plain / 0.75).max() <= 10.0


def three_ways(friction: dict[str, Any], light: str) -> dict[str, Any]:
    """Three elements march 4 km east: one on foot along a road, one on foot across country (2 m/s both
    ways), and a truck (a type with vehicles and no carriers) across country at 10 m/s."""
    data = base(duration_s=21600.0, dt_s=10.0)
    data["environment"]["light"] = light
    types = data["catalogue"]["unit_types"]
    types["walkers"] = {"category": "infantry", "personnel": 10, "speed_mps": {"open": 2.0, "road": 2.5}}
    types["truck"] = {
        "category": "logistics",
        "personnel": 2,
        "vehicles": {"truck": 1},
        "speed_mps": {"open": 10.0},
    }
    data["units"] = {
        "blue/road": {"type": "walkers", "nation": "B", "at": at(-2000, 0)},
        "blue/across": {"type": "walkers", "nation": "B", "at": at(-2000, 4000)},
        "blue/truck": {"type": "truck", "nation": "B", "at": at(-2000, -4000)},
    }
    data["lines"] = {"the-road": {"kind": "road", "points": [at(-2000, 0), at(0, 0), at(2000, 0)]}}
    tasks = [
        {"task": "move", "units": ["blue/road"], "to": at(2000, 0), "via": ["the-road"]},
        {"task": "move", "units": ["blue/across"], "to": at(2000, 4000)},
        {"task": "move", "units": ["blue/truck"], "to": at(2000, -4000)},
    ]
    data["plan"]["phases"] = {"go": {"trigger": {"at_s": 0}, "tasks": tasks}}
    data["friction"] = friction
    return data


TOL_S = 100.0


def march_times(runner: Runner, friction: dict[str, Any], light: str) -> np.ndarray:
    """Arrival times of the road walkers, the walkers across country and the truck."""
    result = runner.run(three_ways(friction, light), reps=1)
    return np.array(
        [float(result.first("UnitArrived", unit=u)[0]) for u in ("blue/road", "blue/across", "blue/truck")]
    )


def test_night_slows_by_road_across_country_and_in_vehicles(runner: Runner) -> None:
    """By night, walkers on a road move at night_road_factor, walkers off roads at
    night_cross_country_factor, and vehicles at night_vehicle_factor; night_speed_factor fills each one
    left unset, and a factor set on its own wins over it. Tolerance: each waypoint of the road walkers'
    route may cost up to a 10 s step by day and by night alike (70 s by day over the ideal 1,600 s), so
    100 s; the factors tested differ by 600 s or more on every march."""
    day = march_times(runner, {}, "day")
    split = {"night_road_factor": 0.8, "night_cross_country_factor": 0.5, "night_vehicle_factor": 0.25}
    night = march_times(runner, split, "night")
    assert np.abs(night - day / np.array([0.8, 0.5, 0.25])).max() <= TOL_S
    # the old single factor for all three, except the road's, which is set on its own
    mixed = march_times(runner, {"night_speed_factor": 0.5, "night_road_factor": 0.8}, "night")
    assert np.abs(mixed - day / np.array([0.8, 0.5, 0.5])).max() <= TOL_S
    # without a road's own factor the road walkers slow as the others do: the split is what moves them
    single = march_times(runner, {"night_speed_factor": 0.5}, "night")
    assert np.abs(single - day / 0.5).max() <= TOL_S


def test_navigation_errors_come_at_their_rate_and_double_by_night(runner: Runner) -> None:
    """navigation_error_distance_m D: each element off roads errs at 1/D per metre by day and
    night_navigation_factor (2) times that by night, each error halting it navigation_error_s; without D
    none errs."""
    spec = {"navigation_error_distance_m": MARCH_M / 4, "navigation_error_s": 60}
    reps = 4
    day = runner.run(in_light(spec, "day"), reps=reps)
    night = runner.run(in_light(spec, "night"), reps=reps)
    plain = runner.run(in_light({}, "night"), reps=reps)
    n_day = len(day.select("UnitLostWay"))
    n_night = len(night.select("UnitLostWay"))
    # Poisson counts: 4 errors per element by day (160 in all), 8 by night (320); 4 standard deviations.
    assert abs(n_day - 4 * TRUCKS * reps) < 4 * math.sqrt(4 * TRUCKS * reps)
    assert abs(n_night - 8 * TRUCKS * reps) < 4 * math.sqrt(8 * TRUCKS * reps)
    assert len(plain.select("UnitLostWay")) == 0
    # Each error costs its 60 s halt (to within a step each; an error in the arrival step costs nothing).
    late = (arrivals(day) - arrivals(plain)).sum()
    assert abs(late - 60.0 * n_day) <= 10.0 * n_day + 60.0 * TRUCKS * reps / 10


def test_friction_formulas() -> None:
    """The pace has mean 1 and the asked coefficient of variation; breakdowns follow 1 - exp(-v d / D)."""
    z = np.random.default_rng(3).standard_normal(200_000)
    pace = pace_factor(z, 0.3)
    assert abs(pace.mean() - 1.0) < 0.005
    assert abs(pace.std() / pace.mean() - 0.3) < 0.005
    assert np.all(pace_factor(z[:5], 0.0) == 1.0)
    p = breakdown_probability(np.array([1000.0, 1000.0]), np.array([1.0, 3.0]), 10000.0)
    assert np.allclose(p, [1 - math.exp(-0.1), 1 - math.exp(-0.3)])
    # navigation errors: 1 - exp(-light d / D), the light doubling the rate
    assert navigation_error_probability(np.array([0.0]), 1000.0, 1.0)[0] == 0.0
    p1 = navigation_error_probability(np.array([500.0]), 1000.0, 1.0)[0]
    p2 = navigation_error_probability(np.array([500.0]), 1000.0, 2.0)[0]
    assert p1 == pytest.approx(1 - math.exp(-0.5))
    assert p2 == pytest.approx(1 - math.exp(-1.0))
