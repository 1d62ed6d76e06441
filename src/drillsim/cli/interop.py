"""Commands ``drillsim export`` and ``drillsim import-msdl``: results out as geographic files, orders of
battle in from MSDL. Each calls one public function of :mod:`drillsim.interop` with the same parameter
names and prints what it did."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from drillsim.interop import EXPORT_FORMATS, export_result, import_msdl

__all__ = ["register"]


def export(
    result_dir: Annotated[
        Path, typer.Argument(help="Result directory written by 'drillsim run' or 'drillsim mc'.")
    ],
    file_format: Annotated[
        str, typer.Option("--format", help=f"One of {', '.join(EXPORT_FORMATS)}.")
    ] = "geojson",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="File to write (default: RESULT_DIR/<scenario>-seed<seed>.<format>)."),
    ] = None,
    replication: Annotated[
        int | None, typer.Option("--replication", help="Export only this recorded replication.")
    ] = None,
) -> None:
    """Write tracks, located events and the scenario's places, lines and areas in WGS84 lon/lat."""
    summary = export_result(result_dir, file_format=file_format, out=out, replication=replication)
    reps = ", ".join(str(r) for r in summary.replications) or "none"
    typer.echo(
        f"{summary.file_format} written to {summary.path}: {summary.tracks} tracks "
        f"({summary.samples} samples), "
        f"{summary.events} events, {summary.features} scenario features; replications {reps}"
    )
    if summary.layers:
        typer.echo(f"layers: {', '.join(summary.layers)}")
    if summary.unplaced_events:
        typer.echo(f"{summary.unplaced_events} events left out: their unit has no track to place them on")


def import_msdl_command(
    file: Annotated[Path, typer.Argument(help="MSDL (SISO-STD-007-2008) scenario file.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Scenario YAML to write (default: FILE with .yaml).")
    ] = None,
) -> None:
    """Turn an MSDL order of battle into a drillsim scenario; list what could not be mapped."""
    done = import_msdl(file, out=out)
    typer.echo(f"scenario {done.scenario} written to {done.path}: {done.sides} sides, {done.units} units")
    if done.defaults:
        typer.echo("defaults filled in:")
        for line in done.defaults:
            typer.echo(f"  - {line}")
    if done.not_mapped:
        typer.echo(f"not mapped or not imported ({len(done.not_mapped)}):")
        for line in done.not_mapped:
            typer.echo(f"  - {line}")
    typer.echo(f"next: drillsim validate {done.path}")


def register(app: typer.Typer) -> None:
    """Add ``export`` and ``import-msdl`` to the drillsim command line."""
    app.command(name="export")(export)
    app.command(name="import-msdl")(import_msdl_command)
