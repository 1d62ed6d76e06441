"""JSON Schema of the scenario language, and the Markdown reference generated from it.

Editors use the schema to complete and check scenario files (the ``yaml-language-server`` comment line);
``docs/reference/scenario.md`` is generated from the same models, so the reference cannot drift.
"""

from __future__ import annotations

from typing import Any, Literal

from drillsim._version import __version__
from drillsim.scenario.models import SCHEMA_VERSION, CatalogueFile, Scenario

SchemaKind = Literal["scenario", "catalogue"]
_DIALECT = "https://json-schema.org/draft/2020-12/schema"

SCHEMA_ID_BASE = "urn:drillsim:schema:"
"""Where the schemas' ``$id`` start. An ``$id`` names a schema and its version for tools that cache schemas
by identity. It is a URN (RFC 8141), not a URL: the project owns no web domain to put in a URL, and nothing
fetches it anyway: every ``$ref`` points inside the same document, and editors read the schema from a local
file (``drillsim schema > scenario.schema.json``)."""


def schema_id(kind: SchemaKind = "scenario") -> str:
    """The ``$id`` of a schema: a stable URN naming its kind and the scenario language's ``schema_version``
    (``urn:drillsim:schema:scenario:v1``); it changes only when ``schema_version`` does."""
    return f"{SCHEMA_ID_BASE}{kind}:v{SCHEMA_VERSION}"


