"""Errors that drillsim raises on purpose.

A *user error* is bad input: a malformed file, an unknown name, an impossible value. It carries
everything a person needs to fix it (file, line, column, field path, what was expected, what was found,
a suggestion) and the command line prints it as one paragraph with exit code 2, never a traceback.
Anything else that escapes is a bug in drillsim.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MAX_MESSAGE_CHARS = 2000
"""No error message is longer than this: quoted values are cut short and the rest is summarised."""


def clip(text: str, limit: int = 120) -> str:
    """``text`` cut to at most ``limit`` characters, saying how long it was when it had to be cut."""
    if len(text) <= limit:
        return text
    tail = f"... ({len(text):,} characters)"
    return text[: max(limit - len(tail), 0)] + tail


@dataclass(frozen=True, slots=True)
class Location:
    """Where in a file something sits; line and column count from 1."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        text = clip(self.file, 400)
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text


class DrillsimError(Exception):
    """Base class of every error drillsim raises deliberately."""


class UserError(DrillsimError):
    """Bad input from the person running drillsim; shown without a traceback, exit code 2."""

    exit_code = 2


class InputError(UserError):
    """A problem at one place in an input file.

    ``path`` is the field path inside the document, such as ``units.arm/sof-coy/1.strength``.
    """

    def __init__(
        self,
        message: str,
        *,
        location: Location | None = None,
        path: str | None = None,
        expected: str | None = None,
        found: str | None = None,
        suggestion: str | None = None,
        more: int = 0,
    ) -> None:
        self.message = message
        self.location = location
        self.path = path
        self.expected = expected
        self.found = found
        self.suggestion = suggestion
        self.more = more
        super().__init__(self.render())

    def render(self) -> str:
        """The whole error as one paragraph, never longer than :data:`MAX_MESSAGE_CHARS`."""
        parts: list[str] = []
        head = f"{self.location}: " if self.location is not None else ""
        if self.path:
            head += f"field '{clip(self.path, 200)}': "
        parts.append(head + clip(self.message, 500).rstrip("."))
        if self.expected is not None:
            parts.append(f"expected {clip(self.expected, 400)}")
        if self.found is not None:
            parts.append(f"found {clip(self.found, 300)}")
        text = "; ".join(parts) + "."
        if self.suggestion:
            text += f" Did you mean '{clip(self.suggestion, 100)}'?"
        if self.more:
            s = "s" if self.more > 1 else ""
            text += f" ({self.more} more problem{s} in this input; 'drillsim validate' lists them all.)"
        return clip(text, MAX_MESSAGE_CHARS)

    def with_more(self, more: int) -> InputError:
        """The same error, saying how many more problems there are."""
        return InputError(
            self.message,
            location=self.location,
            path=self.path,
            expected=self.expected,
            found=self.found,
            suggestion=self.suggestion,
            more=more,
        )


class AllProblemsError(UserError):
    """Every problem found in one input, each an :class:`InputError`; printed one per line."""

    def __init__(self, problems: Sequence[InputError]) -> None:
        if not problems:
            raise ValueError("AllProblemsError needs at least one problem")
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
