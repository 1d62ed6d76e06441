"""Commands ``drillsim export``, ``drillsim replay-dis`` and ``drillsim import-msdl``: results out as
geographic files and DIS PDUs, orders of battle in from MSDL.
 Each calls one public function of :mod:`drillsim.interop` with the same parameter
names and prints what it did."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]


def export(
    result_dir: Annotated[
        Path, typer.Argument(help="Result directory written by 'drillsim run' or 'drillsim mc'.")
    ],
    file_format: Annotated[str, typer.Option("--format", help="One of geojson, kml, csv, gpkg.")] = "geojson",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="File to write (default: RESULT_DIR/<scenario>-seed<seed>.<format>)."),
    ] = None,
    replication: Annotated[
        int | None, typer.Option("--replication", help="Export only this recorded replication.")
    ] = None,
) -> None:
    """Write tracks, located events and the scenario's places, lines and areas in WGS84 lon/lat."""
    from drillsim.interop import export_result

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


def replay_dis_command(
    result_dir: Annotated[
        Path, typer.Argument(help="Result directory written by 'drillsim run' or 'drillsim mc'.")
    ],
    to: Annotated[
        str | None,
        typer.Option(
            "--to", help="HOST:PORT to send UDP datagrams to (default 127.0.0.1:3000 unless only --pcap)."
        ),
    ] = None,
    rate: Annotated[
        float,
        typer.Option(
            "--rate", help="Real-time factor: 60 sends one simulated minute per second; 0 no waiting."
        ),
    ] = 60.0,
    replication: Annotated[
        int | None, typer.Option("--replication", help="Recorded replication to replay (default: the first).")
    ] = None,
    pcap: Annotated[
        Path | None, typer.Option("--pcap", help="Write the PDUs to this pcap capture file.")
    ] = None,
    as_fast_as_possible: Annotated[
        bool, typer.Option("--as-fast-as-possible", help="Send without waiting (the same as --rate 0).")
    ] = False,
) -> None:
    """Replay a recorded run as DIS version 7 Entity State, Fire and Detonation PDUs (UDP, pcap or both)."""
    from drillsim.interop import replay_dis

    done = replay_dis(
        result_dir,
        to=to,
        rate=rate,
        replication=replication,
        pcap=pcap,
        as_fast_as_possible=as_fast_as_possible,
    )
    pdus = done.entity_state + done.fire + done.detonation
    typer.echo(
        f"replication {done.replication}: {pdus} PDUs ({done.entity_state} entity state, {done.fire} fire, "
        f"{done.detonation} detonation) for {done.entities} entities over {done.simulated_s:,.0f} simulated s"
    )
    if done.sent_to is not None:
        typer.echo(f"sent to {done.sent_to} in {done.wall_s:.1f} s")
    if done.pcap is not None:
        typer.echo(f"capture written to {done.pcap}")


def import_msdl_command(
    file: Annotated[Path, typer.Argument(help="MSDL (SISO-STD-007-2008) scenario file.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Scenario YAML to write (default: FILE with .yaml).")
    ] = None,
) -> None:
    """Turn an MSDL order of battle into a drillsim scenario; list what could not be mapped."""
    from drillsim.interop import import_msdl

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
    """Add ``export``, ``replay-dis`` and ``import-msdl`` to the drillsim command line."""
    app.command(name="export")(export)
    app.command(name="replay-dis")(replay_dis_command)
    app.command(name="import-msdl")(import_msdl_command)
