"""YAML reading that remembers where every value came from.

PyYAML composes a node tree that carries start marks; we build plain Python values from it and keep, for
every field path, the file location of its key and of its value. Error messages use those locations.
Duplicate keys, which PyYAML would silently accept, are an error here.

Limits keep any file from crashing or stalling the reader: collections nest at most
:data:`MAX_DEPTH` levels deep (counting what aliases bring in), aliases expand to at most
:data:`MAX_ALIAS_VALUES` values in all (a "billion laughs" file stops at its first alias past the budget),
and an alias may not refer to a collection that contains it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import yaml

from drillsim.core.errors import InputError, Location, clip

FieldPath = tuple[str | int, ...]

MAX_DEPTH = 64
"""Deepest nesting of lists and mappings in a file, aliases included (real scenarios nest under 15)."""
MAX_ALIAS_VALUES = 100_000
"""Most values that aliases (``*name``) may add to a file by expansion."""


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


class _LimitedLoader(yaml.SafeLoader):
    """A safe loader whose composer refuses deep nesting, alias bombs and recursive aliases.

    It tracks, for every collection, the number of values and the nesting depth it expands to (aliases
    included), so the checks cost one pass over the file however large the expansion would be. ``_depth``
    counts the collections open around the node being read.
    """

    def __init__(self, stream: str, file: str) -> None:
        super().__init__(stream)
        self.file = file
        self._depth = 0
        self._open_anchors: set[str] = set()
        self._size: dict[int, int] = {}
        self._height: dict[int, int] = {}
        self._expanded = 0

    def _refuse(self, message: str, mark: Any, expected: str) -> InputError:
        return InputError(message, location=_location(self.file, mark), expected=expected)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent):
            name = str(event.anchor)
            if name in self._open_anchors:
                raise self._refuse(
                    f"alias '*{clip(name, 60)}' refers to a collection that contains it",
                    event.start_mark,
                    "aliases only to values that are complete where the alias is used",
                )
            target = self.anchors.get(name)
            if target is not None:
                self._expanded += self._size.get(id(target), 1)
                if self._expanded > MAX_ALIAS_VALUES:
                    raise self._refuse(
                        "aliases expand to too many values",
                        event.start_mark,
                        f"aliases that add at most {MAX_ALIAS_VALUES:,} values in all",
                    )
                if self._depth + self._height.get(id(target), 0) > MAX_DEPTH:
                    raise self._refuse(
                        "this alias nests values too deeply",
                        event.start_mark,
                        f"lists and mappings nested at most {MAX_DEPTH} deep",
                    )
            return super().compose_node(parent, index)
        if isinstance(event, yaml.CollectionStartEvent) and self._depth >= MAX_DEPTH:
            raise self._refuse(
                "lists and mappings nested too deeply",
                event.start_mark,
                f"lists and mappings nested at most {MAX_DEPTH} deep",
            )
        anchor: str | None = getattr(event, "anchor", None)
        if anchor is not None:
            self._open_anchors.add(str(anchor))
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
            if anchor is not None:
                self._open_anchors.discard(str(anchor))
        if isinstance(node, yaml.SequenceNode | yaml.MappingNode):
            if isinstance(node, yaml.SequenceNode):
                children = list(node.value)
            else:
                children = [part for pair in node.value for part in pair]
            self._size[id(node)] = 1 + sum(self._size.get(id(c), 1) for c in children)
            self._height[id(node)] = 1 + max((self._height.get(id(c), 0) for c in children), default=0)
        return node


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
        return self._scalar(node)

    def _scalar(self, node: yaml.Node) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError, TypeError, AttributeError) as exc:
            # PyYAML lets these escape for values its patterns accept: 2015-02-30, a 5,000-digit
            # integer, !!int 'x'; and for a value its tag's pattern does not match (!!timestamp x).
            if isinstance(exc, AttributeError):
                found = f"a value that is not a {str(node.tag).rsplit(':', 1)[-1]}"
            elif "integer string conversion" in str(exc):
                found = "an integer of more than 4,300 digits"
            else:
                found = clip(str(exc), 200)
            raise InputError(
                "a value YAML cannot read",
                location=_location(self.file, node.start_mark),
                expected="a valid number, date or text",
                found=found,
            ) from None

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
            key = self._scalar(key_node)
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


def _packaged_loader(text: str) -> yaml.SafeLoader | None:
    """libyaml's composer (written in C, about 6x faster) when PyYAML was built with it, else None.

    Only for files shipped inside drillsim: it skips the limits of :class:`_LimitedLoader`, which guard
    against hostile input. Its nodes carry the same marks, so values and locations are identical.
    """
    c_loader = getattr(yaml, "CSafeLoader", None)
    return None if c_loader is None else cast(yaml.SafeLoader, c_loader(text))


def parse_yaml(text: str, *, file: str, packaged: bool = False) -> Document:
    """Parse one YAML document, raising InputError with its location on any syntax problem.

    ``packaged`` files (the scenarios and catalogues shipped inside drillsim) are trusted and read with
    libyaml's composer when it is available.
    """
    try:
        loader = (_packaged_loader(text) if packaged else None) or _LimitedLoader(text, file)
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
        raise InputError(f"YAML error: {clip(str(exc), 300)}", location=Location(file, 1, 1)) from None
    except RecursionError:  # a safety net: the limits above should make this unreachable
        raise InputError(
            "the file nests too deeply to read",
            location=Location(file, 1, 1),
            expected=f"lists and mappings nested at most {MAX_DEPTH} deep",
        ) from None
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
