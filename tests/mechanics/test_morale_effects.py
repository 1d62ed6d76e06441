"""The morale thresholds, destruction and the capture rule (docs/mechanics/morale.md) move breaking, losses
and captures the documented way.

Breaking uses the direct-fire scenario of test_direct_fire_effects.py: blue's squad fires on red's company,
whose thresholds are changed one at a time. Losses are paired draw by draw, so a lower threshold breaks red
no later in any replication.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from effects_kit import Result, Runner, assert_paired_greater, at, base, eye, rifle
from test_direct_fire_effects import firefight

REPS = 60
UNTIL_S = 900.0


def under_fire(*, p_kill: float = 0.05, p_suppress: float = 0.0, **red_type: Any) -> dict[str, Any]:
    """Blue's squad (p_kill and p_suppress of its rifle at every range) 200 m from red's company of 100."""
    data = firefight(distance_m=200.0)
    for band in data["catalogue"]["weapons"]["blue-rifle"]["bands"]:
        band["p_kill"] = p_kill
        band["p_suppress"] = p_suppress
    company = data["catalogue"]["unit_types"]["company"]
    company["personnel"] = 100
    company |= red_type
    return data


def broke_at(result: Result, reason: str) -> np.ndarray:
    """When red's company broke, per replication (the end of the run where it did not)."""
    assert set(result.select("UnitBroke")["detail"].to_pylist()) <= {reason}
    return result.first("UnitBroke", unit="red/company", default=UNTIL_S)


def test_lower_loss_threshold_breaks_sooner(runner: Runner) -> None:
    """break_losses: a company that breaks at 10 % losses breaks sooner than one that holds to 30 %."""
    brittle = runner.run(under_fire(break_losses=0.1), reps=REPS, until_s=UNTIL_S)
    sturdy = runner.run(under_fire(break_losses=0.3), reps=REPS, until_s=UNTIL_S)
    early, late = broke_at(brittle, "losses"), broke_at(sturdy, "losses")
    assert (early <= late).all()
    assert_paired_greater(late, early)


def test_a_unit_whose_threshold_is_never_reached_holds(runner: Runner) -> None:
    """A unit breaks on losses only once 1 - S/S0 reaches break_losses: with 1.0 it never breaks."""
    result = runner.run(under_fire(break_losses=1.0), reps=REPS, until_s=UNTIL_S)
    assert result.count("UnitBroke").sum() == 0
    assert result.losses("red").min() > 10


def test_lower_suppression_threshold_breaks_sooner(runner: Runner) -> None:
    """break_suppression: pinned by fire that never kills, a company breaks at A ≥ 0.3 before A ≥ 0.6."""
    # Deterministic mode: blue fires every step (no lulls between bursts), so red is suppressed throughout.
    fragile = runner.run(
        under_fire(p_kill=0.0, p_suppress=1.0, break_suppression=0.3),
        reps=8,
        until_s=UNTIL_S,
        stochastic=False,
    )
    steady = runner.run(
        under_fire(p_kill=0.0, p_suppress=1.0, break_suppression=0.6),
        reps=8,
        until_s=UNTIL_S,
        stochastic=False,
    )
    early, late = broke_at(fragile, "suppression"), broke_at(steady, "suppression")
    # A = 1 - exp(-t / 600 s) when suppressed from the first step: 214 s to reach 0.3, 550 s to reach 0.6.
    assert np.all(np.abs(early - 600.0 * np.log(1 / 0.7)) <= 30.0)
    assert np.all(np.abs(late - 600.0 * np.log(1 / 0.4)) <= 30.0)


def test_without_suppression_nothing_breaks_on_it(runner: Runner) -> None:
    """σ = 0 without suppressing fire: the same low threshold is never reached."""
    result = runner.run(
        under_fire(p_kill=0.0, p_suppress=0.0, break_suppression=0.3), reps=8, until_s=UNTIL_S
    )
    assert result.count("UnitBroke").sum() == 0


def test_a_broken_unit_stops_firing(runner: Runner) -> None:
    """A broken element stops firing: red that breaks early hurts blue less than red that holds."""

    def duel(break_losses: float) -> np.ndarray:
        data = under_fire(break_losses=break_losses)
        data["catalogue"]["weapons"]["red-rifle"] = rifle(0.001)
        data["catalogue"]["unit_types"]["company"]["weapons"] = [{"weapon": "red-rifle", "count": 100}]
        data["catalogue"]["unit_types"]["company"]["sensors"] = [{"sensor": "sure-eye"}]
        return runner.run(data, reps=REPS, until_s=UNTIL_S).losses("blue")

    assert_paired_greater(duel(1.0), duel(0.1))


def test_an_element_with_nobody_left_is_destroyed(runner: Runner) -> None:
    """An element with fewer than 0.5 people is destroyed; one under no fire is not."""
    lethal = runner.run(under_fire(p_kill=0.5, personnel=10), reps=8, until_s=300.0)
    safe = runner.run(under_fire(p_kill=0.0, personnel=10), reps=8, until_s=300.0)
    assert (lethal.count("UnitDestroyed", unit="red/company") == 1).all()
    assert safe.count("UnitDestroyed").sum() == 0


