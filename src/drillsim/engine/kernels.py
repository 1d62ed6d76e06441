"""Compiled inner loops of a step (numba): detection and the picture updates around it, and each
shooter's choice of target.

Detection looks, for every observer, at the enemy elements within its radius. Each replication's targets
are bucketed by side and grid cell (cells on a fixed lattice as wide as the largest radius, halved in crowded
replications): a dense grid over the targets' bounding box (a counting sort; each cell one contiguous
range), or, when that box holds far more cells than targets, their sorted cell keys (a binary search per
column). An observer scans only the cells its radius reaches, and only in the buckets of sides hostile to
it. So the work grows with the number of elements and of close enemy pairs, not with the square of the
elements. A replication's results are put in pair order (observers in order, then targets in order), so
they do not depend on the batch. Each replication writes to its own slice of the output.

Most pairs are decided before their hazard is computed: a squared-distance test rejects those surely out
of range, and since ``1 - exp(-h dt) <= h dt``, a pair whose uniform is at least a bound on ``h dt`` cannot
detect; where a cell's bound is small its pairs are not drawn one by one at all (see :func:`detect_pairs`).

The detection kernel fuses the search with the hazard of :func:`drillsim.sensors.detection.glimpse_hazard`
and the counter-based uniform of :mod:`drillsim.core.random` (the same hash, bit for bit: the part of the
hash that depends on seed, stream, step and replication is computed once per replication), and returns only
the pairs that detect: most pairs within sensor range detect nothing in a given step. Target choice reads
only each side's live contacts. The picture kernels (one detection kept per side and target, reports,
losses of contact, located fractions) each replace several whole-array passes with one loop and give the
same numbers as the array code they replaced (tested against it).
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

from drillsim.core.random import _GOLDEN, _LANES, UNIFORM_SCALE, UNIFORM_SHIFT, mix_word
from drillsim.geo.terrain import sight_line_clear
from drillsim.sensors.detection import glimpse_hazard

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

BRUTE_FORCE_TARGETS = 48
"""With this few targets in a replication, testing every pair beats building a grid."""
_HALF = 1 << 20
"""Cell coordinates are offset by this to stay positive in the bucket key (cells of >= 1 m, +-1,000 km)."""

_U_GOLDEN = np.uint64(_GOLDEN)
_U_LANE = tuple(np.uint64(v) for v in _LANES)

jit = numba.njit(cache=True, nogil=True)
# Serial on purpose: Monte Carlo and experiments parallelise over worker processes (forked pools, Dask),
# and numba's thread pool is not safe to fork; on two cores threads also gained little over processes.


@jit  # type: ignore[misc,unused-ignore]
def hash_prefix(seed: np.uint64, stream: np.int64, step: np.int64, rep: np.int64) -> np.uint64:
    """The hash of ``drillsim.core.random`` after its first three coordinates (stream, step, replication)."""
    h = mix_word(seed + _U_GOLDEN)
    h = mix_word(h ^ (np.uint64(stream) * _U_LANE[0] + _U_GOLDEN))
    h = mix_word(h ^ (np.uint64(step) * _U_LANE[1] + _U_GOLDEN))
    return mix_word(h ^ (np.uint64(rep) * _U_LANE[2] + _U_GOLDEN))


@jit  # type: ignore[misc,unused-ignore]
def uniform_after(prefix: np.uint64, a: np.int64, b: np.int64) -> float:
    """The uniform for coordinates (stream, step, replication, a, b), given their :func:`hash_prefix`."""
    return uniform_last(hash_fourth(prefix, a), b)


@jit  # type: ignore[misc,unused-ignore]
def hash_fourth(prefix: np.uint64, a: np.int64) -> np.uint64:
    """The hash after the fourth coordinate ``a``, given the :func:`hash_prefix` of the first three."""
    return mix_word(prefix ^ (np.uint64(a) * _U_LANE[3] + _U_GOLDEN))


@jit  # type: ignore[misc,unused-ignore]
def uniform_last(h: np.uint64, b: np.int64) -> float:
    """The uniform for the fifth coordinate ``b``, given :func:`hash_fourth` of the first four."""
    return uniform_of(mix_word(h ^ (np.uint64(b) * _U_LANE[4] + _U_GOLDEN)))


@jit  # type: ignore[misc,unused-ignore]
def _key(side: int, x: float, y: float, cell: float) -> int:
    kx = min(max(int(np.floor(x / cell)) + _HALF, 0), 2 * _HALF - 1)
    ky = min(max(int(np.floor(y / cell)) + _HALF, 0), 2 * _HALF - 1)
    return (side * (2 * _HALF) + kx) * (2 * _HALF) + ky


@jit  # type: ignore[misc,unused-ignore]
def _bucket(
    x: FloatArray,
    y: FloatArray,
    r: int,
    targets: IntArray,
    target_ok: BoolArray,
    side: IntArray,
    cell: float,
    keys: IntArray,
    slot: IntArray,
    box: FloatArray,
) -> int:
    """Fill ``slot`` with the positions (in ``targets``) of row r's usable targets, ``box`` (sides, 4) with
    each side's bounding box (x min, y min, x max, y max) of them, and, unless ``cell`` is 0 (keys not
    wanted), ``keys`` with their (side, cell) keys."""
    box[:, 0] = np.inf
    box[:, 1] = np.inf
    box[:, 2] = -np.inf
    box[:, 3] = -np.inf
    m = 0
    for b in range(targets.shape[0]):
        t = targets[b]
        if target_ok[r, t]:
            tx = x[r, t]
            ty = y[r, t]
            if cell > 0.0:
                keys[m] = _key(side[t], tx, ty, cell)
            slot[m] = b
            m += 1
            st = side[t]
            box[st, 0] = min(box[st, 0], tx)
            box[st, 1] = min(box[st, 1], ty)
            box[st, 2] = max(box[st, 2], tx)
            box[st, 3] = max(box[st, 3], ty)
    return m


@jit  # type: ignore[misc,unused-ignore]
def _near_box(box: FloatArray, other: int, sx: float, sy: float, radius: float) -> bool:
    """Whether (sx, sy) lies within ``radius`` of side ``other``'s bounding box of targets."""
    dx = max(box[other, 0] - sx, 0.0, sx - box[other, 2])
    dy = max(box[other, 1] - sy, 0.0, sy - box[other, 3])
    return bool(dx * dx + dy * dy <= radius * radius)


@jit  # type: ignore[misc,unused-ignore]
def _first_at_least(keys: IntArray | FloatArray, value: float) -> int:
    """Index of the first key >= ``value`` in sorted ``keys`` (binary search; len(keys) if none). Compiled
    once per type: cell keys (integers) and believed positions (floats)."""
    lo = 0
    hi = keys.shape[0]
    while lo < hi:
        mid = (lo + hi) >> 1
        if keys[mid] < value:
            lo = mid + 1
        else:
            hi = mid
    return lo


