"""Determinism of the foundation: library listing, suggestions and pickled parameters."""

from __future__ import annotations

import copy
import itertools
import pickle
from pathlib import Path

import pytest

import drillsim
from drillsim.core import closest_match
from drillsim.scenario import content_hash, load_scenario


def test_library_listing_is_stable() -> None:
    """Two listings of the library are equal, entry for entry."""
    first = [(e.name, e.kind, e.title, e.extends) for e in drillsim.library_entries()]
    again = [(e.name, e.kind, e.title, e.extends) for e in drillsim.library_entries()]
    assert first == again


def test_library_lists_scenarios_then_catalogues_each_sorted() -> None:
    """Scenarios come first, then catalogues, each in name order."""
    entries = drillsim.library_entries()
    kinds = [e.kind for e in entries]
    assert kinds == sorted(kinds, key=lambda k: k != "scenario")
    for kind in ("scenario", "catalogue"):
        names = [e.name for e in entries if e.kind == kind]
        assert names == sorted(names)


def test_library_includes_core_catalogue() -> None:
    """The core-v1 catalogue is embedded and named in messages as a library file."""
    entry = next(e for e in drillsim.library_entries() if e.name == "core-v1")
    assert (entry.kind, entry.file) == ("catalogue", "<library>/catalogues/core-v1.yaml")


def test_library_with_a_scenario_lists_it_first(scenario_library: Path) -> None:
    """An embedded scenario is listed before the catalogues and loads by name."""
    entries = drillsim.library_entries()
    assert (entries[0].name, entries[0].kind) == ("crossing-defence-v1", "scenario")
    assert load_scenario("crossing-defence-v1").name == "crossing-defence-v1"


@pytest.mark.parametrize("order", list(itertools.permutations(["bat", "hat", "rat"])))
def test_closest_match_breaks_ties_by_sorting(order: tuple[str, ...]) -> None:
    """Equally close candidates give the one that sorts first, whatever order they came in."""
    assert closest_match("cat", order) == "bat"


def test_closest_match_ignores_case() -> None:
    """Case does not hide a match, and the candidate is returned as written."""
    assert closest_match("mil", ["MIL", "TJK"]) == "MIL"


def test_closest_match_returns_none_when_nothing_is_close() -> None:
    """No suggestion beats a wrong one."""
    assert closest_match("helicopter", ["MIL", "TJK"]) is None
    assert closest_match("anything", []) is None


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_param_pickles_with_its_pedigree(protocol: int) -> None:
    """A pickled Param comes back as a Param with the same value, source and confidence."""
    p = drillsim.Param(0.25, "fm-platoon", "low")
    back = pickle.loads(pickle.dumps(p, protocol=protocol))
    assert type(back) is drillsim.Param
    assert (float(back), back.source, back.confidence) == (0.25, "fm-platoon", "low")


def test_param_copies_with_its_pedigree() -> None:
    """deepcopy keeps a Param's pedigree."""
    back = copy.deepcopy(drillsim.Param(3.0, "x", "high"))
    assert (type(back), back.source, back.confidence) == (drillsim.Param, "x", "high")


def test_scenario_pickles_to_an_equal_scenario(example_path: Path) -> None:
    """A pickled scenario (as sent to worker processes) is equal and hashes the same."""
    scenario = load_scenario(example_path)
    back = pickle.loads(pickle.dumps(scenario))
    assert back == scenario
    assert content_hash(back) == content_hash(scenario)
    assert back.parameters() == scenario.parameters()
