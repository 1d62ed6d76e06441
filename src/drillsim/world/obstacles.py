"""Obstacles and zones compiled from the scenario: polygons in metres, static for a run.

A zone is a set of polygons in the scenario's projection: an area (its polygon, or its circle as a
32-sided polygon), or a line buffered to a width (one quadrilateral per segment). Obstacles are zones with
their parameters (docs/mechanics/obstacles.md); an ambush's kill zone is a zone too. For the compiled
passes every polygon's vertices are laid end to end (``vx``, ``vy``), polygon ``p`` being
``start[p]:start[p + 1]`` and belonging to obstacle ``owner[p]``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from drillsim.scenario.models import LatLon, Scenario
from drillsim.world.forces import ForceTable

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

CIRCLE_SIDES = 32
"""A circular area becomes a regular polygon with this many sides (inscribed area within 0.7 %)."""
MINEFIELD = 0
BLOCK = 1
OBSTACLE_KINDS = ("minefield", "block")
_RECONNAISSANCE_CATEGORIES = ("reconnaissance", "special-forces")

XY = Callable[[LatLon | str], tuple[float, float]]


def area_polygons(scenario: Scenario, name: str, xy: XY) -> list[FloatArray]:
    """The area ``name`` as polygons: its own, or its circle as a regular polygon."""
    area = scenario.areas[name]
    if len(area.polygon) >= 3:
        return [np.asarray([xy(p) for p in area.polygon], dtype=np.float64)]
    assert area.center is not None
    assert area.radius_m is not None
    cx, cy = xy(area.center)
    return [circle_polygon(cx, cy, float(area.radius_m))]


def circle_polygon(cx: float, cy: float, radius_m: float) -> FloatArray:
    """A circle as a regular polygon of :data:`CIRCLE_SIDES` vertices."""
    a = 2 * np.pi * np.arange(CIRCLE_SIDES) / CIRCLE_SIDES
    return np.column_stack([cx + radius_m * np.cos(a), cy + radius_m * np.sin(a)])


def line_polygons(points: FloatArray, width_m: float) -> list[FloatArray]:
    """A polyline buffered to ``width_m`` (centred on it): one quadrilateral per segment."""
    out = []
    half = width_m / 2.0
    for (ax, ay), (bx, by) in itertools.pairwise(points):
        length = float(np.hypot(bx - ax, by - ay))
        if length <= 0:
            continue
        nx, ny = -(by - ay) / length * half, (bx - ax) / length * half
        out.append(np.array([[ax + nx, ay + ny], [bx + nx, by + ny], [bx - nx, by - ny], [ax - nx, ay - ny]]))
    return out


@dataclass(frozen=True)
class ZoneTable:
    """Polygons laid end to end: vertices ``vx``, ``vy``; polygon p is ``start[p]:start[p + 1]`` and
    belongs to zone ``owner[p]``; ``box`` (zones, 4) is each zone's x0, y0, x1, y1."""

    vx: FloatArray
    vy: FloatArray
    start: IntArray
    owner: IntArray
    box: FloatArray

    @classmethod
    def of(cls, zones: list[list[FloatArray]]) -> ZoneTable:
        polys = [(k, p) for k, zone in enumerate(zones) for p in zone]
        verts = np.vstack([p for _, p in polys]) if polys else np.zeros((0, 2))
        box = np.full((len(zones), 4), np.nan)
        for k, zone in enumerate(zones):
            if zone:
                allv = np.vstack(zone)
                box[k] = [allv[:, 0].min(), allv[:, 1].min(), allv[:, 0].max(), allv[:, 1].max()]
        return cls(
            vx=np.ascontiguousarray(verts[:, 0]),
            vy=np.ascontiguousarray(verts[:, 1]),
            start=np.cumsum([0] + [len(p) for _, p in polys]).astype(np.int64),
            owner=np.array([k for k, _ in polys], dtype=np.int64),
            box=box,
        )

    @property
    def n(self) -> int:
        return int(self.box.shape[0])

    @property
    def polygons(self) -> tuple[FloatArray, FloatArray, IntArray, IntArray]:
        """(vx, vy, start, owner): the polygons as the compiled queries of :mod:`drillsim.geo.polygons`
        take them, in one tuple."""
        return self.vx, self.vy, self.start, self.owner


