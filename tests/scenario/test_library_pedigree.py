"""The default scenario and the core catalogue give every number they write a pedigree."""

from __future__ import annotations

from drillsim.scenario import ParameterRecord, load_scenario
from drillsim.scenario.io import load_catalogue
from drillsim.scenario.pedigree import has_pedigree, iter_parameters

DEFAULT_SCENARIO = "khatlon-2015"
CATALOGUE = "core-v1"


def _assert_every_written_number_has_a_pedigree(records: list[ParameterRecord]) -> None:
    bare = [r.path for r in records if not r.default and not has_pedigree(r)]
    assert not bare, (
        f"{len(bare)} numbers without a pedigree: write each as {{value: N, source: KEY, confidence: LEVEL}} "
        "(source drillsim-assumption, confidence low, when no source gives the figure): " + ", ".join(bare)
    )


def test_every_number_the_default_scenario_writes_has_a_pedigree() -> None:
    """Each number written in the default scenario or its catalogue has a source and a confidence."""
    records = load_scenario(DEFAULT_SCENARIO).parameters()
    assert sum(not r.default for r in records) > 500
    _assert_every_written_number_has_a_pedigree(records)


def test_every_number_the_core_catalogue_writes_has_a_pedigree() -> None:
    """Each number written in the core catalogue, also in the entries the default scenario does not use."""
    records = iter_parameters(load_catalogue(CATALOGUE))
    assert sum(not r.default for r in records) > 400
    _assert_every_written_number_has_a_pedigree(records)


def test_every_number_of_the_default_scenario_cites_a_declared_source() -> None:
    """Every source the default scenario's numbers cite is a key of its sources (its own or the catalogue's),
    and every number with a source states its confidence."""
    scenario = load_scenario(DEFAULT_SCENARIO)
    cited = {r.source for r in scenario.parameters() if r.source is not None}
    assert cited - set(scenario.sources) == set()
    assert [r.path for r in scenario.parameters() if r.source is not None and r.confidence is None] == []
