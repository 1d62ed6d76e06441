"""Hostile YAML: deep nesting, alias bombs and recursive aliases get one short, located UserError."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from drillsim.scenario import load_scenario

Edit = Callable[..., Path]
Write = Callable[..., Path]
Message = Callable[..., str]


def test_unclosed_deep_flow_list_is_located(tmp_path: Path, write: Write, message_of: Message) -> None:
    """An unclosed list 500 deep (526 bytes) is a nesting error at the 64th bracket, not a RecursionError."""
    path = write(tmp_path, "schema_version: 1\na: " + "[" * 500 + "\n")
    assert message_of(path).startswith(f"{path}:2:67: lists and mappings nested too deeply")


def test_deep_block_mappings_are_refused(tmp_path: Path, write: Write, message_of: Message) -> None:
    """Block mappings nested 100 deep are refused at the first level past the limit."""
    text = "".join(f"{' ' * i}k{i}:\n" for i in range(100)) + " " * 100 + "v: 1\n"
    path = write(tmp_path, text)
    assert message_of(path).startswith(f"{path}:65:65: lists and mappings nested too deeply")


def test_alias_bomb_is_refused_at_the_alias(tmp_path: Path, write: Write, message_of: Message) -> None:
    """Seven levels of nine aliases (343 bytes, 4.8 million values) stop at the alias past the budget."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 7)]
    path = write(tmp_path, "\n".join(lines) + "\n")
    assert len(path.read_bytes()) < 400
    assert message_of(path).startswith(f"{path}:6:10: aliases expand to too many values")


def test_recursive_alias_is_refused(tmp_path: Path, write: Write, message_of: Message) -> None:
    """An alias inside the collection it names is refused at the alias, not a RecursionError."""
    path = write(tmp_path, "schema_version: 1\nunits: &u {grp: *u}\n")
    assert message_of(path).startswith(f"{path}:2:17: alias '*u' refers to a collection that contains it")


def test_aliases_cannot_nest_past_the_limit(tmp_path: Path, write: Write, message_of: Message) -> None:
    """Aliases that each add 40 levels cannot build a tree deeper than the limit."""
    text = "a: &a " + "[" * 40 + "1" + "]" * 40 + "\n"
    text += "b: &b " + "[" * 40 + "*a" + "]" * 40 + "\n"
    path = write(tmp_path, text)
    assert message_of(path).startswith(f"{path}:2:47: this alias nests values too deeply")


def test_small_aliases_still_work(example_text: str, tmp_path: Path, write: Write) -> None:
    """Ordinary anchors and aliases (a shared location) load as before."""
    text = example_text.replace(
        "    at: {lat: 37.215, lon: 68.62}\n    strength: 6\n",
        "    at: &hq {lat: 37.215, lon: 68.62}\n    strength: 6\n",
    ).replace(
        "    parent: tjk/pl/hq\n    at: {lat: 37.215, lon: 68.62}\n", "    parent: tjk/pl/hq\n    at: *hq\n"
    )
    scenario = load_scenario(write(tmp_path, text))
    assert scenario.units["tjk/uav"].at == scenario.units["tjk/pl/hq"].at


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("9" * 5000, "more than 4,300 digits"),
        ("2015-02-30", "day is out of range for month"),
        ("!!int 'twelve'", "invalid literal for int"),
        ("!!timestamp 2015-02-30 at noon", "a value that is not a timestamp"),
    ],
)
def test_scalars_yaml_cannot_read_are_located(
    edit: Edit, value: str, found: str, message_of: Message
) -> None:
    """A scalar PyYAML matches but cannot build (huge integer, impossible date, a tag it does not fit) is
    located, not a crash."""
    path = edit("  duration_s: 7200\n", f"  duration_s: {value}\n")
    message = message_of(path)
    assert message.startswith(f"{path}:17:15: a value YAML cannot read")
    assert found in message
