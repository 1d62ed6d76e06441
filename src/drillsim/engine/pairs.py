"""Finding pairs of elements close enough to interact, in every replication of a batch.

The search itself is the compiled grid scan of :mod:`drillsim.engine.kernels`. Pairs come out sorted by
(row, source, target) in the order the ``sources`` and ``targets`` arrays give, whatever the batch holds,
so sums over pairs and the events they produce are identical for a replication run alone or among many.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from drillsim.engine.kernels import scan_pairs

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


def near_pairs(
    x: FloatArray,
    y: FloatArray,
    sources: IntArray,
    targets: IntArray,
    radius: FloatArray,
    *,
    side: IntArray,
    hostile: BoolArray,
    source_ok: BoolArray | None = None,
    target_ok: BoolArray | None = None,
) -> tuple[IntArray, IntArray, IntArray, FloatArray]:
    """Pairs (row, source element, target element, distance) with distance <= the source's radius, between
    elements of hostile sides (``hostile[side[a], side[b]]``).

    ``sources``/``targets``: element indices to consider, in the order pairs should list them;
    ``radius``: per element (N,); ``source_ok`` and ``target_ok``: (R, N) masks of elements able to take
    part this step. A source is never paired with itself.
    """
    r, n = x.shape
    sources = np.ascontiguousarray(sources, dtype=np.int64)
    targets = np.ascontiguousarray(targets, dtype=np.int64)
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
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
        np.ascontiguousarray(side, dtype=np.int64),
        np.ascontiguousarray(hostile, dtype=np.bool_),
        cell,
    )
    return run_with_capacity(scan_pairs, args, (np.int64, np.int64, np.int64, np.float64), 16 * r)


def run_with_capacity(
    kernel: Any, args: tuple[Any, ...], dtypes: tuple[Any, ...], guess: int
) -> tuple[Any, ...]:
    """Call a kernel that fills output arrays and returns how many rows it found; if they did not fit,
    call it again with room for all of them (the kernels are deterministic, so the second call fills the
    same rows)."""
    capacity = max(guess, 64)
    while True:
        outs = tuple(np.empty(capacity, dtype=d) for d in dtypes)
        count = int(kernel(*args, *outs))
        if count <= capacity:
            return tuple(o[:count] for o in outs)
        capacity = count


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
