"""Loading scenarios: files or library names -> merged data -> validated, frozen :class:`Scenario`.

Steps: read YAML keeping every field's location; follow ``extends:`` (a variant is merged over its base);
merge embedded catalogues under the scenario's own catalogue; validate with pydantic; check references
between parts (unit types, nations, places, phases, ...). Every problem becomes one
:class:`~drillsim.core.errors.InputError` naming file, line, column and field.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from drillsim.core.errors import InputError, Location
from drillsim.core.suggest import closest_match
from drillsim.scenario._yaml import Document, FieldPath, Marks, parse_yaml, render_path
from drillsim.scenario.library import EntryKind, find_entry, library_entries
from drillsim.scenario.models import SCHEMA_VERSION, CatalogueFile, Scenario

_MAX_EXTENDS_DEPTH = 16


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with the marks of its fields, for later error messages (e.g. from the engine)."""

    scenario: Scenario
    marks: Marks
    file: str

    def locate(self, path: FieldPath) -> Location | None:
        return self.marks.locate(path)


def _read_source(source: str | Path, *, kind: EntryKind, relative_to: Path | None) -> Document:
    """Read a file path or a library name."""
    text_source = str(source)
    candidate = Path(text_source)
    if relative_to is not None and not candidate.is_absolute():
        candidate = relative_to / candidate
    if candidate.is_file():
        try:
            text = candidate.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read the file: {exc}", location=Location(str(candidate))) from None
        return parse_yaml(text, file=str(candidate))
    entry = find_entry(text_source, kind)
    if entry is not None:
        return parse_yaml(entry.read_text(), file=entry.file)
    names = [e.name for e in library_entries() if e.kind == kind]
    looks_like_path = text_source.endswith((".yaml", ".yml")) or "/" in text_source or "\\" in text_source
    raise InputError(
        f"no file '{candidate}'"
        if looks_like_path
        else f"no file and no embedded {kind} named '{text_source}'",
        expected=f"a path to a YAML file or one of the embedded {kind}s: " + (", ".join(names) or "(none)"),
        suggestion=closest_match(text_source, names),
    )


def _merge(base: Any, over: Any, marks: Marks, over_marks: Marks, path: FieldPath) -> Any:
    """Deep-merge ``over`` into ``base``: mappings merge by key, ``null`` deletes, anything else replaces.

    ``marks`` (the base's) is updated in place to hold the marks of the result.
    """
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            sub = (*path, key)
            if value is None:
                out.pop(key, None)
                _replace_marks(marks, over_marks, sub)
            elif key in out:
                out[key] = _merge(out[key], value, marks, over_marks, sub)
            else:
                out[key] = value
                _replace_marks(marks, over_marks, sub)
        if path in over_marks.values:
            marks.values[path] = over_marks.values[path]
        return out
    _replace_marks(marks, over_marks, path)
    return over


def _replace_marks(marks: Marks, over_marks: Marks, path: FieldPath) -> None:
    n = len(path)
    for table, new in ((marks.keys, over_marks.keys), (marks.values, over_marks.values)):
        for p in [p for p in table if p[:n] == path]:
            del table[p]
        table.update({p: loc for p, loc in new.items() if p[:n] == path})


def _same_file(a: str, b: str) -> bool:
    """Whether two document names (paths or ``<library>/...`` names) are the same file."""
    if a.startswith("<library>") or b.startswith("<library>"):
        return a == b
    return Path(a).resolve() == Path(b).resolve()


