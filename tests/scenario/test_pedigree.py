"""Pedigree: every numeric parameter can say where it came from and how far to trust it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import drillsim
from drillsim.scenario import ParameterRecord, load_scenario, scenario_to_yaml
from drillsim.scenario.pedigree import count_pedigree


@pytest.fixture
def records(example_path: Path) -> dict[str, ParameterRecord]:
    """The example's parameters by field path."""
    return {r.path: r for r in load_scenario(example_path).parameters()}


def test_parameters_have_unique_paths(example_path: Path) -> None:
    """``Scenario.parameters()`` lists each field path once."""
    paths = [r.path for r in load_scenario(example_path).parameters()]
    assert len(paths) == len(set(paths))


def test_parameters_include_scenario_and_catalogue_fields(records: dict[str, ParameterRecord]) -> None:
    """The list covers the scenario's own numbers and the merged catalogue's."""
    assert "time.duration_s" in records
    assert "units.tjk/pl/sqd.count" in records
    assert "catalogue.weapons.mortar-82.max_range_m" in records
    assert "catalogue.unit_types.rifle-squad.personnel" in records


def test_value_with_pedigree_shows_its_source(records: dict[str, ParameterRecord]) -> None:
    """``{value: 0.6, source: fm-platoon, confidence: low}`` loads with its source and confidence."""
    assert records["nations.TJK.training"] == ParameterRecord(
        "nations.TJK.training", 0.6, "fm-platoon", "low"
    )


def test_nested_value_with_pedigree_shows_its_source(records: dict[str, ParameterRecord]) -> None:
    """Pedigree works at any depth, e.g. the population support level."""
    record = records["environment.population.level"]
    assert (record.value, record.source, record.confidence) == (0.1, "fm-platoon", "low")


def test_plain_number_has_no_pedigree(records: dict[str, ParameterRecord]) -> None:
    """A number written plainly has no source and no confidence."""
    record = records["nations.MIL.training"]
    assert (record.value, record.source, record.confidence) == (0.5, None, None)


def test_default_has_the_models_pedigree(records: dict[str, ParameterRecord]) -> None:
    """A parameter left at its default is listed with its value and the pedigree the model gives it."""
    record = records["sides.defenders.contact_timeout_s"]
    assert (record.value, record.source, record.confidence) == (1800.0, "drillsim-assumption", "low")


def test_default_is_marked_as_the_models(records: dict[str, ParameterRecord]) -> None:
    """A number no file wrote is marked ``default``; one written, plainly or with pedigree, is not."""
    assert records["sides.defenders.contact_timeout_s"].default
    assert not records["nations.MIL.training"].default
    assert not records["nations.TJK.training"].default
    assert not records["catalogue.weapons.mortar-82.max_range_m"].default


def test_default_inside_a_default_block_is_marked(edit: Callable[..., Path]) -> None:
    """A number inside a block the file leaves out is a default too; written inside the block, it is not."""
    path = edit("\nunits:\n", "\nfriction: {march_speed_cv: 0.1}\n\nunits:\n")
    records = {r.path: r for r in load_scenario(path).parameters()}
    assert not records["friction.march_speed_cv"].default
    assert records["friction.night_speed_factor"].default


def test_pedigree_classes_add_up() -> None:
    """Sourced, weakly sourced (stated assumptions among them) and without pedigree (model defaults among
    them) split every number once."""
    records = [
        ParameterRecord("a", 1.0, "tass", "high"),
        ParameterRecord("b", 1.0, "drillsim-assumption", "low"),
        ParameterRecord("c", 1.0, "est-plan", "low"),
        ParameterRecord("d", 1.0, None, "medium"),
        ParameterRecord("e", 1.0, "  ", None),
        ParameterRecord("f", 1.0, None, None),
        ParameterRecord("g", 1.0, None, None, default=True),
    ]
    counts = count_pedigree(records)
    assert (counts.total, counts.sourced, counts.weak, counts.assumptions) == (7, 1, 3, 1)
    assert (counts.bare, counts.defaults) == (3, 1)
    assert counts.line() == (
        "1 sourced, 3 weakly sourced (1 stated assumptions), 3 without pedigree (1 of them model defaults)"
    )
    assert count_pedigree(records[:6]).line().endswith(", 2 without pedigree")


def test_catalogue_parameter_keeps_the_catalogue_source(records: dict[str, ParameterRecord]) -> None:
    """A value from the embedded catalogue keeps the catalogue's source and confidence."""
    record = records["catalogue.weapons.mortar-82.max_range_m"]
    assert (record.value, record.source, record.confidence) == (4270.0, "mfr-ranges", "low")


