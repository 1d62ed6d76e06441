"""The motorised-column example (examples/motorised-column.yaml, docs/scenarios/motorised-column.md) runs end
to end: both platoons ride and dismount, the truck-lifted platoon (seats for 24 of its 30) shuttles behind
the one in armoured carriers, and the carriers lost on the road's mines agree with the events."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pytest

from drillsim import load_scenario
from drillsim.engine import EventLog, Outcomes, Simulation

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "motorised-column.yaml"
SEED = 20261206
REPS = 4


@pytest.fixture(scope="module")
def outcomes() -> Outcomes:
    sim = Simulation(load_scenario(EXAMPLE), rng=SEED, replications=REPS, recorder=EventLog(sample_s=None))
    return sim.run()


def _events(outcomes: Outcomes, kind: str) -> dict[str, list[object]]:
    assert outcomes.events is not None
    table = outcomes.events.filter(pc.equal(outcomes.events["kind"], kind))
    return {name: table[name].to_pylist() for name in ("replication", "time_s", "unit", "detail", "value")}


def test_both_platoons_ride_then_dismount(outcomes: Outcomes) -> None:
    """Each platoon dismounts in every replication, for a documented reason, after it set off (10 min)."""
    off = _events(outcomes, "UnitDismounted")
    for unit in ("tjk/mr", "tjk/rifles"):
        reps = {r for r, u in zip(off["replication"], off["unit"], strict=True) if u == unit}
        assert reps == set(range(REPS))
    assert set(off["detail"]) <= {"contact", "objective", "order", "seats", "carrier-lost"}
    for name in ("mr-dismounted", "rifles-dismounted"):
        assert np.all(np.asarray(outcomes.measures[name]) > 600.0)


def test_the_short_of_seats_platoon_shuttles_behind(outcomes: Outcomes) -> None:
    """Two trucks of 12 seats for 30 people: two loads, a third of the trucks' speed; it dismounts later
    than the platoon in BTR-80s in every replication."""
    mr = np.asarray(outcomes.measures["mr-dismounted"])
    rifles = np.asarray(outcomes.measures["rifles-dismounted"])
    assert np.all(rifles > mr)


def test_carriers_lost_agree_with_the_events(outcomes: Outcomes) -> None:
    """The carriers-lost measure sums the vehicles of the CarrierLost events of each replication, lost to
    the road's mines or to the militants' rockets."""
    lost = _events(outcomes, "CarrierLost")
    rows = np.asarray(lost["replication"], dtype=np.int64)
    counts = np.bincount(rows, weights=np.asarray(lost["value"], dtype=np.float64), minlength=REPS)
    assert np.array_equal(np.asarray(outcomes.measures["carriers-lost"]), counts)
    assert set(lost["detail"]) <= {"mine", "rpg-7", "hmg-127"}
