"""Analysis commands: ``drillsim mc``, ``drillsim compare`` and ``drillsim check``.

Each calls one public function of :mod:`drillsim.experiments` (``monte_carlo``, ``compare``,
``check_assertions``) with the same parameter names and prints its result. ``register(app)`` adds them to
the main program (:mod:`drillsim.cli.app`, which imports this module; this module never imports it back).
"""

from __future__ import annotations

import math
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from drillsim.cli.options import (
    AllowOutsideOption,
    DaskLocalOption,
    ForceRunOption,
    MemoryBudgetOption,
    SchedulerOption,
    WorkersOption,
)
from drillsim.core.errors import UserError
from drillsim.core.manifest import check_writable

if TYPE_CHECKING:
    from drillsim.experiments.assertions import Verdict
    from drillsim.experiments.montecarlo import MonteCarloResult
    from drillsim.study.quantities import Quantity

__all__ = ["DistributionPlots", "register", "report_monte_carlo"]


def _console() -> Console:
    from drillsim.cli.console import console

    return console


def _print_table(table: Table) -> None:
    """Print a table; when output is not a terminal (a file, a CI log) it is never wrapped at 80 columns."""
    console = _console()
    if console.is_terminal:
        console.print(table)
    else:
        wide = Console(file=console.file, width=max(console.width, 160), highlight=False, color_system=None)
        wide.print(table)


def _unit(kind: str | None, typical: float) -> tuple[float, str]:
    """How to show a measure: (divide by, unit label), by the units policy of
    :mod:`drillsim.study.quantities` (times in s, min or h; probabilities in %; distances in m or km)."""
    from drillsim.study.quantities import measure_quantity, quantity_unit

    return quantity_unit(measure_quantity(kind), typical)


def _number(value: float, scale: float = 1.0, *, binary: bool = False) -> str:
    """A statistic for people: indicators in per cent with one decimal, others with four significant
    digits."""
    if not math.isfinite(value):
        return "-"
    x = value / scale
    if binary:
        return f"{x:.1f}"
    if abs(x) >= 10000:
        return f"{x:,.0f}"
    return f"{x:.4g}"


def _span(low: float, high: float, scale: float, *, binary: bool) -> str:
    """A confidence interval in little room: three significant digits (one decimal for indicators)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return "-"
    if binary:
        a, b = (f"{x / scale:.1f}" for x in (low, high))
    else:
        a, b = (f"{x / scale:,.0f}" if abs(x / scale) >= 1000 else f"{x / scale:.3g}" for x in (low, high))
    return f"{a} to {b}" if low < 0 else f"{a}-{b}"


def _percent(x: float) -> str:
    """A relative change in whole percent, with its sign, never "-0"."""
    r = round(x * 100)
    return f"{r:+d} %" if r else "0 %"


def _label(name: str, unit: str) -> str:
    return f"{name} ({unit})" if unit else name


def _parse_precision(items: list[str]) -> float | dict[str, float] | None:
    """``--precision X`` (for the --measure names, or all) or ``--precision NAME=X`` (repeatable)."""
    if not items:
        return None
    overall: float | None = None
    named: dict[str, float] = {}
    for item in items:
        name, sep, number = item.rpartition("=")
        try:
            value = float(number)
        except ValueError:
            raise UserError(
                f"option '--precision': cannot read '{item}'; expected a number such as 0.02, "
                "or MEASURE=NUMBER such as crossing-held=0.02"
            ) from None
        if sep:
            named[name.strip()] = value
        else:
            overall = value
    if overall is not None and named:
        raise UserError(
            "option '--precision': give either one number for all measures or MEASURE=NUMBER items"
        )
    return named if named else overall


class DistributionPlots:
    """A Monte Carlo result's distribution plots (``out/plots``), drawn in a background thread while its
    recorded replications run: :meth:`start` is ``monte_carlo``'s ``on_summary``. The plots need only
    the rows, and the recorded replications spend their time in compiled steps that release the
    interpreter lock, so the drawing takes the other core."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.drawn: dict[str, str] = {}
        """Each measure's SVG document, for the report to reuse."""
        self._thread: threading.Thread | None = None
        self._outcome: str | BaseException = ""

    def start(self, result: MonteCarloResult) -> None:
        """Start drawing ``result``'s plots."""
        self._thread = threading.Thread(target=self._draw, args=(result,), name="drillsim-plots", daemon=True)
        self._thread.start()

    def _draw(self, result: MonteCarloResult) -> None:
        from drillsim.report.plots import plot_distributions

        try:
            self._outcome = f"{len(plot_distributions(result, self.directory, drawn=self.drawn))} plot files"
        except UserError as exc:  # matplotlib is missing: everything else is still written
            self._outcome = f"no plots ({exc})"
        except BaseException as exc:  # raised again in the main thread, by finish()
            self._outcome = exc

    def finish(self, result: MonteCarloResult) -> str:
        """Wait for the plots (drawn now if :meth:`start` was never called); what was drawn, in words.
        An error met while drawing is raised here."""
        if self._thread is None:
            self._draw(result)
        else:
            self._thread.join()
        if isinstance(self._outcome, BaseException):
            raise self._outcome
        return self._outcome


