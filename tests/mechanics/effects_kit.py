"""Small scenarios, runs and statistical bounds for the effect tests of tests/mechanics.

Each effect test changes one factor of one formula of docs/mechanics and checks that an outcome moves the
documented way. Scenarios are plain data (what a YAML file would hold), written to a temporary file and
loaded with :func:`drillsim.load_scenario`, then run through :class:`drillsim.engine.Simulation` with an
:class:`drillsim.engine.EventLog`. Places are offsets in metres from the centre of a flat box (:func:`at`).

Two runs of a comparison share the seed and the replications, so under drillsim's counter-based streams
they share every random number the change does not touch (common random numbers): the bound is on the
*paired* difference, one-sided, at :data:`Z` standard errors.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from drillsim import load_scenario
from drillsim.engine import EventLog, Outcomes, Simulation, World, build_world
from drillsim.geo.roads import build_road_network
from drillsim.geo.terrain import PLAIN, Terrain
from synthetic_scenarios import at as at  # the tests place units with it
from synthetic_scenarios import base_scenario

SEED = 20240611
"""The root seed of every effect test (fixed; never tuned to make a test pass)."""
Z = 4.0
"""One-sided bound, in standard errors of the (paired) difference: a false alarm has odds about 3e-5."""


def base(*, duration_s: float = 3600.0, dt_s: float = 10.0) -> dict[str, Any]:
    """Two hostile sides (blue: nation B, red: nation R), no delays, daylight, full training, no units, in a
    box of about 35 x 35 km, with no embedded catalogue (loading core-v1 would cost a second a run)."""
    data = base_scenario(duration_s=duration_s, dt_s=dt_s)
    data.update(name="effect-test-v1", title="Effect test")
    data["area"] = {"bounds": {"west": 68.40, "south": 37.04, "east": 68.80, "north": 37.36}}
    data["catalogue"]["extends"] = []
    return data


def eye(
    rate_per_s: float = 1.0, *, range_scale_m: float = 3000.0, max_range_m: float = 6000.0
) -> dict[str, Any]:
    """A sensor that needs no line of sight."""
    return {
        "kind": "eye",
        "max_range_m": max_range_m,
        "range_scale_m": range_scale_m,
        "rate_per_s": rate_per_s,
        "needs_line_of_sight": False,
    }


def rifle(p_kill: float = 0.01, *, p_suppress: float = 0.0, max_range_m: float = 1000.0) -> dict[str, Any]:
    """A direct-fire weapon with one band, 6 engagements a minute."""
    return {
        "kind": "direct",
        "rate_per_min": 6,
        "bands": [{"max_range_m": max_range_m, "p_kill": p_kill, "p_suppress": p_suppress}],
    }


class Runner:
    """Writes scenario data into a temporary folder and runs it with an event log."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def scenario(self, data: dict[str, Any]) -> Any:
        self.count += 1
        path = self.folder / f"scenario-{self.count}.yaml"
        path.write_text(yaml.safe_dump(copy.deepcopy(data), sort_keys=False), encoding="utf-8")
        return load_scenario(path)

    def simulation(self, data: dict[str, Any], *, reps: int = 1) -> Simulation:
        """A simulation of the scenario (seed :data:`SEED`, an event log), not yet run: for tests that set
        a state by hand and call one step's pass on it."""
        return Simulation(self.scenario(data), rng=SEED, replications=reps, recorder=EventLog(sample_s=None))

    def run(
        self,
        data: dict[str, Any],
        *,
        reps: int,
        until_s: float | None = None,
        world: Callable[[World], World] | None = None,
        stochastic: bool = True,
    ) -> Result:
        """Run ``reps`` replications (seed :data:`SEED`); ``world`` edits the compiled world (terrain)."""
        scenario = self.scenario(data)
        built = world(build_world(scenario)) if world is not None else None
        sim = Simulation(
            scenario,
            rng=SEED,
            replications=reps,
            recorder=EventLog(sample_s=None),
            world=built,
            stochastic=stochastic,
        )
        outcomes = sim.run(until_s=until_s)
        return Result(outcomes, sim, reps)