def _raid(guard_m: float) -> dict[str, Any]:
    """Blue raiders (suppressing, never killing) walk 2 km to seize red's commander; an unarmed red guard
    stands ``guard_m`` north of him."""
    data = base(duration_s=3600.0, dt_s=20.0)
    cat = data["catalogue"]
    cat["sensors"]["eye"] = eye(0.05, range_scale_m=3000.0, max_range_m=5000.0)
    cat["weapons"]["stun-rifle"] = rifle(0.0, p_suppress=1.0, max_range_m=300.0)
    cat["unit_types"]["raiders"] = {
        "category": "special-forces",
        "echelon": "team",
        "personnel": 8,
        "weapons": [{"weapon": "stun-rifle", "count": 8}],
        "sensors": [{"sensor": "eye"}],
        "speed_mps": {"open": 2.0},
    }
    cat["unit_types"]["chief"] = {"category": "headquarters", "echelon": "team", "personnel": 1}
    cat["unit_types"]["bodyguard"] = {"category": "irregular", "echelon": "team", "personnel": 4}
    data["units"] = {
        "blue/raiders": {"type": "raiders", "nation": "B", "at": at(0, -2000)},
        "red/chief": {"type": "chief", "nation": "R", "at": at(0, 0), "capturable": True},
        "red/guard": {"type": "bodyguard", "nation": "R", "at": at(0, guard_m), "roles": ["guard"]},
    }
    data["plan"]["phases"] = {
        "raid": {
            "trigger": {"at_s": 0},
            "tasks": [{"task": "raid", "units": ["blue/raiders"], "target_unit": "red/chief"}],
        }
    }
    return data


def test_a_guard_within_500_m_prevents_capture(runner: Runner) -> None:
    """Capture needs every guard within 500 m suppressed: one at 400 m (never the raiders' nearest
    target) prevents it, one at 700 m does not."""
    near = runner.run(_raid(400.0), reps=4).count("UnitCaptured")
    far = runner.run(_raid(700.0), reps=4).count("UnitCaptured")
    assert near.sum() == 0
    assert (far == 1).all()


def test_a_broken_unit_out_of_fire_rallies_after_the_rally_time(runner: Runner) -> None:
    """A unit that broke and withdrew out of reach rallies once RALLY_S has passed and it is no longer
    suppressed, never sooner; a unit that never breaks never rallies."""
    from drillsim.mechanics.morale.step import RALLY_S

    until = 3600.0
    # It sees blue, so it withdraws 5 km away, out of blue's 800 m reach in a few minutes.
    walk = {"open": 1.5}
    eyes = [{"sensor": "sure-eye"}]
    result = runner.run(under_fire(break_losses=0.05, speed_mps=walk, sensors=eyes), reps=12, until_s=until)
    broke = result.first("UnitBroke", unit="red/company")
    rallied = result.first("UnitRallied", unit="red/company")
    assert np.isfinite(broke).all()
    assert (broke < until - RALLY_S - 60.0).all()
    assert np.isfinite(rallied).all()
    assert (rallied >= broke + RALLY_S - 1e-6).all()
    steady = runner.run(under_fire(break_losses=1.0, speed_mps=walk, sensors=eyes), reps=4, until_s=until)
    assert steady.count("UnitRallied").sum() == 0


def _destroyed_beside(friend_m: float | None) -> dict[str, Any]:
    """Red's section of 10 under lethal fire 200 m from blue; with ``friend_m``, an unarmed red company
    stands that far behind it (out of blue's sight)."""
    data = under_fire(p_kill=0.5, personnel=10)
    if friend_m is not None:
        data["catalogue"]["unit_types"]["friend"] = {"category": "infantry", "personnel": 20}
        data["units"]["red/friend"] = {"type": "friend", "nation": "R", "at": at(0, 200.0 + friend_m)}
    return data


def test_friends_at_hand_collect_the_wounded_of_a_destroyed_element(runner: Runner) -> None:
    """The wounded not yet evacuated of an element shot to pieces go missing when no friend is within
    500 m to carry them back, and stay wounded when one is."""
    alone = runner.run(_destroyed_beside(None), reps=8, until_s=300.0)
    helped = runner.run(_destroyed_beside(300.0), reps=8, until_s=300.0)
    assert (alone.count("UnitDestroyed", unit="red/company") == 1).all()
    assert (helped.count("UnitDestroyed", unit="red/company") == 1).all()
    # Ten people hit by fire that kills a quarter of those it hits leave wounded waiting in every run.
    assert (alone.count("CasualtiesMissing", unit="red/company", detail="destroyed") == 1).all()
    assert helped.count("CasualtiesMissing", unit="red/company", detail="destroyed").sum() == 0


def _broken_next_to_blue(*, posture: str, p_suppress: float) -> dict[str, Any]:
    """Red's company, broken from the first step (any loss breaks it), 100 m from blue's squad, whose rifle
    kills nobody and suppresses with ``p_suppress``; blue in ``posture``."""
    data = under_fire(p_kill=0.0, p_suppress=p_suppress, break_losses=0.0)
    data["units"]["red/company"]["at"] = at(0, 100)
    data["units"]["blue/squad"]["posture"] = posture
    return data


def test_only_a_captor_free_to_close_takes_pinned_broken_troops(runner: Runner) -> None:
    """Broken troops are overrun (captured) only when pinned by fire and faced by an enemy free to close on
    them: a squad halted takes them; the same squad holding a defensive position does not leave it to take
    prisoners, and troops not pinned get away."""
    halted = runner.run(_broken_next_to_blue(posture="halted", p_suppress=1.0), reps=4)
    defending = runner.run(_broken_next_to_blue(posture="prepared-defence", p_suppress=1.0), reps=4)
    free = runner.run(_broken_next_to_blue(posture="halted", p_suppress=0.0), reps=4)
    assert (halted.count("UnitCaptured", unit="red/company") == 1).all()
    assert defending.count("UnitCaptured").sum() == 0
    assert free.count("UnitCaptured").sum() == 0