def report_monte_carlo(
    result: MonteCarloResult, out: Path, *, confidence: float, plots: DistributionPlots | None = None
) -> None:
    """Print a Monte Carlo result's table and timing, then write it, its plots and its report to ``out``
    (``drillsim mc``, and ``drillsim run`` with more replications than it logs). ``plots``: the plots
    already started while the recorded replications ran (drawn here otherwise)."""
    from drillsim.report import write_report

    console = _console()
    level = f"{confidence * 100:g} % CI"
    table = Table(
        title=f"{result.scenario_name}, seed {result.seed}, {result.n} replications", box=box.SIMPLE_HEAD
    )
    table.add_column("measure", no_wrap=True)
    for col in ("n", "mean", "median", "5 %", "95 %", level):
        table.add_column(col, justify="right")
    if result.precision:
        table.add_column("target ±", justify="right")
    for name, s in result.statistics.items():
        scale, unit = _unit(s.kind, s.mean)

        def num(x: float, scale: float = scale, binary: bool = s.binary) -> str:
            return _number(x, scale, binary=binary)

        cells = [
            _label(name, unit),
            str(s.n) if s.n == s.of else f"{s.n}/{s.of}",
            *(num(x) for x in (s.mean, s.median, s.p05, s.p95)),
            _span(s.ci_low, s.ci_high, scale, binary=s.binary),
        ]
        if result.precision:
            check = result.precision.get(name)
            if check is None:
                cells.append("")
            else:
                cells.append(num(check.required_half_width) + (" met" if check.met else " NOT met"))
        table.add_row(*cells)
    _print_table(table)
    rate = result.n / result.elapsed_s if result.elapsed_s > 0 else math.inf
    per_s = f"{rate:,.1f}" if rate >= 10 else f"{rate:.2g}"  # slow runs: 0.049, not 0.0
    timing = f"{result.executor}; {result.elapsed_s:.1f} s, {per_s} replications/s"
    if result.stopped == "fixed":
        console.print(f"ran {result.n} replications in {result.batches} batch(es) ({timing})")
    elif result.stopped == "precision":
        console.print(f"stopped after {result.n} runs: every precision target met ({timing})")
    else:
        missed = ", ".join(n for n, c in result.precision.items() if not c.met)
        console.print(
            f"stopped after {result.n} runs: reached --max-replications; not met: {missed} ({timing})"
        )
    target = out
    result.write(target)  # the result first: plots and the report can be drawn again from it
    if plots is None:
        plots = DistributionPlots(target / "plots")
    drawn = plots.finish(result)  # the distribution plots, drawn once for plots/ and the report
    recorded = 0 if result.recorded is None else len(result.recorded.replications)
    console.print(
        f"replications, summary, {drawn} and the event log of {recorded} recorded replication(s) "
        f"written to {target}",
        markup=False,
    )
    report = write_report(target, distributions=plots.drawn)
    console.print(f"report written to {report}", markup=False, emoji=False)


def register(app: typer.Typer) -> None:
    """Add the ``mc``, ``compare`` and ``check`` commands to ``app``."""
    app.command("mc")(mc)
    app.command("compare")(compare)
    app.command("check")(check)


