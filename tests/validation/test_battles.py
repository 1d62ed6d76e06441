"""Public validation battles: scenarios from published facts, published outcomes beside drillsim's band."""

from __future__ import annotations

import numpy as np
import pytest

from drillsim.scenario import load_scenario
from drillsim.validation.battles import (
    BATTLES,
    BattleRuns,
    battle_scenario_path,
    compare_battle,
    load_published,
    run_battle,
)


@pytest.mark.parametrize("name", BATTLES)
def test_every_published_figure_cites_a_source_of_its_scenario(name: str) -> None:
    """Each battle's scenario loads, and each published figure names a source the scenario defines, with the
    words the source gives; what was not found is said."""
    scenario = load_scenario(battle_scenario_path(name))
    published = load_published()[name]
    assert published.side in scenario.sides
    assert published.not_found
    for fig in published.figures:
        assert fig.source in scenario.sources, (name, fig.measure, fig.source)
        assert fig.says
        assert fig.low <= fig.high


@pytest.mark.parametrize("name", BATTLES)
def test_battle_scenarios_use_the_shared_catalogue_only(name: str) -> None:
    """No battle defines its own weapons, sensors or unit types: the shared catalogue is not tuned per
    battle."""
    text = battle_scenario_path(name).read_text(encoding="utf-8")
    assert "extends: [core-v1]" in text
    for key in ("weapons:", "unit_types:", "sensors:", "behaviours:"):
        assert f"\n  {key}" not in text


def test_run_battle_is_reproducible_and_consistent() -> None:
    """The same seed gives the same replications; batches do not change them; every measure is in range."""
    a = run_battle("hill-3234-1988-v1", replications=6, rng=3, batch=6)
    b = run_battle("hill-3234-1988-v1", replications=6, rng=3, batch=3)
    for m in a.values:
        np.testing.assert_array_equal(a.values[m], b.values[m])
    strength = 39
    assert a.replications == 6
    assert np.all((a.values["defenders-killed"] >= 0) & (a.values["defenders-killed"] <= strength))
    assert np.all(a.values["defenders-killed"] + a.values["defenders-wounded"] <= strength)
    assert set(np.unique(a.values["post-held"])) <= {0.0, 1.0}
    assert np.all(a.values["duration-h"] >= 0)


def test_compare_battle_says_inside_only_when_the_figure_overlaps_the_band() -> None:
    """A published point inside the band, a range overlapping it and figures beyond it get the right
    verdict."""
    published = load_published()["hill-3234-1988-v1"]
    values = {
        "defenders-killed": np.arange(0.0, 21.0),  # band 1-19: 6 inside
        "defenders-wounded": np.arange(0.0, 21.0),  # 28 outside
        "post-held": np.zeros(21),  # never held: 1 outside
        "duration-h": np.linspace(10.0, 30.0, 21),  # range 16-20 overlaps
    }
    c = compare_battle(BattleRuns("hill-3234-1988-v1", 0, values), published)
    verdicts = {m.measure: m.inside for m in c.measures}
    assert verdicts == {
        "defenders-killed": True,
        "defenders-wounded": False,
        "post-held": False,
        "duration-h": True,
    }
    assert c.hits == 2
    assert "outside: defenders wounded, post held at the end" in c.sentence()
