"""Every measure and objective kind (docs/mechanics/outcomes.md) moves with the thing it measures: each
test changes one cause in a small scenario and checks the measure's direction.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from effects_kit import Runner, assert_paired_greater, at, base
from test_air_effects import strike
from test_direct_fire_effects import firefight
from test_indirect_fire_effects import mission
from test_morale_effects import under_fire
from test_sensing_effects import watch


def measured(
    runner: Runner, data: dict[str, Any], kind: str, *, reps: int, until_s: float, **spec: Any
) -> np.ndarray:
    """The values of one measure of ``kind`` (fields ``spec``) added to the scenario."""
    data["measures"] = {"m": {"kind": kind} | spec}
    return runner.run(data, reps=reps, until_s=until_s).measure("m")


def test_time_to_first_detection_falls_with_a_keener_sensor(runner: Runner) -> None:
    """time-to-first-detection: a sensor five times as keen detects red sooner."""
    spec = {"side": "blue", "of_side": "red"}
    keen = measured(runner, watch(rate=0.01), "time-to-first-detection", reps=60, until_s=600.0, **spec)
    dull = measured(runner, watch(rate=0.002), "time-to-first-detection", reps=60, until_s=600.0, **spec)
    assert_paired_greater(np.nan_to_num(dull, nan=600.0), np.nan_to_num(keen, nan=600.0))


def test_time_to_locate_falls_with_a_keener_sensor(runner: Runner) -> None:
    """time-to-locate: locating 80 % of red's elements takes less time with a keener sensor."""
    spec = {"side": "blue", "of_side": "red", "fraction": 0.8}
    keen = measured(
        runner,
        watch(rate=0.01, blue_side__contact_timeout_s=1800),
        "time-to-locate",
        reps=40,
        until_s=900.0,
        **spec,
    )
    dull = measured(
        runner,
        watch(rate=0.004, blue_side__contact_timeout_s=1800),
        "time-to-locate",
        reps=40,
        until_s=900.0,
        **spec,
    )
    assert_paired_greater(np.nan_to_num(dull, nan=900.0), np.nan_to_num(keen, nan=900.0))


def test_losses_rise_with_lethality(runner: Runner) -> None:
    """losses: red's personnel lost rise with blue's kill probability."""
    deadly = firefight()
    deadly["catalogue"]["weapons"]["blue-rifle"]["bands"][0]["p_kill"] = 0.06
    mild = measured(runner, firefight(distance_m=200.0), "losses", reps=60, until_s=300.0, side="red")
    deadly["units"]["red/company"]["at"] = at(0, 200)
    hard = measured(runner, deadly, "losses", reps=60, until_s=300.0, side="red")
    assert_paired_greater(hard, mild)


def _column(speed: float) -> dict[str, Any]:
    """A red column (``speed`` m/s) ordered from 2 km north of a phase line at y = 0 to 2 km south of it."""
    data = base(duration_s=3600.0, dt_s=10.0)
    data["catalogue"]["unit_types"]["column"] = {
        "category": "motorised",
        "echelon": "team",
        "personnel": 10,
        "speed_mps": {"open": speed},
    }
    data["catalogue"]["unit_types"]["post"] = {"category": "infantry", "echelon": "team", "personnel": 4}
    data["lines"] = {"pl": {"kind": "phase-line", "points": [at(-10000, 0), at(10000, 0)]}}
    data["units"] = {
        "red/column": {"type": "column", "nation": "R", "at": at(0, 2000)},
        "blue/post": {"type": "post", "nation": "B", "at": at(5000, -5000)},
    }
    data["plan"]["phases"] = {
        "go": {
            "trigger": {"at_s": 0},
            "tasks": [{"task": "move", "units": ["red/column"], "to": at(0, -2000)}],
        }
    }
    data["objectives"] = {"there": {"kind": "reach", "side": "red", "unit": "red/column", "to": at(0, -2000)}}
    return data


def test_objective_time_and_time_in_place_fall_with_speed(runner: Runner) -> None:
    """objective-time, time-in-place: a faster column reaches its objective and its place sooner."""
    for kind, spec in (
        ("objective-time", {"objective": "there"}),
        ("time-in-place", {"units": ["red/column"]}),
    ):
        fast = measured(runner, _column(4.0), kind, reps=1, until_s=3600.0, **spec)
        slow = measured(runner, _column(2.0), kind, reps=1, until_s=3600.0, **spec)
        assert slow[0] > fast[0] + 500.0


def test_objective_achieved_needs_the_deadline_met(runner: Runner) -> None:
    """objective-achieved: 1 when the column arrives by by_s, 0 when it is too slow."""
    for speed, want in ((4.0, 1.0), (1.0, 0.0)):
        data = _column(speed)
        data["objectives"]["there"]["by_s"] = 1500
        assert (
            measured(runner, data, "objective-achieved", reps=1, until_s=3600.0, objective="there")[0] == want
        )


