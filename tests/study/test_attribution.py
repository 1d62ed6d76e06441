"""Kill-chain attribution from event logs."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import drillsim
from drillsim.study.attribution import LINKS, Attribution, attribute_run

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "crossing-defence.yaml")


@pytest.fixture(scope="module")
def attribution() -> Attribution:
    """Attribution of 40 replications of the teaching example, first hour."""
    outcomes = drillsim.run(
        EXAMPLE,
        rng=5,
        replications=40,
        recorder=drillsim.EventLog(sample_s=60),
        until_s=3600,
    )
    return attribute_run(outcomes)


def test_attribution_names_the_links_in_plain_words(attribution: Attribution) -> None:
    """Every share carries a link name from the plain-words table."""
    names = {s.name for m in attribution.measures for s in m.shares}
    assert names
    assert names <= set(LINKS.values())


def test_link_shares_sum_to_r2(attribution: Attribution) -> None:
    """The Shapley shares of each measure add up to its R^2, which lies in [0, 1]."""
    for m in attribution.measures:
        if m.shares:
            assert 0.0 <= m.r2 <= 1.0
            assert math.isclose(sum(s.share for s in m.shares), m.r2, abs_tol=1e-9)


def test_missions_have_fire_direction_and_time_of_flight(attribution: Attribution) -> None:
    """Fired missions get positive fire-direction and time-of-flight durations."""
    rows = [r for r in attribution.chain.table.to_pylist() if r["outcome"] == "completed"]
    assert rows
    assert all(r["fire_direction_s"] > 0 and r["time_of_flight_s"] > 0 for r in rows)
