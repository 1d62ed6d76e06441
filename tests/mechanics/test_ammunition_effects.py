"""Ammunition by weapon and shot, resupply and fire clearance (docs/mechanics/direct-fire.md, "Ammunition and
resupply"; docs/mechanics/indirect-fire.md, "Fire clearance") move the outcome the documented way.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from effects_kit import Runner, assert_paired_greater, at, base, eye
from test_indirect_fire_effects import mission

from drillsim.mechanics.direct_fire.model import BURST_DUTY

REPS = 40


def squad_vs_target(distance_m: float, *, ammunition: int | None = None) -> dict[str, Any]:
    """A blue squad with a 300 m weapon (4 of them) and an 800 m weapon (1), a red company ``distance_m``
    north that it sees at once and that never fires back."""
    data = base(duration_s=3600.0, dt_s=10.0)
    cat = data["catalogue"]
    cat["sensors"]["sure-eye"] = eye(10.0)
    cat["weapons"]["short"] = {
        "kind": "direct",
        "rate_per_min": 6,
        "sustained_rounds_per_min": 12,
        "rapid_rounds_per_min": 30,
        "bands": [{"max_range_m": 300, "p_kill": 0.01, "p_suppress": 0.0}],
    }
    cat["weapons"]["long"] = {
        "kind": "direct",
        "rate_per_min": 6,
        "sustained_rounds_per_min": 100,
        "rapid_rounds_per_min": 200,
        "bands": [{"max_range_m": 800, "p_kill": 0.01, "p_suppress": 0.0}],
    }
    load = 1000 if ammunition is None else ammunition
    cat["unit_types"]["squad"] = {
        "category": "infantry",
        "personnel": 9,
        "weapons": [
            {"weapon": "short", "count": 4, "ammunition": 300},
            {"weapon": "long", "count": 1, "ammunition": load},
        ],
        "sensors": [{"sensor": "sure-eye"}],
        "break_losses": 1.0,
        "break_suppression": 1.0,
    }
    cat["unit_types"]["company"] = {
        "category": "infantry",
        "personnel": 200,
        "break_losses": 1.0,
        "break_suppression": 1.0,
    }
    data["units"] = {
        "blue/squad": {"type": "squad", "nation": "B", "at": at(0, 0)},
        "red/company": {"type": "company", "nation": "R", "at": at(0, distance_m)},
    }
    return data


def test_only_weapons_that_reach_the_target_spend_rounds(runner: Runner) -> None:
    """At 600 m the 300 m weapon keeps every round; the 800 m weapon fires at its rapid rate (200/min) for
    the share of the time it is in a burst."""
    result = runner.run(squad_vs_target(600.0), reps=2, until_s=120.0, stochastic=False)
    ammo = result.sim.state.ammo
    assert (ammo[:, 0] == 4 * 300).all()
    # Two minutes of fire (it sees the company in the first step) at 200 rounds a minute (never suppressed),
    # a BURST_DUTY share of the time (deterministic mode spends the expected rounds).
    assert np.allclose(ammo[:, 1], 1000 - 200 / 60 * 120.0 * BURST_DUTY)


def test_the_last_round_is_reported(runner: Runner) -> None:
    """A mount that runs dry is reported once (AmmunitionExhausted) and the fire stops (within the hour:
    about 67 rounds in two minutes of bursts, the last third at one round per engagement, 1.5 a minute)."""
    result = runner.run(squad_vs_target(600.0, ammunition=100), reps=REPS, until_s=3600.0)
    assert (result.count("AmmunitionExhausted", unit="blue/squad", detail="long") == 1).all()
    assert (result.sim.state.ammo[:, 1] == 0).all()


def test_a_supply_point_keeps_the_fire_going(runner: Runner) -> None:
    """Resupply: with a supply point at the squad, the 800 m weapon refills and red loses more."""
    dry = squad_vs_target(600.0, ammunition=40)  # dry after about ten minutes
    fed = squad_vs_target(600.0, ammunition=40)
    fed["sites"] = {"store": {"kind": "depot", "at": at(0, 0), "nation": "B", "resupply": {"refill_s": 600}}}
    without = runner.run(dry, reps=REPS, until_s=1800.0)
    with_store = runner.run(fed, reps=REPS, until_s=1800.0)
    assert (with_store.count("AmmunitionResupplied", unit="blue/squad", detail="long") >= 1).all()
    assert_paired_greater(with_store.losses("red"), without.losses("red"))


def test_a_supply_point_stock_runs_out(runner: Runner) -> None:
    """stock_rounds: a store of 50 rounds hands out 50 rounds in all."""
    data = squad_vs_target(600.0, ammunition=100)
    store = {"kind": "depot", "at": at(0, 0), "nation": "B", "resupply": {"refill_s": 60, "stock_rounds": 50}}
    data["sites"] = {"store": store}
    result = runner.run(data, reps=4, until_s=900.0)
    assert (result.sim.state.depot_stock[:, 0] == 0).all()


def friends_near_the_target(distance_m: float, **task: Any) -> dict[str, Any]:
    """The fire mission of the indirect-fire effect tests, with the howitzer's safe distance 450 m and a blue
    platoon ``distance_m`` east of the red platoon."""
    data = mission(safe_distance_m=450)
    data["units"]["blue/friends"] = {"type": "platoon", "nation": "B", "at": at(distance_m, 500)}
    data["plan"]["phases"]["fires"]["tasks"][0] |= task
    data["measures"] = {"own-fire": {"kind": "fratricide", "side": "blue"}}
    return data


def test_friends_inside_the_safe_distance_stop_the_mission(runner: Runner) -> None:
    """Danger close: friends 150 m from the aim point refuse the mission; no one is hit by it."""
    result = runner.run(friends_near_the_target(150.0), reps=REPS, until_s=400.0)
    assert (result.count("FireMissionRefused", detail="danger-close") == 1).all()
    assert (result.losses("blue") == 0).all()
    assert (result.measure("own-fire") == 0).all()


def test_friends_outside_the_safe_distance_are_not_hit(runner: Runner) -> None:
    """Friends 600 m away (beyond 450 m): the mission is fired and none of them is hit."""
    result = runner.run(friends_near_the_target(600.0), reps=REPS, until_s=400.0)
    assert (result.count("RoundsFired") == 1).all()
    assert (result.losses("blue") == 0).all()
    assert result.losses("red").mean() > 1.0


def test_accepted_danger_close_fire_is_counted_as_fratricide(runner: Runner) -> None:
    """danger_close: true fires anyway; friends 150 m away are hit, and the measure and events say so."""
    result = runner.run(friends_near_the_target(150.0, danger_close=True), reps=REPS, until_s=400.0)
    own = result.measure("own-fire")
    assert own.mean() > 0.0
    assert np.array_equal(own, result.total("Fratricide", "count", unit="blue/friends"))
    assert np.array_equal(own, result.losses("blue"))


def test_no_fire_area_refuses_the_mission(runner: Runner) -> None:
    """A no-fire area around the red platoon: the mission is refused and red loses no one."""
    data = mission()
    data["areas"] = {"village": {"kind": "no-fire", "center": at(0, 500), "radius_m": 300}}
    result = runner.run(data, reps=REPS, until_s=400.0)
    assert (result.count("FireMissionRefused", detail="no-fire-area") == 1).all()
    assert (result.losses("red") == 0).all()
