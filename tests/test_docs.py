"""Documentation: generated references are current, and the tutorial's files and outputs are real."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from drillsim.testing import check_scenario

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
TUTORIAL = (DOCS / "tutorial.md").read_text(encoding="utf-8")

Cli = Callable[..., Any]


def block_after(marker: str, text: str = TUTORIAL) -> str:
    """The fenced block that follows an HTML comment marker."""
    match = re.search(rf"<!-- {re.escape(marker)} -->\n```\w+\n(.*?)```", text, flags=re.DOTALL)
    assert match is not None, f"no block after the marker '{marker}'"
    return match.group(1)


@pytest.fixture
def tutorial_dir(tmp_path: Path) -> Path:
    """A folder holding the tutorial's scenario and its variant, as a reader would have them."""
    (tmp_path / "ford-watch.yaml").write_text(block_after("tutorial: final scenario"), encoding="utf-8")
    (tmp_path / "ford-watch-night.yaml").write_text(block_after("tutorial: variant"), encoding="utf-8")
    return tmp_path


def test_reference_files_are_up_to_date() -> None:
    """docs/reference/ matches the models; if not, rerun ``python scripts/build_reference.py``."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_reference.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, (
        "docs/reference is stale: run python scripts/build_reference.py\n" + done.stderr
    )


def test_every_yaml_snippet_in_the_tutorial_parses() -> None:
    """Each ``yaml`` block of the tutorial is valid YAML on its own."""
    blocks = re.findall(r"```yaml\n(.*?)```", TUTORIAL, flags=re.DOTALL)
    assert len(blocks) >= 6
    for block in blocks:
        assert isinstance(yaml.safe_load(block), dict), block


def test_tutorial_final_scenario_validates(tutorial_dir: Path) -> None:
    """The tutorial's complete file loads and keeps every invariant."""
    assert check_scenario(tutorial_dir / "ford-watch.yaml").name == "ford-watch-v1"


def test_tutorial_steps_add_up_to_the_final_file() -> None:
    """The step-by-step snippets, put together, are the complete file (so the walkthrough is not stale)."""
    final = yaml.safe_load(block_after("tutorial: final scenario"))
    steps: dict[str, Any] = {}
    for block in re.findall(r"```yaml\n(.*?)```", TUTORIAL.split("## The whole file")[0], flags=re.DOTALL):
        steps.update(yaml.safe_load(block))
    assert steps == final


def test_tutorial_variant_validates(tutorial_dir: Path) -> None:
    """The tutorial's night variant loads over its base and keeps every invariant."""
    night = check_scenario(tutorial_dir / "ford-watch-night.yaml")
    assert (night.name, night.environment.light, float(night.time.duration_s)) == (
        "ford-watch-night-v1",
        "night",
        3600,
    )


def test_quoted_outputs_are_what_drillsim_prints() -> None:
    """Every output quoted under an ``output: checked`` marker (the tutorial's validate lines, its error
    message and its run) is what the command prints now; if not, run ``python scripts/doc_outputs.py
    --update``."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "doc_outputs.py")],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert TUTORIAL.count("<!-- output: checked") >= 4


def test_every_console_block_is_checked_or_says_why_not() -> None:
    """A ``console`` block in the docs is under the quoted-output check, or marked ``output: not run``
    with the reason (and the test that covers it), so that no quoted output goes unchecked silently."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("doc_outputs", ROOT / "scripts" / "doc_outputs.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("doc_outputs", module)  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    unmarked = {
        str(page.relative_to(ROOT)): lines
        for page in sorted(DOCS.rglob("*.md"))
        if (lines := module.unmarked_blocks(page.read_text(encoding="utf-8")))
    }
    assert unmarked == {}


def test_glossary_defines_the_domain_nouns() -> None:
    """Each domain noun the code and docs use has an entry in docs/glossary.md."""
    glossary = (DOCS / "glossary.md").read_text(encoding="utf-8")
    headings = set(re.findall(r"^\*\*(.+?)\*\*", glossary, flags=re.MULTILINE))
    nouns = [
        "Side", "Nation", "Unit", "Element", "Group", "Unit type", "Catalogue", "Weapon", "Sensor", "Contact",
        "Picture", "Phase", "Trigger", "Task", "Order", "Objective", "Measure of effectiveness", "Pedigree",
        "Param", "Variant", "Library", "Replication", "Batch", "Outcome", "Event", "Recorder", "Fire mission",
        "Sortie", "Kill chain", "Posture", "Suppression", "Break",
    ]  # fmt: skip
    missing = [noun for noun in nouns if noun not in headings]
    assert missing == []


def test_changelog_has_an_unreleased_section() -> None:
    """docs/changelog.md starts its list of changes with an Unreleased section."""
    changelog = (DOCS / "changelog.md").read_text(encoding="utf-8")
    assert re.search(r"^## Unreleased$", changelog, flags=re.MULTILINE)


def test_readme_links_every_docs_page_and_lists_every_command() -> None:
    """The README links each page at the top of docs/ and each folder of pages, and its command table
    names every command (and subcommand group) the CLI has."""
    import typer.main

    from drillsim.cli.app import app

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\((docs/[^)#]+)\)", readme))
    pages = {f"docs/{p.name}" for p in DOCS.glob("*.md")}
    folders = {f"docs/{p.name}/" for p in DOCS.iterdir() if p.is_dir() and any(p.glob("*.md"))}
    assert sorted(pages - linked) == []
    assert sorted(folders - linked - {"docs/reference/"}) == []  # the reference page is linked itself
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    assert (
        sorted(c for c in commands if f"`drillsim {c}" not in readme and f"/ `drillsim {c}" not in readme)
        == []
    )
