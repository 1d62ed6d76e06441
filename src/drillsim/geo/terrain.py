"""The engine's terrain: elevation, terrain classes, slope, line of sight and river obstacles, on arrays.

A :class:`Terrain` holds a regular grid of nodes in projected metres (x east, y north): node (i, j) sits at
(x0_m + j * cell_m, y0_m + i * cell_m). Elevation and slope are interpolated bilinearly between nodes;
the terrain class is that of the nearest node; points beyond the grid take the values of its edge.
Rivers that units may cross only at named crossings are kept as line segments, the crossings as points;
the segments are also filed by the cells of a coarse grid (:class:`SegmentGrid`) so that a move is tested
only against the segments near it.
Every query is vectorised over arrays of points or pairs, with numpy broadcasting; nothing here keeps
per-unit Python objects. The equations are in ``docs/mechanics/terrain.md``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from drillsim.core.compiled import jit, jit_without_refcounts
from drillsim.core.errors import InputError, Location, UserError
from drillsim.geo.projection import LocalProjection

if TYPE_CHECKING:
    from drillsim.geo.geodata import Geodata

__all__ = [
    "CROSSING_RADIUS_M",
    "EFFECTIVE_EARTH_RADIUS_M",
    "FOOTHILLS",
    "MOUNTAIN",
    "MOUNTAIN_MIN_ELEVATION_M",
    "MOUNTAIN_MIN_SLOPE",
    "PLAIN",
    "PLAIN_MAX_ELEVATION_M",
    "PLAIN_MAX_SLOPE",
    "TERRAIN_CLASS_NAMES",
    "WATER",
    "SegmentGrid",
    "Terrain",
    "classify_terrain",
    "load_geotiff_dem",
    "terrain_from_geodata",
]

WATER = 0
"""Terrain class code: river or other open water."""
PLAIN = 1
"""Terrain class code: low, flat ground (in Khatlon, the irrigated valley floors)."""
FOOTHILLS = 2
"""Terrain class code: rolling ground between the plains and the mountains (the adyr)."""
MOUNTAIN = 3
"""Terrain class code: high or steep ground."""
TERRAIN_CLASS_NAMES: tuple[str, ...] = ("water", "plain", "foothills", "mountain")
"""Name of each terrain class code; the code is the index. Stable: new classes are only ever appended."""

PLAIN_MAX_ELEVATION_M = 750.0
PLAIN_MAX_SLOPE = 0.04
MOUNTAIN_MIN_ELEVATION_M = 1600.0
MOUNTAIN_MIN_SLOPE = 0.12

EFFECTIVE_EARTH_RADIUS_M = 6_371_000.0 * 4.0 / 3.0
"""Earth radius scaled by 4/3 for standard atmospheric refraction of visible light (line-of-sight drop)."""

CROSSING_RADIUS_M = 500.0
"""A move cutting a river this close to a named crossing uses the crossing (bridge, ferry, ford)."""

_FloatArray = NDArray[np.float64]
_Function = TypeVar("_Function", bound=Callable[..., Any])
_SEGMENT_GRID_MAX_CELLS = 256
"""Most cells along either axis of a :class:`SegmentGrid`."""


def classify_terrain(
    elevation_m: ArrayLike, slope: ArrayLike, water: ArrayLike | None = None
) -> NDArray[np.uint8]:
    """Terrain class codes from elevation (m), slope (rise over run) and an optional water mask.

    Mountain where elevation >= 1600 m or slope >= 0.12; plain where elevation <= 750 m and slope <= 0.04;
    foothills elsewhere; water wherever ``water`` is true.
    """
    z = np.asarray(elevation_m, dtype=np.float64)
    s = np.asarray(slope, dtype=np.float64)
    z, s = np.broadcast_arrays(z, s)
    classes = np.full(z.shape, FOOTHILLS, dtype=np.uint8)
    classes[(z <= PLAIN_MAX_ELEVATION_M) & (s <= PLAIN_MAX_SLOPE)] = PLAIN
    classes[(z >= MOUNTAIN_MIN_ELEVATION_M) | (s >= MOUNTAIN_MIN_SLOPE)] = MOUNTAIN
    if water is not None:
        classes[np.broadcast_to(np.asarray(water, dtype=bool), z.shape)] = WATER
    return classes


def _readonly(a: ArrayLike, dtype: Any) -> NDArray[Any]:
    out = np.array(a, dtype=dtype)
    out.setflags(write=False)
    return out


class GroundGrid(NamedTuple):
    """What compiled movement reads of the terrain: the class and slope grids, their origin and cell."""

    classes: NDArray[np.uint8]
    slope: NDArray[np.float64]
    x0: float
    y0: float
    cell: float


class SightGrid(NamedTuple):
    """What a compiled sight-line test reads (:func:`sight_line_clear`): the elevation grid (its origin and
    cell), the points tested along a line and the effective earth radius."""

    z: NDArray[np.float64]
    x0: float
    y0: float
    cell: float
    samples: int
    earth_radius: float


class SegmentGrid(NamedTuple):
    """Obstacle segments filed by the cells of a coarse grid their bounding boxes touch, so that a move is
    tested only against the segments near it (:func:`move_cuts`).

    Cells are 1 / per_m metres wide: cell j along x holds the x with floor((x - x0_m) * per_m) = j, and the
    same in y from y0_m; points beyond the grid fall in its edge cells. The segments filed in cells (i, j0) to
    (i, j1) are the rows ``start[i, j0]`` to ``start[i, j1 + 1]`` of ``filed`` (copies of ``segments``; a
    segment is filed in every cell its box touches). ``start`` has shape (ny, nx + 1).
    """

    segments: NDArray[np.float64]
    x0_m: float
    y0_m: float
    per_m: float
    start: NDArray[np.int64]
    filed: NDArray[np.float64]

    @classmethod
    def of(cls, segments: NDArray[np.float64]) -> SegmentGrid:
        """The grid of (m, 4) segments: cells twice the segments' mean extent, at most 256 along an axis."""
        seg = np.array(segments, dtype=np.float64).reshape(-1, 4)  # a copy, made read-only below
        if not len(seg):
            seg, start, filed = _read_only(seg, np.zeros((1, 2), dtype=np.int64), np.zeros((0, 4)))
            return cls(seg, 0.0, 0.0, 1.0, start, filed)
        xs, ys = seg[:, 0::2], seg[:, 1::2]
        x0, y0 = float(xs.min()), float(ys.min())
        width, height = float(xs.max()) - x0, float(ys.max()) - y0
        extent = np.maximum(np.ptp(xs, axis=1), np.ptp(ys, axis=1))
        cell = max(2.0 * float(extent.mean()), max(width, height) / _SEGMENT_GRID_MAX_CELLS, 1.0)
        nx, ny = int(width // cell) + 1, int(height // cell) + 1
        start, filed = _file_segments(seg, x0, y0, 1.0 / cell, nx, ny)
        seg, start, filed = _read_only(seg, start, filed)
        return cls(seg, x0, y0, 1.0 / cell, start, filed)


def _read_only(*arrays: NDArray[Any]) -> tuple[NDArray[Any], ...]:
    """``arrays``, each made read-only: a :class:`SegmentGrid`'s tables, all of one kind, so that
    :func:`_any_cut`, called with the segments or with the filed copies, is compiled once."""
    for a in arrays:
        a.setflags(write=False)
    return arrays


@dataclass(frozen=True, eq=False)
class Terrain:
    """Elevation and terrain classes on a metric grid, river obstacles and their crossings.

    ``elevation_m`` and ``terrain_class`` have shape (ny, nx); row i is at y0_m + i * cell_m (south to
    north). ``obstacles`` is an (m, 4) array of segments (x1, y1, x2, y2) that may be crossed only near a
    point of ``crossings_xy`` ((k, 2) array; names in ``crossing_ids``). ``projection`` links the grid to
    latitude and longitude when it came from geographic data.
    """

    elevation_m: NDArray[np.float64]
    terrain_class: NDArray[np.uint8]
    cell_m: float
    x0_m: float = 0.0
    y0_m: float = 0.0
    obstacles: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 4)))
    crossings_xy: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 2)))
    crossing_ids: tuple[str, ...] = ()
    projection: LocalProjection | None = None
    slope_grid: NDArray[np.float64] = field(init=False, repr=False)
    segment_grid: SegmentGrid = field(init=False, repr=False)
    """The obstacle segments filed by grid cell (built from ``obstacles``)."""

    def __post_init__(self) -> None:
        z = _readonly(self.elevation_m, np.float64)
        c = _readonly(self.terrain_class, np.uint8)
        if z.ndim != 2 or z.shape[0] < 2 or z.shape[1] < 2:
            raise ValueError(f"elevation grid must be 2-D with at least 2x2 nodes, got shape {z.shape}")
        if c.shape != z.shape:
            raise ValueError(f"terrain_class shape {c.shape} differs from elevation shape {z.shape}")
        if not np.all(np.isfinite(z)):
            raise ValueError("elevation grid has non-finite values")
        if not self.cell_m > 0.0:
            raise ValueError(f"cell_m must be positive, got {self.cell_m}")
        obstacles = _readonly(self.obstacles, np.float64).reshape(-1, 4)
        crossings = _readonly(self.crossings_xy, np.float64).reshape(-1, 2)
        if len(self.crossing_ids) != len(crossings):
            raise ValueError("crossing_ids and crossings_xy differ in length")
        gy, gx = np.gradient(z, self.cell_m)
        object.__setattr__(self, "elevation_m", z)
        object.__setattr__(self, "terrain_class", c)
        object.__setattr__(self, "obstacles", obstacles)
        object.__setattr__(self, "crossings_xy", crossings)
        object.__setattr__(self, "slope_grid", _readonly(np.hypot(gx, gy), np.float64))
        object.__setattr__(self, "segment_grid", SegmentGrid.of(obstacles))

    @cached_property
    def ground_grid(self) -> GroundGrid:
        """The class and slope grids as compiled movement takes them (built once)."""
        return GroundGrid(self.terrain_class, self.slope_grid, self.x0_m, self.y0_m, self.cell_m)

    # ------------------------------------------------------------------------------------- constructors

    @classmethod
    def flat(
        cls,
        width_m: float,
        height_m: float,
        *,
        cell_m: float = 100.0,
        elevation_m: float = 0.0,
        terrain_class: int = PLAIN,
        x0_m: float = 0.0,
        y0_m: float = 0.0,
    ) -> Terrain:
        """Level ground of one class, for scenarios without geodata."""
        nx = max(2, int(np.ceil(width_m / cell_m)) + 1)
        ny = max(2, int(np.ceil(height_m / cell_m)) + 1)
        return cls(
            elevation_m=np.full((ny, nx), float(elevation_m)),
            terrain_class=np.full((ny, nx), terrain_class, dtype=np.uint8),
            cell_m=float(cell_m),
            x0_m=x0_m,
            y0_m=y0_m,
        )

    # ------------------------------------------------------------------------------------- grid lookups

    @property
    def shape(self) -> tuple[int, int]:
        """(ny, nx): number of grid nodes north-south and east-west."""
        return (int(self.elevation_m.shape[0]), int(self.elevation_m.shape[1]))

    @property
    def extent_m(self) -> tuple[float, float, float, float]:
        """(x_min, y_min, x_max, y_max) of the grid nodes, metres."""
        ny, nx = self.shape
        return (self.x0_m, self.y0_m, self.x0_m + (nx - 1) * self.cell_m, self.y0_m + (ny - 1) * self.cell_m)

    def _fractional_index(self, x: ArrayLike, y: ArrayLike) -> tuple[_FloatArray, _FloatArray]:
        ny, nx = self.shape
        fx = np.clip((np.asarray(x, dtype=np.float64) - self.x0_m) / self.cell_m, 0.0, nx - 1.0)
        fy = np.clip((np.asarray(y, dtype=np.float64) - self.y0_m) / self.cell_m, 0.0, ny - 1.0)
        return np.broadcast_arrays(fx, fy)  # type: ignore[return-value]

    def _bilinear(self, grid: _FloatArray, x: ArrayLike, y: ArrayLike) -> _FloatArray:
        fx, fy = self._fractional_index(x, y)
        ny, nx = self.shape
        j0 = np.minimum(fx.astype(np.intp), nx - 2)
        i0 = np.minimum(fy.astype(np.intp), ny - 2)
        tx = fx - j0
        ty = fy - i0
        south = grid[i0, j0] * (1.0 - tx) + grid[i0, j0 + 1] * tx
        north = grid[i0 + 1, j0] * (1.0 - tx) + grid[i0 + 1, j0 + 1] * tx
        result: _FloatArray = south * (1.0 - ty) + north * ty
        return result

    def elevation_at(self, x: ArrayLike, y: ArrayLike) -> _FloatArray:
        """Ground elevation (m) at points (x, y), bilinear between nodes."""
        return self._bilinear(self.elevation_m, x, y)

    def slope_at(self, x: ArrayLike, y: ArrayLike) -> _FloatArray:
        """Ground slope at points (x, y) as rise over run (dimensionless; 0.1 is 10 %, about 5.7 degrees)."""
        return self._bilinear(self.slope_grid, x, y)

    def terrain_class_at(self, x: ArrayLike, y: ArrayLike) -> NDArray[np.uint8]:
        """Terrain class code at points (x, y), from the nearest node; names in TERRAIN_CLASS_NAMES."""
        fx, fy = self._fractional_index(x, y)
        result: NDArray[np.uint8] = self.terrain_class[
            np.rint(fy).astype(np.intp), np.rint(fx).astype(np.intp)
        ]
        return result

    # ------------------------------------------------------------------------------------- line of sight

    def line_of_sight(
        self,
        ax: ArrayLike,
        ay: ArrayLike,
        ah: ArrayLike,
        bx: ArrayLike,
        by: ArrayLike,
        bh: ArrayLike,
        *,
        samples: int = 64,
        earth_curvature: bool = True,
    ) -> NDArray[np.bool_]:
        """Whether an eye ``ah`` metres above the ground at (ax, ay) sees a point ``bh`` above (bx, by).

        The sight line is tested against the ground at ``samples`` points equally spaced strictly between
        the ends; it is blocked where the ground rises above it. With ``earth_curvature`` the sight line is
        lowered by d_a * d_b / (2 R_eff) (R_eff: 4/3 of the earth's radius). The result is exactly
        symmetric: swapping the two ends gives the same answer. Inputs broadcast together.
        """
        if samples < 1:
            raise ValueError(f"samples must be at least 1, got {samples}")
        arrays = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (ax, ay, ah, bx, by, bh)))
        shape = arrays[0].shape
        # Copies: numba must not be handed the read-only views that broadcast_arrays returns.
        flat = [np.array(a.reshape(-1), dtype=np.float64) for a in arrays]
        out = np.empty(flat[0].shape, dtype=bool)
        xa, ya, ha, xb, yb, hb = flat
        curvature = EFFECTIVE_EARTH_RADIUS_M if earth_curvature else 0.0
        grid = SightGrid(self.elevation_m, self.x0_m, self.y0_m, self.cell_m, samples, curvature)
        _sight_lines(grid, xa, ya, ha, xb, yb, hb, out)
        return out.reshape(shape)

    # ------------------------------------------------------------------------------------- obstacles

    def crosses_obstacle(
        self,
        ax: ArrayLike,
        ay: ArrayLike,
        bx: ArrayLike,
        by: ArrayLike,
        *,
        crossing_radius_m: float = CROSSING_RADIUS_M,
    ) -> NDArray[np.bool_]:
        """Whether the straight move from (ax, ay) to (bx, by) crosses an obstacle away from any crossing.

        A move that cuts an obstacle segment within ``crossing_radius_m`` of a named crossing is allowed
        (it uses the bridge, ferry or ford); pass 0 to report every cut. Inputs broadcast together.
        """
        arrays = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (ax, ay, bx, by)))
        shape = arrays[0].shape
        xa, ya, xb, yb = (np.ascontiguousarray(a.reshape(-1)) for a in arrays)
        out = np.zeros(xa.shape, dtype=bool)
        if len(self.obstacles) == 0:
            return out.reshape(shape)
        crossings = self.crossings_xy if crossing_radius_m > 0.0 else np.zeros((0, 2))
        crossings = np.ascontiguousarray(crossings, dtype=np.float64)
        _moves_cut(self.segment_grid, crossings, float(crossing_radius_m), xa, ya, xb, yb, out)
        return out.reshape(shape)

    def nearest_crossing(self, x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.intp], _FloatArray]:
        """Index (into ``crossing_ids``) of the nearest crossing to each point, and its distance in metres.

        Raises ValueError if this terrain has no crossings.
        """
        if len(self.crossings_xy) == 0:
            raise ValueError("this terrain has no crossings")
        px, py = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
        d = np.hypot(px[..., None] - self.crossings_xy[:, 0], py[..., None] - self.crossings_xy[:, 1])
        idx = np.argmin(d, axis=-1)
        return idx, np.take_along_axis(d, idx[..., None], axis=-1)[..., 0]


