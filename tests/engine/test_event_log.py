"""The event log: typed events, the Parquet file and its header, and clear errors for bad files."""

from __future__ import annotations

import dataclasses
import gc
import json
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import drillsim
from drillsim.engine import (
    EVENT_CLASSES,
    EVENT_LOG_VERSION,
    EVENT_SCHEMA,
    Event,
    EventLog,
    NullRecorder,
    Outcomes,
    iter_events,
    read_event_log,
    run,
    write_event_log,
)
from drillsim.engine.simulation import Simulation, record
from drillsim.events import read_event_log_schema, scan_event_log
from drillsim.events.recorder import EventSpool
from drillsim.events.types import column_for
from drillsim.scenario import Scenario
from drillsim.testing import result_digest


def _same(a: object, b: object) -> bool:
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


def test_every_row_becomes_its_typed_event(example_events: pa.Table) -> None:
    """iter_events yields one instance of the right class per row, in row order."""
    events = list(iter_events(example_events))
    assert len(events) == example_events.num_rows
    for event, kind in zip(events, example_events["kind"].to_pylist(), strict=True):
        assert type(event) is EVENT_CLASSES[kind]
        assert isinstance(event, Event)


def test_typed_events_carry_the_row_values(example_events: pa.Table) -> None:
    """Each field of a typed event holds the value of the column it maps to (ints as ints)."""
    for event, row in zip(iter_events(example_events), example_events.to_pylist(), strict=True):
        assert (event.replication, event.time_s) == (row["replication"], row["time_s"])
        for f in dataclasses.fields(event):
            if f.name in ("replication", "time_s"):
                continue
            value = getattr(event, f.name)
            expected = row[column_for(event.KIND, f.name)]
            if f.type == "int":
                assert isinstance(value, int)
                expected = int(expected)
            assert _same(value, expected), (event.KIND, f.name)


def test_example_log_uses_the_main_event_kinds(example_events: pa.Table) -> None:
    """The example's log holds detections, reports, fire missions, hits, breaks and objectives."""
    kinds = set(example_events["kind"].to_pylist())
    assert {
        "PhaseStarted",
        "OrderReceived",
        "ContactDetected",
        "ContactReported",
        "FireMissionRequested",
        "RoundsFired",
        "RoundsImpacted",
        "FireMissionCompleted",
        "UnitHit",
        "UnitBroke",
        "ObjectiveAchieved",
    } <= kinds


def test_event_log_has_the_documented_schema(example_events: pa.Table) -> None:
    """The in-memory log has exactly EVENT_SCHEMA's columns and is sorted by replication."""
    assert example_events.schema.remove_metadata() == EVENT_SCHEMA
    reps = example_events["replication"].to_pylist()
    assert reps == sorted(reps)


def test_event_log_round_trips_through_parquet(example_run: Outcomes, tmp_path: Path) -> None:
    """A written log reads back with the same rows and a header naming version, seed and scenario."""
    assert example_run.events is not None
    path = write_event_log(example_run.events, tmp_path / "events.parquet", header=example_run.header)
    table, header = read_event_log(path)
    assert table.num_rows == example_run.events.num_rows
    for a, b in zip(table.to_pylist(), example_run.events.to_pylist(), strict=True):
        assert all(_same(a[c], b[c]) for c in a)
    assert header["event_log_version"] == EVENT_LOG_VERSION
    assert (header["seed"], header["scenario"]) == (1, "crossing-defence-v1")
    assert header["replications"] == list(range(12))


def test_each_replication_is_its_own_row_group(example_run: Outcomes, tmp_path: Path) -> None:
    """The file holds one row group per replication, with the replication's statistics, so that one
    replication can be read without decoding the others."""
    assert example_run.events is not None
    path = write_event_log(example_run.events, tmp_path / "events.parquet", header=example_run.header)
    meta = pq.ParquetFile(path).metadata
    column = meta.schema.names.index("replication")
    ranges = [
        (meta.row_group(g).column(column).statistics.min, meta.row_group(g).column(column).statistics.max)
        for g in range(meta.num_row_groups)
    ]
    assert ranges == [(k, k) for k in range(12)]


