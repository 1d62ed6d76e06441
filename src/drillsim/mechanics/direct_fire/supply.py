"""Resupply: supply points refill the ammunition of friendly units near them.

A site with ``resupply`` (docs/mechanics/direct-fire.md, "Ammunition and resupply") gives every weapon
mount of an active ground element of its side (or an allied side) within ``radius_m`` up to
``load * dt / refill_s`` rounds per step, never above the mount's full load (for guns on carriers, the
share of the carriers left, and measured from where the carriers stand), while its stock lasts. Mounts
are served in mount order, rows independently; positions are the true ones (a side knows where its own
units are). An empty mount that gets rounds again is reported (``AmmunitionResupplied``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from drillsim.events.types import AmmunitionResupplied
from drillsim.mechanics.transport import carrier_positions, full_loads
from drillsim.state.batch import ACTIVE
from drillsim.state.context import StepContext

FloatArray = NDArray[np.float64]


def resupply(ctx: StepContext) -> None:
    """Refill ammunition from every supply point for one step (nothing to do without supply points)."""
    sup = ctx.world.support
    if not len(sup.depot_names):
        return
    s = ctx.state
    f = ctx.world.forces
    limited = np.flatnonzero(np.isfinite(f.w_ammo0) & ~f.is_air[f.w_elem])
    if not len(limited):
        return
    elem = f.w_elem[limited]
    load = full_loads(ctx, np.arange(s.r), limited)  # guns on carriers: only those of the carriers left
    # Where each mount is: with its element, or guns on carriers where the carriers stand.
    cx, cy = carrier_positions(s)
    on_carrier = f.w_on_carrier[limited]
    mx = np.where(on_carrier[None, :], cx[:, elem], s.x[:, elem])
    my = np.where(on_carrier[None, :], cy[:, elem], s.y[:, elem])
    for d in range(len(sup.depot_names)):
        friendly = f.allied[sup.depot_side[d], f.side[elem]]
        if not friendly.any():
            continue
        mounts, e, full = limited[friendly], elem[friendly], load[:, friendly]
        dist = np.hypot(mx[:, friendly] - sup.depot_x[d], my[:, friendly] - sup.depot_y[d])
        near = (dist <= sup.depot_radius_m[d]) & (s.status[:, e] == ACTIVE)
        want = np.where(
            near,
            np.minimum(full - s.ammo[:, mounts], f.w_ammo0[mounts][None, :] * ctx.dt / sup.depot_refill_s[d]),
            0.0,
        )
        want = np.maximum(want, 0.0)
        if not want.any():
            continue
        # Serve mounts in order while the stock lasts.
        before = np.cumsum(want, axis=1) - want
        give = np.clip(s.depot_stock[:, d : d + 1] - before, 0.0, want)
        was_empty = s.ammo[:, mounts] <= 0
        s.ammo[:, mounts] += give
        s.depot_stock[:, d] -= give.sum(axis=1)
        rows, k = np.nonzero(was_empty & (give > 0))
        if len(rows):
            ctx.emit(
                AmmunitionResupplied,
                rows,
                ctx.t1,
                unit=ctx.ids[e[k]],
                weapon=np.asarray(f.w_name, dtype=object)[mounts[k]],
                site=sup.depot_names[d],
                rounds=give[rows, k],
            )