# ------------------------------------------------------------------------------------- compiled loops


@jit
def bilinear_at(z: _FloatArray, x0: float, y0: float, cell: float, x: float, y: float) -> float:
    """Bilinear value of the node grid ``z`` (a :class:`Terrain`'s elevation or slope grid, with its origin
    and cell size) at one point, clamped to the grid: the arithmetic of :meth:`Terrain.elevation_at`."""
    ny, nx = z.shape
    fx = min(max((x - x0) / cell, 0.0), nx - 1.0)
    fy = min(max((y - y0) / cell, 0.0), ny - 1.0)
    j0 = min(int(fx), nx - 2)
    i0 = min(int(fy), ny - 2)
    tx = fx - j0
    ty = fy - i0
    south = z[i0, j0] * (1.0 - tx) + z[i0, j0 + 1] * tx
    north = z[i0 + 1, j0] * (1.0 - tx) + z[i0 + 1, j0 + 1] * tx
    return float(south * (1.0 - ty) + north * ty)


@jit
def class_code_at(classes: NDArray[np.uint8], x0: float, y0: float, cell: float, x: float, y: float) -> int:
    """Terrain class code at one point, from the nearest node (as :meth:`Terrain.terrain_class_at`)."""
    ny, nx = classes.shape
    fx = min(max((x - x0) / cell, 0.0), nx - 1.0)
    fy = min(max((y - y0) / cell, 0.0), ny - 1.0)
    return int(classes[int(np.rint(fy)), int(np.rint(fx))])


