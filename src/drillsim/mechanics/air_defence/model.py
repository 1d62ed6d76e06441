"""The formulas of air defence (docs/mechanics/air-defence.md).

An air-defence weapon engages an aircraft at slant range ``r`` and height ``h`` above the ground only
inside its envelope, ``r_min <= r <= r_max`` and ``h_min <= h <= h_max``. Seen from above, the envelope at
height ``h`` is a disc about the weapon (the threat ring) of ground radius ``sqrt(r_max**2 - h**2)``, and
nothing where ``h`` is outside the height band or above ``r_max``. One engagement brings the aircraft down
with probability ``p_kill``, damages it with ``p_damage``, and misses otherwise.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

MISSED = 0
DAMAGED = 1
KILLED = 2
RESULTS = ("missed", "damaged", "killed")

SIGHTING_RANGE_FACTOR: dict[str, float] = {
    "rotary": 3.0,
    "jet": 3.0,
    "propeller": 2.5,
    "small-uav": 1.0,
}
"""Multiplier on a ground sensor's ``range_scale_m`` and ``max_range_m`` when it looks for an aircraft of
each signature class: an aircraft against the sky, and a helicopter by its noise, is noticed much farther
away than a group on the ground (drillsim assumption, confidence low; a small drone is as hard to see as a
ground target)."""

RING_MARGIN_M = 200.0
"""An aircraft keeping out of a threat ring stays this far outside its edge (drillsim assumption)."""


def in_envelope(
    slant_m: ArrayLike,
    height_m: ArrayLike,
    *,
    min_range_m: ArrayLike,
    max_range_m: ArrayLike,
    min_altitude_m: ArrayLike,
    max_altitude_m: ArrayLike,
) -> BoolArray:
    """Whether an aircraft at this slant range and height is inside the weapon's envelope."""
    r, h, rmin, rmax, hmin, hmax = (
        np.asarray(v, dtype=np.float64)
        for v in (slant_m, height_m, min_range_m, max_range_m, min_altitude_m, max_altitude_m)
    )
    return np.asarray((r >= rmin) & (r <= rmax) & (h >= hmin) & (h <= hmax))


def ring_radius(
    height_m: ArrayLike, *, max_range_m: ArrayLike, min_altitude_m: ArrayLike, max_altitude_m: ArrayLike
) -> FloatArray:
    """Ground radius of the threat ring at an aircraft's height: ``sqrt(r_max**2 - h**2)`` inside the
    height band, 0 outside it (the aircraft is safe from that weapon at any distance)."""
    h, rmax, hmin, hmax = (
        np.asarray(v, dtype=np.float64) for v in (height_m, max_range_m, min_altitude_m, max_altitude_m)
    )
    inside = (h >= hmin) & (h <= hmax) & (h < rmax)
    return np.where(inside, np.sqrt(np.maximum(rmax * rmax - h * h, 0.0)), 0.0)


def engagement_result(u: ArrayLike, *, p_kill: ArrayLike, p_damage: ArrayLike) -> IntArray:
    """Outcome of engagements from uniforms ``u``: :data:`KILLED` if ``u < p_kill``, :data:`DAMAGED` if
    ``u < p_kill + p_damage``, else :data:`MISSED`."""
    uu = np.asarray(u, dtype=np.float64)
    pk = np.asarray(p_kill, dtype=np.float64)
    pd = np.asarray(p_damage, dtype=np.float64)
    return np.where(uu < pk, KILLED, np.where(uu < pk + pd, DAMAGED, MISSED)).astype(np.int64)


def push_out_of_rings(
    x: FloatArray, y: FloatArray, cx: FloatArray, cy: FloatArray, radius: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Positions (x, y) moved radially out to ``radius + RING_MARGIN_M`` from each ring centre (cx, cy)
    they are inside, rings taken in order; rings of radius 0 are ignored. ``x``, ``y``: (P,); ``cx``,
    ``cy``, ``radius``: (P, A)."""
    px = np.array(x, dtype=np.float64)
    py = np.array(y, dtype=np.float64)
    for a in range(radius.shape[1]):
        keep = radius[:, a] + RING_MARGIN_M
        dx = px - cx[:, a]
        dy = py - cy[:, a]
        d = np.hypot(dx, dy)
        inside = (radius[:, a] > 0) & (d < keep)
        if not inside.any():
            continue
        # At the centre itself, leave northwards (any direction would do; this one is fixed).
        ux = np.where(d > 0, dx / np.maximum(d, 1e-9), 0.0)
        uy = np.where(d > 0, dy / np.maximum(d, 1e-9), 1.0)
        px = np.where(inside, cx[:, a] + ux * keep, px)
        py = np.where(inside, cy[:, a] + uy * keep, py)
    return px, py
