"""Fixtures for the engine tests: synthetic scenarios loaded from data, and a recorded run of the example."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from drillsim.engine import EventLog, Outcomes, run
from drillsim.scenario import Scenario, load_scenario
from synthetic_scenarios import EXAMPLE, write_scenario


@pytest.fixture
def make_scenario(tmp_path: Path) -> Callable[[dict[str, Any]], Scenario]:
    """Load scenario data (see :func:`base_scenario`) as a validated scenario."""
    counter = iter(range(1_000_000))

    def make(data: dict[str, Any]) -> Scenario:
        return write_scenario(copy.deepcopy(data), tmp_path, f"scenario-{next(counter)}.yaml")

    return make


@pytest.fixture(scope="session")
def example() -> Scenario:
    """The teaching example, crossing-defence-v1."""
    return load_scenario(EXAMPLE)


@pytest.fixture(scope="session")
def example_run(example: Scenario) -> Outcomes:
    """Twelve replications of the example, seed 1, with the full event log."""
    return run(example, rng=1, replications=12, recorder=EventLog())


@pytest.fixture(scope="session")
def example_events(example_run: Outcomes) -> pa.Table:
    """The event log of :func:`example_run`."""
    assert example_run.events is not None
    return example_run.events