@jit
def _sight_lines(
    grid: SightGrid,
    ax: _FloatArray,
    ay: _FloatArray,
    ah: _FloatArray,
    bx: _FloatArray,
    by: _FloatArray,
    bh: _FloatArray,
    out: NDArray[np.bool_],
) -> None:
    """Line of sight for each pair (see :meth:`Terrain.line_of_sight`); ``earth_radius`` 0 for a flat earth.

    Sample k of n lies at weights (n + 1 - k) / (n + 1) and k / (n + 1) of the two ends, so swapping the ends
    visits the same points with the same arithmetic: the answer is exactly symmetric.
    """
    z, x0, y0, cell, samples, earth_radius = grid
    for p in range(ax.shape[0]):
        out[p] = sight_line_clear(
            z, x0, y0, cell, ax[p], ay[p], ah[p], bx[p], by[p], bh[p], samples, earth_radius
        )


@jit
def sight_line_clear(
    z: _FloatArray,
    x0: float,
    y0: float,
    cell: float,
    xa: float,
    ya: float,
    ha: float,
    xb: float,
    yb: float,
    hb: float,
    samples: int,
    earth_radius: float,
) -> bool:
    """One sight line of :func:`_sight_lines`, for compiled callers (grid arguments as there)."""
    n1 = samples + 1.0
    za = bilinear_at(z, x0, y0, cell, xa, ya) + ha
    zb = bilinear_at(z, x0, y0, cell, xb, yb) + hb
    dist = np.hypot(xb - xa, yb - ya)
    # No early exit: most lines are clear, and without one the compiler vectorises the samples (2x faster).
    blocked = False
    for k in range(1, samples + 1):
        w_b = k / n1
        w_a = (n1 - k) / n1
        sight = w_a * za + w_b * zb
        if earth_radius > 0.0:
            sight = sight - (w_b * dist) * (w_a * dist) / (2.0 * earth_radius)
        blocked |= bilinear_at(z, x0, y0, cell, w_a * xa + w_b * xb, w_a * ya + w_b * yb) > sight
    return not blocked


