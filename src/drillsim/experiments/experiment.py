"""Experiments (data farming): a base scenario, factors, a design, replications; results in a store.

An experiment file (YAML) names a base scenario, the factors to vary (any scenario field by path, with a
range or a list), a design, the replications per design point, the root seed and the measures to keep::

    experiment: raid-size-and-support
    scenario: ../crossing-defence.yaml      # path relative to this file, or an embedded scenario name
    seed: 2015                              # root seed of every replication
    replications: 10                        # per design point
    design: {kind: nolh}                    # full-factorial | lhs | nolh | sobol
    factors:
      units.mil/grp.count: {low: 1, high: 4, integer: true}
      environment.population.level: {low: 0.0, high: 0.6}
    measures: [first-detection, raid-broken]  # default: every measure

:func:`run_experiment` runs it on a process pool or a Dask cluster and writes one row per (design point,
replication) to a results store (:mod:`drillsim.experiments.store`); with ``resume`` it runs only the
pairs a previous, interrupted run did not finish.

Random numbers: with ``random_numbers: common`` (the default) replication ``k`` of every design point uses
the engine's replication index ``k`` under the same root seed, so design points are compared under common
random numbers (the differences between points come from the factors, not from luck: the variance of
estimated effects drops). ``independent`` gives design point ``d`` the indices ``d * R + k`` instead. Either
way a replication's numbers depend only on (seed, index), never on the executor or the worker count.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pyarrow as pa
from pydantic import Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from drillsim._version import __version__
from drillsim.core.errors import InputError, Location
from drillsim.core.suggest import closest_match
from drillsim.experiments import designs
from drillsim.experiments.executors import ChunkResult, ChunkTask, ExecutorLike, executor_from
from drillsim.experiments.store import STORE_FORMAT, ResultsStore
from drillsim.experiments.store import query as _query
from drillsim.scenario._yaml import Document, parse_yaml
from drillsim.scenario.io import _error_from_pydantic, content_hash, read_scenario, with_overrides
from drillsim.scenario.models import Scenario, Spec, renamed_measure

DesignKind = Literal["full-factorial", "lhs", "nolh", "sobol"]

_FIXED_COLUMNS = (
    "point",
    "replication",
    "stream_index",
    "seed",
    "scenario_hash",
    "drillsim_version",
)


# --- the experiment file -----------------------------------------------------------------------------------


class FactorSpec(Spec):
    """One factor: a numeric range (``low``, ``high``, optional ``integer``), ``levels`` or ``values``."""

    low: float | None = None
    """Lowest value of a numeric range."""
    high: float | None = None
    """Highest value of a numeric range."""
    integer: bool = False
    """Take whole numbers only (equal-width bins, one per integer from low to high)."""
    levels: Annotated[list[float], Field(min_length=1)] | None = None
    """A list of numeric levels to choose from."""
    values: Annotated[list[Any], Field(min_length=1)] | None = None
    """A list of values of any kind (names, numbers, mappings) to choose from."""
    name: str | None = None
    """Column name in the results (default: the field path)."""

    @model_validator(mode="after")
    def _one_form(self) -> FactorSpec:
        forms = [
            form
            for form, given in (
                ("low/high", self.low is not None or self.high is not None),
                ("levels", self.levels is not None),
                ("values", self.values is not None),
            )
            if given
        ]
        if len(forms) != 1:
            raise PydanticCustomError(
                "bounds_factor_form",
                "a factor needs exactly one of a range, levels or values",
                {
                    "expected": "{low: A, high: B}, {levels: [...]} or {values: [...]}",
                    "found": " and ".join(forms) if forms else "none of them",
                },
            )
        if forms == ["low/high"]:
            if self.low is None or self.high is None:
                missing = "high" if self.high is None else "low"
                raise PydanticCustomError(
                    "bounds_factor_range",
                    f"a range needs both low and high; '{missing}' is missing",
                    {"expected": "{low: A, high: B} with A < B"},
                )
            if not (math.isfinite(self.low) and math.isfinite(self.high)) or self.low >= self.high:
                raise PydanticCustomError(
                    "bounds_factor_range",
                    "bad range: low must be below high",
                    {"expected": "low < high, both finite", "found": f"low {self.low:g}, high {self.high:g}"},
                )
            if self.integer and not (self.low.is_integer() and self.high.is_integer()):
                raise PydanticCustomError(
                    "bounds_factor_range",
                    "an integer factor needs whole-number bounds",
                    {"expected": "whole numbers", "found": f"low {self.low:g}, high {self.high:g}"},
                )
        elif self.integer:
            raise PydanticCustomError(
                "bounds_factor_form",
                "'integer' applies to a low/high range only",
                {"expected": "integer: true together with low and high"},
            )
        return self

    def to_range(self, column: str) -> designs.FactorRange:
        if self.levels is not None:
            return designs.FactorRange(column, choices=tuple(self.levels))
        if self.values is not None:
            return designs.FactorRange(column, choices=tuple(self.values))
        assert self.low is not None  # checked by _one_form
        assert self.high is not None
        return designs.FactorRange(column, low=self.low, high=self.high, integer=self.integer)


class DesignSpec(Spec):
    """Which design, how many points, and the seed of a random design."""

    kind: DesignKind
    """full-factorial, lhs (Latin hypercube), nolh (nearly orthogonal Latin hypercube) or sobol."""
    points: Annotated[int, Field(ge=1)] | None = None
    """Design points: required for lhs and sobol (a power of two); for nolh 17, 33, 65 or 129 (default:
    the smallest that fits); not used by full-factorial (see ``levels``)."""
    levels: Annotated[int, Field(ge=2)] | None = None
    """full-factorial only: levels per numeric range (default 2); list factors use all their values."""
    seed: Annotated[int, Field(ge=0)] | None = None
    """Seed of a random design (lhs, sobol scrambling); default: the experiment's root seed."""

    @model_validator(mode="after")
    def _fits_kind(self) -> DesignSpec:
        if self.kind in ("lhs", "sobol") and self.points is None:
            raise PydanticCustomError(
                "bounds_design_points",
                f"a {self.kind} design needs 'points'",
                {"expected": "points: N" + (" (a power of two)" if self.kind == "sobol" else "")},
            )
        if self.kind == "sobol" and self.points is not None and self.points & (self.points - 1):
            raise PydanticCustomError(
                "bounds_design_points",
                "a Sobol' design needs a power of two points",
                {"expected": "points: 8, 16, 32, 64, ...", "found": str(self.points)},
            )
        if self.kind == "nolh" and self.points is not None and self.points not in designs.NOLH_SIZES:
            raise PydanticCustomError(
                "bounds_design_points",
                "a NOLH has 17, 33, 65 or 129 points",
                {"expected": "points: 17, 33, 65 or 129", "found": str(self.points)},
            )
        if self.kind == "full-factorial" and self.points is not None:
            raise PydanticCustomError(
                "bounds_design_points",
                "a full-factorial design has every combination of levels; 'points' does not apply",
                {"expected": "levels: N for the numeric ranges"},
            )
        if self.kind != "full-factorial" and self.levels is not None:
            raise PydanticCustomError(
                "bounds_design_points",
                "'levels' applies to full-factorial designs only",
                {"expected": "points: N"},
            )
        return self


