"""``drillsim run -n N`` above the event-log limit: run in batches as ``drillsim mc`` does."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

import drillsim
from drillsim.cli.app import RUN_EVENT_LOG_LIMIT
from drillsim.events.recorder import read_event_log

Cli = Callable[..., Any]


def test_run_with_many_replications_streams_and_keeps_a_bounded_event_log(
    example: Path, tmp_path: Path, cli: Cli
) -> None:
    """``run -n`` above the limit writes every replication's row (the same values as an in-memory run),
    a summary with intervals, and the event log of only ``RUN_EVENT_LOG_LIMIT`` replications."""
    n = RUN_EVENT_LOG_LIMIT + 4
    out = tmp_path / "out"
    result = cli("run", str(example), "-n", str(n), "--seed", "3", "--out", str(out))
    assert result.code == 0, result.err
    assert "run in batches as 'drillsim mc' does" in result.out
    assert "95 % CI" in result.out
    rows = pq.read_table(out / "replications.parquet")
    assert rows.num_rows == n
    expected = drillsim.run(str(example), rng=3, replications=n)
    for name, values in expected.measures.items():
        np.testing.assert_array_equal(rows.column(name).to_numpy(zero_copy_only=False), values)
    events, header = read_event_log(out)
    assert len(set(events.column("replication").to_pylist())) == RUN_EVENT_LOG_LIMIT
    assert len(header["replications"]) == RUN_EVENT_LOG_LIMIT
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (out / "report.html").is_file()


def test_run_at_the_limit_keeps_every_event_log(example: Path, tmp_path: Path, cli: Cli) -> None:
    """``run -n`` at the limit keeps the event log of every replication, as before."""
    out = tmp_path / "out"
    result = cli("run", str(example), "-n", str(RUN_EVENT_LOG_LIMIT), "--seed", "3", "--out", str(out))
    assert result.code == 0, result.err
    events, _ = read_event_log(out)
    assert len(set(events.column("replication").to_pylist())) == RUN_EVENT_LOG_LIMIT
    assert not (out / "replications.parquet").exists()
