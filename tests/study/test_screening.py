"""Morris screening with groups, and the one definition of a sourced number."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import yaml

import drillsim
from drillsim.report.html import _pedigree
from drillsim.scenario.io import with_overrides
from drillsim.scenario.pedigree import is_sourced
from drillsim.study.screening import (
    NOT_READ,
    UNREAD_AREA_RADIUS,
    UNREAD_FIELDS,
    GroupEffect,
    MorrisScreening,
    group_key,
    morris_design,
    morris_effects,
    screen_scenario,
    screened_inputs,
)
from drillsim.study.sensitivity import pedigree_report

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "crossing-defence.yaml")
RATE = "catalogue.sensors.uav-eo-ir.rate_per_s"
INERT = "areas.bridgehead.radius_m"
SOURCED = "catalogue.unit_types.recon-uav.air.cruise_speed_mps"
TRAJECTORIES = 6


@pytest.fixture(scope="module")
def screening() -> MorrisScreening:
    """The drone's detection rate, the bridgehead radius and the drone's speed, on first detection.

    The speed is given a source and medium confidence here, so that one influential input is sourced
    whatever the catalogue's own pedigree of it.
    """
    base = drillsim.load_scenario(EXAMPLE)
    speed = float(base.catalogue.unit_types["recon-uav"].air.cruise_speed_mps)  # type: ignore[union-attr]
    scenario = with_overrides(base, {SOURCED: {"value": speed, "source": "orlan-10", "confidence": "medium"}})
    return screen_scenario(
        scenario,
        groups="none",
        paths=[RATE, INERT, SOURCED],
        fraction=0.5,
        trajectories=TRAJECTORIES,
        replications=4,
        measures=["first-detection"],
        rng=11,
        until_s=1500,
        executor=2,
    )


def test_screening_ranks_influential_inputs_first_and_the_inert_one_near_zero(
    screening: MorrisScreening,
) -> None:
    """The drone's detection rate and speed rank above the unread area radius, whose mu* is about 0."""
    ranked = screening.ranked()
    spread = screening.spread["first-detection"]
    assert {g.name for g in ranked[:2]} == {RATE, SOURCED}
    assert ranked[-1].name == INERT
    inert = ranked[-1].mu_star["first-detection"]
    # Under common random numbers an input the engine never reads changes no run: every EE is 0, so its
    # mu* must lie below 1 % of the measure's spread, a bound under each influential input's standard error.
    assert inert <= 0.01 * spread
    for g in ranked[:2]:
        se = g.sigma["first-detection"] / math.sqrt(g.effects)
        assert g.mu_star["first-detection"] > 2.0 * se  # more than the EEs' scatter alone could give
        assert 0.01 * spread < se


def test_coverage_is_the_sourced_share_of_influence_in_0_1(screening: MorrisScreening) -> None:
    """Sourced-influence coverage lies in [0, 1] and is the influence of sourced inputs over the total."""
    total = sum(g.influence for g in screening.groups)
    sourced = sum(g.influence for g in screening.groups if g.name == SOURCED)
    assert 0.0 <= screening.coverage <= 1.0
    assert screening.coverage == pytest.approx(sourced / total, rel=1e-12)


def _group(name: str, members: list[str], sourced: int, influence: float) -> GroupEffect:
    return GroupEffect(
        name=name,
        members=tuple(members),
        sourced=sourced,
        confidences={k: n for k, n in (("medium", sourced), ("unstated", len(members) - sourced)) if n},
        sources=(),
        mu_star={},
        mu={},
        sigma={},
        effects=4,
        influence=influence,
    )


def test_coverage_weights_refined_members_by_their_own_influence(screening: MorrisScreening) -> None:
    """A second stage moves a group's influence onto the members that carry it: a sourced member carrying
    half of its group's influence brings half of it into the coverage, not its head count's quarter."""
    kinds = replace(
        screening,
        groups=(_group("a", ["a1", "a2", "a3", "a4"], 1, 1.0), _group("b", ["b1"], 0, 1.0)),
        refined=None,
    )
    assert kinds.coverage == pytest.approx(0.25 / 2)
    second = replace(
        kinds,
        groups=(
            _group("a1", ["a1"], 1, 3.0),
            _group("a2", ["a2"], 0, 1.0),
            _group("a3", ["a3"], 0, 1.0),
            _group("a4", ["a4"], 0, 1.0),
        ),
    )
    refined = replace(kinds, refined=second)
    assert refined.coverage == pytest.approx(0.5 / 2)
    assert refined.coverage_equal_shares == pytest.approx(kinds.coverage)
    assert "12.5% with equal shares" in refined.text()
    # A second stage that saw no influence among the members leaves the equal shares.
    silent = replace(second, groups=tuple(replace(g, influence=0.0) for g in second.groups))
    assert replace(kinds, refined=silent).coverage == pytest.approx(kinds.coverage)


