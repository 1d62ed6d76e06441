"""Commands for experiments: ``drillsim experiment FILE`` and ``drillsim results query STORE SQL``.

Each calls one public function of :mod:`drillsim.experiments.experiment`; ``--out`` is the ``store``
parameter.
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from drillsim.cli.options import DaskLocalOption, MemoryBudgetOption, SchedulerOption, WorkersOption

_console = Console(highlight=False, soft_wrap=True)


def experiment(
    file: Annotated[Path, typer.Argument(help="Experiment file (YAML).", show_default=False)],
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue an interrupted run: only unfinished replications run.")
    ] = False,
    scheduler: SchedulerOption = None,
    dask_local: DaskLocalOption = None,
    workers: WorkersOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Results store directory (default: runs/EXPERIMENT).")
    ] = None,
    memory_budget: MemoryBudgetOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Run even above the limit of 1e8 replication-steps.")
    ] = False,
) -> None:
    """Run an experiment (design points x replications) and write one row per replication to a store."""
    from drillsim.cli.console import RunInterruptedError
    from drillsim.core.manifest import check_writable
    from drillsim.engine.budget import parse_bytes
    from drillsim.experiments.executors import make_executor
    from drillsim.experiments.experiment import load_experiment, run_experiment

    loaded = load_experiment(file)
    budget = parse_bytes(memory_budget) if memory_budget else None
    # Checked before a worker or a cluster starts; run_experiment checks again with the executor's slots.
    loaded.check_budget(
        concurrent=dask_local or workers or (None if scheduler else os.cpu_count()),
        memory_budget=budget,
        force=force,
    )
    target = out if out is not None else Path("runs") / loaded.name
    check_writable(target)
    runner = make_executor(scheduler=scheduler, dask_local=dask_local, workers=workers)
    try:
        store = run_experiment(
            loaded,
            resume=resume,
            executor=runner,
            store=target,
            progress=sys.stderr.isatty(),  # as mc: a bar on a terminal, nothing in a log
            memory_budget=budget,
            force=force,
        )
    except KeyboardInterrupt:
        raise RunInterruptedError(
            f"interrupted: the finished replications are kept in {target}; run the same command with "
            "--resume to finish the experiment."
        ) from None
    finally:
        runner.close()
    manifest = json.loads((store / "manifest.json").read_text(encoding="utf-8"))
    last = manifest["runs"][-1]
    _console.print(
        f"{manifest['experiment']}: {manifest['design']['points']} design points x "
        f"{manifest['replications']} replications = {manifest['rows_expected']} rows in {store} "
        f"(ran {last['pairs_run']}, {last['pairs_already_done']} already done; {last['executor']})",
        markup=False,
        emoji=False,
    )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "-" if math.isnan(value) else f"{value:.6g}"
    return str(value)


QUERY_FORMATS = ("table", "csv", "json", "parquet")
"""What ``drillsim results query --format`` writes: a table for people; CSV, JSON lines or Parquet for
programs (Parquet only to a file)."""


def query(
    store: Annotated[Path, typer.Argument(help="Results store directory.", show_default=False)],
    sql: Annotated[
        str, typer.Argument(help="DuckDB SQL over the views 'results' and 'design'.", show_default=False)
    ],
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help="table (for people), csv, json (one object per line) or parquet (needs --out).",
        ),
    ] = "table",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Write the answer to this file instead of the screen.", show_default=False
        ),
    ] = None,
) -> None:
    """Query a results store with SQL (DuckDB); print the answer as a table, CSV or JSON, or write Parquet."""
    from drillsim.core.errors import UserError
    from drillsim.experiments.experiment import query_results

    if output_format not in QUERY_FORMATS:
        raise UserError(
            f"option '--format': unknown format '{output_format}'; "
            f"expected one of {', '.join(QUERY_FORMATS)}."
        )
    if output_format == "parquet" and out is None:
        raise UserError("option '--format parquet' writes a file: give it with --out FILE.parquet.")
    answer = query_results(store, sql)
    if output_format == "table":
        text = _as_table(answer)
    elif output_format == "csv":
        text = _as_csv(answer)
    elif output_format == "json":
        text = "".join(json.dumps(row, default=str) + "\n" for row in answer.to_pylist())
    else:
        _write_parquet(answer, out)  # type: ignore[arg-type] # out is given: checked above
        _console.print(f"{answer.num_rows} row(s) written to {out}", markup=False, emoji=False)
        return
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        _console.print(f"{answer.num_rows} row(s) written to {out}", markup=False, emoji=False)


def _as_table(answer: Any) -> str:
    """The answer as a table for people; a long value (a hash) folds within its column."""
    table = Table()
    for name in answer.column_names:
        table.add_column(Text(name), overflow="fold")
    for row in answer.to_pylist():
        table.add_row(*(Text(_cell(v)) for v in row.values()))
    with _console.capture() as captured:
        _console.print(table, soft_wrap=False)
        _console.print(f"{answer.num_rows} row(s)", markup=False)
    return captured.get()


def _as_csv(answer: Any) -> str:
    """The answer as CSV with a header row; a missing value is an empty cell."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(answer.column_names)
    for row in answer.to_pylist():
        writer.writerow(["" if v is None else v for v in row.values()])
    return buffer.getvalue()


def _write_parquet(answer: Any, out: Path) -> None:
    from drillsim.experiments.montecarlo import write_parquet_atomic

    out.parent.mkdir(parents=True, exist_ok=True)
    write_parquet_atomic(answer, out)


def register(app: typer.Typer) -> None:
    """Add ``experiment`` and the ``results`` command group to the program."""
    app.command("experiment")(experiment)
    results = typer.Typer(
        name="results",
        help="Work with experiment results stores.",
        no_args_is_help=True,
        rich_markup_mode=None,
    )
    results.command("query")(query)
    app.add_typer(results, name="results")
