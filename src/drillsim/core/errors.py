"""Errors that drillsim raises on purpose.

A *user error* is bad input: a malformed file, an unknown name, an impossible value. It carries
everything a person needs to fix it (file, line, column, field path, what was expected, what was found,
a suggestion) and the command line prints it as one paragraph with exit code 2, never a traceback.
Anything else that escapes is a bug in drillsim.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Location:
    """Where in a file something sits; line and column count from 1."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        text = self.file
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
    ) -> None:
        self.message = message
        self.location = location
        self.path = path
        self.expected = expected
        self.found = found
        self.suggestion = suggestion
        super().__init__(self.render())

    def render(self) -> str:
        """The whole error as one paragraph."""
        parts: list[str] = []
        head = f"{self.location}: " if self.location is not None else ""
        if self.path:
            head += f"field '{self.path}': "
        parts.append(head + self.message.rstrip("."))
        if self.expected is not None:
            parts.append(f"expected {self.expected}")
        if self.found is not None:
            parts.append(f"found {self.found}")
        text = "; ".join(parts) + "."
        if self.suggestion:
            text += f" Did you mean '{self.suggestion}'?"
        return text
