"""A spatial index for the batched engine: each replication's elements bucketed by side and grid cell.

Cells lie on a fixed lattice as wide as the largest search radius, halved in crowded replications. Targets are
filed either in a dense grid over their bounding box (a counting sort; each cell one contiguous range) or,
when that box holds far more cells than targets, by their sorted cell keys (a binary search per column). A
query point scans only the cells its radius reaches, and only in the buckets of the sides it asks for. So the
work grows with the number of elements and of close pairs, not with the square of the elements. Sensing's
pair search (:func:`drillsim.mechanics.sensing.passes.detect_pairs`) and direct fire's target choice
(:mod:`drillsim.mechanics.direct_fire.targets`) are its users. All functions are compiled and serial; the
two candidate searches, called once per observer in a row, are inlined into their callers, so the grid
and segment arrays they take cost no call.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from drillsim.core.compiled import jit, jit_inline

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

BRUTE_FORCE_TARGETS = 48
"""With this few targets in a replication, testing every pair beats building a grid."""
_HALF = 1 << 20
"""Cell coordinates are offset by this to stay positive in the bucket key (cells of >= 1 m, +-1,000 km)."""


class Segments(NamedTuple):
    """Scratch for a query's answer: segment g is ``pool[lo[g]:hi[g]]`` (``pool`` the grid's members or its
    sorted slots), all of side ``side[g]``, no nearer to the query point than ``sqrt(d2[g])``, and ``key[g]``
    the cell's key on the fixed lattice."""

    lo: IntArray
    hi: IntArray
    d2: FloatArray
    side: IntArray
    key: IntArray


class DenseGrid(NamedTuple):
    """The arrays :func:`dense_grid` fills: per cell the row that last filled it (-1: none yet), its first and
    end positions in the members, and per target its cell and the members."""

    cell_row: IntArray
    cell_first: IntArray
    cell_end: IntArray
    cell_of: IntArray
    members: IntArray


class GridFrame(NamedTuple):
    """Where a row's dense grid lies: its origin, its size in cells (0: no dense grid) and the cell size."""

    x0: float
    y0: float
    nx: int
    ny: int
    cell: float


@jit
def segments(n: int) -> Segments:
    """Room for ``n`` segments."""
    return Segments(
        np.empty(n, dtype=np.int64),
        np.empty(n, dtype=np.int64),
        np.empty(n),
        np.empty(n, dtype=np.int64),
        np.empty(n, dtype=np.int64),
    )


@jit
def cell_key(side: int, x: float, y: float, cell: float) -> int:
    kx = min(max(int(np.floor(x / cell)) + _HALF, 0), 2 * _HALF - 1)
    ky = min(max(int(np.floor(y / cell)) + _HALF, 0), 2 * _HALF - 1)
    return (side * (2 * _HALF) + kx) * (2 * _HALF) + ky