class ExperimentSpec(Spec):
    """An experiment file."""

    experiment: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")]
    """The experiment's name (letters, digits, '-', '_'); names the default results directory."""
    scenario: str
    """Base scenario: a path relative to the experiment file, or an embedded scenario name."""
    factors: Annotated[dict[str, FactorSpec], Field(min_length=1)]
    """Scenario field path -> range, levels or values."""
    design: DesignSpec
    replications: Annotated[int, Field(ge=1)]
    """Replications per design point."""
    seed: Annotated[int, Field(ge=0)]
    """Root seed of every replication (recorded in every row)."""
    measures: list[str] | None = None
    """Measures to keep (default: all)."""
    until_s: Annotated[float, Field(gt=0)] | None = None
    """Stop each replication at this simulated time (default: the scenario's duration)."""
    random_numbers: Literal["common", "independent"] = "common"
    """common: replication k of every design point uses the same random numbers; independent: none shared."""
    batch: Annotated[int, Field(ge=1)] | None = None
    """Replications per chunk (one Parquet file each); default: up to 100."""


# --- a loaded experiment -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DesignPoint:
    """One row of the design: factor values and the scenario they make."""

    index: int
    values: tuple[Any, ...]
    scenario: Scenario
    scenario_hash: str


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: its file, spec, base scenario, factor columns and design points."""

    file: Path
    spec: ExperimentSpec
    base: Scenario
    base_hash: str
    factor_paths: tuple[str, ...]
    columns: tuple[str, ...]
    """Result column name of each factor."""
    points: tuple[DesignPoint, ...]
    measures: tuple[str, ...]
    unit_design: np.ndarray

    @property
    def name(self) -> str:
        return self.spec.experiment

    @property
    def replications(self) -> int:
        return self.spec.replications

    def stream_index(self, point: int, replication: int) -> int:
        """The engine's replication index (random numbers) of replication ``k`` of design point ``d``."""
        if self.spec.random_numbers == "common":
            return replication
        return point * self.spec.replications + replication

    def pairs(self) -> list[tuple[int, int]]:
        """Every (design point, replication) pair, in order."""
        return [(p.index, k) for p in self.points for k in range(self.replications)]

    @property
    def batch(self) -> int:
        """Replications per chunk: the file's ``batch``, or up to 100."""
        return self.spec.batch or min(self.replications, 100)

    def check_budget(
        self, *, concurrent: int | None = None, memory_budget: float | None = None, force: bool = False
    ) -> None:
        """Refuse an experiment that will not fit, before anything is allocated (see
        :func:`drillsim.engine.budget.check_budget`): memory of the largest design point's chunk times
        ``concurrent`` workers against ``memory_budget``, and steps over every design point and replication
        against the step limit (lifted by ``force``)."""
        from drillsim.engine.budget import check_budget

        check_budget(
            [p.scenario for p in self.points],
            replications=min(self.batch, self.replications),
            concurrent=concurrent,
            total=self.replications,
            memory_budget=memory_budget,
            force=force,
            until_s=self.spec.until_s,
            name=f"experiment '{self.name}'",
        )

    def tasks(self, missing: Sequence[tuple[int, int]]) -> list[ChunkTask]:
        """Chunks covering exactly the ``missing`` pairs: runs of consecutive replications, batch-sized."""
        batch = self.batch
        by_point: dict[int, list[int]] = {}
        for point, rep in sorted(missing):
            by_point.setdefault(point, []).append(rep)
        out: list[ChunkTask] = []
        for point, reps in by_point.items():
            runs: list[list[int]] = []
            for rep in reps:
                if runs and rep == runs[-1][-1] + 1 and len(runs[-1]) < batch:
                    runs[-1].append(rep)
                else:
                    runs.append([rep])
            for run in runs:
                out.append(
                    ChunkTask(
                        point=point,
                        replications=tuple(run),
                        stream_indices=tuple(self.stream_index(point, r) for r in run),
                        scenario=self.points[point].scenario,
                        seed=self.spec.seed,
                        until_s=self.spec.until_s,
                    )
                )
        return out

    def manifest(self) -> dict[str, Any]:
        """What the store records about the experiment; ``fingerprint`` hashes all results depend on."""
        setup = {
            "experiment": self.name,
            "drillsim_version": __version__,
            "scenario": self.base.name,
            "scenario_hash": self.base_hash,
            "seed": self.spec.seed,
            "random_numbers": self.spec.random_numbers,
            "replications": self.replications,
            "until_s": self.spec.until_s,
            "factors": [
                {"path": path, "column": column, **self.spec.factors[path].model_dump(mode="json")}
                for path, column in zip(self.factor_paths, self.columns, strict=True)
            ],
            "design": {
                **self.spec.design.model_dump(mode="json"),
                "points": len(self.points),
                "values": [[_jsonable(v) for v in p.values] for p in self.points],
            },
            "point_scenario_hashes": [p.scenario_hash for p in self.points],
            "measures": list(self.measures),
        }
        canonical = json.dumps(setup, sort_keys=True, separators=(",", ":"), default=str)
        fingerprint = "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        return {
            "store_format": STORE_FORMAT,
            **setup,
            "experiment_file": str(self.file),
            "fingerprint": fingerprint,
            "rows_expected": len(self.points) * self.replications,
        }

    def factor_types(self) -> list[pa.DataType]:
        """Arrow type of each factor column: integers, floats, text, booleans, or JSON text for the rest."""
        types: list[pa.DataType] = []
        for path in self.factor_paths:
            spec = self.spec.factors[path]
            if spec.values is not None:
                types.append(_values_type(spec.values))
            elif spec.integer:
                types.append(pa.int64())
            else:
                types.append(pa.float64())
        return types

    def design_table(self) -> pa.Table:
        """One row per design point: ``point``, factor columns, ``scenario_hash``."""
        types = self.factor_types()
        columns: dict[str, pa.Array] = {"point": pa.array([p.index for p in self.points], type=pa.int64())}
        for j, (column, kind) in enumerate(zip(self.columns, types, strict=True)):
            columns[column] = pa.array([_cell(p.values[j], kind) for p in self.points], type=kind)
        columns["scenario_hash"] = pa.array([p.scenario_hash for p in self.points], type=pa.string())
        return pa.table(columns)

    def result_table(self, result: ChunkResult) -> pa.Table:
        """The rows of one finished chunk, columns in a fixed order."""
        task = result.task
        n = len(task.replications)
        point = self.points[task.point]
        columns: dict[str, pa.Array] = {
            "point": pa.array([task.point] * n, type=pa.int64()),
            "replication": pa.array(task.replications, type=pa.int64()),
            "stream_index": pa.array(task.stream_indices, type=pa.int64()),
            "seed": pa.array([task.seed] * n, type=pa.uint64()),
        }
        for j, (column, kind) in enumerate(zip(self.columns, self.factor_types(), strict=True)):
            columns[column] = pa.array([_cell(point.values[j], kind)] * n, type=kind)
        columns["scenario_hash"] = pa.array([point.scenario_hash] * n, type=pa.string())
        columns["drillsim_version"] = pa.array([__version__] * n, type=pa.string())
        for name in self.measures:
            columns[name] = pa.array(np.asarray(result.measures[name], dtype=np.float64), type=pa.float64())
        return pa.table(columns)


