"""Bad input: each kind of mistake gets one error naming file, line, column and field, and exit code 2.

Every test writes the teaching example with one change into a temporary folder, so the change is the
whole story of the test.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import drillsim

Edit = Callable[..., Path]
Cli = Callable[..., Any]


def assert_rejected(path: Path, cli: Cli, *, line: int, column: int, field: str | None, match: str) -> None:
    """The loader and ``drillsim validate`` both reject ``path`` with one located, readable message."""
    with pytest.raises(drillsim.UserError, match=match) as info:
        drillsim.load_scenario(path)
    head = f"{path}:{line}:{column}: " + (f"field '{field}': " if field is not None else "")
    message = str(info.value)
    assert message.startswith(head), f"expected the message to start with {head!r}: {message!r}"
    result = cli("validate", str(path))
    assert result.code == 2
    assert f"error: {message}" in result.err
    assert "Traceback" not in result.out + result.err


def test_yaml_syntax_error(edit: Edit, cli: Cli) -> None:
    """An unclosed flow list is a YAML syntax error at the token that gives it away."""
    path = edit("  duration_s: 7200\n", "  duration_s: [7200\n")
    assert_rejected(
        path, cli, line=18, column=7, field=None, match=r"YAML syntax error: expected ',' or '\]'"
    )


def test_duplicate_key(edit: Edit, cli: Cli) -> None:
    """A key written twice in one mapping is an error at the second one, naming the first one's line."""
    path = edit("  duration_s: 7200\n", "  duration_s: 7200\n  duration_s: 3600\n")
    assert_rejected(
        path, cli, line=18, column=3, field="time.duration_s", match=r"appears twice.*the first is at line 17"
    )


def test_unknown_top_level_key(edit: Edit, cli: Cli) -> None:
    """A misspelt top-level key is reported at the key with a did-you-mean."""
    path = edit("\nmeasures:\n", "\nmeasurse:\n")
    assert_rejected(
        path,
        cli,
        line=141,
        column=1,
        field="measurse",
        match=r"unknown field 'measurse'.*Did you mean 'measures'\?",
    )


def test_misspelt_nested_key(edit: Edit, cli: Cli) -> None:
    """A misspelt key deep inside is reported at that key, with its full path and a did-you-mean."""
    path = edit("    comms_latency_s: 30\n", "    comms_latncy_s: 30\n")
    assert_rejected(
        path,
        cli,
        line=28,
        column=5,
        field="sides.defenders.comms_latncy_s",
        match=r"unknown field 'comms_latncy_s'.*Did you mean 'comms_latency_s'\?",
    )


def test_text_for_a_number(edit: Edit, cli: Cli) -> None:
    """Text where a number belongs says what was expected and what was found."""
    path = edit("  duration_s: 7200\n", "  duration_s: two hours\n")
    assert_rejected(
        path,
        cli,
        line=17,
        column=15,
        field="time.duration_s",
        match=r"not a number.*found the text 'two hours'",
    )


def test_negative_strength(edit: Edit, cli: Cli) -> None:
    """A negative head count is out of range."""
    path = edit("    strength: 6\n", "    strength: -6\n")
    assert_rejected(
        path,
        cli,
        line=65,
        column=15,
        field="units.tjk/pl/hq.strength",
        match=r"value out of range; expected a whole number >= 0 and <= 100,000; found -6",
    )


def test_probability_above_one(edit: Edit, cli: Cli) -> None:
    """A probability above 1 is out of range."""
    path = edit("    training: 0.5\n", "    training: 1.5\n")
    assert_rejected(
        path,
        cli,
        line=44,
        column=15,
        field="nations.MIL.training",
        match=r"value out of range; expected a number >= 0 and <= 1; found 1.5",
    )


def test_unknown_unit_type(edit: Edit, cli: Cli) -> None:
    """A misspelt unit type names the catalogue's types and suggests the closest."""
    path = edit("    type: rifle-squad\n", "    type: rifle-sqaud\n")
    assert_rejected(
        path,
        cli,
        line=67,
        column=11,
        field="units.tjk/pl/sqd.type",
        match=r"unknown unit type 'rifle-sqaud'.*Did you mean 'rifle-squad'\?",
    )


