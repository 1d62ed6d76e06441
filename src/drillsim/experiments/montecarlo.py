"""Monte Carlo: many replications of one scenario, summarised with confidence intervals.

Replications run in batches of consecutive replication indices (0, 1, 2, ...), each batch a chunk on an
executor (:mod:`drillsim.experiments.executors`: a local process pool by default, or Dask). A replication's
random numbers depend only on the root seed and its index, so 300 replications run as one batch or as three
batches of 100, on one worker or many, give identical rows, and a run can be extended later without
changing what it already holds.

Per measure the summary gives how many replications had a value, the mean, median, 5th and 95th
percentiles, the standard deviation and a confidence interval for the mean: Student's t interval, or for
0/1 measures (``objective-achieved``) Wilson's score interval. With ``precision`` the run keeps adding
batches until every named measure's interval half-width is at or below its target (sequential stopping,
Law 2015, section 9.4.1) or ``max_replications`` is reached. Equations and sources: docs/monte-carlo.md.

With ``record`` a few replications, spread over the first measure's distribution, are run again by index
with an event log, so that a written result directory can be replayed and reported on
(:mod:`drillsim.report`).
"""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from numpy.typing import ArrayLike, NDArray

from drillsim.core.compiled import watch_compilation
from drillsim.core.display import Rows, html_block, html_table, short_repr, units_of, with_units
from drillsim.core.errors import InputError, Location, UserError
from drillsim.core.files import write_atomically, write_text_atomically
from drillsim.core.manifest import mark_incomplete, remove_stale, write_manifest
from drillsim.core.random import root_seed
from drillsim.core.suggest import closest_match
from drillsim.experiments.executors import ChunkResult, ChunkTask, ExecutorLike, executor_from
from drillsim.scenario.io import content_hash, load_scenario, scenario_to_yaml
from drillsim.scenario.models import Scenario, measure_units, renamed_measure, standard_measures

if TYPE_CHECKING:
    from drillsim.engine.simulation import Outcomes

__all__ = [
    "BINARY_KINDS",
    "TIME_KINDS",
    "MeasureStatistics",
    "MonteCarloResult",
    "PrecisionCheck",
    "measure_kinds",
    "monte_carlo",
    "quantile_interval",
    "read_monte_carlo",
    "sample_replications",
    "summarize",
    "t_interval",
    "wilson_interval",
]

FloatArray = NDArray[np.float64]

DEFAULT_REPLICATIONS = 100
"""Replications run when neither ``replications`` nor ``precision`` is given."""
DEFAULT_BATCH = 250
"""Replications advanced together. Each step has a fixed cost whatever the batch, so the time per
replication falls with the batch size up to about 300 and is flat beyond (``khatlon-2015-v1``, one
process: 0.124 s at 100, 0.115 s at 200, 0.108 s at 334, 0.110 s at 500); 250 keeps batches small enough
for progress and sequential stopping (1,000 replications on two workers: four batches)."""
DEFAULT_MAX_REPLICATIONS = 10_000
"""The cap of sequential stopping."""
DEFAULT_SAMPLE_S = 300.0
"""How often recorded replications log each unit's position (seconds), as ``drillsim run`` does."""
RECORDED_BATCH = 3
"""Recorded replications run at once (the default ``record``, 3, in one batch): each step of a batch has a
cost whatever its size, so one batch of three costs less than the two of ``drillsim run``'s ``RECORD_BATCH``
(``python -m benchmarks.recorded``); memory holds the events of three replications instead of two."""

REPLICATIONS_FILE = "replications.parquet"
"""One row per replication (written by :meth:`MonteCarloResult.write`)."""
SUMMARY_FILE = "summary.json"
"""The statistics of every measure and the run's header (written by :meth:`MonteCarloResult.write`)."""

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