def test_coverage_of_the_catalogue_leaves_out_the_scenarios_own_numbers(screening: MorrisScreening) -> None:
    """Coverage of all influence counts every group; that of the catalogue only the catalogue's groups, and
    the catalogue's share bounds what sourcing the catalogue alone can reach."""
    mixed = replace(
        screening,
        groups=(
            _group("catalogue.sensors", ["catalogue.sensors.eye.rate_per_s"], 1, 1.0),
            _group("catalogue.weapons", ["catalogue.weapons.rifle.max_range_m"], 0, 1.0),
            _group("units", ["units.a.readiness_s", "units.b.readiness_s"], 0, 2.0),
        ),
        refined=None,
    )
    assert mixed.coverage == pytest.approx(1.0 / 4.0)
    assert mixed.catalogue_coverage == pytest.approx(1.0 / 2.0)
    assert mixed.catalogue_share == pytest.approx(2.0 / 4.0)
    text = mixed.text()
    assert "25.0% of all influence, 50.0% of the catalogue's influence" in text
    assert "the catalogue carries 50% of all influence" in text
    assert "raise the coverage of all influence to 50% at most" in text
    # No catalogue group moved anything: its coverage is undefined, not 0.
    own = replace(mixed, groups=(mixed.groups[2],))
    assert math.isnan(own.catalogue_coverage)
    assert own.catalogue_share == 0.0


def test_group_mu_star_is_at_least_its_largest_members() -> None:
    """For an additive model whose members push one way, a group's mu* is at least its largest member's."""
    weights = np.array([3.0, 1.0, 0.5, 2.0, 0.0])
    groups = [[0, 1], [2, 3], [4]]

    def mu_star(members: list[list[int]], seed: int) -> np.ndarray:
        design = morris_design(members, len(weights), trajectories=8, rng=np.random.default_rng(seed))
        ee = morris_effects(design, design.units @ weights, len(members))
        return np.asarray(np.abs(ee).mean(axis=0), dtype=np.float64)

    grouped = mu_star(groups, 1)
    single = mu_star([[i] for i in range(len(weights))], 2)
    assert single == pytest.approx(weights)
    for j, members in enumerate(groups):
        assert grouped[j] >= max(single[i] for i in members) - 1e-12
    assert grouped == pytest.approx([4.0, 2.5, 0.0])


def test_design_moves_one_group_per_step_by_delta() -> None:
    """Consecutive points of a trajectory differ in exactly one group's members, each by +-delta."""
    groups = [[0, 2], [1], [3, 4]]
    design = morris_design(groups, 5, trajectories=5, levels=4, rng=np.random.default_rng(3))
    steps = np.diff(design.units.reshape(5, 4, 5), axis=1)
    for t in range(5):
        for s in range(3):
            moved = np.flatnonzero(steps[t, s])
            assert sorted(moved) == groups[design.order[t, s]]
            assert np.allclose(steps[t, s, moved], design.direction[t, s] * design.delta)


def test_grouping_rules_name_entries_fields_and_kinds() -> None:
    """The uav sensor's rate groups as itself, its entry, its field family and the sensors."""
    scenario = drillsim.load_scenario(EXAMPLE)
    shape = next(i.shape for i in screened_inputs(scenario) if i.path == RATE)
    assert group_key(shape, "none") == RATE
    assert group_key(shape, "entry") == "catalogue.sensors.uav-eo-ir"
    assert group_key(shape, "field") == "catalogue.sensors.*.rate_per_s"
    assert group_key(shape, "kind") == "catalogue.sensors"


def test_screening_moves_every_number_except_zero_rounded_unused_and_settings() -> None:
    """Each of Scenario.parameters() is either moved within its bounds or fixed with a reason."""
    scenario = drillsim.load_scenario(EXAMPLE)
    inputs = screened_inputs(scenario)
    assert [i.path for i in inputs] == [p.path for p in scenario.parameters()]
    for i in inputs:
        assert i.fixed is not None or (i.low <= i.value <= i.high and i.low < i.high)
    probabilities = [i for i in inputs if i.path.endswith("p_kill") and i.fixed is None]
    assert probabilities
    assert all(i.low >= 0.0 and i.high <= 1.0 for i in probabilities)
    assert {i.fixed for i in inputs if i.path.startswith("time.")} == {
        "a setting of the run (horizon, time step), not an input of the model"
    }


