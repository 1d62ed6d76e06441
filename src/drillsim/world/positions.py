"""Positions compiled from the scenario: the ground each holds (a circle or a polygon, in metres in the
scenario's projection), the side holding it at the start, and whether it is fortified. Static for a run;
who holds a position during the run is in the batch state (docs/mechanics/assault.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from drillsim.core.compiled import jit
from drillsim.geo.distance import within
from drillsim.geo.projection import LocalProjection
from drillsim.scenario.gazetteer import Gazetteer
from drillsim.scenario.models import LatLon, Scenario
from drillsim.world.support import inside_polygon, points_inside_polygon

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


_NO_POLYGON = np.zeros((0, 2))


class Ground(NamedTuple):
    """One position's ground as compiled passes take it (:func:`on_ground`)."""

    x: float
    y: float
    radius_m: float
    """NaN for a polygon."""
    polygon: FloatArray
    """(points, 2) vertices; none for a circle."""


@jit
def on_ground(ground: Ground, x: float, y: float) -> bool:
    """Whether the point (x, y) lies on the position's ground: the same answer as
    :meth:`PositionTable.inside`."""
    cx, cy, radius_m, polygon = ground
    if polygon.shape[0] == 0:
        return within(x - cx, y - cy, radius_m)
    return inside_polygon(x, y, polygon)


@jit
def ground_box(ground: Ground) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1): a box holding the position's ground with a metre to spare, so that a point outside
    it is surely off the ground (:func:`on_ground` says no) and most points are turned away by four
    comparisons."""
    cx, cy, radius_m, polygon = ground
    if polygon.shape[0] == 0:
        reach = radius_m * (1.0 + 1e-9) + 1.0
        return cx - reach, cx + reach, cy - reach, cy + reach
    return (
        polygon[:, 0].min() - 1.0,
        polygon[:, 0].max() + 1.0,
        polygon[:, 1].min() - 1.0,
        polygon[:, 1].max() + 1.0,
    )


@dataclass(frozen=True)
class PositionTable:
    """One row per position, in the order the scenario declares them."""

    names: tuple[str, ...]
    x: FloatArray
    """Centre (a site's location, a circle's centre, a polygon's mean vertex), metres."""
    y: FloatArray
    radius_m: FloatArray
    """Radius of a circular position; NaN for a polygon."""
    polygons: tuple[FloatArray | None, ...]
    """Each polygonal position's (points, 2) vertices; None for a circle."""
    owner0: IntArray
    """Side holding each position at the start."""
    fortified: BoolArray

    @classmethod
    def empty(cls) -> PositionTable:
        z = np.zeros(0)
        return cls((), z, z, z, (), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool))

    def __len__(self) -> int:
        return len(self.names)

    def inside(self, k: int, x: FloatArray, y: FloatArray) -> BoolArray:
        """Whether each point (x, y) lies on position ``k``'s ground."""
        poly = self.polygons[k]
        if poly is None:
            return np.asarray(np.hypot(x - self.x[k], y - self.y[k]) <= self.radius_m[k])
        return points_inside_polygon(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64), poly)

    def ground(self, k: int) -> Ground:
        """Position ``k``'s ground for :func:`on_ground`."""
        poly = self.polygons[k]
        polygon = _NO_POLYGON if poly is None else np.ascontiguousarray(poly, dtype=np.float64)
        return Ground(float(self.x[k]), float(self.y[k]), float(self.radius_m[k]), polygon)


def compile_positions(scenario: Scenario, projection: LocalProjection, gazetteer: Gazetteer) -> PositionTable:
    """Compile the scenario's positions (a site with its radius, or an area's circle or polygon)."""
    if not scenario.positions:
        return PositionTable.empty()
    sides = list(scenario.sides)

    def xy(ref: LatLon | str) -> tuple[float, float]:
        p = gazetteer.resolve(ref)
        x, y = projection.to_xy(p.lat, p.lon)
        return float(x), float(y)

    cx: list[float] = []
    cy: list[float] = []
    radius: list[float] = []
    polygons: list[FloatArray | None] = []
    for spec in scenario.positions.values():
        if spec.site is not None:
            x, y = xy(scenario.sites[spec.site].at)
            cx.append(x)
            cy.append(y)
            radius.append(float(spec.radius_m))
            polygons.append(None)
            continue
        area = scenario.areas[str(spec.area)]
        if area.center is not None and area.radius_m is not None:
            x, y = xy(area.center)
            cx.append(x)
            cy.append(y)
            radius.append(float(area.radius_m))
            polygons.append(None)
        else:
            pts = np.array([xy(p) for p in area.polygon], dtype=np.float64)
            cx.append(float(pts[:, 0].mean()))
            cy.append(float(pts[:, 1].mean()))
            radius.append(np.nan)
            polygons.append(pts)
    return PositionTable(
        names=tuple(scenario.positions),
        x=np.array(cx),
        y=np.array(cy),
        radius_m=np.array(radius),
        polygons=tuple(polygons),
        owner0=np.array([sides.index(p.held_by) for p in scenario.positions.values()], dtype=np.int64),
        fortified=np.array([p.fortified for p in scenario.positions.values()], dtype=bool),
    )