def quantile_interval(values: ArrayLike, q: float, confidence: float = 0.95) -> tuple[float, float]:
    """Distribution-free confidence interval for the ``q``-quantile of independent values (order statistics).

    The number of values below the true quantile is binomial ``B(n, q)``, whatever the distribution
    (Conover 1999, chapter 3). With ``a = (1 - confidence) / 2`` and ``x_(1) <= ... <= x_(n)`` the sorted
    values, the interval is ``[x_(l), x_(u)]`` with ``l`` the largest index for which ``P(B < l) <= a`` and
    ``u`` the smallest for which ``P(B >= u) <= a``, so it covers the quantile with probability at least
    ``confidence`` (at least, because ``B`` is discrete). When the values are too few for an order
    statistic to lie that far out (for the 5th percentile, fewer than 72 values), the bound is infinite:
    the data cannot place the quantile on that side. NaN values are left out; NaN bounds when none is left.
    """
    from scipy.stats import binom

    if not 0.0 < q < 1.0:
        raise UserError(f"quantile must be between 0 and 1 (exclusive), got {q}")
    v = np.sort(np.asarray(values, dtype=np.float64).ravel())
    v = v[np.isfinite(v)]
    n = len(v)
    if n == 0:
        return (math.nan, math.nan)
    a = (1.0 - confidence) / 2.0
    cdf = binom.cdf(np.arange(n + 1), n, q)  # cdf[j] = P(B <= j) = P(B < j + 1)
    below = np.flatnonzero(cdf <= a)
    low_index = int(below[-1]) + 1 if below.size else 0  # 1-based; 0: no order statistic is low enough
    high_index = int(np.flatnonzero(1.0 - cdf <= a)[0]) + 1  # P(B >= j + 1) <= a; n + 1: none high enough
    low = float(v[low_index - 1]) if low_index >= 1 else -math.inf
    high = float(v[high_index - 1]) if high_index <= n else math.inf
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
    """The kind of each measure name (the standard ``losses-SIDE`` measures are losses)."""
    standard = standard_measures(scenario)
    out: dict[str, str | None] = {}
    for name in names:
        spec = scenario.measures.get(name)
        out[name] = spec.kind if spec is not None else standard.get(name)
    return out


def _resolve(scenario: Scenario | str) -> Scenario:
    return load_scenario(scenario) if isinstance(scenario, str) else scenario


class _Runner:
    """Runs consecutive batches of one scenario with one root seed; the compiled world is built once."""

    def __init__(self, scenario: Scenario, seed: int) -> None:
        self.scenario = scenario
        self.seed = seed
        from drillsim.world.build import build_world

        self.world = build_world(scenario)
        self.header: dict[str, Any] = {}

    def run(self, indices: NDArray[np.int64]) -> pa.Table:
        from drillsim.engine.simulation import Simulation

        reps: list[int] = indices.tolist()
        sim = Simulation(self.scenario, rng=self.seed, replications=reps, world=self.world)
        outcomes = sim.run()
        if not self.header:
            self.header = dict(outcomes.header)
        return outcomes.to_arrow()


def _rate_columns(unit: str = "runs") -> tuple[Any, Any]:
    """Rich columns for the replications per second and the time left, both from the average rate since
    the start. (Rich's own estimate uses the gaps between updates, far off when parallel workers
    finish batches moments apart.)"""
    from rich.progress import ProgressColumn, Task
    from rich.text import Text

    def average(task: Task) -> float | None:
        elapsed = task.finished_time if task.finished else task.elapsed
        return task.completed / elapsed if elapsed and task.completed > 0 else None

    class RateColumn(ProgressColumn):
        def render(self, task: Task) -> Text:
            rate = average(task)
            per = f" {unit}/s" if unit else "/s"
            return Text(f"--{per}" if rate is None else f"{rate:,.1f}{per}")

    class TimeLeftColumn(ProgressColumn):
        def render(self, task: Task) -> Text:
            rate = average(task)
            if rate is None or task.total is None:
                return Text("-:--:--", style="progress.remaining")
            left = round(max(task.total - task.completed, 0.0) / rate)
            return Text(f"{left // 3600}:{left % 3600 // 60:02d}:{left % 60:02d}", style="progress.remaining")

    return RateColumn(), TimeLeftColumn()


ProgressCallback = Callable[[int, int], None]


class ProgressBar(Protocol):
    """What :func:`progress_bar` yields: ``update(done, total)``, and a new description when given one."""

    def __call__(self, done: int, total: int | None, description: str | None = None) -> None: ...


COMPILING = "compiling the simulation kernels (first run after an install or a change; cached afterwards)"
"""What a progress bar says while numba compiles (see :func:`drillsim.core.compiled.watch_compilation`)."""