def test_scan_reads_one_replication_and_some_kinds(example_run: Outcomes, tmp_path: Path) -> None:
    """scan_event_log gives exactly the rows of one replication (and of some kinds) the whole log has."""
    assert example_run.events is not None
    path = write_event_log(example_run.events, tmp_path / "events.parquet", header=example_run.header)
    whole = example_run.events.to_pylist()
    for k in (0, 7):
        mine = scan_event_log(path, replication=k).to_pylist()
        assert len(mine) == sum(1 for row in whole if row["replication"] == k) > 0
        assert all(
            _same(a[c], b[c])
            for a, b in zip(mine, [r for r in whole if r["replication"] == k], strict=True)
            for c in a
        )
    kinds = ("UnitHit", "ContactDetected")
    some = scan_event_log(path, kinds=kinds, columns=("replication", "kind"))
    assert some.column_names == ["replication", "kind"]
    assert some.to_pylist() == [
        {"replication": r["replication"], "kind": r["kind"]} for r in whole if r["kind"] in kinds
    ]


def test_the_header_is_read_without_the_events(example_run: Outcomes, tmp_path: Path) -> None:
    """read_event_log_schema gives the columns and the header that read_event_log gives."""
    assert example_run.events is not None
    path = write_event_log(example_run.events, tmp_path / "events.parquet", header=example_run.header)
    schema, header = read_event_log_schema(path)
    table, full_header = read_event_log(path)
    assert schema.equals(table.schema)
    assert header == full_header


def test_written_log_leaves_no_temporary_file(example_run: Outcomes, tmp_path: Path) -> None:
    """Writing is atomic: only the final file remains in the folder."""
    assert example_run.events is not None
    write_event_log(example_run.events, tmp_path / "events.parquet", header=example_run.header)
    assert [p.name for p in tmp_path.iterdir()] == ["events.parquet"]


def test_null_recorder_records_nothing(example: Scenario) -> None:
    """A run with the null recorder (the default) returns outcomes without an event log."""
    outcome = run(example, rng=1, replications=2, recorder=NullRecorder(), until_s=1200)
    assert outcome.events is None
    assert set(outcome.measures) >= {"first-detection", "losses-raiders"}


def test_corrupt_file_is_a_user_error(tmp_path: Path) -> None:
    """Bytes that are not Parquet give a UserError naming the file, not a traceback from pyarrow."""
    path = tmp_path / "events.parquet"
    path.write_bytes(b"PAR1 this is not really a parquet file")
    with pytest.raises(drillsim.UserError, match=r"events\.parquet.*not a readable event log") as info:
        read_event_log(path)
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


def test_truncated_log_is_a_user_error(example_run: Outcomes, tmp_path: Path) -> None:
    """A log cut short (an interrupted copy) gives a UserError."""
    assert example_run.events is not None
    good = write_event_log(example_run.events, tmp_path / "good.parquet", header=example_run.header)
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(drillsim.UserError, match=r"not a readable event log"):
        read_event_log(cut)


def test_parquet_without_header_is_a_user_error(tmp_path: Path) -> None:
    """A Parquet file that drillsim did not write is refused with a message saying so."""
    path = tmp_path / "other.parquet"
    pq.write_table(pa.table({"a": [1, 2, 3]}), path)
    with pytest.raises(drillsim.UserError, match=r"other\.parquet.*no drillsim header"):
        read_event_log(path)