def mc(  # noqa: PLR0913
    scenario: Annotated[
        str | None,
        typer.Argument(
            help="Scenario file or embedded scenario name (default: the embedded default).",
            show_default=False,
        ),
    ] = None,
    replications: Annotated[
        int | None,
        typer.Option(
            "--replications",
            "-n",
            min=1,
            help="Replications to run (default 100); with --precision, the first stage (default one batch).",
            show_default=False,
        ),
    ] = None,
    precision: Annotated[
        list[str] | None,
        typer.Option(
            "--precision",
            metavar="TARGET",
            help="Target CI half-width: one number for every measure (or those given with --measure), or "
            "MEASURE=NUMBER, repeatable. Keeps adding batches until every target is met.",
            show_default=False,
        ),
    ] = None,
    relative: Annotated[
        bool, typer.Option("--relative", help="Read --precision targets as fractions of |mean|.")
    ] = False,
    measure: Annotated[
        list[str] | None,
        typer.Option(
            "--measure", "-m", help="Measures to keep (repeatable; default all).", show_default=False
        ),
    ] = None,
    confidence: Annotated[
        float, typer.Option("--confidence", help="Confidence level of the intervals.")
    ] = 0.95,
    batch: Annotated[int, typer.Option("--batch", min=1, help="Replications advanced together.")] = 250,
    max_replications: Annotated[
        int, typer.Option("--max-replications", min=1, help="Cap of sequential stopping.")
    ] = 10_000,
    seed: Annotated[int | None, typer.Option("--seed", help="Root seed; a fresh one when omitted.")] = None,
    workers: WorkersOption = None,
    dask_local: DaskLocalOption = None,
    scheduler: SchedulerOption = None,
    record: Annotated[
        int,
        typer.Option(
            "--record",
            min=1,
            help="Replications to run again with the event log, for the report's maps and the viewer: "
            "spread over the first measure's distribution (3: its lowest, median and highest).",
        ),
    ] = 3,
    sample_s: Annotated[
        float, typer.Option("--sample-s", help="Recorded replications log unit positions this often (s).")
    ] = 300.0,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Result directory: rows, summary, plots, recorded replications and report.html "
            "(default: runs/NAME-mc-seedN).",
            show_default=False,
        ),
    ] = None,
    force: ForceRunOption = False,
    memory_budget: MemoryBudgetOption = None,
    allow_outside: AllowOutsideOption = False,
    resume: Annotated[
        Path | None,
        typer.Option(
            "--resume",
            help="Continue the interrupted run in this directory with its own options (only the batches "
            "it had not finished run).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Monte Carlo: run many replications; print mean, median, 5-95 % band and CI of every measure."""
    from drillsim.cli.console import DEFAULT_SCENARIO, RunInterruptedError, refuse_to_replace
    from drillsim.core.random import root_seed
    from drillsim.engine.budget import check_budget, parse_bytes
    from drillsim.experiments.executors import make_executor
    from drillsim.experiments.montecarlo import monte_carlo, resume_plan
    from drillsim.scenario.io import load_scenario

    if resume is not None:
        plan = resume_plan(resume)
        # The scenario drillsim wrote when the run started (its files were checked then, and are named
        # by absolute paths now): read as it is.
        source = load_scenario(resume / "scenario.yaml", allow_outside=True)
        seed, out, record, sample_s = int(plan["seed"]), resume, int(plan["record"]), plan["sample_s"]
        replications, batch, confidence = plan["replications"], int(plan["batch"]), plan["confidence"]
        targets, relative = plan["precision"] or {}, bool(plan["relative"])
        max_replications, measure = int(plan["max_replications"]), plan["measures"]
    else:
        source = load_scenario(
            scenario if scenario is not None else DEFAULT_SCENARIO, allow_outside=allow_outside
        )
        seed = root_seed(seed)
        targets = _parse_precision(precision or [])
        if out is None:
            out = Path("runs") / f"{source.name}-mc-seed{seed}"
        refuse_to_replace(out, force=force)
    total = replications or (batch if targets else 100)
    check_budget(
        source,
        replications=min(batch, max(total, max_replications if targets else total)),
        concurrent=workers or dask_local or os.cpu_count() or 1,
        total=max_replications if targets else total,
        memory_budget=parse_bytes(memory_budget) if memory_budget else None,
        force=force or resume is not None,
    )
    check_writable(out)
    runner = make_executor(scheduler=scheduler, dask_local=dask_local, workers=workers)
    plots = DistributionPlots(out / "plots")
    try:
        result = monte_carlo(
            source,
            replications=replications,
            rng=seed,
            precision=targets,
            relative=relative,
            confidence=confidence,
            batch=batch,
            max_replications=max_replications,
            measures=measure or None,
            executor=runner,
            progress=None,
            store=out,
            resume=resume is not None,
            record=record,
            sample_s=sample_s,
            on_summary=plots.start,
        )
    except KeyboardInterrupt:
        raise RunInterruptedError(
            f"interrupted: the finished batches are kept in {out}; run 'drillsim mc --resume {out}' to "
            "finish the run."
        ) from None
    finally:
        runner.close()
    report_monte_carlo(result, out, confidence=confidence, plots=plots)


def compare(
    base: Annotated[str, typer.Argument(help="Base scenario file or embedded name.", show_default=False)],
    variant: Annotated[
        list[str], typer.Argument(help="Variant scenario files or names.", show_default=False)
    ],
    replications: Annotated[
        int, typer.Option("--replications", "-n", min=2, help="Replications of each scenario.")
    ] = 100,
    seed: Annotated[int | None, typer.Option("--seed", help="Root seed; a fresh one when omitted.")] = None,
    confidence: Annotated[
        float, typer.Option("--confidence", help="Confidence level of the intervals.")
    ] = 0.95,
    measure: Annotated[
        list[str] | None,
        typer.Option(
            "--measure",
            "-m",
            help="Measures to compare (repeatable; default all shared).",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Directory for replications.parquet, comparison.json and plots.", show_default=False
        ),
    ] = None,
) -> None:
    """Compare variants with a base under common random numbers: paired differences and their CIs."""
    from drillsim.experiments.compare import compare as run_compare

    result = run_compare(
        base,
        variant,
        replications=replications,
        rng=seed,
        confidence=confidence,
        measures=measure or None,
        progress=None,
    )
    console = _console()
    level = f"{confidence * 100:g} % CI"
    for name in result.variants:
        table = Table(
            box=box.SIMPLE_HEAD,
            title=f"{name} - {result.base}, seed {result.seed}, "
            f"{len(result.replications)} paired replications",
        )
        table.add_column("measure", no_wrap=True)
        for col in ("base", "variant", "difference", f"paired {level}", "unpaired ±", "relative"):
            table.add_column(col, justify="right")
        for d in result.differences:
            if d.variant != name:
                continue
            scale, unit = _unit(d.kind, max(abs(d.base_mean), abs(d.variant_mean)))

            def num(x: float, scale: float = scale, binary: bool = d.binary) -> str:
                return _number(x, scale, binary=binary)

            relative = (
                f"{_percent(d.relative)} ({_percent(d.relative_low)}, {_percent(d.relative_high)})"
                if d.binary and math.isfinite(d.relative)
                else ""
            )
            table.add_row(
                _label(d.measure, unit),
                num(d.base_mean),
                num(d.variant_mean),
                num(d.difference),
                _span(d.ci_low, d.ci_high, scale, binary=d.binary),
                num(d.unpaired_half_width),
                relative,
            )
        _print_table(table)
    for sentence in result.sentences():
        console.print(sentence, markup=False)
    if out is not None:
        from drillsim.report.plots import plot_comparison

        result.write(out)
        plots = plot_comparison(result, out / "plots")
        console.print(f"replications, comparison and {len(plots)} plot files written to {out}")


def _verdict_values(verdict: Verdict) -> tuple[str, str, str]:
    """An assertion's estimate and interval with their unit: a percentage of replications for a
    probability, else the measure's mean in its unit (one unit for all three)."""
    from drillsim.study.quantities import format_quantity, measure_quantity, quantity_unit

    quantity: Quantity = (
        "probability" if verdict.of == "probability" else measure_quantity(verdict.measure_kind)
    )
    unit = quantity_unit(quantity, verdict.estimate) if quantity in ("time", "distance") else None
    return (
        format_quantity(quantity, verdict.estimate, unit=unit),
        format_quantity(quantity, verdict.ci_low, unit=unit),
        format_quantity(quantity, verdict.ci_high, unit=unit),
    )


def check(
    file: Annotated[Path, typer.Argument(help="Assertion file (YAML).", show_default=False)],
    seed: Annotated[int | None, typer.Option("--seed", help="Root seed; a fresh one when omitted.")] = None,
    confidence: Annotated[
        float | None,
        typer.Option(
            "--confidence", help="Confidence of every verdict (default: the file's).", show_default=False
        ),
    ] = None,
    max_replications: Annotated[
        int | None,
        typer.Option("--max-replications", min=1, help="Cap (default: the file's).", show_default=False),
    ] = None,
) -> None:
    """Check statistical assertions by sequential tests; exit 0 all accepted, 1 any rejected, 3 undecided."""
    from drillsim.experiments.assertions import check_assertions

    report = check_assertions(file, rng=seed, confidence=confidence, max_replications=max_replications)
    console = _console()
    table = Table(title=f"{report.file}: {report.scenario}, seed {report.seed}", box=box.SIMPLE_HEAD)
    table.add_column("#", justify="right")
    table.add_column("assertion")
    table.add_column("verdict")
    table.add_column("runs", justify="right")
    table.add_column("estimate", justify="right")
    table.add_column("CI", justify="right")
    table.add_column("test")
    for v in report.verdicts:
        claim = v.claim if v.name is None else f"{v.name}: {v.claim}"
        estimate, low, high = _verdict_values(v)
        table.add_row(
            str(v.index + 1),
            claim,
            v.verdict.upper() if v.verdict != "accepted" else v.verdict,
            str(v.replications),
            estimate,
            f"{low} – {high} ({v.confidence * 100:g} %)",
            v.method,
        )
    _print_table(table)
    counts = {
        k: sum(1 for v in report.verdicts if v.verdict == k) for k in ("accepted", "rejected", "undecided")
    }
    console.print(
        f"{counts['accepted']} accepted, {counts['rejected']} rejected, {counts['undecided']} undecided "
        f"after {report.replications} replications ({report.elapsed_s:.1f} s)"
    )
    if report.exit_code:
        raise typer.Exit(report.exit_code)
