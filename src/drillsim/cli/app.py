"""Commands of the ``drillsim`` program.

Each command calls one public function of :mod:`drillsim` with the same parameter names, and prints its
result. User errors (bad files, unknown names) are printed as one paragraph, exit code 2, no traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

import drillsim
from drillsim.core.errors import UserError
from drillsim.scenario.models import CatalogueFile

app = typer.Typer(
    name="drillsim",
    help="Wargaming and military-exercise simulation: scenarios, Monte Carlo, kill-chain analysis.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _print_error(exc: UserError) -> None:
    err.print(f"[bold red]error:[/] {exc}", markup=True, emoji=False)


def _version(value: bool) -> None:
    if value:
        out.print(f"drillsim {drillsim.__version__}")
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
    path: Annotated[list[Path], typer.Argument(help="Scenario or catalogue files to check.", show_default=False)],
) -> None:
    """Check scenario and catalogue files; report every problem with file, line and field."""
    failed = 0
    for one in path:
        try:
            loaded = drillsim.validate(one)
        except UserError as exc:
            failed += 1
            _print_error(exc)
            continue
        if isinstance(loaded, CatalogueFile):
            n = len(loaded.unit_types)
            out.print(f"ok  {one}: catalogue {loaded.catalogue}, {n} unit types, {len(loaded.weapons)} weapons")
        else:
            params = loaded.parameters()
            sourced = sum(1 for p in params if p.source)
            out.print(
                f"ok  {one}: {loaded.name}, {len(loaded.units)} units, {len(loaded.plan.phases)} phases, "
                f"{sourced}/{len(params)} parameters sourced, {drillsim.content_hash(loaded)[:19]}"
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
    table = Table(title="Embedded scenarios and catalogues")
    table.add_column("name")
    table.add_column("kind")
    table.add_column("extends")
    table.add_column("title")
    for entry in drillsim.library_entries():
        table.add_row(entry.name, entry.kind, entry.extends or "", entry.title)
    out.print(table)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (2 for user errors), never a traceback for bad input."""
    try:
        app(args=argv, prog_name="drillsim")
    except UserError as exc:
        _print_error(exc)
        return exc.exit_code
    except SystemExit as exc:
        code = exc.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code
        err.print(str(code))
        return 1
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    return 0
