"""Commands ``drillsim view`` and ``drillsim report``: the after-action review of a result directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]


def view(
    result_dir: Annotated[
        Path, typer.Argument(help="Result directory written by 'drillsim run' or 'drillsim mc'.")
    ],
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Port on 127.0.0.1 (0: a free one).")
    ] = 0,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open a web browser.")] = False,
) -> None:
    """Replay a result in the browser: map, unit symbols, timeline, unit panel, ensemble view."""

    from drillsim.report import view as _view

    def announce(url: str) -> None:
        typer.echo(f"drillsim replay of {result_dir} at {url}  (Ctrl+C to stop)")

    try:
        _view(result_dir, port=port, open_browser=not no_browser, announce=announce)
    except KeyboardInterrupt:
        typer.echo("stopped")


def report(
    result_dir: Annotated[
        Path, typer.Argument(help="Result directory written by 'drillsim run' or 'drillsim mc'.")
    ],
    out: Annotated[
        Path | None, typer.Option("--out", help="HTML file to write (default: RESULT_DIR/report.html).")
    ] = None,
    replication: Annotated[
        int | None, typer.Option("--replication", help="Replication the maps and kill chain show.")
    ] = None,
) -> None:
    """Write one self-contained HTML after-action report (works offline, opened from disk)."""
    from drillsim.core.manifest import check_writable
    from drillsim.report import write_report
    from drillsim.report.html import REPORT_FILE

    target = out if out is not None else result_dir / REPORT_FILE
    check_writable(target.parent)
    path = write_report(result_dir, out=out, replication=replication)
    typer.echo(f"report written to {path}")


def register(app: typer.Typer) -> None:
    """Add ``view`` and ``report`` to the drillsim command line."""
    app.command(name="view")(view)
    app.command(name="report")(report)
