"""Checkers for people who write scenarios and for drillsim's own tests.

Like Gymnasium's ``check_env``, these functions load something and assert the invariants every well-formed
input must keep. They raise :class:`AssertionError` naming the broken invariant, so they work inside pytest
and in a plain script alike; bad input itself raises :class:`~drillsim.core.errors.UserError` as usual.

``check_scenario`` validates the raw file against the JSON Schema, which needs the ``jsonschema`` package
(installed with drillsim's ``dev`` extra); it is imported only when the checker runs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from drillsim.engine.simulation import Outcomes, Simulation
from drillsim.events.recorder import EventLog, write_event_log
from drillsim.scenario.io import content_hash, load_scenario, scenario_to_yaml
from drillsim.scenario.library import find_entry
from drillsim.scenario.models import Scenario
from drillsim.scenario.pedigree import CONFIDENCE_LEVELS, Param
from drillsim.scenario.references import element_ids
from drillsim.scenario.schema import scenario_schema

__all__ = ["check_determinism", "check_scenario", "result_digest"]

_ID = r"[a-z0-9][a-z0-9_-]*"
_UNIT_ID = re.compile(rf"^{_ID}(/{_ID})*$")


def _require(condition: bool, message: str) -> None:
    """Raise AssertionError when ``condition`` is false (unlike ``assert``, kept under ``python -O``)."""
    if not condition:
        raise AssertionError(message)


def check_scenario(source: str | Path) -> Scenario:
    """Load a scenario (a path or an embedded name) and assert the invariants of the scenario language.

    Checked: the content hash is the same for two loads, and for the fully merged dump loaded again; the
    JSON Schema of :func:`drillsim.scenario_schema` accepts the file as written; every unit id, parent and
    group element id is well-formed and unique; every numeric parameter appears in
    :meth:`Scenario.parameters` once, with a finite value and a known confidence level.

    Returns the scenario from the first load. Raises :class:`~drillsim.core.errors.UserError` for bad input
    and :class:`AssertionError` for a broken invariant.
    """
    scenario = load_scenario(source)
    _check_hash(source, scenario)
    _check_schema(source)
    _check_unit_ids(scenario)
    _check_pedigree(scenario)
    return scenario


def _check_hash(source: str | Path, scenario: Scenario) -> None:
    first = content_hash(scenario)
    again = content_hash(load_scenario(source))
    _require(first == again, f"content hash differs between two loads of {source}: {first} then {again}")
    with tempfile.TemporaryDirectory(prefix="drillsim-check-") as folder:
        dumped = Path(folder) / "merged.yaml"
        dumped.write_text(scenario_to_yaml(scenario), encoding="utf-8")
        merged = content_hash(load_scenario(dumped))
    _require(
        first == merged,
        (f"content hash of {source} ({first}) differs from that of its merged dump loaded again ({merged})"),
    )


def _raw_text(source: str | Path) -> tuple[str, str]:
    """The text of the file as written, and how to name it in messages."""
    path = Path(source)
    if path.is_file():
        return path.read_text(encoding="utf-8"), str(path)
    entry = find_entry(str(source), "scenario")
    if entry is None:
        raise AssertionError(f"{source} loaded but is neither a file nor an embedded scenario")
    return entry.read_text(), entry.file


def _as_json(value: Any) -> Any:
    """YAML data as JSON data: timestamps become ISO 8601 text, keys become text."""
    if isinstance(value, dict):
        return {str(k): _as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_json(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _check_schema(source: str | Path) -> None:
    try:
        import jsonschema  # type: ignore[import-untyped]  # no stubs in the dev extra
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "check_scenario needs the jsonschema package: pip install jsonschema (or drillsim[dev])"
        ) from exc
    text, name = _raw_text(source)
    data = _as_json(yaml.safe_load(text))
    validator = jsonschema.Draft202012Validator(scenario_schema())
    problems = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    _require(
        not problems,
        (
            f"the JSON Schema rejects {name}, which the loader accepts: "
            + "; ".join(
                f"{'.'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in problems[:5]
            )
        ),
    )


def _check_unit_ids(scenario: Scenario) -> None:
    for uid, unit in scenario.units.items():
        _require(_UNIT_ID.match(uid) is not None, f"unit id {uid!r} is not well-formed")
        if unit.parent is not None:
            _require(unit.parent in scenario.units, f"unit {uid!r} has an unknown parent {unit.parent!r}")
    elements = element_ids(scenario)
    for eid, uid in elements.items():
        _require(_UNIT_ID.match(eid) is not None, f"element id {eid!r} (of unit {uid!r}) is not well-formed")
        _require(uid in scenario.units, f"element id {eid!r} comes from an undeclared unit {uid!r}")
    expected = sum(int(unit.count) if int(unit.count) > 1 else 1 for unit in scenario.units.values())
    _require(
        len(elements) == expected, f"{expected} elements declared but {len(elements)} distinct element ids"
    )


def _count_params(node: Any) -> int:
    """Params in a tree of models, dicts and lists, counted independently of ``Scenario.parameters``."""
    if isinstance(node, Param):
        return 1
    if isinstance(node, dict):
        return sum(_count_params(v) for v in node.values())
    if isinstance(node, list | tuple):
        return sum(_count_params(v) for v in node)
    fields = getattr(type(node), "model_fields", None)
    if fields is not None:
        return sum(_count_params(getattr(node, name)) for name in fields)
    return 0


def _check_pedigree(scenario: Scenario) -> None:
    records = scenario.parameters()
    paths = [r.path for r in records]
    _require(len(set(paths)) == len(paths), "Scenario.parameters() lists a field path twice")
    total = _count_params(scenario)
    _require(
        len(records) == total,
        f"Scenario.parameters() lists {len(records)} parameters; the scenario has {total}",
    )
    for record in records:
        _require(math.isfinite(record.value), f"parameter {record.path} is not finite: {record.value}")
        _require(
            record.confidence is None or record.confidence in CONFIDENCE_LEVELS,
            (f"parameter {record.path} has an unknown confidence {record.confidence!r}"),
        )


def check_determinism(
    scenario: Scenario | str | Path,
    *,
    rng: int = 0,
    replications: int | Sequence[int] = 3,
) -> Outcomes:
    """Run a scenario (an object, a path or an embedded name) and assert that its results are reproducible.

    Checked, for the root seed ``rng`` and the given ``replications`` (a count or the indices):

    - two runs of the batch write byte-identical Parquet event logs (:func:`drillsim.engine.write_event_log`);
    - each replication run alone gives the same measures and the same event rows as inside the batch;
    - the batch run in reverse order gives the same measures and events (the order of work does not matter).

    Returns the outcomes of the first run. Raises :class:`AssertionError` naming the first difference.
    """
    loaded = load_scenario(scenario) if isinstance(scenario, str | Path) else scenario
    reps = list(range(replications)) if isinstance(replications, int) else [int(r) for r in replications]
    _require(len(reps) > 0, "check_determinism needs at least one replication")
    first = _recorded_run(loaded, rng, reps)
    again = _recorded_run(loaded, rng, reps)
    with tempfile.TemporaryDirectory(prefix="drillsim-check-") as folder:
        paths = []
        for name, outcome in (("first", first), ("again", again)):
            assert outcome.events is not None
            paths.append(
                write_event_log(outcome.events, Path(folder) / f"{name}.parquet", header=outcome.header)
            )
        same_bytes = paths[0].read_bytes() == paths[1].read_bytes()
    _require(
        same_bytes,
        f"two runs of {loaded.name} with seed {rng} wrote different event logs: "
        + (_first_difference(first, again, reps) or "the files differ although the events are equal"),
    )
    for k in reps:
        alone = _recorded_run(loaded, rng, [k])
        problem = _first_difference(first, alone, [k])
        _require(
            problem is None,
            f"replication {k} of {loaded.name} (seed {rng}) differs when run alone rather than in the batch "
            f"{reps}: {problem}",
        )
    if len(reps) > 1:
        backwards = _recorded_run(loaded, rng, reps[::-1])
        problem = _first_difference(first, backwards, reps)
        _require(
            problem is None,
            f"the batch {reps} of {loaded.name} (seed {rng}) gives different results in reverse order: "
            f"{problem}",
        )
    return first


def _recorded_run(scenario: Scenario, rng: int, reps: list[int]) -> Outcomes:
    return Simulation(scenario, rng=rng, replications=reps, recorder=EventLog()).run()


def _event_rows(outcome: Outcomes, replication: int) -> list[dict[str, Any]]:
    """The event rows of one replication, with NaN written as text so that rows compare equal."""
    assert outcome.events is not None
    rows = outcome.events.filter(pc.equal(outcome.events["replication"], replication)).to_pylist()
    return [
        {k: "nan" if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()} for row in rows
    ]


def _first_difference(a: Outcomes, b: Outcomes, reps: list[int]) -> str | None:
    """How two outcomes differ on the replications ``reps`` (None when they agree)."""
    for k in reps:
        ia = int(np.flatnonzero(a.replications == k)[0])
        ib = int(np.flatnonzero(b.replications == k)[0])
        for name in sorted(set(a.measures) | set(b.measures)):
            if name not in a.measures or name not in b.measures:
                return f"measure {name!r} is missing from one run"
            va, vb = float(a.measures[name][ia]), float(b.measures[name][ib])
            if not (va == vb or (math.isnan(va) and math.isnan(vb))):
                return f"replication {k}: measure {name!r} is {va!r} in one run and {vb!r} in the other"
        ea, eb = _event_rows(a, k), _event_rows(b, k)
        for n, (ra, rb) in enumerate(zip(ea, eb, strict=False)):
            if ra != rb:
                return f"replication {k}: event {n} is {ra} in one run and {rb} in the other"
        if len(ea) != len(eb):
            return f"replication {k}: {len(ea)} events in one run, {len(eb)} in the other"
    return None


def result_digest(outcomes: Outcomes) -> str:
    """A SHA-256 digest of a run's results: every measure of every replication and, when an event log was
    recorded, every event column, value for value (floats by their exact bits).

    Two runs have the same digest exactly when their measures and event logs are identical; a golden test
    keeps the digest of a scenario at a fixed seed so that any change of behaviour, deliberate or not, shows.
    The digest does not depend on the Parquet or Arrow writer's version, only on the values.
    """
    h = hashlib.sha256()
    h.update(np.asarray(outcomes.replications, dtype=np.int64).tobytes())
    for name in sorted(outcomes.measures):
        h.update(name.encode("utf-8") + b"\0")
        h.update(np.ascontiguousarray(outcomes.measures[name], dtype=np.float64).tobytes())
    if outcomes.events is not None:
        for name in outcomes.events.column_names:
            h.update(b"\1" + name.encode("utf-8") + b"\0")
            column = outcomes.events[name]
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                for value in column.to_pylist():
                    h.update(b"\2" if value is None else value.encode("utf-8") + b"\0")
            else:
                values = column.to_numpy(zero_copy_only=False)
                h.update(np.ascontiguousarray(values).tobytes())
    return h.hexdigest()
