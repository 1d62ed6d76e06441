"""The catalogue's sourced figures: each is the figure its source states, and a sourced figure names a
document that can be checked."""

from __future__ import annotations

import pytest

from drillsim.scenario import ParameterRecord, load_scenario
from drillsim.scenario.pedigree import is_sourced

DEFAULT_SCENARIO = "khatlon-2015"

# (parameter path, the figure as the cited page states it, after the conversion its source note gives, key)
STATED = [
    # "Maximum Firing Range: Conventional - 15.3 km"
    ("catalogue.weapons.howitzer-122.max_range_m", 15_300.0, "udcusa-2s1"),
    # "tầm bắn trong khoảng 1,6 - 20km" (a range of about 1.6-20 km)
    ("catalogue.weapons.mlrs-122.min_range_m", 1_600.0, "vietnamnet-grad"),
    # "Donośność rakiety M-21OF to 20 400 m"
    ("catalogue.weapons.mlrs-122.max_range_m", 20_400.0, "wp-tech-2022-grad"),
    # 40 tubes "fire 40 rockets in a minute"
    ("catalogue.weapons.mlrs-122.rate_per_min", 40.0, "abp-live-grad"),
    # "Su alcance máximo es de 7.100 m"
    ("catalogue.weapons.mortar-120.max_range_m", 7_100.0, "infodefensa-2s12"),
    # "на высоте от 300 до 1000 метров" (at heights of 300 to 1,000 m): the top of the range
    ("catalogue.unit_types.recon-uav.air.altitude_m", 1_000.0, "tass-orlan-height"),
    # the M240's "sustained ... (100 rounds per minute)" and "rapid fire (200 rounds per minute)"
    ("catalogue.weapons.mg-762.sustained_rounds_per_min", 100.0, "deadbygun-barrels"),
    ("catalogue.weapons.mg-762.rapid_rounds_per_min", 200.0, "deadbygun-barrels"),
    # "a well-aimed shot every one or two seconds": 30-60 a minute, the lower end
    ("catalogue.weapons.rifle-545.rapid_rounds_per_min", 30.0, "fm-23-9-rapid"),
    # "The effective range is given as around 500 meters"
    ("catalogue.weapons.rifle-545.bands[2].max_range_m", 500.0, "gunfinder-ak74"),
]


@pytest.fixture(scope="module")
def records() -> dict[str, ParameterRecord]:
    """The default scenario's numbers by path."""
    return {p.path: p for p in load_scenario(DEFAULT_SCENARIO).parameters()}


@pytest.mark.parametrize(("path", "stated", "source"), STATED, ids=[s[0] for s in STATED])
def test_a_sourced_figure_is_the_figure_its_source_states(
    records: dict[str, ParameterRecord], path: str, stated: float, source: str
) -> None:
    """The catalogue's figure is the one its cited page gives, and it cites that page."""
    record = records[path]
    assert (record.value, record.source) == (stated, source)


def test_every_sourced_catalogue_figure_names_a_document_to_check() -> None:
    """A catalogue number counted as sourced cites a source with a link to the page that gives it."""
    scenario = load_scenario(DEFAULT_SCENARIO)
    unlinked = [
        f"{p.path} ({p.source})"
        for p in scenario.parameters()
        if p.path.startswith("catalogue.") and is_sourced(p) and not scenario.sources[p.source].url
    ]
    assert unlinked == []
