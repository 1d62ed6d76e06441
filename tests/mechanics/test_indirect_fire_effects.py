"""Every factor of the area-fire damage model and every delay of the call-for-fire chain
(docs/mechanics/fires.md) moves red's losses or the chain's times the documented way.

The scenario: a blue observer sees a red platoon (100 people, never breaking) 500 m north of it at once;
a blue battery of six tubes 5 km south of the observer answers with one mission. The fall of shot and the
casualty draws are keyed by (replication, mission, round or element), so the runs of a comparison share
them.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from effects_kit import Result, Runner, assert_paired_greater, at, base, eye

from drillsim.mechanics.direct_fire.model import POSTURE_AREA_EXPOSURE
from drillsim.mechanics.indirect_fire.model import (
    DANGER_CLOSE_LIFT_M,
    SHORT_FORK_M,
    adjusting_rounds,
    lift_aim_points,
    round_casualty_fraction,
    scatter_sd,
)
from drillsim.mechanics.indirect_fire.step import IndirectFire

REPS = 100
UNTIL_S = 400.0
RANGE_M = 5500.0
"""From the battery to the red platoon."""


def mission(**gun: Any) -> dict[str, Any]:
    """The observer, the battery (howitzer fields overridden by ``gun``) and the red platoon."""
    data = base(duration_s=3600.0, dt_s=10.0)
    cat = data["catalogue"]
    cat["sensors"]["sure-eye"] = eye(10.0) | {"position_error_m": 20.0}
    cat["weapons"]["howitzer"] = {
        "kind": "indirect",
        "max_range_m": 20000,
        "rate_per_min": 4,
        "rounds_per_mission": 2,
        "lethal_radius_m": 30,
        "dispersion_m": 100,
        "projectile_speed_mps": 300,
    } | gun
    cat["unit_types"]["fo"] = {
        "category": "reconnaissance",
        "echelon": "team",
        "personnel": 3,
        "sensors": [{"sensor": "sure-eye"}],
    }
    cat["unit_types"]["battery"] = {
        "category": "artillery",
        "echelon": "battery",
        "personnel": 40,
        "weapons": [{"weapon": "howitzer", "count": 6}],
    }
    cat["unit_types"]["platoon"] = {
        "category": "infantry",
        "echelon": "platoon",
        "personnel": 100,
        "break_losses": 1.0,
        "break_suppression": 1.0,
    }
    data["units"] = {
        "blue/fo": {"type": "fo", "nation": "B", "at": at(0, 0)},
        "blue/battery": {"type": "battery", "nation": "B", "at": at(0, -5000)},
        "red/platoon": {"type": "platoon", "nation": "R", "at": at(0, 500)},
    }
    data["plan"]["phases"] = {
        "fires": {
            "trigger": {"at_s": 0},
            "tasks": [
                {
                    "task": "fire-support",
                    "units": ["blue/battery"],
                    "fire_direction_delay_s": 60,
                    "max_missions": 1,
                }
            ],
        }
    }
    return data


def fire(runner: Runner, data: dict[str, Any], *, reps: int = REPS) -> Result:
    return runner.run(data, reps=reps, until_s=UNTIL_S)


def test_larger_lethal_radius_kills_more(runner: Runner) -> None:
    """R50 (lethal_radius_m): 60 m kills more than 20 m."""
    big = fire(runner, mission(lethal_radius_m=60)).losses("red")
    small = fire(runner, mission(lethal_radius_m=20)).losses("red")
    assert_paired_greater(big, small)


def test_wider_dispersion_kills_less(runner: Runner) -> None:
    """CEP (dispersion_m): rounds scattered with a CEP of 400 m kill less than with 50 m."""
    tight = fire(runner, mission(dispersion_m=50)).losses("red")
    wide = fire(runner, mission(dispersion_m=400)).losses("red")
    assert_paired_greater(tight, wide)


def test_more_rounds_kill_more(runner: Runner) -> None:
    """p = 1 - Π(1 - f(D_i)): four rounds a tube kill more than one; the battery fires count · rounds."""
    many = fire(runner, mission(rounds_per_mission=4))
    one = fire(runner, mission(rounds_per_mission=1))
    assert_paired_greater(many.losses("red"), one.losses("red"))
    assert set(many.select("RoundsFired")["count"].to_pylist()) == {24}
    assert set(one.select("RoundsFired")["count"].to_pylist()) == {6}


def test_troops_go_to_ground_after_the_first_volley(runner: Runner) -> None:
    """The same twelve rounds (same fall of shot) on a platoon caught moving: fired as one volley of twelve
    tubes they all find it standing; fired by six tubes in two volleys, the second finds it prone (the
    halted exposure), so it loses fewer."""
    data = mission(rounds_per_mission=1)
    data["catalogue"]["unit_types"]["battery"]["weapons"][0]["count"] = 12
    data["units"]["red/platoon"]["posture"] = "moving"
    one = fire(runner, data)
    data = mission(rounds_per_mission=2)
    data["units"]["red/platoon"]["posture"] = "moving"
    two = fire(runner, data)
    assert set(one.select("RoundsFired")["count"].to_pylist()) == {12}
    assert set(two.select("RoundsFired")["count"].to_pylist()) == {12}
    assert_paired_greater(one.losses("red"), two.losses("red"))


def test_danger_close_fire_is_lifted_off_friends() -> None:
    """Fire accepted danger close lands no nearer than the lift distance to the nearest friend: an aim
    point 50 m beyond a friend moves to the lift distance straight beyond it; one farther off stays."""
    ax, ay = lift_aim_points(
        np.array([0.0, 0.0]),
        np.array([50.0, 400.0]),
        np.array([[0.0, 0.0], [0.0, 0.0]]),
        np.array([[0.0, -500.0], [0.0, -500.0]]),
        np.array([[True, True], [True, True]]),
    )
    assert ax == pytest.approx([0.0, 0.0])
    assert ay == pytest.approx([DANGER_CLOSE_LIFT_M, 400.0])


def _first_aim_miss(result: Result) -> np.ndarray:
    """Per replication: how far the first rounds fired were aimed from the red platoon (which stays put)."""
    sim = result.sim
    j = sim.world.forces.ids.index("red/platoon")
    fired = result.select("RoundsFired").to_pylist()
    miss = np.full(result.reps, np.nan)
    for row in sorted(fired, key=lambda r: r["time_s"], reverse=True):
        r = row["replication"]
        miss[r] = np.hypot(row["x_m"] - sim.state.x[r, j], row["y_m"] - sim.state.y[r, j])
    return miss


def test_a_poor_observer_adjusts_before_fire_for_effect(runner: Runner) -> None:
    """Target location error: the first rounds are aimed at the believed position, so an observer that
    places the target 100 m out per axis (an eye at 400 m error per range scale) aims them farther off than
    one placing it within 5 m (as a laser rangefinder would). The poor observer walks them on with
    adjusting rounds of one gun (two fired events: adjusting, then fire for effect) and its fire for effect
    lands later; the good one fires for effect at once (one fired event of all twelve rounds)."""
    precise = fire(runner, mission())
    data = mission()
    data["catalogue"]["sensors"]["sure-eye"]["position_error_m"] = 400.0
    vague = fire(runner, data)
    assert_paired_greater(_first_aim_miss(vague), _first_aim_miss(precise))
    assert (precise.count("RoundsFired") == 1).all()
    assert (vague.count("RoundsFired") == 2).all()
    sizes = sorted(set(vague.select("RoundsFired")["count"].to_pylist()))
    assert sizes[-1] == 12
    assert 2 <= sizes[0] < 12
    assert (vague.first("FireMissionCompleted") > precise.first("FireMissionCompleted")).all()


def test_adjusting_rounds_warn_the_target(runner: Runner) -> None:
    """A platoon caught moving, hit by one volley of twelve tubes: surprised by fire for effect (observer
    error 11 m per axis, no adjustment) it takes the volley standing; warned by two adjusting rounds first
    (15 m, just past the short fork's limit) it is prone when the same volley lands (same fall of shot
    about each aim point), so it loses fewer to the fire for effect, though its aim (13 m error) is
    about as good."""

    def run(error_m: float) -> Result:
        data = mission(rounds_per_mission=1)
        data["catalogue"]["unit_types"]["battery"]["weapons"][0]["count"] = 12
        # 500 m is within a quarter of the eye's range scale, so the error per axis is error_m / 4.
        data["catalogue"]["sensors"]["sure-eye"]["position_error_m"] = 4.0 * error_m
        data["units"]["red/platoon"]["posture"] = "moving"
        return fire(runner, data)

    surprised, warned = run(11.0), run(15.0)
    assert (surprised.count("RoundsFired") == 1).all()
    assert (warned.count("RoundsFired") == 2).all()
    assert_paired_greater(
        surprised.total("FireMissionCompleted", "count"), warned.total("FireMissionCompleted", "count")
    )


def test_model_adjusting_rounds_follow_the_forks() -> None:
    """None within a quarter of the short fork (per-axis error); else two rounds for the first fork and
    one more each time the fork that encloses two standard deviations must be halved to 50 yards."""
    fork = SHORT_FORK_M
    sd = np.array([0.0, fork / 4, fork / 4 + 0.1, fork / 2, fork / 2 + 0.1, fork, fork + 0.1, 2 * fork + 0.1])
    assert adjusting_rounds(sd).tolist() == [0, 0, 2, 2, 3, 3, 4, 5]


AREA_ORDER = ["moving", "halted", "hasty-defence", "prepared-defence"]


def test_posture_order_of_area_exposure(runner: Runner) -> None:
    """Exposure: moving > halted (= hidden = mounted) > hasty > prepared, each step down loses fewer."""
    losses = {}
    for posture in [*AREA_ORDER, "hidden", "mounted"]:
        data = mission(lethal_radius_m=50)
        data["units"]["red/platoon"]["posture"] = posture
        losses[posture] = fire(runner, data).losses("red")
    for more, fewer in itertools.pairwise(AREA_ORDER):
        assert_paired_greater(losses[more], losses[fewer])
    assert np.array_equal(losses["halted"], losses["hidden"])
    assert np.array_equal(losses["hidden"], losses["mounted"])


def test_cover_stops_area_effects(runner: Runner) -> None:
    """(1 - cover): a target type with cover 0.6 loses fewer than one with none."""
    bare = fire(runner, mission()).losses("red")
    data = mission()
    data["catalogue"]["unit_types"]["platoon"]["cover"] = 0.6
    assert_paired_greater(bare, fire(runner, data).losses("red"))


def test_a_tight_footprint_loses_a_larger_share(runner: Runner) -> None:
    """k² / (k² + s²), s = r_e / 2: a team-sized footprint (30 m) loses more than a battalion's (600 m)."""
    data = mission(dispersion_m=10, lethal_radius_m=50)
    tight = fire(runner, data).losses("red")
    data["catalogue"]["unit_types"]["platoon"]["echelon"] = "battalion"
    spread = fire(runner, data).losses("red")
    assert_paired_greater(tight, spread)