@jit
def grid_cell(v: float, origin: float, per_m: float, n: int) -> int:
    """Index along one axis of the :class:`SegmentGrid` cell holding coordinate ``v`` (clamped to 0 .. n - 1).

    Non-decreasing in ``v``: the cells an interval touches run from that of its low end to that of its high.
    """
    f = math.floor((v - origin) * per_m)
    if not f > 0.0:  # also NaN
        return 0
    if f >= n - 1.0:
        return n - 1
    return int(f)


@jit
def _file_segments(
    segments: _FloatArray, x0: float, y0: float, per_m: float, nx: int, ny: int
) -> tuple[NDArray[np.int64], _FloatArray]:
    """(start, filed) of a :class:`SegmentGrid`: each segment copied into every cell its bounding box touches,
    cells in row-major order."""
    box = np.empty((segments.shape[0], 4), dtype=np.int64)  # j0, j1, i0, i1
    counts = np.zeros(ny * nx + 1, dtype=np.int64)
    for k in range(segments.shape[0]):
        box[k, 0] = grid_cell(min(segments[k, 0], segments[k, 2]), x0, per_m, nx)
        box[k, 1] = grid_cell(max(segments[k, 0], segments[k, 2]), x0, per_m, nx)
        box[k, 2] = grid_cell(min(segments[k, 1], segments[k, 3]), y0, per_m, ny)
        box[k, 3] = grid_cell(max(segments[k, 1], segments[k, 3]), y0, per_m, ny)
        for i in range(box[k, 2], box[k, 3] + 1):
            for j in range(box[k, 0], box[k, 1] + 1):
                counts[i * nx + j + 1] += 1
    offsets = np.cumsum(counts)
    filed = np.empty((offsets[-1], 4))
    fill = offsets[:-1].copy()
    for k in range(segments.shape[0]):
        for i in range(box[k, 2], box[k, 3] + 1):
            for j in range(box[k, 0], box[k, 1] + 1):
                for v in range(4):  # element by element: a row copy compiles numba's shape check
                    filed[fill[i * nx + j], v] = segments[k, v]
                fill[i * nx + j] += 1
    start = np.empty((ny, nx + 1), dtype=np.int64)
    for i in range(ny):
        for j in range(nx + 1):
            start[i, j] = offsets[i * nx + j]
    return start, filed


