"""Loading scenarios: files or library names -> merged data -> validated, frozen :class:`Scenario`.

Steps: read YAML keeping every field's location; follow ``extends:`` (a variant is merged over its base);
merge embedded catalogues under the scenario's own catalogue; validate with pydantic; check references
between parts (unit types, nations, places, phases, ...). Every problem becomes one
:class:`~drillsim.core.errors.InputError` naming file, line, column and field.
"""

from __future__ import annotations

import errno
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from drillsim.core.errors import AllProblemsError, InputError, Location, clip
from drillsim.core.suggest import closest_match
from drillsim.scenario._yaml import Document, FieldPath, Marks, render_path
from drillsim.scenario.files import SCENARIO_SUFFIXES, parse_entry, read_file, read_source
from drillsim.scenario.library import EntryKind, entry_names, find_entry
from drillsim.scenario.models import SCHEMA_VERSION, CatalogueFile, CatalogueSpec, Scenario, StrikeTask

_MAX_EXTENDS_DEPTH = 16


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with the marks of its fields, for later error messages (e.g. from the engine)."""

    scenario: Scenario
    marks: Marks
    file: str

    def locate(self, path: FieldPath) -> Location | None:
        return self.marks.locate(path)


def _file_or_entry(kind: EntryKind, names: list[str]) -> str:
    return f"a path to a YAML file or one of the embedded {kind}s: " + (", ".join(names) or "(none)")


def _read_reference(ref: str, *, kind: EntryKind, including: str, allow_outside: bool) -> Document:
    """Read the base a document names in ``extends``: a library name, or a ``.yaml``/``.yml`` file.

    A file is looked for relative to the folder of the file that names it (``including``) and must lie in
    that folder or below it, unless ``allow_outside``. Raises InputError without a location: the caller
    knows where the reference was written.
    """
    names = entry_names(kind)
    expected_any = f"a library name ({', '.join(names) or 'none'}) or a path to a .yaml or .yml file"
    is_path = ref.endswith(SCENARIO_SUFFIXES) or any(c in ref for c in "/\\") or ref.startswith(".")
    if not is_path:
        entry = find_entry(ref, kind)
        if entry is not None:
            return parse_entry(entry)
        raise InputError(
            f"no file and no embedded {kind} named '{clip(ref)}'",
            expected=_file_or_entry(kind, names),
            suggestion=closest_match(ref, names) if len(ref) < 200 else None,
        )
    if not ref.endswith(SCENARIO_SUFFIXES):
        raise InputError(
            f"'{clip(ref)}' is not a {kind} file",
            expected=expected_any,
            found="a file name without .yaml or .yml",
        )
    if "\0" in ref:
        raise InputError("a file name cannot hold a NUL character", expected=expected_any)
    if including.startswith("<"):
        raise InputError(
            f"an embedded {kind} can only extend library names", expected=expected_any, found=f"'{clip(ref)}'"
        )
    folder = Path(including).parent
    candidate = folder / ref
    try:
        inside = candidate.resolve().is_relative_to(folder.resolve())
        if not inside and not allow_outside:
            raise InputError(
                f"'{clip(ref)}' lies outside the folder of the file that names it",
                expected=f"a file in the folder of {clip(including, 200)} or below, or a library name "
                "(allow other files with allow_outside=True or --allow-outside)",
            )
        exists = candidate.is_file()
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise InputError(
                "the file name is too long",
                expected="a path the system accepts (at most 255 characters a name)",
                found=f"{len(ref):,} characters",
            ) from None
        raise InputError(
            f"cannot use the path '{clip(ref)}': {exc.strerror or type(exc).__name__}", expected=expected_any
        ) from None
    if not exists:
        raise InputError(
            f"no file '{clip(str(candidate))}'",
            expected=_file_or_entry(kind, names),
            suggestion=closest_match(ref, names) if len(ref) < 200 else None,
        )
    return read_file(candidate)


FILE_FIELDS: dict[FieldPath, tuple[str, ...]] = {
    ("area", "geodata"): (),
    ("area", "elevation"): (".tif", ".tiff"),
}
"""Scenario fields that name files, and the suffixes each accepts (none: a geodata set, a folder holding
manifest.json, or the name of a shipped set)."""


def _file_field_error(doc: Document, path: FieldPath, message: str, *, expected: str) -> InputError:
    return InputError(message, location=doc.marks.locate(path), path=render_path(path), expected=expected)


def _resolve_file_field(doc: Document, path: FieldPath, value: str, *, allow_outside: bool) -> str:
    """The absolute path a file field names, checked like ``extends:``: relative to the folder of the file
    that wrote it, inside that folder tree unless ``allow_outside``, with the expected suffix. A shipped
    geodata set's name is kept as it is. The file is not opened here, and no error quotes it."""
    from drillsim.geo.geodata import geodata_names

    suffixes = FILE_FIELDS[path]
    shipped = geodata_names() if not suffixes else []
    if value in shipped:
        return value
    what = (
        "an elevation GeoTIFF (.tif or .tiff)"
        if suffixes
        else f"a shipped geodata set ({', '.join(shipped) or 'none'}) or a folder holding manifest.json"
    )
    expected = f"{what} in the folder of the scenario file or below (files elsewhere need --allow-outside)"
    if "\0" in value or not value.strip():
        raise _file_field_error(doc, path, "not a usable file name", expected=expected)
    if suffixes and not value.lower().endswith(suffixes):
        raise _file_field_error(doc, path, f"'{clip(value)}' is not an elevation file", expected=expected)
    location = doc.marks.locate(path)
    naming = location.file if location is not None else doc.file
    if naming.startswith("<"):
        raise _file_field_error(
            doc, path, "an embedded scenario can name shipped geodata only", expected=what
        )
    folder = Path(naming).parent
    try:
        candidate = (folder / value).resolve()
        if not allow_outside and not candidate.is_relative_to(folder.resolve()):
            raise _file_field_error(
                doc,
                path,
                f"'{clip(value)}' lies outside the folder of the file that names it",
                expected=expected,
            )
        exists = candidate.is_file() if suffixes else (candidate / "manifest.json").is_file()
    except OSError as exc:
        raise _file_field_error(
            doc,
            path,
            f"cannot use the path '{clip(value)}': {exc.strerror or type(exc).__name__}",
            expected=expected,
        ) from None
    if not exists:
        raise _file_field_error(
            doc, path, f"no {'file' if suffixes else 'geodata set'} '{clip(value)}'", expected=expected
        )
    return str(candidate)