def _resolve_extends(doc: Document, *, kind: EntryKind, seen: tuple[str, ...]) -> Document:
    """Follow ``extends`` (scenarios) until a document has none, merging each level over its base.

    ``seen`` holds the files of the variants already followed (the first call passes none).
    """
    data = doc.data
    if not isinstance(data, dict) or kind != "scenario" or "extends" not in data:
        return doc
    chain = seen or (doc.file,)
    ref = data["extends"]
    where = doc.marks.locate(("extends",))
    if not isinstance(ref, str):
        raise InputError(
            "'extends' names the scenario to start from",
            location=where,
            path="extends",
            expected="a library name or a path",
            found=repr(ref),
        )
    relative = Path(doc.file).parent if not doc.file.startswith("<library>") else None
    try:
        base = _read_source(ref, kind="scenario", relative_to=relative)
    except InputError as exc:
        raise InputError(
            exc.message, location=where, path="extends", expected=exc.expected, suggestion=exc.suggestion
        ) from None
    if len(chain) >= _MAX_EXTENDS_DEPTH or any(_same_file(base.file, f) for f in chain):
        raise InputError(
            "scenarios extend each other in a loop",
            location=where,
            path="extends",
            expected="a chain of 'extends' that ends",
            found=" -> ".join((*chain, base.file)),
        )
    if not isinstance(base.data, dict):
        raise InputError(
            "a scenario file must be a mapping of fields",
            location=Location(base.file, 1, 1),
            expected="keys such as schema_version, name, title, time, sides, units",
            found=_describe_input(base.data),
        )
    base = _resolve_extends(base, kind=kind, seen=(*chain, base.file))
    if "name" not in data or data.get("name") == base.data.get("name"):
        raise InputError(
            "a variant needs a name of its own",
            location=doc.marks.values.get(("name",)) or where,
            path="name",
            expected="a versioned name unlike the base's, e.g. 'my-variant-v1'",
            found=_describe_input(data["name"]) if "name" in data else "none",
        )
    marks = Marks(dict(base.marks.keys), dict(base.marks.values))
    merged = _merge(base.data, {k: v for k, v in data.items() if k != "extends"}, marks, doc.marks, ())
    merged["extends"] = ref
    _replace_marks(marks, doc.marks, ("extends",))
    return Document(merged, marks, doc.file)


def _load_catalogue_document(ref: str, *, relative_to: Path | None, seen: tuple[str, ...]) -> Document:
    """A catalogue file with its own ``extends`` list already merged in."""
    doc = _read_source(ref, kind="catalogue", relative_to=relative_to)
    data = doc.data
    if not isinstance(data, dict):
        raise InputError(
            "a catalogue file must be a mapping",
            location=Location(doc.file, 1, 1),
            expected="keys catalogue, weapons, sensors, unit_types",
            found=type(data).__name__,
        )
    _validate(CatalogueFile, doc)
    bases = data.get("extends", [])
    if not bases:
        return doc
    merged_data: dict[str, Any] = {}
    marks = Marks()
    for base_ref in bases:
        if base_ref in seen:
            raise InputError(
                "catalogues extend each other in a loop",
                location=doc.marks.locate(("extends",)),
                path="extends",
                found=" -> ".join((*seen, base_ref)),
            )
        rel = Path(doc.file).parent if not doc.file.startswith("<library>") else None
        base = _load_catalogue_document(base_ref, relative_to=rel, seen=(*seen, base_ref))
        merged_data = _merge(merged_data, _catalogue_sections(base.data), marks, base.marks, ())
    merged_data = _merge(merged_data, _catalogue_sections(data), marks, doc.marks, ())
    return Document({**data, **merged_data}, marks, doc.file)


_CATALOGUE_SECTIONS = ("weapons", "sensors", "unit_types")


def _catalogue_sections(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data[k] for k in _CATALOGUE_SECTIONS if k in data}