@jit_without_refcounts
def _any_cut(
    table: _FloatArray,
    first: int | np.int64,
    stop: int,
    ax: float,
    ay: float,
    bx: float,
    by: float,
    crossings: _FloatArray,
    radius: float,
) -> bool:
    """Whether the move a -> b cuts one of the segments ``table[first:stop]`` away from the crossings (the
    test of :func:`move_cuts`)."""
    rx, ry = bx - ax, by - ay
    lo_x, hi_x = min(ax, bx) - 1.0, max(ax, bx) + 1.0
    lo_y, hi_y = min(ay, by) - 1.0, max(ay, by) + 1.0
    for k in range(first, stop):
        q1x, q1y, q2x, q2y = table[k, 0], table[k, 1], table[k, 2], table[k, 3]
        if max(q1x, q2x) < lo_x or min(q1x, q2x) > hi_x or max(q1y, q2y) < lo_y or min(q1y, q2y) > hi_y:
            continue
        sx, sy = q2x - q1x, q2y - q1y
        denom = rx * sy - ry * sx
        if denom == 0.0:
            continue
        qpx, qpy = q1x - ax, q1y - ay
        t = (qpx * sy - qpy * sx) / denom
        u = (qpx * ry - qpy * rx) / denom
        if not (t >= 0.0 and t <= 1.0 and u >= 0.0 and u <= 1.0):
            continue
        ix = ax + t * rx
        iy = ay + t * ry
        near = False
        for c in range(crossings.shape[0]):
            if np.hypot(ix - crossings[c, 0], iy - crossings[c, 1]) <= radius:
                near = True
                break
        if not near:
            return True
    return False


