"""Compiled geometry of zones made of polygons: containment, where a straight move first enters, distance.

A zone is one or more simple polygons laid end to end: vertices ``vx``, ``vy``; polygon ``p`` is
``start[p]:start[p + 1]`` and belongs to zone ``owner[p]`` (see :class:`drillsim.world.obstacles.ZoneTable`).
Containment is the even-odd rule; a point on an edge may count either way.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from drillsim.core.compiled import jit

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@jit
def in_zone(
    vx: FloatArray, vy: FloatArray, start: IntArray, owner: IntArray, zone: int, x: float, y: float
) -> bool:
    """Whether (x, y) is inside any polygon of ``zone`` (even-odd rule per polygon)."""
    for p in range(owner.shape[0]):
        if owner[p] != zone:
            continue
        a0, a1 = start[p], start[p + 1]
        inside = False
        j = a1 - 1
        for i in range(a0, a1):
            yi, yj = vy[i], vy[j]
            if (yi > y) != (yj > y):
                at = vx[i] + (y - yi) * (vx[j] - vx[i]) / (yj - yi)
                if x < at:
                    inside = not inside
            j = i
        if inside:
            return True
    return False


@jit
def first_entry(
    vx: FloatArray,
    vy: FloatArray,
    start: IntArray,
    owner: IntArray,
    zone: int,
    ax: float,
    ay: float,
    bx: float,
    by: float,
) -> float:
    """The fraction t in [0, 1] of the move a -> b at which it first enters ``zone`` (0 when a is inside),
    +inf when it never does."""
    if in_zone(vx, vy, start, owner, zone, ax, ay):
        return 0.0
    best = np.inf
    dx, dy = bx - ax, by - ay
    for p in range(owner.shape[0]):
        if owner[p] != zone:
            continue
        a0, a1 = start[p], start[p + 1]
        j = a1 - 1
        for i in range(a0, a1):
            ex, ey = vx[i] - vx[j], vy[i] - vy[j]
            den = dx * ey - dy * ex
            if den != 0.0:
                wx, wy = vx[j] - ax, vy[j] - ay
                t = (wx * ey - wy * ex) / den
                u = (wx * dy - wy * dx) / den
                if 0.0 <= t <= 1.0 and 0.0 <= u <= 1.0 and t < best:
                    best = t
            j = i
    return best


@jit
def zone_distance(
    vx: FloatArray, vy: FloatArray, start: IntArray, owner: IntArray, zone: int, x: float, y: float
) -> float:
    """Distance in metres from (x, y) to ``zone`` (0 inside)."""
    if in_zone(vx, vy, start, owner, zone, x, y):
        return 0.0
    best = np.inf
    for p in range(owner.shape[0]):
        if owner[p] != zone:
            continue
        a0, a1 = start[p], start[p + 1]
        j = a1 - 1
        for i in range(a0, a1):
            ex, ey = vx[i] - vx[j], vy[i] - vy[j]
            len2 = ex * ex + ey * ey
            t = 0.0 if len2 <= 0 else ((x - vx[j]) * ex + (y - vy[j]) * ey) / len2
            t = min(max(t, 0.0), 1.0)
            d = math.hypot(vx[j] + t * ex - x, vy[j] + t * ey - y)
            best = min(best, d)
            j = i
    return best
