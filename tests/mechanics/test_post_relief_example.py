"""The post-and-relief example (examples/post-relief.yaml, docs/scenarios/post-relief.md) runs end to end:
the relief is sent up its road, and the post's status measures agree with the seizure events."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pytest

from drillsim import load_scenario
from drillsim.engine import EventLog, Outcomes, Simulation

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "post-relief.yaml"
SEED = 20261206
REPS = 6


@pytest.fixture(scope="module")
def outcomes() -> Outcomes:
    sim = Simulation(load_scenario(EXAMPLE), rng=SEED, replications=REPS, recorder=EventLog())
    return sim.run()


def _events(outcomes: Outcomes, kind: str) -> dict[str, list[object]]:
    assert outcomes.events is not None
    table = outcomes.events.filter(pc.equal(outcomes.events["kind"], kind))
    return {name: table[name].to_pylist() for name in ("replication", "time_s", "unit", "other", "side")}


def test_the_relief_takes_the_road_to_the_post(outcomes: Outcomes) -> None:
    """The relief is sent in every replication, once the post reports the attackers or falls, at times
    that differ between replications; it is ordered up the valley road in every replication (to relieve
    the post or, the post lost first, to retake it) and meets the road's mines or the ambush in some;
    where it reaches the post, it does so after it was sent. (Whether it gets there is the fight's
    outcome: the ambush and a post already lost can stop it.)"""
    sent = outcomes.measures["relief-sent"]
    arrived = outcomes.measures["relief-arrived"]
    assert np.isfinite(sent).all()
    assert np.ptp(sent) > 0.0
    reached = np.isfinite(arrived)
    assert (arrived[reached] > sent[reached]).all()
    mines = _events(outcomes, "ObstacleEncountered")
    ambush = _events(outcomes, "AmbushSprung")
    on_road = {r for r, u in zip(mines["replication"], mines["unit"], strict=True) if u == "tjk/relief"}
    on_road |= {r for r, o in zip(ambush["replication"], ambush["other"], strict=True) if o == "tjk/relief"}
    assert on_road  # the road's mines or the ambush stop it in some replications
    orders = _events(outcomes, "OrderReceived")
    relieving = {
        r
        for r, u, o in zip(orders["replication"], orders["unit"], orders["other"], strict=True)
        if u == "tjk/relief" and o in ("relief", "retake")
    }
    assert relieving == set(range(REPS))
    got_there = _events(outcomes, "UnitArrived")
    reps = {r for r, u in zip(got_there["replication"], got_there["unit"], strict=True) if u == "tjk/relief"}
    assert reps >= set(np.flatnonzero(reached).tolist())


def test_post_status_measures_match_the_seizures(outcomes: Outcomes) -> None:
    """time-lost is the raiders' first seizure of the hill, time-retaken the defenders' first seizure after
    it, and held-at-end says who stands on it last."""
    lost = outcomes.measures["post-lost"]
    retaken = outcomes.measures["post-retaken"]
    held = outcomes.measures["post-held"]
    seized = _events(outcomes, "PositionSeized")
    assert np.isfinite(lost).any()  # the attack can take the post
    for rep in range(REPS):
        mine = [
            (t, s)
            for r, t, s, o in zip(
                seized["replication"], seized["time_s"], seized["side"], seized["other"], strict=True
            )
            if r == rep and o == "hill"
        ]
        by_raiders = [t for t, s in mine if s == "raiders"]
        by_defenders = [t for t, s in mine if s == "defenders"]
        # a measure of a time that never came is NaN
        assert lost[rep] == min(by_raiders) if by_raiders else np.isnan(lost[rep])
        assert retaken[rep] == min(by_defenders) if by_defenders else np.isnan(retaken[rep])
        last = max(mine, default=(0.0, "defenders"))[1]
        assert held[rep] == (1.0 if last == "defenders" else 0.0)
