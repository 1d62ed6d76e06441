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
        lam = np.zeros(len(rows))
        supp_rate = np.zeros(len(rows))
        for k in range(self.table.shape[1]):
            m = self.table[i, k]
            has = m >= 0
            mm = np.where(has, m, 0)
            loaded = has & (s.ammo[rows, mm] > 0) if s.ammo.shape[1] else has
            pk, ps = band_values_of(true_d, mm, f.w_band_range, f.w_band_pkill, f.w_band_psupp)
            c = casualty_rate(
                weapons=f.w_count[mm],
                rate_per_s=f.w_rate_per_s[mm],
                p_kill=pk,
                fighting_fraction=fighting,
                training=f.training[i],
                suppressed=suppressed,
                exposure=exposure,
            )
            lam += np.where(loaded, c, 0.0)
            supp_rate += np.where(loaded & (ps > 0), f.w_count[mm] * f.w_rate_per_s[mm] * ps * fighting, 0.0)
            used = np.where(loaded, f.w_count[mm] * f.w_rate_per_s[mm] * ctx.dt * fighting, 0.0)
            if s.ammo.shape[1] and loaded.any():
                np.subtract.at(s.ammo, (rows[loaded], mm[loaded]), used[loaded])
        if s.ammo.shape[1]:
            np.maximum(s.ammo, 0.0, out=s.ammo)
        # Sum effects per target and draw once per target.
        key = rows * f.n + j
        uniq, inverse = np.unique(key, return_inverse=True)
        total = np.bincount(inverse, weights=lam, minlength=len(uniq))
        supp_total = np.bincount(inverse, weights=supp_rate, minlength=len(uniq))
        main = group_argmax(inverse, lam, len(uniq))
        tr, tj = uniq // f.n, uniq % f.n
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
def group_argmax(keys: IntArray, values: FloatArray, n_keys: int) -> IntArray:
    """For each key in 0..n_keys-1, the index (into ``values``) of its largest value, or -1 if it has none.

    Ties go to the first index, so the answer does not depend on anything but the order of the input.
    """
    best = np.full(n_keys, -1, dtype=np.int64)
    for e in range(keys.shape[0]):
        k = keys[e]
        if best[k] < 0 or values[e] > values[best[k]]:
            best[k] = e
    return best
