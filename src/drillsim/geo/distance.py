"""Signed distance to a polyline, precomputed on a grid for fast lookups of many points.

The sign tells which side of the line a point is on (positive on the left, walking along the line); the
magnitude is the distance to the nearest segment. Measures such as "depth of penetration past the border"
ask this for every element every step, so the distance is tabulated once on a regular grid and read by
bilinear interpolation: the error is at most about half a cell diagonal near the line's corners, and much
less along straight stretches.

:func:`within` is the exact "no farther than" test of compiled passes that try many pairs.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from drillsim.core.compiled import jit, jit_inline
from drillsim.geo.terrain import bilinear_at

FloatArray = NDArray[np.float64]

SQUARED_SLACK = 1.0 + 1e-9
"""A squared distance this much above a squared radius (or another point's squared distance) cannot be within
it (or nearer) by ``math.hypot``: the rounding of dx² + dy² and of the other square is a few parts in 1e16,
so the cheap test never rejects a point hypot would accept."""


@jit_inline
def within(dx: float, dy: float, radius: float) -> bool:
    """``math.hypot(dx, dy) <= radius`` as compiled code computes it (the C library's hypot, as numpy's), the
    same answer for every input (NaN and infinities included), with hypot computed only when the squared
    distance is near the squared radius: most pairs a pass tries are far apart, and hypot costs several
    times a product."""
    if dx * dx + dy * dy > radius * radius * SQUARED_SLACK:
        return False
    return math.hypot(dx, dy) <= radius


def signed_offsets(px: ArrayLike, py: ArrayLike, line: FloatArray) -> FloatArray:
    """Exact signed distance of points from a polyline ((k, 2) vertices), positive on the line's left."""
    x, y = np.broadcast_arrays(np.asarray(px, dtype=np.float64), np.asarray(py, dtype=np.float64))
    out = np.empty(x.size)
    _signed_offsets(
        np.ascontiguousarray(x).ravel(),
        np.ascontiguousarray(y).ravel(),
        np.ascontiguousarray(line, dtype=np.float64),
        out,
    )
    return out.reshape(x.shape)


@jit
def _signed_offsets(px: FloatArray, py: FloatArray, line: FloatArray, out: FloatArray) -> None:
    """:func:`signed_offsets` of flat points: per point, the nearest segment (the first of equals), the
    distance to it and the side of it from the cross product.

    Each point starts from the segment nearest the point before (neighbouring grid points share it), and
    skips segments whose bounding box is farther than the best distance so far."""
    n_seg = line.shape[0] - 1
    lo_x = np.minimum(line[:-1, 0], line[1:, 0])
    hi_x = np.maximum(line[:-1, 0], line[1:, 0])
    lo_y = np.minimum(line[:-1, 1], line[1:, 1])
    hi_y = np.maximum(line[:-1, 1], line[1:, 1])
    guess = 0
    for p in range(px.shape[0]):
        x = px[p]
        y = py[p]
        best = np.inf
        best_k = n_seg
        for step in range(n_seg + 1):
            k = guess if step == 0 else step - 1
            if step > 0 and k == guess:
                continue
            gap_x = max(lo_x[k] - x, 0.0, x - hi_x[k])
            gap_y = max(lo_y[k] - y, 0.0, y - hi_y[k])
            if gap_x * gap_x + gap_y * gap_y > best * best * (1.0 + 1e-9):  # surely farther than the best
                continue
            d = _segment_distance(line, k, x, y)
            if d < best or (d == best and k < best_k):
                best = d
                best_k = k
        if best_k < n_seg:
            guess = best_k
            ax = line[best_k, 0]
            ay = line[best_k, 1]
            cross = (line[best_k + 1, 0] - ax) * (y - ay) - (line[best_k + 1, 1] - ay) * (x - ax)
            out[p] = np.sign(cross) * best
        else:
            out[p] = np.nan  # no segment (a line of one vertex) or NaN coordinates


@jit
def _segment_distance(line: FloatArray, k: int, x: float, y: float) -> float:
    """Distance from (x, y) to segment k of ``line`` (its nearest point, clamped to the segment)."""
    ax = line[k, 0]
    ay = line[k, 1]
    vx = line[k + 1, 0] - ax
    vy = line[k + 1, 1] - ay
    length2 = max(vx * vx + vy * vy, 1e-12)
    t = min(max(((x - ax) * vx + (y - ay) * vy) / length2, 0.0), 1.0)
    return float(np.hypot(x - (ax + t * vx), y - (ay + t * vy)))


def simplify_polyline(line: FloatArray, tolerance_m: float) -> FloatArray:
    """Douglas-Peucker simplification: drop vertices closer than ``tolerance_m`` to the simplified line."""
    pts = np.asarray(line, dtype=np.float64)
    if len(pts) < 3:
        return pts
    keep = np.zeros(len(pts), dtype=bool)
    keep[[0, -1]] = True
    stack = [(0, len(pts) - 1)]
    while stack:
        a, b = stack.pop()
        if b - a < 2:
            continue
        seg = pts[b] - pts[a]
        rel = pts[a + 1 : b] - pts[a]
        length = float(np.hypot(*seg))
        if length == 0.0:
            dist = np.hypot(rel[:, 0], rel[:, 1])
        else:
            dist = np.abs(seg[0] * rel[:, 1] - seg[1] * rel[:, 0]) / length
        k = int(np.argmax(dist))
        if dist[k] > tolerance_m:
            mid = a + 1 + k
            keep[mid] = True
            stack.extend([(a, mid), (mid, b)])
    return pts[keep]


FIELDS_KEPT = 8
"""How many :class:`SignedDistanceField` tables a process keeps for reuse (see its ``build``)."""
_FIELDS: OrderedDict[tuple[bytes, tuple[int, ...], tuple[float, ...], float], SignedDistanceField] = (
    OrderedDict()
)


@dataclass(frozen=True)
class SignedDistanceField:
    """Signed distance to a polyline on a grid of ``cell_m`` covering ``(x0, y0)``-``(x1, y1)``."""

    x0: float
    y0: float
    cell_m: float
    values: FloatArray

    @classmethod
    def build(
        cls, line: FloatArray, extent: tuple[float, float, float, float], *, cell_m: float = 500.0
    ) -> SignedDistanceField:
        """Tabulate the signed distance to ``line`` over ``extent`` = (x_min, y_min, x_max, y_max).

        The line is first simplified to a tenth of a cell, far below the interpolation error. A table is
        read-only: the same line, extent and cell give the same table, made once and shared (the last
        :data:`FIELDS_KEPT` kept), so the runs of a screening or an experiment do not tabulate it again.
        """
        vertices = np.ascontiguousarray(line, dtype=np.float64)
        key = (vertices.tobytes(), vertices.shape, tuple(float(v) for v in extent), float(cell_m))
        table = _FIELDS.pop(key, None)
        if table is None:
            table = cls._tabulate(vertices, extent, cell_m)
        _FIELDS[key] = table
        while len(_FIELDS) > FIELDS_KEPT:
            _FIELDS.popitem(last=False)
        return table

    @classmethod
    def _tabulate(
        cls, line: FloatArray, extent: tuple[float, float, float, float], cell_m: float
    ) -> SignedDistanceField:
        line = simplify_polyline(line, cell_m / 10.0)
        x_min, y_min, x_max, y_max = extent
        nx = max(2, int(np.ceil((x_max - x_min) / cell_m)) + 1)
        ny = max(2, int(np.ceil((y_max - y_min) / cell_m)) + 1)
        gx, gy = np.meshgrid(x_min + np.arange(nx) * cell_m, y_min + np.arange(ny) * cell_m)
        values = signed_offsets(gx.ravel(), gy.ravel(), line).reshape(ny, nx)
        # Read-only as the terrain's grids: shared between runs, and one array type for the compiled
        # :func:`bilinear_at` whichever grid it reads (a writable table compiled it a second time).
        values.setflags(write=False)
        return cls(x_min, y_min, float(cell_m), values)

    def at(self, x: ArrayLike, y: ArrayLike) -> FloatArray:
        """Signed distance at points, by bilinear interpolation (points outside take the edge values)."""
        xb, yb = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
        # Copies: numba must not be handed the read-only views that broadcast_arrays returns.
        flat_x = np.array(xb.reshape(-1), dtype=np.float64)
        flat_y = np.array(yb.reshape(-1), dtype=np.float64)
        out = np.empty(flat_x.shape)
        _field_values(self.values, self.x0, self.y0, self.cell_m, flat_x, flat_y, out)
        return out.reshape(xb.shape)


# ------------------------------------------------------------------------------------- compiled loops


@jit
def field_value(values: FloatArray, x0: float, y0: float, cell_m: float, x: float, y: float) -> float:
    """Bilinear value of a :class:`SignedDistanceField`'s table at one point (:func:`bilinear_at`, clamped
    to the grid); a NaN coordinate gives NaN."""
    if np.isnan(x) or np.isnan(y):
        return np.nan
    return bilinear_at(values, x0, y0, cell_m, x, y)


@jit
def _field_values(
    values: FloatArray, x0: float, y0: float, cell_m: float, x: FloatArray, y: FloatArray, out: FloatArray
) -> None:
    """:func:`field_value` at each point (x[p], y[p]), into ``out``."""
    for p in range(x.shape[0]):
        out[p] = field_value(values, x0, y0, cell_m, x[p], y[p])
