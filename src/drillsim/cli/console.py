"""What every command shares: the consoles, how a user error is printed, and the default scenario."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from drillsim.core.errors import AllProblemsError, UserError

__all__ = ["DEFAULT_SCENARIO", "console", "error_console", "print_error"]

DEFAULT_SCENARIO = "khatlon-2015-v1"
"""The scenario that ``drillsim run`` and ``drillsim mc`` run when none is named."""

console = Console(highlight=False, soft_wrap=True)
error_console = Console(stderr=True, highlight=False, soft_wrap=True)


def print_error(exc: UserError) -> None:
    """A user error as one paragraph on standard error (one paragraph per problem when it holds several)."""
    problems = exc.problems if isinstance(exc, AllProblemsError) else (exc,)
    for problem in problems:
        error_console.print(f"[bold red]error:[/] {escape(str(problem))}", markup=True, emoji=False)