@jit  # type: ignore[misc,unused-ignore]
def _candidates(
    mine: int,
    sx: float,
    sy: float,
    radius: float,
    cell: float,
    hostile: BoolArray,
    box: FloatArray,
    m: int,
    slot: IntArray,
    sorted_keys: IntArray,
    sorted_slot: IntArray,
    seg_lo: IntArray,
    seg_hi: IntArray,
    seg_d2: FloatArray,
    seg_side: IntArray,
    seg_key: IntArray,
) -> int:
    """The enemy targets that may lie within ``radius`` of (sx, sy), by side and cell, as segments of
    ``sorted_slot`` (positions in ``targets``; not in target order: callers that need it sort what they
    keep): segment g is ``sorted_slot[seg_lo[g]:seg_hi[g]]``, all of side ``seg_side[g]`` and no nearer to
    (sx, sy) than ``sqrt(seg_d2[g])``. Returns the number of segments. Sides whose targets' bounding box is
    out of reach are skipped; with few targets (no grid), the one segment is ``slot[:m]``, every target,
    at distance 0 and side -1 (the caller checks sides and distances)."""
    near = False
    for other in range(hostile.shape[1]):
        if hostile[mine, other] and _near_box(box, other, sx, sy, radius):
            near = True
            break
    if not near:
        return 0
    if m <= BRUTE_FORCE_TARGETS:
        seg_lo[0] = 0
        seg_hi[0] = m
        seg_d2[0] = 0.0
        seg_side[0] = -1
        seg_key[0] = 0
        return 1
    g = 0
    top = 2 * _HALF - 1
    kx = min(max(int(np.floor(sx / cell)) + _HALF, 0), top)
    ky = min(max(int(np.floor(sy / cell)) + _HALF, 0), top)
    w = max(int(np.ceil(radius / cell)), 1)  # cells each way that the radius can reach
    lo_y = max(ky - w, 0)
    hi_y = min(ky + w, top)
    # The rows' span (the edge cells also hold everything clamped beyond them).
    y_lo = -np.inf if lo_y == 0 else (lo_y - _HALF) * cell
    y_hi = np.inf if hi_y == top else (hi_y - _HALF + 1) * cell
    gap_y = max(y_lo - sy, 0.0, sy - y_hi)
    for other in range(hostile.shape[1]):
        if not hostile[mine, other] or not _near_box(box, other, sx, sy, radius):
            continue
        # Cells (kx, ky - w) ... (kx, ky + w) have consecutive keys: one range (segment) per column.
        for dx in range(-w, w + 1):
            col = kx + dx
            if col < 0 or col > top:
                continue
            base = (other * (2 * _HALF) + col) * (2 * _HALF)
            lo = _first_at_least(sorted_keys, base + lo_y)
            hi = _first_at_least(sorted_keys, base + hi_y + 1)
            if hi == lo:
                continue
            x_lo = -np.inf if col == 0 else (col - _HALF) * cell
            x_hi = np.inf if col == top else (col - _HALF + 1) * cell
            gap_x = max(x_lo - sx, 0.0, sx - x_hi)
            seg_lo[g] = lo
            seg_hi[g] = hi
            seg_d2[g] = gap_x * gap_x + gap_y * gap_y
            seg_side[g] = other
            seg_key[g] = base + lo_y
            g += 1
    return g


@jit  # type: ignore[misc,unused-ignore]
def _union_box(box: FloatArray) -> tuple[float, float, float, float]:
    """(x min, y min, x max, y max) over every side's bounding box of targets."""
    x0 = np.inf
    y0 = np.inf
    x1 = -np.inf
    y1 = -np.inf
    for o in range(box.shape[0]):
        x0 = min(x0, box[o, 0])
        y0 = min(y0, box[o, 1])
        x1 = max(x1, box[o, 2])
        y1 = max(y1, box[o, 3])
    return x0, y0, x1, y1


@jit  # type: ignore[misc,unused-ignore]
def _grid_fits(cells: int, m: int) -> bool:
    """Whether a dense grid of ``cells`` cells is worth building for ``m`` targets (else: sorted keys)."""
    return cells <= 8 * m + 4096


@jit  # type: ignore[misc,unused-ignore]
def _grid_scratch(n_targets: int) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray]:
    """The arrays :func:`_dense_grid` fills, for any grid :func:`_grid_fits` allows with up to ``n_targets``
    targets: per cell the row that last filled it (-1: none yet), its first and end positions in the
    members, and per target its cell and the members."""
    cells = 8 * n_targets + 4096
    return (
        np.full(cells, -1, dtype=np.int64),
        np.empty(cells, dtype=np.int64),
        np.empty(cells, dtype=np.int64),
        np.empty(max(n_targets, 1), dtype=np.int64),
        np.empty(max(n_targets, 1), dtype=np.int64),
    )


@jit  # type: ignore[misc,unused-ignore]
def _dense_grid(
    x: FloatArray,
    y: FloatArray,
    r: int,
    targets: IntArray,
    side: IntArray,
    cell: float,
    m: int,
    slot: IntArray,
    box: FloatArray,
    cell_row: IntArray,
    cell_first: IntArray,
    cell_end: IntArray,
    cell_of: IntArray,
    members: IntArray,
) -> tuple[float, float, int, int]:
    """Row r's usable targets (``slot[:m]``) filed in a dense (side, column, row) grid of cells over their
    bounding box: cell f holds ``members[cell_first[f]:cell_end[f]]`` (positions in ``targets``, in target
    order) where ``cell_row[f] == r``, and nothing elsewhere. Only the cells that hold targets are
    written, so a row costs its targets, not its cells. Returns the grid's origin and size; a size of 0
    when the box holds too many cells for the targets (the caller then uses the sorted-key grid)."""
    n_sides = box.shape[0]
    x0, y0, x1, y1 = _union_box(box)
    # Cells on the fixed lattice of multiples of ``cell`` (not on the box's corner), so a cell is the same
    # place whatever else is in the row: the skipped sampling keys its draws by cell.
    x0 = np.floor(x0 / cell) * cell
    y0 = np.floor(y0 / cell) * cell
    nx = int((x1 - x0) / cell) + 1
    ny = int((y1 - y0) / cell) + 1
    if not _grid_fits(nx * ny * n_sides, m):
        return x0, y0, 0, 0
    for q in range(m):  # count each cell's targets (cell_end as the count)
        t = targets[slot[q]]
        f = (side[t] * nx + int((x[r, t] - x0) / cell)) * ny + int((y[r, t] - y0) / cell)
        cell_of[q] = f
        if cell_row[f] != r:
            cell_row[f] = r
            cell_end[f] = 0
            cell_first[f] = -1
        cell_end[f] += 1
    total = 0
    for q in range(m):  # room for each cell, in order of its first target
        f = cell_of[q]
        if cell_first[f] < 0:
            cell_first[f] = total
            total += cell_end[f]
            cell_end[f] = cell_first[f]
    for q in range(m):  # the members, in target order within each cell
        f = cell_of[q]
        members[cell_end[f]] = slot[q]
        cell_end[f] += 1
    return x0, y0, nx, ny


