"""Results store: one row per (design point, replication), atomic chunks, resume, DuckDB queries."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from drillsim.core.errors import UserError
from drillsim.experiments import store as store_module
from drillsim.experiments.experiment import load_experiment, query_results, run_experiment

Write = Callable[..., Path]
Cli = Callable[..., Any]
Rows = Callable[[Path], pa.Table]
Pairs = Callable[[pa.Table], list[tuple[int, int]]]


@pytest.fixture(scope="module")
def finished_template(tmp_path_factory: pytest.TempPathFactory, small_experiment: str) -> Path:
    """The small experiment run to the end on a 2-process pool (once per module; tests get copies)."""
    base = tmp_path_factory.mktemp("finished")
    (base / "experiment.yaml").write_text(small_experiment, encoding="utf-8")
    run_experiment(base / "experiment.yaml", executor=2, store=base / "store")
    return base


@pytest.fixture
def finished_store(finished_template: Path, tmp_path: Path) -> Path:
    """A private copy of the finished store, its experiment file beside it."""
    copy = tmp_path / "finished"
    shutil.copytree(finished_template, copy)
    return copy / "store"


def test_one_row_per_pair(finished_store: Path, rows_of: Rows, pairs_of: Pairs) -> None:
    """A finished store holds exactly one row per (design point, replication): 17 x 3."""
    rows = rows_of(finished_store)
    assert pairs_of(rows) == [(d, k) for d in range(17) for k in range(3)]


def test_rows_record_seed_hash_and_version(finished_store: Path, rows_of: Rows) -> None:
    """Each row carries the root seed, its design point's scenario hash and the drillsim version."""
    import drillsim

    rows = rows_of(finished_store).to_pylist()
    experiment_hashes = {
        p.index: p.scenario_hash for p in load_experiment(finished_store / ".." / "experiment.yaml").points
    }
    assert {r["seed"] for r in rows} == {7}
    assert {r["drillsim_version"] for r in rows} == {drillsim.__version__}
    assert all(r["scenario_hash"] == experiment_hashes[r["point"]] for r in rows)


def test_common_random_numbers_across_points(finished_store: Path, rows_of: Rows) -> None:
    """Replication k of every design point ran with engine replication index k (common random numbers)."""
    rows = rows_of(finished_store).to_pylist()
    assert all(r["stream_index"] == r["replication"] for r in rows)


