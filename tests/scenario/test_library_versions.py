"""Library names: a scenario name without its version names the newest version; older versions still load."""

from __future__ import annotations

from pathlib import Path

from drillsim.scenario import load_scenario
from drillsim.scenario.library import entry_names, find_entry, newest_version


def test_unversioned_name_loads_the_newest_version() -> None:
    """``khatlon-2015`` is the highest ``khatlon-2015-vN`` in the library, whatever N is."""
    versions = [n for n in entry_names("scenario") if n.startswith("khatlon-2015-v")]
    newest = max(versions, key=lambda n: int(n.rsplit("-v", 1)[1]))
    assert newest_version("khatlon-2015", "scenario") == newest
    assert load_scenario("khatlon-2015").name == newest


def test_older_versions_load_by_their_full_names() -> None:
    """Pointing the unversioned name at a new version leaves every old version loadable as it was."""
    assert load_scenario("khatlon-2015-v1").name == "khatlon-2015-v1"
    assert load_scenario("khatlon-2015-v2").name == "khatlon-2015-v2"


def test_a_versioned_or_unknown_name_is_not_resolved() -> None:
    """Only a stem shared by versioned entries resolves; variants' stems do not leak into it."""
    assert newest_version("khatlon-2015-v1", "scenario") is None
    assert newest_version("no-such-scenario", "scenario") is None
    assert find_entry("khatlon-2015-night", "scenario") is not None
    assert newest_version("khatlon", "scenario") is None


def test_a_file_path_wins_over_the_library(tmp_path: Path) -> None:
    """A file in the current folder named like an unversioned library name is read as that file."""
    target = tmp_path / "khatlon-2015"
    target.write_text("schema_version: 1\nextends: khatlon-2015-v1\nname: mine-v1\ntitle: mine\n")
    assert load_scenario(target).name == "mine-v1"


def test_the_study_finds_the_variants_of_the_newest_version() -> None:
    """``drillsim study khatlon-2015`` runs the variants of v2, not those of v1."""
    from drillsim.study.study import find_variants

    found = find_variants("khatlon-2015")
    assert "khatlon-2015-exercise-v2" in found
    assert not [name for name in found if name.endswith("-v1")]
