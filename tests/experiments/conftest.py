"""Fixtures for experiment tests: small experiment files on the teaching example, and store readers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "crossing-defence.yaml"

# A 2-factor NOLH (17 design points) with 3 replications each, stopped after 20 simulated minutes: quick.
SMALL = f"""\
experiment: two-factor
scenario: {EXAMPLE}
seed: 7
replications: 3
until_s: 1200
design:
  kind: nolh
factors:
  units.mil/grp.count: {{low: 1, high: 4, integer: true, name: groups}}
  environment.population.level: {{low: 0.0, high: 0.6, name: support}}
measures: [first-detection, crossing-held, losses-raiders]
"""


@pytest.fixture(scope="session")
def small_experiment() -> str:
    """The text of the small experiment file."""
    return SMALL


@pytest.fixture
def experiment_file(tmp_path: Path) -> Callable[..., Path]:
    """Write the small experiment, with ``old`` replaced by ``new`` if given, and return its path."""

    def write(old: str | None = None, new: str = "", *, name: str = "experiment.yaml") -> Path:
        text = SMALL
        if old is not None:
            assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
            text = text.replace(old, new)
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def read_rows(store: Path) -> pa.Table:
    """Every result row of a store, sorted by design point and replication."""
    parts = sorted((store / "parts").glob("point-*.parquet"))
    if not parts:
        return pa.table({})
    table = pa.concat_tables([pq.read_table(p) for p in parts])
    return table.sort_by([("point", "ascending"), ("replication", "ascending")])


def pairs(table: pa.Table) -> list[tuple[int, int]]:
    """The (design point, replication) pairs of a result table, in row order."""
    if table.num_rows == 0:
        return []
    return list(zip(table.column("point").to_pylist(), table.column("replication").to_pylist(), strict=True))


@pytest.fixture
def rows_of() -> Callable[[Path], pa.Table]:
    """Read every result row of a store, sorted by design point and replication."""
    return read_rows


@pytest.fixture
def pairs_of() -> Callable[[pa.Table], list[tuple[int, int]]]:
    """The (design point, replication) pairs of a result table."""
    return pairs
