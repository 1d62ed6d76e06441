"""The realism section of the study: mechanics and their validation, reference class, weak inputs, verdict."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from drillsim.scenario import load_scenario
from drillsim.study.study import StudyResult, run_study, write_study
from drillsim.validation.battles import BattleRuns, battle_scenario_path, compare_battle, load_published
from drillsim.validation.realism import assess_realism, scenario_mechanics, side_strengths

UNTIL_S = 900.0


@pytest.fixture(scope="module")
def study() -> StudyResult:
    """A short study of the Hill 3234 battle (a small scenario with artillery), with the Morris screening."""
    return run_study(
        battle_scenario_path("hill-3234-1988-v1"),
        variants=[],
        replications=4,
        rng=5,
        until_s=UNTIL_S,
        screen=1,
        screen_trajectories=2,
        executor=1,
    )


def _runs(name: str, killed: float) -> BattleRuns:
    """Replications whose killed figure is ``killed`` every time and which never hold the post."""
    n = 20
    return BattleRuns(
        name,
        0,
        {
            "defenders-killed": np.full(n, killed),
            "defenders-wounded": np.zeros(n),
            "post-held": np.zeros(n),
            "duration-h": np.full(n, 0.5),
        },
    )


def test_mechanics_follow_the_scenario() -> None:
    """A scenario with a fire-support task rests on indirect fire; one without aircraft not on air; one
    with strike aircraft on both (their weapons land as area fire)."""
    scenario = load_scenario(battle_scenario_path("hill-3234-1988-v1"))
    used = scenario_mechanics(scenario)
    assert "indirect fire" in used
    assert "air operations and air defence" not in used
    keating = scenario_mechanics(load_scenario(battle_scenario_path("keating-2009-v1")))
    assert "air operations and air defence" in keating
    assert "indirect fire" in keating


def test_side_strengths_count_every_person() -> None:
    """39 paratroopers plus the battery's crews, and 10 groups of 25 mujahideen."""
    scenario = load_scenario(battle_scenario_path("hill-3234-1988-v1"))
    strengths = side_strengths(scenario)
    assert strengths["soviet"] == 39 + scenario.catalogue.unit_types["howitzer-battery-122"].personnel
    assert strengths["mujahideen"] == 250


def test_section_places_each_side_and_ranks_weak_inputs(study: StudyResult) -> None:
    """Both sides get a daily loss share and a percentile; weak inputs are unsourced, largest first."""
    scenario = load_scenario(battle_scenario_path("hill-3234-1988-v1"))
    realism = assess_realism(study, scenario, duration_s=UNTIL_S)
    assert {r.side for r in realism.side_rates} == {"soviet", "mujahideen"}
    for r in realism.side_rates:
        assert 0.0 <= r.percentile <= 100.0
        assert r.rate == pytest.approx(r.lost / r.strength)  # a fight under a day is one battle day
    shares = [s for _, s, _ in realism.weak_inputs]
    assert shares == sorted(shares, reverse=True)
    assert study.morris is not None
    weak_names = {g.name for g in study.morris.groups if g.influential and not g.is_sourced}
    assert {g for g, _, _ in realism.weak_inputs} <= weak_names
    assert realism.verdict
    assert "the public validation battles were not run" in " ".join(realism.notes)


def test_battle_misses_make_the_verdict_say_not_yet_realistic(study: StudyResult) -> None:
    """With most published figures outside the band the verdict says so, and counts the hits."""
    scenario = load_scenario(battle_scenario_path("hill-3234-1988-v1"))
    published = load_published()
    battles = [compare_battle(_runs("hill-3234-1988-v1", 6.0), published["hill-3234-1988-v1"])]
    realism = assess_realism(study, scenario, battles=battles, duration_s=UNTIL_S)
    assert realism.verdict.startswith("not yet realistic")
    assert "1 of 4 published battle figures" in realism.uncertainty
    direct = next(m for m in realism.mechanics if m.mechanic == "direct fire")
    assert (direct.battle_hits, direct.battle_figures) == (1, 1)


def test_study_page_and_json_carry_the_section(study: StudyResult, tmp_path: Path) -> None:
    """The written study shows the realism section and keeps it in study.json."""
    scenario = load_scenario(battle_scenario_path("hill-3234-1988-v1"))
    study.realism = assess_realism(study, scenario, duration_s=UNTIL_S).to_json()
    path = write_study(study, tmp_path)
    text = path.read_text(encoding="utf-8")
    assert "How realistic is this answer?" in text
    assert "Verdict:" in text
    assert '"realism"' in (tmp_path / "study.json").read_text(encoding="utf-8")
