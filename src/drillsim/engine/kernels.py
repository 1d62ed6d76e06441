"""Compiled inner loops of a step (numba): pair search on a grid, detection, target choice.

Each replication's targets are bucketed into a uniform grid of cells as wide as the largest radius; each
source looks only in the 3 x 3 cells around it (or, with few targets, at all of them), and visits its
candidates in target order. So the work grows with the number of elements and of close pairs, not with
the square of the elements, and pairs come out sorted by (row, source, target) whatever the batch holds.

The detection kernel fuses the pair search with the hazard of :mod:`drillsim.sensors.detection` and the
counter-based uniform of :mod:`drillsim.core.random` (the same hash, bit for bit), and returns only the
pairs that detect: most pairs within sensor range detect nothing in a given step, and never leave the
kernel.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

from drillsim.core.random import _GOLDEN, _LANES, _M1, _M2, UNIFORM_SCALE, UNIFORM_SHIFT
from drillsim.sensors.detection import glimpse_hazard

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

_KEY_STRIDE = 1 << 31
BRUTE_FORCE_TARGETS = 48
"""With this few targets in a replication, testing every pair beats building a grid."""

_U_M1 = np.uint64(_M1)
_U_M2 = np.uint64(_M2)
_U_GOLDEN = np.uint64(_GOLDEN)
_U_LANE = tuple(np.uint64(v) for v in _LANES)

jit = numba.njit(cache=True, nogil=True)


@jit  # type: ignore[misc,unused-ignore]
def _mix(z: np.uint64) -> np.uint64:
    z = (z ^ (z >> np.uint64(30))) * _U_M1
    z = (z ^ (z >> np.uint64(27))) * _U_M2
    return z ^ (z >> np.uint64(31))


@jit  # type: ignore[misc,unused-ignore]
def uniform5(seed: np.uint64, c0: np.int64, c1: np.int64, c2: np.int64, c3: np.int64, c4: np.int64) -> float:
    """``drillsim.core.random`` uniform for five coordinates, computed inside compiled code."""
    h = _mix(seed + _U_GOLDEN)
    h = _mix(h ^ (np.uint64(c0) * _U_LANE[0] + _U_GOLDEN))
    h = _mix(h ^ (np.uint64(c1) * _U_LANE[1] + _U_GOLDEN))
    h = _mix(h ^ (np.uint64(c2) * _U_LANE[2] + _U_GOLDEN))
    h = _mix(h ^ (np.uint64(c3) * _U_LANE[3] + _U_GOLDEN))
    h = _mix(h ^ (np.uint64(c4) * _U_LANE[4] + _U_GOLDEN))
    return (float(h >> np.uint64(UNIFORM_SHIFT)) + 0.5) * UNIFORM_SCALE


@jit  # type: ignore[misc,unused-ignore]
def _bucket(
    x: FloatArray,
    y: FloatArray,
    r: int,
    targets: IntArray,
    target_ok: BoolArray,
    cell: float,
    keys: IntArray,
    slot: IntArray,
) -> int:
    """Fill ``keys``/``slot`` with the grid cell and target position of row r's usable targets."""
    m = 0
    for b in range(targets.shape[0]):
        t = targets[b]
        if target_ok[r, t]:
            keys[m] = np.int64(np.floor(x[r, t] / cell)) * _KEY_STRIDE + np.int64(np.floor(y[r, t] / cell))
            slot[m] = b
            m += 1
    return m


@jit  # type: ignore[misc,unused-ignore]
def _candidates(
    sx: float,
    sy: float,
    cell: float,
    m: int,
    slot: IntArray,
    sorted_keys: IntArray,
    sorted_slot: IntArray,
    out: IntArray,
) -> int:
    """Target positions (indices into ``targets``) that may lie within one cell of (sx, sy), in order."""
    if m <= BRUTE_FORCE_TARGETS:
        for q in range(m):
            out[q] = slot[q]
        return m
    kx = np.int64(np.floor(sx / cell))
    ky = np.int64(np.floor(sy / cell))
    k = 0
    for dx in range(-1, 2):
        for dy in range(-1, 2):
            key = (kx + dx) * _KEY_STRIDE + (ky + dy)
            lo = np.searchsorted(sorted_keys, key, side="left")
            hi = np.searchsorted(sorted_keys, key, side="right")
            for p in range(lo, hi):
                out[k] = sorted_slot[p]
                k += 1
    out[:k].sort()
    return k


