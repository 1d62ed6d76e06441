"""The library of embedded scenarios and catalogues that ship inside the package.

Scenarios live in ``library/*.yaml`` and catalogues in ``library/catalogues/*.yaml``; each is named by
its ``name`` (or ``catalogue``) field, which is also its file stem, so ``load_scenario("khatlon-2015-v1")``
needs no path. A scenario name without its version (``khatlon-2015``) names the newest version in the
library (``khatlon-2015-v2``); the older versions stay loadable by their full names.
"""

from __future__ import annotations

import functools
import re
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


def _files_in(folder: Traversable) -> list[Traversable]:
    if not folder.is_dir():
        return []
    return sorted((t for t in folder.iterdir() if t.name.endswith(".yaml")), key=lambda t: t.name)


@functools.lru_cache(maxsize=64)
def _title_and_base(text: str) -> tuple[str, str | None]:
    # A packaged file, so libyaml's loader (in C, when PyYAML has it) is safe and about 6x faster.
    head = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    extends = head.get("extends")
    return str(head.get("title", "")), extends if isinstance(extends, str) else None


def _entry(item: Traversable, kind: EntryKind) -> LibraryEntry:
    title, extends = _title_and_base(item.read_text(encoding="utf-8"))
    return LibraryEntry(
        name=item.name.removesuffix(".yaml"), kind=kind, title=title, extends=extends, resource=item
    )


def _entries_in(folder: Traversable, kind: EntryKind) -> list[LibraryEntry]:
    return [_entry(item, kind) for item in _files_in(folder)]


def _folder(kind: EntryKind) -> Traversable:
    root = _root()
    return root if kind == "scenario" else root.joinpath("catalogues")


def library_entries() -> list[LibraryEntry]:
    """Every embedded scenario, then every embedded catalogue, each sorted by name."""
    root = _root()
    return _entries_in(root, "scenario") + _entries_in(root.joinpath("catalogues"), "catalogue")


def entry_names(kind: EntryKind) -> list[str]:
    """The names of the embedded entries of one kind, sorted (without reading them)."""
    return [item.name.removesuffix(".yaml") for item in _files_in(_folder(kind))]


_VERSIONED = re.compile(r"^(?P<stem>.+)-v(?P<version>[0-9]+)$")


def newest_version(name: str, kind: EntryKind) -> str | None:
    """The full name of the newest version of an unversioned name (``khatlon-2015`` -> ``khatlon-2015-v2``),
    or None when the name carries a version or no entry has that stem."""
    if _VERSIONED.match(name):
        return None
    versions = [
        (int(m["version"]), full)
        for full in entry_names(kind)
        if (m := _VERSIONED.match(full)) is not None and m["stem"] == name
    ]
    return max(versions)[1] if versions else None


def find_entry(name: str, kind: EntryKind) -> LibraryEntry | None:
    """The embedded entry of that kind and name, or None (only that entry's file is read). A name without
    its version (``khatlon-2015``) finds the newest version (see :func:`newest_version`)."""
    newest = newest_version(name, kind)
    wanted = f"{newest if newest is not None else name}.yaml"
    for item in _files_in(_folder(kind)):
        if item.name == wanted:
            return _entry(item, kind)
    return None
