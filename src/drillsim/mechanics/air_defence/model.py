"""The formulas of air defence (docs/mechanics/air-defence.md).

An air-defence weapon engages an aircraft at slant range ``r`` and height ``h`` above the ground only
inside its envelope, ``r_min <= r <= r_max`` and ``h_min <= h <= h_max``. Seen from above, the envelope at
height ``h`` is a disc about the weapon (the threat ring) of ground radius ``sqrt(r_max**2 - h**2)``, and
nothing where ``h`` is outside the height band or above ``r_max``. One engagement brings the aircraft down
with probability ``p_kill``, damages it with ``p_damage``, and misses otherwise.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from drillsim.core.compiled import jit, jit_inline

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

MISSED = 0
DAMAGED = 1
KILLED = 2
RESULTS = ("missed", "damaged", "killed")

WARNING_M = 1000.0
"""An aircraft climbs, or turns away, when it comes this close to the edge of a threat ring it knows: about
15 s of flight for a helicopter (drillsim assumption)."""

RING_MARGIN_M = 200.0
"""An aircraft keeping out of a threat ring stays this far outside its edge (drillsim assumption)."""


@jit_inline
def in_envelope(
    slant_m: float,
    height_m: float,
    min_range_m: float,
    max_range_m: float,
    min_altitude_m: float,
    max_altitude_m: float,
) -> bool:
    """Whether an aircraft at this slant range and height is inside the weapon's envelope."""
    return (
        slant_m >= min_range_m
        and slant_m <= max_range_m
        and height_m >= min_altitude_m
        and height_m <= max_altitude_m
    )


@jit_inline
def ring_radius_at(
    height_m: float, max_range_m: float, min_altitude_m: float, max_altitude_m: float
) -> float:
    """Ground radius of the threat ring at an aircraft's height: ``sqrt(r_max**2 - h**2)`` inside the
    height band, 0 outside it (the aircraft is safe from that weapon at any distance)."""
    if height_m >= min_altitude_m and height_m <= max_altitude_m and height_m < max_range_m:
        return float(np.sqrt(max(max_range_m * max_range_m - height_m * height_m, 0.0)))
    return 0.0


def ring_radius(
    height_m: ArrayLike, *, max_range_m: ArrayLike, min_altitude_m: ArrayLike, max_altitude_m: ArrayLike
) -> FloatArray:
    """:func:`ring_radius_at` for arrays (broadcast together)."""
    return np.asarray(
        np.vectorize(ring_radius_at, otypes=[np.float64])(
            height_m, max_range_m, min_altitude_m, max_altitude_m
        )
    )


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


@jit
def learn_threats(
    known_live: BoolArray,
    identified: BoolArray,
    known_x: FloatArray,
    known_y: FloatArray,
    hostile: BoolArray,
    mount_elem: IntArray,
    mount_side: IntArray,
    t1: float,
    threat_t: FloatArray,
    threat_x: FloatArray,
    threat_y: FloatArray,
) -> None:
    """Each side's threat rings (R, S, A), in place, from its shared picture: a mount whose element the
    side holds as a live, identified, hostile contact is known since the first such step, at its believed
    position (``known_x``, ``known_y``: (R, S, A), each mount's position as each side believes it now)."""
    for r in range(threat_t.shape[0]):
        for side in range(threat_t.shape[1]):
            for a in range(mount_elem.shape[0]):
                e = mount_elem[a]
                if known_live[r, side, e] and identified[r, side, e] and hostile[side, mount_side[a]]:
                    threat_t[r, side, a] = min(threat_t[r, side, a], t1)
                    threat_x[r, side, a] = known_x[r, side, a]
                    threat_y[r, side, a] = known_y[r, side, a]


