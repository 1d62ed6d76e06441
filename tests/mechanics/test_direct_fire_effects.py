"""Every factor of the direct-fire casualty rate (docs/mechanics/fires.md) moves red's losses the documented
way.

The scenario: a blue squad (20 people, 20 rifles) fires at a red company (200 people, never breaking) a few
hundred metres away, which it sees at once. Red's losses over five minutes are the outcome; the two runs of a
comparison share the seed, so the binomial draws are paired.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from effects_kit import Runner, assert_paired_greater, at, base, eye, rifle

from drillsim.mechanics.direct_fire.model import (
    POSTURE_DIRECT_EXPOSURE,
    SUPPRESSED_FIRE_FACTOR,
    band_value,
    casualty_rate,
)

REPS = 100
UNTIL_S = 300.0


def firefight(*, distance_m: float = 300.0, red_weapon: dict[str, Any] | None = None) -> dict[str, Any]:
    """Blue's squad at the origin, red's company ``distance_m`` north; red is armed with ``red_weapon``
    (and can see) only when one is given."""
    data = base(duration_s=3600.0, dt_s=10.0)
    cat = data["catalogue"]
    cat["sensors"]["sure-eye"] = eye(10.0)
    cat["weapons"]["blue-rifle"] = {
        "kind": "direct",
        "rate_per_min": 6,
        "bands": [
            {"max_range_m": 250, "p_kill": 0.03, "p_suppress": 0.0},
            {"max_range_m": 800, "p_kill": 0.02, "p_suppress": 0.0},
        ],
    }
    cat["unit_types"]["squad"] = {
        "category": "infantry",
        "echelon": "squad",
        "personnel": 20,
        "weapons": [{"weapon": "blue-rifle", "count": 20}],
        "sensors": [{"sensor": "sure-eye"}],
        "break_losses": 1.0,
        "break_suppression": 1.0,
    }
    cat["unit_types"]["company"] = {
        "category": "infantry",
        "echelon": "company",
        "personnel": 200,
        "break_losses": 1.0,
        "break_suppression": 1.0,
    }
    if red_weapon is not None:
        cat["weapons"]["red-rifle"] = red_weapon
        cat["unit_types"]["company"]["weapons"] = [{"weapon": "red-rifle", "count": 200}]
        cat["unit_types"]["company"]["sensors"] = [{"sensor": "sure-eye"}]
    data["units"] = {
        "blue/squad": {"type": "squad", "nation": "B", "at": at(0, 0)},
        "red/company": {"type": "company", "nation": "R", "at": at(0, distance_m)},
    }
    return data


def red_losses(runner: Runner, data: dict[str, Any], *, reps: int = REPS) -> np.ndarray:
    return runner.run(data, reps=reps, until_s=UNTIL_S).losses("red")


def test_closer_band_kills_more(runner: Runner) -> None:
    """P_k(r): the first band (p_kill 0.03 to 250 m) kills more than the second (0.02 to 800 m)."""
    close = red_losses(runner, firefight(distance_m=200.0))
    far = red_losses(runner, firefight(distance_m=500.0))
    assert_paired_greater(close, far)


def test_nothing_is_hit_beyond_the_last_band(runner: Runner) -> None:
    """P_k = 0 beyond the last band: a target at 1 km, well seen, loses nobody; at 500 m it does."""
    beyond = red_losses(runner, firefight(distance_m=1000.0))
    inside = red_losses(runner, firefight(distance_m=500.0))
    assert beyond.sum() == 0
    assert_paired_greater(inside, beyond)


def test_higher_p_kill_kills_more(runner: Runner) -> None:
    """P_k: raising the band's kill probability from 0.02 to 0.04 raises red's losses."""
    data = firefight(distance_m=500.0)
    low = red_losses(runner, data)
    data["catalogue"]["weapons"]["blue-rifle"]["bands"][1]["p_kill"] = 0.04
    assert_paired_greater(red_losses(runner, data), low)


def test_faster_fire_kills_more(runner: Runner) -> None:
    """f_m = rate_per_min / 60: 18 engagements a minute kill more than 6."""
    data = firefight()
    slow = red_losses(runner, data)
    data["catalogue"]["weapons"]["blue-rifle"]["rate_per_min"] = 18
    assert_paired_greater(red_losses(runner, data), slow)


def test_more_weapons_kill_more(runner: Runner) -> None:
    """n_m: 30 rifles kill more than 10."""
    data = firefight()
    data["catalogue"]["unit_types"]["squad"]["weapons"][0]["count"] = 10
    few = red_losses(runner, data)
    data["catalogue"]["unit_types"]["squad"]["weapons"][0]["count"] = 30
    assert_paired_greater(red_losses(runner, data), few)


def test_better_trained_shooters_kill_more(runner: Runner) -> None:
    """q: training 1.0 kills more than training 0.4."""
    data = firefight()
    trained = red_losses(runner, data)
    data["nations"]["B"]["training"] = 0.4
    assert_paired_greater(trained, red_losses(runner, data))


def test_suppressed_shooters_kill_less(runner: Runner) -> None:
    """(1 - 0.7 σ): a squad kept suppressed by red's fire (p_suppress 1, no kills) kills less."""
    quiet = red_losses(runner, firefight(red_weapon=rifle(0.0, p_suppress=0.0)))
    pinned = red_losses(runner, firefight(red_weapon=rifle(0.0, p_suppress=1.0)))
    assert_paired_greater(quiet, pinned)


