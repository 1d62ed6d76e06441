"""Which parts of a world may differ between the lanes of one batch, and a key for the rest.

Every row of a batch reads the same :class:`~drillsim.world.build.World`: its tables are per-scenario
constants to the mechanics. A few tables are read only once, to set the state at time zero
(:data:`LANE_TABLES`); the state is per row, so two worlds that differ only in those tables can run as rows
(lanes) of one batch, each row starting from its own world. :func:`lane_key` is equal for two worlds exactly
when their other compiled tables are equal (and their ground is the same), which is when that is allowed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator
from typing import Any

import numpy as np

from drillsim.scenario.io import parse_field_path
from drillsim.scenario.models import Scenario
from drillsim.world.build import World, file_stamps

__all__ = ["LANE_INPUTS", "LANE_TABLES", "is_lane_input", "lane_key", "lane_tables_differ"]

LANE_TABLES: dict[tuple[str, str], tuple[str, ...]] = {
    ("forces", "posture0"): ("posture", "arrival_posture"),
    ("support", "stock0"): ("depot_stock",),
    ("support", "fuel_stock0"): ("depot_fuel",),
    ("carriers", "mounted0"): ("mounted", "parked_x", "parked_y"),
    ("obstacles", "known0"): ("obstacle_known_at",),
}
"""World tables read only to set the state at time zero: (table, field) -> the state arrays they start.
A test checks that no mechanic reads them."""

LANE_INPUTS: dict[str, frozenset[str]] = {
    "units": frozenset({"posture", "mounted"}),
    "sites.resupply": frozenset({"stock_rounds", "stock_fuel_l"}),
}
"""The scenario's fields that compile only into :data:`LANE_TABLES` (a unit's starting posture and whether
it starts mounted; a supply point's stocks of rounds and fuel), by section: scenarios differing only in
them may share a batch."""

_GROUND_FIELDS = frozenset({"scenario", "projection", "gazetteer", "terrain", "class_lut", "roads"})
"""The world's fields that are its scenario or its ground (made once for every scenario of one map)."""


def _leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every array and plain value inside a compiled table, with its path."""
    if isinstance(value, np.ndarray):
        yield path, value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _leaves(getattr(value, f.name), f"{path}.{f.name}")
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, f"{path}[{k!r}]")
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            yield from _leaves(v, f"{path}[{i}]")
    elif value is None or isinstance(value, str | int | float | bool | np.generic):
        yield path, value
    else:
        yield from _leaves(vars(value), f"{path}<{type(value).__name__}>")


def is_lane_input(path: str) -> bool:
    """Whether a scenario field path (``sites.store.resupply.stock_rounds``) is one of :data:`LANE_INPUTS`."""
    keys = [str(k) for k in parse_field_path(path)]
    if len(keys) == 3 and keys[0] == "units":
        return keys[2] in LANE_INPUTS["units"]
    return (
        len(keys) == 4
        and keys[0] == "sites"
        and keys[2] == "resupply"
        and keys[3] in LANE_INPUTS["sites.resupply"]
    )


def _without_lane_inputs(data: dict[str, Any]) -> dict[str, Any]:
    units = {
        name: {k: v for k, v in unit.items() if k not in LANE_INPUTS["units"]}
        for name, unit in data["units"].items()
    }
    sites = {}
    for name, site in data["sites"].items():
        if isinstance(site.get("resupply"), dict):
            resupply = {k: v for k, v in site["resupply"].items() if k not in LANE_INPUTS["sites.resupply"]}
            site = {**site, "resupply": resupply}
        sites[name] = site
    return {**data, "units": units, "sites": sites}


def lane_key(scenario: Scenario) -> str:
    """A hash of the scenario without its :data:`LANE_INPUTS` (and of its ground's files): the worlds of two
    scenarios with the same key differ at most in :data:`LANE_TABLES`, so they may run as lanes of one
    batch."""
    data = _without_lane_inputs(scenario.model_dump(mode="json"))
    data["files"] = file_stamps(scenario)
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def lane_tables_differ(a: World, b: World) -> list[str]:
    """The compiled tables (``table.field``) in which two worlds differ, :data:`LANE_TABLES` included."""
    left = dict(_leaves_all(a))
    right = dict(_leaves_all(b))
    out: list[str] = []
    for path in sorted(set(left) | set(right)):
        x, y = left.get(path), right.get(path)
        if isinstance(x, np.ndarray) and isinstance(y, np.ndarray):
            nan = x.dtype.kind == "f"
            same = x.shape == y.shape and x.dtype == y.dtype and np.array_equal(x, y, equal_nan=nan)
        else:
            same = path in left and path in right and repr(x) == repr(y)
        if not same:
            out.append(".".join(path.split(".")[:2]).split("[")[0])
    return sorted(set(out))


def _leaves_all(world: World) -> Iterator[tuple[str, Any]]:
    for f in dataclasses.fields(world):
        if f.name not in _GROUND_FIELDS:
            yield from _leaves(getattr(world, f.name), f.name)
