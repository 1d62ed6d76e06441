"""Reading scenario and catalogue files: a path or an embedded library name -> parsed YAML with marks.

Files are refused when too large or not UTF-8; embedded entries are parsed once per process. Nothing here
validates: :func:`declared_size` reads the size a scenario declares straight from its YAML, so that a run
too large to fit is refused before the scenario models (pydantic) or the engine load.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drillsim.core.errors import InputError, Location, clip
from drillsim.core.suggest import closest_match
from drillsim.scenario._yaml import Document, Marks, parse_yaml
from drillsim.scenario.library import EntryKind, LibraryEntry, entry_names, find_entry

__all__ = [
    "MAX_FILE_BYTES",
    "SCENARIO_SUFFIXES",
    "DeclaredSize",
    "declared_size",
    "decode_text",
    "is_file",
    "parse_entry",
    "read_file",
    "read_source",
]

MAX_FILE_BYTES = 1024 * 1024
"""Largest scenario or catalogue file read: 1 MB, 25 times the largest shipped file, parsed in seconds."""
SCENARIO_SUFFIXES = (".yaml", ".yml")


def decode_text(raw: bytes, *, file: str) -> str:
    """The bytes of a file as text; anything but UTF-8 is an error at the line and column of the first bad
    byte."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            "the file is UTF-16 text",
            location=Location(file, 1, 1),
            expected="UTF-8 text (save the file as UTF-8)",
            found="a UTF-16 byte-order mark",
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
        start = exc.start - (len(raw) - len(body))
        line_start = body.rfind(b"\n", 0, start) + 1
        line = body.count(b"\n", 0, start) + 1
        column = len(body[line_start:start].decode("utf-8", errors="replace")) + 1
        raise InputError(
            "the file is not valid UTF-8 text",
            location=Location(file, line, column),
            expected="UTF-8 text",
            found=f"the byte 0x{body[start]:02X}",
        ) from None


def read_file(path: Path) -> Document:
    """Parse one YAML file, refusing files too large to be scenarios and text that is not UTF-8."""
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InputError(
            f"cannot read the file: {exc.strerror or type(exc).__name__}", location=Location(str(path))
        ) from None
    if len(raw) > MAX_FILE_BYTES:
        raise InputError(
            "the file is too large",
            location=Location(str(path), 1, 1),
            expected=f"at most {MAX_FILE_BYTES // (1024 * 1024)} MB",
        )
    return parse_yaml(decode_text(raw, file=str(path)), file=str(path))


def is_file(path: Path) -> bool:
    """Whether ``path`` is a readable file; a name the system refuses (too long, a NUL byte) is not."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def read_source(source: str | Path, *, kind: EntryKind) -> Document:
    """Read a file path or a library name given by the caller (any path the caller can read)."""
    text_source = str(source)
    candidate = Path(text_source)
    if is_file(candidate):
        return read_file(candidate)
    entry = find_entry(text_source, kind)
    if entry is not None:
        return parse_entry(entry)
    names = entry_names(kind)
    looks_like_path = text_source.endswith(SCENARIO_SUFFIXES) or "/" in text_source or "\\" in text_source
    raise InputError(
        f"no file '{clip(str(candidate))}'"
        if looks_like_path
        else f"no file and no embedded {kind} named '{clip(text_source)}'",
        expected=f"a path to a YAML file or one of the embedded {kind}s: " + (", ".join(names) or "(none)"),
        suggestion=closest_match(text_source, names) if len(text_source) < 200 else None,
    )


@functools.lru_cache(maxsize=32)
def _parse_library_text(text: str, file: str) -> Document:
    return parse_yaml(text, file=file, packaged=True)


def parse_entry(entry: LibraryEntry) -> Document:
    """An embedded scenario or catalogue, parsed once per process (callers get their own copy)."""
    doc = _parse_library_text(entry.read_text(), entry.file)
    return Document(_copy_tree(doc.data), Marks(dict(doc.marks.keys), dict(doc.marks.values)), doc.file)


def _copy_tree(data: Any) -> Any:
    """A copy of the mappings and lists of parsed YAML (the scalars in it are immutable)."""
    if isinstance(data, dict):
        return {key: _copy_tree(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_copy_tree(value) for value in data]
    return data


@dataclass(frozen=True)
class DeclaredSize:
    """The size a scenario declares in its file, read before validation: its name and its elements (every
    unit's ``count`` added up)."""

    name: str
    elements: float


def _plain_count(value: Any) -> float | None:
    """A count written plainly or as ``{value: N, ...}``; None for anything else."""
    if isinstance(value, dict):
        value = value.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return math.inf
    return number if number >= 0 else None  # NaN compares false: None


def declared_size(source: str | Path) -> DeclaredSize | None:
    """The size the scenario at ``source`` (a file or an embedded name) declares, or None when it cannot
    be told without loading it: a variant (``extends:``), or units or counts not written plainly.

    Only for refusing early: it validates nothing, so a scenario it sizes may still be refused on loading.
    """
    data = read_source(source, kind="scenario").data
    units = data.get("units") if isinstance(data, dict) and "extends" not in data else None
    if not isinstance(units, dict):
        return None
    elements = 0.0
    for unit in units.values():
        count = _plain_count(unit.get("count", 1)) if isinstance(unit, dict) else None
        if count is None:
            return None
        elements += count
    return DeclaredSize(str(data.get("name", source)), elements)