def test_catalogue_sources_are_merged_into_the_scenario(example_path: Path) -> None:
    """The catalogue's source keys are defined in the loaded scenario, next to its own."""
    scenario = load_scenario(example_path)
    assert {"mfr-ranges", "drillsim-estimate", "fm-platoon"} <= set(scenario.sources)


def test_example_cites_only_declared_sources(example_path: Path) -> None:
    """Every source the example's parameters cite is a key of its ``sources``."""
    scenario = load_scenario(example_path)
    cited = {r.source for r in scenario.parameters() if r.source is not None}
    assert cited <= set(scenario.sources)


def test_scenario_override_replaces_catalogue_pedigree(edit: Callable[..., Path]) -> None:
    """Overriding one catalogue field drops its catalogue source; its siblings keep theirs."""
    path = edit("\nunits:\n", "\ncatalogue:\n  weapons:\n    mortar-82: {max_range_m: 4000}\n\nunits:\n")
    records = {r.path: r for r in load_scenario(path).parameters()}
    assert records["catalogue.weapons.mortar-82.max_range_m"].source is None
    assert records["catalogue.weapons.mortar-82.max_range_m"].value == 4000
    assert records["catalogue.weapons.mortar-82.lethal_radius_m"].source == "fm-23-90-bursting-area"


def test_pedigree_survives_the_merged_dump(tmp_path: Path, example_path: Path) -> None:
    """Writing the merged scenario and loading it again keeps every source and confidence: of every
    number outside the catalogue, and of every catalogue entry the dump keeps (only those the scenario
    uses)."""
    scenario = load_scenario(example_path)
    dumped = tmp_path / "merged.yaml"
    dumped.write_text(scenario_to_yaml(scenario), encoding="utf-8")
    original = {p.path: p for p in scenario.parameters()}
    reloaded = {p.path: p for p in load_scenario(dumped).parameters()}
    assert {path for path in original if not path.startswith("catalogue.")} <= set(reloaded)
    assert any(path.startswith("catalogue.") for path in reloaded)
    assert all(original[path] == record for path, record in reloaded.items())


def test_param_computes_as_a_number() -> None:
    """A Param is a float: arithmetic works and gives plain floats."""
    p = drillsim.Param(0.6, "fm-platoon", "low")
    assert p * 2 == pytest.approx(1.2)
    assert type(p + 1) is float
    assert (p.source, p.confidence, p.has_pedigree) == ("fm-platoon", "low", True)
    assert not drillsim.Param(3.0).has_pedigree


def test_pedigree_mapping_without_value_is_an_error(edit: Callable[..., Path]) -> None:
    """``{source: ..}`` without ``value`` says a value is needed."""
    path = edit("    training: 0.5\n", "    training: {source: guess}\n")
    with pytest.raises(
        drillsim.UserError, match=r"field 'nations.MIL.training': a parameter with pedigree needs"
    ):
        load_scenario(path)


def test_pedigree_mapping_with_unknown_key_is_an_error(edit: Callable[..., Path]) -> None:
    """A misspelt key inside a pedigree mapping is named."""
    path = edit("    training: 0.5\n", "    training: {value: 0.5, sauce: guess}\n")
    with pytest.raises(drillsim.UserError, match=r"unknown key 'sauce' in a parameter with pedigree"):
        load_scenario(path)


REPO = Path(__file__).resolve().parents[2]
SHIPPED = sorted(
    [
        *(REPO / "src" / "drillsim" / "scenario" / "library").glob("*.yaml"),
        *(REPO / "src" / "drillsim" / "validation" / "data" / "battles").glob("*-v1.yaml"),
        *(REPO / "examples").glob("*.yaml"),
    ]
)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_no_shipped_estimate_counts_as_sourced(path: Path) -> None:
    """A number citing one of drillsim's own estimates or assumptions is never *sourced*: its confidence
    stays low, so the sourced counts and the sourced-influence coverage rest on outside sources only."""
    from drillsim.scenario.pedigree import is_sourced

    scenario = load_scenario(path)
    own = {k for k, s in scenario.sources.items() if s.citation.lower().startswith("drillsim")}
    assert own, "the shipped files cite drillsim's estimates under keys whose citation says so"
    wrong = [p.path for p in scenario.parameters() if is_sourced(p) and p.source in own]
    assert wrong == []