@jit  # type: ignore[misc,unused-ignore]
def _dense_candidates(
    mine: int,
    sx: float,
    sy: float,
    radius: float,
    cell: float,
    hostile: BoolArray,
    box: FloatArray,
    r: int,
    cell_row: IntArray,
    cell_first: IntArray,
    cell_end: IntArray,
    x0: float,
    y0: float,
    nx: int,
    ny: int,
    seg_lo: IntArray,
    seg_hi: IntArray,
    seg_d2: FloatArray,
    seg_side: IntArray,
    seg_key: IntArray,
) -> int:
    """As :func:`_candidates`, from the dense grid of :func:`_dense_grid`: one segment of ``members`` per
    non-empty cell within reach, found without a search."""
    g = 0
    ax = int(np.round(x0 / cell)) + _HALF  # the lattice column and row of the grid's first cell
    ay = int(np.round(y0 / cell)) + _HALF
    kx = int(np.floor((sx - x0) / cell))
    ky = int(np.floor((sy - y0) / cell))
    w = max(int(np.ceil(radius / cell)), 1)
    lo_y = max(ky - w, 0)
    hi_y = min(ky + w, ny - 1)
    if lo_y > hi_y:
        return 0
    for other in range(hostile.shape[1]):
        if not hostile[mine, other] or not _near_box(box, other, sx, sy, radius):
            continue
        for col in range(max(kx - w, 0), min(kx + w, nx - 1) + 1):
            base = (other * nx + col) * ny
            x_lo = x0 + col * cell
            gap_x = max(x_lo - sx, 0.0, sx - (x_lo + cell))
            for cy in range(lo_y, hi_y + 1):
                f = base + cy
                if cell_row[f] != r:  # no target there in this row
                    continue
                lo = cell_first[f]
                hi = cell_end[f]
                y_lo = y0 + cy * cell
                gap_y = max(y_lo - sy, 0.0, sy - (y_lo + cell))
                seg_lo[g] = lo
                seg_hi[g] = hi
                seg_d2[g] = gap_x * gap_x + gap_y * gap_y
                seg_side[g] = other
                seg_key[g] = (other * (2 * _HALF) + ax + col) * (2 * _HALF) + ay + cy
                g += 1
    return g


@jit  # type: ignore[misc,unused-ignore]
def _grid(m: int, keys: IntArray, slot: IntArray) -> tuple[IntArray, IntArray]:
    if m <= BRUTE_FORCE_TARGETS:
        return keys[:0].copy(), slot[:0].copy()
    order = np.argsort(keys[:m], kind="mergesort")
    return keys[:m][order], slot[:m][order]


REFINE_STEPS = 2
"""At most this many halvings of the detection grid's cells in a crowded row (cells of 1/4 the radius)."""
CROWDED_CELL = 16.0
"""A row is crowded when its targets average more than this many per cell of the current size over their
bounding box: its cells are then halved (if the dense grid stays small), for tighter segment bounds."""


@jit  # type: ignore[misc,unused-ignore]
def _fine_cell(box: FloatArray, cell: float, m: int) -> float:
    """The cell size of a row's dense detection grid: ``cell`` (the largest radius), halved up to
    :data:`REFINE_STEPS` times while the row's ``m`` targets are crowded (:data:`CROWDED_CELL`) and the
    grid stays within :func:`_dense_grid`'s limit. Smaller cells bound the hazard of their targets more
    tightly (:func:`_segment_bound`), so crowded rows skip more pairs; sparse rows keep large cells, since
    walking more cells would cost more than it saves."""
    n_sides = box.shape[0]
    x0, y0, x1, y1 = _union_box(box)
    fine = cell
    for _ in range(REFINE_STEPS):
        nx = int((x1 - x0) / fine) + 1
        ny = int((y1 - y0) / fine) + 1
        if m < CROWDED_CELL * nx * ny:
            break
        half = fine / 2.0
        if not _grid_fits((int((x1 - x0) / half) + 1) * (int((y1 - y0) / half) + 1) * n_sides, m):
            break
        fine = half
    return fine


@jit  # type: ignore[misc,unused-ignore]
def _segment_bound(
    d2: float,
    height: float,
    s: int,
    mounts: IntArray,
    m_rate: FloatArray,
    m_scale: FloatArray,
    m_max: FloatArray,
    factor: float,
    visibility: float,
    dt: float,
) -> float:
    """An upper bound on ``h dt`` for observer s and any target at least ``sqrt(d2)`` away whose factor
    is at most ``factor``: the hazard falls with range, so it is the hazard at that distance (with slack
    for rounding in the cells' edges), or 0 when that is beyond the visibility or every mount's range."""
    slant = np.hypot(max(np.sqrt(d2) * (1.0 - 1e-9) - 1e-6, 0.0), height)
    if slant > visibility:
        return 0.0
    total = 0.0
    for c in range(mounts.shape[1]):
        mm = mounts[s, c]
        if mm >= 0:
            total += glimpse_hazard(slant, m_rate[mm] * factor, m_scale[mm], m_max[mm])
    return total * dt * (1.0 + 1e-9)


@jit  # type: ignore[misc,unused-ignore]
def bound_tables(
    observers: IntArray,
    max_range: FloatArray,
    altitude: FloatArray,
    mounts: IntArray,
    m_rate: FloatArray,
    m_scale: FloatArray,
    m_max: FloatArray,
    observer_factor: FloatArray,
    visibility: float,
    dt: float,
) -> FloatArray:
    """For each observer (a row per entry of ``observers``), its bound on ``h dt`` for a target factor of 1
    (:func:`_segment_bound`) at the near edge of each of :data:`BOUND_BINS` + 1 distance bins of its range:
    it holds for every target in the bin, since the hazard falls with range. The inputs change only with
    the light, so callers keep the tables between steps; :func:`detect_pairs` reads them."""
    out = np.zeros((observers.shape[0], BOUND_BINS + 1))
    for a in range(observers.shape[0]):
        s = observers[a]
        if max_range[s] <= 0.0:
            continue
        width = max_range[s] / BOUND_BINS
        for k in range(BOUND_BINS + 1):
            out[a, k] = _segment_bound(
                (k * width) ** 2,
                altitude[s] - 2.0,
                s,
                mounts,
                m_rate,
                m_scale,
                m_max,
                observer_factor[s],
                visibility,
                dt,
            )
    return out


BOUND_BINS = 64
"""Distance bins of each observer's table of bounds on a pair's detection probability."""
LOG_MISS = np.concatenate([[-np.inf], np.log1p(-np.ldexp(1.0, -np.arange(1, 1100)))])
"""``log(1 - 2**-k)``: the skipped sampling's gap parameter for a bound rounded to ``2**-k``."""
SKIP_AT_MOST = 0.125
"""A segment of candidates whose bound on the detection probability, rounded up to a power of two, is at
most this is sampled by skips (one draw per landing instead of one per pair); see :func:`detect_pairs`."""


@jit  # type: ignore[misc,unused-ignore]
def _swap_detections(
    r: int,
    p: int,
    out_i: IntArray,
    out_j: IntArray,
    out_slant: FloatArray,
    out_best: IntArray,
    out_best_clear: IntArray,
    out_needs_los: BoolArray,
    order_key: IntArray,
) -> None:
    """Swap detections p - 1 and p of row r in every output of :func:`detect_pairs`."""
    out_i[r, p - 1], out_i[r, p] = out_i[r, p], out_i[r, p - 1]
    out_j[r, p - 1], out_j[r, p] = out_j[r, p], out_j[r, p - 1]
    out_slant[r, p - 1], out_slant[r, p] = out_slant[r, p], out_slant[r, p - 1]
    out_best[r, p - 1], out_best[r, p] = out_best[r, p], out_best[r, p - 1]
    out_best_clear[r, p - 1], out_best_clear[r, p] = out_best_clear[r, p], out_best_clear[r, p - 1]
    out_needs_los[r, p - 1], out_needs_los[r, p] = out_needs_los[r, p], out_needs_los[r, p - 1]
    order_key[p - 1], order_key[p] = order_key[p], order_key[p - 1]


