"""Content hash: the same scenario always hashes the same, and any change to a number changes it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from drillsim.scenario import content_hash, load_scenario, scenario_to_yaml


def test_hash_format(example_path: Path) -> None:
    """The hash is ``sha256:`` and 64 lowercase hex digits."""
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", content_hash(load_scenario(example_path)))


def test_same_file_twice_hashes_the_same(example_path: Path) -> None:
    """Two loads of one file give one hash."""
    assert content_hash(load_scenario(example_path)) == content_hash(load_scenario(example_path))


def test_changing_one_number_changes_the_hash(example_path: Path, edit: Callable[..., Path]) -> None:
    """7200 s -> 7201 s is a different scenario."""
    changed = edit("  duration_s: 7200\n", "  duration_s: 7201\n")
    assert content_hash(load_scenario(changed)) != content_hash(load_scenario(example_path))


def test_changing_a_catalogue_number_changes_the_hash(example_path: Path, edit: Callable[..., Path]) -> None:
    """Overriding one catalogue value changes the hash: the merged catalogue is part of the scenario."""
    changed = edit("\nunits:\n", "\ncatalogue:\n  weapons:\n    mortar-82: {max_range_m: 4000}\n\nunits:\n")
    assert content_hash(load_scenario(changed)) != content_hash(load_scenario(example_path))


@pytest.mark.parametrize("name", ["crossing-defence.yaml", "crossing-defence-night.yaml"])
def test_merged_dump_hashes_the_same(tmp_path: Path, examples_dir: Path, name: str) -> None:
    """A file and its fully merged dump, loaded again, have one hash (variants included)."""
    scenario = load_scenario(examples_dir / name)
    dumped = tmp_path / "merged.yaml"
    dumped.write_text(scenario_to_yaml(scenario), encoding="utf-8")
    assert content_hash(load_scenario(dumped)) == content_hash(scenario)


def test_merged_dump_has_no_extends(examples_dir: Path) -> None:
    """The merged dump stands alone: no base scenario and no catalogue to merge."""
    data = yaml.safe_load(scenario_to_yaml(load_scenario(examples_dir / "crossing-defence-night.yaml")))
    assert "extends" not in data
    assert data["catalogue"]["extends"] == []


def test_comments_and_key_order_do_not_change_the_hash(tmp_path: Path, example_path: Path) -> None:
    """The hash is of the content, not the text: comments, layout and key order do not count."""
    data = yaml.safe_load(example_path.read_text(encoding="utf-8"))
    shuffled = tmp_path / "shuffled.yaml"
    shuffled.write_text(
        "# reordered\n" + yaml.safe_dump(dict(reversed(list(data.items()))), default_flow_style=True),
        encoding="utf-8",
    )
    assert content_hash(load_scenario(shuffled)) == content_hash(load_scenario(example_path))


def test_integer_and_float_spellings_hash_the_same(example_path: Path, edit: Callable[..., Path]) -> None:
    """``7200`` and ``7200.0`` are the same number."""
    respelt = edit("  duration_s: 7200\n", "  duration_s: 7200.0\n")
    assert content_hash(load_scenario(respelt)) == content_hash(load_scenario(example_path))


def test_saved_scenario_keeps_only_the_catalogue_it_uses(tmp_path: Path, examples_dir: Path) -> None:
    """The saved scenario of the example names no unit type, weapon, sensor or behaviour it does not use,
    and leaves out some of the shared catalogue."""
    scenario = load_scenario(examples_dir / "crossing-defence.yaml")
    saved = yaml.safe_load(scenario_to_yaml(scenario))["catalogue"]
    types = {unit.type for unit in scenario.units.values()}
    assert set(saved["unit_types"]) == types
    mounted = {m["weapon"] for t in saved["unit_types"].values() for m in t.get("weapons", [])}
    mounted |= {m.weapon for unit in scenario.units.values() for m in unit.weapons or ()}
    assert set(saved["weapons"]) == mounted
    seeing = {m["sensor"] for t in saved["unit_types"].values() for m in t.get("sensors", [])}
    assert set(saved["sensors"]) == seeing
    assert set(saved.get("behaviours", {})) == {u.behaviour for u in scenario.units.values() if u.behaviour}
    assert len(saved["unit_types"]) < len(scenario.catalogue.unit_types)


def test_saved_scenario_runs_as_the_original(tmp_path: Path, examples_dir: Path) -> None:
    """Saved with its used catalogue and loaded again, the example hashes the same and gives the same
    measures and event log at the same seed."""
    from drillsim.engine import EventLog, run
    from drillsim.testing import result_digest

    scenario = load_scenario(examples_dir / "crossing-defence.yaml")
    saved = tmp_path / "saved.yaml"
    saved.write_text(scenario_to_yaml(scenario), encoding="utf-8")
    again = load_scenario(saved)
    assert content_hash(again) == content_hash(scenario)
    first = run(scenario, rng=3, replications=2, recorder=EventLog())
    second = run(again, rng=3, replications=2, recorder=EventLog())
    assert first.events is not None
    assert first.events.num_rows > 0
    assert result_digest(second) == result_digest(first)
