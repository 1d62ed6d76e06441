"""What every command shares: the consoles, how a user error is printed, and the default scenario."""

from __future__ import annotations

import re
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from drillsim.core.errors import AllProblemsError, UserError
from drillsim.core.manifest import holds_result

__all__ = [
    "DEFAULT_SCENARIO",
    "RunInterruptedError",
    "add_name_column",
    "console",
    "error_console",
    "print_error",
    "refuse_to_replace",
    "shown",
]

DEFAULT_SCENARIO = "khatlon-2015"
"""The scenario that ``drillsim run`` and ``drillsim mc`` run when none is named."""

console = Console(highlight=False, soft_wrap=True)
error_console = Console(stderr=True, highlight=False, soft_wrap=True)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def shown(text: object) -> str:
    """Scenario text made safe for the terminal: control characters (escape sequences) dropped, and Rich
    markup escaped so that ``[/bold]`` in a title is printed, never interpreted."""
    return escape(_CONTROL.sub("", str(text)))


def print_error(exc: UserError) -> None:
    """A user error as one paragraph on standard error (one paragraph per problem when it holds several)."""
    problems = exc.problems if isinstance(exc, AllProblemsError) else (exc,)
    for problem in problems:
        error_console.print(f"[bold red]error:[/] {shown(problem)}", markup=True, emoji=False)


class RunInterruptedError(Exception):
    """Ctrl-C stopped a command: printed as its one-line message (what was kept, how to go on), exit 130."""

    exit_code = 130

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def refuse_to_replace(out: Path, *, force: bool) -> None:
    """Refuse an ``--out`` directory that already holds a result unless ``--force`` was given: its files
    would be replaced and mixed with the new run's (``drillsim run`` and ``drillsim mc`` alike)."""
    if holds_result(out) and not force:
        raise UserError(
            f"option '--out': {out} already holds a result; its files would be replaced and mixed "
            "with this run's. Choose another directory, or give --force to replace it."
        )


def add_name_column(table: Table, header: str) -> None:
    """A table column of names the user types (scenarios, measures): never wrapped at a hyphen, so the
    other columns wrap first and every name is shown whole; only a terminal too narrow even for the name
    alone folds it onto a second line, never cuts it with an ellipsis."""
    table.add_column(header, no_wrap=True, overflow="fold")