@jit  # type: ignore[misc,unused-ignore]
def _grid(m: int, keys: IntArray, slot: IntArray) -> tuple[IntArray, IntArray]:
    if m <= BRUTE_FORCE_TARGETS:
        return keys[:0], slot[:0]
    order = np.argsort(keys[:m], kind="mergesort")
    return keys[:m][order], slot[:m][order]


@jit  # type: ignore[misc,unused-ignore]
def scan_pairs(
    x: FloatArray,
    y: FloatArray,
    sources: IntArray,
    targets: IntArray,
    radius: FloatArray,
    source_ok: BoolArray,
    target_ok: BoolArray,
    side: IntArray,
    hostile: BoolArray,
    cell: float,
    out_r: IntArray,
    out_i: IntArray,
    out_j: IntArray,
    out_d: FloatArray,
) -> int:
    """Pairs within each source's radius between hostile sides; returns how many (fills up to capacity)."""
    nt = targets.shape[0]
    keys = np.empty(nt, dtype=np.int64)
    slot = np.empty(nt, dtype=np.int64)
    cand = np.empty(nt, dtype=np.int64)
    cap = out_r.shape[0]
    count = 0
    for r in range(x.shape[0]):
        m = _bucket(x, y, r, targets, target_ok, cell, keys, slot)
        if m == 0:
            continue
        sorted_keys, sorted_slot = _grid(m, keys, slot)
        for a in range(sources.shape[0]):
            s = sources[a]
            rad = radius[s]
            if not source_ok[r, s] or rad <= 0.0:
                continue
            k = _candidates(x[r, s], y[r, s], cell, m, slot, sorted_keys, sorted_slot, cand)
            for q in range(k):
                t = targets[cand[q]]
                if t == s or not hostile[side[s], side[t]]:
                    continue
                d = np.hypot(x[r, t] - x[r, s], y[r, t] - y[r, s])
                if d <= rad:
                    if count < cap:
                        out_r[count] = r
                        out_i[count] = s
                        out_j[count] = t
                        out_d[count] = d
                    count += 1
    return count


@jit  # type: ignore[misc,unused-ignore]
def detect_pairs(
    x: FloatArray,
    y: FloatArray,
    altitude: FloatArray,
    observers: IntArray,
    targets: IntArray,
    max_range: FloatArray,
    source_ok: BoolArray,
    target_ok: BoolArray,
    side: IntArray,
    hostile: BoolArray,
    cell: float,
    mounts: IntArray,
    m_rate: FloatArray,
    m_scale: FloatArray,
    m_max: FloatArray,
    m_los: BoolArray,
    target_factor: FloatArray,
    observer_factor: FloatArray,
    visibility: float,
    dt: float,
    seed: np.uint64,
    stream: np.int64,
    step: np.int64,
    reps: IntArray,
    out_r: IntArray,
    out_i: IntArray,
    out_j: IntArray,
    out_slant: FloatArray,
    out_best: IntArray,
    out_best_clear: IntArray,
    out_needs_los: BoolArray,
) -> int:
    """Detections of one step: every observer-target pair within range draws its uniform and is kept only
    if it detects.

    The hazard of a pair is the sum over the observer's sensor mounts of
    ``rate * exp(-(slant / scale)**2)`` (zero beyond the mount's range or the visibility) times the
    target's factor (signature, posture, concealment) and the observer's (training); ``m_rate`` already
    includes the mount count and the light. A pair whose detection depends on a sensor that needs line of
    sight is returned with ``out_needs_los`` set: it detects only if the line of sight is clear, which the
    caller checks over the terrain. ``out_best`` is the mount with the largest hazard; ``out_best_clear``
    the largest among mounts that need no line of sight (-1 if none).
    """
    nt = targets.shape[0]
    keys = np.empty(nt, dtype=np.int64)
    slot = np.empty(nt, dtype=np.int64)
    cand = np.empty(nt, dtype=np.int64)
    cap = out_r.shape[0]
    count = 0
    n_mounts = mounts.shape[1]
    for r in range(x.shape[0]):
        m = _bucket(x, y, r, targets, target_ok, cell, keys, slot)
        if m == 0:
            continue
        sorted_keys, sorted_slot = _grid(m, keys, slot)
        rep = reps[r]
        for a in range(observers.shape[0]):
            s = observers[a]
            rad = max_range[s]
            if not source_ok[r, s] or rad <= 0.0:
                continue
            sx = x[r, s]
            sy = y[r, s]
            height = altitude[s] - 2.0
            k = _candidates(sx, sy, cell, m, slot, sorted_keys, sorted_slot, cand)
            for q in range(k):
                t = targets[cand[q]]
                if t == s or not hostile[side[s], side[t]]:
                    continue
                d = np.hypot(x[r, t] - sx, y[r, t] - sy)
                if d > rad:
                    continue
                slant = np.hypot(d, height)
                if slant > visibility:
                    continue
                factor = target_factor[r, t] * observer_factor[s]
                total = 0.0
                clear = 0.0
                best = -1
                best_rate = -1.0
                best_clear = -1
                best_clear_rate = -1.0
                for c in range(n_mounts):
                    mm = mounts[s, c]
                    if mm < 0:
                        continue
                    rate = glimpse_hazard(slant, m_rate[mm] * factor, m_scale[mm], m_max[mm])
                    total += rate
                    if rate > best_rate:
                        best_rate = rate
                        best = mm
                    if not m_los[mm]:
                        clear += rate
                        if rate > best_clear_rate:
                            best_clear_rate = rate
                            best_clear = mm
                if total <= 0.0:
                    continue
                u = uniform5(seed, stream, step, rep, s, t)
                if u >= -np.expm1(-total * dt):
                    continue
                if count < cap:
                    out_r[count] = r
                    out_i[count] = s
                    out_j[count] = t
                    out_slant[count] = slant
                    out_best[count] = best
                    out_best_clear[count] = best_clear
                    out_needs_los[count] = u >= -np.expm1(-clear * dt)
                count += 1
    return count