def _jsonable(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _values_type(values: Sequence[Any]) -> pa.DataType:
    if all(isinstance(v, bool) for v in values):
        return pa.bool_()
    if all(isinstance(v, str) for v in values):
        return pa.string()
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return pa.float64()
    return pa.string()  # mappings and mixed lists: stored as JSON text


def _cell(value: Any, kind: pa.DataType) -> Any:
    if kind == pa.string() and not isinstance(value, str):
        return json.dumps(value, sort_keys=True)
    if kind == pa.float64():
        return float(value)
    return value


# --- loading -----------------------------------------------------------------------------------------------


def _read_document(path: Path) -> Document:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"no experiment file '{path}'", expected="a path to a YAML file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file: {exc}", location=Location(str(path))) from None
    doc = parse_yaml(text, file=str(path))
    if not isinstance(doc.data, dict):
        raise InputError(
            "an experiment file must be a mapping of fields",
            location=Location(doc.file, 1, 1),
            expected="keys experiment, scenario, factors, design, replications, seed",
        )
    return doc


def _load_base(spec: ExperimentSpec, doc: Document, folder: Path) -> Scenario:
    candidate = Path(spec.scenario)
    source = candidate if candidate.is_absolute() else folder / candidate
    try:
        return read_scenario(source if source.is_file() else spec.scenario).scenario
    except InputError as exc:
        if exc.location is not None:
            raise  # a problem inside the scenario file: its own location says where
        raise InputError(
            exc.message,
            location=doc.marks.locate(("scenario",)),
            path="scenario",
            expected=exc.expected,
            found=exc.found,
            suggestion=exc.suggestion,
        ) from None