@jit  # type: ignore[misc,unused-ignore]
def _error_at(mm: int, slant: float, m_error: FloatArray, m_scale: FloatArray) -> float:
    """Mount mm's position error at a slant range: :func:`position_error_sd`, the same arithmetic."""
    return float(m_error[mm] * max(0.25, slant / m_scale[mm]))


@jit  # type: ignore[misc,unused-ignore]
def _error_floor(
    s: int, distance: float, mounts: IntArray, m_error: FloatArray, m_scale: FloatArray
) -> float:
    """A lower bound on the position error of observer s's detection of a target at least ``distance``
    away, whichever of its mounts reports it (the error grows with range)."""
    floor = np.inf
    for c in range(mounts.shape[1]):
        if mounts[s, c] >= 0:
            floor = min(floor, _error_at(mounts[s, c], distance, m_error, m_scale))
    return floor


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
    m_error: FloatArray,
    los_checked: bool,
    target_factor: FloatArray,
    observer_factor: FloatArray,
    visibility: float,
    dt: float,
    seed: np.uint64,
    stream: np.int64,
    step: np.int64,
    reps: IntArray,
    bounds: FloatArray,
    out_i: IntArray,
    out_j: IntArray,
    out_slant: FloatArray,
    out_best: IntArray,
    out_best_clear: IntArray,
    out_needs_los: BoolArray,
    counts: IntArray,
) -> None:
    """Detections of one step, per row: every observer-target pair of hostile sides within range detects
    with probability ``1 - exp(-h dt)``, independently; only the pairs that detect are returned.

    The hazard ``h`` of a pair is the sum over the observer's sensor mounts of :func:`glimpse_hazard` at
    the slant range (zero beyond the visibility) times the target's factor (signature, posture,
    concealment) and the observer's (training); ``m_rate`` already holds the mount count and the light.

    Each observer's candidates come in segments (a cell of the grid, all of one side), each with a bound
    ``c`` on ``h dt`` for all its targets: ``bounds`` (:func:`bound_tables`, a row per observer) at the
    distance bin of the cell's nearest point, times the side's largest target factor. A pair is also
    rejected when its uniform is at least its own bound (its bin, its factor), before any exponential. A
    pair detects when its uniform ``u < 1 - exp(-h dt)``, which is at most ``c``:

    - where ``c``, rounded up to a power of two (``c_q``), exceeds :data:`SKIP_AT_MOST`, each pair draws
      its own uniform, keyed by (observer, target), and ``u >= c`` is rejected before the hazard;
    - elsewhere (far cells, dark, small signatures: most pairs, most steps) the kernel lands only on the
      pairs whose uniform would have been below ``c_q``: the gaps between landings in a sequence of
      independent Bernoulli(c_q) trials are geometric, drawn as ``floor(log v / log(1 - c_q))``; a landed
      pair then has ``u = c_q v'`` with a fresh ``v'``, uniform on [0, c_q) as it should be given
      ``u < c_q``. So every pair is still an independent trial with its exact probability.

    For common random numbers between two runs that differ a little (a parameter of a design point), the
    skipped sampling's draws are keyed by (observer, cell of a fixed lattice, landing number) and its rate
    is the power of two above the bound, not the bound: a change that leaves a cell's ``c_q`` and members
    alone leaves its draws alone (a change of the bound by 15 % moves about one cell in five to the next
    power of two).

    Only one detection per (row, observer's side, target) is kept downstream, the most precise
    (:func:`pick_detections`), so a pair is left out when an earlier pair of its side surely detected the
    target at least as precisely as it could (its error with any of its mounts at its distance,
    :func:`_error_floor`): "surely" when lines of sight are not checked (``los_checked`` off) or that
    detection stands without one. Its draws are still taken, so the others' are unchanged.

    A pair whose detection depends on a sensor that needs line of sight comes back with ``out_needs_los``
    set: it detects only if the line is clear, which the caller checks over the terrain. ``out_best`` is
    the mount with the largest hazard; ``out_best_clear`` the largest among mounts needing no line of
    sight (-1 if none). Outputs are (rows, capacity); ``counts[r]`` is how many row r found (it may exceed
    the capacity, in which case the caller asks again with more room).
    """
    nt = targets.shape[0]
    n_elements = x.shape[1]
    n_sides = hostile.shape[0]
    cap = out_i.shape[1]
    n_mounts = mounts.shape[1]
    reach = 1
    for a in range(observers.shape[0]):
        reach = max(reach, int(np.ceil(max_range[observers[a]] / cell)))
    reach *= 1 << REFINE_STEPS
    n_seg = max(hostile.shape[1] * (2 * reach + 1) * (2 * reach + 1), 1)
    # Scratch, reused by every row.
    keys = np.empty(nt, dtype=np.int64)
    slot = np.empty(nt, dtype=np.int64)
    seg_lo = np.empty(n_seg, dtype=np.int64)
    seg_hi = np.empty(n_seg, dtype=np.int64)
    seg_d2 = np.empty(n_seg)
    seg_side = np.empty(n_seg, dtype=np.int64)
    seg_key = np.empty(n_seg, dtype=np.int64)
    order_key = np.empty(cap, dtype=np.int64)
    settled = np.empty((n_sides, n_elements))
    cell_row, cell_first, cell_end, cell_of, members = _grid_scratch(nt)
    box = np.empty((n_sides, 4))
    side_factor = np.zeros(n_sides)
    for r in range(x.shape[0]):
        count = 0
        settled[:] = np.inf
        m = _bucket(x, y, r, targets, target_ok, side, 0.0, keys, slot, box)  # keys only if needed
        # Each side's largest target factor in this row, for the segments' bounds.
        side_factor[:] = 0.0
        for q in range(m):
            t = targets[slot[q]]
            side_factor[side[t]] = max(side_factor[side[t]], target_factor[r, t])
        any_factor = side_factor.max()
        if m > 0:
            sorted_keys, sorted_slot = keys[:0], slot[:0]
            gx0, gy0, gnx, gny = 0.0, 0.0, 0, 0
            fine = cell
            if m > BRUTE_FORCE_TARGETS:
                fine = _fine_cell(box, cell, m)
                gx0, gy0, gnx, gny = _dense_grid(
                    x,
                    y,
                    r,
                    targets,
                    side,
                    fine,
                    m,
                    slot,
                    box,
                    cell_row,
                    cell_first,
                    cell_end,
                    cell_of,
                    members,
                )
                if gnx == 0:
                    for q in range(m):
                        t = targets[slot[q]]
                        keys[q] = _key(side[t], x[r, t], y[r, t], cell)
                    sorted_keys, sorted_slot = _grid(m, keys, slot)
            # Where the segments point: the dense grid's members, the sorted-key grid's slots, or all.
            pool = members if gnx > 0 else (sorted_slot if m > BRUTE_FORCE_TARGETS else slot)
            level = 0 if gnx == 0 else int(np.round(np.log2(cell / fine)))  # halvings of the cells
            prefix = hash_prefix(seed, stream, step, reps[r])
            for a in range(observers.shape[0]):
                s = observers[a]
                rad = max_range[s]
                if not source_ok[r, s] or rad <= 0.0:
                    continue
                sx = x[r, s]
                sy = y[r, s]
                mine = side[s]
                reachable = False  # any hostile side's targets within reach at all?
                for other in range(n_sides):
                    if hostile[mine, other] and _near_box(box, other, sx, sy, rad):
                        reachable = True
                        break
                if not reachable:
                    continue
                height = altitude[s] - 2.0
                far = rad * rad * (1.0 + 1e-9)
                bin_width = rad / BOUND_BINS
                h_s = hash_fourth(prefix, s)  # the part of each pair's draw that depends on the observer
                if gnx > 0:
                    g_count = _dense_candidates(
                        mine,
                        sx,
                        sy,
                        rad,
                        fine,
                        hostile,
                        box,
                        r,
                        cell_row,
                        cell_first,
                        cell_end,
                        gx0,
                        gy0,
                        gnx,
                        gny,
                        seg_lo,
                        seg_hi,
                        seg_d2,
                        seg_side,
                        seg_key,
                    )
                else:
                    g_count = _candidates(
                        mine,
                        sx,
                        sy,
                        rad,
                        cell,
                        hostile,
                        box,
                        m,
                        slot,
                        sorted_keys,
                        sorted_slot,
                        seg_lo,
                        seg_hi,
                        seg_d2,
                        seg_side,
                        seg_key,
                    )
                first = count
                for g in range(g_count):
                    hi = seg_hi[g]
                    if seg_d2[g] > far:
                        continue
                    top = any_factor if seg_side[g] < 0 else side_factor[seg_side[g]]
                    # The bound of the bin holding the segment's nearest distance (beyond the range: 0).
                    c = top * bounds[a, min(int(np.sqrt(seg_d2[g]) / bin_width), BOUND_BINS)]
                    if c <= 0.0:
                        continue
                    mant, expo = math.frexp(c)  # c = mant 2**expo, 0.5 <= mant < 1
                    power = (expo - 1) if mant == 0.5 else expo  # c_q = 2**power, at or above c
                    c_q = math.ldexp(1.0, power)
                    skip = c_q <= SKIP_AT_MOST
                    h_cell = h_s
                    drawn = 0
                    log_miss = 0.0
                    if skip:
                        c = c_q
                        # This cell's draws: keyed past the targets' keys, so they never meet a pair's.
                        h_cell = hash_fourth(h_s, n_elements + seg_key[g] * (REFINE_STEPS + 1) + level)
                        log_miss = LOG_MISS[-power]
                    q = seg_lo[g] - 1
                    while True:
                        if skip:
                            v = uniform_last(h_cell, np.int64(drawn))
                            drawn += 1
                            gap = np.log(v) / log_miss
                            if gap >= hi - q - 1:
                                break
                            q += 1 + int(gap)
                        else:
                            q += 1
                            if q >= hi:
                                break
                        t = targets[pool[q]]
                        if t == s or not hostile[mine, side[t]]:
                            continue
                        dx = x[r, t] - sx
                        dy = y[r, t] - sy
                        if dx * dx + dy * dy > far:  # surely out of range: skip the exact distance
                            continue
                        if skip:
                            u = c * uniform_last(h_cell, np.int64(drawn))
                            drawn += 1
                        else:
                            u = uniform_last(h_s, t)
                            if u >= c:  # cannot detect, in range or not
                                continue
                        if settled[mine, t] < np.inf and settled[mine, t] <= _error_floor(
                            s, np.sqrt(dx * dx + dy * dy) * (1.0 - 1e-9), mounts, m_error, m_scale
                        ):
                            continue  # cannot be the side's most precise detection of t: never kept
                        d = np.hypot(dx, dy)
                        if d > rad:
                            continue
                        # This pair's own bound (its distance bin, its factor): most are decided here.
                        if u >= target_factor[r, t] * bounds[a, min(int(d / bin_width), BOUND_BINS)]:
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
                        for c_m in range(n_mounts):
                            mm = mounts[s, c_m]
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
                        x_dt = total * dt
                        if u >= x_dt * (1.0 + 1e-9):  # surely u >= 1 - exp(-x_dt)
                            continue
                        # 1 - exp(-x) >= x - x^2 / 2: below that, surely detected without the exponential.
                        if u >= x_dt * (1.0 - 0.5 * x_dt) * (1.0 - 1e-9) and u >= -np.expm1(-x_dt):
                            continue
                        needs_los = clear <= 0.0 or u >= -np.expm1(-clear * dt)
                        if count < cap:
                            out_i[r, count] = s
                            out_j[r, count] = t
                            out_slant[r, count] = slant
                            out_best[r, count] = best
                            out_best_clear[r, count] = best_clear
                            out_needs_los[r, count] = needs_los
                            order_key[count] = pool[q]
                        count += 1
                        # The error this detection ends with at worst, when that is sure (it stands
                        # whatever the line of sight): later pairs that cannot do better are skipped.
                        if not los_checked or not needs_los:
                            worst = _error_at(best, slant, m_error, m_scale)
                            if los_checked:
                                worst = max(worst, _error_at(best_clear, slant, m_error, m_scale))
                            settled[mine, t] = min(settled[mine, t], worst)
                if count <= cap:
                    # Pair order within the observer (its candidates come by cell): an insertion sort
                    # of its few detections.
                    for e in range(first + 1, count):
                        p = e
                        while p > first and order_key[p - 1] > order_key[p]:
                            _swap_detections(
                                r,
                                p,
                                out_i,
                                out_j,
                                out_slant,
                                out_best,
                                out_best_clear,
                                out_needs_los,
                                order_key,
                            )
                            p -= 1
        counts[r] = count


