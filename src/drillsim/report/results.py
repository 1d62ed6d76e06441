"""A result directory as the replay reads it: the event log, the outcomes, the run header and the scenario.

``drillsim run`` (through :meth:`drillsim.Outcomes.write`) writes ``events.parquet``, ``outcomes.parquet``,
``run.json`` and ``scenario.yaml``. ``drillsim mc`` writes the same four files for the replications it
recorded, beside the rows of every replication (``replications.parquet``) and their summary
(``summary.json``); its ``run.json`` says so (``analysis.kind`` is ``monte-carlo``). The replay needs only
these files, never the engine. Each file is checked when the directory is opened; a missing or unreadable
one is an :class:`~drillsim.core.errors.InputError` that names it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from drillsim.core.errors import InputError, Location, UserError
from drillsim.core.manifest import check_manifest
from drillsim.events.recorder import EVENTS_FILE, read_event_log_schema, scan_event_log
from drillsim.events.types import EVENT_SCHEMA
from drillsim.experiments.montecarlo import SUMMARY_FILE, MonteCarloResult, read_monte_carlo
from drillsim.geo.projection import LocalProjection
from drillsim.scenario.io import load_scenario
from drillsim.scenario.models import Scenario

__all__ = ["Result", "load_result"]

OUTCOMES_FILE = "outcomes.parquet"
HEADER_FILE = "run.json"
SCENARIO_FILE = "scenario.yaml"

_HEADER_KEYS = ("scenario", "seed", "replications", "projection", "bounds", "sides", "units", "duration_s")


@dataclass(frozen=True, eq=False)
class Result:
    """One result directory, validated: events, per-replication outcomes, header and scenario.

    The event log stays on disk until asked for: :meth:`events_of` reads one replication's events and
    :meth:`scan` some kinds or columns, so that memory grows with one replication, not with all of them;
    :attr:`events` reads the whole log (once). For a Monte Carlo result, the event log and ``outcomes``
    hold the recorded replications and ``monte_carlo`` every replication's row and the statistics.
    """

    directory: Path
    outcomes: pa.Table
    header: dict[str, Any]
    scenario: Scenario | None
    monte_carlo: MonteCarloResult | None = None

    @property
    def replications(self) -> list[int]:
        """Replication indices in the event log, in the order they were run."""
        return [int(r) for r in self.header["replications"]]

    @property
    def is_ensemble(self) -> bool:
        """True when the event log holds more than one replication."""
        return len(self.replications) > 1

    @property
    def recorded(self) -> dict[str, Any] | None:
        """How a Monte Carlo result chose its recorded replications: ``measure`` and ``picks``
        (``replication``, ``quantile``, ``value``, median first); None for other results."""
        about = self.header.get("analysis")
        picked = about.get("recorded") if isinstance(about, dict) else None
        return picked if isinstance(picked, dict) else None

    @cached_property
    def projection(self) -> LocalProjection:
        """The projection the event log's x_m / y_m are in."""
        p = self.header["projection"]
        return LocalProjection(float(p["lat0"]), float(p["lon0"]))

    def to_latlon(self, x_m: Any, y_m: Any) -> tuple[np.ndarray, np.ndarray]:
        """Event-log metres to WGS84 latitude and longitude (NaN stays NaN)."""
        x = np.asarray(x_m, dtype=np.float64)
        y = np.asarray(y_m, dtype=np.float64)
        lat, lon = self.projection.to_latlon(np.nan_to_num(x), np.nan_to_num(y))
        bad = ~(np.isfinite(x) & np.isfinite(y))
        lat = np.where(bad, np.nan, lat)
        lon = np.where(bad, np.nan, lon)
        return lat, lon

    @property
    def events_path(self) -> Path:
        """The event-log file."""
        return self.directory / EVENTS_FILE

    @cached_property
    def events(self) -> pa.Table:
        """Every event of every replication, read from disk on first use (all of it: for a result of
        many replications, :meth:`events_of` and :meth:`scan` read less)."""
        return scan_event_log(self.events_path)

    def events_of(self, replication: int) -> pa.Table:
        """The events of one replication, in the engine's order (only its part of the log is read)."""
        if replication not in self.replications:
            raise UserError(
                f"replication {replication} is not in {self.directory}; "
                f"it has {_describe_replications(self.replications)}."
            )
        return self.scan(replication=replication)

    def scan(
        self,
        *,
        replication: int | None = None,
        kinds: Sequence[str] | None = None,
        columns: Sequence[str] | None = None,
    ) -> pa.Table:
        """Events of one replication (or all), of some kinds (or all), with some columns (or all), in
        the log's order; read from disk, unless the whole log is already in memory."""
        if "events" in self.__dict__:  # already read whole
            table: pa.Table = self.events
            if replication is not None:
                table = table.filter(pc.equal(table.column("replication"), replication))
            if kinds is not None:
                table = table.filter(pc.is_in(table.column("kind"), value_set=pa.array(list(kinds))))
            return table if columns is None else table.select(list(columns))
        return scan_event_log(self.events_path, replication=replication, kinds=kinds, columns=columns)

    def measures(self) -> dict[str, np.ndarray]:
        """Every measure's value per replication (aligned with :attr:`outcome_replications`)."""
        return {
            name: np.asarray(self.outcomes.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)
            for name in self.outcomes.column_names
            if name not in ("replication", "seed")
        }

    @property
    def outcome_replications(self) -> list[int]:
        """Replication index of each row of the outcomes table."""
        return [int(r) for r in self.outcomes.column("replication").to_pylist()]