def _lag(result: Result, later: str, earlier: str) -> np.ndarray:
    return result.first(later) - result.first(earlier)


def test_fire_direction_delay_separates_request_and_fire(runner: Runner) -> None:
    """fire_direction_delay_s: the battery fires that long after the request; a longer delay is later."""
    quick = mission()
    slow = mission()
    slow["plan"]["phases"]["fires"]["tasks"][0]["fire_direction_delay_s"] = 240
    q, s = fire(runner, quick, reps=8), fire(runner, slow, reps=8)
    assert np.allclose(_lag(q, "RoundsFired", "FireMissionRequested"), 60.0)
    assert np.allclose(_lag(s, "RoundsFired", "FireMissionRequested"), 240.0)
    assert (s.first("RoundsImpacted") > q.first("RoundsImpacted")).all()


def test_liaison_delay_between_nations_delays_the_request(runner: Runner) -> None:
    """liaison_delay_s: an observer of another nation's request reaches the battery that much later."""
    same = fire(runner, mission(), reps=8)
    data = mission()
    data["nations"]["B2"] = {
        "side": "blue",
        "training": 1.0,
        "c2_delay_s": 0,
        "default_liaison_delay_s": 0,
        "liaison_delay_s": {"B": 150},
    }
    data["units"]["blue/fo"]["nation"] = "B2"
    allied = fire(runner, data, reps=8)
    detected = same.first("ContactDetected", side="blue")
    assert np.array_equal(detected, allied.first("ContactDetected", side="blue"))
    assert np.allclose(same.first("FireMissionRequested") - detected, 0.0)
    assert np.allclose(allied.first("FireMissionRequested") - detected, 150.0)