def _factor_error(exc: InputError, doc: Document, path: str, *, prefix: str = "") -> InputError:
    """A scenario-override error re-pointed at the factor's line in the experiment file."""
    return InputError(
        prefix + exc.message,
        location=doc.marks.locate(("factors", path), prefer_key=True),
        path=f"factors.{path}",
        expected=exc.expected,
        found=exc.found,
        suggestion=exc.suggestion,
    )


def _measure_names(base: Scenario) -> list[str]:
    """Every measure the engine reports for this scenario (a zero-length run, nothing simulated)."""
    from drillsim.engine.simulation import Simulation

    return list(Simulation(base, rng=0, replications=1).outcomes().measures)


def _unit_design(spec: ExperimentSpec, ranges: Sequence[designs.FactorRange]) -> np.ndarray:
    d = spec.design
    rng = np.random.default_rng(spec.seed if d.seed is None else d.seed)
    if d.kind == "full-factorial":
        levels = [r.count if r.choices is not None else (d.levels or 2) for r in ranges]
        return designs.full_factorial([int(k or 2) for k in levels])
    if d.kind == "lhs":
        assert d.points is not None
        return designs.latin_hypercube(d.points, len(ranges), rng=rng)
    if d.kind == "sobol":
        assert d.points is not None
        return designs.sobol_sequence(d.points, len(ranges), rng=rng)
    return designs.nolh(len(ranges), points=d.points)