class Result:
    """The outcomes and event log of one run, read per replication."""

    def __init__(self, outcomes: Outcomes, sim: Simulation, reps: int) -> None:
        assert outcomes.events is not None
        self.outcomes = outcomes
        self.events: pa.Table = outcomes.events
        self.sim = sim
        self.reps = reps

    def measure(self, name: str) -> np.ndarray:
        return np.asarray(self.outcomes.measures[name], dtype=np.float64)

    def select(self, kind: str, **where: str) -> pa.Table:
        """Events of one kind whose string columns equal the given values."""
        mask = pc.equal(self.events["kind"], kind)
        for column, value in where.items():
            mask = pc.and_(mask, pc.equal(self.events[column], value))
        return self.events.filter(mask)

    def count(self, kind: str, **where: str) -> np.ndarray:
        """Per replication: how many such events."""
        rows = np.asarray(self.select(kind, **where)["replication"].to_numpy(), dtype=np.int64)
        return np.bincount(rows, minlength=self.reps).astype(np.float64)

    def total(self, kind: str, column: str, **where: str) -> np.ndarray:
        """Per replication: the sum of a numeric column over such events."""
        t = self.select(kind, **where)
        rows = np.asarray(t["replication"].to_numpy(), dtype=np.int64)
        return np.bincount(rows, weights=t[column].to_numpy(), minlength=self.reps)

    def first(self, kind: str, *, default: float = np.inf, **where: str) -> np.ndarray:
        """Per replication: the time of the first such event (``default`` where there is none)."""
        t = self.select(kind, **where)
        out = np.full(self.reps, np.inf)
        rows = np.asarray(t["replication"].to_numpy(), dtype=np.int64)
        np.minimum.at(out, rows, t["time_s"].to_numpy())
        return np.where(np.isinf(out), default, out)

    def losses(self, side: str) -> np.ndarray:
        return self.measure(f"losses-{side}")


def assert_paired_greater(high: Any, low: Any, *, z: float = Z) -> None:
    """The mean of ``high - low`` (paired by replication) is positive by more than ``z`` standard errors."""
    d = np.asarray(high, dtype=np.float64) - np.asarray(low, dtype=np.float64)
    assert np.isfinite(d).all()
    mean = float(d.mean())
    se = float(d.std(ddof=1) / math.sqrt(len(d))) if len(d) > 1 else 0.0
    assert mean > 0.0, f"mean difference {mean:g} is not positive"
    assert mean > z * se, f"mean difference {mean:g} is within {z:g} standard errors ({se:g})"


def assert_mean_greater(high: Any, low: Any, *, z: float = Z) -> None:
    """Two independent samples: the difference of means is positive by more than ``z`` standard errors."""
    a = np.asarray(high, dtype=np.float64)
    b = np.asarray(low, dtype=np.float64)
    assert len(a) > 1
    assert len(b) > 1
    diff = float(a.mean() - b.mean())
    se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    assert diff > 0.0, f"difference {diff:g} is not positive"
    assert diff > z * se, f"difference {diff:g} is within {z:g} standard errors ({se:g})"


# --- terrain edits for a compiled world -------------------------------------------------------------------


def _grid_like(world: World) -> tuple[np.ndarray, np.ndarray, float, float, float]:
    t = world.terrain
    ny, nx = t.elevation_m.shape
    xs = t.x0_m + np.arange(nx) * t.cell_m
    ys = t.y0_m + np.arange(ny) * t.cell_m
    return xs, ys, t.cell_m, t.x0_m, t.y0_m


def with_elevation(world: World, elevation: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> World:
    """The world with its flat ground replaced by ``elevation(x, y)`` on a 100 m grid (class: plain)."""
    t = world.terrain
    x1 = t.x0_m + (t.elevation_m.shape[1] - 1) * t.cell_m
    y1 = t.y0_m + (t.elevation_m.shape[0] - 1) * t.cell_m
    cell = 100.0
    xs = np.arange(t.x0_m, x1 + cell, cell)
    ys = np.arange(t.y0_m, y1 + cell, cell)
    gx, gy = np.meshgrid(xs, ys)
    z = np.asarray(elevation(gx, gy), dtype=np.float64)
    terrain = Terrain(
        elevation_m=z,
        terrain_class=np.full(z.shape, PLAIN, dtype=np.uint8),
        cell_m=cell,
        x0_m=float(xs[0]),
        y0_m=float(ys[0]),
    )
    return replace(world, terrain=terrain)


def with_river(world: World, crossing: tuple[float, float]) -> World:
    """An east-west river along y = 0, crossed only at ``crossing``."""
    terrain = replace(
        world.terrain,
        obstacles=np.array([[-20_000.0, 0.0, 20_000.0, 0.0]]),
        crossings_xy=np.array([crossing], dtype=np.float64),
        crossing_ids=("test-bridge",),
    )
    return replace(world, terrain=terrain)


def with_road(world: World, *lines: list[tuple[float, float]]) -> World:
    """The world with a road network along the given polylines (metres)."""
    return replace(world, roads=build_road_network([np.array(line, dtype=np.float64) for line in lines]))
