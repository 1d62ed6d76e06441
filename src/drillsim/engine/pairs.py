"""Finding pairs of elements close enough to interact, in every replication of a batch.

Pairs come out sorted by (row, source, target), the same order whatever the batch holds, so sums over
pairs and the events they produce are identical for a replication run alone or among many.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

_CHUNK_CELLS = 2_000_000


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

    ``sources``/``targets``: element indices to consider; ``radius``: per element (N,); ``source_ok`` and
    ``target_ok``: (R, N) masks of elements able to take part this step; ``allowed``: (N, N) static mask
    (e.g. hostile sides only). A source is never paired with itself.
    """
    r = x.shape[0]
    ns, nt = len(sources), len(targets)
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    if r == 0 or ns == 0 or nt == 0:
        return empty
    static = np.ones((ns, nt), dtype=bool) if allowed is None else allowed[np.ix_(sources, targets)]
    static &= sources[:, None] != targets[None, :]
    if not static.any():
        return empty
    rad = radius[sources][:, None]
    step = max(1, _CHUNK_CELLS // max(ns * nt, 1))
    out_r: list[IntArray] = []
    out_i: list[IntArray] = []
    out_j: list[IntArray] = []
    out_d: list[FloatArray] = []
    for start in range(0, r, step):
        rows = slice(start, min(r, start + step))
        sx, sy = x[rows][:, sources], y[rows][:, sources]
        tx, ty = x[rows][:, targets], y[rows][:, targets]
        d = np.hypot(sx[:, :, None] - tx[:, None, :], sy[:, :, None] - ty[:, None, :])
        mask = (d <= rad[None]) & static[None]
        if source_ok is not None:
            mask &= source_ok[rows][:, sources][:, :, None]
        if target_ok is not None:
            mask &= target_ok[rows][:, targets][:, None, :]
        rr, a, b = np.nonzero(mask)
        out_r.append(rr + start)
        out_i.append(sources[a])
        out_j.append(targets[b])
        out_d.append(d[rr, a, b])
    return (np.concatenate(out_r), np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_d))


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
