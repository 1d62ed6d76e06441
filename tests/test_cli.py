"""The command line: validate, schema, scenarios and --version, run in-process and once as a program."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

import drillsim
from drillsim.scenario import load_scenario
from drillsim.scenario.io import load_catalogue
from drillsim.scenario.pedigree import count_pedigree, iter_parameters

Cli = Callable[..., Any]


def as_json(value: Any) -> Any:
    """YAML data as JSON data: timestamps become ISO 8601 text."""
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def example_files(examples_dir: Path) -> list[Path]:
    files = sorted(examples_dir.glob("*.yaml"))
    assert files, "no examples found"
    return files


def test_validate_accepts_every_example(examples_dir: Path, cli: Cli) -> None:
    """``drillsim validate examples/*.yaml`` exits 0 and prints one ok line per file."""
    files = example_files(examples_dir)
    result = cli("validate", *map(str, files))
    assert result.code == 0, result.err
    assert result.out.count("ok  ") == len(files)
    assert result.err == ""


def test_validate_reports_every_bad_file_and_exits_2(tmp_path: Path, example_path: Path, cli: Cli) -> None:
    """One bad file among good ones gives exit code 2, and the good files are still checked."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\nname: Bad Name\n", encoding="utf-8")
    result = cli("validate", str(bad), str(example_path))
    assert result.code == 2
    assert f"error: {bad}:" in result.err
    assert f"ok  {example_path}" in result.out


def test_validate_a_catalogue(tmp_path: Path, cli: Cli) -> None:
    """``drillsim validate`` recognises a catalogue file by its top-level ``catalogue:`` name."""
    path = tmp_path / "extra.yaml"
    path.write_text(
        "schema_version: 1\ncatalogue: extra-v1\nextends: [core-v1]\n"
        "unit_types:\n  scouts: {category: reconnaissance, personnel: 4, sensors: [{sensor: binoculars}]}\n",
        encoding="utf-8",
    )
    result = cli("validate", str(path))
    assert result.code == 0, result.err
    assert "catalogue extra-v1" in result.out
    counts = count_pedigree(iter_parameters(load_catalogue(path)))
    assert f"{counts.total:,} parameters: {counts.line()}" in result.out
    assert counts.bare > counts.defaults  # the scouts' personnel 4 is written bare


def test_validate_counts_the_pedigree_classes(example_path: Path, cli: Cli) -> None:
    """``drillsim validate`` prints the sourced, weakly sourced and bare numbers of a scenario in one line."""
    result = cli("validate", str(example_path))
    assert result.code == 0, result.err
    counts = count_pedigree(load_scenario(example_path).parameters())
    assert counts.sourced > 0
    assert counts.weak > counts.assumptions > 0
    assert counts.bare > 0  # the example writes plain numbers
    assert counts.defaults == 0  # every model default has its pedigree
    assert counts.sourced + counts.weak + counts.bare == counts.total
    line = (
        f"{counts.total:,} parameters: {counts.sourced:,} sourced, {counts.weak:,} weakly sourced "
        f"({counts.assumptions:,} stated assumptions), {counts.bare:,} without pedigree; sha256:"
    )
    assert line in result.out


def test_validate_as_a_program(examples_dir: Path) -> None:
    """``python -m drillsim validate`` works as a separate process, with the same exit code."""
    files = example_files(examples_dir)
    done = subprocess.run(
        [sys.executable, "-m", "drillsim", "validate", *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("ok  ") == len(files)


def test_bad_file_as_a_program_exits_2_without_traceback(tmp_path: Path) -> None:
    """A bad file run through ``python -m drillsim`` gives exit code 2 and no traceback."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\nname: [\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "drillsim", "validate", str(bad)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 2
    assert f"error: {bad}:" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_missing_file_exits_2(tmp_path: Path, cli: Cli) -> None:
    """A path that does not exist is a user error naming it."""
    result = cli("validate", str(tmp_path / "nowhere.yaml"))
    assert result.code == 2
    assert "no file" in result.err
    assert "nowhere.yaml" in result.err


def test_error_text_is_printed_literally(edit: Callable[..., Path], cli: Cli) -> None:
    """Square brackets in a user's key are printed as written, not taken as terminal markup."""
    path = edit("\nmeasures:\n", '\n"[red]x": 1\nmeasures:\n')
    result = cli("validate", str(path))
    assert result.code == 2
    assert "unknown field '[red]x'" in result.err


def test_schema_is_draft_2020_12(cli: Cli) -> None:
    """``drillsim schema`` prints a valid Draft 2020-12 JSON Schema."""
    result = cli("schema")
    assert result.code == 0
    schema = json.loads(result.out)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_schema_accepts_every_example(examples_dir: Path, cli: Cli) -> None:
    """The printed schema accepts every example as written (variants included)."""
    validator = jsonschema.Draft202012Validator(json.loads(cli("schema").out))
    for path in example_files(examples_dir):
        data = as_json(yaml.safe_load(path.read_text(encoding="utf-8")))
        problems = [e.message for e in validator.iter_errors(data)]
        assert problems == [], f"{path.name}: {problems}"


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda d: d["units"]["tjk/pl/hq"].update(strength=-6), "negative strength"),
        (lambda d: d.update(measurse={}), "unknown top-level key"),
        (lambda d: d.pop("time"), "missing time"),
        (lambda d: d["plan"]["phases"]["raid"]["tasks"][0].update(task="withdrew"), "unknown task kind"),
    ],
)
def test_schema_rejects_a_broken_example(
    example_path: Path, cli: Cli, change: Callable[[dict[str, Any]], object], why: str
) -> None:
    """The printed schema rejects an example with one structural mistake."""
    validator = jsonschema.Draft202012Validator(json.loads(cli("schema").out))
    data = as_json(yaml.safe_load(example_path.read_text(encoding="utf-8")))
    change(data)
    assert not validator.is_valid(data), why


def test_catalogue_schema_accepts_the_core_catalogue(cli: Cli) -> None:
    """``drillsim schema --kind catalogue`` accepts the embedded core-v1 catalogue."""
    result = cli("schema", "--kind", "catalogue")
    assert result.code == 0
    schema = json.loads(result.out)
    jsonschema.Draft202012Validator.check_schema(schema)
    entry = next(e for e in drillsim.library_entries() if e.name == "core-v1")
    data = as_json(yaml.safe_load(entry.read_text()))
    assert jsonschema.Draft202012Validator(schema).is_valid(data)


def test_schema_with_unknown_kind_exits_2(cli: Cli) -> None:
    """An unknown ``--kind`` is a user error."""
    result = cli("schema", "--kind", "scenery")
    assert result.code == 2
    assert "unknown kind 'scenery'" in result.err


def test_scenarios_lists_the_core_catalogue(cli: Cli) -> None:
    """``drillsim scenarios`` lists the embedded core-v1 catalogue."""
    result = cli("scenarios")
    assert result.code == 0
    assert "core-v1" in result.out
    assert "catalogue" in result.out


def test_version(cli: Cli) -> None:
    """``drillsim --version`` prints the package version."""
    result = cli("--version")
    assert result.code == 0
    assert result.out.strip() == f"drillsim {drillsim.__version__}"