COLUMNS_PER_ROOT_CONTACT = 0.5
"""For target choice, a side's ``k`` live contacts are laid out in ``int(this * sqrt(k))`` columns of
believed x (at least one; about ``2 sqrt(k)`` contacts in each). Only speed depends on it (measured best
on the synthetic benchmark and Khatlon)."""

_inline = numba.njit(cache=True, nogil=True, inline="always")
"""For helpers called once per shooter or side: inlined, so the many arrays they take cost no call."""


@_inline  # type: ignore[misc,unused-ignore]
def _contact_columns(
    k: int,
    bx: FloatArray,
    by: FloatArray,
    bt: IntArray,
    column: IntArray,
    fill: IntArray,
    order: IntArray,
    start: IntArray,
    col_lo: FloatArray,
    col_hi: FloatArray,
    cx: FloatArray,
    cy: FloatArray,
    ct: IntArray,
) -> int:
    """Lay out ``k`` contacts (believed ``bx``, ``by``; element ``bt``) in columns of equal width over their
    believed x, each sorted by believed y. Fills ``cx``, ``cy``, ``ct`` in that order, ``start`` (each
    column's first slot, then ``k``) and each column's smallest and largest believed x (``col_lo``,
    ``col_hi``; +inf and -inf when it is empty); ``column``, ``fill`` and ``order`` are scratch. Returns
    the number of columns."""
    x0 = np.inf
    x1 = -np.inf
    for q in range(k):
        x0 = min(x0, bx[q])
        x1 = max(x1, bx[q])
    nc = max(int(COLUMNS_PER_ROOT_CONTACT * math.sqrt(k)), 1)
    width = (x1 - x0) / nc
    if not width > 0.0:
        nc = 1
    fill[: nc + 1] = 0
    for q in range(k):
        c = min(int((bx[q] - x0) / width), nc - 1) if nc > 1 else 0
        column[q] = c
        fill[c + 1] += 1
    for c in range(nc):
        fill[c + 1] += fill[c]
        col_lo[c] = np.inf
        col_hi[c] = -np.inf
    start[: nc + 1] = fill[: nc + 1]
    # Insertion sort by believed y within each column (columns are short), moving only y and the index.
    for q in range(k):
        c = column[q]
        col_lo[c] = min(col_lo[c], bx[q])
        col_hi[c] = max(col_hi[c], bx[q])
        p = fill[c]
        fill[c] = p + 1
        while p > start[c] and cy[p - 1] > by[q]:
            cy[p] = cy[p - 1]
            order[p] = order[p - 1]
            p -= 1
        cy[p] = by[q]
        order[p] = q
    for p in range(k):
        cx[p] = bx[order[p]]
        ct[p] = bt[order[p]]
    return nc


