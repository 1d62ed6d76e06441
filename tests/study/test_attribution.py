"""Kill-chain attribution from event logs."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import drillsim
from drillsim.engine.simulation import Outcomes
from drillsim.study.attribution import LINKS, Attribution, attribute, attribute_run

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "crossing-defence.yaml")


@pytest.fixture(scope="module")
def outcomes() -> Outcomes:
    """40 replications of the teaching example, first hour, with the event log."""
    return drillsim.run(
        EXAMPLE,
        rng=5,
        replications=40,
        recorder=drillsim.EventLog(sample_s=60),
        until_s=3600,
    )


@pytest.fixture(scope="module")
def attribution(outcomes: Outcomes) -> Attribution:
    """Attribution of those runs for the default side."""
    return attribute_run(outcomes)


@pytest.fixture(scope="module")
def result_dir(outcomes: Outcomes, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Those runs written as drillsim run --out writes them."""
    return outcomes.write(tmp_path_factory.mktemp("attribution") / "run")


def test_attribution_names_the_links_in_plain_words(attribution: Attribution) -> None:
    """Every share carries a link name from the plain-words table."""
    names = {s.name for m in attribution.measures for s in m.shares}
    assert names
    assert names <= set(LINKS.values())


def test_link_shares_sum_to_r2(attribution: Attribution) -> None:
    """The Shapley shares of each measure lie in [0, 1] and add up to its R^2, which lies in [0, 1]."""
    assert any(m.shares for m in attribution.measures)
    for m in attribution.measures:
        if m.shares:
            assert 0.0 <= m.r2 <= 1.0
            assert all(0.0 <= s.share <= 1.0 for s in m.shares)
            assert math.isclose(sum(s.share for s in m.shares), m.r2, abs_tol=1e-9)


def test_missions_have_fire_direction_and_time_of_flight(attribution: Attribution) -> None:
    """Fired missions get positive fire-direction and time-of-flight durations."""
    rows = [r for r in attribution.chain.table.to_pylist() if r["outcome"] == "completed"]
    assert rows
    assert all(r["fire_direction_s"] > 0 and r["time_of_flight_s"] > 0 for r in rows)


def test_attribution_analyses_the_requested_side(outcomes: Outcomes) -> None:
    """--side raiders analyses the raiders, who ask for no fire, and says which side did."""
    result = attribute_run(outcomes, side="raiders")
    assert result.chain.side == "raiders"
    assert result.measures == ()
    assert result.note is not None
    assert "defenders" in result.note


def test_default_side_is_the_scenarios_first_side(tmp_path: Path, example_text: str) -> None:
    """With the raiders listed first, they are analysed by default, not the side that fired more."""
    head, rest = example_text.split("  defenders:\n", 1)
    defenders, raiders = rest.split("  raiders:\n", 1)
    raiders_block, tail = raiders.split("\n\n", 1)
    swapped = f"{head}  raiders:\n{raiders_block}\n  defenders:\n{defenders}{tail}"
    path = tmp_path / "swapped.yaml"
    path.write_text(swapped.replace("\n\n\n", "\n\n"), encoding="utf-8")
    assert list(drillsim.load_scenario(str(path)).sides) == ["raiders", "defenders"]
    outcomes = drillsim.run(str(path), rng=5, replications=4, recorder=drillsim.EventLog(), until_s=1800)
    assert attribute_run(outcomes).chain.side == "raiders"


def test_constant_measure_is_skipped(attribution: Attribution) -> None:
    """A time stored as 71984.23104878 s in every run gets no share, and the sentence says why."""
    n = len(attribution.chain.replications)
    result = attribute(
        attribution.chain, {"in-place": np.full(n, 71984.23104878)}, kinds={"in-place": "time-in-place"}
    )
    (m,) = result.measures
    assert m.shares == ()
    assert m.skipped is not None
    assert "does not vary" in m.sentence()
    assert "20.0 h in every replication" in m.sentence()


def test_time_measures_and_links_are_printed_with_units(attribution: Attribution) -> None:
    """first-detection reads in minutes or hours, and link durations carry units, not raw seconds."""
    text = attribution.text()
    sentence = next(m.sentence() for m in attribution.measures if m.measure == "first-detection")
    assert "(time; median" in sentence
    assert " min" in sentence or " h" in sentence
    assert "e+0" not in text
    assert "calling for fire (report to request)" in text
    assert "min, mean" in text


def test_cli_attribution_all_sides_and_a_misspelt_side(result_dir: Path, cli: Callable[..., Any]) -> None:
    """--side all analyses both sides; a misspelt side exits 2 with a suggestion and no traceback."""
    both = cli("attribution", str(result_dir), "--side", "all", "-m", "first-detection")
    assert both.code == 0, both.err
    assert "side 'defenders'" in both.out
    assert "side 'raiders'" in both.out
    bad = cli("attribution", str(result_dir), "--side", "raider")
    assert bad.code == 2
    assert "did you mean 'raiders'" in bad.err
    assert "Traceback" not in bad.err
