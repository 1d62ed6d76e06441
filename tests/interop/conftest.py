"""Result directories the interop tests export: a short crossing-defence run and a short Khatlon run."""

from __future__ import annotations

from pathlib import Path

import pytest

import drillsim
from drillsim.events.recorder import EventLog

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def crossing_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The teaching example, one replication, one hour, positions every 120 s."""
    out = tmp_path_factory.mktemp("crossing") / "run"
    outcomes = drillsim.run(
        str(ROOT / "examples" / "crossing-defence.yaml"),
        rng=11,
        until_s=3600,
        recorder=EventLog(sample_s=120),
    )
    outcomes.write(out)
    return out


@pytest.fixture(scope="session")
def khatlon_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """khatlon-2015-v1, two replications, two hours, positions every 600 s."""
    out = tmp_path_factory.mktemp("khatlon") / "run"
    outcomes = drillsim.run(
        "khatlon-2015-v1", rng=5, replications=2, until_s=7200, recorder=EventLog(sample_s=600)
    )
    outcomes.write(out)
    return out