@_inline  # type: ignore[misc,unused-ignore]
def _nearest_contact(
    s: int,
    sx: float,
    sy: float,
    rad: float,
    margin: float,
    x: FloatArray,
    y: FloatArray,
    nc: int,
    start: IntArray,
    col_lo: FloatArray,
    col_hi: FloatArray,
    cx: FloatArray,
    cy: FloatArray,
    ct: IntArray,
) -> int:
    """The contact (laid out by :func:`_contact_columns`) nearest to the believed distance from shooter
    ``s`` at (``sx``, ``sy``), within ``rad``, whose true position (``x``, ``y``) is within ``rad + margin``;
    ties to the lowest element. -1 if none.

    Columns are visited outwards from the shooter's, and in each the contacts outwards from its y (a
    binary search): a direction stops once the gap in x, and in y, already puts every further contact
    beyond the best so far. Squared distances decide wherever they are clear by a factor 1e-9 (rounding
    is far smaller); ``np.hypot`` is computed only in the narrow band between, so the choice is exactly
    that of comparing ``np.hypot`` distances throughout.
    """
    near = rad * rad * (1.0 + 1e-9)
    surely_near = rad * rad * (1.0 - 1e-9)
    far = (rad + margin) * (rad + margin) * (1.0 + 1e-9)
    surely_far = (rad + margin) * (rad + margin) * (1.0 - 1e-9)
    best = -1
    best_b2 = np.inf
    best_b = np.inf  # the best's exact believed distance, -1 until needed
    best_ex = 0.0
    best_ey = 0.0
    bound = near  # any contact farther than this (squared) is out of reach or beaten
    c0 = 0
    while c0 < nc - 1 and not col_hi[c0] >= sx:
        c0 += 1
    for step_c in (1, -1):
        c = c0 if step_c > 0 else c0 - 1
        while 0 <= c < nc:
            lo = start[c]
            hi = start[c + 1]
            if hi == lo:
                c += step_c
                continue
            gx = max(col_lo[c] - sx, 0.0, sx - col_hi[c])
            g2 = gx * gx
            if g2 > bound:
                break
            if sy <= cy[lo]:
                p0 = lo
            elif sy > cy[hi - 1]:
                p0 = hi
            else:
                p0 = lo + _first_at_least(cy[lo:hi], sy)
            for step_p in (1, -1):
                p = p0 if step_p > 0 else p0 - 1
                while lo <= p < hi:
                    ey = cy[p] - sy
                    if g2 + ey * ey > bound:
                        break
                    ex = cx[p] - sx
                    b2 = ex * ex + ey * ey
                    t = ct[p]
                    p += step_p
                    if b2 > bound or t == s:
                        continue
                    if b2 < best_b2 * (1.0 - 1e-9) and b2 <= surely_near:
                        b = -1.0
                    else:
                        b = np.hypot(ex, ey)
                        if best_b < 0.0:
                            best_b = np.hypot(best_ex, best_ey)
                        if b > rad or b > best_b or (b == best_b and t > best):
                            continue
                    dx = x[t] - sx
                    dy = y[t] - sy
                    d2 = dx * dx + dy * dy
                    if d2 > far or (d2 > surely_far and np.hypot(dx, dy) > rad + margin):
                        continue
                    best = t
                    best_b2 = b2
                    best_b = b
                    best_ex = ex
                    best_ey = ey
                    bound = min(near, b2 * (1.0 + 1e-9) * (1.0 + 1e-9))
            c += step_c
    return best


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
    seen_t: FloatArray,
    seen_x: FloatArray,
    seen_y: FloatArray,
    timeout: FloatArray,
    now: float,
    out_i: IntArray,
    out_j: IntArray,
    out_d: FloatArray,
    counts: IntArray,
) -> None:
    """For each able shooter, the enemy its side sees (a live contact in the ``seen`` layer) nearest to
    its *believed* position, within reach; the true target must also be within reach + margin. Ties go to
    the first target. Per row, outputs (rows, capacity) and ``counts`` as for :func:`detect_pairs`, with
    the true distance.

    A shooter can only engage what its side sees, and a side sees few enemies at a time, so each row first
    lays out every side's live contacts in columns (:func:`_contact_columns`); a shooter outside reach of
    the box of its side's contacts is passed over, others search the columns outwards
    (:func:`_nearest_contact`).
    """
    nt = targets.shape[0]
    n_sides = hostile.shape[0]
    cap = out_i.shape[1]
    m = max(nt, 1)
    foes = np.empty((n_sides, m), dtype=np.int64)  # each side's hostile targets
    n_foes = np.zeros(n_sides, dtype=np.int64)
    for a_side in range(n_sides):
        for b in range(nt):
            if hostile[a_side, side[targets[b]]]:
                foes[a_side, n_foes[a_side]] = targets[b]
                n_foes[a_side] += 1
    # Per side: its live contacts laid out in columns, the number of columns and the contacts' box.
    n_seen = np.zeros(n_sides, dtype=np.int64)
    n_col = np.zeros(n_sides, dtype=np.int64)
    start = np.empty((n_sides, m + 1), dtype=np.int64)
    col_lo = np.empty((n_sides, m))
    col_hi = np.empty((n_sides, m))
    cx = np.empty((n_sides, m))
    cy = np.empty((n_sides, m))
    ct = np.empty((n_sides, m), dtype=np.int64)
    box = np.empty((n_sides, 4))
    # Scratch.
    bx = np.empty(m)
    by = np.empty(m)
    bt = np.empty(m, dtype=np.int64)
    column = np.empty(m, dtype=np.int64)
    fill = np.empty(m + 1, dtype=np.int64)
    order = np.empty(m, dtype=np.int64)
    for r in range(x.shape[0]):
        for a_side in range(n_sides):
            k = 0
            for b in range(n_foes[a_side]):
                t = foes[a_side, b]
                bt[k] = t
                k += target_ok[r, t] and now - seen_t[r, a_side, t] <= timeout[a_side]
            n_seen[a_side] = k
            if k == 0:
                continue
            for q in range(k):
                bx[q] = seen_x[r, a_side, bt[q]]
                by[q] = seen_y[r, a_side, bt[q]]
            nc = _contact_columns(
                k,
                bx,
                by,
                bt,
                column,
                fill,
                order,
                start[a_side],
                col_lo[a_side],
                col_hi[a_side],
                cx[a_side],
                cy[a_side],
                ct[a_side],
            )
            n_col[a_side] = nc
            # The box as for _near_box: (x min, y min, x max, y max).
            box[a_side, 0] = col_lo[a_side, 0]
            box[a_side, 2] = col_hi[a_side, nc - 1]
            box[a_side, 1] = np.inf
            box[a_side, 3] = -np.inf
            for c in range(nc):
                if start[a_side, c + 1] > start[a_side, c]:
                    box[a_side, 1] = min(box[a_side, 1], cy[a_side, start[a_side, c]])
                    box[a_side, 3] = max(box[a_side, 3], cy[a_side, start[a_side, c + 1] - 1])
        count = 0
        for a in range(shooters.shape[0]):
            s = shooters[a]
            mine = side[s]
            rad = reach[s]
            if n_seen[mine] == 0 or not source_ok[r, s] or rad <= 0.0:
                continue
            sx = x[r, s]
            sy = y[r, s]
            if not _near_box(box, mine, sx, sy, rad * (1.0 + 1e-9)):
                continue
            best = _nearest_contact(
                s,
                sx,
                sy,
                rad,
                margin,
                x[r],
                y[r],
                n_col[mine],
                start[mine],
                col_lo[mine],
                col_hi[mine],
                cx[mine],
                cy[mine],
                ct[mine],
            )
            if best >= 0:
                if count < cap:
                    out_i[r, count] = s
                    out_j[r, count] = best
                    out_d[r, count] = np.hypot(x[r, best] - sx, y[r, best] - sy)
                count += 1
        counts[r] = count