@jit_without_refcounts
def move_cuts(
    segments: _FloatArray,
    grid_x0: float,
    grid_y0: float,
    grid_per_m: float,
    start: NDArray[np.int64],
    filed: _FloatArray,
    crossings: _FloatArray,
    radius: float,
    ax: float,
    ay: float,
    bx: float,
    by: float,
) -> bool:
    """Whether the move a -> b cuts an obstacle segment farther than ``radius`` from every crossing.

    A segment cuts the move where the move's parameter t and the segment's u are both in [0, 1] (from the
    two cross products); segments whose bounding box misses the move's (widened by 1 m) are skipped. Only
    the segments filed in the grid cells the move's box touches are tested (every segment whose box meets
    the move's is filed in one of them), or every segment when that is fewer: either way the answer is that
    of a test of every segment. ``segments`` and the grid (origin, cells per metre, ``start``, ``filed``) are
    those of a :class:`SegmentGrid`; pass no crossings to report every cut.
    """
    ny, nx = start.shape[0], start.shape[1] - 1
    j0 = grid_cell(min(ax, bx) - 1.0, grid_x0, grid_per_m, nx)
    j1 = grid_cell(max(ax, bx) + 1.0, grid_x0, grid_per_m, nx)
    i0 = grid_cell(min(ay, by) - 1.0, grid_y0, grid_per_m, ny)
    i1 = grid_cell(max(ay, by) + 1.0, grid_y0, grid_per_m, ny)
    tests = 0
    for i in range(i0, i1 + 1):
        tests += start[i, j1 + 1] - start[i, j0]
    if tests > segments.shape[0]:
        return _any_cut(segments, np.int64(0), segments.shape[0], ax, ay, bx, by, crossings, radius)
    if tests > 0:
        for i in range(i0, i1 + 1):
            first, stop = start[i, j0], start[i, j1 + 1]
            if stop > first and _any_cut(filed, first, stop, ax, ay, bx, by, crossings, radius):
                return True
    return False