@contextmanager
def progress_bar(show: bool | None, description: str, *, unit: str = "runs") -> Iterator[ProgressBar]:
    """A rich progress bar (done/total, rate in ``unit`` per second, elapsed, ETA) on stderr, or a no-op.

    ``show=None`` shows it when stderr is a terminal. Yields ``update(done, total, description=None)`` (a
    description given stays until the next one is given). While kernels are
    compiled in this process (the first run after an install or a change of the code), the bar says so and
    counts them; the next update puts the description back.
    """
    if show is None:
        show = sys.stderr.isatty()
    if not show:

        def ignore(done: int, total: int | None, description: str | None = None) -> None:
            return None

        yield ignore
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    rate, time_left = _rate_columns(unit)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        rate,
        TimeElapsedColumn(),
        TextColumn("ETA"),
        time_left,
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=None)
        compiled = [0]
        shown = [description]

        def on_compile(name: str) -> None:
            compiled[0] += 1
            bar.update(task, description=f"{shown[0]}: {COMPILING}: {compiled[0]} ({name})")

        def update(done: int, total: int | None, description: str | None = None) -> None:
            if description is not None:
                shown[0] = description
            bar.update(task, completed=done, total=total, description=shown[0])

        with watch_compilation(on_compile):
            yield update


Stopped = Literal["fixed", "precision", "cap"]
_STOPPED: dict[str, Stopped] = {"fixed": "fixed", "precision": "precision", "cap": "cap"}


@dataclass(frozen=True)
class MonteCarloResult:
    """Replications of one scenario: the per-replication table and the summary of every measure.

    ``to_pandas()`` gives one row per replication, ``summary()`` one row per measure (with its confidence
    interval), ``measures`` the values by measure; in Jupyter the object shows as the summary table.
    """

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
    executor: str = ""
    """Where the replications ran (``process pool, 2 worker(s)``, ...); the results do not depend on it."""
    recorded: Outcomes | None = None
    """The replications run again with an event log (see ``record`` of :func:`monte_carlo`), or None."""

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

    def summary(self) -> Rows:
        """One row per measure: the statistics, plus the precision target and whether it was met.

        Returns
        -------
        Rows
            A list of plain dicts (keys ``measure``, ``n``, ``of``, ``mean``, ``median``, ``p05``, ``p95``,
            ``std``, ``ci_low``, ``ci_high``, ``half_width``, ...) with ``to_pandas()`` and ``to_arrow()``.
        """
        rows = Rows()
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
        """One row per replication: ``replication``, ``seed``, then one column per measure."""
        return self.table

    def to_pandas(self) -> Any:
        """The per-replication rows as a pandas DataFrame (needs pandas); ``attrs["units"]`` gives each
        measure's unit; ``summary().to_pandas()`` gives one row per measure."""
        frame = self.table.to_pandas()
        frame.attrs["units"] = self.units()
        return frame

    def units(self) -> dict[str, str]:
        """The unit of each measure's values (``s``, ``m``, ``1`` for a 0/1 indicator or a fraction,
        ``people``...), as ``replications.parquet`` carries it."""
        return units_of(self.table)

    def _facts(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario_name,
            "seed": self.seed,
            "replications": self.n,
            "measures": len(self.statistics),
            "confidence": self.confidence,
            "stopped": self.stopped,
        }

    def __repr__(self) -> str:
        return short_repr("MonteCarloResult", self._facts())

    def _repr_html_(self) -> str:
        columns = ["measure", "n", "of", "mean", "median", "p05", "p95", "ci_low", "ci_high"]
        return html_block("drillsim Monte Carlo", self._facts(), html_table(self.summary(), columns=columns))

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
                "executor": self.executor,
                "recorded": None if self.recorded is None else self.recorded.header["analysis"]["recorded"],
                "measures": self.summary(),
            }
        )
        return data

    def write(self, directory: str | Path) -> Path:
        """Write ``replications.parquet`` and ``summary.json`` into ``directory``, each atomically.

        With recorded replications, also what ``drillsim run`` writes for them (``events.parquet``,
        ``outcomes.parquet``, ``run.json``, ``scenario.yaml``), so that ``drillsim report`` and
        ``drillsim view`` accept the directory.
        """
        out = Path(directory)
        mark_incomplete(out, "monte-carlo")
        remove_stale(out)
        table = with_units(self.table, self.units())
        table = table.replace_schema_metadata(
            {
                **(table.schema.metadata or {}),
                b"drillsim.header": json.dumps(self.header, sort_keys=True).encode("utf-8"),
            }
        )
        write_parquet_atomic(table, out / REPLICATIONS_FILE)
        write_json_atomic(self.to_json(), out / SUMMARY_FILE)
        names = [REPLICATIONS_FILE, SUMMARY_FILE]
        if self.recorded is not None:
            names += self.recorded.write_files(out)
        write_manifest(out, "monte-carlo", names, replications=self.n)
        shutil.rmtree(out / PARTS_DIR, ignore_errors=True)
        return out