def test_slower_projectiles_take_longer(runner: Runner) -> None:
    """Time of flight = range / projectile_speed_mps."""
    slow = fire(runner, mission(projectile_speed_mps=100), reps=8)
    fast = fire(runner, mission(projectile_speed_mps=1000), reps=8)
    assert np.allclose(_lag(slow, "RoundsImpacted", "RoundsFired"), RANGE_M / 100, rtol=0.01)
    assert np.allclose(_lag(fast, "RoundsImpacted", "RoundsFired"), RANGE_M / 1000, rtol=0.01)


def test_target_beyond_the_guns_reach_is_not_engaged(runner: Runner) -> None:
    """max_range_m: a target 5.5 km from a battery that reaches 4 km is never asked for."""
    short = fire(runner, mission(max_range_m=4000), reps=8)
    long = fire(runner, mission(max_range_m=20000), reps=8)
    assert short.count("FireMissionRequested").sum() == 0
    assert (long.count("FireMissionRequested") == 1).all()


# --- the pure formulas -----------------------------------------------------------------------------------


def test_model_round_fraction_is_the_documented_gaussian() -> None:
    """f(D) = k²/(k² + s²) exp(-D²/2(k² + s²)) · exposure, k = R50/sqrt(2 ln 2), s = r_e/2."""
    k2 = 40.0**2 / (2 * np.log(2))
    s2 = (120.0 / 2) ** 2
    d = np.array([0.0, 50.0, 200.0])
    want = k2 / (k2 + s2) * np.exp(-(d**2) / (2 * (k2 + s2))) * 0.5
    assert np.allclose(round_casualty_fraction(d, 40.0, 120.0, 0.5), want)
    assert np.isclose(scatter_sd(100.0), 100.0 / np.sqrt(2 * np.log(2)))


