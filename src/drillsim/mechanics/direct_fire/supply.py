"""Resupply: supply points refill the ammunition and the fuel of friendly units near them.

A site with ``resupply`` (docs/mechanics/direct-fire.md, "Ammunition and resupply") gives every weapon
mount of an active ground element of its side (or an allied side) within ``radius_m`` up to
``load * dt / refill_s`` rounds per step, never above the mount's full load (for guns on carriers, the
share of the carriers left, and measured from where the carriers stand), while its stock lasts. Mounts
are served in mount order, rows independently; positions are the true ones (a side knows where its own
units are). An empty mount that gets rounds again is reported (``AmmunitionResupplied``).

Fuel is the second commodity and flows the same way (:func:`refill`): each element whose fuel is modelled
gets up to ``fuel_l * dt / refill_s`` litres a step, never above its tanks, while the site's
``stock_fuel_l`` lasts, measured from where its carriers stand; an element whose tanks were empty is
reported (``FuelResupplied``). One that ran dry waits until its tanks are full, or until it gets no more
(the point's fuel has run out). docs/mechanics/supply.md, "Fuel".
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from drillsim.events.types import AmmunitionResupplied, FuelResupplied
from drillsim.mechanics.transport import carrier_positions, full_loads
from drillsim.state.batch import ACTIVE
from drillsim.state.context import StepContext

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def refill(
    near: BoolArray, have: FloatArray, full: FloatArray, per_step: FloatArray, stock: FloatArray
) -> FloatArray:
    """(R, K) what each of K holders (weapon mounts, or elements' tanks) gets from a supply point in one
    step: the holders ``near`` it get what they lack of ``full``, at most ``per_step``, served in order
    while the point's ``stock`` (R,) lasts."""
    want = np.maximum(np.where(near, np.minimum(full - have, per_step), 0.0), 0.0)
    before = np.cumsum(want, axis=1) - want
    return np.asarray(np.clip(stock[:, None] - before, 0.0, want))


def resupply(ctx: StepContext) -> None:
    """Refill ammunition and fuel from every supply point for one step (nothing to do without supply
    points)."""
    sup = ctx.world.support
    if not len(sup.depot_names):
        return
    _resupply_ammunition(ctx)
    _resupply_fuel(ctx)


def _resupply_ammunition(ctx: StepContext) -> None:
    sup = ctx.world.support
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
        per_step = f.w_ammo0[mounts][None, :] * ctx.dt / sup.depot_refill_s[d]
        give = refill(near, s.ammo[:, mounts], full, per_step, s.depot_stock[:, d])
        if not give.any():
            continue
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


def _resupply_fuel(ctx: StepContext) -> None:
    sup = ctx.world.support
    s = ctx.state
    f = ctx.world.forces
    tanks = np.flatnonzero(f.fuel_modelled)
    if not len(tanks):
        return
    # The fuel is in the vehicles: where the carriers stand (parked, or with the element).
    cx, cy = carrier_positions(s)
    got = np.zeros((s.r, len(tanks)))
    for d in range(len(sup.depot_names)):
        friendly = f.allied[sup.depot_side[d], f.side[tanks]]
        e = tanks[friendly]
        if not len(e) or not (s.depot_fuel[:, d] > 0).any():
            continue
        dist = np.hypot(cx[:, e] - sup.depot_x[d], cy[:, e] - sup.depot_y[d])
        near = (dist <= sup.depot_radius_m[d]) & (s.status[:, e] == ACTIVE)
        full = np.broadcast_to(f.fuel0[e], near.shape)
        per_step = f.fuel0[e][None, :] * ctx.dt / sup.depot_refill_s[d]
        give = refill(near, s.fuel[:, e], full, per_step, s.depot_fuel[:, d])
        if not give.any():
            continue
        was_empty = s.fuel[:, e] <= 0
        s.fuel[:, e] += give
        s.depot_fuel[:, d] -= give.sum(axis=1)
        got[:, friendly] += give
        rows, k = np.nonzero(was_empty & (give > 0))
        if len(rows):
            ctx.emit(
                FuelResupplied,
                rows,
                ctx.t1,
                unit=ctx.ids[e[k]],
                source=sup.depot_names[d],
                litres=give[rows, k],
            )
    # An element waiting for fuel drives on once its tanks are full, or when it got none this step but
    # has some (the points near it ran out).
    waiting = s.fuel_waiting[:, tanks]
    done = waiting & ((s.fuel[:, tanks] >= f.fuel0[tanks][None, :]) | ((got <= 0) & (s.fuel[:, tanks] > 0)))
    if done.any():
        rows, k = np.nonzero(done)
        s.fuel_waiting[rows, tanks[k]] = False