def _with_catalogues(doc: Document) -> Document:
    """Merge the embedded catalogues a scenario names under its own ``catalogue`` section."""
    data = doc.data
    if not isinstance(data, dict):
        return doc
    own = data.get("catalogue", {})
    if own is None:
        own = {}
    if not isinstance(own, dict):
        return doc  # the model validation reports the wrong type with its location
    refs = own.get("extends", ["core-v1"])
    if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
        return doc
    relative = Path(doc.file).parent if not doc.file.startswith("<library>") else None
    merged: dict[str, Any] = {}
    marks = Marks()
    sources: dict[str, Any] = {}
    for i, ref in enumerate(refs):
        try:
            cat = _load_catalogue_document(ref, relative_to=relative, seen=(ref,))
        except InputError as exc:
            if exc.location is not None and exc.location.file != ref:
                raise
            raise InputError(
                exc.message,
                location=doc.marks.locate(("catalogue", "extends", i)),
                path=f"catalogue.extends[{i}]",
                expected=exc.expected,
                suggestion=exc.suggestion,
            ) from None
        merged = _merge(merged, _catalogue_sections(cat.data), marks, cat.marks, ())
        sources.update(cat.data.get("sources", {}) or {})
    catalogue_marks = marks.rebased(("catalogue",))
    own_marks = Marks(
        {p: loc for p, loc in doc.marks.keys.items() if p[:1] == ("catalogue",)},
        {p: loc for p, loc in doc.marks.values.items() if p[:1] == ("catalogue",)},
    )
    combined = _merge({"catalogue": merged}, {"catalogue": own}, catalogue_marks, own_marks, ())
    out_marks = doc.marks.without(("catalogue",))
    out_marks.update(catalogue_marks)
    out = dict(data)
    out["catalogue"] = combined["catalogue"]
    own_sources = data.get("sources")
    if sources and (own_sources is None or isinstance(own_sources, dict)):  # else validation reports it
        out["sources"] = {**sources, **(own_sources or {})}
    return Document(out, out_marks, doc.file)


# --- validation errors -------------------------------------------------------------------------------------

_QUOTED = re.compile(r"'([^']*)'")


def _describe_input(value: Any) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping with keys " + ", ".join(map(str, list(value)[:6]))
    if isinstance(value, list):
        return f"a list of {len(value)} item(s)"
    return repr(value)


def _data_path(data: Any, loc: tuple[Any, ...]) -> FieldPath:
    """The longest prefix of a pydantic ``loc`` that exists in the data (dropping union tags and such)."""
    node = data
    path: list[str | int] = []
    for part in loc:
        in_dict = isinstance(node, dict) and isinstance(part, str) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            node = node[part]
        else:
            break
        path.append(part)
    return tuple(path)


def _error_from_pydantic(exc: ValidationError, doc: Document) -> InputError:
    """The single most specific problem in a validation error, as an InputError."""
    best: tuple[int, InputError] | None = None
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        path = _data_path(doc.data, loc)
        kind = err["type"]
        ctx: dict[str, Any] = dict(err.get("ctx") or {})
        message = err["msg"]
        expected = ctx.get("expected")
        found: str | None = _describe_input(err.get("input"))
        suggestion = None
        shown: FieldPath = path
        prefer_key = False
        if kind == "missing":
            field = loc[-1] if loc else ""
            shown = (*path, str(field))
            message = f"missing required field '{field}'"
            found = None
        elif kind == "unknown_field":
            key = ctx["key"]
            shown = (*path, key)
            message = f"unknown field '{key}'"
            suggestion = ctx.get("suggestion") or None
            found = None
            prefer_key = True
        elif kind == "extra_forbidden":
            key = str(loc[-1])
            shown = (*path, key) if path[-1:] != (key,) else path
            message = f"unknown field '{key}'"
            found = None
            prefer_key = True
        elif kind in ("union_tag_invalid", "union_tag_not_found"):
            tag = ctx.get("tag")
            discriminator = _QUOTED.findall(str(ctx.get("discriminator", "")))
            if discriminator:
                shown = (*path, discriminator[0])
            tags = _QUOTED.findall(str(ctx.get("expected_tags", "")))
            message = f"unknown kind '{tag}'" if tag is not None else "the kind is missing"
            expected = "one of " + ", ".join(tags)
            found = f"'{tag}'" if tag is not None else "nothing"
            suggestion = closest_match(str(tag), tags) if tag is not None else None
        elif kind == "literal_error":
            options = _QUOTED.findall(str(ctx.get("expected", "")))
            message = "not one of the allowed values"
            expected = "one of " + ", ".join(options)
            if isinstance(err.get("input"), str):
                suggestion = closest_match(err["input"], options)
        elif kind == "string_pattern_mismatch":
            message = "badly formed name"
            expected = _pattern_description(str(ctx.get("pattern", "")))
        elif kind.startswith(
            (
                "param_",
                "time_step",
                "bounds_",
                "weapon_",
                "air_",
                "line_",
                "area_",
                "defend_",
                "objective_",
                "trigger_",
            )
        ):
            message = message[0].lower() + message[1:] if message else message
            found = ctx.get("found", found)
        else:
            message = message[0].lower() + message[1:] if message else message
        where = doc.marks.locate(shown, prefer_key=prefer_key)
        error = InputError(
            message,
            location=where,
            path=render_path(shown) or None,
            expected=expected,
            found=found,
            suggestion=suggestion,
        )
        depth = len(path) + (1 if kind in ("unknown_field", "missing") else 0)
        if best is None or depth > best[0]:
            best = (depth, error)
    assert best is not None  # a ValidationError always has at least one error
    return best[1]