@jit
def _moves_cut(
    grid: SegmentGrid,
    crossings: _FloatArray,
    radius: float,
    ax: _FloatArray,
    ay: _FloatArray,
    bx: _FloatArray,
    by: _FloatArray,
    out: NDArray[np.bool_],
) -> None:
    """:func:`move_cuts` for each move a -> b."""
    segments, grid_x0, grid_y0, grid_per_m, start, filed = grid
    for p in range(ax.shape[0]):
        a_x, a_y, b_x, b_y = ax[p], ay[p], bx[p], by[p]
        out[p] = move_cuts(
            segments, grid_x0, grid_y0, grid_per_m, start, filed, crossings, radius, a_x, a_y, b_x, b_y
        )


# ------------------------------------------------------------------------------------- builders


def _metric_grid(
    projection: LocalProjection, west: float, south: float, east: float, north: float, cell_m: float
) -> tuple[float, float, _FloatArray, _FloatArray]:
    """Node coordinates (x0, y0, lat, lon grids) of a metric grid covering a lon/lat box."""
    t = np.linspace(0.0, 1.0, 33)
    along_lat = south + (north - south) * t
    along_lon = west + (east - west) * t
    # The largest axis-aligned rectangle inside the projected box, so that every node has data.
    x0 = float(np.max(projection.to_xy(along_lat, west)[0]))
    x1 = float(np.min(projection.to_xy(along_lat, east)[0]))
    y0 = float(np.max(projection.to_xy(south, along_lon)[1]))
    y1 = float(np.min(projection.to_xy(north, along_lon)[1]))
    nx = int(np.floor((x1 - x0) / cell_m)) + 1
    ny = int(np.floor((y1 - y0) / cell_m)) + 1
    gx, gy = np.meshgrid(x0 + np.arange(nx) * cell_m, y0 + np.arange(ny) * cell_m)
    lat, lon = projection.to_latlon(gx, gy)
    return x0, y0, lat, lon


def terrain_from_geodata(
    geodata: Geodata,
    *,
    projection: LocalProjection | None = None,
    cell_m: float = 500.0,
) -> Terrain:
    """The terrain of a geodata set on a ``cell_m`` metric grid in ``projection`` (default: the set's own).

    Elevation is resampled bilinearly from the set's elevation grid, classes from its class raster (nearest
    cell), obstacles are the lines marked ``obstacle`` and crossings the set's bridges, ferries and fords.
    """
    if geodata.elevation is None:
        raise InputError(f"geodata '{geodata.name}' has no elevation layer", path="layers.elevation")
    proj = projection or geodata.projection()
    b = geodata.bounds
    x0, y0, lat, lon = _metric_grid(proj, b.west, b.south, b.east, b.north, cell_m)
    z = geodata.elevation.sample_bilinear(lat, lon)
    if geodata.terrain_classes is not None:
        classes = np.asarray(geodata.terrain_classes.sample_nearest(lat, lon), dtype=np.uint8)
    else:
        gy, gx = np.gradient(z, cell_m)
        classes = classify_terrain(z, np.hypot(gx, gy))
    segments = []
    for line in geodata.lines.values():
        if line.is_obstacle:
            for part in line.to_xy(proj):
                segments.append(np.column_stack([part[:-1], part[1:]]))
    crossings = geodata.crossings()
    cx, cy = proj.to_xy([p.lat for p in crossings.values()], [p.lon for p in crossings.values()])
    return Terrain(
        elevation_m=z,
        terrain_class=classes,
        cell_m=cell_m,
        x0_m=x0,
        y0_m=y0,
        obstacles=np.vstack(segments) if segments else np.zeros((0, 4)),
        crossings_xy=np.column_stack([cx, cy]).reshape(-1, 2),
        crossing_ids=tuple(crossings),
        projection=proj,
    )