def test_model_exposures_are_documented() -> None:
    """Area exposure by posture: moving 1.0, halted 0.6, hidden 0.6, mounted 0.6, hasty 0.25, prepared 0.1."""
    documented = {"moving": 1.0, "halted": 0.6, "hidden": 0.6, "mounted": 0.6}
    assert documented | {"hasty-defence": 0.25, "prepared-defence": 0.1} == POSTURE_AREA_EXPOSURE


@pytest.mark.parametrize("distance", [0.0, 100.0, 300.0])
def test_model_round_fraction_grows_with_lethal_radius(distance: float) -> None:
    """f rises with R50 at any distance, and falls with distance."""
    small = round_casualty_fraction(distance, 20.0, 120.0)
    large = round_casualty_fraction(distance, 60.0, 120.0)
    assert large > small
    assert round_casualty_fraction(distance + 50.0, 40.0, 120.0) < round_casualty_fraction(
        distance, 40.0, 120.0
    )


@pytest.mark.parametrize("speed_mps", [0.0, 10.0])
def test_a_battery_picks_a_target_by_its_believed_position(runner: Runner, speed_mps: float) -> None:
    """The battery's choice reads the contact dead-reckoned to now: the red platoon last seen 5.5 km from a
    battery that reaches 5 km, 200 s ago, driving towards it at 10 m/s, is believed 3.5 km away and is
    asked fire on; the same sighting with no velocity is out of range and is not."""
    data = mission(max_range_m=5000)
    data["units"]["blue/fo"]["at"] = at(3000, 0)  # beside the track, out of the platoon's way
    sim = runner.simulation(data)
    sim.run(until_s=10.0)
    ctx = sim.ctx
    ctx.t0 = sim.state.time_s
    ctx.t1 = ctx.t0 + sim.world.dt_s
    f = sim.world.forces
    blue, target = f.side_names.index("blue"), f.index("red/platoon")
    pic = sim.state.picture
    pic.known_live[0, blue, target] = True
    pic.known_t[0, blue, target] = ctx.t1 - 200.0
    pic.known_x[0, blue, target], pic.known_y[0, blue, target] = 0.0, 500.0
    pic.known_err[0, blue, target] = 20.0
    pic.known_vx[0, blue, target], pic.known_vy[0, blue, target] = 0.0, -speed_mps
    pic.seen_by[0, blue, target] = f.index("blue/fo")
    before = len(sim.state.missions.target)
    IndirectFire(ctx).request_missions(ctx)
    picked = sim.state.missions.target[before:].tolist()
    assert picked == ([target] if speed_mps > 0 else [])
