"""Recorders take the engine's events. The null recorder costs nothing; the event log keeps everything.

The engine checks ``recorder.enabled`` before building any event columns, so Monte Carlo runs with
:class:`NullRecorder` pay nothing for logging. :class:`EventLog` keeps columnar chunks and assembles
one Arrow table sorted by replication (stable, so each replication's events keep the engine's order);
:func:`write_event_log` writes it to Parquet with a header in the file's metadata. An :class:`EventSpool`
keeps the logs of several batches of replications on disk, one row group per replication, so that a run
of many batches holds one batch's events in memory, never the whole log.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import weakref
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from drillsim.core.errors import InputError, Location
from drillsim.events.types import EVENT_CLASSES, EVENT_LOG_VERSION, EVENT_SCHEMA

_NUMERIC_DEFAULTS = {"x_m": np.nan, "y_m": np.nan, "value": np.nan, "count": 0}
_STRING_COLUMNS = ("side", "unit", "other", "detail")


class Recorder(Protocol):
    """What the engine needs of a recorder."""

    enabled: bool
    sample_s: float | None

    def emit(self, kind: str, replication: Any, time_s: Any, **columns: Any) -> None: ...


def _string_column(value: Any, n: int) -> pa.Array:
    if value is None:
        return pa.nulls(n, type=pa.string())
    if isinstance(value, str):
        return pa.array([value] * n, type=pa.string())
    return pa.array(np.broadcast_to(np.asarray(value, dtype=object), (n,)).tolist(), type=pa.string())


class NullRecorder:
    """Records nothing, at no cost."""

    enabled = False
    sample_s: float | None = None

    def emit(self, kind: str, replication: Any, time_s: Any, **columns: Any) -> None:
        return None


class EventLog:
    """Keeps every event in memory; ``table()`` gives the event log.

    ``sample_s``: also record each unit's position and strength every so many seconds (``UnitMoved``), for
    replays; None records positions only when units arrive.

    ``sink``: a callable given every batch of events (an Arrow record batch with the columns of
    :data:`EVENT_SCHEMA`, one kind, in the engine's order) as soon as it is recorded, while the simulation
    runs: the streaming hook for live outputs (``drillsim run --dis``). It may be set after construction.
    """

    enabled = True

    def __init__(
        self,
        *,
        sample_s: float | None = 300.0,
        sink: Callable[[pa.RecordBatch], None] | None = None,
    ) -> None:
        self.sample_s = sample_s
        self.sink = sink
        self._chunks: list[pa.RecordBatch] = []

    def emit(self, kind: str, replication: Any, time_s: Any, **columns: Any) -> None:
        if kind not in EVENT_CLASSES:
            raise ValueError(f"unknown event kind {kind!r}")
        reps = np.atleast_1d(np.asarray(replication, dtype=np.int64))
        n = reps.shape[0]
        if n == 0:
            return
        arrays: list[pa.Array] = [
            pa.array(reps),
            pa.array(np.broadcast_to(np.asarray(time_s, np.float64), (n,))),
            pa.array([kind] * n, type=pa.string()),
        ]
        for name in EVENT_SCHEMA.names[3:]:
            if name in _STRING_COLUMNS:
                arrays.append(_string_column(columns.get(name), n))
            elif name == "count":
                arrays.append(pa.array(np.broadcast_to(np.asarray(columns.get("count", 0), np.int64), (n,))))
            else:
                value = columns.get(name, _NUMERIC_DEFAULTS[name])
                arrays.append(pa.array(np.broadcast_to(np.asarray(value, dtype=np.float64), (n,))))
        batch = pa.RecordBatch.from_arrays(arrays, schema=EVENT_SCHEMA)
        self._chunks.append(batch)
        if self.sink is not None:
            self.sink(batch)

    def table(self) -> pa.Table:
        """All events, sorted by replication; within one, in the order the engine emitted them."""
        if not self._chunks:
            return EVENT_SCHEMA.empty_table()
        table = pa.Table.from_batches(self._chunks, schema=EVENT_SCHEMA)
        order = np.argsort(table.column("replication").to_numpy(), kind="stable")
        return table.take(pa.array(order))

    def by_replication(self) -> Iterator[pa.Table]:
        """Each replication's events, one table at a time in replication order (the rows of :meth:`table`,
        without ever copying all of them at once)."""
        if not self._chunks:
            return
        table = pa.Table.from_batches(self._chunks, schema=EVENT_SCHEMA)
        order = np.argsort(table.column("replication").to_numpy(), kind="stable")
        reps = table.column("replication").to_numpy()[order]
        starts = np.flatnonzero(np.r_[True, reps[1:] != reps[:-1]])
        for start, stop in zip(starts, np.r_[starts[1:], len(reps)], strict=True):
            yield table.take(pa.array(order[start:stop]))


class EventSpool:
    """An event log kept on disk while batches of replications run, for a run too long to keep in memory.

    :meth:`add` appends a finished batch's :class:`EventLog`, one row group per replication, to a Parquet
    file in a temporary folder (under ``directory``, default the system's), and the log's events can then
    be dropped; :func:`write_event_log` copies the spool into the event-log file a row group at a time. The
    batches must come in replication order and each replication in one batch. :meth:`close` removes the
    folder (so does the garbage collector).
    """

    def __init__(self, *, directory: str | Path | None = None) -> None:
        folder = tempfile.mkdtemp(prefix="drillsim-events-", dir=directory)
        self._remove = weakref.finalize(self, shutil.rmtree, folder, ignore_errors=True)
        self.path = Path(folder) / EVENTS_FILE
        self._writer: pq.ParquetWriter | None = pq.ParquetWriter(self.path, EVENT_SCHEMA, compression="lz4")
        self.num_rows = 0
        self._last = -1

    def add(self, log: EventLog) -> None:
        """Append a finished batch's events, replication by replication."""
        if self._writer is None:
            raise ValueError("the event spool is already read")
        for table in log.by_replication():
            replication = int(table.column("replication")[0].as_py())
            if replication <= self._last:
                raise ValueError(f"replication {replication} comes after {self._last} in the spool")
            self._writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
            self.num_rows += table.num_rows
            self._last = replication

    def tables(self) -> Iterator[pa.Table]:
        """The spooled events, one row group (one replication, or part of a long one) at a time."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        source = pq.ParquetFile(self.path)
        for group in range(source.num_row_groups):
            yield source.read_row_group(group).replace_schema_metadata(None)

    def table(self) -> pa.Table:
        """All spooled events at once (as :meth:`EventLog.table` gives them)."""
        tables = list(self.tables())
        return pa.concat_tables(tables) if tables else EVENT_SCHEMA.empty_table()

    def close(self) -> None:
        """Remove the spool's file and folder."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._remove()


def write_event_log(events: pa.Table | EventSpool, path: str | Path, *, header: dict[str, Any]) -> Path:
    """Write an event log to Parquet atomically (temporary file, then rename), with ``header`` as metadata.

    Each replication is its own row group (split further beyond :data:`ROW_GROUP_ROWS` rows) with the
    replication's statistics, so that a reader can load one replication without decoding the others
    (:func:`scan_event_log`). ``events`` is a table sorted by replication, as :meth:`EventLog.table` gives
    it, or an :class:`EventSpool`, copied a row group at a time; both give the same file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        b"drillsim.header": json.dumps(
            {"event_log_version": EVENT_LOG_VERSION, **header}, sort_keys=True
        ).encode("utf-8")
    }
    schema = (EVENT_SCHEMA if isinstance(events, EventSpool) else events.schema).with_metadata(meta)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with pq.ParquetWriter(tmp, schema, compression="zstd", write_statistics=["replication"]) as writer:
            if isinstance(events, EventSpool):
                empty = True
                for table in events.tables():
                    writer.write_table(table.replace_schema_metadata(meta), row_group_size=ROW_GROUP_ROWS)
                    empty = False
                if empty:
                    writer.write_table(schema.empty_table())
            else:
                table = events.replace_schema_metadata(meta)
                for start, stop in _replication_runs(table):
                    writer.write_table(table.slice(start, stop - start), row_group_size=ROW_GROUP_ROWS)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


ROW_GROUP_ROWS = 1 << 20
"""The most rows of one row group of an event log (a replication with more gets several)."""


def _replication_runs(table: pa.Table) -> list[tuple[int, int]]:
    """(start, stop) of each run of equal replication indices, in order (one empty run for no rows)."""
    reps = table.column("replication").to_numpy()
    if len(reps) == 0:
        return [(0, 0)]
    starts = np.flatnonzero(np.r_[True, reps[1:] != reps[:-1]])
    stops = np.r_[starts[1:], len(reps)]
    return [(int(a), int(z)) for a, z in zip(starts, stops, strict=True)]


EVENTS_FILE = "events.parquet"
"""The event log's name in a result directory (``drillsim run``, ``drillsim mc`` with recorded runs)."""


def _log_path(path: str | Path) -> Path:
    """The event-log file itself, given it or the result directory that holds it."""
    path = Path(path)
    if path.is_dir():
        if not (path / EVENTS_FILE).is_file():
            raise InputError(
                f"the directory holds no event log ({EVENTS_FILE})",
                location=Location(str(path)),
                expected="a result directory written by 'drillsim run', or by 'drillsim mc' with recorded "
                "replications, or the path of an events.parquet file",
            )
        path = path / EVENTS_FILE
    return path


def _unreadable(path: Path, exc: Exception) -> InputError:
    return InputError(
        f"not a readable event log: {exc}",
        location=Location(str(path)),
        expected="a Parquet file written by drillsim",
    )


def _header_of(schema: pa.Schema, path: Path) -> dict[str, Any]:
    raw = (schema.metadata or {}).get(b"drillsim.header")
    if raw is None:
        raise InputError(
            "the Parquet file has no drillsim header",
            location=Location(str(path)),
            expected="an event log written by drillsim",
        )
    header: dict[str, Any] = json.loads(raw)
    version = header.get("event_log_version")
    if version != EVENT_LOG_VERSION:
        raise InputError(
            "unsupported event-log version",
            location=Location(str(path)),
            expected=f"version {EVENT_LOG_VERSION}",
            found=str(version),
        )
    return header


def read_event_log(path: str | Path) -> tuple[pa.Table, dict[str, Any]]:
    """Read an event log and its header; a clear error if the file is not one.

    Parameters
    ----------
    path
        The event-log file (``events.parquet``), or a result directory holding one, as written by
        ``drillsim run`` or by ``drillsim mc`` for its recorded replications.

    Returns
    -------
    (pyarrow.Table, dict)
        One row per event (``.to_pandas()`` gives a DataFrame), and the header of the run that wrote it
        (scenario, seed, units).

    Raises
    ------
    InputError
        When the file is not an event log written by drillsim, or the directory holds none.
    """
    path = _log_path(path)
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise _unreadable(path, exc) from None
    header = _header_of(table.schema, path)
    return table.replace_schema_metadata(None), header


def read_event_log_schema(path: str | Path) -> tuple[pa.Schema, dict[str, Any]]:
    """The columns and the header of an event log, without reading its events.

    Raises :class:`InputError` as :func:`read_event_log` does.
    """
    path = _log_path(path)
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise _unreadable(path, exc) from None
    header = _header_of(schema, path)
    return schema.remove_metadata(), header


def scan_event_log(
    path: str | Path,
    *,
    replication: int | None = None,
    kinds: Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
) -> pa.Table:
    """Some of an event log's rows, read without loading the rest: one replication's, of some kinds.

    Parameters
    ----------
    path
        The event-log file, or a result directory holding one.
    replication
        Only this replication's events (its row groups alone are read); None for every replication.
    kinds
        Only events of these kinds (``"UnitMoved"``, ...); None for every kind.
    columns
        Only these columns, in this order; None for every column.

    Returns
    -------
    pyarrow.Table
        The rows in the file's order (by replication, then as the engine emitted them), without metadata.
    """
    path = _log_path(path)
    condition: Any = None
    if replication is not None:
        condition = pc.field("replication") == int(replication)
    if kinds is not None:
        of_kind = pc.field("kind").isin(list(kinds))
        condition = of_kind if condition is None else condition & of_kind
    try:
        table = pq.read_table(
            path, columns=None if columns is None else list(columns), filters=condition, use_threads=False
        )
    except (OSError, pa.ArrowInvalid) as exc:
        raise _unreadable(path, exc) from None
    return table.replace_schema_metadata(None)