def test_unknown_nation(edit: Edit, cli: Cli) -> None:
    """A unit of a nation the scenario does not declare is an error listing the nations."""
    path = edit(
        "    type: militant-technical\n    nation: MIL\n", "    type: militant-technical\n    nation: ARM\n"
    )
    assert_rejected(
        path,
        cli,
        line=95,
        column=13,
        field="units.mil/technical.nation",
        match=r"unknown nation 'ARM'; expected one of the scenario's nations \(MIL, TJK\)",
    )


def test_unknown_parent(edit: Edit, cli: Cli) -> None:
    """A parent that is not a unit of the scenario is an error with a suggestion."""
    path = edit("    parent: tjk/pl/hq\n    count: 3\n", "    parent: tjk/pl/hx\n    count: 3\n")
    assert_rejected(
        path,
        cli,
        line=69,
        column=13,
        field="units.tjk/pl/sqd.parent",
        match=r"unknown unit 'tjk/pl/hx'.*Did you mean 'tjk/pl/hq'\?",
    )


def test_cycle_in_command_hierarchy(edit: Edit, cli: Cli) -> None:
    """A headquarters that reports to its own subordinate makes a cycle, shown link by link."""
    path = edit("    strength: 6\n", "    strength: 6\n    parent: tjk/mortars\n")
    assert_rejected(
        path,
        cli,
        line=66,
        column=13,
        field="units.tjk/pl/hq.parent",
        match=r"command hierarchy has a cycle.*found tjk/pl/hq -> tjk/mortars -> tjk/pl/hq",
    )


def test_unit_outside_the_area(edit: Edit, cli: Cli) -> None:
    """A unit that starts outside the area of operations is an error giving the area's bounds."""
    path = edit("    at: {lat: 37.15, lon: 68.64}\n", "    at: {lat: 38.15, lon: 68.64}\n")
    assert_rejected(
        path,
        cli,
        line=100,
        column=9,
        field="units.mil/commander.at",
        match=r"outside the area of operations; expected lat 37.1..37.3, lon 68.5..68.75; found lat 38.1500",
    )


def test_unknown_place(edit: Edit, cli: Cli) -> None:
    """A location naming no place or site is an error with a suggestion."""
    path = edit("    at: mortar-pos\n", "    at: mortar-post\n")
    assert_rejected(
        path,
        cli,
        line=78,
        column=9,
        field="units.tjk/mortars.at",
        match=r"unknown place 'mortar-post'.*Did you mean 'mortar-pos'\?",
    )


def test_unknown_phase_in_trigger(edit: Edit, cli: Cli) -> None:
    """A trigger that waits for a phase the plan lacks is an error at the phase name."""
    path = edit("      trigger: {at_s: 900}\n", "      trigger: {after_phase: wach}\n")
    assert_rejected(
        path,
        cli,
        line=115,
        column=30,
        field="plan.phases.raid.trigger.after_phase",
        match=r"unknown phase 'wach'.*Did you mean 'watch'\?",
    )


def test_unknown_unit_in_task(edit: Edit, cli: Cli) -> None:
    """A task given to a unit that does not exist is an error at that list item."""
    path = edit("units: [tjk/mortars], observers", "units: [tjk/mortar], observers")
    assert_rejected(
        path,
        cli,
        line=111,
        column=40,
        field="plan.phases.watch.tasks[1].units[0]",
        match=r"unknown unit 'tjk/mortar'.*Did you mean 'tjk/mortars'\?",
    )


def test_unknown_task_kind(edit: Edit, cli: Cli) -> None:
    """A misspelt task kind lists the kinds and suggests the closest."""
    path = edit("{task: withdraw,", "{task: withdrew,")
    assert_rejected(
        path,
        cli,
        line=122,
        column=18,
        field="plan.phases.fall-back.tasks[0].task",
        match=r"unknown kind 'withdrew'; expected one of move, .*Did you mean 'withdraw'\?",
    )


def test_raid_on_unit_that_cannot_be_captured(edit: Edit, cli: Cli) -> None:
    """A raid to capture a unit not marked capturable is an error suggesting capture: false."""
    path = edit(
        "{task: attack, units: [mil/grp, mil/technical], target: crossing}",
        "{task: raid, units: [mil/grp, mil/technical], target_unit: tjk/pl/hq}",
    )
    assert_rejected(
        path,
        cli,
        line=117,
        column=70,
        field="plan.phases.raid.tasks[0].target_unit",
        match=r"unit 'tjk/pl/hq' cannot be captured; expected a unit with capturable: true",
    )


