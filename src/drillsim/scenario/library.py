"""The library of embedded scenarios and catalogues that ship inside the package.

Scenarios live in ``library/*.yaml`` and catalogues in ``library/catalogues/*.yaml``; each is named by
its ``name`` (or ``catalogue``) field, which is also its file stem, so ``load_scenario("khatlon-2015-v1")``
needs no path.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Literal

import yaml

EntryKind = Literal["scenario", "catalogue"]


@dataclass(frozen=True)
class LibraryEntry:
    """One embedded scenario or catalogue."""

    name: str
    kind: EntryKind
    title: str
    extends: str | None
    resource: Traversable

    def read_text(self) -> str:
        return self.resource.read_text(encoding="utf-8")

    @property
    def file(self) -> str:
        """How the entry is named in messages: ``<library>/name.yaml``."""
        sub = "catalogues/" if self.kind == "catalogue" else ""
        return f"<library>/{sub}{self.name}.yaml"


def _root() -> Traversable:
    return resources.files("drillsim.scenario").joinpath("library")


def _entries_in(folder: Traversable, kind: EntryKind) -> list[LibraryEntry]:
    found: list[LibraryEntry] = []
    if not folder.is_dir():
        return found
    for item in sorted(folder.iterdir(), key=lambda t: t.name):
        if not item.name.endswith(".yaml"):
            continue
        head = yaml.safe_load(item.read_text(encoding="utf-8")) or {}
        extends = head.get("extends")
        found.append(
            LibraryEntry(
                name=item.name.removesuffix(".yaml"),
                kind=kind,
                title=str(head.get("title", "")),
                extends=extends if isinstance(extends, str) else None,
                resource=item,
            )
        )
    return found


def library_entries() -> list[LibraryEntry]:
    """Every embedded scenario, then every embedded catalogue, each sorted by name."""
    root = _root()
    return _entries_in(root, "scenario") + _entries_in(root.joinpath("catalogues"), "catalogue")


def find_entry(name: str, kind: EntryKind) -> LibraryEntry | None:
    """The embedded entry of that kind and name, or None."""
    for entry in library_entries():
        if entry.kind == kind and entry.name == name:
            return entry
    return None