PARTS_DIR = "parts"
"""Where ``monte_carlo(store=...)`` writes each finished batch's rows until the result is written."""


def _open_store(store: Path, plan: dict[str, Any], scenario: Scenario, *, resume: bool) -> Path:
    """Prepare ``store`` for a run (or check it for a resumed one); returns its parts folder."""
    parts = store / PARTS_DIR
    if resume:
        earlier = resume_plan(store)
        differs = sorted(k for k in plan if earlier.get(k) != plan[k])
        if differs:
            raise UserError(
                f"cannot resume {store}: this run differs from the interrupted one in "
                + ", ".join(f"{k} ({earlier.get(k)!r} then, {plan[k]!r} now)" for k in differs[:3])
                + "."
            )
        return parts
    mark_incomplete(store, "monte-carlo", plan=plan)
    remove_stale(store)
    if parts.is_dir():
        shutil.rmtree(parts)
    parts.mkdir(parents=True)
    write_text_atomically(store / "scenario.yaml", scenario_to_yaml(scenario))
    return parts


def resume_plan(store: str | Path) -> dict[str, Any]:
    """The plan of the interrupted Monte Carlo run in ``store`` (the options it ran with), from its
    manifest; a :class:`UserError` when ``store`` holds no interrupted run."""
    path = Path(store) / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(
            f"cannot resume {store}: no readable manifest.json ({exc}); it was not written by "
            "'drillsim mc --out'."
        ) from None
    plan = manifest.get("plan") if isinstance(manifest, dict) else None
    if manifest.get("complete") is True:
        raise UserError(f"cannot resume {store}: its Monte Carlo run finished; there is nothing to resume.")
    if manifest.get("kind") != "monte-carlo" or not isinstance(plan, dict):
        raise UserError(f"cannot resume {store}: it holds no interrupted Monte Carlo run.")
    out: dict[str, Any] = plan
    return out


def _read_parts(parts: Path, keep: Sequence[str]) -> dict[int, pa.Table]:
    """The rows of the batches an interrupted run finished, by first replication (unreadable parts,
    such as one cut short by a full disk, are run again)."""
    out: dict[int, pa.Table] = {}
    for path in sorted(parts.glob("rows-*-*.parquet")):
        try:
            first, last = (int(x) for x in path.stem.split("-")[1:3])
            table = pq.read_table(path).select(["replication", "seed", *keep])
        except (OSError, ValueError, KeyError, pa.ArrowInvalid):
            path.unlink(missing_ok=True)
            continue
        if table.num_rows == last - first:
            out[first] = table
    return out


def _is_done(rows: Mapping[int, pa.Table], block: tuple[int, int]) -> bool:
    table = rows.get(block[0])
    return table is not None and table.num_rows == block[1] - block[0]


def _resume_blocks(
    rows: Mapping[int, pa.Table], planned: int, batch: int, slots: int
) -> list[tuple[int, int]]:
    """Blocks covering 0..planned: the finished ones as they are, the gaps between them balanced."""
    done = sorted((first, first + t.num_rows) for first, t in rows.items() if first < planned)
    blocks: list[tuple[int, int]] = []
    at = 0
    for first, end in done:
        if first < at:  # overlapping parts (should not happen): run the rest again
            continue
        if first > at:
            blocks += _balanced_blocks(at, first, batch, slots)
        blocks.append((first, end))
        at = end
    if at < planned:
        blocks += _balanced_blocks(at, planned, batch, slots)
    return blocks


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
    write_text_atomically(path, json.dumps(_jsonable(data), indent=2, sort_keys=True) + "\n")