def test_cover_stops_fire(runner: Runner) -> None:
    """(1 - cover): a target whose type has cover 0.6 loses fewer than one with none."""
    data = firefight()
    bare = red_losses(runner, data)
    data["catalogue"]["unit_types"]["company"]["cover"] = 0.6
    assert_paired_greater(bare, red_losses(runner, data))


EXPOSURE_ORDER = ["moving", "halted", "mounted", "hasty-defence", "hidden", "prepared-defence"]


def test_posture_order_of_exposure(runner: Runner) -> None:
    """e(posture): moving > halted > mounted > hasty > hidden > prepared, each step down loses fewer."""
    losses = []
    for posture in EXPOSURE_ORDER:
        data = firefight()
        data["units"]["red/company"]["posture"] = posture
        losses.append(red_losses(runner, data))
    for more, fewer in itertools.pairwise(losses):
        assert_paired_greater(more, fewer)


def test_a_depleted_squad_fires_less(runner: Runner) -> None:
    """S / S0: when red's return fire thins the squad (its rifles unchanged), the squad kills less."""
    whole = red_losses(runner, firefight(red_weapon=rifle(0.0)))
    thinned_run = runner.run(firefight(red_weapon=rifle(0.002)), reps=REPS, until_s=UNTIL_S)
    assert thinned_run.losses("blue").mean() > 3.0  # the squad does lose people
    assert_paired_greater(whole, thinned_run.losses("red"))


def test_limited_ammunition_ends_the_fire(runner: Runner) -> None:
    """Only mounts with ammunition left count: 2 rounds per rifle (two steps' worth) kill less than plenty."""
    data = firefight()
    plenty = red_losses(runner, data)
    data["catalogue"]["unit_types"]["squad"]["weapons"][0]["ammunition"] = 2
    assert_paired_greater(plenty, red_losses(runner, data))


def test_deterministic_losses_are_the_documented_product(runner: Runner) -> None:
    """With stochastic=False red loses exactly Σ c dt, c = n f P_k q (S/S0)(1 - 0.7σ) e (1 - cover)."""
    data = firefight(distance_m=500.0)
    data["nations"]["B"]["training"] = 0.8
    data["catalogue"]["unit_types"]["company"]["cover"] = 0.25
    data["units"]["red/company"]["posture"] = "hasty-defence"
    result = runner.run(data, reps=1, until_s=UNTIL_S, stochastic=False)
    c = 20 * (6 / 60) * 0.02 * 0.8 * 1.0 * 1.0 * POSTURE_DIRECT_EXPOSURE["hasty-defence"] * (1 - 0.25)
    steps = UNTIL_S / 10.0
    assert result.losses("red")[0] == pytest.approx(steps * c * 10.0, rel=1e-9)


# --- the pure formulas -----------------------------------------------------------------------------------


def _rate(**changes: float) -> float:
    args: dict[str, Any] = {
        "weapons": 10.0,
        "rate_per_s": 0.1,
        "p_kill": 0.02,
        "fighting_fraction": 1.0,
        "training": 1.0,
        "suppressed": 0.0,
        "exposure": 1.0,
    }
    args |= changes
    return float(casualty_rate(**args))


@pytest.mark.parametrize(
    ("factor", "low", "high"),
    [
        ("weapons", 5.0, 10.0),
        ("rate_per_s", 0.05, 0.1),
        ("p_kill", 0.01, 0.02),
        ("fighting_fraction", 0.5, 1.0),
        ("training", 0.5, 1.0),
        ("exposure", 0.25, 1.0),
    ],
)
def test_model_rate_is_proportional_to_each_factor(factor: str, low: float, high: float) -> None:
    """casualty_rate is proportional to n, f, P_k, S/S0, q and the exposure."""
    assert _rate(**{factor: high}) == pytest.approx(_rate(**{factor: low}) * high / low)


def test_model_suppression_and_bands() -> None:
    """A suppressed shooter fires at 30 %; band_value takes the first band holding the range, 0 beyond."""
    assert _rate(suppressed=1.0) == pytest.approx(SUPPRESSED_FIRE_FACTOR * _rate())
    bands = np.array([[250.0, 800.0]])
    pk = np.array([[0.03, 0.02]])
    assert np.allclose(
        [band_value(r, bands, pk)[0] for r in (100.0, 250.0, 251.0, 800.0, 801.0)],
        [0.03, 0.03, 0.02, 0.02, 0.0],
    )
