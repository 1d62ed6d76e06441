"""Direct fire: each able shooter engages the nearest enemy its side currently sees, within reach.

Targets are chosen from the side's ``seen`` layer (believed positions), never ground truth; the effect
is computed at the true range with :func:`drillsim.fires.casualty_rate` and summed over every shooter of
a target, then drawn once per target as a binomial (deterministic mode: the expected value). See
docs/mechanics/fires.md.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

from drillsim.core.random import binomial_inverse
from drillsim.engine.context import StepContext
from drillsim.engine.kernels import nearest_seen_targets, run_per_row
from drillsim.engine.state import ACTIVE
from drillsim.fires.direct import POSTURE_DIRECT_TABLE, band_values_of, casualty_rate

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

SUPPRESSION_S = 60.0
"""How long one suppressing engagement keeps a target suppressed."""
BELIEF_MARGIN_M = 300.0
"""Candidate targets are looked for this far beyond reach, since believed positions are off."""


class DirectFire:
    """Per-simulation constants for direct fire."""

    def __init__(self, ctx: StepContext) -> None:
        f = ctx.world.forces
        direct = f.w_kind == 0
        self.mounts = np.flatnonzero(direct)
        self.reach = np.zeros(f.n)
        if len(self.mounts):
            np.maximum.at(self.reach, f.w_elem[self.mounts], f.w_max_range[self.mounts])
        self.shooters = np.flatnonzero((self.reach > 0) & ~f.is_air)
        self.targets = np.flatnonzero(~f.is_air)
        self.hostile = np.ascontiguousarray(f.hostile)
        counts = np.bincount(f.w_elem[self.mounts], minlength=f.n) if len(self.mounts) else np.zeros(f.n, int)
        k = max(int(counts.max()) if len(counts) else 0, 1)
        self.table = np.full((f.n, k), -1, dtype=np.int64)
        fill = np.zeros(f.n, dtype=np.int64)
        for m in self.mounts:
            e = f.w_elem[m]
            self.table[e, fill[e]] = m
            fill[e] += 1

    def fire(self, ctx: StepContext) -> None:
        s = ctx.state
        f = ctx.world.forces
        pic = s.picture
        if not len(self.shooters):
            return
        able = (s.status == ACTIVE) & ~s.broken & (ctx.t0 >= f.readiness_s[None, :])
        # Each shooter takes the enemy its side sees nearest to its believed position.
        args = (
            s.x,
            s.y,
            self.shooters,
            self.targets,
            self.reach,
            BELIEF_MARGIN_M,
            np.ascontiguousarray(able),
            np.ascontiguousarray(s.status == ACTIVE),
            f.side,
            self.hostile,
            float(self.reach.max()) + BELIEF_MARGIN_M,
            pic.seen_t,
            pic.seen_x,
            pic.seen_y,
            f.contact_timeout_s,
            ctx.t1,
        )
        # At most one target per shooter, so room for every shooter is always enough.
        (rows, i, j, true_d), _ = run_per_row(
            nearest_seen_targets, args, (np.int64, np.int64, np.float64), s.r, len(self.shooters)
        )
        if not len(rows):
            return
        fighting = s.strength[rows, i] / np.maximum(f.strength0[i], 1e-9)
        suppressed = (s.suppressed_until[rows, i] > ctx.t0).astype(np.float64)
        exposure = POSTURE_DIRECT_TABLE[s.posture[rows, j]] * (1.0 - f.cover[j])
        # Every (pair, mount) at once, mount slot by slot (slot-major): each pair's effects then add up in
        # slot order, and each (row, mount) spends ammunition once, as when the slots were taken one by one.
        slot, pair = np.nonzero(self.table[i].T >= 0)
        mm = self.table[i[pair], slot]
        rr = rows[pair]
        ff = fighting[pair]
        loaded = s.ammo[rr, mm] > 0 if s.ammo.shape[1] else np.ones(len(mm), dtype=bool)
        pk, ps = band_values_of(true_d[pair], mm, f.w_band_range, f.w_band_pkill, f.w_band_psupp)
        c = casualty_rate(
            weapons=f.w_count[mm],
            rate_per_s=f.w_rate_per_s[mm],
            p_kill=pk,
            fighting_fraction=ff,
            training=f.training[i[pair]],
            suppressed=suppressed[pair],
            exposure=exposure[pair],
        )
        shots_per_s = f.w_count[mm] * f.w_rate_per_s[mm]
        lam_w = np.where(loaded, c, 0.0)
        supp_w = np.where(loaded & (ps > 0), shots_per_s * ps * ff, 0.0)
        lam = np.bincount(pair, weights=lam_w, minlength=len(rows)).astype(np.float64, copy=False)
        supp_rate = np.bincount(pair, weights=supp_w, minlength=len(rows)).astype(np.float64, copy=False)
        if s.ammo.shape[1]:
            np.subtract.at(s.ammo, (rr[loaded], mm[loaded]), (shots_per_s * ctx.dt * ff)[loaded])
            np.maximum(s.ammo, 0.0, out=s.ammo)
        # Sum effects per target and draw once per target.
        tr, tj, total, supp_total, main = _per_target(rows, j, lam, supp_rate, f.n)
        apply_casualties(
            ctx,
            tr,
            tj,
            np.asarray(total * ctx.dt, dtype=np.float64),
            shooter=i[main],
            weapon="direct",
            stream="fires/direct",
        )
        p_supp = -np.expm1(-supp_total * ctx.dt)
        hit = ctx.uniform("fires/suppression", tr, tj) < p_supp
        s.suppressed_until[tr[hit], tj[hit]] = np.maximum(
            s.suppressed_until[tr[hit], tj[hit]], ctx.t1 + SUPPRESSION_S
        )


def apply_casualties(
    ctx: StepContext,
    rows: IntArray,
    elems: IntArray,
    expected: FloatArray,
    *,
    shooter: IntArray,
    weapon: str,
    stream: str,
    time_s: FloatArray | float | None = None,
    key: IntArray | None = None,
) -> FloatArray:
    """Inflict casualties with the given expected numbers (binomial, or exact in deterministic mode).

    Returns the casualties per (row, element); records ``UnitHit`` for those with any.
    """
    s = ctx.state
    if not len(rows):
        return np.zeros(0)
    n = s.strength[rows, elems]
    if ctx.stochastic:
        p = -np.expm1(-expected / np.maximum(n, 1e-9))
        coords = (elems,) if key is None else (key, elems)
        u = ctx.streams.uniform(stream, ctx.step if key is None else 0, ctx.rep(rows), *coords)
        lost = binomial_inverse(u, n, p)
    else:
        lost = np.minimum(expected, n)
    lost = np.minimum(lost, n)
    # The same element may be hit twice in one call (two missions landing in one step): subtract all,
    # then keep strength at zero or above.
    np.subtract.at(s.strength, (rows, elems), lost)
    np.maximum(s.strength, 0.0, out=s.strength)
    got = lost > 0
    if got.any():
        when = ctx.t1 if time_s is None else (np.broadcast_to(time_s, rows.shape)[got])
        ctx.emit(
            "UnitHit",
            rows[got],
            when,
            unit=ctx.ids[elems[got]],
            other=ctx.ids[shooter[got]] if len(shooter) else None,
            count=np.rint(lost[got]).astype(np.int64),
            detail=weapon,
        )
    return lost


@numba.njit(cache=True, nogil=True)  # type: ignore[misc,unused-ignore]
def _per_target(
    rows: IntArray, targets: IntArray, lam: FloatArray, supp: FloatArray, n: int
) -> tuple[IntArray, IntArray, FloatArray, FloatArray, IntArray]:
    """Group the (row, target) pairs of a step, ``rows`` non-decreasing (as :func:`run_per_row` gives them):
    the distinct (row, target) in order, the sums of ``lam`` and ``supp`` over each one's pairs (added in
    pair order), and the pair of each with the largest ``lam`` (ties: the first pair; a NaN only when all
    are NaN), whose shooter is named. A row's targets are grouped through a table over the elements, since
    a sort of the keys costs more than the rest of the grouping."""
    n_pairs = len(rows)
    group = np.empty(n_pairs, dtype=np.int64)
    tr = np.empty(n_pairs, dtype=np.int64)
    tj = np.empty(n_pairs, dtype=np.int64)
    slot = np.full(n, -1, dtype=np.int64)
    found = np.empty(n, dtype=np.int64)
    g = 0
    start = 0
    while start < n_pairs:
        r = rows[start]
        end = start
        distinct = 0
        while end < n_pairs and rows[end] == r:
            t = targets[end]
            if slot[t] < 0:
                slot[t] = 0
                # Insertion into the row's sorted targets (a row has few).
                q = distinct
                while q > 0 and found[q - 1] > t:
                    found[q] = found[q - 1]
                    q -= 1
                found[q] = t
                distinct += 1
            end += 1
        if end < n_pairs and rows[end] < r:
            raise ValueError("pairs must come in row order")
        for q in range(distinct):
            slot[found[q]] = g
            tr[g] = r
            tj[g] = found[q]
            g += 1
        for p in range(start, end):
            group[p] = slot[targets[p]]
        for p in range(start, end):
            slot[targets[p]] = -1
        start = end
    total = np.zeros(g)
    supp_total = np.zeros(g)
    main = np.full(g, -1, dtype=np.int64)
    for p in range(n_pairs):
        k = group[p]
        b = main[k]
        if b < 0 or (not np.isnan(lam[p]) and (np.isnan(lam[b]) or lam[p] > lam[b])):
            main[k] = p
        total[k] += lam[p]
        supp_total[k] += supp[p]
    return tr[:g], tj[:g], total, supp_total, main