def _pattern_description(pattern: str) -> str:
    if "-v[0-9]" in pattern:
        return "a lowercase versioned name ending in -vN, such as 'khatlon-2015-v1'"
    if "/" in pattern:
        return (
            "a unit id of lowercase words (letters, digits, - and _) joined by '/', such as 'arm/sof-coy/1'"
        )
    return "a name of letters, digits, '-' and '_', starting with a letter or digit"


def _validate(model: type[Any], doc: Document) -> Any:
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        raise _error_from_pydantic(exc, doc) from None


# --- public API --------------------------------------------------------------------------------------------


def read_scenario(source: str | Path) -> LoadedScenario:
    """Load, merge, validate and cross-check a scenario; keep the field marks for later messages."""
    from drillsim.scenario.references import check_references  # after models: references import io helpers

    doc = _read_source(source, kind="scenario", relative_to=None)
    if not isinstance(doc.data, dict):
        raise InputError(
            "a scenario file must be a mapping of fields",
            location=Location(doc.file, 1, 1),
            expected="keys such as schema_version, name, title, time, sides, units",
            found=_describe_input(doc.data),
        )
    if "catalogue" in doc.data and isinstance(doc.data.get("catalogue"), str):
        raise InputError(
            "this is a catalogue, not a scenario",
            location=Location(doc.file, 1, 1),
            expected="a scenario file (check catalogues with 'drillsim validate')",
        )
    _check_schema_version(doc)
    top = doc.file
    try:
        doc = _resolve_extends(doc, kind="scenario", seen=())
        doc = _with_catalogues(doc)
        scenario: Scenario = _validate(Scenario, doc)
        loaded = LoadedScenario(scenario, doc.marks, doc.file)
        check_references(loaded)
    except InputError as exc:
        if exc.location is None or exc.location.file == top:
            raise
        # The problem sits in a base scenario or a catalogue; say which file was being loaded.
        raise InputError(
            f"{exc.message.rstrip('.')} (while loading {top})",
            location=exc.location,
            path=exc.path,
            expected=exc.expected,
            found=exc.found,
            suggestion=exc.suggestion,
        ) from None
    return loaded


def load_scenario(source: str | Path) -> Scenario:
    """Load a scenario from a YAML file or an embedded library name (``"khatlon-2015-v1"``).

    Raises :class:`~drillsim.core.errors.InputError` naming file, line, column and field for any problem.
    """
    return read_scenario(source).scenario


def load_catalogue(source: str | Path) -> CatalogueFile:
    """Load and validate a catalogue file (or an embedded catalogue by name)."""
    doc = _load_catalogue_document(str(source), relative_to=None, seen=(str(source),))
    catalogue: CatalogueFile = _validate(CatalogueFile, doc)
    return catalogue


def validate(path: str | Path) -> Scenario | CatalogueFile:
    """Load a scenario or catalogue file (told apart by a top-level ``catalogue:`` name) and check it all."""
    doc = _read_source(path, kind="scenario", relative_to=None)
    if isinstance(doc.data, dict) and isinstance(doc.data.get("catalogue"), str):
        return load_catalogue(path)
    return load_scenario(path)


