"""The results store of an experiment: a directory of Parquet files, a manifest, and SQL over both.

Layout::

    STORE/
      manifest.json          what was run: experiment, scenario hashes, seed, design, factors, measures,
                             drillsim version, a fingerprint of all that, and a log of runs
      design.parquet         one row per design point: its index, factor values and scenario hash
      parts/
        point-000003-rep-000000-000009.parquet
                             one row per (design point, replication) of one finished chunk

Every file is written to a temporary name in the same directory and renamed into place (an atomic
operation on POSIX and Windows file systems), so a reader or a resumed run never sees half a file; stray
temporary files of an interrupted run are removed when the store is opened again. A chunk's file exists
only once all its replications have finished, so the finished (design point, replication) pairs are
exactly the pairs in the part files.

:func:`query` runs DuckDB SQL with the views ``results`` (all part files) and ``design``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from drillsim.core.errors import DrillsimError, UserError
from drillsim.core.files import write_atomically, write_text_atomically

STORE_FORMAT = 1
"""Version of the store layout; a store of another version is not resumed."""

MANIFEST = "manifest.json"
DESIGN = "design.parquet"
PARTS = "parts"
_TMP_SUFFIX = ".tmp"
_PART_NAME = re.compile(r"^point-(\d+)-rep-(\d+)-(\d+)\.parquet$")


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write a JSON document atomically."""
    text = json.dumps(data, indent=2, sort_keys=True, default=str) + "\n"
    write_text_atomically(path, text)