@jit
def bucket_targets(
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
                keys[m] = cell_key(side[t], tx, ty, cell)
            slot[m] = b
            m += 1
            st = side[t]
            box[st, 0] = min(box[st, 0], tx)
            box[st, 1] = min(box[st, 1], ty)
            box[st, 2] = max(box[st, 2], tx)
            box[st, 3] = max(box[st, 3], ty)
    return m


@jit
def near_box(box: FloatArray, other: int, sx: float, sy: float, radius: float) -> bool:
    """Whether (sx, sy) lies within ``radius`` of side ``other``'s bounding box of targets."""
    dx = max(box[other, 0] - sx, 0.0, sx - box[other, 2])
    dy = max(box[other, 1] - sy, 0.0, sy - box[other, 3])
    return bool(dx * dx + dy * dy <= radius * radius)


@jit
def first_at_least(keys: IntArray | FloatArray, value: float) -> int:
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


@jit_inline
def sorted_candidates(
    mine: int,
    sx: float,
    sy: float,
    radius: float,
    cell: float,
    hostile: BoolArray,
    box: FloatArray,
    m: int,
    sorted_keys: IntArray,
    seg: Segments,
) -> int:
    """The enemy targets that may lie within ``radius`` of (sx, sy), by side and cell, as segments of the
    sorted slots (positions in ``targets``, in the order of ``sorted_keys``; not in target order: callers
    that need it sort what they keep): :class:`Segments`. Returns the number of segments. Sides whose
    targets' bounding box is out of reach are skipped; with few targets (no grid), the one segment is
    ``slot[:m]``, every target, at distance 0 and side -1 (the caller checks sides and distances)."""
    near = False
    for other in range(hostile.shape[1]):
        if hostile[mine, other] and near_box(box, other, sx, sy, radius):
            near = True
            break
    if not near:
        return 0
    if m <= BRUTE_FORCE_TARGETS:
        seg.lo[0] = 0
        seg.hi[0] = m
        seg.d2[0] = 0.0
        seg.side[0] = -1
        seg.key[0] = 0
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
        if not hostile[mine, other] or not near_box(box, other, sx, sy, radius):
            continue
        # Cells (kx, ky - w) ... (kx, ky + w) have consecutive keys: one range (segment) per column.
        for dx in range(-w, w + 1):
            col = kx + dx
            if col < 0 or col > top:
                continue
            base = (other * (2 * _HALF) + col) * (2 * _HALF)
            lo = first_at_least(sorted_keys, base + lo_y)
            hi = first_at_least(sorted_keys, base + hi_y + 1)
            if hi == lo:
                continue
            x_lo = -np.inf if col == 0 else (col - _HALF) * cell
            x_hi = np.inf if col == top else (col - _HALF + 1) * cell
            gap_x = max(x_lo - sx, 0.0, sx - x_hi)
            seg.lo[g] = lo
            seg.hi[g] = hi
            seg.d2[g] = gap_x * gap_x + gap_y * gap_y
            seg.side[g] = other
            seg.key[g] = base + lo_y
            g += 1
    return g


@jit
def union_box(box: FloatArray) -> tuple[float, float, float, float]:
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


@jit
def grid_fits(cells: int, m: int) -> bool:
    """Whether a dense grid of ``cells`` cells is worth building for ``m`` targets (else: sorted keys)."""
    return cells <= 8 * m + 4096


@jit
def grid_scratch(n_targets: int) -> DenseGrid:
    """The arrays :func:`dense_grid` fills, for any grid :func:`grid_fits` allows with up to ``n_targets``
    targets."""
    cells = 8 * n_targets + 4096
    return DenseGrid(
        np.full(cells, -1, dtype=np.int64),
        np.empty(cells, dtype=np.int64),
        np.empty(cells, dtype=np.int64),
        np.empty(max(n_targets, 1), dtype=np.int64),
        np.empty(max(n_targets, 1), dtype=np.int64),
    )


@jit
def dense_grid(
    x: FloatArray,
    y: FloatArray,
    r: int,
    targets: IntArray,
    side: IntArray,
    cell: float,
    m: int,
    slot: IntArray,
    box: FloatArray,
    grid: DenseGrid,
) -> GridFrame:
    """Row r's usable targets (``slot[:m]``) filed in a dense (side, column, row) grid of cells over their
    bounding box: cell f holds ``members[cell_first[f]:cell_end[f]]`` (positions in ``targets``, in target
    order) where ``cell_row[f] == r``, and nothing elsewhere. Only the cells that hold targets are
    written, so a row costs its targets, not its cells. Returns the grid's frame; a size of 0 when the box
    holds too many cells for the targets (the caller then uses the sorted-key grid)."""
    cell_row, cell_first, cell_end, cell_of, members = grid
    n_sides = box.shape[0]
    x0, y0, x1, y1 = union_box(box)
    # Cells on the fixed lattice of multiples of ``cell`` (not on the box's corner), so a cell is the same
    # place whatever else is in the row: the skipped sampling keys its draws by cell.
    x0 = np.floor(x0 / cell) * cell
    y0 = np.floor(y0 / cell) * cell
    nx = int((x1 - x0) / cell) + 1
    ny = int((y1 - y0) / cell) + 1
    if not grid_fits(nx * ny * n_sides, m):
        return GridFrame(x0, y0, 0, 0, cell)
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
    return GridFrame(x0, y0, nx, ny, cell)


@jit_inline
def dense_candidates(
    mine: int,
    sx: float,
    sy: float,
    radius: float,
    hostile: BoolArray,
    box: FloatArray,
    r: int,
    grid: DenseGrid,
    frame: GridFrame,
    seg: Segments,
) -> int:
    """As :func:`sorted_candidates`, from the dense grid of :func:`dense_grid`: one segment of ``members`` per
    non-empty cell within reach, found without a search."""
    cell_row = grid.cell_row
    cell_first = grid.cell_first
    cell_end = grid.cell_end
    x0, y0, nx, ny, cell = frame
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
        if not hostile[mine, other] or not near_box(box, other, sx, sy, radius):
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
                seg.lo[g] = lo
                seg.hi[g] = hi
                seg.d2[g] = gap_x * gap_x + gap_y * gap_y
                seg.side[g] = other
                seg.key[g] = (other * (2 * _HALF) + ax + col) * (2 * _HALF) + ay + cy
                g += 1
    return g


@jit
def sorted_grid(m: int, keys: IntArray, slot: IntArray) -> tuple[IntArray, IntArray]:
    if m <= BRUTE_FORCE_TARGETS:
        return keys[:0].copy(), slot[:0].copy()
    order = np.argsort(keys[:m], kind="mergesort")
    return keys[:m][order], slot[:m][order]


REFINE_STEPS = 2
"""At most this many halvings of the detection grid's cells in a crowded row (cells of 1/4 the radius)."""
CROWDED_CELL = 16.0
"""A row is crowded when its targets average more than this many per cell of the current size over their
bounding box: its cells are then halved (if the dense grid stays small), for tighter segment bounds."""


@jit
def fine_cell(box: FloatArray, cell: float, m: int) -> float:
    """The cell size of a row's dense detection grid: ``cell`` (the largest radius), halved up to
    :data:`REFINE_STEPS` times while the row's ``m`` targets are crowded (:data:`CROWDED_CELL`) and the
    grid stays within :func:`dense_grid`'s limit. Smaller cells bound the hazard of their targets more
    tightly (:func:`_segment_bound`), so crowded rows skip more pairs; sparse rows keep large cells, since
    walking more cells would cost more than it saves."""
    n_sides = box.shape[0]
    x0, y0, x1, y1 = union_box(box)
    fine = cell
    for _ in range(REFINE_STEPS):
        nx = int((x1 - x0) / fine) + 1
        ny = int((y1 - y0) / fine) + 1
        if m < CROWDED_CELL * nx * ny:
            break
        half = fine / 2.0
        if not grid_fits((int((x1 - x0) / half) + 1) * (int((y1 - y0) / half) + 1) * n_sides, m):
            break
        fine = half
    return fine
