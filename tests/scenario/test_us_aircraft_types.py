"""The catalogue's US aircraft types (core-v1: AH-64D, A-10C, F-15E, B-1B) load with a source for every
figure that drives how long they stay on station and what they carry."""

from __future__ import annotations

import pytest

from drillsim.scenario.io import load_catalogue
from drillsim.scenario.pedigree import Param

US_TYPES = ("ah-64d-pair", "a-10c-pair", "f-15e-pair", "b-1b")


@pytest.mark.parametrize("name", US_TYPES)
def test_us_type_endurance_and_speed_are_sourced(name: str) -> None:
    """Endurance cites a public source (not an assumption); cruise speed carries a declared source."""
    cat = load_catalogue("core-v1")
    air = cat.unit_types[name].air
    assert air is not None
    for field in (air.endurance_s, air.cruise_speed_mps):
        assert isinstance(field, Param)
        assert field.source in cat.sources
        assert field.confidence in ("low", "medium", "high")
    assert isinstance(air.endurance_s, Param)
    assert air.endurance_s.source != "drillsim-assumption"
    assert cat.sources[air.endurance_s.source].url


@pytest.mark.parametrize("name", US_TYPES)
def test_us_type_weapons_stay_on_station(name: str) -> None:
    """Each type's air weapon releases fewer weapons a pass than the aircraft carries, with a source."""
    cat = load_catalogue("core-v1")
    mount = cat.unit_types[name].weapons[0]
    weapon = cat.weapons[mount.weapon]
    assert weapon.kind == "air"
    load = mount.ammunition if mount.ammunition is not None else weapon.rounds_per_mission
    assert weapon.rounds_per_pass is not None
    assert float(weapon.rounds_per_pass) < float(load)
    for field in (weapon.rounds_per_pass, weapon.lethal_radius_m):
        assert isinstance(field, Param)
        assert field.source in cat.sources