def test_manifest_describes_the_experiment(finished_store: Path) -> None:
    """The manifest names the experiment, seed, design size, measures and the run that filled it."""
    manifest = json.loads((finished_store / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["experiment"] == "two-factor"
    assert manifest["seed"] == 7
    assert manifest["design"]["points"] == 17
    assert manifest["measures"] == ["first-detection", "crossing-held", "losses-raiders"]
    assert manifest["runs"][0]["pairs_run"] == 51


def test_query_with_duckdb(finished_store: Path) -> None:
    """SQL over the 'results' view aggregates per factor level."""
    table = query_results(
        finished_store, "SELECT groups, count(*) AS n FROM results GROUP BY groups ORDER BY 1"
    )
    assert table.column("groups").to_pylist() == [1, 2, 3, 4]
    assert sum(table.column("n").to_pylist()) == 51


def test_query_joins_design(finished_store: Path) -> None:
    """The 'design' view has one row per design point."""
    table = query_results(finished_store, "SELECT count(*) AS n FROM design")
    assert table.column("n").to_pylist() == [17]


def test_query_error_is_user_error(finished_store: Path) -> None:
    """A bad SQL statement is a user error, not a traceback."""
    with pytest.raises(UserError, match="SQL error"):
        query_results(finished_store, "SELECT nope FROM results")


def test_cli_query_prints_table(finished_store: Path, cli: Cli) -> None:
    """``drillsim results query`` prints the answer as a table."""
    result = cli("results", "query", str(finished_store), "SELECT max(replication) AS last FROM results")
    assert result.code == 0
    assert "last" in result.out
    assert "2" in result.out


_SQL = "SELECT replication, scenario_hash FROM results WHERE point = 0 ORDER BY replication"


@pytest.mark.parametrize("output_format", ["csv", "json", "parquet"])
def test_cli_query_formats_for_programs(
    finished_store: Path, cli: Cli, tmp_path: Path, output_format: str
) -> None:
    """``--format csv|json|parquet`` gives the rows whole (a 64-character hash unbroken) for programs."""
    import csv
    import io

    import pyarrow.parquet as pq

    expected = query_results(finished_store, _SQL).to_pylist()
    assert len(expected) == 3
    assert len(expected[0]["scenario_hash"]) >= 64
    out = tmp_path / f"answer.{output_format}"
    args = ["results", "query", str(finished_store), _SQL, "--format", output_format]
    if output_format == "parquet":
        result = cli(*args, "--out", str(out))
        assert result.code == 0, result.err
        rows = pq.read_table(out).to_pylist()
    else:
        result = cli(*args)
        assert result.code == 0, result.err
        if output_format == "csv":
            rows = [
                {"replication": int(r["replication"]), "scenario_hash": r["scenario_hash"]}
                for r in csv.DictReader(io.StringIO(result.out))
            ]
        else:
            rows = [json.loads(line) for line in result.out.splitlines()]
    assert rows == expected


def test_cli_query_parquet_needs_out(finished_store: Path, cli: Cli) -> None:
    """Parquet is not for the screen: without --out it is a user error naming the option."""
    result = cli("results", "query", str(finished_store), _SQL, "--format", "parquet")
    assert result.code == 2
    assert "--out" in result.err


def test_cli_query_unknown_format(finished_store: Path, cli: Cli) -> None:
    """An unknown --format is a user error listing the formats."""
    result = cli("results", "query", str(finished_store), _SQL, "--format", "xlsx")
    assert result.code == 2
    assert "table, csv, json, parquet" in result.err


def test_rerun_without_resume_is_refused(finished_store: Path) -> None:
    """Running into a store that holds results without --resume is refused, so nothing is overwritten."""
    with pytest.raises(UserError, match="--resume"):
        run_experiment(finished_store / ".." / "experiment.yaml", store=finished_store)


def test_resume_of_finished_store_runs_nothing(finished_store: Path) -> None:
    """Resuming a finished experiment runs no replication and leaves the files untouched."""
    before = {p.name: p.stat().st_mtime_ns for p in (finished_store / "parts").iterdir()}
    run_experiment(finished_store / ".." / "experiment.yaml", store=finished_store, resume=True)
    after = {p.name: p.stat().st_mtime_ns for p in (finished_store / "parts").iterdir()}
    manifest = json.loads((finished_store / "manifest.json").read_text(encoding="utf-8"))
    assert after == before
    assert manifest["runs"][-1]["pairs_run"] == 0


def test_resume_of_changed_experiment_is_refused(finished_store: Path, experiment_file: Write) -> None:
    """Resuming with another seed would mix results, so it is refused naming what differs."""
    changed = experiment_file("seed: 7", "seed: 8", name="changed.yaml")
    with pytest.raises(UserError, match="differs in seed"):
        run_experiment(changed, store=finished_store, resume=True)


def test_interrupted_run_resumes_only_missing_pairs(
    experiment_file: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows_of: Rows, pairs_of: Pairs
) -> None:
    """After an interruption at the 5th chunk, --resume runs only the 12 missing design points' chunks."""
    path = experiment_file()
    target = tmp_path / "store"
    real_write = store_module.ResultsStore.write_chunk
    written: list[int] = []

    def write_then_stop(self: store_module.ResultsStore, point: int, reps: Any, table: Any) -> Path:
        if len(written) == 5:
            raise KeyboardInterrupt
        written.append(point)
        return real_write(self, point, reps, table)

    monkeypatch.setattr(store_module.ResultsStore, "write_chunk", write_then_stop)
    with pytest.raises(KeyboardInterrupt):
        run_experiment(path, executor=2, store=target)
    monkeypatch.undo()
    kept = {p.name: p.stat().st_mtime_ns for p in (target / "parts").iterdir()}
    assert len(kept) == 5
    run_experiment(path, executor=2, store=target, resume=True)
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["runs"][-1]["pairs_run"] == 12 * 3
    assert {n: (target / "parts" / n).stat().st_mtime_ns for n in kept} == kept
    assert pairs_of(rows_of(target)) == [(d, k) for d in range(17) for k in range(3)]


def test_stray_temporary_file_is_removed_on_resume(finished_store: Path) -> None:
    """A half-written chunk left by a crash is deleted when the store is reopened."""
    stray = finished_store / "parts" / "point-000001-rep-000000-000002.parquet.tmp"
    stray.write_bytes(b"half a file")
    run_experiment(finished_store / ".." / "experiment.yaml", store=finished_store, resume=True)
    assert not stray.exists()
