"""Fuel: vehicles burn it per metre driven, stop when it runs out (docs/mechanics/movement.md, "Fuel").

An element whose type has ``fuel_l`` (a ground element; aircraft keep their airborne endurance) burns
``fuel_per_km_l / 1000`` litres per metre it moves on a road leg and ``OFF_ROAD_FUEL_FACTOR`` times that
off roads; a type with carriers burns only while its people ride them (on foot they walk). The distance is
the straight line from where the element stood at the start of the step to where it stands at the end.
An element whose fuel runs out within a step stops where the last litre takes it (on that line), records
``FuelExhausted`` and waits (``fuel_waiting``): it moves no more while it burns fuel (carriers: its
people dismount and go on foot, :mod:`drillsim.mechanics.transport`) until a supply point has filled its
tanks (or run out of fuel) or a carrier has handed over its load.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from drillsim.events.types import FuelExhausted
from drillsim.state.context import StepContext

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

__all__ = ["OFF_ROAD_FUEL_FACTOR", "burn_fuel", "burns_fuel", "has_fuel_model", "out_of_fuel"]

OFF_ROAD_FUEL_FACTOR = 1.67
"""Fuel burnt per kilometre off roads over that on roads: a diesel tracked vehicle's 400-500 l/100 km
off-road against 240-300 l/100 km on highways (the T-90M row of a published consumption table, both
ends giving 1.67; low confidence, applied to every ground vehicle by analogy: docs/mechanics/movement.md)."""


def has_fuel_model(ctx: StepContext) -> bool:
    """Whether any element's fuel is modelled (a type with ``fuel_l``); without any, nothing here runs."""
    return bool(np.isfinite(ctx.world.forces.fuel0).any())


def burns_fuel(ctx: StepContext, rows: IntArray, elems: IntArray) -> BoolArray:
    """Whether elements (rows, elems) burn fuel when they move now: their fuel is modelled and they drive
    (no carriers, or riding them)."""
    f = ctx.world.forces
    c = ctx.world.carriers
    modelled = np.isfinite(f.fuel0[elems])
    if c is None:
        return modelled
    return np.asarray(modelled & (~c.has[elems] | ctx.state.mounted[rows, elems]))


def burn_fuel(
    ctx: StepContext,
    rows: IntArray,
    elems: IntArray,
    start: tuple[FloatArray, FloatArray],
    on_road: BoolArray,
    arrived: BoolArray,
) -> None:
    """Take the fuel for this step's move of elements (rows, elems) from (x, y) ``start`` to where they
    stand now, on a road leg or not (``on_road``, at the start of the step). One that runs out stops
    where its last litre takes it (unless it ``arrived`` at the end of its route in the step: then it
    arrived with the last litre), and ``FuelExhausted`` is recorded."""
    s = ctx.state
    f = ctx.world.forces
    burn = burns_fuel(ctx, rows, elems)
    if not burn.any():
        return
    r, e = rows[burn], elems[burn]
    x0, y0 = start[0][burn], start[1][burn]
    dx, dy = s.x[r, e] - x0, s.y[r, e] - y0
    factor = np.where(on_road[burn], 1.0, OFF_ROAD_FUEL_FACTOR)
    used = np.hypot(dx, dy) * f.fuel_per_m[e] * factor
    have = s.fuel[r, e]
    dry = (used > 0) & (used >= have)
    back = dry & ~arrived[burn]
    if back.any():
        keep = have[back] / used[back]
        s.x[r[back], e[back]] = x0[back] + dx[back] * keep
        s.y[r[back], e[back]] = y0[back] + dy[back] * keep
    s.fuel[r, e] = np.where(dry, 0.0, have - used)
    if dry.any():
        rd, ed = r[dry], e[dry]
        s.fuel_waiting[rd, ed] = True
        np.add.at(s.fuel_exhausted, (rd, f.side[ed]), 1.0)
        ctx.emit(FuelExhausted, rd, ctx.t1, unit=ctx.ids[ed], x_m=s.x[rd, ed], y_m=s.y[rd, ed])


def out_of_fuel(ctx: StepContext, rows: IntArray, elems: IntArray) -> BoolArray:
    """Whether elements (rows, elems) would burn fuel to move and wait for fuel: they stay where they
    are."""
    return np.asarray(burns_fuel(ctx, rows, elems) & ctx.state.fuel_waiting[rows, elems])