def _check_schema_version(doc: Document) -> None:
    version = doc.data.get("schema_version")
    if version is None and "extends" in doc.data:
        return  # a variant inherits its base's version
    if version != SCHEMA_VERSION:
        raise InputError(
            "unsupported schema_version"
            if version is not None
            else "missing required field 'schema_version'",
            location=doc.marks.locate(("schema_version",)) or Location(doc.file, 1, 1),
            path="schema_version",
            expected=f"schema_version: {SCHEMA_VERSION}",
            found=_describe_input(version) if version is not None else None,
        )


def content_hash(scenario: Scenario) -> str:
    """A stable hash of everything that can change results: ``sha256:`` and 64 hex digits.

    ``extends`` (of the scenario and of its catalogue) is left out: it records where merged content came
    from, so a variant and its fully merged dump (:func:`scenario_to_yaml`) hash the same.
    """
    data = scenario.model_dump(mode="json")
    data.pop("extends", None)
    data["catalogue"].pop("extends", None)
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def scenario_to_yaml(scenario: Scenario) -> str:
    """The fully merged scenario as YAML (variants and catalogues resolved), loadable again."""
    import yaml

    data = scenario.model_dump(mode="json", exclude_none=True)
    data.pop("extends", None)
    data.setdefault("catalogue", {})["extends"] = []
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_field_path(path: str) -> FieldPath:
    """``units.mil/grp.count`` or ``catalogue.weapons.rifle-545.bands[0].p_kill`` as a tuple of keys."""
    parts: list[str | int] = []
    pos = 0
    for match in _PATH_PART.finditer(path):
        if match.start() != pos and path[pos : match.start()] != ".":
            break
        parts.append(match.group(1) if match.group(1) is not None else int(match.group(2)))
        pos = match.end()
    if not parts or pos != len(path):
        raise InputError(
            f"badly formed field path '{path}'",
            expected="keys joined by dots, list items as [N], e.g. units.mil/grp.count",
        )
    return tuple(parts)


def with_overrides(scenario: Scenario, values: dict[str, Any], *, source: str | None = None) -> Scenario:
    """A copy of ``scenario`` with fields replaced by path (``{"units.mil/grp.count": 20}``), re-validated.

    Numbers that carried a pedigree keep its confidence and take ``source`` (e.g. "experiment factor").
    Unknown paths and invalid values raise InputError naming the path.
    """
    data = scenario.model_dump(mode="json")
    for text, value in values.items():
        path = parse_field_path(text)
        node: Any = data
        for i, key in enumerate(path[:-1]):
            nxt = (
                node.get(key)
                if isinstance(node, dict)
                else (
                    node[key] if isinstance(node, list) and isinstance(key, int) and key < len(node) else None
                )
            )
            if nxt is None:
                options = list(node) if isinstance(node, dict) else []
                raise InputError(
                    f"no field '{key}' at '{render_path(path[: i + 1])}'",
                    path=text,
                    expected="a path to an existing scenario field",
                    suggestion=closest_match(str(key), options),
                )
            node = nxt
        last = path[-1]
        if isinstance(node, dict):
            if last not in node:
                raise InputError(
                    f"no field '{last}'",
                    path=text,
                    expected="a path to an existing scenario field",
                    suggestion=closest_match(str(last), list(node)),
                )
            old = node[last]
            if isinstance(old, dict) and "value" in old and not isinstance(value, dict):
                node[last] = {**old, "value": value, **({"source": source} if source else {})}
            else:
                node[last] = value
        elif isinstance(node, list) and isinstance(last, int) and last < len(node):
            node[last] = value
        else:
            raise InputError("no such field", path=text, expected="a path to an existing scenario field")
    doc = Document(data, Marks(), "<overrides>")
    try:
        changed: Scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _error_from_pydantic(exc, doc) from None
    from drillsim.scenario.references import check_references

    check_references(LoadedScenario(changed, Marks(), "<overrides>"))
    return changed
