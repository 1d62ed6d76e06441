"""Synthetic scenarios for the benchmarks: two hostile sides of N units closing on flat, open terrain.

Each side holds ``N / 2`` elements in groups of :data:`GROUP_SIZE`, scattered within :data:`SPREAD_M` of
group centres laid on a square lattice of pitch :data:`PITCH_M`. The two blocks face each other across a
gap of :data:`GAP_M` and every group is ordered at time zero to move straight through the enemy block, so
the density of units stays the same at every size and the sides are in sensor and weapon range from the
first steps. Blue fields ``rifle-squad`` elements, red ``militant-group`` elements (core-v1 catalogue:
eye and binoculars, rifles, machine guns and RPGs). Daylight, no command delay, no population support.

The scenario is written as YAML text and loaded with :func:`drillsim.load_scenario`, so it goes through
the same validation and compilation as any user file.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

import drillsim
from drillsim.geo.projection import LocalProjection

SIZES = (100, 300, 1000, 3000, 10000)
"""Total numbers of units benchmarked."""
GROUP_SIZE = 10
SPREAD_M = 200.0
PITCH_M = 450.0
GAP_M = 1500.0
LAT0, LON0 = 37.0, 68.0
DT_S = 10.0
DURATION_S = 3600.0
SIDES = {
    "blue": {"nation": "BLU", "type": "rifle-squad", "sign": 1.0},
    "red": {"nation": "RED", "type": "militant-group", "sign": -1.0},
}


@dataclass(frozen=True)
class Layout:
    """Where the groups of one synthetic scenario start and where they are sent (metres)."""

    n_units: int
    centres: dict[str, np.ndarray]
    """Per side: (groups, 2) group centres."""
    counts: dict[str, np.ndarray]
    """Per side: elements per group."""
    destinations: dict[str, np.ndarray]
    """Per side: (groups, 2) where each group is sent."""
    half_extent_m: float


def layout(n_units: int) -> Layout:
    """Group centres, sizes and destinations for ``n_units`` units in total (half per side)."""
    if n_units < 2 or n_units % 2:
        raise ValueError(f"n_units must be an even number >= 2, got {n_units}")
    per_side = n_units // 2
    n_groups = math.ceil(per_side / GROUP_SIZE)
    counts = np.full(n_groups, GROUP_SIZE, dtype=np.int64)
    counts[-1] = per_side - GROUP_SIZE * (n_groups - 1)
    cols = math.ceil(math.sqrt(n_groups))
    rows = math.ceil(n_groups / cols)
    k = np.arange(n_groups)
    gx = (k % cols - (cols - 1) / 2.0) * PITCH_M
    depth = (k // cols) * PITCH_M  # 0 = front rank
    centres: dict[str, np.ndarray] = {}
    destinations: dict[str, np.ndarray] = {}
    block = (rows - 1) * PITCH_M
    for name, side in SIDES.items():
        sign = side["sign"]
        gy = -sign * (GAP_M / 2.0 + depth)
        centres[name] = np.stack([gx, gy], axis=1)
        # Straight through the enemy block and out the other side.
        travel = GAP_M + 2.0 * block + 2.0 * SPREAD_M
        destinations[name] = np.stack([gx, gy + sign * travel], axis=1)
    half = max(float(np.abs(gx).max()), GAP_M / 2.0 + 2.0 * block + 2.0 * SPREAD_M) + 5_000.0
    return Layout(n_units, centres, dict.fromkeys(SIDES, counts), destinations, half)


def _point(projection: LocalProjection, x: float, y: float) -> dict[str, float]:
    lat, lon = projection.to_latlon(x, y)
    return {"lat": round(float(lat), 8), "lon": round(float(lon), 8)}


def scenario_document(n_units: int) -> dict[str, Any]:
    """The scenario as a plain document (what a YAML file would hold)."""
    lay = layout(n_units)
    projection = LocalProjection(LAT0, LON0)
    h = lay.half_extent_m
    lat_lo, lon_lo = projection.to_latlon(-h, -h)
    lat_hi, lon_hi = projection.to_latlon(h, h)
    units: dict[str, Any] = {}
    tasks: list[dict[str, Any]] = []
    for name, side in SIDES.items():
        for g, ((cx, cy), count, (dx, dy)) in enumerate(
            zip(lay.centres[name], lay.counts[name], lay.destinations[name], strict=True)
        ):
            uid = f"{name}/g{g}"
            units[uid] = {
                "type": side["type"],
                "nation": side["nation"],
                "count": int(count),
                "at": _point(projection, cx, cy),
                "spread_m": SPREAD_M,
                "posture": "moving",
            }
            tasks.append({"task": "move", "units": [uid], "to": _point(projection, dx, dy)})
    return {
        "schema_version": 1,
        "name": f"synthetic-{n_units}-v1",
        "title": f"Synthetic meeting engagement, {n_units} units",
        "time": {"start": "2015-05-14T12:00:00+05:00", "duration_s": DURATION_S, "dt_s": DT_S},
        "area": {
            "bounds": {
                "west": float(lon_lo),
                "south": float(lat_lo),
                "east": float(lon_hi),
                "north": float(lat_hi),
            },
            "default_terrain": "open",
        },
        "sides": {
            "blue": {"relations": {"red": "hostile"}},
            "red": {"relations": {"blue": "hostile"}},
        },
        "nations": {
            "BLU": {"side": "blue", "c2_delay_s": 0},
            "RED": {"side": "red", "c2_delay_s": 0},
        },
        "units": units,
        "plan": {"phases": {"advance": {"trigger": {"at_s": 0}, "tasks": tasks}}},
        "measures": {
            "losses-blue": {"kind": "losses", "side": "blue"},
            "losses-red": {"kind": "losses", "side": "red"},
            "first-detection": {"kind": "time-to-first-detection", "side": "blue", "of_side": "red"},
        },
        "environment": {"light": "day", "weather": "clear"},
    }


def scenario_yaml(n_units: int) -> str:
    """The scenario as YAML text."""
    return yaml.safe_dump(scenario_document(n_units), sort_keys=False)


def synthetic_scenario(n_units: int) -> drillsim.Scenario:
    """Build, write to a temporary file and load (validate) the synthetic scenario of ``n_units`` units."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"synthetic-{n_units}.yaml"
        path.write_text(scenario_yaml(n_units), encoding="utf-8")
        return drillsim.load_scenario(path)


if __name__ == "__main__":
    print(scenario_yaml(100))
