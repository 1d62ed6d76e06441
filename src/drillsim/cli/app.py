"""Commands of the ``drillsim`` program.

Each command calls one public function of :mod:`drillsim` with the same parameter names, and prints its
result. User errors (bad files, unknown names) are printed as one paragraph, exit code 2, no traceback.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from typer.core import TyperArgument, TyperGroup

import drillsim
from drillsim.cli import analysis, experiments, interop, replay, study, validity
from drillsim.cli.console import (
    DEFAULT_SCENARIO,
    RunInterruptedError,
    add_name_column,
    console,
    error_console,
    print_error,
    refuse_to_replace,
    shown,
)
from drillsim.cli.options import AllowOutsideOption, ForceRunOption, MemoryBudgetOption
from drillsim.core.bytecode import damaged_bytecode
from drillsim.core.errors import UserError
from drillsim.core.files import STORAGE_ERRORS, storage_errno
from drillsim.core.manifest import check_writable

# The command modules import the engine, Numba and the scenario models inside the commands that use them,
# so that ``drillsim --help`` and ``drillsim --version`` start in a fraction of a second
# (benchmarks/startup.py measures it).


class _Commands(TyperGroup):
    """The command group: an import that fails on a damaged compiled file inside a command becomes a clear
    error (:func:`~drillsim.core.bytecode.damaged_bytecode`) before the command-line library turns its
    ``EOFError`` into a bare ``Aborted!``."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            error = damaged_bytecode(exc)
            if error is None:
                raise
            raise error from None