@jit  # type: ignore[misc,unused-ignore]
def uniform_of(h: np.uint64) -> float:
    """The uniform of a finished hash word (as :func:`drillsim.core.random.uniform_from_hash`)."""
    return (float(h >> np.uint64(UNIFORM_SHIFT)) + 0.5) * UNIFORM_SCALE


@jit  # type: ignore[misc,unused-ignore]
def informant_reports(
    target_ok: BoolArray,
    candidates: IntArray,
    p: FloatArray,
    seed: np.uint64,
    stream: np.int64,
    step: np.int64,
    reps: IntArray,
    out_j: IntArray,
    counts: IntArray,
) -> None:
    """Per row, the ``candidates`` (usable in that row) that informants report this step: candidate k is
    reported when the uniform of (stream, step, replication, element) is below ``p[k]``, the same draw as
    ``Streams.uniform``. Outputs (rows, capacity) and ``counts`` as for :func:`detect_pairs`."""
    cap = out_j.shape[1]
    for r in range(target_ok.shape[0]):
        prefix = hash_prefix(seed, stream, step, reps[r])
        count = 0
        for k in range(candidates.shape[0]):
            t = candidates[k]
            if target_ok[r, t] and uniform_of(hash_fourth(prefix, t)) < p[k]:
                if count < cap:
                    out_j[r, count] = t
                count += 1
        counts[r] = count


@jit  # type: ignore[misc,unused-ignore]
def pick_detections(
    key: IntArray,
    observer: IntArray,
    target: IntArray,
    rows: IntArray,
    sd_clear: FloatArray,
    sd_blocked: FloatArray,
    needs_los: BoolArray,
    n_pairs: int,
    x: FloatArray,
    y: FloatArray,
    altitude: FloatArray,
    z: FloatArray,
    x0: float,
    y0: float,
    cell: float,
    check_los: bool,
    samples: int,
    earth_radius: float,
    head: IntArray,
    tail: IntArray,
) -> tuple[BoolArray, BoolArray]:
    """One detection per ``key`` (row, side, target): the most precise, ties to the first entry; and
    whether each kept sensor pair's line of sight is clear.

    Entries before ``n_pairs`` are sensor pairs (``observer`` looks at ``target`` in row ``rows``): with a
    clear line of sight (or ``check_los`` off) their error is ``sd_clear``; blocked, ``sd_blocked`` if they
    detect without line of sight, else they do not count (``needs_los``). Later entries (informants) have
    error ``sd_clear`` and no line of sight to check. The result is that of checking every line and then
    keeping each key's smallest error, but lines are checked lazily: a key's entries are visited in order
    of their smallest possible error, and stop once that exceeds the best error found.

    ``head`` and ``tail`` are indexed by key, hold -1 everywhere on entry and are left so (a caller keeps
    them across steps)."""
    n = key.shape[0]
    after = np.full(n, -1, dtype=np.int64)
    for e in range(n):  # each key's entries, chained in entry order
        k = key[e]
        if head[k] < 0:
            head[k] = e
        else:
            after[tail[k]] = e
        tail[k] = e
    keep = np.zeros(n, dtype=np.bool_)
    clear = np.ones(n, dtype=np.bool_)
    group = np.empty(n, dtype=np.int64)
    low = np.empty(n)
    for e in range(n):
        k = key[e]
        if head[k] != e:
            continue
        g = 0
        q = e
        while q >= 0:  # insertion sort by (smallest possible error, entry)
            lb = sd_clear[q]
            if q < n_pairs and check_los and not needs_los[q]:
                lb = min(lb, sd_blocked[q])
            p = g
            while p > 0 and low[p - 1] > lb:
                group[p] = group[p - 1]
                low[p] = low[p - 1]
                p -= 1
            group[p] = q
            low[p] = lb
            g += 1
            q = after[q]
        best = -1
        best_sd = np.inf
        for p in range(g):
            if low[p] > best_sd:
                break
            q = group[p]
            sd = sd_clear[q]
            if q < n_pairs and check_los:
                r = rows[q]
                o = observer[q]
                t = target[q]
                seen = sight_line_clear(
                    z,
                    x0,
                    y0,
                    cell,
                    x[r, o],
                    y[r, o],
                    altitude[o],
                    x[r, t],
                    y[r, t],
                    2.0,
                    samples,
                    earth_radius,
                )
                clear[q] = seen
                if not seen:
                    sd = np.inf if needs_los[q] else sd_blocked[q]
            if sd < best_sd or (sd == best_sd and best >= 0 and q < best):
                best = q
                best_sd = sd
        if best >= 0 and best_sd < np.inf:
            keep[best] = True
        head[k] = -1
        tail[k] = -1
    return keep, clear


