"""Every factor of ground speed and routing (docs/mechanics/movement.md) moves a column's arrival time the
documented way.

The scenario: a red column (2 m/s in the open, 1 m/s in foothills, 10 m/s on roads) is ordered 4 km east.
Movement draws no random numbers, so one replication decides; times are compared within a step (10 s).
Terrain features (a slope, a road, a river) are put into the compiled world, as geodata would.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from effects_kit import (
    Runner,
    at,
    base,
    eye,
    rifle,
    with_elevation,
    with_river,
    with_road,
)

from drillsim.engine import World
from drillsim.mechanics.movement.step import slope_factor

DT = 10.0
LEG_M = 4000.0


def march(**task: Any) -> dict[str, Any]:
    """The red column at the origin, ordered to (4 km, 0) at time 0; ``task`` overrides task fields."""
    data = base(duration_s=7200.0, dt_s=DT)
    data["catalogue"]["unit_types"]["column"] = {
        "category": "motorised",
        "echelon": "team",
        "personnel": 10,
        "speed_mps": {"open": 2.0, "foothills": 1.0, "road": 10.0},
    }
    data["units"] = {"red/column": {"type": "column", "nation": "R", "at": at(0, 0)}}
    move = {"task": "move", "units": ["red/column"], "to": at(LEG_M, 0)} | task
    data["plan"]["phases"] = {"go": {"trigger": {"at_s": 0}, "tasks": [move]}}
    return data


def arrival(runner: Runner, data: dict[str, Any], *, world: Any = None, reps: int = 1) -> float:
    """When the column arrived (inf if it did not), the latest over the replications."""
    result = runner.run(data, reps=reps, world=world)
    return float(result.first("UnitArrived", unit="red/column").max())


def ramp(grade: float) -> Any:
    """Ground rising eastward at ``grade`` (rise over run)."""

    def edit(world: World) -> World:
        return with_elevation(world, lambda x, y: grade * (x + 20_000.0))

    return edit


def test_terrain_class_sets_the_speed(runner: Runner) -> None:
    """v_class: the column takes twice as long over foothills (1 m/s) as over open ground (2 m/s)."""
    data = march()
    open_s = arrival(runner, data)
    data["area"]["default_terrain"] = "foothills"
    hills_s = arrival(runner, data)
    assert abs(hills_s - 2.0 * open_s) <= 2 * DT


def test_impassable_class_slows_to_a_crawl(runner: Runner) -> None:
    """A class without a speed is crossed at 0.1 m/s: the column does not arrive within two hours."""
    data = march()
    data["area"]["default_terrain"] = "mountain"
    assert arrival(runner, data) == math.inf
    assert arrival(runner, march()) < 7200.0


def test_slope_slows_the_column(runner: Runner) -> None:
    """g(θ): on a 20 % grade the column is slower by 1 - k θ / (θ_max / 2) (k 0.5, θ_max 35°)."""
    flat_s = arrival(runner, march())
    steep_s = arrival(runner, march(), world=ramp(0.2))
    keep = 1.0 - 0.5 * math.degrees(math.atan(0.2)) / 17.5
    assert steep_s > flat_s
    assert abs(steep_s - flat_s / keep) <= 2 * DT


def test_larger_slope_slowdown_is_slower(runner: Runner) -> None:
    """k (slope_slowdown): 0.9 loses more speed on the same grade than 0.3."""
    data = march()
    data["catalogue"]["unit_types"]["column"]["slope_slowdown"] = 0.3
    gentle = arrival(runner, data, world=ramp(0.2))
    data["catalogue"]["unit_types"]["column"]["slope_slowdown"] = 0.9
    harsh = arrival(runner, data, world=ramp(0.2))
    assert harsh > gentle + 5 * DT


def test_higher_slope_limit_is_faster(runner: Runner) -> None:
    """θ_max (slope_limit_deg): a type rated for 70° loses less on a grade than one rated for 30°."""
    data = march()
    data["catalogue"]["unit_types"]["column"]["slope_limit_deg"] = 30
    low = arrival(runner, data, world=ramp(0.2))
    data["catalogue"]["unit_types"]["column"]["slope_limit_deg"] = 70
    high = arrival(runner, data, world=ramp(0.2))
    assert low > high + 5 * DT


def _road_along_the_leg(world: World) -> World:
    return with_road(world, [(0.0, 0.0), (2000.0, 0.0), (LEG_M, 0.0)])


def test_a_faster_road_is_taken(runner: Runner) -> None:
    """Roads: a road 500 m off the leg at 10 m/s beats 4 km cross-country at 2 m/s."""
    off_road = arrival(runner, march())

    def parallel(world: World) -> World:
        return with_road(world, [(0.0, -500.0), (2000.0, -500.0), (LEG_M, -500.0)])

    by_road = arrival(runner, march(), world=parallel)
    assert by_road < off_road - 60.0
    assert abs(by_road - (250.0 + LEG_M / 10.0 + 250.0)) <= 3 * DT


def test_road_legs_ignore_slope(runner: Runner) -> None:
    """Roads are graded: a road over a 20 % grade is driven at the road speed, as on the flat."""

    def steep_road(world: World) -> World:
        return _road_along_the_leg(ramp(0.2)(world))

    flat_road = arrival(runner, march(), world=_road_along_the_leg)
    assert abs(arrival(runner, march(), world=steep_road) - flat_road) <= DT
    assert abs(flat_road - LEG_M / 10.0) <= 2 * DT


def _north(**task: Any) -> dict[str, Any]:
    data = march(**task)
    data["units"]["red/column"]["at"] = at(0, -2000)
    data["plan"]["phases"]["go"]["tasks"][0]["to"] = at(0, 2000)
    return data


@pytest.mark.parametrize("crossing_x", [1000.0, 3000.0])
def test_a_river_sends_the_column_through_its_crossing(runner: Runner, crossing_x: float) -> None:
    """A leg across a river goes through the crossing c minimising |a - c| + |c - b|: a longer way."""
    straight = arrival(runner, _north())
    detour = arrival(runner, _north(), world=lambda w: with_river(w, (crossing_x, 0.0)))
    expected = 2 * math.hypot(crossing_x, 2000.0) / 2.0
    assert detour > straight
    assert abs(detour - expected) <= 3 * DT


def test_a_farther_crossing_takes_longer(runner: Runner) -> None:
    """The detour grows with the crossing's distance from the straight leg."""
    near = arrival(runner, _north(), world=lambda w: with_river(w, (1000.0, 0.0)))
    far = arrival(runner, _north(), world=lambda w: with_river(w, (3000.0, 0.0)))
    assert far > near + 10 * DT


