"""YAML reading that remembers where every value came from.

PyYAML composes a node tree that carries start marks; we build plain Python values from it and keep, for
every field path, the file location of its key and of its value. Error messages use those locations.
Duplicate keys, which PyYAML would silently accept, are an error here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from drillsim.core.errors import InputError, Location

FieldPath = tuple[str | int, ...]


@dataclass
class Marks:
    """Locations of keys and values by field path."""

    keys: dict[FieldPath, Location] = field(default_factory=dict)
    values: dict[FieldPath, Location] = field(default_factory=dict)

    def locate(self, path: FieldPath, *, prefer_key: bool = False) -> Location | None:
        """The location of the deepest known prefix of ``path``."""
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            first, second = (self.keys, self.values) if prefer_key else (self.values, self.keys)
            if prefix in first:
                return first[prefix]
            if prefix in second:
                return second[prefix]
        return None

    def without(self, path: FieldPath) -> Marks:
        """A copy without the marks at and under ``path``."""
        n = len(path)
        return Marks(
            {p: loc for p, loc in self.keys.items() if p[:n] != path},
            {p: loc for p, loc in self.values.items() if p[:n] != path},
        )

    def update(self, other: Marks) -> None:
        self.keys.update(other.keys)
        self.values.update(other.values)

    def rebased(self, prefix: FieldPath) -> Marks:
        """A copy with every path prefixed by ``prefix``."""
        return Marks(
            {prefix + p: loc for p, loc in self.keys.items()},
            {prefix + p: loc for p, loc in self.values.items()},
        )


@dataclass
class Document:
    """A parsed YAML document: plain data plus the marks of its fields."""

    data: Any
    marks: Marks
    file: str


def _location(file: str, mark: yaml.Mark | None) -> Location:
    if mark is None:
        return Location(file)
    return Location(file, mark.line + 1, mark.column + 1)


class _Builder:
    def __init__(self, file: str, loader: yaml.SafeLoader) -> None:
        self.file = file
        self.loader = loader
        self.marks = Marks()

    def build(self, node: yaml.Node, path: FieldPath) -> Any:
        self.marks.values[path] = _location(self.file, node.start_mark)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, path: FieldPath) -> dict[str, Any]:
        self.loader.flatten_mapping(node)
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            where = _location(self.file, key_node.start_mark)
            if not isinstance(key_node, yaml.ScalarNode):
                raise InputError(
                    "a mapping key must be a plain name",
                    location=where,
                    path=render_path(path) or None,
                    expected="a text key",
                    found="a nested structure",
                )
            key = self.loader.construct_object(key_node)
            if not isinstance(key, str):
                key = str(key)
            if key in out:
                raise InputError(
                    f"key '{key}' appears twice in the same mapping",
                    location=where,
                    path=render_path((*path, key)),
                    expected="each key once",
                    found=f"a second '{key}' (the first is at line {self.marks.keys[(*path, key)].line})",
                )
            self.marks.keys[(*path, key)] = where
            out[key] = self.build(value_node, (*path, key))
        return out


def parse_yaml(text: str, *, file: str) -> Document:
    """Parse one YAML document, raising InputError with its location on any syntax problem."""
    try:
        loader = yaml.SafeLoader(text)  # checks every character up front
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise InputError(
            "a character that YAML does not allow",
            location=Location(file, line, column),
            expected="printable text",
            found=f"the character U+{int(exc.character):04X}",
        ) from None
    try:
        node = loader.get_single_node()
        if node is None:
            raise InputError("the file is empty", location=Location(file, 1, 1), expected="a YAML mapping")
        builder = _Builder(file, loader)
        data = builder.build(node, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        raise InputError(f"YAML syntax error: {problem}", location=_location(file, mark)) from None
    except yaml.YAMLError as exc:
        raise InputError(f"YAML error: {exc}", location=Location(file)) from None
    finally:
        loader.dispose()
    return Document(data, builder.marks, file)


def render_path(path: FieldPath) -> str:
    """A field path as users write it: ``plan.phases.recon.tasks[0].to``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + part
    return text


def walk_paths(data: Any, path: FieldPath = ()) -> Iterator[FieldPath]:
    """Every field path in a plain data tree, parents before children."""
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from walk_paths(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from walk_paths(value, (*path, i))
