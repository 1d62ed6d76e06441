"""The Khatlon 2015 scenario and its variants load, and their order of battle matches the sources."""

from __future__ import annotations

from drillsim import Scenario

CSTO_NATIONS = {"TJK", "ARM", "BLR", "RUS", "KGZ", "KAZ"}


def _personnel(scenario: Scenario, side: str) -> int:
    total = 0
    for unit in scenario.units.values():
        if scenario.nations[unit.nation].side != side:
            continue
        utype = scenario.catalogue.unit_types[unit.type]
        per = unit.strength if unit.strength is not None else utype.personnel
        total += int(unit.count) * int(per)
    return total


def _nations_with_units(scenario: Scenario, side: str) -> set[str]:
    return {u.nation for u in scenario.units.values() if scenario.nations[u.nation].side == side}


def test_base_loads_with_its_library_name(base: Scenario) -> None:
    """The default scenario loads from the library under its own name, on the khatlon geodata."""
    assert base.name == "khatlon-2015-v1"
    assert base.area.geodata == "khatlon"


def test_every_variant_loads_and_extends_the_base(variants: dict[str, Scenario]) -> None:
    """Each what-if variant loads, is named after its file, and extends the default scenario."""
    assert set(variants) == {
        "khatlon-2015-deciding-v1",
        "khatlon-2015-incursion-7000-v1",
        "khatlon-2015-local-support-v1",
        "khatlon-2015-no-drones-v1",
        "khatlon-2015-night-v1",
        "khatlon-2015-no-second-line-v1",
    }
    for name, scenario in variants.items():
        assert scenario.name == name
        assert scenario.extends == "khatlon-2015-v1"


def test_six_csto_nations_field_units(base: Scenario) -> None:
    """Tajikistan, Armenia, Belarus, Russia, Kyrgyzstan and Kazakhstan all field units on the CSTO side."""
    assert _nations_with_units(base, "csto") == CSTO_NATIONS


def test_csto_strength_is_about_2500(base: Scenario) -> None:
    """The CSTO force totals 2,500 troops within 10 % (TASS, 14 May 2015)."""
    assert 2250 <= _personnel(base, "csto") <= 2750


def test_russian_contingent_is_about_500(base: Scenario) -> None:
    """The Russian contingent is about 500 (TASS: about 500 of the 2,500), within 10 %."""
    russians = sum(
        int(u.count) * int(u.strength or base.catalogue.unit_types[u.type].personnel)
        for u in base.units.values()
        if u.nation == "RUS"
    )
    assert 450 <= russians <= 550


def test_incursion_is_700(base: Scenario) -> None:
    """The incursion is exactly 700 militants (the article)."""
    assert _personnel(base, "militants") == 700


def test_incursion_variant_is_7000(variants: dict[str, Scenario]) -> None:
    """The 7,000 variant has exactly ten times the militants and the same CSTO force."""
    big = variants["khatlon-2015-incursion-7000-v1"]
    assert _personnel(big, "militants") == 7000
    assert 2250 <= _personnel(big, "csto") <= 2750


def test_militants_have_groups_pickups_mortars_and_a_capturable_commander(base: Scenario) -> None:
    """The militants field groups, armed pickups, mortars and one capturable commander who can escape."""
    types = {u.type for u in base.units.values() if u.nation == "MIL"}
    assert {"militant-group", "militant-technical", "militant-mortar", "field-commander"} <= types
    commanders = [u for u in base.units.values() if u.capturable]
    assert len(commanders) == 1
    assert commanders[0].escape_to is not None


def test_armenian_company_rides_machine_gun_pickups(base: Scenario) -> None:
    """The Armenian special-forces company is mounted in pickups that carry machine guns."""
    arm = [u for u in base.units.values() if u.nation == "ARM"]
    assert arm
    for unit in arm:
        utype = base.catalogue.unit_types[unit.type]
        assert "pickup" in utype.vehicles
        assert any(m.weapon in ("mg-762", "hmg-127") for m in utype.weapons)


def test_bombers_of_russia_and_kazakhstan_fly_from_named_airbases(base: Scenario) -> None:
    """Russian and Kazakh bombers have a home site of kind airbase."""
    bombers = [u for u in base.units.values() if u.type == "bomber-flight"]
    assert {u.nation for u in bombers} == {"RUS", "KAZ"}
    for unit in bombers:
        assert unit.home is not None
        assert base.sites[unit.home].kind == "airbase"


def test_snap_deployment_units_start_with_readiness(base: Scenario) -> None:
    """Every CSTO unit starts at home with a readiness time: nobody is ready at the alert."""
    for uid, unit in base.units.items():
        if base.nations[unit.nation].side == "csto":
            assert float(unit.readiness_s) > 0, uid


def test_every_parameter_of_the_scenario_file_has_a_source(base: Scenario) -> None:
    """Every parameter with pedigree names a source the scenario or its catalogue lists."""
    known = set(base.sources) | {"mfr-ranges", "drillsim-estimate", "orlan-10"}
    for record in base.parameters():
        if record.source is not None:
            assert record.source in known, record


def test_no_drones_variant_has_no_uav(variants: dict[str, Scenario]) -> None:
    """The no-drones variant fields no unit of category uav, and its artillery takes anyone's reports."""
    scenario = variants["khatlon-2015-no-drones-v1"]
    cats = {scenario.catalogue.unit_types[u.type].category for u in scenario.units.values()}
    assert "uav" not in cats
    tasks = scenario.plan.phases["drones-and-artillery"].tasks
    assert all(not getattr(t, "observers", []) for t in tasks)


def test_base_has_drones_spotting_for_the_artillery(base: Scenario) -> None:
    """In the base scenario the 201st base artillery fires on the drones' reports."""
    tasks = base.plan.phases["drones-and-artillery"].tasks
    support = [t for t in tasks if t.task == "fire-support"]
    assert support
    assert all(t.observers == ["rus/201/uav"] for t in support)


def test_local_support_variant_raises_support(base: Scenario, variants: dict[str, Scenario]) -> None:
    """The local-support variant gives the militants strong popular support; the base almost none."""
    strong = variants["khatlon-2015-local-support-v1"].environment.population
    assert strong.supports == "militants"
    assert float(strong.level) >= 0.5
    assert float(base.environment.population.level) <= 0.1


def test_no_second_line_variant_has_no_unit_on_the_sections(variants: dict[str, Scenario]) -> None:
    """The no-second-line variant has no Tajik line units and no screen task."""
    scenario = variants["khatlon-2015-no-second-line-v1"]
    assert not [uid for uid in scenario.units if uid.startswith("tjk/line/")]
    tasks = [t for p in scenario.plan.phases.values() for t in p.tasks]
    assert not [t for t in tasks if t.task == "screen"]


def test_variants_change_nothing_else_in_the_order_of_battle(
    base: Scenario, variants: dict[str, Scenario]
) -> None:
    """The night, no-drones and local-support variants keep the base's units (less the drones)."""
    for name in ("khatlon-2015-night-v1", "khatlon-2015-local-support-v1"):
        assert set(variants[name].units) == set(base.units)
    assert set(variants["khatlon-2015-no-drones-v1"].units) == set(base.units) - {"rus/201/uav"}