app = typer.Typer(
    cls=_Commands,
    name="drillsim",
    help="Wargaming and military-exercise simulation: scenarios, Monte Carlo, kill-chain analysis.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        console.print(f"drillsim {drillsim.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """drillsim command line."""


@app.command()
def validate(
    path: Annotated[
        list[Path], typer.Argument(help="Scenario or catalogue files to check.", show_default=False)
    ],
    allow_outside: AllowOutsideOption = False,
) -> None:
    """Check scenario and catalogue files; report every problem with file, line and field."""
    from drillsim.scenario.models import CatalogueFile
    from drillsim.scenario.pedigree import count_pedigree, iter_parameters

    failed = 0
    for one in path:
        try:
            loaded = drillsim.validate(one, allow_outside=allow_outside)
        except UserError as exc:
            failed += 1
            print_error(exc)
            continue
        if isinstance(loaded, CatalogueFile):
            n = len(loaded.unit_types)
            counts = count_pedigree(iter_parameters(loaded))
            console.print(
                f"ok  {one}: catalogue {loaded.catalogue}, {n} unit types, {len(loaded.weapons)} weapons, "
                f"{counts.total:,} parameters: {counts.line()}",
                markup=False,
                emoji=False,
            )
        else:
            counts = count_pedigree(loaded.parameters())
            console.print(
                f"ok  {one}: {loaded.name}, {len(loaded.units)} units, {len(loaded.plan.phases)} phases, "
                f"{counts.total:,} parameters: {counts.line()}; {drillsim.content_hash(loaded)[:19]}",
                markup=False,
                emoji=False,
            )
    if failed:
        raise typer.Exit(2)


@app.command()
def schema(
    kind: Annotated[
        str, typer.Option("--kind", help="Which file kind: scenario or catalogue.", show_default=True)
    ] = "scenario",
) -> None:
    """Print the JSON Schema of scenario files (for editors), or of catalogue files."""
    if kind not in ("scenario", "catalogue"):
        raise UserError(f"option '--kind': unknown kind '{kind}'; expected scenario or catalogue.")
    sys.stdout.write(json.dumps(drillsim.scenario_schema(kind), indent=2) + "\n")  # type: ignore[arg-type]


@app.command()
def scenarios() -> None:
    """List the embedded scenarios and catalogues."""
    entries = drillsim.library_entries()
    table = Table(title="Embedded scenarios and catalogues")
    add_name_column(table, "name")
    table.add_column("kind")
    add_name_column(table, "extends")
    table.add_column("title", overflow="fold")
    for entry in entries:
        table.add_row(shown(entry.name), entry.kind, shown(entry.extends or ""), shown(entry.title))
    console.print(table, soft_wrap=False)  # a table wraps its cells to the terminal's width


def _format_values(kind: str, values: list[float]) -> list[str]:
    """A measure's values for people, by the units policy of :mod:`drillsim.study.quantities`: one unit
    for the whole row (times in s, min or h; probabilities in %; distances in m or km), chosen from the
    first value that is a number."""
    from drillsim.study.quantities import format_quantity, measure_quantity, quantity_unit

    quantity = measure_quantity(kind or None)
    typical = next((v for v in values if v == v), float("nan"))
    unit = quantity_unit(quantity, typical) if quantity in ("time", "distance") else None
    return [format_quantity(quantity, v, unit=unit) for v in values]


RUN_EVENT_LOG_LIMIT = 10
"""``drillsim run`` keeps the event log of every replication up to this many; with more, it runs them as
``drillsim mc`` does (batches streamed to the result directory, a progress bar, confidence intervals,
memory bounded whatever the count) and logs the events of this many, spread over the first measure."""


def _run_streamed(scenario: Any, *, seed: int, replications: int, target: Path, sample_s: float) -> None:
    """``drillsim run -n N`` above :data:`RUN_EVENT_LOG_LIMIT`: a Monte Carlo run into ``target``."""
    from drillsim.cli.analysis import DistributionPlots, report_monte_carlo
    from drillsim.experiments.montecarlo import monte_carlo

    console.print(
        f"{replications} replications: run in batches as 'drillsim mc' does (rows streamed to {target}, "
        f"memory bounded); the event log keeps {RUN_EVENT_LOG_LIMIT} of them, spread over the first "
        "measure's distribution.",
        markup=False,
        emoji=False,
    )
    plots = DistributionPlots(target / "plots")
    try:
        result = monte_carlo(
            scenario,
            replications=replications,
            rng=seed,
            progress=None,
            store=target,
            record=RUN_EVENT_LOG_LIMIT,
            sample_s=sample_s,
            on_summary=plots.start,
        )
    except KeyboardInterrupt:
        raise RunInterruptedError(
            f"interrupted: the finished batches are kept in {target}; run 'drillsim mc --resume {target}' "
            "to finish the run."
        ) from None
    report_monte_carlo(result, target, confidence=0.95, plots=plots)


@app.command()
def run(
    scenario: Annotated[
        str, typer.Argument(help="Scenario file or embedded scenario name.", show_default=True)
    ] = DEFAULT_SCENARIO,
    seed: Annotated[int | None, typer.Option("--seed", help="Root seed; a fresh one when omitted.")] = None,
    replications: Annotated[
        int,
        typer.Option(
            "--replications",
            "-n",
            min=1,
            help="Replications to run. Above 10, they run in batches as 'drillsim mc' does (progress, "
            "confidence intervals, memory bounded) and the event log keeps 10 of them.",
        ),
    ] = 1,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Directory for the event log and outcomes (default: runs/NAME-seedN)."),
    ] = None,
    sample_s: Annotated[
        float, typer.Option("--sample-s", help="Record unit positions every so many seconds, for replays.")
    ] = 300.0,
    allow_outside: AllowOutsideOption = False,
    memory_budget: MemoryBudgetOption = None,
    force: ForceRunOption = False,
    dis: Annotated[
        str | None,
        typer.Option(
            "--dis",
            help="Send the first replication live as DIS PDUs over UDP to HOST:PORT while it runs "
            "(127.0.0.1:3000 is the usual loopback).",
        ),
    ] = None,
    dis_rate: Annotated[
        float,
        typer.Option(
            "--dis-rate",
            help="With --dis: real-time factor (60: one simulated minute per second); 0 as fast as possible.",
        ),
    ] = 60.0,
) -> None:
    """Run a scenario and print its outcome; write the event log and outcomes to a directory."""
    from drillsim.engine.budget import check_budget, check_declared_memory, parse_bytes
    from drillsim.scenario.files import declared_size

    budget = parse_bytes(memory_budget) if memory_budget else None
    streamed = replications > RUN_EVENT_LOG_LIMIT
    if dis is not None and streamed:
        raise UserError(
            f"option '--dis': sends one run as it goes, so it takes at most {RUN_EVENT_LOG_LIMIT} "
            f"replications (-n), not {replications:,}; run the replications to send with -n "
            f"{RUN_EVENT_LOG_LIMIT} or fewer, or replay a result with 'drillsim replay-dis'."
        )
    declared = declared_size(scenario)  # refused before the scenario models load, when plainly too large
    if declared is not None and not streamed:
        check_declared_memory(declared, replications=replications, memory_budget=budget)
    loaded = drillsim.load_scenario(scenario, allow_outside=allow_outside)
    # The engine, Numba and the report load only once the scenario is read.
    from drillsim.core.compiled import report_compilation
    from drillsim.core.random import root_seed
    from drillsim.engine.simulation import RECORD_BATCH, Simulation, record
    from drillsim.experiments.montecarlo import DEFAULT_BATCH, progress_bar
    from drillsim.report import write_report
    from drillsim.world.build import build_world

    if streamed:  # in batches, as mc runs them: memory bounded whatever the count
        workers = os.cpu_count() or 1
        check_budget(
            loaded,
            replications=min(DEFAULT_BATCH, -(-replications // workers)),
            concurrent=workers,
            total=replications,
            memory_budget=budget,
            force=force,
        )
    else:
        check_budget(loaded, replications=replications, memory_budget=budget, force=force)
    seed = root_seed(seed)
    target = out if out is not None else Path("runs") / f"{loaded.name}-seed{seed}"
    refuse_to_replace(target, force=force)
    check_writable(target)
    # The first run after an install compiles the kernels (a minute of CPU): say so, and how many.
    with report_compilation(lambda line: error_console.print(line, markup=False, emoji=False)):
        if streamed:
            _run_streamed(loaded, seed=seed, replications=replications, target=target, sample_s=sample_s)
            return
        world = build_world(loaded)
        stream = None
        if dis is not None:
            from drillsim.interop import DisStream

            header = Simulation(loaded, rng=seed, replications=replications, world=world).header()
            stream = DisStream(header, loaded, to=dis, rate=dis_rate)
        try:
            with progress_bar(None, f"{loaded.name} (simulated steps)", unit="steps") as update:
                # A batch at a time, each one's events spooled to disk as it ends: memory holds one batch's
                # events. The live DIS stream sends the first replication as it runs: one batch.
                outcomes = record(
                    loaded,
                    rng=seed,
                    replications=replications,
                    sample_s=sample_s,
                    batch=replications if stream is not None else RECORD_BATCH,
                    world=world,
                    on_step=update,
                    sink=stream,
                    ahead=True,
                )
        finally:
            sent = stream.close() if stream is not None else None
    outcomes.write(target)
    del world  # the report reads the result back from disk: it needs neither the world nor the run's
    gc.collect()  # state, and would otherwise set the command's peak memory on top of them
    if sent is not None:
        console.print(
            f"DIS: replication {sent.replication}, {sent.entity_state} entity state, {sent.fire} fire and "
            f"{sent.detonation} detonation PDUs sent to {sent.sent_to} in {sent.wall_s:.1f} s",
            markup=False,
            emoji=False,
        )
    console.print(f"report written to {write_report(target)}", markup=False, emoji=False)
    table = Table(
        title=f"{shown(loaded.title)} ({loaded.name}), seed {outcomes.seed}, {replications} replication(s)"
    )
    add_name_column(table, "measure")
    kinds = {name: m.kind for name, m in loaded.measures.items()}
    if replications == 1:
        table.add_column("value", justify="right")
        for row in outcomes.summary():
            table.add_row(
                shown(row["measure"]), *_format_values(kinds.get(row["measure"], ""), [row["mean"]])
            )
    else:
        for col in ("mean", "median", "5%", "95%", "runs with a value"):
            table.add_column(col, justify="right")
        for row in outcomes.summary():
            name = row["measure"]
            kind = kinds.get(name, "")
            table.add_row(
                shown(name),
                *_format_values(kind, [row[k] for k in ("mean", "median", "p05", "p95")]),
                f"{row['n']}/{row['of']}",
            )
    console.print(table, soft_wrap=False)  # a table wraps its cells to the terminal's width
    console.print(f"event log and outcomes written to {target}", markup=False, emoji=False)


# Command groups defined in their own modules register themselves here (one line each).
# The command modules' commands come after the core commands above, in this order.
for _module in (replay, analysis, experiments, study, validity, interop):
    _module.register(app)


class _NamedArgument(TyperArgument):
    """An argument shown in help by its upper-case name alone (``SCENARIO``, ``VARIANT...``): the name and
    the help text say what to give, and Typer's type label (``<list[str]>``) says it in Python."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def _rich_display_name(self) -> str:
        return self.display_name_raw + ("..." if self.nargs != 1 else "")

    def _usage_display_name(self) -> str:
        """The usage line's convention: a required argument bare (``BASE``), an optional one in brackets
        (``[SCENARIO]``); Typer's braces (``{BASE}``) read as a set of choices."""
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name + ("..." if self.nargs != 1 else "")


def readable_placeholders(command: Any) -> Any:
    """Give every parameter a placeholder a person reads: arguments by their upper-case name
    (``VARIANT...``), options taking a list by theirs (``--measure MEASURE``); returns ``command``."""
    for param in command.params:
        if isinstance(param, TyperArgument):
            param.__class__ = _NamedArgument
            param.metavar = param.metavar or (param.name or "value").upper()
        elif getattr(param, "multiple", False) and param.metavar is None:
            param.metavar = (param.name or "value").upper()
        elif param.metavar is None and getattr(getattr(param, "type_descriptor", None), "is_ranged", False):
            # Typer labels these ``<int range>``; the bounds are already shown after the help ([x>=1])
            param.metavar = f"<{param.type_descriptor.ranged_type_name}>"
    for sub in getattr(command, "commands", {}).values():
        readable_placeholders(sub)
    return command


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (2 for user errors), never a traceback for bad input."""
    try:
        readable_placeholders(typer.main.get_command(app)).main(args=argv, prog_name="drillsim")
    except UserError as exc:
        print_error(exc)
        return exc.exit_code
    except RunInterruptedError as exc:
        error_console.print(shown(exc.message), markup=False, emoji=False)
        return exc.exit_code
    except SystemExit as exc:
        code = exc.code
        if code is None:
            return 0
        if code == INTERRUPTED_EXIT:  # Ctrl-C outside a command that says more (typer's own exit code)
            error_console.print("interrupted", markup=False)
        if isinstance(code, int):
            return code
        error_console.print(str(code))
        return 1
    except KeyboardInterrupt:
        error_console.print("interrupted", markup=False)
        return INTERRUPTED_EXIT
    except OSError as exc:
        number = storage_errno(exc)
        if number is None or number not in STORAGE_ERRORS:
            raise
        where = f" {exc.filename}" if exc.filename else ""
        print_error(
            UserError(
                f"cannot write{where}: {os.strerror(number)}; free some space, or choose another output "
                "directory with --out (nothing half-written was left: every file is written under a "
                "temporary name and renamed once whole)."
            )
        )
        return 2
    return 0


INTERRUPTED_EXIT = 130
"""Exit code after Ctrl-C (128 + SIGINT, as shells report it)."""