@jit  # type: ignore[misc,unused-ignore]
def nearest_seen_targets(
    x: FloatArray,
    y: FloatArray,
    shooters: IntArray,
    targets: IntArray,
    reach: FloatArray,
    margin: float,
    source_ok: BoolArray,
    target_ok: BoolArray,
    side: IntArray,
    hostile: BoolArray,
    cell: float,
    seen_t: FloatArray,
    seen_x: FloatArray,
    seen_y: FloatArray,
    timeout: FloatArray,
    now: float,
    out_r: IntArray,
    out_i: IntArray,
    out_j: IntArray,
    out_d: FloatArray,
) -> int:
    """For each able shooter, the enemy its side sees (a live contact in the ``seen`` layer) nearest to
    its *believed* position, within reach; true targets are searched within reach + margin. Ties go to
    the first target. Returns how many shooters have one, with the true distance."""
    nt = targets.shape[0]
    keys = np.empty(nt, dtype=np.int64)
    slot = np.empty(nt, dtype=np.int64)
    cand = np.empty(nt, dtype=np.int64)
    cap = out_r.shape[0]
    count = 0
    for r in range(x.shape[0]):
        m = _bucket(x, y, r, targets, target_ok, cell, keys, slot)
        if m == 0:
            continue
        sorted_keys, sorted_slot = _grid(m, keys, slot)
        for a in range(shooters.shape[0]):
            s = shooters[a]
            rad = reach[s]
            if not source_ok[r, s] or rad <= 0.0:
                continue
            sx = x[r, s]
            sy = y[r, s]
            mine = side[s]
            k = _candidates(sx, sy, cell, m, slot, sorted_keys, sorted_slot, cand)
            best = -1
            best_b = np.inf
            best_d = 0.0
            for q in range(k):
                t = targets[cand[q]]
                if t == s or not hostile[mine, side[t]]:
                    continue
                d = np.hypot(x[r, t] - sx, y[r, t] - sy)
                if d > rad + margin or now - seen_t[r, mine, t] > timeout[mine]:
                    continue
                b = np.hypot(seen_x[r, mine, t] - sx, seen_y[r, mine, t] - sy)
                if b <= rad and b < best_b:
                    best_b = b
                    best = t
                    best_d = d
            if best >= 0:
                if count < cap:
                    out_r[count] = r
                    out_i[count] = s
                    out_j[count] = best
                    out_d[count] = best_d
                count += 1
    return count
