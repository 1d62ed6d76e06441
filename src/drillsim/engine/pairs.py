"""Finding pairs of elements close enough to interact, in every replication of a batch.

Interactions (a sensor looking at a target, a rifle at an enemy) only matter within some radius, so each
replication's targets are bucketed into a uniform grid of cells as wide as the largest radius, and each
source looks only in the 3 x 3 cells around it: cost grows with the number of elements and of close
pairs, not with the square of the elements. The kernel is compiled with numba.

Pairs come out sorted by (row, source, target) in the order the ``sources`` and ``targets`` arrays give,
whatever the batch holds, so sums over pairs and the events they produce are identical for a replication
run alone or among many.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

_KEY_STRIDE = 1 << 31
_BRUTE_FORCE_TARGETS = 48
"""With this few targets in a replication, testing every pair beats building a grid."""


@numba.njit(cache=True, nogil=True)  # type: ignore[misc,unused-ignore]
def _scan(
    x: FloatArray,
    y: FloatArray,
    sources: IntArray,
    targets: IntArray,
    radius: FloatArray,
    source_ok: BoolArray,
    target_ok: BoolArray,
    allowed: BoolArray,
    cell: float,
    out_r: IntArray,
    out_i: IntArray,
    out_j: IntArray,
    out_d: FloatArray,
    fill: bool,
) -> int:
    n_rows = x.shape[0]
    nt = targets.shape[0]
    keys = np.empty(nt, dtype=np.int64)
    slot = np.empty(nt, dtype=np.int64)
    found = np.empty(nt, dtype=np.int64)
    dist = np.empty(nt, dtype=np.float64)
    count = 0
    for r in range(n_rows):
        m = 0
        for b in range(nt):
            t = targets[b]
            if target_ok[r, t]:
                kx = np.int64(np.floor(x[r, t] / cell))
                ky = np.int64(np.floor(y[r, t] / cell))
                keys[m] = kx * _KEY_STRIDE + ky
                slot[m] = b
                m += 1
        if m == 0:
            continue
        if m <= _BRUTE_FORCE_TARGETS:
            # Few targets: test them all, in target order (no grid, no sorting).
            for a in range(sources.shape[0]):
                s = sources[a]
                if not source_ok[r, s] or radius[s] <= 0.0:
                    continue
                for q in range(m):
                    b = slot[q]
                    t = targets[b]
                    if t == s or not allowed[s, t]:
                        continue
                    d = np.hypot(x[r, t] - x[r, s], y[r, t] - y[r, s])
                    if d <= radius[s]:
                        if fill:
                            out_r[count] = r
                            out_i[count] = s
                            out_j[count] = t
                            out_d[count] = d
                        count += 1
            continue
        order = np.argsort(keys[:m], kind="mergesort")
        sorted_keys = keys[:m][order]
        sorted_slot = slot[:m][order]
        for a in range(sources.shape[0]):
            s = sources[a]
            if not source_ok[r, s]:
                continue
            rad = radius[s]
            if rad <= 0.0:
                continue
            sx = x[r, s]
            sy = y[r, s]
            kx = np.int64(np.floor(sx / cell))
            ky = np.int64(np.floor(sy / cell))
            k = 0
            for dx in range(-1, 2):
                for dy in range(-1, 2):
                    key = (kx + dx) * _KEY_STRIDE + (ky + dy)
                    lo = np.searchsorted(sorted_keys, key, side="left")
                    hi = np.searchsorted(sorted_keys, key, side="right")
                    for p in range(lo, hi):
                        b = sorted_slot[p]
                        t = targets[b]
                        if t == s or not allowed[s, t]:
                            continue
                        d = np.hypot(x[r, t] - sx, y[r, t] - sy)
                        if d <= rad:
                            found[k] = b
                            dist[k] = d
                            k += 1
            if k == 0:
                continue
            if fill:
                back = np.argsort(found[:k], kind="mergesort")
                for q in range(k):
                    out_r[count + q] = r
                    out_i[count + q] = s
                    out_j[count + q] = targets[found[back[q]]]
                    out_d[count + q] = dist[back[q]]
            count += k
    return count


def near_pairs(
    x: FloatArray,
    y: FloatArray,
    sources: IntArray,
    targets: IntArray,
    radius: FloatArray,
    *,
    source_ok: BoolArray | None = None,
    target_ok: BoolArray | None = None,
    allowed: BoolArray | None = None,
) -> tuple[IntArray, IntArray, IntArray, FloatArray]:
    """Pairs (row, source element, target element, distance) with distance <= the source's radius.

    ``sources``/``targets``: element indices to consider, in the order pairs should list them;
    ``radius``: per element (N,); ``source_ok`` and ``target_ok``: (R, N) masks of elements able to take
    part this step; ``allowed``: (N, N) static mask (e.g. hostile sides only). A source is never paired with
    itself.
    """
    r, n = x.shape
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    sources = np.ascontiguousarray(sources, dtype=np.int64)
    targets = np.ascontiguousarray(targets, dtype=np.int64)
    if r == 0 or len(sources) == 0 or len(targets) == 0:
        return empty
    cell = float(np.max(radius[sources]))
    if not cell > 0:
        return empty
    ones = np.ones((r, n), dtype=np.bool_)
    args = (
        np.ascontiguousarray(x, dtype=np.float64),
        np.ascontiguousarray(y, dtype=np.float64),
        sources,
        targets,
        np.ascontiguousarray(radius, dtype=np.float64),
        np.ascontiguousarray(ones if source_ok is None else source_ok, dtype=np.bool_),
        np.ascontiguousarray(ones if target_ok is None else target_ok, dtype=np.bool_),
        np.ascontiguousarray(np.ones((n, n), dtype=np.bool_) if allowed is None else allowed, dtype=np.bool_),
        cell,
    )
    zi = np.zeros(0, np.int64)
    total = _scan(*args, zi, zi, zi, np.zeros(0), False)
    out_r = np.empty(total, np.int64)
    out_i = np.empty(total, np.int64)
    out_j = np.empty(total, np.int64)
    out_d = np.empty(total, np.float64)
    _scan(*args, out_r, out_i, out_j, out_d, True)
    return out_r, out_i, out_j, out_d


def group_argmax(keys: IntArray, values: FloatArray, n_keys: int) -> IntArray:
    """For each key in 0..n_keys-1, the index (into ``values``) of its largest value, or -1 if it has none.

    Ties go to the first index, so the answer does not depend on anything but the order of the input.
    """
    best = np.full(n_keys, -1, dtype=np.int64)
    if len(keys) == 0:
        return best
    order = np.lexsort((np.arange(len(keys)), -values, keys))
    first = np.ones(len(order), dtype=bool)
    first[1:] = keys[order][1:] != keys[order][:-1]
    best[keys[order][first]] = order[first]
    return best
