"""Options that several commands share, declared once so that their names, help and defaults agree."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = [
    "AllowOutsideOption",
    "DaskLocalOption",
    "ForceRunOption",
    "MemoryBudgetOption",
    "SchedulerOption",
    "WorkersOption",
]

AllowOutsideOption = Annotated[
    bool,
    typer.Option(
        "--allow-outside",
        help="Let 'extends:', catalogues, geodata and elevation name files outside the folder of the file "
        "that names them.",
    ),
]
MemoryBudgetOption = Annotated[
    str | None,
    typer.Option(
        "--memory-budget",
        help="Refuse runs estimated to need more memory than this (4G, 512M; default: memory available now).",
        show_default=False,
    ),
]
ForceRunOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Replace the result already in the --out directory, and run even above the limit of 1e8 "
        "replication-steps.",
    ),
]

# Where replications run: the options of every command that runs them on an executor (experiment, mc).
SchedulerOption = Annotated[
    str | None, typer.Option("--scheduler", help="Run on the Dask cluster at this scheduler address.")
]
DaskLocalOption = Annotated[
    int | None, typer.Option("--dask-local", help="Run on a local Dask cluster of N worker processes.")
]
WorkersOption = Annotated[
    int | None, typer.Option("--workers", help="Worker processes of the local pool (default: CPU count).")
]
