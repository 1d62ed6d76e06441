"""Supply points and no-fire areas compiled from the scenario: static for a run.

Supply points are the scenario's sites with ``resupply``; no-fire areas are its areas of kind ``no-fire``
(circles and polygons, in metres in the scenario's projection).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from drillsim.core.compiled import jit
from drillsim.geo.projection import LocalProjection
from drillsim.scenario.gazetteer import Gazetteer
from drillsim.scenario.models import LatLon, Scenario

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class SupportTable:
    """Supply points (one row each) and no-fire areas."""

    depot_names: tuple[str, ...]
    depot_x: FloatArray
    depot_y: FloatArray
    depot_side: IntArray
    depot_radius_m: FloatArray
    depot_refill_s: FloatArray
    stock0: FloatArray
    """Rounds each supply point holds at the start (+inf: unlimited)."""
    fuel_stock0: FloatArray
    """Litres of fuel each supply point holds at the start (+inf: unlimited; 0: it gives no fuel)."""
    no_fire_circles: FloatArray
    """(areas, 3): centre x, centre y, radius of each circular no-fire area."""
    no_fire_polygons: tuple[FloatArray, ...]
    """Each polygonal no-fire area's (points, 2) vertices."""

    @classmethod
    def empty(cls) -> SupportTable:
        z = np.zeros(0)
        return cls((), z, z, np.zeros(0, dtype=np.int64), z, z, z, z, np.zeros((0, 3)), ())

    def in_no_fire_area(self, x: FloatArray, y: FloatArray) -> BoolArray:
        """Whether each point (x, y) lies inside a no-fire area (even-odd rule for polygons)."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        inside = np.zeros(x.shape, dtype=bool)
        for cx, cy, r in self.no_fire_circles:
            inside |= np.hypot(x - cx, y - cy) <= r
        for poly in self.no_fire_polygons:
            inside |= points_inside_polygon(x, y, poly)
        return inside


def points_inside_polygon(x: FloatArray, y: FloatArray, poly: FloatArray) -> BoolArray:
    """Even-odd rule point-in-polygon (:func:`inside_polygon`) of every point (x, y), any shape."""
    px, py = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    inside = np.zeros(px.size, dtype=bool)
    _inside_polygon_points(
        np.ascontiguousarray(px).ravel(),
        np.ascontiguousarray(py).ravel(),
        np.ascontiguousarray(poly, dtype=np.float64),
        inside,
    )
    return inside.reshape(px.shape)


@jit
def inside_polygon(x: float, y: float, poly: FloatArray) -> bool:
    """Whether (x, y) lies inside the polygon ``poly`` ((points, 2) vertices; even-odd rule): an edge from
    vertex a to the next is crossed where a horizontal ray to the left of the point meets it."""
    inside = False
    n = poly.shape[0]
    for a in range(n):
        x1 = poly[a, 0]
        y1 = poly[a, 1]
        b = a + 1 if a + 1 < n else 0
        x2 = poly[b, 0]
        y2 = poly[b, 1]
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


@jit
def _inside_polygon_points(x: FloatArray, y: FloatArray, poly: FloatArray, out: BoolArray) -> None:
    for i in range(x.shape[0]):
        out[i] = inside_polygon(x[i], y[i], poly)


def compile_support(scenario: Scenario, projection: LocalProjection, gazetteer: Gazetteer) -> SupportTable:
    """Compile the scenario's supply points (sites with ``resupply``, in name order) and no-fire areas."""
    sides = tuple(scenario.sides)

    def xy(ref: LatLon | str) -> tuple[float, float]:
        p = gazetteer.resolve(ref)
        x, y = projection.to_xy(p.lat, p.lon)
        return float(x), float(y)

    depots = [(n, s) for n, s in sorted(scenario.sites.items()) if s.resupply is not None]
    pts = [xy(s.at) for _, s in depots]
    circles: list[tuple[float, float, float]] = []
    polygons: list[FloatArray] = []
    for _, area in sorted(scenario.areas.items()):
        if area.kind != "no-fire":
            continue
        if len(area.polygon) >= 3:
            polygons.append(np.asarray([xy(p) for p in area.polygon], dtype=np.float64))
        elif area.center is not None and area.radius_m is not None:
            cx, cy = xy(area.center)
            circles.append((cx, cy, float(area.radius_m)))
    return SupportTable(
        depot_names=tuple(n for n, _ in depots),
        depot_x=np.array([p[0] for p in pts], dtype=np.float64),
        depot_y=np.array([p[1] for p in pts], dtype=np.float64),
        depot_side=np.array(
            [sides.index(scenario.nations[str(s.nation)].side) for _, s in depots], dtype=np.int64
        ),
        depot_radius_m=np.array(
            [float(s.resupply.radius_m) for _, s in depots if s.resupply], dtype=np.float64
        ),
        depot_refill_s=np.array(
            [float(s.resupply.refill_s) for _, s in depots if s.resupply], dtype=np.float64
        ),
        stock0=np.array(
            [
                float(s.resupply.stock_rounds)
                if s.resupply and s.resupply.stock_rounds is not None
                else np.inf
                for _, s in depots
            ],
            dtype=np.float64,
        ),
        fuel_stock0=np.array(
            [
                float(s.resupply.stock_fuel_l)
                if s.resupply and s.resupply.stock_fuel_l is not None
                else np.inf
                for _, s in depots
            ],
            dtype=np.float64,
        ),
        no_fire_circles=np.asarray(circles, dtype=np.float64).reshape(-1, 3),
        no_fire_polygons=tuple(polygons),
    )