def load_experiment(path: str | Path) -> Experiment:
    """Read and check an experiment file: its fields, base scenario, factor paths, design and measures.

    Every design point's scenario is built and validated here, before anything runs. Raises InputError
    naming file, line and field.
    """
    file = Path(path)
    doc = _read_document(file)
    try:
        spec = ExperimentSpec.model_validate(doc.data)
    except ValidationError as exc:
        raise _error_from_pydantic(exc, doc) from None
    base = _load_base(spec, doc, file.parent)

    paths = tuple(spec.factors)
    columns = tuple(spec.factors[p].name or p for p in paths)
    ranges = [spec.factors[p].to_range(c) for p, c in zip(paths, columns, strict=True)]
    for p, column in zip(paths, columns, strict=True):
        if column in _FIXED_COLUMNS or columns.count(column) > 1:
            raise InputError(
                f"column name '{column}' is taken",
                location=doc.marks.locate(("factors", p), prefer_key=True),
                path=f"factors.{p}",
                expected="a factor name different from the other factors and from "
                + ", ".join(_FIXED_COLUMNS),
            )
        try:  # the path exists and takes the factor's first value
            with_overrides(base, {p: ranges[paths.index(p)].value(0.0)})
        except InputError as exc:
            raise _factor_error(exc, doc, p) from None

    try:
        unit = _unit_design(spec, ranges)
    except ValueError as exc:
        raise InputError(str(exc), location=doc.marks.locate(("design",)), path="design") from None
    points: list[DesignPoint] = []
    source = f"experiment {spec.experiment}"
    for index, row in enumerate(designs.scale_design(unit, ranges)):
        overrides = dict(zip(paths, row, strict=True))
        try:
            scenario = with_overrides(base, overrides, source=source)
        except InputError as exc:
            bad = exc.path if exc.path in overrides else paths[0]
            raise _factor_error(
                exc, doc, bad, prefix=f"design point {index} sets {bad} to {overrides.get(bad)!r}: "
            ) from None
        points.append(DesignPoint(index, tuple(row), scenario, content_hash(scenario)))

    # Measures last: finding them builds the base scenario's world, and a design point refused above
    # (10^12 elements) must be refused before anything is allocated.
    available = _measure_names(base)
    if spec.measures is None:
        measures = available
    else:
        for i, name in enumerate(spec.measures):
            if name not in available:
                raise InputError(
                    f"unknown measure '{name}'",
                    location=doc.marks.locate(("measures", i)),
                    path=f"measures[{i}]",
                    expected="one of " + ", ".join(available),
                    suggestion=renamed_measure(name) or closest_match(name, available),
                )
            if name in columns:
                raise InputError(
                    f"measure '{name}' has the name of a factor column",
                    location=doc.marks.locate(("measures", i)),
                    path=f"measures[{i}]",
                    expected="factor names (factors.PATH.name) different from the measures",
                )
        measures = list(dict.fromkeys(spec.measures))

    return Experiment(
        file=file,
        spec=spec,
        base=base,
        base_hash=content_hash(base),
        factor_paths=paths,
        columns=columns,
        points=tuple(points),
        measures=tuple(measures),
        unit_design=unit,
    )


