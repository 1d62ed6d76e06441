"""The close-assault model (docs/mechanics/assault.md) moves seizures the documented way: more attackers,
a weaker posture and no fortification make a position fall sooner; suppressed defenders are overrun,
broken ones surrender, the others withdraw off the ground; a repulse pins the attackers down.

Runs of a comparison share the seed and replications, so each assault draws the same uniform in both:
where the success probability is lower, an assault that succeeds in the harder case succeeds in the
easier one too, and the position falls no later in any replication (the bound is on the paired
difference, at effects_kit.Z standard errors).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from assault_kit import hill_assault
from effects_kit import Runner, assert_paired_greater, at, eye, rifle

from drillsim.mechanics.assault import (
    assault_success_probability,
    defence_factor,
    force_ratio,
    terrain_factor,
)
from drillsim.world.forces import POSTURE_INDEX, TERRAIN_INDEX

REPS = 40
DURATION_S = 3600.0


def lost_at(result: object) -> np.ndarray:
    """When blue lost the hill, per replication (the end of the run where it held it)."""
    values = result.measure("lost")  # type: ignore[attr-defined]
    return np.where(np.isnan(values), DURATION_S, values)


def test_more_attackers_take_the_position_sooner(runner: Runner) -> None:
    """Force ratio: three squads against one take the hill sooner than one squad against one."""
    one = runner.run(hill_assault(attackers=1), reps=REPS)
    three = runner.run(hill_assault(attackers=3), reps=REPS)
    assert_paired_greater(lost_at(one), lost_at(three))


def test_prepared_defence_holds_longer_than_a_halt(runner: Runner) -> None:
    """Posture: defenders in prepared defence (1.5) hold longer than the same defenders halted (1.0)."""
    prepared = runner.run(hill_assault(attackers=1, posture="prepared-defence"), reps=REPS)
    halted = runner.run(hill_assault(attackers=1, posture="halted"), reps=REPS)
    assert_paired_greater(lost_at(prepared), lost_at(halted))


def test_fortified_position_holds_longer(runner: Runner) -> None:
    """Fortification: a fortified hill (1.6) held in hasty defence falls later than an open one (1.3)."""
    # A repulse breaks the attacker off for at least RALLY_S, so the time lost spreads wider than with
    # renewed assaults: at 40 replications the paired mean (about 380 s) was 2.9 standard errors; three
    # times as many replications shrink the error by sqrt(3).
    reps = 3 * REPS
    fortified = runner.run(hill_assault(attackers=1, posture="hasty-defence", fortified=True), reps=reps)
    open_hill = runner.run(hill_assault(attackers=1, posture="hasty-defence"), reps=reps)
    assert (lost_at(fortified) >= lost_at(open_hill)).all()
    assert_paired_greater(lost_at(fortified), lost_at(open_hill))


def test_a_post_on_mountain_ground_holds_longer_than_on_open_ground(runner: Runner) -> None:
    """Ground: the same post in hasty defence, attacked by two squads, falls later on mountain ground
    (Dupuy's rugged terrain factor 1.5 on the defenders' power) than on open ground (1); the squads walk at
    the same speed on both, and nothing fires, so the terrain factor alone differs."""
    # As with fortification, a repulse breaks the attackers off for at least RALLY_S and spreads the time
    # lost: at 40 replications the paired mean (about 470 s) was 3.7 standard errors; three times as many
    # replications shrink the error by sqrt(3).
    reps = 3 * REPS
    runs = {}
    for ground in ("open", "mountain"):
        data = hill_assault(attackers=2, posture="hasty-defence")
        data["area"]["default_terrain"] = ground
        for name in ("blue-squad", "red-squad"):
            data["catalogue"]["unit_types"][name]["speed_mps"] = {"open": 1.5, "mountain": 1.5}
        runs[ground] = lost_at(runner.run(data, reps=reps))
    # Paired draws: an assault carried on the mountain is carried on open ground too, so the mountain
    # post falls no sooner in any replication, and later on average (R 2.0 -> 1.33, p 0.93 -> 0.61).
    assert (runs["mountain"] >= runs["open"]).all()
    assert_paired_greater(runs["mountain"], runs["open"])


def test_terrain_factor_lifts_the_defence_on_broken_ground() -> None:
    """The model: Dupuy's terrain factors, 1 on open ground, 1.3 in foothills, 1.5 on mountain ground,
    1.4 in towns, lower the force ratio against the same defenders in that order."""
    ground = [TERRAIN_INDEX[k] for k in ("open", "foothills", "urban", "mountain")]
    factor = terrain_factor(ground)
    assert factor.tolist() == [1.0, 1.3, 1.4, 1.5]
    r = force_ratio(
        np.full(4, 30.0),
        np.full(4, 10.0),
        defence_factor(np.full(4, POSTURE_INDEX["hasty-defence"])) * factor,
    )
    assert (np.diff(r) < 0).all()
    assert r[0] == 3.0


def test_suppressed_defenders_are_overrun(runner: Runner) -> None:
    """Suppressed defenders cannot break contact: the assault overruns them. Their people are not all
    missing: some are hit in the last rush (killed or wounded), some break out and withdraw, the rest are
    captured (missing, with the wounded left on the position)."""
    data = hill_assault(attackers=3)
    data["catalogue"]["weapons"]["pinning-mg"] = rifle(0.0, p_suppress=1.0, max_range_m=2500.0)
    data["catalogue"]["unit_types"]["red-squad"]["weapons"] = [{"weapon": "pinning-mg"}]
    data["catalogue"]["unit_types"]["blue-squad"]["break_suppression"] = 1.0  # pinned, but never broken
    result = runner.run(data, reps=10)
    outcomes = result.select("AssaultResolved")["detail"].to_pylist()
    # Fire comes in bursts (direct-fire discipline), so the pinning fire leaves gaps: a defender caught
    # unsuppressed at the decisive moment withdraws. Suppressed ones are overrun, never repulse the assault.
    assert set(outcomes) <= {"overrun", "withdrew"}
    overrun = outcomes.count("overrun")
    assert overrun > len(outcomes) / 2
    # The rifles kill nobody, so every loss is the assault's: hits of the last rush (UnitHit) and the
    # captured (CasualtiesMissing, reason overrun), which also take the rush's wounded.
    hit = result.total("UnitHit", "count", unit="blue/squad")
    missing = result.total("CasualtiesMissing", "count", unit="blue/squad", detail="overrun")
    losses = result.losses("blue")
    assert hit.sum() > 0
    assert missing.sum() > 0
    assert (losses <= 8).all()
    # An element of 8 loses all of them (hit or captured) with probability 0.75**8 = 0.1, so in more than
    # half of the replications overrun some broke out; those are not destroyed and end off the position.
    destroyed = result.count("UnitDestroyed", unit="blue/squad")
    escaped = (result.count("AssaultResolved", detail="overrun") > 0) & (destroyed == 0)
    assert escaped.sum() > 0
    assert (losses[escaped] < 8).all()
    assert (losses[destroyed == 1] == 8).all()


@pytest.mark.parametrize("rules", [None, ["attack"]])
def test_unsuppressed_defenders_withdraw_off_the_ground(runner: Runner, rules: list[str] | None) -> None:
    """Defenders neither broken nor suppressed withdraw, and end off the position, not destroyed; a
    behaviour without the withdraw rule does not stop that withdrawal half-way."""
    data = hill_assault(attackers=3)
    if rules is not None:
        data["catalogue"]["behaviours"] = {"own": {"rules": rules}}
        data["units"]["blue/squad"]["behaviour"] = "own"
    result = runner.run(data, reps=10)
    assert set(result.select("AssaultResolved")["detail"].to_pylist()) == {"withdrew"}
    assert result.count("UnitDestroyed").sum() == 0
    sim = result.sim
    blue = sim.world.forces.index("blue/squad")
    off = ~sim.world.positions.inside(0, sim.state.x[:, blue], sim.state.y[:, blue])
    assert off.all()
    assert (result.measure("held") == 0).all()


def test_broken_defenders_surrender(runner: Runner) -> None:
    """Broken defenders still on the position surrender: they are captured when the attackers arrive.
    Blind, they know of no enemy when they break, so their home (the position) is where they withdraw."""
    data = hill_assault(attackers=1)
    data["catalogue"]["unit_types"]["blue-squad"]["break_losses"] = 0.0  # broken from the first step
    data["catalogue"]["unit_types"]["blue-squad"]["sensors"] = []
    result = runner.run(data, reps=10)
    assert set(result.select("AssaultResolved")["detail"].to_pylist()) == {"surrendered"}
    assert (result.count("UnitCaptured", unit="blue/squad") == 1).all()


def test_cornered_defenders_stand_fast_and_fight_the_assault(runner: Runner) -> None:
    """Defenders in a defensive posture on their held position who see the attackers coming have no refuge
    (their home is the position): past their break threshold they stand fast instead of breaking, so the
    attackers must fight an assault for the ground."""
    data = hill_assault(attackers=1)
    data["catalogue"]["sensors"]["eye"] = eye(100.0)  # blue sees red before its first morale check
    data["catalogue"]["unit_types"]["blue-squad"]["break_losses"] = 0.0
    result = runner.run(data, reps=10)
    assert (result.count("AssaultResolved") >= 1).all()
    # They may break once an assault has carried the position and they fall back off it, never before.
    assert (result.first("UnitBroke", unit="blue/squad") > result.first("AssaultResolved")).all()


def test_defenders_caught_out_of_a_defensive_posture_abandon_the_position(runner: Runner) -> None:
    """The same defenders, halted rather than defending, break and leave the position (it is no refuge):
    nobody is left to surrender, and the attackers take the ground without an assault."""
    data = hill_assault(attackers=1, posture="halted")
    data["catalogue"]["sensors"]["eye"] = eye(100.0)
    data["catalogue"]["unit_types"]["blue-squad"]["break_losses"] = 0.0
    result = runner.run(data, reps=10)
    assert (result.count("UnitBroke", unit="blue/squad") >= 1).all()  # again after each rally
    assert result.select("AssaultResolved").num_rows == 0
    assert (result.count("UnitCaptured", unit="blue/squad") == 0).all()
    assert (result.measure("held") == 0).all()


def test_undefended_position_falls_without_an_assault(runner: Runner) -> None:
    """With nobody on it, the first hostile element on the ground seizes the position, no assault drawn."""
    data = hill_assault(attackers=1)
    data["units"]["blue/squad"]["at"] = {"lat": 37.25, "lon": 68.45}  # far off the hill
    result = runner.run(data, reps=5)
    assert len(result.select("AssaultResolved")) == 0
    assert (result.count("PositionSeized", side="red") == 1).all()


def test_a_repulsed_assault_breaks_the_attackers_off(runner: Runner) -> None:
    """A repulsed assault breaks the attackers on the ground off: every repulse is followed, in the same
    step, by the attacking squad breaking (reason ``repulsed``), so no assault is renewed before it has
    rallied (RALLY_S later at the soonest)."""
    from drillsim.mechanics.morale.step import RALLY_S

    data = hill_assault(attackers=1)
    result = runner.run(data, reps=REPS)
    repulses = result.select("AssaultResolved", detail="repulsed")
    assert repulses.num_rows > 0
    broke = result.select("UnitBroke", unit="red/squad", detail="repulsed")
    assert sorted(zip(broke["replication"].to_pylist(), broke["time_s"].to_pylist(), strict=True)) == sorted(
        zip(repulses["replication"].to_pylist(), repulses["time_s"].to_pylist(), strict=True)
    )
    assaults = result.select("AssaultResolved")
    for rep in set(repulses["replication"].to_pylist()):
        times = sorted(
            tm
            for r, tm in zip(assaults["replication"].to_pylist(), assaults["time_s"].to_pylist(), strict=True)
            if r == rep
        )
        assert all(b - a >= RALLY_S for a, b in itertools.pairwise(times))


def test_success_probability_rises_with_the_ratio_and_falls_with_posture() -> None:
    """The model: p rises with R; a stronger defensive posture and fortification lower R."""
    ratios = np.array([0.5, 1.0, 1.5, 2.0, 3.0])
    p = assault_success_probability(ratios)
    assert (np.diff(p) > 0).all()
    assert assault_success_probability(np.array([0.0]))[0] == 0.0
    assert assault_success_probability(np.array([np.inf]))[0] == 1.0
    postures = [POSTURE_INDEX[k] for k in ("halted", "hasty-defence", "prepared-defence")]
    phi = defence_factor(postures)
    assert (np.diff(phi) > 0).all()
    assert defence_factor(postures, fortified=True)[1:].tolist() == [1.6, 1.6]
    assert defence_factor(postures, fortified=True)[0] == 1.0
    r = force_ratio(np.full(3, 30.0), np.full(3, 10.0), phi)
    assert (np.diff(r) < 0).all()


def test_the_assault_is_a_sustained_fight_not_one_rush(runner: Runner) -> None:
    """The assault is decided from ASSAULT_S after the attackers closed with the hazard 1/DECISION_MEAN_S,
    not at one fixed moment: with no fire, the attackers close at the same time in every replication, yet
    the first decision spreads over minutes and never comes before ASSAULT_S."""
    from drillsim.mechanics.assault.model import ASSAULT_S, DECISION_MEAN_S

    # Two hours: the chance that an assault begun at about 1,130 s is still undecided at the end is
    # exp(-(7200 - 1430) / 600) < 1e-4 per replication.
    result = runner.run(hill_assault(attackers=1, duration_s=7200.0), reps=REPS)
    decided = result.first("AssaultResolved")
    assert np.isfinite(decided).all()
    # The squads walk 2 km at 1.5 m/s and reach the hill's 300 m of ground after about 1,130 s.
    assert decided.min() >= (2000.0 - 300.0) / 1.5 + ASSAULT_S - 60.0
    # Exponential decision times have a standard deviation of DECISION_MEAN_S; the sample's own sd over
    # 40 draws is about DECISION_MEAN_S * sqrt(8 / (4 * 40)) = 0.22 * DECISION_MEAN_S, so a third of it is
    # more than three of those below the mean.
    assert decided.std(ddof=1) > DECISION_MEAN_S / 3


def test_pinned_defenders_lose_the_position_sooner_than_a_garrison_still_firing(runner: Runner) -> None:
    """Suppression is an input: the same attackers with a weapon that pins the defenders (and kills
    nobody) carry the hill sooner than without, because pinned defenders count for less in R at the
    moment the sustained assault is decided."""
    firing = hill_assault(attackers=1, posture="hasty-defence")
    pinned = hill_assault(attackers=1, posture="hasty-defence")
    pinned["catalogue"]["weapons"]["pinning-mg"] = rifle(0.0, p_suppress=1.0, max_range_m=2500.0)
    pinned["catalogue"]["unit_types"]["red-squad"]["weapons"] = [{"weapon": "pinning-mg"}]
    pinned["catalogue"]["unit_types"]["blue-squad"]["break_suppression"] = 1.0
    a = runner.run(firing, reps=REPS)
    b = runner.run(pinned, reps=REPS)
    assert_paired_greater(lost_at(a), lost_at(b))


def test_encircled_defenders_hold_where_they_stand(runner: Runner) -> None:
    """The same defenders as in the withdrawal test, with a red squad standing 800 m south across their way
    out: when an assault carries the ground they cannot withdraw through the ring; they hold on the
    position, which stays blue's (the attackers carried only the ground of those they overcame)."""
    data = hill_assault(attackers=3)
    data["units"]["red/cut-off"] = {"type": "red-squad", "nation": "R", "at": at(0, -800)}
    result = runner.run(data, reps=10)
    outcomes = set(result.select("AssaultResolved")["detail"].to_pylist())
    assert "held-out" in outcomes
    assert "withdrew" not in outcomes
    assert result.count("PositionSeized").sum() == 0
    sim = result.sim
    blue = sim.world.forces.index("blue/squad")
    assert sim.world.positions.inside(0, sim.state.x[:, blue], sim.state.y[:, blue]).all()
    assert (result.measure("held") == 1).all()