def test_task_speed_factor_scales_the_speed(runner: Runner) -> None:
    """f_task: a speed factor of 0.5 takes twice as long as 1.0."""
    full = arrival(runner, march(speed_factor=1.0))
    half = arrival(runner, march(speed_factor=0.5))
    assert abs(half - 2 * full) <= 2 * DT


def test_suppressed_column_moves_at_a_quarter_speed(runner: Runner) -> None:
    """1/4 if suppressed: a blue post that pins the column (p_suppress 1, no kills) delays its arrival."""

    def ambushed(p_suppress: float) -> dict[str, Any]:
        data = march()
        cat = data["catalogue"]
        cat["sensors"]["sure-eye"] = eye(10.0)
        cat["weapons"]["stun"] = rifle(0.0, p_suppress=p_suppress, max_range_m=800.0)
        cat["unit_types"]["post"] = {
            "category": "infantry",
            "echelon": "team",
            "personnel": 4,
            "weapons": [{"weapon": "stun", "count": 4}],
            "sensors": [{"sensor": "sure-eye"}],
        }
        data["units"]["blue/post"] = {"type": "post", "nation": "B", "at": at(2000, 300)}
        data["catalogue"]["unit_types"]["column"]["break_suppression"] = 1.0
        return data

    free = arrival(runner, ambushed(0.0), reps=4)
    pinned = arrival(runner, ambushed(1.0), reps=4)
    assert abs(free - LEG_M / 2.0) <= DT
    assert pinned > free + 60.0


def test_readiness_holds_the_column(runner: Runner) -> None:
    """readiness_s: a column ready only at 600 s arrives 600 s later."""
    data = march()
    ready = arrival(runner, data)
    data["units"]["red/column"]["readiness_s"] = 600
    assert abs(arrival(runner, data) - (ready + 600.0)) <= DT


# --- the pure formula ------------------------------------------------------------------------------------


def test_model_slope_factor() -> None:
    """g(θ) = clip(1 - k θ / (θ_max / 2), 0.05, 1): linear in θ and k, never below 5 %."""
    assert slope_factor(0.0, 35.0, 0.5) == 1.0
    assert np.isclose(slope_factor(10.0, 35.0, 0.5), 1.0 - 0.5 * 10.0 / 17.5)
    assert np.isclose(slope_factor(10.0, 35.0, 0.8), 1.0 - 0.8 * 10.0 / 17.5)
    assert np.isclose(slope_factor(10.0, 70.0, 0.5), 1.0 - 0.5 * 10.0 / 35.0)
    assert slope_factor(80.0, 35.0, 0.5) == 0.05