def write_parquet(path: Path, table: pa.Table) -> None:
    """Write a Parquet file atomically (zstd-compressed)."""
    write_atomically(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


def part_name(point: int, first: int, last: int) -> str:
    """File name of the chunk holding replications ``first..last`` of one design point."""
    return f"point-{point:06d}-rep-{first:06d}-{last:06d}.parquet"


@dataclass(frozen=True)
class StoreStatus:
    """What a store holds: its manifest and the finished (design point, replication) pairs."""

    manifest: dict[str, Any]
    finished: frozenset[tuple[int, int]]


class ResultsStore:
    """One experiment's results directory. Open it with :meth:`open`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.parts = directory / PARTS

    @property
    def manifest_path(self) -> Path:
        return self.directory / MANIFEST

    @classmethod
    def open(
        cls, directory: str | Path, *, manifest: dict[str, Any], design: pa.Table, resume: bool
    ) -> ResultsStore:
        """Create a store, or reopen one to resume the same experiment.

        A directory that already holds results is reused only with ``resume`` and only when its manifest's
        fingerprint equals ``manifest["fingerprint"]`` (same experiment, scenario, seed, design, measures and
        drillsim version); otherwise a UserError says why.
        """
        store = cls(Path(directory))
        existing = store.read_manifest() if store.manifest_path.exists() else None
        if existing is not None:
            if not resume:
                raise UserError(
                    f"the results store {store.directory} already holds results of experiment "
                    f"'{existing.get('experiment')}'; to continue it run again with --resume, or choose "
                    "another directory with --out."
                )
            store._check_resumable(existing, manifest)
            merged = dict(manifest)
            merged["runs"] = list(existing.get("runs", []))
            store.remove_temporary_files()
            write_json(store.manifest_path, merged)
            return store
        if store.directory.exists() and any(store.directory.iterdir()):
            raise UserError(
                f"the directory {store.directory} is not empty and is not a results store; choose an empty "
                "or new directory with --out."
            )
        store.parts.mkdir(parents=True, exist_ok=True)
        write_parquet(store.directory / DESIGN, design)
        write_json(store.manifest_path, {**manifest, "runs": []})
        return store

    def read_manifest(self) -> dict[str, Any]:
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise UserError(f"cannot read the store manifest {self.manifest_path}: {exc}") from None
        if not isinstance(data, dict):
            raise UserError(f"the store manifest {self.manifest_path} is not a JSON object.")
        return data

    def _check_resumable(self, existing: dict[str, Any], manifest: dict[str, Any]) -> None:
        if existing.get("store_format") != STORE_FORMAT:
            raise UserError(
                f"the results store {self.directory} has layout version {existing.get('store_format')}; "
                f"this drillsim writes version {STORE_FORMAT} and cannot resume it."
            )
        if existing.get("fingerprint") == manifest.get("fingerprint"):
            return
        differences = [
            key
            for key in (
                "experiment",
                "drillsim_version",
                "scenario_hash",
                "seed",
                "random_numbers",
                "replications",
                "until_s",
                "factors",
                "design",
                "measures",
            )
            if existing.get(key) != manifest.get(key)
        ]
        what = ", ".join(differences) if differences else "the design points' scenarios"
        raise UserError(
            f"cannot resume {self.directory}: it holds results of a different experiment setup "
            f"(differs in {what}); resuming would mix results. Run into a new directory with --out."
        )

    def remove_temporary_files(self) -> None:
        """Delete half-written files left by an interrupted run."""
        for folder in (self.directory, self.parts):
            if folder.is_dir():
                for item in folder.iterdir():
                    if item.name.endswith(_TMP_SUFFIX):
                        item.unlink()

    def part_files(self) -> list[Path]:
        """The finished chunk files, sorted by name (design point, then first replication)."""
        if not self.parts.is_dir():
            return []
        return sorted(p for p in self.parts.iterdir() if _PART_NAME.match(p.name))

    def finished_pairs(self) -> list[tuple[int, int]]:
        """Every (design point, replication) pair in the part files, duplicates included."""
        pairs: list[tuple[int, int]] = []
        for path in self.part_files():
            table = pq.read_table(path, columns=["point", "replication"])
            pairs.extend(
                zip(table.column("point").to_pylist(), table.column("replication").to_pylist(), strict=True)
            )
        return pairs

    def write_chunk(self, point: int, replications: Iterable[int], table: pa.Table) -> Path:
        """Write one finished chunk atomically; returns its path."""
        reps = list(replications)
        path = self.parts / part_name(point, min(reps), max(reps))
        if path.exists():
            raise DrillsimError(f"chunk file {path} exists already; a finished chunk is never rerun")
        write_parquet(path, table)
        return path

    def log_run(self, entry: dict[str, Any]) -> None:
        """Append an entry to the manifest's log of runs (rewritten atomically)."""
        manifest = self.read_manifest()
        manifest.setdefault("runs", []).append(entry)
        write_json(self.manifest_path, manifest)

    def status(self) -> StoreStatus:
        return StoreStatus(self.read_manifest(), frozenset(self.finished_pairs()))


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def query(store: str | Path, sql: str) -> pa.Table:
    """Run DuckDB SQL over a results store and return the result as an Arrow table.

    The view ``results`` holds one row per (design point, replication) from every finished chunk;
    ``design`` holds one row per design point. Needs the ``sql`` extra (duckdb).
    """
    directory = Path(store)
    if not (directory / MANIFEST).is_file():
        raise UserError(f"{directory} is not a results store (no {MANIFEST}).")
    try:
        import duckdb
    except ImportError:  # pragma: no cover - the sql extra is missing
        raise UserError("querying results needs duckdb: pip install 'drillsim[sql]'.") from None
    parts = sorted((directory / PARTS).glob("point-*.parquet"))
    if not parts:
        raise UserError(f"the results store {directory} has no finished results yet.")
    connection = duckdb.connect(":memory:")
    try:
        parts_glob = _sql_literal(str(directory / PARTS / "point-*.parquet"))
        design = _sql_literal(str(directory / DESIGN))
        connection.execute(
            f"CREATE VIEW results AS SELECT * FROM read_parquet({parts_glob}, union_by_name=true)"
        )
        connection.execute(f"CREATE VIEW design AS SELECT * FROM read_parquet({design})")
        try:
            relation = connection.sql(sql)
            result: pa.Table = pa.table({}) if relation is None else relation.to_arrow_table()
        except duckdb.Error as exc:
            message = " ".join(str(exc).split())
            raise UserError(f"SQL error: {message}") from None
    finally:
        connection.close()
    return result