def test_unsupported_schema_version(edit: Edit, cli: Cli) -> None:
    """A schema_version this release does not read is refused before anything else."""
    path = edit("schema_version: 1\n", "schema_version: 2\n")
    assert_rejected(
        path, cli, line=5, column=17, field="schema_version", match=r"unsupported schema_version.*found 2"
    )


def test_unknown_pedigree_confidence(edit: Edit, cli: Cli) -> None:
    """A confidence that is not low, medium or high is an error at the parameter."""
    path = edit("confidence: low}\n    c2_delay_s: 300", "confidence: certain}\n    c2_delay_s: 300")
    assert_rejected(
        path,
        cli,
        line=39,
        column=15,
        field="nations.TJK.training",
        match=r"unknown confidence level; expected one of low, medium, high; found the text 'certain'",
    )


def test_relations_that_disagree(edit: Edit, cli: Cli) -> None:
    """Two sides that regard each other differently are an error at the first side's relation."""
    path = edit("    relations: {defenders: hostile}\n", "    relations: {defenders: allied}\n")
    assert_rejected(
        path,
        cli,
        line=27,
        column=26,
        field="sides.defenders.relations.raiders",
        match=r"relations of 'defenders' and 'raiders' disagree.*'raiders' says allied",
    )


def test_empty_file(tmp_path: Path, cli: Cli) -> None:
    """An empty file is an error at its first line, not a crash on None."""
    path = tmp_path / "empty.yaml"
    path.write_text("", encoding="utf-8")
    assert_rejected(
        path, cli, line=1, column=1, field=None, match=r"the file is empty; expected a YAML mapping"
    )


def test_variant_without_its_own_name(tmp_path: Path, example_path: Path, cli: Cli) -> None:
    """A variant that does not rename itself would pass for its base; the error points at its extends."""
    shutil.copy(example_path, tmp_path / "base.yaml")
    path = tmp_path / "variant.yaml"
    path.write_text("extends: base.yaml\ntitle: The same, renamed\n", encoding="utf-8")
    assert_rejected(
        path, cli, line=1, column=10, field="name", match=r"a variant needs a name of its own; .*found none"
    )


# --- regressions: each of these once escaped as a crash or a misleading message ----------------------------


def test_control_character_is_located(edit: Edit, cli: Cli) -> None:
    """A control character YAML refuses is an error at its line and column, not a ReaderError traceback."""
    path = edit("  duration_s: 7200\n", "  duration_s: 72\x0100\n")
    assert_rejected(
        path, cli, line=17, column=17, field=None, match=r"a character that YAML does not allow.*U\+0001"
    )


def test_sources_as_a_list_is_a_type_error_not_a_crash(edit: Edit, cli: Cli) -> None:
    """``sources:`` written as a list is reported as the wrong type (it once crashed the catalogue merge)."""
    path = edit("sources:\n  fm-platoon:\n", "sources:\n  - fm-platoon:\n")
    assert_rejected(path, cli, line=12, column=3, field="sources", match=r"valid dictionary")


def test_error_in_a_base_names_the_variant_too(tmp_path: Path, example_path: Path, cli: Cli) -> None:
    """Deleting a unit the base's tasks still use is reported at the base's line, naming the variant too."""
    base = tmp_path / "base.yaml"
    shutil.copy(example_path, base)
    path = tmp_path / "no-drone.yaml"
    path.write_text("extends: base.yaml\nname: no-drone-v1\nunits: {tjk/uav: null}\n", encoding="utf-8")
    with pytest.raises(drillsim.UserError, match=rf"unknown unit 'tjk/uav' \(while loading {path}\)") as info:
        drillsim.load_scenario(path)
    assert str(info.value).startswith(f"{base}:110:34: field 'plan.phases.watch.tasks[0].units[0]': ")
    result = cli("validate", str(path))
    assert result.code == 2
    assert "Traceback" not in result.err


def test_ammunition_for_a_weapon_the_unit_does_not_carry(edit: Edit, cli: Cli) -> None:
    """units.<id>.ammunition names weapons the unit carries; another weapon is an error listing them."""
    path = edit(
        "    at: far-bank\n  mil/commander:\n",
        "    at: far-bank\n    ammunition: {mortar-82: 10}\n  mil/commander:\n",
    )
    assert_rejected(
        path,
        cli,
        line=97,
        column=29,
        field="units.mil/technical.ammunition.mortar-82",
        match=r"the unit carries no weapon 'mortar-82'.*hmg-127, rifle-545",
    )