def test_only_the_attackers_that_fit_on_the_perimeter_close_at_once(runner: Runner) -> None:
    """Room to close: on a post 100 m in radius (628 m of edge) one company-wide element (914 m of
    frontage) fits abreast, so three such elements assault it with the force ratio of one and take it
    exactly when one alone does; on the default 300 m of ground (1,885 m of edge) all three fit, and three
    take it sooner than one."""
    runs = {}
    for radius in (100.0, 300.0):
        for n in (1, 3):
            data = hill_assault(attackers=n)
            data["positions"]["hill"]["radius_m"] = radius
            data["catalogue"]["unit_types"]["red-squad"]["echelon"] = "company"
            runs[radius, n] = lost_at(runner.run(data, reps=REPS))
    assert (runs[100.0, 1] < DURATION_S).sum() >= REPS // 8
    np.testing.assert_array_equal(runs[100.0, 3], runs[100.0, 1])
    assert_paired_greater(runs[300.0, 1], runs[300.0, 3])


def test_admitted_on_perimeter_takes_the_nearest_first() -> None:
    """The nearest attackers fill the edge first; an element starts to fit while the front before it is
    shorter than the edge, and non-attackers never count."""
    from drillsim.mechanics.assault.model import admitted_on_perimeter, perimeter_m

    attackers = np.array([[True, True, True, False], [False, True, True, True]])
    distance = np.array([[30.0, 10.0, 20.0, 0.0], [0.0, 50.0, 5.0, 40.0]])
    frontage = np.array([100.0, 100.0, 100.0, 100.0])
    fits = admitted_on_perimeter(attackers, distance, frontage, 150.0)
    assert fits.tolist() == [[False, True, True, False], [False, False, True, True]]
    assert perimeter_m(10.0, None) == pytest.approx(2 * np.pi * 10.0)
    square = np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]])
    assert perimeter_m(np.nan, square) == pytest.approx(40.0)
