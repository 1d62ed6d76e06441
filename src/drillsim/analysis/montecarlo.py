"""Monte Carlo: many replications of one scenario, summarised with confidence intervals.

Replications run in batches of consecutive replication indices (0, 1, 2, ...). A replication's random
numbers depend only on the root seed and its index, so 300 replications run as one batch or as three batches
of 100 give identical rows, and a run can be extended later without changing what it already holds.

Per measure the summary gives how many replications had a value, the mean, median, 5th and 95th
percentiles, the standard deviation and a confidence interval for the mean: Student's t interval, or for
0/1 measures (``objective-achieved``) Wilson's score interval. With ``precision`` the run keeps adding
batches until every named measure's interval half-width is at or below its target (sequential stopping,
Law 2015, section 9.4.1) or ``max_replications`` is reached. Equations and sources: docs/monte-carlo.md.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from numpy.typing import ArrayLike, NDArray

from drillsim.core.errors import UserError
from drillsim.core.random import root_seed
from drillsim.core.suggest import closest_match
from drillsim.engine.simulation import Simulation
from drillsim.engine.world import build_world
from drillsim.scenario.io import content_hash, load_scenario
from drillsim.scenario.models import Scenario

__all__ = [
    "BINARY_KINDS",
    "TIME_KINDS",
    "MeasureStatistics",
    "MonteCarloResult",
    "PrecisionCheck",
    "measure_kinds",
    "monte_carlo",
    "summarize",
    "t_interval",
    "wilson_interval",
]

FloatArray = NDArray[np.float64]

DEFAULT_REPLICATIONS = 100
"""Replications run when neither ``replications`` nor ``precision`` is given."""
DEFAULT_BATCH = 200
"""Replications advanced together; the engine's throughput per replication is best around 100-250."""
DEFAULT_MAX_REPLICATIONS = 10_000
"""The cap of sequential stopping."""

BINARY_KINDS = frozenset({"objective-achieved"})
"""Measure kinds whose value is 0 or 1 in every replication (an event happened or not)."""
TIME_KINDS = frozenset({"time-to-first-detection", "time-to-locate", "objective-time", "time-in-place"})
"""Measure kinds that are the time of an event; no value (NaN) means the event never happened."""


# --- intervals ----------------------------------------------------------------------------------------------


def t_interval(values: ArrayLike, confidence: float = 0.95) -> tuple[float, float]:
    """Student's t confidence interval for the mean of independent values; NaN bounds below two values.

    ``mean +- t(1 - a/2, n - 1) * s / sqrt(n)`` with ``a = 1 - confidence`` and ``s`` the sample
    standard deviation (ddof 1).
    """
    from scipy.stats import t as student_t

    v = np.asarray(values, dtype=np.float64)
    n = len(v)
    if n < 2:
        return (math.nan, math.nan)
    mean = float(v.mean())
    sd = float(v.std(ddof=1))
    half = float(student_t.ppf(0.5 + confidence / 2.0, n - 1)) * sd / math.sqrt(n)
    return (mean - half, mean + half)