# --- running -----------------------------------------------------------------------------------------------


def _with_progress(
    results: Iterator[ChunkResult], total: int, done: int, label: str
) -> Iterator[ChunkResult]:
    """Show a rich progress bar (pairs done, rate, elapsed, ETA) on stderr while results arrive."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        Task,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task: Task) -> Text:
            speed = task.finished_speed or task.speed
            return Text("-- runs/s" if speed is None else f"{speed:.1f} runs/s")

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    with progress:
        bar = progress.add_task(label, total=total, completed=done)
        for result in results:
            yield result
            progress.advance(bar, len(result.task.replications))


def run_experiment(
    path: str | Path | Experiment,
    *,
    resume: bool = False,
    executor: ExecutorLike = None,
    store: str | Path | None = None,
    progress: bool = False,
    memory_budget: float | None = None,
    force: bool = False,
) -> Path:
    """Run an experiment file; returns the results store directory.

    ``store`` defaults to ``runs/<experiment name>``. ``resume`` continues an interrupted run into the same
    store: only (design point, replication) pairs without results run. ``executor`` runs the chunks: a
    number of local worker processes, None for one per CPU, or an
    :class:`~drillsim.experiments.executors.Executor` such as ``DaskCluster(local_workers=4)`` (left open
    for the caller to close). Results are identical whichever.
    ``progress`` shows a progress bar on stderr. ``path`` may also be an experiment already loaded with
    :func:`load_experiment`.

    Before anything is allocated, the experiment's cost is estimated (:meth:`Experiment.check_budget`):
    above ``memory_budget`` bytes (default: the memory available now) or the step limit (unless ``force``)
    it is refused with a UserError giving the estimate.
    """
    experiment = path if isinstance(path, Experiment) else load_experiment(path)
    if isinstance(executor, int) and not isinstance(executor, bool):
        concurrent: int | None = executor
    elif executor is None:
        concurrent = os.cpu_count() or 1
    else:
        concurrent = getattr(executor, "slots", None)
    experiment.check_budget(concurrent=concurrent, memory_budget=memory_budget, force=force)
    directory = Path(store) if store is not None else Path("runs") / experiment.name
    results = ResultsStore.open(
        directory, manifest=experiment.manifest(), design=experiment.design_table(), resume=resume
    )
    finished = results.finished_pairs()
    missing = sorted(set(experiment.pairs()) - set(finished))
    tasks = experiment.tasks(missing)
    total = len(experiment.pairs())
    started = time.time()
    ran = 0
    description = "nothing to run"
    if tasks:
        with executor_from(executor) as runner:
            description = runner.description
            stream = runner.run(tasks)
            if progress:
                stream = _with_progress(stream, total, total - len(missing), experiment.name)
            for result in stream:
                table = experiment.result_table(result)
                results.write_chunk(result.task.point, result.task.replications, table)
                ran += table.num_rows
    results.log_run(
        {
            "executor": description,
            "pairs_run": ran,
            "pairs_already_done": total - len(missing),
            "seconds": round(time.time() - started, 3),
            "resumed": resume,
        }
    )
    _check_complete(results, experiment)
    return directory


def _check_complete(results: ResultsStore, experiment: Experiment) -> None:
    pairs = results.finished_pairs()
    expected = set(experiment.pairs())
    if len(pairs) != len(set(pairs)) or set(pairs) != expected:
        from drillsim.core.errors import DrillsimError

        raise DrillsimError(
            f"results store {results.directory} holds {len(pairs)} rows for {len(expected)} expected "
            f"(design point, replication) pairs"
        )


def query_results(store: str | Path, sql: str) -> pa.Table:
    """Run DuckDB SQL over a results store (views ``results`` and ``design``); an Arrow table back."""
    return _query(store, sql)