def write_parquet_atomic(table: pa.Table, path: Path) -> None:
    """Write a Parquet file to a temporary name beside ``path`` and rename it into place."""
    write_atomically(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


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
            hint = renamed_measure(name) or closest_match(name, available)
            raise UserError(
                f"precision target for unknown measure '{name}'; the scenario's measures are "
                + ", ".join(available)
                + (f". Did you mean '{hint}'?" if hint else ".")
            )
        if not value > 0:
            raise UserError(f"precision target for '{name}' must be positive, got {value}")
    return targets


def _check_measures(names: Sequence[str], available: Sequence[str]) -> None:
    for name in names:
        if name not in available:
            hint = renamed_measure(name) or closest_match(name, available)
            raise UserError(
                f"unknown measure '{name}'; the scenario's measures are "
                + ", ".join(available)
                + (f". Did you mean '{hint}'?" if hint else ".")
            )


def _blocks(start: int, stop: int, size: int) -> list[tuple[int, int]]:
    """Consecutive ``[first, end)`` ranges of replication indices from ``start`` to ``stop``."""
    return [(first, min(first + size, stop)) for first in range(start, stop, size)]


def _balanced_blocks(start: int, stop: int, size: int, slots: int) -> list[tuple[int, int]]:
    """As :func:`_blocks`, with blocks of at most ``size`` in a number that is a multiple of ``slots``
    (when there are enough replications), so that no worker is left with a last block on its own."""
    n = stop - start
    if n <= 0:
        return []
    count = -(-n // size)
    count = min(n, -(-count // max(slots, 1)) * max(slots, 1))
    return _blocks(start, stop, -(-n // count))


def _chunk(scenario: Scenario, seed: int, block: tuple[int, int]) -> ChunkTask:
    indices = tuple(range(*block))
    return ChunkTask(
        point=0, replications=indices, stream_indices=indices, scenario=scenario, seed=seed, until_s=None
    )


def _chunk_rows(result: ChunkResult) -> pa.Table:
    """One finished chunk as rows of the per-replication table: ``replication``, ``seed``, measures."""
    task = result.task
    columns: dict[str, pa.Array] = {
        "replication": pa.array(task.replications, type=pa.int64()),
        "seed": pa.array([task.seed] * len(task.replications), type=pa.uint64()),
    }
    for name, values in result.measures.items():
        columns[name] = pa.array(np.asarray(values, dtype=np.float64), type=pa.float64())
    return pa.table(columns)


def monte_carlo(  # noqa: C901, PLR0913
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
    executor: ExecutorLike = None,
    record: int = 0,
    sample_s: float | None = DEFAULT_SAMPLE_S,
    progress: bool | None = None,
    store: str | Path | None = None,
    resume: bool = False,
    on_summary: Callable[[MonteCarloResult], object] | None = None,
) -> MonteCarloResult:
    """Run replications 0, 1, 2, ... of a scenario in batches and summarise every measure.

    Parameters
    ----------
    scenario
        A :class:`~drillsim.Scenario`, the path of a scenario file, or an embedded scenario's name.
    replications
        Replications to run (default 100). With ``precision``, the first stage (default: one batch).
    rng
        The root seed (an int), a ``numpy.random.Generator`` to draw one from, or None for a fresh one;
        the seed used is ``MonteCarloResult.seed``.
    precision
        Target confidence-interval half-width: one number for every measure in ``measures`` (for every
        measure when ``measures`` is None), or a mapping measure -> target. Batches are added until every
        target is met or ``max_replications`` have run.
    relative
        Read the targets as fractions of each measure's |mean|.
    confidence
        Confidence level of the intervals (0.95: 95 %).
    batch
        Replications advanced together in one worker: one chunk of work.
    max_replications
        Cap of sequential stopping (with ``precision``).
    measures
        Measures to keep (default all); precision targets' measures are always kept.
    executor
        Where the batches run: a number of local worker processes, None for one per CPU, or an
        :class:`~drillsim.experiments.executors.Executor` such as ``DaskCluster(local_workers=4)`` or
        ``DaskCluster(address=...)`` (left open for the caller to close; see
        :func:`~drillsim.experiments.executors.executor_from`). The rows, the statistics and where
        sequential stopping stops do not depend on it; with targets, up to one batch per worker may run
        beyond the stopping point (in parallel) and is discarded.
    record
        Replications (0: none) run again by index with an event log, for replays and reports: those at
        evenly spaced quantiles of the first kept measure (3: its lowest, median and highest), median
        first; see :func:`sample_replications`.
    sample_s
        Recorded replications sample unit positions this often, in seconds.
    progress
        Show a progress bar (None: when stderr is a terminal).
    store
        A result directory to work in: it is marked incomplete (its manifest says so, with the plan of
        this run) and each batch's rows are written to ``store/parts/`` as the batch finishes; the caller
        writes the result there at the end (:meth:`MonteCarloResult.write`).
    resume
        Continue an interrupted run in ``store``: its finished batches are read back and only the others
        run (the plan must match; see :func:`resume_plan`). The rows are those of an uninterrupted run.
    on_summary
        Called with the result as soon as every replication has run, before the recorded ones run
        again (what needs only the rows, such as the distribution plots, can be drawn meanwhile).

    Returns
    -------
    MonteCarloResult
        The per-replication rows (``to_pandas()``) and every measure's statistics (``summary()``).

    Examples
    --------
    >>> import drillsim
    >>> result = drillsim.monte_carlo("khatlon-2015-v1", replications=20, rng=1, executor=1)  # doctest: +SKIP
    >>> result.summary().to_pandas()[["measure", "mean", "ci_low", "ci_high"]]  # doctest: +SKIP
    """
    if not 0.0 < confidence < 1.0:
        raise UserError(f"confidence must be between 0 and 1 (exclusive), got {confidence}")
    if batch < 1:
        raise UserError(f"batch must be at least 1, got {batch}")
    if replications is not None and replications < 1:
        raise UserError(f"replications must be at least 1, got {replications}")
    if record < 0:
        raise UserError(f"record must be 0 or more replications, got {record}")
    scen = _resolve(scenario)
    seed = root_seed(rng)
    started = time.perf_counter()
    from drillsim.engine.simulation import Simulation, compile_steps_ahead

    # A run of no steps names the measures and gives the header, before any worker starts.
    probe = Simulation(scen, rng=seed, replications=1)
    available = list(probe.outcomes().measures)
    header = probe.header()
    if measures is not None:
        _check_measures(measures, available)
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
    # The first stage, then one batch at a time up to the cap. Targets are checked at the end of the first
    # stage and of every later batch, in index order, whichever order the batches finish in.
    first_stage = _blocks(0, planned, batch)
    schedule = first_stage + _blocks(planned, cap, batch)

    rows: dict[int, pa.Table] = {}
    plan = {
        "scenario": scen.name,
        "scenario_hash": content_hash(scen),
        "seed": seed,
        "replications": replications,
        "precision": targets or None,
        "relative": relative,
        "confidence": confidence,
        "batch": batch,
        "max_replications": max_replications,
        "measures": list(measures) if measures is not None else None,
        "record": record,
        "sample_s": sample_s,
    }
    parts = _open_store(Path(store), plan, scen, resume=resume) if store is not None else None
    if parts is not None and resume:
        rows.update(_read_parts(parts, keep))

    def prefix(n: int) -> pa.Table:
        """Replications 0..n-1 (every batch below n has finished)."""
        parts = [rows[first] for first in sorted(rows) if first < n]
        return pa.concat_tables(parts).slice(0, n).select(["replication", "seed", *keep])

    stack = ExitStack()
    # On a cold cache, a helper compiles the kernels of the probe's step from its other end, as for
    # `drillsim run` (none when they are cached or no core is free); forked before the executor's and
    # the progress bar's threads start.
    ahead = compile_steps_ahead(probe)
    if ahead is not None:
        stack.callback(ahead.stop)
    runner = stack.enter_context(executor_from(executor))
    if not targets:  # a fixed number of replications: spread them evenly over the workers
        schedule = first_stage = _balanced_blocks(0, planned, batch, runner.slots)
        if rows:  # resumed: the finished parts, then the gaps between them
            schedule = first_stage = _resume_blocks(rows, planned, batch, runner.slots)
    kept = planned
    checks: dict[str, PrecisionCheck] = {}
    stopped: Stopped = "fixed"
    finished = 0
    try:
        with progress_bar(progress, scen.name) as update:
            total = planned
            update(0, total)
            # One step of the probe compiles the kernels every step uses here, where the bar can say so,
            # before the workers start (forked workers inherit them; others load them from the cache).
            probe.step()
            if ahead is not None:  # the workers need its core; what it compiled is in the cache
                ahead.stop()
            position = 0
            while True:
                if not targets:
                    size = len(schedule)
                else:  # keep every worker busy: extra batches run in parallel and cost no waiting
                    size = max(len(first_stage) if position == 0 else 1, runner.slots)
                this_round = schedule[position : position + size]
                position += len(this_round)
                todo = [block for block in this_round if not _is_done(rows, block)]
                finished += sum(end - first for first, end in this_round) - sum(e - f for f, e in todo)
                for result in runner.run([_chunk(scen, seed, block) for block in todo]):
                    first = result.task.replications[0]
                    rows[first] = _chunk_rows(result)
                    if parts is not None:
                        last = result.task.replications[-1] + 1
                        write_parquet_atomic(rows[first], parts / f"rows-{first:09d}-{last:09d}.parquet")
                    finished += len(result.task.replications)
                    update(finished, max(total, finished))
                if not targets:
                    break
                decided = False
                for _, end in this_round:
                    if end < planned:
                        continue
                    stats = _statistics(prefix(end), kinds, confidence)
                    checks = {name: _check(stats[name], t, relative) for name, t in targets.items()}
                    kept = end
                    if all(c.met for c in checks.values()):
                        stopped, decided = "precision", True
                        break
                    if end >= cap:
                        stopped, decided = "cap", True
                        break
                if decided:
                    break
                needs = [_projected_n(stats[n], c) for n, c in checks.items() if not c.met]
                guess = max((x for x in needs if x is not None), default=cap)
                total = min(cap, max(kept + batch, guess))
                update(finished, total)
    finally:
        stack.close()

    table = with_units(prefix(kept), measure_units(scen))
    stats = _statistics(table, kinds, confidence)
    header["replications"] = {"first": 0, "count": int(table.num_rows)}
    header["analysis"] = {
        "kind": "monte-carlo",
        "confidence": confidence,
        "batch": batch,
        "precision": targets or None,
        "relative": relative,
        "max_replications": cap if targets else None,
    }
    elapsed = time.perf_counter() - started
    summary = MonteCarloResult(
        scenario_name=scen.name,
        scenario_hash=content_hash(scen),
        seed=seed,
        table=table,
        statistics=stats,
        confidence=confidence,
        precision=checks,
        stopped=stopped,
        batches=sum(1 for _, end in schedule if end <= kept),
        elapsed_s=elapsed,
        header=header,
        executor=runner.description,
    )
    if on_summary is not None:
        on_summary(summary)
    return record_replications(scen, summary, record, sample_s=sample_s) if record else summary


def record_replications(
    scenario: Scenario | str,
    result: MonteCarloResult,
    count: int,
    *,
    sample_s: float | None = DEFAULT_SAMPLE_S,
) -> MonteCarloResult:
    """``result`` with ``count`` of its replications run again with an event log (``record`` of
    :func:`monte_carlo`): those at evenly spaced quantiles of its first measure. ``scenario`` is the one
    ``result`` ran (its hash is checked)."""
    scen = _resolve(scenario)
    if content_hash(scen) != result.scenario_hash:
        raise UserError(
            f"scenario '{scen.name}' is not the one these replications ran ({result.scenario_name})"
        )
    first = result.table.column_names[2]  # after replication and seed
    analysis = result.header["analysis"]
    recorded = _record(scen, result.table, first, count, sample_s=sample_s, analysis=analysis)
    return dataclasses.replace(result, recorded=recorded)


def sample_replications(values: ArrayLike, count: int) -> list[tuple[int, float | None]]:
    """Rows of ``count`` replications spread over one measure's distribution: ``(row, quantile)`` pairs.

    The replications with a value, ordered by value (ties by row), are picked at the order statistics of
    quantiles 0, 1/(count-1), ..., 1 (count 1: the median; 3: lowest, median, highest); the picks are
    distinct and come median first, then outwards, lower before higher. Replications without a value
    (NaN) are added, in row order and with quantile None, only when fewer than ``count`` have one.
    """
    v = np.asarray(values, dtype=np.float64)
    count = min(int(count), len(v))
    ok = np.flatnonzero(np.isfinite(v))
    order = ok[np.argsort(v[ok], kind="stable")]
    k = min(count, len(order))
    quantiles = [0.5] if k == 1 else [j / (k - 1) for j in range(k)]
    # With at least k values the positions floor(q (m - 1) + 1/2) step by at least one: all distinct.
    picks: list[tuple[int, float | None]] = [
        (int(order[math.floor(q * (len(order) - 1) + 0.5)]), q) for q in quantiles
    ]
    picks.sort(key=lambda pick: (abs((pick[1] or 0.0) - 0.5), pick[1] or 0.0))
    picks += [(int(row), None) for row in np.flatnonzero(~np.isfinite(v))[: count - k]]
    return picks


def _record(
    scenario: Scenario,
    table: pa.Table,
    measure: str,
    count: int,
    *,
    sample_s: float | None,
    analysis: dict[str, Any],
) -> Outcomes:
    """Run ``count`` replications of ``table`` again by index, with an event log, chosen by ``measure``."""
    values = np.asarray(table.column(measure).to_numpy(zero_copy_only=False), dtype=np.float64)
    indices = table.column("replication").to_pylist()
    seed = int(table.column("seed")[0].as_py())
    from drillsim.engine.simulation import record

    picks = sample_replications(values, count)
    chosen = [int(indices[row]) for row, _ in picks]
    # the log spooled to disk a batch at a time
    outcomes = record(scenario, rng=seed, replications=chosen, sample_s=sample_s, batch=RECORDED_BATCH)
    recorded = {
        "measure": measure,
        "picks": [
            {"replication": int(indices[row]), "quantile": q, "value": _jsonable(float(values[row]))}
            for row, q in picks
        ],
    }
    header = {
        **outcomes.header,
        "analysis": {**analysis, "replications": table.num_rows, "recorded": recorded},
    }
    return dataclasses.replace(outcomes, header=header)


def _invalid(path: Path, message: str, *, expected: str, found: str | None = None) -> InputError:
    return InputError(message, location=Location(str(path)), expected=expected, found=found)


def read_monte_carlo(directory: str | Path) -> MonteCarloResult:
    """Read the per-replication rows and the summary that :meth:`MonteCarloResult.write` wrote.

    The statistics are computed again from the rows, with the summary's measure kinds and confidence.
    A missing or unreadable file is an :class:`~drillsim.core.errors.InputError` that names it.
    """
    root = Path(directory)
    summary_path, table_path = root / SUMMARY_FILE, root / REPLICATIONS_FILE
    what = f"the {SUMMARY_FILE} that 'drillsim mc --out DIR' writes"
    if not summary_path.is_file():
        raise _invalid(summary_path, "missing Monte Carlo summary", expected=what, found="no such file")
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise _invalid(summary_path, f"not a readable Monte Carlo summary: {exc}", expected="JSON") from None
    try:
        rows = list(summary["measures"])
        kinds: dict[str, str | None] = {str(row["measure"]): row.get("kind") for row in rows}
        confidence = float(summary["confidence"])
        seed = int(summary["seed"])
        scenario_name, scenario_hash = str(summary["scenario"]), str(summary["scenario_hash"])
        stopped = _STOPPED.get(str(summary["stopped"]))
        batches, elapsed = int(summary["batches"]), float(summary["elapsed_s"])
        if stopped is None:
            raise ValueError(f"'stopped' is {summary['stopped']!r}, not one of {', '.join(_STOPPED)}")
        if not 0.0 < confidence < 1.0:
            raise ValueError(f"'confidence' is {confidence}, not between 0 and 1")
        precision = {
            str(row["measure"]): PrecisionCheck(
                str(row["measure"]),
                float(row["target"]),
                bool(row["relative"]),
                _float(row.get("required_half_width")),
                _float(row.get("half_width")),
                bool(row["target_met"]),
            )
            for row in rows
            if row.get("target") is not None
        }
    except KeyError as exc:
        raise _invalid(
            summary_path, "incomplete Monte Carlo summary", expected=what, found=f"no {exc}"
        ) from None
    except (TypeError, ValueError, AttributeError) as exc:
        raise _invalid(summary_path, f"not a Monte Carlo summary: {exc}", expected=what) from None
    if not table_path.is_file():
        raise _invalid(
            table_path, "missing replications table", expected="one row per replication", found="no such file"
        )
    try:
        table = pq.read_table(table_path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise _invalid(
            table_path,
            f"not a readable replications table: {exc}",
            expected="a Parquet file written by drillsim",
        ) from None
    absent = [name for name in ("replication", "seed", *kinds) if name not in table.column_names]
    if absent:
        raise _invalid(
            table_path,
            "the replications table lacks columns the summary lists",
            expected="replication, seed and " + ", ".join(kinds),
            found="no " + ", ".join(absent),
        )
    raw = (table.schema.metadata or {}).get(b"drillsim.header")
    header: dict[str, Any] = json.loads(raw) if raw else {}
    table = table.replace_schema_metadata(None).select(["replication", "seed", *kinds])
    try:
        statistics = _statistics(table, kinds, confidence)
    except (pa.ArrowInvalid, TypeError, ValueError) as exc:
        raise _invalid(
            table_path, f"a measure column does not hold numbers: {exc}", expected="one number per row"
        ) from None
    return MonteCarloResult(
        scenario_name=scenario_name,
        scenario_hash=scenario_hash,
        seed=seed,
        table=table,
        statistics=statistics,
        confidence=confidence,
        precision=precision,
        stopped=stopped,
        batches=batches,
        elapsed_s=elapsed,
        header=header,
        executor=str(summary.get("executor") or ""),
    )


def _float(value: Any) -> float:
    return math.nan if value is None else float(value)


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