def test_numbers_no_model_reads_are_not_screened_and_are_counted(
    screening: MorrisScreening, tmp_path: Path
) -> None:
    """The fuel burns (per km and idling) of a unit type without fuel_l, the spread of a one-element unit
    and the radius of an area whose extent no model reads are listed as read by no model, not moved, and
    the screening's text counts them; the spread of a unit of several elements and the radius of the
    hold-area objective's area are still moved."""
    data = yaml.safe_load(Path(EXAMPLE).read_text("utf-8"))
    data["areas"]["lookout"] = {"center": "crossing", "radius_m": 500}
    path = tmp_path / "crossing-defence.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    base = drillsim.load_scenario(path)
    burn = "catalogue.unit_types.rifle-squad.fuel_per_km_l"
    single, group = "units.mil/commander.spread_m", "units.mil/grp.spread_m"
    scenario = with_overrides(base, {burn: 1.2, single: 300.0})
    inputs = {i.path: i for i in screened_inputs(scenario)}
    assert str(inputs[burn].fixed).startswith(NOT_READ)
    assert str(inputs[single].fixed).startswith(NOT_READ)
    assert inputs["areas.lookout.radius_m"].fixed == NOT_READ + UNREAD_AREA_RADIUS
    assert inputs["areas.bridgehead.radius_m"].fixed is None
    assert inputs[group].fixed is None
    fixed = tuple((i.path, i.fixed) for i in inputs.values() if i.fixed is not None)
    unread = sum(1 for _, why in fixed if why.startswith(NOT_READ))
    entries = sum(1 for _, why in fixed if why.startswith("not read: no unit"))
    text = replace(screening, fixed=fixed).text()
    assert f"not screened: {unread + entries} numbers no model reads" in text
    assert f"{unread} read by no model: fuel_per_km_l, idle_fuel_per_h_l, radius_m, spread_m" in text


def test_fuel_numbers_are_screened_once_a_type_has_fuel() -> None:
    """A unit type with fuel_l: its tank and its burn per kilometre are moved (the fuel model reads both,
    docs/mechanics/movement.md), over ranges around their values."""
    base = drillsim.load_scenario(EXAMPLE)
    tank, burn = "catalogue.unit_types.rifle-squad.fuel_l", "catalogue.unit_types.rifle-squad.fuel_per_km_l"
    scenario = with_overrides(base, {tank: 100.0, burn: 0.5})
    inputs = {i.path: i for i in screened_inputs(scenario)}
    for path, value in ((tank, 100.0), (burn, 0.5)):
        assert inputs[path].fixed is None
        assert inputs[path].low < value < inputs[path].high


def test_the_numbers_said_to_be_unread_are_read_by_no_model() -> None:
    """The premise of leaving them out: no code beyond the scenario's models and schema (and the screening's
    list) names a field of UNREAD_FIELDS, and a one-element unit's spread leaves every compiled table of the
    world as it was (while a group's spread moves its elements)."""
    from drillsim.world.build import build_world
    from drillsim.world.lanes import lane_tables_differ

    root = Path(drillsim.__file__).resolve().parent
    readers = [
        path.relative_to(root).as_posix()
        for path in root.rglob("*.py")
        if path.parent.name != "scenario"
        and path.name != "screening.py"  # the list itself
        and any(name in path.read_text("utf-8") for name in UNREAD_FIELDS)
    ]
    assert readers == [], "a model reads one of them now: take it off UNREAD_FIELDS"
    base = drillsim.load_scenario(EXAMPLE)
    world = build_world(base)
    single = with_overrides(base, {"units.mil/commander.spread_m": 300.0})
    assert lane_tables_differ(world, build_world(single)) == []
    group = with_overrides(base, {"units.mil/grp.spread_m": 600.0})
    assert lane_tables_differ(world, build_world(group))