def _with_file_fields(doc: Document, *, allow_outside: bool) -> Document:
    """The document with every file field (:data:`FILE_FIELDS`) resolved to an absolute, checked path."""
    for path in FILE_FIELDS:
        node: Any = doc.data
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, dict) or not isinstance(node.get(path[-1]), str):
            continue  # absent, or not text: the model reports a wrong type with its own message
        node[path[-1]] = _resolve_file_field(doc, path, node[path[-1]], allow_outside=allow_outside)
    return doc


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


def _resolve_extends(
    doc: Document, *, kind: EntryKind, seen: tuple[str, ...], allow_outside: bool = False
) -> Document:
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
            found=_describe_input(ref),
        )
    try:
        base = _read_reference(ref, kind="scenario", including=doc.file, allow_outside=allow_outside)
    except InputError as exc:
        if exc.location is not None:
            raise  # a problem inside the base file itself
        raise InputError(
            exc.message,
            location=where,
            path="extends",
            expected=exc.expected,
            found=exc.found,
            suggestion=exc.suggestion,
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
        raise InputError(  # the base's content is not quoted: it may be any file the variant names
            "a scenario file must be a mapping of fields",
            location=Location(base.file, 1, 1),
            expected="keys such as schema_version, name, title, time, sides, units",
            found=_describe_kind(base.data),
        )
    base = _resolve_extends(base, kind=kind, seen=(*chain, base.file), allow_outside=allow_outside)
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


def _load_catalogue_document(
    ref: str,
    *,
    including: str | None,
    seen: tuple[str, ...],
    allow_outside: bool = False,
    all_problems: bool = False,
) -> Document:
    """A catalogue file with its own ``extends`` list already merged in.

    ``including`` is the file that names ``ref`` (None when the caller names it).
    """
    if including is None:
        doc = read_source(ref, kind="catalogue")
    else:
        doc = _read_reference(ref, kind="catalogue", including=including, allow_outside=allow_outside)
    data = doc.data
    if not isinstance(data, dict):
        raise InputError(
            "a catalogue file must be a mapping",
            location=Location(doc.file, 1, 1),
            expected="keys catalogue, weapons, sensors, unit_types",
            found=_describe_kind(data),
        )
    _validate(CatalogueFile, doc, all_problems=all_problems)
    bases = data.get("extends", [])
    if not bases:
        return doc
    merged_data: dict[str, Any] = {}
    marks = Marks()
    for i, base_ref in enumerate(bases):
        if base_ref in seen:
            raise InputError(
                "catalogues extend each other in a loop",
                location=doc.marks.locate(("extends",)),
                path="extends",
                found=" -> ".join((*seen, base_ref)),
            )
        try:
            base = _load_catalogue_document(
                base_ref, including=doc.file, seen=(*seen, base_ref), allow_outside=allow_outside
            )
        except InputError as exc:
            if exc.location is not None:
                raise
            raise InputError(
                exc.message,
                location=doc.marks.locate(("extends", i)),
                path=f"extends[{i}]",
                expected=exc.expected,
                found=exc.found,
                suggestion=exc.suggestion,
            ) from None
        merged_data = _merge(merged_data, _catalogue_sections(base.data), marks, base.marks, ())
    merged_data = _merge(merged_data, _catalogue_sections(data), marks, doc.marks, ())
    return Document({**data, **merged_data}, marks, doc.file)


_CATALOGUE_SECTIONS = ("weapons", "sensors", "unit_types", "behaviours")


def _catalogue_sections(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data[k] for k in _CATALOGUE_SECTIONS if k in data}


def _with_catalogues(doc: Document, *, allow_outside: bool = False) -> Document:
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
    merged: dict[str, Any] = {}
    marks = Marks()
    sources: dict[str, Any] = {}
    for i, ref in enumerate(refs):
        try:
            cat = _load_catalogue_document(ref, including=doc.file, seen=(ref,), allow_outside=allow_outside)
        except InputError as exc:
            if exc.location is not None:
                raise
            raise InputError(
                exc.message,
                location=doc.marks.locate(("catalogue", "extends", i)),
                path=f"catalogue.extends[{i}]",
                expected=exc.expected,
                found=exc.found,
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
    """A value for an error message, cut short: a long text or number shows its start and its length."""
    if isinstance(value, str):
        return f"'{clip(value)}'"
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        keys = [clip(str(k), 40) for k in list(value)[:6]]
        more = f" and {len(value) - 6:,} more" if len(value) > 6 else ""
        return "a mapping with keys " + ", ".join(keys) + more
    if isinstance(value, list):
        return f"a list of {len(value)} item(s)"
    if isinstance(value, int) and abs(value) >= 10**30:
        return f"an integer of {len(str(abs(value))):,} digits"
    return clip(repr(value))


def _describe_kind(value: Any) -> str:
    """What kind of value this is, without quoting it (for files whose content must not be echoed)."""
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"a {type(value).__name__}"


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


_ALTERNATIVE_KINDS = frozenset(
    {"string_type", "model_type", "dict_type", "model_attributes_type", "float_type", "list_type"}
)
"""Error kinds that, beside a deeper error, only say that one alternative of a union did not fit."""


def _error_from_pydantic(exc: ValidationError, doc: Document) -> InputError:
    """The single most specific problem in a validation error, as an InputError saying how many more."""
    best, problems = _pydantic_problems(exc, doc)
    return best.with_more(len(problems) - 1) if len(problems) > 1 else best


def _pydantic_problems(exc: ValidationError, doc: Document) -> tuple[InputError, list[InputError]]:
    """The most specific problem, and every distinct problem in file order."""
    best: tuple[int, InputError] | None = None
    by_path: dict[FieldPath, tuple[int, str, InputError]] = {}
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
        if shown not in by_path or depth > by_path[shown][0]:
            by_path[shown] = (depth, kind, error)
    assert best is not None  # a ValidationError always has at least one error
    parents = {other[:end] for other in by_path for end in range(len(other))}
    problems = [
        error
        for shown, (_, kind, error) in by_path.items()
        if not (kind in _ALTERNATIVE_KINDS and shown in parents)
    ]
    return best[1], _in_file_order(problems or [best[1]])


def _in_file_order(problems: list[InputError]) -> list[InputError]:
    """Problems sorted by file, line and column (those without a location last), otherwise as found."""

    def key(error: InputError) -> tuple[int, str, int, int]:
        where = error.location
        if where is None:
            return (1, "", 0, 0)
        return (0, where.file, where.line or 0, where.column or 0)

    return sorted(problems, key=key)


def _pattern_description(pattern: str) -> str:
    if "-v[0-9]" in pattern:
        return "a lowercase versioned name ending in -vN, such as 'khatlon-2015-v1'"
    if "/" in pattern:
        return (
            "a unit id of lowercase words (letters, digits, - and _) joined by '/', such as 'arm/sof-coy/1'"
        )
    return "a name of letters, digits, '-' and '_', starting with a letter or digit"


def _validate(model: type[Any], doc: Document, *, all_problems: bool = False) -> Any:
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        if all_problems:
            raise AllProblemsError(_pydantic_problems(exc, doc)[1]) from None
        raise _error_from_pydantic(exc, doc) from None


def _in_context(error: InputError, top: str) -> InputError:
    """An error in a base scenario or a catalogue, saying which file was being loaded."""
    if error.location is None or error.location.file == top:
        return error
    return InputError(
        f"{error.message.rstrip('.')} (while loading {top})",
        location=error.location,
        path=error.path,
        expected=error.expected,
        found=error.found,
        suggestion=error.suggestion,
        more=error.more,
    )


# --- public API --------------------------------------------------------------------------------------------


def read_scenario(
    source: str | Path, *, allow_outside: bool = False, all_problems: bool = False
) -> LoadedScenario:
    """Load, merge, validate and cross-check a scenario; keep the field marks for later messages.

    See :func:`load_scenario` for the options.
    """
    from drillsim.scenario.references import reference_problems  # references import io helpers

    doc = read_source(source, kind="scenario")
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
        doc = _resolve_extends(doc, kind="scenario", seen=(), allow_outside=allow_outside)
        doc = _with_catalogues(doc, allow_outside=allow_outside)
        doc = _with_file_fields(doc, allow_outside=allow_outside)
        scenario: Scenario = _validate(Scenario, doc, all_problems=all_problems)
        loaded = LoadedScenario(scenario, doc.marks, doc.file)
        problems = reference_problems(loaded)
    except AllProblemsError as exc:
        raise AllProblemsError([_in_context(p, top) for p in exc.problems]) from None
    except InputError as exc:
        raise _in_context(exc, top) from None
    if problems:
        if all_problems:
            raise AllProblemsError([_in_context(p, top) for p in problems])
        raise _in_context(problems[0], top).with_more(len(problems) - 1)
    return loaded


def load_scenario(source: str | Path, *, allow_outside: bool = False, all_problems: bool = False) -> Scenario:
    """Load a scenario from a YAML file or an embedded library name (``"khatlon-2015-v1"``).

    Parameters
    ----------
    source
        The path of a scenario file, or the name of an embedded scenario (``drillsim.library_entries()``
        and ``drillsim scenarios`` list them).
    allow_outside
        ``extends:`` names a library scenario or a ``.yaml``/``.yml`` file in the folder of the file that
        names it or below; True lets it name any file.
    all_problems
        Raise :class:`~drillsim.core.errors.AllProblemsError` holding every problem found (all the
        validation problems of the merged file, or else all its broken references) instead of the first.
        A file that is not valid YAML, or whose ``extends`` cannot be followed, has just that one problem.

    Returns
    -------
    Scenario
        The validated scenario, frozen, with ``extends`` and catalogues merged in.

    Raises
    ------
    InputError
        Naming file, line, column and field for the first problem (and saying how many more there are).

    Examples
    --------
    >>> import drillsim
    >>> scenario = drillsim.load_scenario("khatlon-2015-v1")
    >>> scenario.name
    'khatlon-2015-v1'
    """
    return read_scenario(source, allow_outside=allow_outside, all_problems=all_problems).scenario


def load_catalogue(
    source: str | Path, *, allow_outside: bool = False, all_problems: bool = False
) -> CatalogueFile:
    """Load and validate a catalogue file (or an embedded catalogue by name); options as
    :func:`load_scenario`."""
    doc = _load_catalogue_document(
        str(source),
        including=None,
        seen=(str(source),),
        allow_outside=allow_outside,
        all_problems=all_problems,
    )
    catalogue: CatalogueFile = _validate(CatalogueFile, doc, all_problems=all_problems)
    return catalogue


def validate(path: str | Path, *, allow_outside: bool = False) -> Scenario | CatalogueFile:
    """Load a scenario or catalogue file (told apart by a top-level ``catalogue:`` name) and check it all.

    Raises :class:`~drillsim.core.errors.AllProblemsError` with every problem found (or an InputError when
    there can be only one, such as a YAML syntax error).
    """
    doc = read_source(path, kind="scenario")
    if isinstance(doc.data, dict) and isinstance(doc.data.get("catalogue"), str):
        return load_catalogue(path, allow_outside=allow_outside, all_problems=True)
    return load_scenario(path, allow_outside=allow_outside, all_problems=True)


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


def used_catalogue(scenario: Scenario) -> CatalogueSpec:
    """The scenario's merged catalogue with only the entries it uses, in their order.

    Used: the unit types of its units; the weapons and sensors those types mount, the weapons its units
    mount instead or carry ammunition for, and the weapons its strike tasks name; the behaviours its units
    follow. An entry nothing names cannot change a result.
    """
    cat = scenario.catalogue
    units = scenario.units.values()
    types = {unit.type for unit in units}
    weapons = {name for unit in units for name in unit.ammunition}
    weapons |= {mount.weapon for unit in units for mount in unit.weapons or ()}
    weapons |= {mount.weapon for t in types if t in cat.unit_types for mount in cat.unit_types[t].weapons}
    weapons |= {
        task.weapon
        for phase in scenario.plan.phases.values()
        for task in phase.tasks
        if isinstance(task, StrikeTask) and task.weapon is not None
    }
    sensors = {mount.sensor for t in types if t in cat.unit_types for mount in cat.unit_types[t].sensors}
    behaviours = {unit.behaviour for unit in units if unit.behaviour is not None}
    return cat.model_copy(
        update={
            "unit_types": {k: v for k, v in cat.unit_types.items() if k in types},
            "weapons": {k: v for k, v in cat.weapons.items() if k in weapons},
            "sensors": {k: v for k, v in cat.sensors.items() if k in sensors},
            "behaviours": {k: v for k, v in cat.behaviours.items() if k in behaviours},
        }
    )


def content_hash(scenario: Scenario) -> str:
    """A stable hash of everything that can change results: ``sha256:`` and 64 hex digits.

    ``extends`` (of the scenario and of its catalogue) is left out: it records where merged content came
    from, so a variant and its fully merged dump (:func:`scenario_to_yaml`) hash the same. So are the
    catalogue entries the scenario does not use (:func:`used_catalogue`), which the dump leaves out.
    """
    data = scenario.model_dump(mode="json")
    data["catalogue"] = used_catalogue(scenario).model_dump(mode="json")
    data.pop("extends", None)
    data["catalogue"].pop("extends", None)
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def scenario_to_yaml(scenario: Scenario) -> str:
    """The fully merged scenario as YAML (variants and catalogues resolved), loadable again, with only the
    catalogue entries it uses (:func:`used_catalogue`): it runs as the scenario does and hashes the same."""
    import yaml

    data = scenario.model_dump(mode="json", exclude_none=True)
    data["catalogue"] = used_catalogue(scenario).model_dump(mode="json", exclude_none=True)
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


def _check_file_overrides(scenario: Scenario, values: dict[str, Any]) -> None:
    """An override may set a file field (:data:`FILE_FIELDS`) to a shipped geodata set's name or leave it
    as it is, never name a new file: files are named in scenario files, where their folder is known."""
    from drillsim.geo.geodata import geodata_names

    for text, value in values.items():
        path = parse_field_path(text)
        if path not in FILE_FIELDS:
            continue
        current = getattr(scenario.area, str(path[-1]))
        if value == current or (not FILE_FIELDS[path] and value in geodata_names()):
            continue
        raise InputError(
            "an override cannot name a file",
            path=text,
            expected="a shipped geodata set's name"
            if not FILE_FIELDS[path]
            else "the scenario's own value (name files in the scenario file, beside it or below)",
        )


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
    _check_file_overrides(scenario, values)
    doc = Document(data, Marks(), "<overrides>")
    try:
        changed: Scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _error_from_pydantic(exc, doc) from None
    from drillsim.scenario.references import check_references

    check_references(LoadedScenario(changed, Marks(), "<overrides>"))
    return changed