@dataclass(frozen=True)
class ObstacleTable:
    """The scenario's obstacles (in name order) and the element data the obstacle passes need."""

    names: tuple[str, ...]
    kind: IntArray
    """0 minefield, 1 block."""
    side: IntArray
    """The side that emplaced each obstacle."""
    known0: BoolArray
    """(sides, obstacles): which sides know each obstacle from the start."""
    p_encounter: FloatArray
    casualties: FloatArray
    halt_s: FloatArray
    breach_s: FloatArray
    force_s: FloatArray
    detect_range_m: FloatArray
    detect_rate_per_s: FloatArray
    zones: ZoneTable
    breaching: FloatArray
    """Per element: its type's engineer breaching capability (0: none)."""
    reconnaissance: BoolArray
    """Per element: whether its type looks for obstacles (reconnaissance, special forces, engineers)."""

    @property
    def n(self) -> int:
        return len(self.names)

    @classmethod
    def empty(cls, n_sides: int = 0, n_elements: int = 0) -> ObstacleTable:
        z = np.zeros(0)
        return cls(
            (),
            np.zeros(0, dtype=np.int64),
            np.zeros(0, dtype=np.int64),
            np.zeros((n_sides, 0), dtype=bool),
            z,
            z,
            z,
            z,
            z,
            z,
            z,
            ZoneTable.of([]),
            np.zeros(n_elements),
            np.zeros(n_elements, dtype=bool),
        )


def obstacle_event_key(side: int, obstacle: int, sides: int, obstacles: int) -> int:
    """The column of an obstacle trigger event in :func:`obstacle_event_table`: one side (-1: any) and one
    obstacle (-1: any)."""
    s = sides if side < 0 else side
    o = obstacles if obstacle < 0 else obstacle
    return s * (obstacles + 1) + o


def obstacle_event_table(first: FloatArray) -> FloatArray:
    """The (R, sides, obstacles) first times of an obstacle event flattened into (R, (sides + 1) *
    (obstacles + 1)) columns for the keyed trigger events: each (side, obstacle), then each side's any
    obstacle, then any side's each obstacle and any obstacle (see :func:`obstacle_event_key`)."""
    r, n_s, n_o = first.shape
    out = np.full((r, n_s + 1, n_o + 1), np.inf)
    out[:, :n_s, :n_o] = first
    out[:, :n_s, n_o] = first.min(axis=2, initial=np.inf)
    out[:, n_s, :n_o] = first.min(axis=1, initial=np.inf)
    out[:, n_s, n_o] = first.min(axis=(1, 2), initial=np.inf)
    return out.reshape(r, (n_s + 1) * (n_o + 1))


def line_points(scenario: Scenario, name: str, xy: XY, geodata_lines: dict[str, list[LatLon]]) -> FloatArray:
    """The vertices of the scenario's line ``name`` in metres (its own points, or its geodata line's)."""
    line = scenario.lines[name]
    refs = line.points if line.points else geodata_lines[str(line.geodata_line)]
    return np.asarray([xy(p) for p in refs], dtype=np.float64).reshape(-1, 2)


def compile_obstacles(
    scenario: Scenario, forces: ForceTable, xy: XY, geodata_lines: dict[str, list[LatLon]]
) -> ObstacleTable:
    """Compile the scenario's obstacles (in name order)."""
    sides = list(scenario.sides)
    utypes = [scenario.catalogue.unit_types[t] for t in forces.type_names]
    breaching_t = np.array([float(u.breaching) for u in utypes], dtype=np.float64)
    recon_t = np.array(
        [u.category in _RECONNAISSANCE_CATEGORIES or float(u.breaching) > 0 for u in utypes], dtype=bool
    )
    breaching = breaching_t[forces.unit_type] if len(utypes) else np.zeros(forces.n)
    recon = recon_t[forces.unit_type] if len(utypes) else np.zeros(forces.n, dtype=bool)
    items = sorted(scenario.obstacles.items())
    if not items:
        table = ObstacleTable.empty(len(sides), forces.n)
        return ObstacleTable(**{**table.__dict__, "breaching": breaching, "reconnaissance": recon})
    zones: list[list[FloatArray]] = []
    known = np.zeros((len(sides), len(items)), dtype=bool)
    for k, (_, ob) in enumerate(items):
        if ob.area is not None:
            zones.append(area_polygons(scenario, ob.area, xy))
        else:
            zones.append(
                line_polygons(line_points(scenario, str(ob.line), xy, geodata_lines), float(ob.depth_m))
            )
        known[sides.index(ob.side), k] = True
        for other in ob.known_to:
            known[sides.index(other), k] = True

    def col(key: str) -> FloatArray:
        return np.array([float(getattr(ob, key)) for _, ob in items], dtype=np.float64)

    return ObstacleTable(
        names=tuple(name for name, _ in items),
        kind=np.array([OBSTACLE_KINDS.index(ob.kind) for _, ob in items], dtype=np.int64),
        side=np.array([sides.index(ob.side) for _, ob in items], dtype=np.int64),
        known0=known,
        p_encounter=np.where(
            np.array([ob.kind == "block" for _, ob in items]), 1.0, col("p_encounter")
        ).astype(np.float64),
        casualties=np.where(
            np.array([ob.kind == "block" for _, ob in items]), 0.0, col("casualties_per_encounter")
        ).astype(np.float64),
        halt_s=col("halt_s"),
        breach_s=col("breach_s"),
        force_s=col("force_s"),
        detect_range_m=col("detect_range_m"),
        detect_rate_per_s=col("detect_rate_per_s"),
        zones=ZoneTable.of(zones),
        breaching=breaching,
        reconnaissance=recon,
    )