def test_penetration_depth_grows_with_the_advance(runner: Runner) -> None:
    """penetration-depth: the column that drives 2 km past the line penetrates deeper than at 1 km."""
    spec = {"side": "blue", "of_side": "red", "line": "pl"}
    deep = measured(runner, _column(4.0), "penetration-depth", reps=1, until_s=3600.0, **spec)
    data = _column(4.0)
    data["plan"]["phases"]["go"]["tasks"][0]["to"] = at(0, -1000)
    shallow = measured(runner, data, "penetration-depth", reps=1, until_s=3600.0, **spec)
    assert deep[0] > shallow[0] + 800.0
    assert shallow[0] > 800.0


def test_hold_line_fails_when_the_enemy_crosses(runner: Runner) -> None:
    """hold-line: achieved when red stays north of the line at the end, not when it crosses."""
    for to_y, want in ((1000, 1.0), (-1000, 0.0)):
        data = _column(4.0)
        data["plan"]["phases"]["go"]["tasks"][0]["to"] = at(0, to_y)
        data["objectives"] = {"hold": {"kind": "hold-line", "side": "blue", "line": "pl"}}
        assert (
            measured(runner, data, "objective-achieved", reps=1, until_s=3600.0, objective="hold")[0] == want
        )


def test_fraction_neutralised_counts_broken_units(runner: Runner) -> None:
    """fraction-neutralised: red breaking at 10 % losses is neutralised; red that never breaks is not."""
    brittle = measured(
        runner, under_fire(break_losses=0.1), "fraction-neutralised", reps=20, until_s=900.0, of_side="red"
    )
    sturdy = measured(
        runner, under_fire(break_losses=1.0), "fraction-neutralised", reps=20, until_s=900.0, of_side="red"
    )
    assert_paired_greater(brittle, sturdy)


def test_rounds_fired_and_missions_follow_the_fire_plan(runner: Runner) -> None:
    """rounds-fired, fire-missions: more rounds a mission, more missions allowed, more counted."""
    many = measured(runner, mission(rounds_per_mission=4), "rounds-fired", reps=2, until_s=400.0, side="blue")
    few = measured(runner, mission(rounds_per_mission=1), "rounds-fired", reps=2, until_s=400.0, side="blue")
    assert (many > few).all()
    data = mission()
    one = measured(runner, data, "fire-missions", reps=2, until_s=1400.0, side="blue")
    data["plan"]["phases"]["fires"]["tasks"][0]["max_missions"] = 3
    more = measured(runner, data, "fire-missions", reps=2, until_s=1400.0, side="blue")
    assert (more > one).all()


def test_kill_chain_time_grows_with_the_fire_direction_delay(runner: Runner) -> None:
    """kill-chain-time: a 240 s fire direction delay lengthens the chain by 180 s over a 60 s one."""
    quick = measured(runner, mission(), "kill-chain-time", reps=4, until_s=600.0, side="blue")
    data = mission()
    data["plan"]["phases"]["fires"]["tasks"][0]["fire_direction_delay_s"] = 240
    slow = measured(runner, data, "kill-chain-time", reps=4, until_s=600.0, side="blue")
    assert np.allclose(slow - quick, 180.0, atol=1.0)  # the flight time varies with the aim point


def test_sorties_flown_follow_the_task(runner: Runner) -> None:
    """sorties-flown: three ordered sorties count three, one counts one."""
    one = measured(runner, strike(sorties=1), "sorties-flown", reps=1, until_s=6000.0, side="blue")
    three = measured(runner, strike(sorties=3), "sorties-flown", reps=1, until_s=6000.0, side="blue")
    assert (one[0], three[0]) == (1.0, 3.0)


def test_time_to_locate_grows_with_the_fraction(runner: Runner) -> None:
    """time-to-locate: locating all of red takes longer than locating a tenth of it (the 10 % grid)."""
    data = watch(rate=0.004, blue_side__contact_timeout_s=1800)
    tenth = measured(
        runner, data, "time-to-locate", reps=40, until_s=900.0, side="blue", of_side="red", fraction=0.1
    )
    whole = measured(
        runner, data, "time-to-locate", reps=40, until_s=900.0, side="blue", of_side="red", fraction=1.0
    )
    assert_paired_greater(np.nan_to_num(whole, nan=900.0), np.nan_to_num(tenth, nan=900.0))


def test_kill_chain_time_runs_to_the_impact(runner: Runner) -> None:
    """kill-chain-time ends at impact: slower projectiles lengthen it by the longer time of flight."""
    fast = measured(
        runner, mission(projectile_speed_mps=1000), "kill-chain-time", reps=4, until_s=600.0, side="blue"
    )
    slow = measured(
        runner, mission(projectile_speed_mps=100), "kill-chain-time", reps=4, until_s=600.0, side="blue"
    )
    assert np.allclose(slow - fast, 5500.0 / 100 - 5500.0 / 1000, atol=1.0)
