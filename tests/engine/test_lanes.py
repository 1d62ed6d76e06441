"""Design points as lanes of one batch (drillsim.world.lanes, ``Simulation(starts=...)``): each lane gives
exactly what its design point gives alone, and only scenarios that differ in their starting state share a
batch."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pytest
import yaml

import drillsim
from drillsim.engine.simulation import Simulation
from drillsim.experiments.executors import ChunkResult, ChunkTask, run_chunk
from drillsim.scenario.io import with_overrides
from drillsim.study.screening import _run_design, lane_batches, morris_design, screened_inputs
from drillsim.world.build import build_world
from drillsim.world.lanes import LANE_TABLES, is_lane_input, lane_key, lane_tables_differ

ROOT = Path(__file__).resolve().parents[2]
UNTIL_S = 3600.0
STOCK = "sites.store.resupply.stock_rounds"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> drillsim.Scenario:
    """The crossing-defence example with a supply point at the crossing that holds a limited stock."""
    data = yaml.safe_load((ROOT / "examples" / "crossing-defence.yaml").read_text(encoding="utf-8"))
    data["sites"]["store"] = {
        "kind": "depot",
        "at": "crossing",
        "nation": "TJK",
        "resupply": {"refill_s": 600, "stock_rounds": 400},
    }
    path = tmp_path_factory.mktemp("lanes") / "crossing-store.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return drillsim.load_scenario(path)


def _points(scenario: drillsim.Scenario) -> list[drillsim.Scenario]:
    return [
        scenario,
        with_overrides(scenario, {"units.tjk/pl/sqd.posture": "halted", STOCK: 100}),
        with_overrides(scenario, {"units.mil/grp.posture": "halted", "units.tjk/pl/sqd.posture": "hidden"}),
    ]


def _column_points() -> list[drillsim.Scenario]:
    """The motorised-column example, and two points that start platoons on foot or hidden: the tasks of
    the crossing-defence example set every element's posture in the first step, so only whether a unit
    starts in its carriers changes that example's outcomes enough to show lanes that ran the wrong point."""
    column = drillsim.load_scenario(ROOT / "examples" / "motorised-column.yaml")
    return [
        column,
        with_overrides(column, {"units.tjk/mr.mounted": False}),
        with_overrides(column, {"units.tjk/rifles.mounted": False, "units.tjk/mr.posture": "hidden"}),
    ]


def test_lanes_give_what_each_design_point_gives_alone(scenario: drillsim.Scenario) -> None:
    """Design points differing in their start (postures, the store's stock, platoons in or out of their
    carriers) with replications 0 and 1, run as lanes of one batch, give bit for bit the measures of each
    point run alone; the column's points differ in their own measures, so the lanes did not all run the
    first point."""
    for points in (_points(scenario), _column_points()):
        worlds = [build_world(p) for p in points]
        assert len({lane_key(p) for p in points}) == 1
        alone = [
            Simulation(p, rng=3, replications=[0, 1], world=w).run(until_s=UNTIL_S)
            for p, w in zip(points, worlds, strict=True)
        ]
        starts = [w for w in worlds for _ in range(2)]
        sim = Simulation(points[0], rng=3, replications=[0, 1] * 3, world=worlds[0], starts=starts)
        lanes = sim.run(until_s=UNTIL_S).measures
        for name, values in lanes.items():
            np.testing.assert_array_equal(
                values, np.concatenate([a.measures[name] for a in alone]), err_msg=name
            )
    differ = [
        n
        for n in lanes
        if not all(np.array_equal(alone[0].measures[n], a.measures[n], equal_nan=True) for a in alone[1:])
    ]
    assert differ


def test_a_lane_that_differs_in_more_than_its_start_is_refused(scenario: drillsim.Scenario) -> None:
    """A scenario moved in a number the mechanics read (a sensor's range) has another lane key, and the
    engine will not run it as a lane of the first."""
    sensor = next(i.path for i in screened_inputs(scenario) if i.fixed is None and ".sensors." in i.path)
    moved = with_overrides(scenario, {sensor: 2 * float(eval_path(scenario, sensor))})
    assert lane_key(moved) != lane_key(scenario)
    with pytest.raises(ValueError, match="lane 1"):
        Simulation(scenario, rng=3, replications=[0, 0], starts=[build_world(scenario), build_world(moved)])


def eval_path(scenario: drillsim.Scenario, path: str) -> float:
    return next(p.value for p in scenario.parameters() if p.path == path)


def test_lane_inputs_compile_only_into_lane_tables(scenario: drillsim.Scenario) -> None:
    """Each lane input, moved, changes the compiled world only in the tables read to set the start."""
    base = build_world(scenario)
    for overrides in (
        {"units.tjk/pl/sqd.posture": "halted"},
        {STOCK: 100},
        {"units.mil/grp.posture": "moving"},
    ):
        assert all(is_lane_input(path) for path in overrides)
        moved = with_overrides(scenario, overrides)
        changed = lane_tables_differ(base, build_world(moved))
        assert changed, overrides
        assert all(tuple(t.split(".")) in LANE_TABLES for t in changed), (overrides, changed)


def test_no_mechanic_reads_a_lane_table() -> None:
    """The lane tables are read only to make the starting state: every other read would see the batch's
    world, not the lane's."""
    src = ROOT / "src" / "drillsim"
    allowed = {src / "state" / "batch.py"}
    for (_, name), _ in LANE_TABLES.items():
        pattern = re.compile(rf"\.{name}\b")
        readers = [
            p
            for p in src.rglob("*.py")
            if p not in allowed and "world" not in p.parts and pattern.search(p.read_text())
        ]
        assert not readers, (name, readers)


class _InProcess:
    """Runs chunks one after another in this process."""

    description = "in process"
    slots = 1

    def run(self, tasks: Iterable[ChunkTask]) -> Iterator[ChunkResult]:
        for task in tasks:
            yield run_chunk(task)

    def close(self) -> None:
        return None


def test_screening_runs_points_that_differ_in_their_start_as_lanes(scenario: drillsim.Scenario) -> None:
    """A screening of the store's stock and a weapon's rate: the points that differ only in the stock run
    as lanes of one batch, and every point's measures are those it gives alone."""
    rate = next(
        i.path for i in screened_inputs(scenario) if i.fixed is None and i.path.endswith("rate_per_min")
    )
    moved = screened_inputs(scenario, paths=[STOCK, rate])
    design = morris_design([[0], [1]], 2, trajectories=3, levels=4, rng=np.random.default_rng(5))
    batches = lane_batches(moved, design)
    assert sorted(p for b in batches for p in b) == list(range(design.units.shape[0]))
    assert len(batches) < design.units.shape[0]
    for batch in batches:
        rates = {float(design.units[p, 1]) for p in batch}
        assert len(rates) == 1
    outputs, failed = _run_design(
        scenario,
        moved,
        design,
        replications=1,
        seed=11,
        until_s=UNTIL_S,
        executor=_InProcess(),
        progress=None,
    )
    assert not failed
    for point in range(design.units.shape[0]):
        values = {i.path: i.setting(float(u)) for i, u in zip(moved, design.units[point], strict=True)}
        alone = run_chunk(
            ChunkTask(point, (0,), (0,), with_overrides(scenario, values), 11, UNTIL_S)
        ).measures
        assert set(alone) == set(outputs[point])
        for name, values_alone in alone.items():
            np.testing.assert_array_equal(outputs[point][name], values_alone, err_msg=f"{point} {name}")