@jit  # type: ignore[misc,unused-ignore]
def deliver_due_reports(
    due_t: FloatArray,
    due_from: IntArray,
    seen_t: FloatArray,
    seen_x: FloatArray,
    seen_y: FloatArray,
    seen_err: FloatArray,
    known_t: FloatArray,
    known_x: FloatArray,
    known_y: FloatArray,
    known_err: FloatArray,
    known_live: BoolArray,
    timeout: FloatArray,
    t1: float,
) -> tuple[IntArray, IntArray, IntArray, FloatArray, BoolArray, IntArray, IntArray, IntArray]:
    """One pass over the pictures (rows, sides, elements): reports due by ``t1`` copy the reporting side's
    ``seen`` entry into the ``known`` layer and become live; then live contacts older than their side's
    ``timeout`` are lost. Returns the deliveries (rows, sides, elements, due times, whether newly live)
    and the losses (rows, sides, elements), each in (row, side, element) order."""
    n_r, n_s, n = due_t.shape
    due = due_t.ravel()
    nd = 0
    for q in range(due.shape[0]):
        if due[q] <= t1:
            nd += 1
    d_r = np.empty(nd, dtype=np.int64)
    d_b = np.empty(nd, dtype=np.int64)
    d_j = np.empty(nd, dtype=np.int64)
    d_when = np.empty(nd)
    d_new = np.empty(nd, dtype=np.bool_)
    k = 0
    if nd:
        for r in range(n_r):
            for b in range(n_s):
                for j in range(n):
                    when = due_t[r, b, j]
                    if when > t1:
                        continue
                    a = due_from[r, b, j]
                    known_t[r, b, j] = seen_t[r, a, j]
                    known_x[r, b, j] = seen_x[r, a, j]
                    known_y[r, b, j] = seen_y[r, a, j]
                    known_err[r, b, j] = seen_err[r, a, j]
                    due_t[r, b, j] = np.inf
                    d_r[k] = r
                    d_b[k] = b
                    d_j[k] = j
                    d_when[k] = when
                    d_new[k] = not known_live[r, b, j]
                    known_live[r, b, j] = True
                    k += 1
    nl = 0
    for r in range(n_r):
        for b in range(n_s):
            for j in range(n):
                if known_live[r, b, j] and (t1 - known_t[r, b, j]) > timeout[b]:
                    nl += 1
    l_r = np.empty(nl, dtype=np.int64)
    l_b = np.empty(nl, dtype=np.int64)
    l_j = np.empty(nl, dtype=np.int64)
    k = 0
    if nl:
        for r in range(n_r):
            for b in range(n_s):
                for j in range(n):
                    if known_live[r, b, j] and (t1 - known_t[r, b, j]) > timeout[b]:
                        known_live[r, b, j] = False
                        l_r[k] = r
                        l_b[k] = b
                        l_j[k] = j
                        k += 1
    return d_r, d_b, d_j, d_when, d_new, l_r, l_b, l_j


@jit  # type: ignore[misc,unused-ignore]
def located_fraction_table(
    active: BoolArray, known_live: BoolArray, side: IntArray, ground: BoolArray, hostile: BoolArray
) -> FloatArray:
    """(rows, sides, sides): the fraction of side b's active ground elements that side a holds as live
    contacts, for hostile a and b (0 elsewhere, and where b has none)."""
    n_r, n_s, n = known_live.shape
    out = np.zeros((n_r, n_s, n_s))
    alive = np.zeros(n_s, dtype=np.int64)
    held = np.zeros((n_s, n_s), dtype=np.int64)
    for r in range(n_r):
        alive[:] = 0
        held[:, :] = 0
        for j in range(n):  # without branches: counting is cheaper than mispredicting
            ok = ground[j] & active[r, j]
            b = side[j]
            alive[b] += ok
            for a in range(n_s):
                held[a, b] += ok & known_live[r, a, j]
        for a in range(n_s):
            for b in range(n_s):
                if hostile[a, b] and alive[b] > 0:
                    out[r, a, b] = held[a, b] / alive[b]
    return out


@jit  # type: ignore[misc,unused-ignore]
def record_detections(
    rows: IntArray,
    side: IntArray,
    observer: IntArray,
    target: IntArray,
    sd: FloatArray,
    ident: BoolArray,
    bx: FloatArray,
    by: FloatArray,
    t1: float,
    timeout: FloatArray,
    seen_t: FloatArray,
    seen_x: FloatArray,
    seen_y: FloatArray,
    seen_err: FloatArray,
    seen_by: IntArray,
    identified: BoolArray,
    episode_t: FloatArray,
    detected_at: FloatArray,
    detected_by_side: FloatArray,
    allied: BoolArray,
    latency: FloatArray,
    due_t: FloatArray,
    due_from: IntArray,
) -> BoolArray:
    """Write one step's detections (one per row, side and target) into the sides' ``seen`` layers at
    ``t1``, start new contact episodes, and schedule a report to every allied side's shared picture where it
    arrives earlier than one already pending. Returns which detections start a new episode (the contact
    was not live). For each receiving side, every report is compared with what was pending before any of
    them, and later ones overwrite earlier ones, as indexed array assignment does."""
    n = rows.shape[0]
    new = np.empty(n, dtype=np.bool_)
    for e in range(n):
        r = rows[e]
        a = side[e]
        t = target[e]
        new[e] = not ((t1 - seen_t[r, a, t]) <= timeout[a])
        seen_t[r, a, t] = t1
        seen_x[r, a, t] = bx[e]
        seen_y[r, a, t] = by[e]
        seen_err[r, a, t] = sd[e]
        seen_by[r, a, t] = observer[e]
        identified[r, a, t] = identified[r, a, t] or ident[e]
        if new[e]:
            episode_t[r, a, t] = t1
            detected_at[r, t] = min(detected_at[r, t], t1)
            detected_by_side[r, a] = min(detected_by_side[r, a], t1)
    earlier = np.empty(n, dtype=np.bool_)
    due = np.empty(n)
    for b in range(allied.shape[1]):
        for e in range(n):
            a = side[e]
            if allied[a, b]:
                due[e] = t1 + (latency[a] + (0.0 if a == b else latency[b]))
                earlier[e] = due[e] < due_t[rows[e], b, target[e]]
            else:
                earlier[e] = False
        for e in range(n):
            if earlier[e]:
                due_t[rows[e], b, target[e]] = due[e]
                due_from[rows[e], b, target[e]] = side[e]
    return new


def run_per_row(
    kernel: Any, args: tuple[Any, ...], dtypes: tuple[Any, ...], rows: int, capacity: int
) -> tuple[tuple[Any, ...], int]:
    """Call a per-row kernel with (rows, capacity) outputs, growing the capacity until every row fits
    (the kernels are deterministic, so a second call finds the same rows). Returns the found rows flattened
    in row order (row index first) and the largest count of any row, so callers can size the next call."""
    capacity = max(capacity, 1)
    while True:
        outs = tuple(np.empty((rows, capacity), dtype=d) for d in dtypes)
        counts = np.zeros(rows, dtype=np.int64)
        kernel(*args, *outs, counts)
        most = int(counts.max()) if rows else 0
        if most <= capacity:
            total = int(counts.sum())
            row_index = np.repeat(np.arange(rows), counts)
            return (row_index, *(_compact(o, counts, total) for o in outs)), most
        capacity = most


@jit  # type: ignore[misc,unused-ignore]
def _compact(out: Any, counts: IntArray, total: int) -> Any:
    """The first ``counts[r]`` entries of each row of ``out``, row after row."""
    flat = np.empty(total, dtype=out.dtype)
    k = 0
    for r in range(out.shape[0]):
        for c in range(counts[r]):
            flat[k] = out[r, c]
            k += 1
    return flat