def load_geotiff_dem(
    path: str | Path,
    *,
    projection: LocalProjection | None = None,
    cell_m: float | None = None,
) -> Terrain:
    """A terrain from a single-band elevation GeoTIFF (SRTM, Copernicus DEM, ...), read with rasterio.

    A geographic (longitude/latitude) file is resampled to a metric grid in ``projection`` (default: centred
    on the file), ``cell_m`` apart (default: the file's cell size in metres, rounded). A projected file in
    metres is used on its own grid, north up. Classes come from elevation and slope only (no water).
    rasterio is an optional dependency (``pip install 'drillsim[geo]'``).
    """
    try:
        import rasterio  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError as exc:
        raise UserError(
            "reading a GeoTIFF needs the optional dependency rasterio: pip install 'drillsim[geo]' "
            "(or pip install rasterio)"
        ) from exc
    from rasterio.errors import RasterioError  # type: ignore[import-untyped,import-not-found,unused-ignore]

    where = Location(str(path))
    if not Path(path).is_file():
        raise InputError(
            "no such GeoTIFF file", location=where, expected="an elevation GeoTIFF", found="nothing"
        )
    try:
        with rasterio.open(path) as src:
            if src.count < 1:
                raise InputError("the file has no raster band", location=where)
            band = src.read(1, masked=True).astype(np.float64)
            transform = src.transform
            crs = src.crs
    except RasterioError as exc:
        raise InputError(f"cannot read the file as a GeoTIFF: {exc}", location=where) from exc
    values = np.ma.filled(band, np.nan)
    if not np.any(np.isfinite(values)):
        raise InputError("the elevation band holds no data", location=where)
    if transform.b != 0.0 or transform.d != 0.0:
        raise InputError("rotated rasters are not supported", location=where, expected="a north-up GeoTIFF")
    # Voids (no-data cells) take the lowest valid elevation of the tile.
    values = np.where(np.isfinite(values), values, np.nanmin(values))
    if crs is None:
        raise InputError("the GeoTIFF has no coordinate reference system", location=where)
    if crs.is_geographic:
        from drillsim.geo.geodata import GeoGrid

        west, dlon, north, dlat = transform.c, transform.a, transform.f, transform.e
        ny, nx = values.shape
        east, south = west + nx * dlon, north + ny * dlat
        proj = projection or LocalProjection((north + south) / 2.0, (west + east) / 2.0)
        if cell_m is None:
            cell_m = max(1.0, round(abs(dlat) * 111_320.0))
        grid = GeoGrid(values=values, transform=(west, dlon, 0.0, north, 0.0, dlat))
        x0, y0, lat, lon = _metric_grid(proj, west, south, east, north, cell_m)
        z = grid.sample_bilinear(lat, lon)
        if z.shape[0] < 2 or z.shape[1] < 2:
            raise InputError(
                "the GeoTIFF is smaller than two cells", location=where, expected=f"cell_m < {cell_m}"
            )
        gy, gx = np.gradient(z, cell_m)
        return Terrain(z, classify_terrain(z, np.hypot(gx, gy)), cell_m, x0, y0, projection=proj)
    if crs.linear_units not in ("metre", "meter", "m"):
        raise InputError(
            "unsupported coordinate reference system",
            location=where,
            expected="geographic (EPSG:4326) or projected in metres",
            found=str(crs),
        )
    if abs(abs(transform.a) - abs(transform.e)) > 1e-6 * abs(transform.a):
        raise InputError("cells are not square", location=where, expected="square cells")
    step = abs(float(transform.a))
    z = values[::-1, :] if transform.e < 0 else values  # rows south to north
    y_first = (
        transform.f + (values.shape[0] - 0.5) * transform.e if transform.e < 0 else transform.f + 0.5 * step
    )
    x_first = transform.c + 0.5 * step
    gy, gx = np.gradient(z, step)
    return Terrain(z, classify_terrain(z, np.hypot(gx, gy)), step, x_first, y_first, projection=projection)
