"""``extends:`` names library entries or .yaml files in the variant's folder tree; no error quotes a base."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from drillsim.scenario import load_scenario

Edit = Callable[..., Path]
Write = Callable[..., Path]
Message = Callable[..., str]
Cli = Callable[..., Any]


def test_extends_a_file_that_is_not_yaml(tmp_path: Path, write: Write, message_of: Message) -> None:
    """``extends: /etc/passwd`` is refused by name: the file is never read, its lines never quoted."""
    path = write(tmp_path, "extends: /etc/passwd\nname: leak-v1\n")
    message = message_of(path)
    assert message.startswith(f"{path}:1:10: field 'extends': '/etc/passwd' is not a scenario file")
    assert "root:" not in message


def test_extends_outside_the_folder_is_refused(
    tmp_path: Path, example_path: Path, write: Write, message_of: Message
) -> None:
    """A base outside the variant's folder tree is refused unless the caller allows it."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "inside").mkdir()
    secret = tmp_path / "outside" / "secret.yaml"
    secret.write_text("password: hunter2-SECRET\n", encoding="utf-8")
    path = write(tmp_path / "inside", "extends: ../outside/secret.yaml\nname: leak-v1\n")
    message = message_of(path)
    assert message.startswith(
        f"{path}:1:10: field 'extends': '../outside/secret.yaml' lies outside the folder of the file"
    )
    assert "SECRET" not in message


def test_allow_outside_reads_a_base_elsewhere(tmp_path: Path, example_path: Path, write: Write) -> None:
    """``allow_outside=True`` lets a variant extend a file in another folder."""
    path = write(tmp_path, f"extends: {example_path}\nname: elsewhere-v1\n")
    assert load_scenario(path, allow_outside=True).name == "elsewhere-v1"


def test_allowed_base_that_is_not_a_mapping_is_not_quoted(
    tmp_path: Path, write: Write, message_of: Message
) -> None:
    """Even when allowed, a base that is not a scenario is described, never quoted."""
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.yaml").write_text("just a SECRET line of text\n", encoding="utf-8")
    path = write(tmp_path / "other", "extends: notes.yaml\nname: leak-v1\n", name="v.yaml")
    message = message_of(path)
    assert "must be a mapping of fields" in message
    assert "SECRET" not in message


def test_symlink_out_of_the_folder_is_refused(
    tmp_path: Path, example_path: Path, write: Write, message_of: Message
) -> None:
    """A link inside the folder that points outside it counts as outside."""
    (tmp_path / "inside").mkdir()
    (tmp_path / "inside" / "base.yaml").symlink_to(example_path)
    path = write(tmp_path / "inside", "extends: base.yaml\nname: linked-v1\n")
    assert "lies outside the folder" in message_of(path)


def test_extends_name_too_long(tmp_path: Path, write: Write, message_of: Message) -> None:
    """A base name of 300 characters is a UserError at 'extends', not OSError ENAMETOOLONG."""
    path = write(tmp_path, "extends: " + "a" * 300 + ".yaml\nname: long-v1\n")
    assert message_of(path).startswith(f"{path}:1:10: field 'extends': the file name is too long")


def test_extends_name_with_nul(tmp_path: Path, write: Write, message_of: Message) -> None:
    """A base name holding a NUL character is a UserError, not a ValueError."""
    path = write(tmp_path, 'extends: "a\\0b.yaml"\nname: nul-v1\n')
    assert "a file name cannot hold a NUL character" in message_of(path)


def test_catalogue_extends_follows_the_same_rules(edit: Edit, message_of: Message) -> None:
    """``catalogue.extends`` may not name a file outside the scenario's folder either."""
    path = edit("\nunits:\n", "\ncatalogue:\n  extends: [core-v1, ../elsewhere.yaml]\n\nunits:\n")
    assert "field 'catalogue.extends[1]': '../elsewhere.yaml' lies outside the folder" in message_of(path)


def test_cli_allow_outside(tmp_path: Path, example_path: Path, cli: Cli, write: Write) -> None:
    """``drillsim validate --allow-outside`` accepts a base elsewhere that plain validate refuses."""
    path = write(tmp_path, f"extends: {example_path}\nname: elsewhere-v1\n")
    assert cli("validate", str(path)).code == 2
    assert cli("validate", "--allow-outside", str(path)).code == 0