def scenario_schema(kind: SchemaKind = "scenario") -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of scenario files, or of catalogue files with ``kind="catalogue"``.

    A scenario file that has ``extends:`` is a variant: it needs only ``name`` and the fields it changes,
    so the schema checks its top-level keys but not the completeness of what it overrides.
    """
    if kind == "catalogue":
        return {
            "$schema": _DIALECT,
            "$id": schema_id("catalogue"),
            "$comment": f"drillsim {__version__}, catalogue schema_version {SCHEMA_VERSION}",
            **CatalogueFile.model_json_schema(),
        }
    full = Scenario.model_json_schema(ref_template="#/$defs/{model}")
    defs = full.pop("$defs", {})
    properties = full["properties"]
    variant = {
        "type": "object",
        "required": ["extends", "name"],
        "properties": {key: {} for key in properties}
        | {"name": properties["name"], "extends": {"type": "string"}},
        "additionalProperties": False,
    }
    return {
        "$schema": _DIALECT,
        "$id": schema_id("scenario"),
        "$comment": f"drillsim {__version__}, scenario schema_version {SCHEMA_VERSION}",
        "title": "drillsim scenario",
        "description": (full.get("description") or "").strip(),
        "$defs": defs | {"Scenario": full},
        "if": {"type": "object", "required": ["extends"]},
        "then": variant,
        "else": {"$ref": "#/$defs/Scenario"},
    }


# --- Markdown reference ------------------------------------------------------------------------------------


def _type_text(prop: dict[str, Any]) -> str:  # noqa: C901
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "anyOf" in prop:
        options = prop["anyOf"]
        if (
            len(options) == 2
            and options[1].get("type") == "object"
            and "value" in options[1].get("properties", {})
        ):
            base = _type_text(options[0])
            return f"{base} (with pedigree)"
        return " or ".join(_type_text(o) for o in options)
    if "oneOf" in prop:
        return " or ".join(_type_text(o) for o in prop["oneOf"])
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    if "const" in prop:
        return f"`{prop['const']}`"
    kind = prop.get("type")
    if kind == "array":
        return f"list of {_type_text(prop.get('items', {}))}"
    if kind == "object":
        extra = prop.get("additionalProperties")
        if isinstance(extra, dict):
            return f"map of name to {_type_text(extra)}"
        patterns = prop.get("patternProperties")
        if isinstance(patterns, dict) and len(patterns) == 1:
            return f"map of name to {_type_text(next(iter(patterns.values())))}"
        return "mapping"
    if kind == "number" or kind == "integer":
        bounds = []
        if "minimum" in prop:
            bounds.append(f">= {prop['minimum']}")
        if "exclusiveMinimum" in prop:
            bounds.append(f"> {prop['exclusiveMinimum']}")
        if "maximum" in prop:
            bounds.append(f"<= {prop['maximum']}")
        return str(kind) + (f" ({', '.join(bounds)})" if bounds else "")
    if kind == "string":
        fmt = prop.get("format")
        return f"string ({fmt})" if fmt else "string"
    if kind == "boolean":
        return "boolean"
    if kind == "null":
        return "null"
    return "any"


def _default_text(prop: dict[str, Any], required: bool) -> str:
    if required:
        return "**required**"
    if "default" not in prop:
        return ""
    value = prop["default"]
    if value is None:
        return "none"
    if value in ({}, [], ""):
        return "empty"
    if isinstance(value, dict) and "value" in value:  # a model default with its pedigree
        pedigree = ", ".join(str(value[k]) for k in ("source", "confidence") if k in value)
        return f"`{value['value']}` ({pedigree})" if pedigree else f"`{value['value']}`"
    return f"`{value}`"


def _section(name: str, schema: dict[str, Any]) -> list[str]:
    lines = [f"### {name}", ""]
    doc = (schema.get("description") or "").strip()
    if doc:
        lines += [" ".join(doc.split()), ""]
    props: dict[str, Any] = schema.get("properties", {})
    if not props:
        return lines
    required = set(schema.get("required", []))
    lines += ["| field | type | default | meaning |", "| --- | --- | --- | --- |"]
    for field, prop in props.items():
        meaning = " ".join((prop.get("description") or "").split()).replace("|", "\\|")
        lines.append(
            f"| `{field}` | {_type_text(prop)} | {_default_text(prop, field in required)} | {meaning} |"
        )
    lines.append("")
    return lines


def _limits_section() -> list[str]:
    from drillsim.scenario import _yaml, files, models, pedigree, references

    def n(value: float) -> str:
        return f"{value:,}"

    return [
        "## Limits",
        "",
        "Every number must be finite. Beyond each field's own rule (a probability lies in 0..1, a count is",
        "a whole number), these generous physical bounds catch slips such as an extra zero run and keep any",
        "file from stalling the loader or the engine; the field tables below give each field's range.",
        "",
        "| what | bound |",
        "| --- | --- |",
        f"| durations, delays and deadlines (`*_s`) | 0 to {n(pedigree.MAX_DURATION_S)} s"
        " (a year and a day) |",
        f"| time step `dt_s` | above 0, at most 86,400 s and at most `duration_s`; at most"
        f" {n(models.MAX_STEPS)} steps |",
        f"| distances, ranges and radii (`*_m`) | 0 to {n(pedigree.MAX_DISTANCE_M)} m (half the Earth's"
        " circumference) |",
        f"| altitude `altitude_m` | above 0, at most {n(pedigree.MAX_ALTITUDE_M)} m |",
        f"| speeds (`*_mps`) | 0 to {n(pedigree.MAX_SPEED_MPS)} m/s |",
        f"| counts: `count`, `strength`, `personnel`, vehicles, weapons and sensors carried,"
        f" `rounds_per_mission`, `sorties` | whole numbers 0 to {n(pedigree.MAX_COUNT)} |",
        f"| `ammunition`, `max_missions` | whole numbers 0 to {n(pedigree.MAX_STOCK)} |",
        f"| elements in a scenario (every unit's `count` added up) | {n(references.MAX_ELEMENTS)} |",
        f"| multipliers (`signature`, `night_factor`, `speed_factor`, `slope_slowdown`) | 0 to"
        f" {n(pedigree.MAX_FACTOR)} |",
        f"| `rate_per_min` | above 0, at most {n(pedigree.MAX_RATE_PER_MIN)} |",
        f"| `rate_per_s` | above 0, at most {n(pedigree.MAX_RATE_PER_S)} |",
        f"| fuel (`fuel_l`, `fuel_per_km_l`, `idle_fuel_per_h_l`) | 0 to {n(pedigree.MAX_FUEL_L)} l |",
        "| `slope_limit_deg` | 0 to 90 |",
        "",
        "Files:",
        "",
        f"- at most {files.MAX_FILE_BYTES // (1024 * 1024)} MB of UTF-8 text (a UTF-8 byte-order mark is"
        " allowed; a byte that is not UTF-8 is reported at its line and column);",
        f"- lists and mappings nested at most {_yaml.MAX_DEPTH} deep, aliases included; aliases may add at"
        f" most {n(_yaml.MAX_ALIAS_VALUES)} values in all, and may not refer to a collection that contains"
        " them;",
        "- `extends:` (of a scenario, of its `catalogue`, or of a catalogue file) names a library entry or a"
        " `.yaml`/`.yml` file in the folder of the file that names it or below (links are followed before"
        " the check). `load_scenario(..., allow_outside=True)` and `drillsim validate --allow-outside` /"
        " `drillsim run --allow-outside` lift the folder rule.",
        "",
        "Each error message is at most 2,000 characters: long values are cut short (with their length),"
        " and the first problem says how many more there are. `drillsim validate` and"
        " `load_scenario(..., all_problems=True)` report every problem: all validation problems of the"
        " merged file or, when it validates, all its broken references.",
        "",
    ]


def reference_markdown() -> str:
    """The scenario file reference, generated from the models (``docs/reference/scenario.md``)."""
    schema = Scenario.model_json_schema(ref_template="#/$defs/{model}")
    defs: dict[str, Any] = schema.pop("$defs", {})
    out = [
        "# Scenario file reference",
        "",
        "<!-- Generated by `python scripts/build_reference.py` from the models in drillsim.scenario.models;"
        " do not edit by hand. -->",
        "",
        f"Scenario language `schema_version: {SCHEMA_VERSION}`. Keys are `snake_case`; enumerated values are",
        "`kebab-case`. Any number marked *with pedigree* may be written plainly (`12`) or as",
        '`{value: 12, source: "...", confidence: low|medium|high}`. A file with `extends:` is a variant: it',
        "names a base scenario (from the library or by path) and gives only what changes; mappings merge key",
        "by key, `null` deletes a key, and lists replace the base's list.",
        "",
        "A number left at its default takes the pedigree shown beside the default: its source key",
        "(declared in the core catalogue's `sources`; `drillsim-assumption` where no source gives the",
        "figure) and its confidence. So `drillsim validate` finds no number without pedigree in a scenario",
        "that writes each of its own numbers with one.",
        "",
        "Point an editor at the schema by putting this line at the top of a scenario file:",
        "",
        "```yaml",
        "# yaml-language-server: $schema=scenario.schema.json",
        "```",
        "",
        "and writing the schema beside it with `drillsim schema > scenario.schema.json` (or giving the path",
        "of `docs/reference/scenario.schema.json`). The editor reads the file; nothing is fetched. The",
        f"schema's `$id`, `{schema_id()}`, names the language version; it changes only",
        "when `schema_version` does.",
        "",
        *_limits_section(),
        "## Top level",
        "",
    ]
    out += _section("Scenario", schema)[2:]
    out += ["## Parts", ""]
    for name in sorted(defs):
        out += _section(name, defs[name])
    return "\n".join(out).rstrip() + "\n"