def test_log_of_another_version_is_a_user_error(example_run: Outcomes, tmp_path: Path) -> None:
    """A log whose header names a different format version is refused, naming both versions."""
    assert example_run.events is not None
    header = {"event_log_version": EVENT_LOG_VERSION + 1}
    table = example_run.events.replace_schema_metadata({b"drillsim.header": json.dumps(header).encode()})
    path = tmp_path / "future.parquet"
    pq.write_table(table, path)
    with pytest.raises(drillsim.UserError, match=rf"unsupported event-log version.*{EVENT_LOG_VERSION + 1}"):
        read_event_log(path)


def test_missing_file_is_a_user_error(tmp_path: Path) -> None:
    """Asking for a log that does not exist gives a UserError."""
    with pytest.raises(drillsim.UserError, match=r"missing\.parquet"):
        read_event_log(tmp_path / "missing.parquet")


def test_emit_takes_the_event_class_fields_and_refuses_others() -> None:
    """An emit site names the event's own fields; a column name that is not a field is refused."""
    from drillsim.events.types import ContactDetected, columns_of

    assert columns_of(ContactDetected, {"observer": "a", "target": "b", "sensor": "eye"}) == {
        "unit": "a",
        "other": "b",
        "detail": "eye",
    }
    with pytest.raises(TypeError, match="ContactDetected has no field unit"):
        columns_of(ContactDetected, {"unit": "a"})


def test_recorded_a_batch_at_a_time_equals_one_batch(
    example: Scenario, example_run: Outcomes, tmp_path: Path
) -> None:
    """record() in batches of 5 gives the measures, event log and files of one batch of 12 replications."""
    spooled = record(example, rng=1, replications=12, batch=5)
    assert spooled.events is None
    assert spooled.spool is not None
    assert spooled.spool.num_rows == example_run.events.num_rows
    assert spooled.header == example_run.header
    read_back = dataclasses.replace(spooled, events=spooled.event_table(), spool=None)
    assert result_digest(read_back) == result_digest(example_run)
    spooled.write(tmp_path / "spooled")
    example_run.write(tmp_path / "whole")
    for name in ("events.parquet", "outcomes.parquet", "run.json", "scenario.yaml"):
        assert (tmp_path / "spooled" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name
    groups = pq.ParquetFile(tmp_path / "spooled" / "events.parquet").num_row_groups
    assert groups == len(set(example_run.events["replication"].to_pylist()))


def test_recorded_replications_keep_the_order_given(example: Scenario, example_run: Outcomes) -> None:
    """record() given indices out of order returns the measures in that order and the log sorted."""
    chosen = [7, 2, 11, 0]
    spooled = record(example, rng=1, replications=chosen, batch=3)
    for name, values in example_run.measures.items():
        np.testing.assert_array_equal(spooled.measures[name], values[chosen])
    table = spooled.event_table()
    assert table is not None
    reps = table["replication"].to_pylist()
    assert reps == sorted(reps)
    assert set(reps) == set(chosen)
    kept = pc.is_in(example_run.events["replication"], pa.array(chosen))
    assert table.to_pandas().equals(example_run.events.filter(kept).to_pandas())  # NaN == NaN


def test_recorded_batches_leave_no_simulation_behind(example: Scenario) -> None:
    """A finished batch's simulation is freed before the next batch runs, even though it is held in
    reference cycles: with the collector's automatic runs off, none is left once record() returns (each
    batch's state would otherwise stay until a full collection happened to run)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        record(example, rng=1, replications=3, batch=1)
        alive = sum(type(o) is Simulation for o in gc.get_objects())  # not isinstance: weak proxies
    finally:
        if was_on:
            gc.enable()
    assert alive == 0


def test_event_spool_refuses_replications_out_of_order() -> None:
    """A spool takes each replication once and in increasing order."""
    later, earlier = EventLog(), EventLog()
    later.emit("UnitMoved", 3, 0.0, unit="a")
    earlier.emit("UnitMoved", 1, 0.0, unit="a")
    spool = EventSpool()
    spool.add(later)
    with pytest.raises(ValueError, match="replication 1 comes after 3"):
        spool.add(earlier)
    spool.close()
