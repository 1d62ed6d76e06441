"""Prototype: :func:`drillsim.engine.pairs.near_pairs` with uniform-grid culling, in plain NumPy.

Written when ``near_pairs`` computed every (source, target) distance of every replication (O(R * S * T)
time and, at 10,000 units, an 800 MB distance block per replication). Since commit 45547bb the engine's
``near_pairs`` is itself grid-culled, in a numba kernel; this file stays as a numba-free alternative and
as an independent oracle for it (the test compares the two). It bins the able targets of each
replication into square cells of side ``radius.max() / cells_per_radius`` (key = row, cell x, cell y;
one ``argsort``), looks up for each able source the ``(2k + 1)**2`` cells around its own with
``searchsorted``, expands the candidate ranges without a Python loop, and keeps the candidates that pass
the exact same test as the dense version (same subtraction and ``np.hypot``, so the same floats). Cost is
O(R * (S + T) log T + candidates), where candidates are the pairs within about one cell of each other: for
a fixed sensor range and density it grows as N, not N**2.

Output is bit-for-bit that of ``near_pairs``: pairs sorted by (row, position in ``sources``, position in
``targets``), distances equal as floats. ``benchmarks/test_grid_pairs.py`` checks it on random cases and
on engine states. Positions that are not finite never pair (as in the dense version, where the comparison
with NaN is false); an infinite radius falls back to the dense function.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from drillsim.engine.pairs import near_pairs

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

_CHUNK_ENTRIES = 400_000
"""Rows are processed in blocks of about this many (row, element) entries, to bound memory."""


def _empty() -> tuple[IntArray, IntArray, IntArray, FloatArray]:
    z = np.zeros(0, np.int64)
    return z, z.copy(), z.copy(), np.zeros(0)


def grid_near_pairs(
    x: FloatArray,
    y: FloatArray,
    sources: IntArray,
    targets: IntArray,
    radius: FloatArray,
    *,
    source_ok: BoolArray | None = None,
    target_ok: BoolArray | None = None,
    allowed: BoolArray | None = None,
    cells_per_radius: int = 1,
) -> tuple[IntArray, IntArray, IntArray, FloatArray]:
    """Same contract and same output as :func:`drillsim.engine.pairs.near_pairs`, by grid culling."""
    r = x.shape[0]
    ns, nt = len(sources), len(targets)
    if r == 0 or ns == 0 or nt == 0:
        return _empty()
    rad_s = np.asarray(radius, dtype=np.float64)[sources]
    usable = rad_s > 0  # as in near_pairs: a source with no positive radius pairs with nothing
    if not usable.any():
        return _empty()
    max_rad = float(rad_s[usable].max())
    if not np.isfinite(max_rad):
        return near_pairs(
            x, y, sources, targets, radius, source_ok=source_ok, target_ok=target_ok, allowed=allowed
        )
    step = max(1, _CHUNK_ENTRIES // max(ns + nt, 1))
    parts = []
    for start in range(0, r, step):
        rows = slice(start, min(r, start + step))
        cull = (max_rad, cells_per_radius)
        parts.append(
            _grid_rows(x, y, sources, targets, radius, usable, source_ok, target_ok, allowed, cull, rows)
        )
    return (
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
        np.concatenate([p[3] for p in parts]),
    )


def _grid_rows(
    x: FloatArray,
    y: FloatArray,
    sources: IntArray,
    targets: IntArray,
    radius: FloatArray,
    usable: BoolArray,
    source_ok: BoolArray | None,
    target_ok: BoolArray | None,
    allowed: BoolArray | None,
    cull: tuple[float, int],
    rows: slice,
) -> tuple[IntArray, IntArray, IntArray, FloatArray]:
    ns, nt = len(sources), len(targets)
    xs, ys = x[rows][:, sources], y[rows][:, sources]
    xt, yt = x[rows][:, targets], y[rows][:, targets]
    s_mask = np.isfinite(xs) & np.isfinite(ys) & usable[None, :]
    t_mask = np.isfinite(xt) & np.isfinite(yt)
    if source_ok is not None:
        s_mask &= source_ok[rows][:, sources]
    if target_ok is not None:
        t_mask &= target_ok[rows][:, targets]
    s_row, s_a = np.nonzero(s_mask)
    t_row, t_b = np.nonzero(t_mask)
    if not len(s_row) or not len(t_row):
        return _empty()
    # Cells of side max radius / cells_per_radius, made coarser if the key would not fit in int64.
    max_rad, per_radius = cull
    txv, tyv = xt[t_row, t_b], yt[t_row, t_b]
    span = max(float(np.ptp(txv)), float(np.ptp(tyv)), 1.0)
    cell = max(max_rad / per_radius, span / 2.0**20, 1e-6)
    reach = int(np.ceil(max_rad / cell))
    # Bin targets: key = (row, cell x, cell y), cells shifted so that neighbours of clipped sources exist.
    tcx = np.floor(txv / cell).astype(np.int64)
    tcy = np.floor(tyv / cell).astype(np.int64)
    cx0, cy0 = int(tcx.min()) - reach, int(tcy.min()) - reach
    width = int(tcx.max()) - cx0 + reach + 1
    height = int(tcy.max()) - cy0 + reach + 1
    tkey = (t_row * width + (tcx - cx0)) * height + (tcy - cy0)
    order = np.argsort(tkey, kind="stable")
    sorted_key = tkey[order]
    # Sources: clipping a far-away source into the padded box only adds candidates, never loses one.
    scx = np.clip(np.floor(xs[s_row, s_a] / cell), cx0 + reach, cx0 + width - 1 - reach).astype(np.int64)
    scy = np.clip(np.floor(ys[s_row, s_a] / cell), cy0 + reach, cy0 + height - 1 - reach).astype(np.int64)
    base = (s_row * width + (scx - cx0)) * height + (scy - cy0)
    offsets = np.arange(-reach, reach + 1)
    shift = (offsets[:, None] * height + offsets[None, :]).reshape(-1)
    keys = base[:, None] + shift[None, :]  # (source entries, neighbour cells)
    lo = np.searchsorted(sorted_key, keys, side="left").reshape(-1)
    hi = np.searchsorted(sorted_key, keys, side="right").reshape(-1)
    counts = hi - lo
    total = int(counts.sum())
    if total == 0:
        return _empty()
    entry = np.repeat(np.arange(keys.size) // len(shift), counts)
    first = np.repeat(lo - (np.cumsum(counts) - counts), counts)
    tgt = order[first + np.arange(total)]
    row = s_row[entry]
    a, b = s_a[entry], t_b[tgt]
    i, j = sources[a], targets[b]
    keep = i != j
    if allowed is not None:
        keep &= allowed[i, j]
    row, a, b, i, j = row[keep], a[keep], b[keep], i[keep], j[keep]
    xr, yr = x[rows], y[rows]
    d = np.hypot(xr[row, i] - xr[row, j], yr[row, i] - yr[row, j])
    hit = d <= radius[i]
    row, a, b, i, j, d = row[hit], a[hit], b[hit], i[hit], j[hit], d[hit]
    # The dense version's order: (row, position in sources, position in targets).
    sort = np.argsort((row * ns + a) * nt + b, kind="stable")
    return row[sort] + rows.start, i[sort], j[sort], d[sort]
