"""Troops under indirect fire leave the fall of shot, and broken or mountain ground shields them
(docs/mechanics/indirect-fire.md, "Leaving the fall of shot" and "Cover from the ground").

The scenario is that of test_indirect_fire_effects: a blue observer sees a red platoon (100 people, never
breaking) 500 m north of it at once; a blue battery of six tubes 5.5 km south of the platoon answers with
one mission. The fall of shot and the casualty draws are keyed by (replication, mission, round or
element), so the runs of a comparison share them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from effects_kit import Result, Runner, assert_paired_greater
from test_indirect_fire_effects import fire, mission

from drillsim.mechanics.indirect_fire.model import (
    CEP_TO_SD,
    IMPACT_AREA_CEPS,
    RELIEF_AREA_EXPOSURE,
    impact_area_radius,
)


def adjusted(*, stay: bool, **gun: Any) -> dict[str, Any]:
    """Twelve tubes fire one volley after two adjusting rounds (the observer's error, 15 m per axis, is
    just past the short fork's limit) on the red platoon lying still, which can rush at 3 m/s; with
    ``stay`` it is under a defend task where it lies (ordered to hold its ground, still prone)."""
    data = mission(**({"rounds_per_mission": 1} | gun))
    data["catalogue"]["unit_types"]["battery"]["weapons"][0]["count"] = 12
    data["catalogue"]["sensors"]["sure-eye"]["position_error_m"] = 60.0
    data["catalogue"]["unit_types"]["platoon"]["speed_mps"] = {"open": 3.0}
    data["units"]["red/platoon"]["posture"] = "halted"
    if stay:
        data["plan"]["phases"]["fires"]["tasks"].append(
            {
                "task": "defend",
                "units": ["red/platoon"],
                "at": data["units"]["red/platoon"]["at"],
                "posture": "halted",
            }
        )
    return data


def effect_casualties(result: Result) -> np.ndarray:
    """Per replication: the casualties of the fire for effect (the adjusting rounds' are apart)."""
    return result.total("FireMissionCompleted", "count")


def test_troops_who_leave_the_fall_of_shot_lose_fewer_to_the_fire_for_effect(runner: Runner) -> None:
    """Warned by adjusting rounds, a platoon free to move rushes out of the impact area, so the fire for
    effect on the adjusted aim point finds fewer of it than of the same platoon ordered to stay (both
    prone when it lands, the same fall of shot)."""
    left = fire(runner, adjusted(stay=False))
    stayed = fire(runner, adjusted(stay=True))
    assert (left.count("RoundsFired") == 2).all()
    assert (stayed.count("RoundsFired") == 2).all()
    assert (left.count("UnitReactedToFire", unit="red/platoon", detail="left") >= 1).all()
    assert not left.count("UnitReactedToFire", unit="red/platoon", detail="stayed").any()
    assert (stayed.count("UnitReactedToFire", unit="red/platoon", detail="stayed") >= 1).all()
    assert not stayed.count("UnitReactedToFire", unit="red/platoon", detail="left").any()
    assert_paired_greater(effect_casualties(stayed), effect_casualties(left))


def test_the_second_volley_finds_fewer_of_troops_who_leave(runner: Runner) -> None:
    """Six tubes fire for effect at once, two rounds each a minute apart (two volleys, no adjusting
    rounds), on the prone red platoon, which can rush at 5 m/s: free to move, it is on its way out when the
    second volley lands, so the mission hits fewer of it than of the same platoon ordered to stay (the
    same first volley, the same fall of shot)."""

    def run(*, stay: bool) -> Result:
        data = adjusted(stay=stay, rounds_per_mission=2, rate_per_min=1)
        data["catalogue"]["unit_types"]["battery"]["weapons"][0]["count"] = 6
        data["catalogue"]["sensors"]["sure-eye"]["position_error_m"] = 20.0
        data["catalogue"]["unit_types"]["platoon"]["speed_mps"] = {"open": 5.0}
        return fire(runner, data)

    left, stayed = run(stay=False), run(stay=True)
    assert (left.count("RoundsFired") == 1).all()
    assert (stayed.count("RoundsFired") == 1).all()
    assert_paired_greater(effect_casualties(stayed), effect_casualties(left))


def test_troops_head_out_of_the_impact_area(runner: Runner) -> None:
    """A platoon that leaves heads for a point as far from the aim point of the rounds that fell on it as
    the circle holding 95 % of the rounds plus its own footprint (a platoon's, 120 m)."""
    result = fire(runner, adjusted(stay=False), reps=20)
    left = result.select("UnitReactedToFire", unit="red/platoon", detail="left")
    impacts = result.select("RoundsImpacted")
    aims = {
        (r, t): (x, y)
        for r, t, x, y in zip(
            impacts["replication"].to_pylist(),
            impacts["time_s"].to_pylist(),
            impacts["x_m"].to_pylist(),
            impacts["y_m"].to_pylist(),
            strict=True,
        )
    }
    need = float(impact_area_radius(100.0, 120.0))
    assert left.num_rows >= 20
    for r, t, x, y in zip(
        left["replication"].to_pylist(),
        left["time_s"].to_pylist(),
        left["x_m"].to_pylist(),
        left["y_m"].to_pylist(),
        strict=True,
    ):
        ax, ay = aims[(r, t)]
        assert math.hypot(x - ax, y - ay) == pytest.approx(need, rel=1e-9)


def test_model_impact_area_holds_95_percent_of_the_rounds() -> None:
    """Misses are circular normal with per-axis sd CEP / 1.1774: 95 % fall within IMPACT_AREA_CEPS CEP
    (sampled, within three standard errors)."""
    rng = np.random.default_rng(7)
    n = 200_000
    cep = 110.0
    miss = rng.normal(0.0, cep * CEP_TO_SD, size=(n, 2))
    inside = float(np.mean(np.hypot(miss[:, 0], miss[:, 1]) <= IMPACT_AREA_CEPS * cep))
    se = math.sqrt(0.95 * 0.05 / n)
    assert abs(inside - 0.95) < 3 * se
    assert float(impact_area_radius(cep, 120.0)) == pytest.approx(IMPACT_AREA_CEPS * cep + 120.0)


def on_ground(terrain: str, posture: str) -> dict[str, Any]:
    """One volley of six tubes fired for effect at once (observer error 5 m per axis) on the red platoon
    in ``posture``, on level ground of the class ``terrain``."""
    data = mission(rounds_per_mission=1, lethal_radius_m=50)
    data["catalogue"]["sensors"]["sure-eye"]["position_error_m"] = 20.0
    data["area"]["default_terrain"] = terrain
    data["units"]["red/platoon"]["posture"] = posture
    return data


def test_mountain_ground_shields_troops_from_fragments(runner: Runner) -> None:
    """The same volley (same fall of shot) on the same platoon lying prone: in mountain ground it loses
    fewer than in foothills, and in foothills fewer than on open ground."""
    losses = {
        t: fire(runner, on_ground(t, "halted")).losses("red") for t in ("open", "foothills", "mountain")
    }
    assert_paired_greater(losses["open"], losses["foothills"])
    assert_paired_greater(losses["foothills"], losses["mountain"])


def test_troops_dug_in_take_no_cover_from_the_ground(runner: Runner) -> None:
    """Troops in prepared positions keep their own exposure in any ground: the same volley takes exactly as
    many of them in mountain ground as on open ground."""
    open_ = fire(runner, on_ground("open", "prepared-defence")).losses("red")
    mountain = fire(runner, on_ground("mountain", "prepared-defence")).losses("red")
    assert open_.sum() > 0
    assert np.array_equal(open_, mountain)


def test_model_relief_exposures_are_documented() -> None:
    """Share of fragments the ground lets through: mountain 0.5, foothills 0.75, every other class 1."""
    assert RELIEF_AREA_EXPOSURE["mountain"] == 0.5
    assert RELIEF_AREA_EXPOSURE["foothills"] == 0.75
    assert {v for k, v in RELIEF_AREA_EXPOSURE.items() if k not in ("mountain", "foothills")} == {1.0}
