"""Public validation battles: scenarios from published facts, published outcomes beside drillsim's band."""

from __future__ import annotations

import numpy as np
import pytest

from drillsim.scenario import load_scenario
from drillsim.validation.battles import (
    BATTLES,
    VERDICTS,
    BattleRuns,
    PublishedBattle,
    PublishedFigure,
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


@pytest.mark.parametrize(
    ("name", "terrain", "sources"),
    [
        ("wanat-2008-v1", "foothills", ("liquisearch-wanat", "onviolence-wanat", "wikipedia-wanat")),
        ("keating-2009-v1", "mountain", ("ar-15-6-keating", "afmag-keating-2010")),
        ("hill-3234-1988-v1", "mountain", ("wikipedia-it-3234",)),
    ],
)
def test_battle_ground_is_the_published_class(name: str, terrain: str, sources: tuple[str, ...]) -> None:
    """The ground's terrain class is the one the published accounts give (docs/validation/battles.md, "The
    ground as published"), and the scenario defines the sources its comment cites for it."""
    scenario = load_scenario(battle_scenario_path(name))
    assert scenario.area.default_terrain == terrain
    for source in sources:
        assert source in scenario.sources, (name, source)


def test_keatings_groups_attack_their_own_side_of_the_post() -> None:
    """Fire came from all sides (AR 15-6): each of Keating's four groups attacks the part of the post on its
    own side, not one point at its centre."""
    scenario = load_scenario(battle_scenario_path("keating-2009-v1"))
    tasks = [t for t in scenario.plan.phases["attack"].tasks if t.task == "attack"]
    targets = {tuple(t.units): t.target for t in tasks}
    assert targets == {(f"ins/{side}",): f"{side}-wire" for side in ("north", "east", "south", "west")}


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
    """A published point well inside the band, a range overlapping it and figures well beyond it get the
    right verdict (200 replications, so both edges have finite sampling intervals)."""
    published = load_published()["hill-3234-1988-v1"]
    values = {
        "defenders-killed": np.arange(200.0) / 10.0,  # band 1.0-18.9: 6 inside
        "defenders-wounded": np.arange(200.0) / 10.0,  # 28 outside
        "post-held": np.zeros(200),  # never held: 1 outside
        "duration-h": np.linspace(10.0, 30.0, 200),  # range 16-20 overlaps
    }
    c = compare_battle(BattleRuns("hill-3234-1988-v1", 0, values), published)
    verdicts = {m.measure: m.verdict for m in c.measures}
    assert verdicts == {
        "defenders-killed": "inside",
        "defenders-wounded": "outside",
        "post-held": "outside",
        "duration-h": "inside",
    }
    assert c.hits == 2
    assert c.edges == 0
    assert "outside: defenders wounded, post held at the end" in c.sentence()


def _figure_at(value: float) -> PublishedBattle:
    figure = PublishedFigure("defenders-killed", value, value, "synthetic", "a figure set by the test")
    return PublishedBattle("synthetic", "Synthetic", "defenders", (figure,), "nothing")


def test_a_figure_at_the_true_band_edge_is_called_at_the_edge_not_outside() -> None:
    """Known truth: 400 batches of 100 normal replications, the published figure set at the true 5th
    percentile (-1.645). The band's 5th percentile from 100 runs lies above the figure in about half of the
    batches, so without the sampling interval of the edge half the verdicts would be "outside"; with it a
    verdict is "outside" only when the interval misses the true percentile, at most 2.5 % of batches (the
    interval's lower end x_(1) exceeds it with probability 0.95^100 < 0.01), here allowed 3 standard errors
    more (sqrt(0.025 * 0.975 / 400) = 0.008). A figure far beyond the band (-6: below the lowest of 100
    values with probability 1 - 1e-7) stays outside and the median stays inside."""
    rng = np.random.default_rng(2009)
    batches = 400
    truth = -1.6448536269514722  # the standard normal's 5th percentile
    counts = dict.fromkeys(VERDICTS, 0)
    point_outside = 0
    for _ in range(batches):
        runs = BattleRuns("synthetic", 0, {"defenders-killed": rng.normal(size=100)})
        m = compare_battle(runs, _figure_at(truth)).measures[0]
        counts[m.verdict] += 1
        point_outside += truth < m.p05
        assert compare_battle(runs, _figure_at(-6.0)).measures[0].verdict == "outside"
        assert compare_battle(runs, _figure_at(0.0)).measures[0].verdict == "inside"
    assert counts["outside"] / batches <= 0.025 + 3 * 0.008
    assert counts["at the edge"] / batches >= 0.95 - 3 * 0.011
    # The premise: the edge alone misplaces the figure in about half of the batches.
    assert 0.35 < point_outside / batches < 0.65
