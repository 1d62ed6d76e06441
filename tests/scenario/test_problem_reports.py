"""Encodings, message length and problem reports: every error is located, short, and counts the rest."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from drillsim.core.errors import MAX_MESSAGE_CHARS, AllProblemsError
from drillsim.scenario import load_scenario

Edit = Callable[..., Path]
Write = Callable[..., Path]
Message = Callable[..., str]
Cli = Callable[..., Any]


# --- encodings ---------------------------------------------------------------------------------------------


def test_invalid_utf8_is_located(tmp_path: Path, example_text: str, message_of: Message) -> None:
    """A byte that is not UTF-8 is reported at its line and column, not as a byte offset."""
    path = tmp_path / "scenario.yaml"
    path.write_bytes(example_text.encode().replace(b"duration_s: 7200", b"duration_s: 72\xff00"))
    assert message_of(path).startswith(
        f"{path}:17:17: the file is not valid UTF-8 text; expected UTF-8 text; found the byte 0xFF"
    )


def test_column_counts_characters_not_bytes(tmp_path: Path, message_of: Message) -> None:
    """Before a bad byte, multi-byte characters count as one column each."""
    path = tmp_path / "scenario.yaml"
    path.write_bytes("title: Kŭlob\nname: é".encode() + b"\xff\n")
    assert message_of(path).startswith(f"{path}:2:8: the file is not valid UTF-8 text")


def test_utf16_file_is_named_as_such(tmp_path: Path, example_text: str, message_of: Message) -> None:
    """A UTF-16 file (bare byte-order mark) is an error at 1:1 saying what it is."""
    path = tmp_path / "scenario.yaml"
    path.write_bytes(b"\xff\xfe" + example_text.encode("utf-16-le"))
    assert message_of(path).startswith(f"{path}:1:1: the file is UTF-16 text")


def test_utf8_byte_order_mark_is_accepted(tmp_path: Path, example_text: str) -> None:
    """A UTF-8 byte-order mark at the start is allowed."""
    path = tmp_path / "scenario.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + example_text.encode())
    assert load_scenario(path).name == "crossing-defence-v1"


def test_file_too_large(tmp_path: Path, write: Write, message_of: Message) -> None:
    """A file over 1 MB is refused before it is parsed."""
    path = write(tmp_path, "# " + "x" * (1024 * 1024) + "\n")
    assert message_of(path).startswith(f"{path}:1:1: the file is too large")


# --- message length and all problems ------------------------------------------------------------------------


def test_long_values_are_cut_short(edit: Edit, message_of: Message) -> None:
    """Half a million characters where a number belongs give a message under 2 KB saying how many."""
    path = edit("  duration_s: 7200\n", "  duration_s: " + "x" * 500_000 + "\n")
    message = message_of(path)
    assert len(message) < MAX_MESSAGE_CHARS
    assert "(500,000 characters)" in message


def test_long_unknown_key_is_cut_short(edit: Edit, message_of: Message) -> None:
    """An unknown key of 100,000 characters still gives a message under 2 KB."""
    path = edit("\nmeasures:\n", "\n" + "k" * 100_000 + ": 1\nmeasures:\n")
    assert len(message_of(path)) < MAX_MESSAGE_CHARS


def test_first_problem_says_how_many_more(
    edit: Edit, example_text: str, tmp_path: Path, write: Write, message_of: Message
) -> None:
    """The error for a file with three problems names the first and says two more exist."""
    text = example_text.replace("  duration_s: 7200\n", "  duration_s: -5\n")
    text = text.replace("    strength: 6\n", "    strength: -6\n").replace("  dt_s: 10\n", "  dt_s: ten\n")
    assert "(2 more problems in this input; 'drillsim validate' lists them all.)" in message_of(
        write(tmp_path, text)
    )


def test_all_problems_lists_every_validation_problem(example_text: str, tmp_path: Path, write: Write) -> None:
    """``all_problems=True`` raises every validation problem, in file order."""
    text = example_text.replace("  duration_s: 7200\n", "  duration_s: -5\n")
    text = text.replace("    strength: 6\n", "    strength: -6\n").replace("  dt_s: 10\n", "  dt_s: ten\n")
    path = write(tmp_path, text)
    with pytest.raises(AllProblemsError) as info:
        load_scenario(path, all_problems=True)
    fields = [p.path for p in info.value.problems]
    assert fields == ["time.duration_s", "time.dt_s", "units.tjk/pl/hq.strength"]


def test_all_problems_lists_every_broken_reference(edit: Edit) -> None:
    """``all_problems=True`` reports each unknown name, not just the first."""
    path = edit("    nation: MIL\n    count: 2\n", "    nation: XXX\n    count: 2\n")
    path.write_text(
        path.read_text(encoding="utf-8").replace("    type: headquarters\n", "    type: hq-typo\n"),
        encoding="utf-8",
    )
    with pytest.raises(AllProblemsError) as info:
        load_scenario(path, all_problems=True)
    assert [p.path for p in info.value.problems] == ["units.tjk/pl/hq.type", "units.mil/grp.nation"]


def test_cli_validate_prints_every_problem(edit: Edit, cli: Cli) -> None:
    """``drillsim validate`` prints one error line per problem and exits 2."""
    path = edit("    nation: MIL\n    count: 2\n", "    nation: XXX\n    count: 2\n")
    path.write_text(
        path.read_text(encoding="utf-8").replace("    type: headquarters\n", "    type: hq-typo\n"),
        encoding="utf-8",
    )
    result = cli("validate", str(path))
    assert result.code == 2
    assert result.err.count("error: ") == 2
    assert "Traceback" not in result.err


def test_reference_checks_survive_their_own_problems(edit: Edit) -> None:
    """A broken parent, type and place together are listed, not a KeyError from a later check."""
    path = edit("    parent: tjk/pl/hq\n    at: mortar-pos\n", "    parent: tjk/nobody\n    at: nowhere\n")
    with pytest.raises(AllProblemsError) as info:
        load_scenario(path, all_problems=True)
    assert [p.path for p in info.value.problems] == ["units.tjk/mortars.parent", "units.tjk/mortars.at"]


def test_base_copied_into_the_folder_still_loads(tmp_path: Path, example_path: Path, write: Write) -> None:
    """A variant next to its base (the normal case) loads under the folder rule."""
    shutil.copy(example_path, tmp_path / "base.yaml")
    path = write(tmp_path, "extends: ./base.yaml\nname: next-door-v1\n")
    assert load_scenario(path).name == "next-door-v1"
