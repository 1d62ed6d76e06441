"""Variants: a file with ``extends:`` gives only what changes and keeps everything else of its base."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

import drillsim
from drillsim.scenario import content_hash, load_scenario


@pytest.fixture
def night(examples_dir: Path) -> drillsim.Scenario:
    """The night, no-drone variant of the teaching example."""
    return load_scenario(examples_dir / "crossing-defence-night.yaml")


@pytest.fixture
def base(example_path: Path) -> drillsim.Scenario:
    """The teaching example."""
    return load_scenario(example_path)


def test_variant_takes_its_own_name_and_title(night: drillsim.Scenario) -> None:
    """The variant's name and title replace the base's."""
    assert night.name == "crossing-defence-night-v1"
    assert night.title.endswith("without its drone")


def test_variant_overrides_the_start_time(night: drillsim.Scenario) -> None:
    """A key inside a mapping (``time.start``) replaces only that key."""
    assert night.time.start == dt.datetime(2015, 5, 14, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=5)))


def test_variant_keeps_sibling_keys_of_an_override(night: drillsim.Scenario, base: drillsim.Scenario) -> None:
    """Overriding ``time.start`` keeps the base's duration and time step."""
    assert night.time.duration_s == base.time.duration_s
    assert night.time.dt_s == base.time.dt_s


def test_variant_overrides_the_light(night: drillsim.Scenario, base: drillsim.Scenario) -> None:
    """``environment.light`` changes and the rest of the environment stays."""
    assert night.environment.light == "night"
    assert night.environment.population == base.environment.population


def test_null_deletes_a_unit(night: drillsim.Scenario, base: drillsim.Scenario) -> None:
    """``units: {tjk/uav: null}`` removes the drone and keeps every other unit as it was."""
    assert "tjk/uav" not in night.units
    assert {uid: u for uid, u in base.units.items() if uid != "tjk/uav"} == night.units


def test_a_list_replaces_the_base_list(night: drillsim.Scenario) -> None:
    """The watch phase's task list is the variant's, with no trace of the drone."""
    tasks = night.plan.phases["watch"].tasks
    assert [t.task for t in tasks] == ["fire-support", "defend"]
    assert all("tjk/uav" not in t.units for t in tasks)


def test_variant_keeps_the_base_fields_it_does_not_name(
    night: drillsim.Scenario, base: drillsim.Scenario
) -> None:
    """Sides, nations, places, objectives, measures and the other phases come from the base unchanged."""
    for field in (
        "sides",
        "nations",
        "places",
        "sites",
        "lines",
        "areas",
        "objectives",
        "measures",
        "catalogue",
    ):
        assert getattr(night, field) == getattr(base, field), field
    assert night.plan.phases["raid"] == base.plan.phases["raid"]


def test_variant_records_its_base(night: drillsim.Scenario) -> None:
    """The loaded variant says which scenario it extends."""
    assert night.extends == "crossing-defence.yaml"


def test_variant_hash_differs_from_base(night: drillsim.Scenario, base: drillsim.Scenario) -> None:
    """A what-if is a different scenario: its content hash differs."""
    assert content_hash(night) != content_hash(base)


def test_extends_a_relative_path_from_the_variants_folder(tmp_path: Path, example_path: Path) -> None:
    """A relative ``extends`` is read from the variant's folder, not the working directory."""
    (tmp_path / "bases").mkdir()
    shutil.copy(example_path, tmp_path / "bases" / "base.yaml")
    variant = tmp_path / "bases" / "variant.yaml"
    variant.write_text("extends: base.yaml\nname: short-v1\ntime: {duration_s: 3600}\n", encoding="utf-8")
    loaded = load_scenario(variant)
    assert float(loaded.time.duration_s) == 3600
    assert loaded.name == "short-v1"


def test_extends_a_library_name(tmp_path: Path, scenario_library: Path) -> None:
    """``extends: crossing-defence-v1`` finds the base in the embedded library."""
    variant = tmp_path / "variant.yaml"
    variant.write_text(
        "extends: crossing-defence-v1\nname: foggy-v1\nenvironment: {weather: fog}\n", encoding="utf-8"
    )
    loaded = load_scenario(variant)
    assert loaded.environment.weather == "fog"
    assert loaded.extends == "crossing-defence-v1"
    assert set(loaded.units) == set(load_scenario("crossing-defence-v1").units)


