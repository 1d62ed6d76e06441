"""``drillsim.testing.check_scenario``: passes good scenarios and catches each broken invariant."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import drillsim
from drillsim import testing
from drillsim.scenario import Scenario


def test_check_scenario_returns_the_scenario(example_path: Path) -> None:
    """A good file passes and the loaded scenario comes back."""
    assert testing.check_scenario(example_path).name == "crossing-defence-v1"


def test_check_scenario_passes_every_example(examples_dir: Path) -> None:
    """Every example, variants included, keeps the invariants."""
    for path in sorted(examples_dir.glob("*.yaml")):
        assert isinstance(testing.check_scenario(path), Scenario)


def test_check_scenario_by_library_name(scenario_library: Path) -> None:
    """An embedded scenario can be checked by name."""
    assert testing.check_scenario("crossing-defence-v1").name == "crossing-defence-v1"


def test_check_scenario_passes_user_errors_through(edit: Callable[..., Path]) -> None:
    """Bad input is a UserError, not an AssertionError: the file is wrong, not drillsim."""
    path = edit("    strength: 6\n", "    strength: -6\n")
    with pytest.raises(drillsim.UserError, match=r"value out of range"):
        testing.check_scenario(path)


def test_check_scenario_catches_an_unstable_hash(example_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A hash that differs between loads fails the check."""
    counter = itertools.count()
    monkeypatch.setattr(testing, "content_hash", lambda scenario: f"sha256:{next(counter)}")
    with pytest.raises(AssertionError, match=r"content hash differs between two loads"):
        testing.check_scenario(example_path)


def test_check_scenario_catches_a_schema_the_loader_disagrees_with(
    example_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file the loader accepts but the JSON Schema rejects fails the check, naming the file."""
    strict: dict[str, Any] = {"type": "object", "required": ["no_such_key"]}
    monkeypatch.setattr(testing, "scenario_schema", lambda: strict)
    with pytest.raises(AssertionError, match=r"the JSON Schema rejects .*crossing-defence.yaml.*no_such_key"):
        testing.check_scenario(example_path)


def test_check_scenario_catches_a_malformed_element_id(
    example_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An element id that is not lowercase words joined by '/' fails the check."""
    monkeypatch.setattr(testing, "element_ids", lambda scenario: {"TJK//1": "tjk/pl/hq"})
    with pytest.raises(AssertionError, match=r"element id 'TJK//1'"):
        testing.check_scenario(example_path)


def test_check_scenario_catches_missing_parameters(
    example_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A parameter left out of ``Scenario.parameters()`` fails the check."""
    full = Scenario.parameters
    monkeypatch.setattr(Scenario, "parameters", lambda self: full(self)[:-1])
    with pytest.raises(AssertionError, match=r"lists \d+ parameters; the scenario has \d+"):
        testing.check_scenario(example_path)