def _describe_replications(reps: list[int]) -> str:
    if len(reps) <= 6:
        return "replications " + ", ".join(str(r) for r in reps)
    return f"{len(reps)} replications ({reps[0]}..{reps[-1]})"


def _missing(path: Path, what: str) -> InputError:
    return InputError(
        f"missing {what}",
        location=Location(str(path)),
        expected=f"the {path.name} that 'drillsim run' writes into a result directory",
        found="no such file",
    )


def _read_header(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise _missing(path, "run header")
    try:
        header = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(
            f"not a readable run header: {exc}", location=Location(str(path)), expected="JSON"
        ) from None
    if not isinstance(header, dict):
        raise InputError("not a run header", location=Location(str(path)), expected="a JSON object")
    absent = [k for k in _HEADER_KEYS if k not in header]
    if absent:
        raise InputError(
            "incomplete run header",
            location=Location(str(path)),
            expected="the keys " + ", ".join(_HEADER_KEYS),
            found="no " + ", ".join(absent),
        )
    return header


def _read_events_header(path: Path) -> dict[str, Any]:
    """The event log's header, after checking its columns (its events are read later, as needed)."""
    if not path.is_file():
        raise _missing(path, "event log")
    schema, header = read_event_log_schema(path)
    if not schema.equals(EVENT_SCHEMA):
        raise InputError(
            "the event log's columns are not the drillsim event-log columns",
            location=Location(str(path)),
            expected=", ".join(EVENT_SCHEMA.names),
            found=", ".join(schema.names),
        )
    return header


def _read_outcomes(path: Path) -> pa.Table:
    if not path.is_file():
        raise _missing(path, "outcomes table")
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputError(
            f"not a readable outcomes table: {exc}",
            location=Location(str(path)),
            expected="a Parquet file written by drillsim",
        ) from None
    if "replication" not in table.column_names:
        raise InputError(
            "the outcomes table has no replication column",
            location=Location(str(path)),
            expected="one row per replication with a 'replication' column",
        )
    return table.replace_schema_metadata(None)


def load_result(directory: str | Path) -> Result:
    """Open and check a result directory written by ``drillsim run`` or ``drillsim mc``.

    ``run.json``, ``events.parquet`` and ``outcomes.parquet`` are required; ``scenario.yaml`` is read when
    present (the pedigree table needs it); a Monte Carlo result also needs ``replications.parquet`` and
    ``summary.json``. The directory's ``manifest.json`` is checked first: an incomplete, mixed or corrupt
    directory is refused. Raises :class:`~drillsim.core.errors.InputError` naming the file that is missing
    or unreadable, or that does not belong with the others.
    """
    root = Path(directory)
    if not root.is_dir():
        raise InputError(
            "no result directory here",
            location=Location(str(root)),
            expected="a directory written by 'drillsim run --out DIR' or 'drillsim mc --out DIR'",
            found="a file" if root.exists() else "nothing",
        )
    if not (root / HEADER_FILE).is_file() and (root / SUMMARY_FILE).is_file():
        raise InputError(
            "a Monte Carlo result without recorded replications: there is no event log to replay",
            location=Location(str(root / HEADER_FILE)),
            expected="a directory written by 'drillsim mc --out DIR' (it records 3 replications unless told "
            "otherwise with --record) or by monte_carlo(..., record=K).write(DIR)",
            found="no such file",
        )
    check_manifest(root)
    header = _read_header(root / HEADER_FILE)
    events_header = _read_events_header(root / EVENTS_FILE)
    if events_header.get("scenario_hash") != header.get("scenario_hash") or events_header.get(
        "seed"
    ) != header.get("seed"):
        raise InputError(
            "the event log does not belong to this run (scenario hash or seed differ from run.json)",
            location=Location(str(root / EVENTS_FILE)),
            expected=f"scenario hash {header.get('scenario_hash')} and seed {header.get('seed')}",
        )
    outcomes = _read_outcomes(root / OUTCOMES_FILE)
    scenario: Scenario | None = None
    scenario_path = root / SCENARIO_FILE
    if scenario_path.is_file():
        scenario = load_scenario(scenario_path)
    about = header.get("analysis")
    monte_carlo = None
    if isinstance(about, dict) and about.get("kind") == "monte-carlo":
        monte_carlo = read_monte_carlo(root)
        if (monte_carlo.scenario_hash, monte_carlo.seed) != (header.get("scenario_hash"), header.get("seed")):
            raise InputError(
                "the Monte Carlo summary does not belong to this run (scenario hash or seed differ from "
                "run.json)",
                location=Location(str(root / SUMMARY_FILE)),
                expected=f"scenario hash {header.get('scenario_hash')} and seed {header.get('seed')}",
            )
    return Result(
        directory=root,
        outcomes=outcomes,
        header={**events_header, **header},
        scenario=scenario,
        monte_carlo=monte_carlo,
    )