def test_a_variant_of_a_variant(tmp_path: Path, examples_dir: Path) -> None:
    """Extends chains: a variant of the night variant keeps both levels of changes."""
    variant = tmp_path / "deeper.yaml"
    variant.write_text(
        f"extends: {examples_dir / 'crossing-defence-night.yaml'}\nname: night-fog-v1\n"
        "environment: {weather: fog}\n",
        encoding="utf-8",
    )
    loaded = load_scenario(variant, allow_outside=True)
    assert (loaded.environment.light, loaded.environment.weather) == ("night", "fog")
    assert "tjk/uav" not in loaded.units


def test_a_loop_of_extends_is_an_error(tmp_path: Path) -> None:
    """Two files that extend each other are an error naming the chain, not a recursion crash."""
    (tmp_path / "a.yaml").write_text("extends: b.yaml\nname: a-v1\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\nname: b-v1\n", encoding="utf-8")
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    with pytest.raises(drillsim.UserError, match=r"extend each other in a loop") as info:
        load_scenario(a)
    assert str(info.value).startswith(f"{b}:1:10: field 'extends': ")
    assert f"found {a} -> {b} -> {a}" in str(info.value)


def test_a_file_that_extends_itself_is_an_error(tmp_path: Path) -> None:
    """A file naming itself (by another spelling of its path) as its base is a loop."""
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "self.yaml"
    path.write_text("extends: ../sub/./self.yaml\nname: self-v1\n", encoding="utf-8")
    with pytest.raises(drillsim.UserError, match=r"extend each other in a loop"):
        load_scenario(path)


def test_same_relative_name_in_different_folders_is_not_a_loop(tmp_path: Path, example_path: Path) -> None:
    """Two different files both called ``base.yaml`` in a chain are not mistaken for a loop."""
    for folder in ("x", "y"):
        (tmp_path / folder).mkdir()
    shutil.copy(example_path, tmp_path / "y" / "base.yaml")
    (tmp_path / "x" / "v.yaml").write_text("extends: base.yaml\nname: xv-v1\n", encoding="utf-8")
    (tmp_path / "x" / "base.yaml").write_text("extends: ../y/v.yaml\nname: xb-v1\n", encoding="utf-8")
    (tmp_path / "y" / "v.yaml").write_text("extends: base.yaml\nname: yv-v1\n", encoding="utf-8")
    assert load_scenario(tmp_path / "x" / "v.yaml", allow_outside=True).name == "xv-v1"


def test_an_unknown_base_is_an_error_at_extends(tmp_path: Path) -> None:
    """A base that is neither a file nor a library name is an error at the ``extends`` value."""
    path = tmp_path / "v.yaml"
    path.write_text("extends: nowhere-v1\nname: v-v1\n", encoding="utf-8")
    with pytest.raises(
        drillsim.UserError, match=r"no file and no embedded scenario named 'nowhere-v1'"
    ) as info:
        load_scenario(path)
    assert str(info.value).startswith(f"{path}:1:10: field 'extends': ")


def test_a_base_that_is_not_a_mapping_is_an_error(tmp_path: Path) -> None:
    """Extending a file that holds a list is an error naming that file, not a crash."""
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n", encoding="utf-8")
    path = tmp_path / "v.yaml"
    path.write_text("extends: list.yaml\nname: v-v1\n", encoding="utf-8")
    with pytest.raises(drillsim.UserError, match=r"must be a mapping") as info:
        load_scenario(path)
    assert str(info.value).startswith(f"{tmp_path / 'list.yaml'}:1:1: ")


def test_errors_in_a_variant_point_into_the_variant(tmp_path: Path, example_path: Path) -> None:
    """A bad value the variant sets is reported at the variant's line, not the base's."""
    path = tmp_path / "v.yaml"
    path.write_text(
        f"extends: {example_path}\nname: v-v1\nsides:\n  defenders:\n    comms_latency_s: -1\n",
        encoding="utf-8",
    )
    with pytest.raises(drillsim.UserError, match=r"value out of range") as info:
        load_scenario(path, allow_outside=True)
    assert str(info.value).startswith(f"{path}:5:22: field 'sides.defenders.comms_latency_s': ")


def test_errors_in_the_base_point_into_the_base(tmp_path: Path, example_text: str) -> None:
    """A bad value the variant inherits is reported at the base's line."""
    base = tmp_path / "base.yaml"
    base.write_text(example_text.replace("    strength: 6\n", "    strength: -6\n"), encoding="utf-8")
    path = tmp_path / "v.yaml"
    path.write_text("extends: base.yaml\nname: v-v1\n", encoding="utf-8")
    with pytest.raises(drillsim.UserError, match=r"value out of range") as info:
        load_scenario(path)
    assert str(info.value).startswith(f"{base}:65:15: field 'units.tjk/pl/hq.strength': ")