@jit
def rings_ahead(
    x: FloatArray,
    y: FloatArray,
    aircraft: IntArray,
    aircraft_side: IntArray,
    threat_t: FloatArray,
    threat_x: FloatArray,
    threat_y: FloatArray,
    threat_altitude_m: FloatArray,
    envelope: FloatArray,
    height: FloatArray,
    radius: FloatArray,
    close: BoolArray,
) -> None:
    """Heights and threat rings of aircraft (R, K) against the rings their side knows (R, S, A), for
    mounts of ``envelope`` (4, A: minimum and maximum slant range, minimum and maximum altitude).

    ``height`` (in place) is raised to the aircraft's threat altitude (where it has one) when it is within
    :data:`WARNING_M` of a known ring that reaches it there; ``radius`` (R, K, A) is each known ring's
    ground radius at the resulting height (0 where unknown); ``close`` marks aircraft within
    :data:`WARNING_M` of any ring's edge at that height."""
    for r in range(height.shape[0]):
        for k in range(height.shape[1]):
            e = aircraft[k]
            side = aircraft_side[k]
            h = height[r, k]
            near = False
            for a in range(envelope.shape[1]):
                if math.isfinite(threat_t[r, side, a]):
                    d = math.hypot(x[r, e] - threat_x[r, side, a], y[r, e] - threat_y[r, side, a])
                    ring = ring_radius_at(h, envelope[1, a], envelope[2, a], envelope[3, a])
                    near = near or d < ring + WARNING_M
            if near and math.isfinite(threat_altitude_m[k]):
                h = threat_altitude_m[k]
                height[r, k] = h
            any_close = False
            for a in range(envelope.shape[1]):
                ring = 0.0
                if math.isfinite(threat_t[r, side, a]):
                    ring = ring_radius_at(h, envelope[1, a], envelope[2, a], envelope[3, a])
                radius[r, k, a] = ring
                d = math.hypot(x[r, e] - threat_x[r, side, a], y[r, e] - threat_y[r, side, a])
                any_close = any_close or d < ring + WARNING_M
            close[r, k] = any_close


@jit
def sight_aircraft(
    x: FloatArray,
    y: FloatArray,
    air_altitude: FloatArray,
    aircraft: IntArray,
    mount_elem: IntArray,
    flying: BoolArray,
    ready: BoolArray,
    hostile: BoolArray,
    reach: FloatArray,
    tracking: BoolArray,
    slant: FloatArray,
    new: BoolArray,
) -> None:
    """Slant ranges (R, A, K) from each mount's element to each aircraft, and which pairs see each other:
    the mount is ready, the aircraft flying and hostile to it, and within ``reach`` (A, K). Tracks of
    pairs that no longer see each other are dropped (``tracking`` in place); ``new`` marks pairs that see
    each other without a track."""
    for r in range(tracking.shape[0]):
        for a in range(tracking.shape[1]):
            g = mount_elem[a]
            for k in range(tracking.shape[2]):
                e = aircraft[k]
                ground = math.hypot(x[r, e] - x[r, g], y[r, e] - y[r, g])
                d = math.hypot(ground, air_altitude[r, e] - 2.0)
                slant[r, a, k] = d
                sight = flying[r, k] and ready[r, a] and hostile[a, k] and d <= reach[a, k]
                new[r, a, k] = sight and not tracking[r, a, k]
                tracking[r, a, k] = tracking[r, a, k] and sight


@jit
def nearest_in_envelope(
    slant: FloatArray,
    air_altitude: FloatArray,
    aircraft: IntArray,
    tracking: BoolArray,
    loaded: BoolArray,
    envelope: FloatArray,
    best: IntArray,
) -> None:
    """Per (row, mount) with a round loaded, the nearest tracked aircraft inside its envelope (the first in
    aircraft order at equal range; -1: none), into ``best`` (R, A); ``envelope`` as for
    :func:`rings_ahead`."""
    for r in range(slant.shape[0]):
        for a in range(slant.shape[1]):
            best[r, a] = -1
            if not loaded[r, a]:
                continue
            nearest = np.inf
            for k in range(slant.shape[2]):
                d = slant[r, a, k]
                if (
                    tracking[r, a, k]
                    and in_envelope(
                        d,
                        air_altitude[r, aircraft[k]],
                        envelope[0, a],
                        envelope[1, a],
                        envelope[2, a],
                        envelope[3, a],
                    )
                    and d < nearest
                ):
                    nearest = d
                    best[r, a] = k
