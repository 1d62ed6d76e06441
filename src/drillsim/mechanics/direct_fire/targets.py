"""Target choice: each shooter's nearest live contact in its side's picture (compiled, per row).

A side's contacts are laid out in columns of believed x, sorted by y, and searched outwards from the shooter,
so a shooter usually looks at a few contacts, not all of them. Only contacts the side believes in (its
picture, never ground truth) can be chosen.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from drillsim.core.compiled import jit, jit_inline
from drillsim.geo.spatial_index import first_at_least, near_box
from drillsim.state.batch import ContactLayer

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


COLUMNS_PER_ROOT_CONTACT = 0.5
"""For target choice, a side's ``k`` live contacts are laid out in ``int(this * sqrt(k))`` columns of
believed x (at least one; about ``2 sqrt(k)`` contacts in each). Only speed depends on it (measured best
on the synthetic benchmark and Khatlon)."""


class Shooters(NamedTuple):
    """The shooters and targets of direct fire, built once: who may shoot, who may be shot, each element's
    reach (m) and side, and which sides are hostile."""

    shooters: IntArray
    targets: IntArray
    reach: FloatArray
    side: IntArray
    hostile: BoolArray


class Picks(NamedTuple):
    """The outputs of :func:`nearest_seen_targets`, (rows, capacity) each: shooter, target, true distance."""

    i: IntArray
    j: IntArray
    d: FloatArray


class Columns(NamedTuple):
    """One side's contacts laid out in columns (:func:`_contact_columns`): each column's first slot (then
    the count), its smallest and largest believed x, and per slot the believed x, y and element."""

    start: IntArray
    col_lo: FloatArray
    col_hi: FloatArray
    cx: FloatArray
    cy: FloatArray
    ct: IntArray


@jit_inline
def _contact_columns(
    k: int,
    bx: FloatArray,
    by: FloatArray,
    bt: IntArray,
    column: IntArray,
    fill: IntArray,
    order: IntArray,
    cols: Columns,
) -> int:
    """Lay out ``k`` contacts (believed ``bx``, ``by``; element ``bt``) in columns of equal width over their
    believed x, each sorted by believed y. Fills ``cols``: ``cx``, ``cy``, ``ct`` in that order, ``start``
    (each column's first slot, then ``k``) and each column's smallest and largest believed x (``col_lo``,
    ``col_hi``; +inf and -inf when it is empty); ``column``, ``fill`` and ``order`` are scratch. Returns
    the number of columns."""
    start, col_lo, col_hi, cx, cy, ct = cols
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
    for c in range(nc + 1):  # element by element: an array-to-slice copy compiles numba's shape check
        start[c] = fill[c]
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


@jit_inline
def _nearest_contact(  # noqa: C901
    s: int,
    sx: float,
    sy: float,
    rad: float,
    margin: float,
    x: FloatArray,
    y: FloatArray,
    nc: int,
    cols: Columns,
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
    start, col_lo, col_hi, cx, cy, ct = cols
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
                p0 = lo + first_at_least(cy[lo:hi], sy)
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


@jit
def nearest_seen_targets(  # noqa: C901
    x: FloatArray,
    y: FloatArray,
    table: Shooters,
    margin: float,
    source_ok: BoolArray,
    target_ok: BoolArray,
    seen: ContactLayer,
    timeout: FloatArray,
    now: float,
    out: Picks,
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
    shooters, targets, reach, side, hostile = table
    seen_t, seen_x, seen_y, _ = seen  # by position: callers pass a plain tuple (core.compiled.plain)
    out_i, out_j, out_d = out
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
                Columns(start[a_side], col_lo[a_side], col_hi[a_side], cx[a_side], cy[a_side], ct[a_side]),
            )
            n_col[a_side] = nc
            # The box as for near_box: (x min, y min, x max, y max).
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
            if not near_box(box, mine, sx, sy, rad * (1.0 + 1e-9)):
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
                Columns(start[mine], col_lo[mine], col_hi[mine], cx[mine], cy[mine], ct[mine]),
            )
            if best >= 0:
                if count < cap:
                    out_i[r, count] = s
                    out_j[r, count] = best
                    out_d[r, count] = np.hypot(x[r, best] - sx, y[r, best] - sy)
                count += 1
        counts[r] = count