def test_sourced_count_is_the_same_in_validate_report_pedigree_and_screening(
    cli: Callable[..., Any],
) -> None:
    """validate, the report's pedigree table, pedigree flags and the screening count the same numbers."""
    scenario = drillsim.load_scenario(EXAMPLE)
    params = scenario.parameters()
    expected = sum(is_sourced(p) for p in params)
    result = cli("validate", EXAMPLE)
    match = re.search(
        r"([\d,]+) parameters: ([\d,]+) sourced, ([\d,]+) weakly sourced \(([\d,]+) stated assumptions\), "
        r"([\d,]+) without pedigree",
        result.out,
    )
    assert match is not None
    total, sourced, weak, _, bare = (int(match[i].replace(",", "")) for i in range(1, 6))
    assert (sourced, total, weak + bare) == (expected, len(params), len(params) - expected)
    report = _pedigree(SimpleNamespace(scenario=scenario))  # type: ignore[arg-type]
    assert report is not None
    assert (report["sourced"], report["weak"]) == (expected, len(params) - expected)
    assert sum(row["weak"] for row in report["rows"]) == report["weak"]
    assert sum(i.sourced for i in screened_inputs(scenario)) == expected
    table = {(p.path, "m"): (1.0, True) for p in params}
    flagged = sum(r.flagged for r in pedigree_report(scenario, table))
    assert flagged == len(params) - expected
    assert 0 < expected < len(params)


def test_a_design_point_run_after_others_gives_what_it_gives_alone() -> None:
    """Design points of one map share its ground (terrain, roads, gazetteer) and its line tables in a
    worker; a point run after another in the same process gives exactly the measures it gives in a
    process that made everything afresh for it. A place moved is another map: it gets its own ground."""
    from drillsim.experiments import executors
    from drillsim.experiments.executors import ChunkTask, run_chunk
    from drillsim.geo import distance
    from drillsim.world import build, ground_for

    base = drillsim.load_scenario("khatlon-2015")
    moved = [i for i in screened_inputs(base) if i.fixed is None]
    variant = with_overrides(base, {i.path: i.setting(0.75) for i in moved})
    until = 4 * 3600.0

    def point(scenario: drillsim.Scenario, number: int) -> dict[str, np.ndarray]:
        executors._WORLDS.clear()  # the world itself is the point's own: made again
        return run_chunk(ChunkTask(number, (0,), (0,), scenario, 7, until)).measures

    build._GROUNDS.clear()
    distance._FIELDS.clear()
    alone = point(variant, 1)
    point(base, 0)
    assert ground_for(variant) is ground_for(base)
    after = point(variant, 1)
    assert set(after) == set(alone)
    for name, values in alone.items():
        np.testing.assert_array_equal(after[name], values, err_msg=name)
    place, spot = next(iter(base.places.items()))
    elsewhere = with_overrides(base, {f"places.{place}.lat": spot.lat + 0.01})
    assert ground_for(elsewhere) is not ground_for(base)


def test_a_geodata_folder_changed_on_disk_is_read_again(tmp_path: Path) -> None:
    """The ground of a scenario whose geodata is a folder (not a shipped set) is made again once a file of
    the folder changes; the same folder unchanged gives the same ground."""
    import os
    import shutil

    from drillsim.geo.geodata import _data_root
    from drillsim.world import ground_for

    base = drillsim.load_scenario("khatlon-2015")
    folder = tmp_path / "set"
    shutil.copytree(str(_data_root().joinpath(str(base.area.geodata))), folder)
    copy = base.model_copy(update={"area": base.area.model_copy(update={"geodata": str(folder)})})
    ground = ground_for(copy)
    assert ground_for(copy) is ground
    manifest = folder / "manifest.json"
    stamp = manifest.stat()
    os.utime(manifest, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 10**9))
    again = ground_for(copy)
    assert again is not ground
    assert again.terrain.extent_m == ground.terrain.extent_m


def test_an_area_whose_extent_nothing_reads_changes_no_compiled_table(tmp_path: Path) -> None:
    """The premise of leaving such a radius out: an area no obstacle, position, objective, ambush or no-fire
    rule uses compiles to nothing, so its radius leaves every table of the world as it was; made a no-fire
    area, the same radius moves the supply and fire tables."""
    from drillsim.world.build import build_world
    from drillsim.world.lanes import lane_tables_differ

    data = yaml.safe_load(Path(EXAMPLE).read_text("utf-8"))
    data["areas"]["lookout"] = {"center": "crossing", "radius_m": 500}
    worlds = []
    for kind, radius in (("named-area-of-interest", 500), ("named-area-of-interest", 900), ("no-fire", 900)):
        data["areas"]["lookout"] |= {"kind": kind, "radius_m": radius}
        path = tmp_path / f"crossing-{kind}-{radius}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
        worlds.append(build_world(drillsim.load_scenario(path)))
    assert lane_tables_differ(worlds[0], worlds[1]) == []
    assert lane_tables_differ(worlds[0], worlds[2]) != []
