"""Results made by the engine for the replay tests: one replication and a small ensemble of the example."""

from __future__ import annotations

from pathlib import Path

import pytest

import drillsim
from drillsim.events.recorder import EventLog

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "crossing-defence.yaml"


BIG_SEED = 18_446_744_073_709_551_557
"""A seed above 2**53: JavaScript numbers cannot hold it exactly, so the viewer must show it as text."""


def make_result(directory: Path, replications: int, seed: int = 1) -> Path:
    """Run the teaching example with ``seed`` and write its result directory."""
    outcomes = drillsim.run(
        str(EXAMPLE), rng=seed, replications=replications, recorder=EventLog(sample_s=300)
    )
    outcomes.write(directory)
    return directory


@pytest.fixture(scope="session")
def single_result(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One replication of the example with a 64-bit seed (a read-only result directory; copy it before
    changing it)."""
    return make_result(tmp_path_factory.mktemp("single"), 1, seed=BIG_SEED)


@pytest.fixture(scope="session")
def ensemble_result(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve replications of the example."""
    return make_result(tmp_path_factory.mktemp("ensemble"), 12)