def wilson_interval(successes: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson's score interval for a binomial proportion (Wilson 1927); NaN bounds when ``n`` is 0.

    ``(p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)`` with ``p = successes / n``. Unlike the
    normal ("Wald") interval it stays inside [0, 1] and keeps a sensible width when ``p`` is 0 or 1.
    """
    from scipy.stats import norm

    if n <= 0:
        return (math.nan, math.nan)
    z = float(norm.ppf(0.5 + confidence / 2.0))
    p = successes / n
    z2n = z * z / n
    centre = (p + z2n / 2.0) / (1.0 + z2n)
    half = z / (1.0 + z2n) * math.sqrt(p * (1.0 - p) / n + z2n / (4.0 * n))
    low = 0.0 if successes <= 0 else max(0.0, centre - half)
    high = 1.0 if successes >= n else min(1.0, centre + half)
    return (low, high)


@dataclass(frozen=True)
class MeasureStatistics:
    """The summary of one measure over the replications that gave it a value."""

    measure: str
    kind: str | None
    binary: bool
    n: int
    """Replications in which the measure has a value."""
    of: int
    """Replications run."""
    mean: float
    median: float
    p05: float
    p95: float
    std: float
    ci_low: float
    ci_high: float
    confidence: float
    method: Literal["t", "wilson"]

    @property
    def half_width(self) -> float:
        """Half the width of the confidence interval (NaN when there is no interval)."""
        return (self.ci_high - self.ci_low) / 2.0

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["half_width"] = self.half_width
        return out


def summarize(
    values: ArrayLike,
    *,
    measure: str = "",
    kind: str | None = None,
    binary: bool | None = None,
    confidence: float = 0.95,
) -> MeasureStatistics:
    """Summarise one measure's per-replication values (NaN = no value in that replication).

    ``binary`` defaults to whether ``kind`` is a 0/1 kind; binary measures get a Wilson interval, the
    others a t interval.
    """
    if not 0.0 < confidence < 1.0:
        raise UserError(f"confidence must be between 0 and 1 (exclusive), got {confidence}")
    v = np.asarray(values, dtype=np.float64)
    ok = v[np.isfinite(v)]
    is_binary = (kind in BINARY_KINDS) if binary is None else binary
    n = len(ok)
    nan = math.nan
    if n:
        mean, median = float(ok.mean()), float(np.median(ok))
        p05, p95 = float(np.quantile(ok, 0.05)), float(np.quantile(ok, 0.95))
        std = float(ok.std(ddof=1)) if n > 1 else nan
    else:
        mean = median = p05 = p95 = std = nan
    if is_binary:
        low, high = wilson_interval(float(ok.sum()), n, confidence)
    else:
        low, high = t_interval(ok, confidence)
    return MeasureStatistics(
        measure=measure,
        kind=kind,
        binary=is_binary,
        n=n,
        of=len(v),
        mean=mean,
        median=median,
        p05=p05,
        p95=p95,
        std=std,
        ci_low=low,
        ci_high=high,
        confidence=confidence,
        method="wilson" if is_binary else "t",
    )


# --- precision targets --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrecisionCheck:
    """A precision target for one measure and whether the final interval met it.

    With ``relative`` the target half-width is ``target * |mean|``; otherwise ``target`` itself, in the
    measure's own unit (seconds, people, a fraction of runs for 0/1 measures).
    """

    measure: str
    target: float
    relative: bool
    required_half_width: float
    """The half-width the target asks for, in the measure's unit."""
    half_width: float
    """The half-width reached."""
    met: bool


def _check(stats: MeasureStatistics, target: float, relative: bool) -> PrecisionCheck:
    hw = stats.half_width
    bound = target * abs(stats.mean) if relative else target
    met = bool(np.isfinite(hw) and np.isfinite(bound) and hw <= bound)
    return PrecisionCheck(stats.measure, target, relative, bound, hw, met)


def _projected_n(stats: MeasureStatistics, check: PrecisionCheck) -> int | None:
    """Replications needed for the target if the spread stays as it is (half-width falls as 1/sqrt(n))."""
    bound = check.required_half_width
    hw = check.half_width
    if not (np.isfinite(hw) and np.isfinite(bound) and bound > 0 and stats.n > 0):
        return None
    return math.ceil(stats.of * (hw / bound) ** 2)


# --- running ------------------------------------------------------------------------------------------------


def measure_kinds(scenario: Scenario, names: Sequence[str]) -> dict[str, str | None]:
    """The kind of each measure name (the standard ``personnel_lost.SIDE`` measures are losses)."""
    out: dict[str, str | None] = {}
    for name in names:
        spec = scenario.measures.get(name)
        if spec is not None:
            out[name] = spec.kind
        elif name.startswith("personnel_lost."):
            out[name] = "losses"
        else:
            out[name] = None
    return out


def _resolve(scenario: Scenario | str) -> Scenario:
    return load_scenario(scenario) if isinstance(scenario, str) else scenario


class _Runner:
    """Runs consecutive batches of one scenario with one root seed; the compiled world is built once."""

    def __init__(self, scenario: Scenario, seed: int) -> None:
        self.scenario = scenario
        self.seed = seed
        self.world = build_world(scenario)
        self.header: dict[str, Any] = {}

    def run(self, indices: NDArray[np.int64]) -> pa.Table:
        reps: list[int] = indices.tolist()
        sim = Simulation(self.scenario, rng=self.seed, replications=reps, world=self.world)
        outcomes = sim.run()
        if not self.header:
            self.header = dict(outcomes.header)
        return outcomes.to_arrow()


class _RateColumn:
    """Factory for a rich column showing replications per second."""

    @staticmethod
    def make() -> Any:
        from rich.progress import ProgressColumn, Task
        from rich.text import Text

        class RateColumn(ProgressColumn):
            def render(self, task: Task) -> Text:
                speed = task.finished_speed or task.speed
                return Text("-- runs/s" if speed is None else f"{speed:,.1f} runs/s")

        return RateColumn()


ProgressCallback = Callable[[int, int], None]


@contextmanager
def progress_bar(show: bool | None, description: str) -> Iterator[ProgressCallback]:
    """A rich progress bar (done/total, rate, elapsed, ETA) on stderr, or a no-op.

    ``show=None`` shows it when stderr is a terminal. Yields ``update(done, total)``.
    """
    if show is None:
        show = sys.stderr.isatty()
    if not show:
        yield lambda done, total: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn.make(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


Stopped = Literal["fixed", "precision", "cap"]


@dataclass(frozen=True)
class MonteCarloResult:
    """Replications of one scenario: the per-replication table and the summary of every measure."""

    scenario_name: str
    scenario_hash: str
    seed: int
    table: pa.Table
    """One row per replication: ``replication``, ``seed``, then one float column per measure (NaN = none)."""
    statistics: dict[str, MeasureStatistics]
    confidence: float
    precision: dict[str, PrecisionCheck]
    """The precision targets (empty without ``precision``) and whether each was met."""
    stopped: Stopped
    """``fixed``: ran the replications asked for; ``precision``: every target met; ``cap``: hit the cap."""
    batches: int
    elapsed_s: float
    header: dict[str, Any]

    @property
    def n(self) -> int:
        """Replications run."""
        return int(self.table.num_rows)

    @property
    def measures(self) -> dict[str, FloatArray]:
        """Measure name -> values, one per replication in replication order."""
        return {
            name: np.asarray(self.table.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)
            for name in self.statistics
        }

    @property
    def targets_met(self) -> bool:
        """Whether every precision target was met (True when there were none)."""
        return all(c.met for c in self.precision.values())

    def summary(self) -> list[dict[str, Any]]:
        """One plain dict per measure: the statistics, plus the precision target and whether it was met."""
        rows: list[dict[str, Any]] = []
        for name, stats in self.statistics.items():
            row = stats.as_dict()
            check = self.precision.get(name)
            row["target"] = None if check is None else check.target
            row["relative"] = None if check is None else check.relative
            row["target_met"] = None if check is None else check.met
            row["required_half_width"] = None if check is None else check.required_half_width
            rows.append(row)
        return rows

    def to_arrow(self) -> pa.Table:
        return self.table

    def to_json(self) -> dict[str, Any]:
        """Everything but the per-replication rows, as JSON-ready data (NaN becomes null)."""
        data: dict[str, Any] = _jsonable(
            {
                "header": self.header,
                "scenario": self.scenario_name,
                "scenario_hash": self.scenario_hash,
                "seed": self.seed,
                "replications": self.n,
                "batches": self.batches,
                "stopped": self.stopped,
                "confidence": self.confidence,
                "elapsed_s": self.elapsed_s,
                "measures": self.summary(),
            }
        )
        return data

    def write(self, directory: str | Path) -> Path:
        """Write ``replications.parquet`` and ``summary.json`` into ``directory``, each atomically."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        table = self.table.replace_schema_metadata(
            {b"drillsim.header": json.dumps(self.header, sort_keys=True).encode("utf-8")}
        )
        write_parquet_atomic(table, out / "replications.parquet")
        write_json_atomic(self.to_json(), out / "summary.json")
        return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    return value


def write_json_atomic(data: Any, path: Path) -> None:
    """Write JSON to a temporary name beside ``path`` and rename it into place."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(_jsonable(data), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def write_parquet_atomic(table: pa.Table, path: Path) -> None:
    """Write a Parquet file to a temporary name beside ``path`` and rename it into place."""
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def _targets(
    precision: float | Mapping[str, float] | None, measures: Sequence[str], available: Sequence[str]
) -> dict[str, float]:
    if precision is None:
        return {}
    if isinstance(precision, Mapping):
        targets = {str(k): float(v) for k, v in precision.items()}
    else:
        targets = dict.fromkeys(measures, float(precision))
    for name, value in targets.items():
        if name not in available:
            hint = closest_match(name, available)
            raise UserError(
                f"precision target for unknown measure '{name}'; the scenario's measures are "
                + ", ".join(available)
                + (f". Did you mean '{hint}'?" if hint else ".")
            )
        if not value > 0:
            raise UserError(f"precision target for '{name}' must be positive, got {value}")
    return targets


def monte_carlo(
    scenario: Scenario | str,
    *,
    replications: int | None = None,
    rng: int | np.random.Generator | None = None,
    precision: float | Mapping[str, float] | None = None,
    relative: bool = False,
    confidence: float = 0.95,
    batch: int = DEFAULT_BATCH,
    max_replications: int = DEFAULT_MAX_REPLICATIONS,
    measures: Sequence[str] | None = None,
    progress: bool | None = None,
) -> MonteCarloResult:
    """Run replications 0, 1, 2, ... of a scenario in batches and summarise every measure.

    Without ``precision``: run ``replications`` (default 100). With ``precision`` (one target half-width
    for every measure in ``measures``, or for every measure when ``measures`` is None; or a mapping
    measure -> target): run ``replications`` first (default: one batch), then add batches until every
    target's confidence-interval half-width is at or below it, or ``max_replications`` have run.
    ``relative=True`` reads targets as fractions of each measure's |mean|. ``measures`` limits the measures
    kept (precision targets' measures are always kept). ``progress`` shows a progress bar (None: when
    stderr is a terminal).
    """
    if not 0.0 < confidence < 1.0:
        raise UserError(f"confidence must be between 0 and 1 (exclusive), got {confidence}")
    if batch < 1:
        raise UserError(f"batch must be at least 1, got {batch}")
    if replications is not None and replications < 1:
        raise UserError(f"replications must be at least 1, got {replications}")
    scen = _resolve(scenario)
    seed = root_seed(rng)
    runner = _Runner(scen, seed)
    started = time.perf_counter()

    first = runner.run(np.arange(min(batch, replications or batch), dtype=np.int64))
    available = [c for c in first.column_names if c not in ("replication", "seed")]
    if measures is not None:
        for name in measures:
            if name not in available:
                hint = closest_match(name, available)
                raise UserError(
                    f"unknown measure '{name}'; the scenario's measures are "
                    + ", ".join(available)
                    + (f". Did you mean '{hint}'?" if hint else ".")
                )
    targets = _targets(precision, list(measures) if measures is not None else available, available)
    keep = list(measures) if measures is not None else list(available)
    keep += [name for name in targets if name not in keep]
    kinds = measure_kinds(scen, keep)
    if targets:
        planned = replications or batch
        cap = max(int(max_replications), planned)
    else:
        planned = replications or DEFAULT_REPLICATIONS
        cap = planned

    def project(tables: list[pa.Table]) -> pa.Table:
        return pa.concat_tables(tables).select(["replication", "seed", *keep])

    tables = [first]
    done = first.num_rows
    batches = 1
    checks: dict[str, PrecisionCheck] = {}
    stopped: Stopped = "fixed"
    with progress_bar(progress, f"{scen.name}") as update:
        total = planned
        update(done, total)
        while True:
            while done < planned:
                size = min(batch, planned - done)
                tables.append(runner.run(np.arange(done, done + size, dtype=np.int64)))
                done += size
                batches += 1
                update(done, total)
            if not targets:
                break
            table = project(tables)
            stats = _statistics(table, kinds, confidence)
            checks = {name: _check(stats[name], t, relative) for name, t in targets.items()}
            if all(c.met for c in checks.values()):
                stopped = "precision"
                break
            if done >= cap:
                stopped = "cap"
                break
            planned = min(cap, done + batch)
            needs = [_projected_n(stats[n], c) for n, c in checks.items() if not c.met]
            guess = max((x for x in needs if x is not None), default=cap)
            total = max(planned, min(cap, guess))
            update(done, total)

    table = project(tables)
    stats = _statistics(table, kinds, confidence)
    header = dict(runner.header)
    header["replications"] = {"first": 0, "count": int(table.num_rows)}
    header["analysis"] = {
        "kind": "monte-carlo",
        "confidence": confidence,
        "batch": batch,
        "precision": targets or None,
        "relative": relative,
        "max_replications": cap if targets else None,
    }
    return MonteCarloResult(
        scenario_name=scen.name,
        scenario_hash=content_hash(scen),
        seed=seed,
        table=table,
        statistics=stats,
        confidence=confidence,
        precision=checks,
        stopped=stopped,
        batches=batches,
        elapsed_s=time.perf_counter() - started,
        header=header,
    )


def _statistics(
    table: pa.Table, kinds: Mapping[str, str | None], confidence: float
) -> dict[str, MeasureStatistics]:
    out: dict[str, MeasureStatistics] = {}
    for name, kind in kinds.items():
        values = np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)
        out[name] = summarize(values, measure=name, kind=kind, confidence=confidence)
    return out


def run_replications(
    scenario: Scenario,
    *,
    seed: int,
    indices: NDArray[np.int64],
    batch: int = DEFAULT_BATCH,
    update: ProgressCallback | None = None,
    offset: int = 0,
    total: int = 0,
) -> tuple[pa.Table, dict[str, Any]]:
    """Run the given replication indices in batches; the per-replication table and the run header."""
    runner = _Runner(scenario, seed)
    tables: list[pa.Table] = []
    for start in range(0, len(indices), batch):
        tables.append(runner.run(indices[start : start + batch]))
        if update is not None:
            update(offset + min(start + batch, len(indices)), total or len(indices))
    return pa.concat_tables(tables), runner.header
