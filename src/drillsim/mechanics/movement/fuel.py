"""Fuel: vehicles burn it per metre driven, stop when it runs out (docs/mechanics/movement.md, "Fuel").

An element whose type has ``fuel_l`` (a ground element; aircraft keep their airborne endurance) burns
``fuel_per_km_l / 1000`` litres per metre it moves on a road leg and ``OFF_ROAD_FUEL_FACTOR`` times that
off roads; a type with carriers burns only while its people ride them (on foot they walk). The distance is
the straight line from where the element stood at the start of the step to where it stands at the end.
An element whose fuel runs out within a step stops where the last litre takes it (on that line), records
``FuelExhausted`` and waits (``fuel_waiting``): it moves no more while it burns fuel (carriers: its
people dismount and go on foot, :mod:`drillsim.mechanics.transport`) until a supply point has filled its
tanks (or run out of fuel) or a carrier has handed over its load.

A halted element whose type has ``idle_fuel_per_h_l`` burns that per hour while its engines run
(:func:`burn_idle_fuel`): a type with carriers while its people are on board (waiting mounted), one without
while in posture ``halted`` or ``mounted``. Parked carriers, and vehicles dug in or hidden, have their
engines off.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from drillsim.events.types import FuelExhausted
from drillsim.state.batch import ACTIVE
from drillsim.state.context import StepContext
from drillsim.world.forces import POSTURE_INDEX

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

__all__ = [
    "IDLING_POSTURES",
    "OFF_ROAD_FUEL_FACTOR",
    "Drive",
    "burn_fuel",
    "burn_idle_fuel",
    "burns_fuel",
    "start_drive",
]

OFF_ROAD_FUEL_FACTOR = 1.67
"""Fuel burnt per kilometre off roads over that on roads: a diesel tracked vehicle's 400-500 l/100 km
off-road against 240-300 l/100 km on highways (the T-90M row of a published consumption table, both
ends giving 1.67; low confidence, applied to every ground vehicle by analogy: docs/mechanics/movement.md)."""
IDLING_POSTURES = np.array([POSTURE_INDEX["halted"], POSTURE_INDEX["mounted"]])
"""Postures in which a halted vehicle without carriers keeps its engines running (an assumption: in a
defended position or a hide the engines are off, docs/mechanics/movement.md, "Idling")."""


class Drive(NamedTuple):
    """The moving elements that burn fuel this step: where each stood at the start of the step and whether
    its leg is a road leg."""

    rows: IntArray
    elems: IntArray
    x0: FloatArray
    y0: FloatArray
    on_road: BoolArray


def burns_fuel(ctx: StepContext, rows: IntArray, elems: IntArray) -> BoolArray:
    """Whether elements (rows, elems) burn fuel when they move now: their fuel is modelled and they drive
    (no carriers, or riding them)."""
    f = ctx.world.forces
    c = ctx.world.carriers
    modelled = f.fuel_modelled[elems]
    if c is None:
        return modelled
    return np.asarray(modelled & (~c.has[elems] | ctx.state.mounted[rows, elems]))


def start_drive(ctx: StepContext, rows: IntArray, elems: IntArray) -> tuple[Drive | None, BoolArray | None]:
    """Before the move of elements (rows, elems): those that burn fuel and may go (None: none), and which
    of (rows, elems) may move at all (None: all; one that burns fuel and waits for it stays)."""
    s = ctx.state
    burn = burns_fuel(ctx, rows, elems)
    go: BoolArray | None = None
    if s.fuel_waiting.any():
        stay = burn & s.fuel_waiting[rows, elems]
        if stay.any():
            go = ~stay
            rows, elems, burn = rows[go], elems[go], burn[go]
    k = np.flatnonzero(burn)
    if not len(k):
        return None, go
    r, e = rows[k], elems[k]
    drive = Drive(r, e, s.x[r, e], s.y[r, e], s.route_road[r, e, s.route_i[r, e]])
    return drive, go


def burn_fuel(ctx: StepContext, drive: Drive, arrived_rows: IntArray, arrived_elems: IntArray) -> None:
    """Take the fuel for this step's move of the elements of ``drive`` from where they stood to where they
    stand now. One that runs out stops where its last litre takes it (unless it arrived at the end of its
    route in the step, one of (``arrived_rows``, ``arrived_elems``): then it arrived with the last litre),
    waits for fuel (``fuel_waiting``), and ``FuelExhausted`` is recorded."""
    s = ctx.state
    f = ctx.world.forces
    r, e = drive.rows, drive.elems
    dx, dy = s.x[r, e] - drive.x0, s.y[r, e] - drive.y0
    factor = np.where(drive.on_road, 1.0, OFF_ROAD_FUEL_FACTOR)
    used = np.hypot(dx, dy) * f.fuel_per_m[e] * factor
    have = s.fuel[r, e]
    dry = (used > 0) & (used >= have)
    s.fuel[r, e] = np.where(dry, 0.0, have - used)
    if not dry.any():
        return
    back = dry.copy()
    if len(arrived_rows):
        back &= ~np.isin(r * f.n + e, arrived_rows * f.n + arrived_elems)
    if back.any():
        keep = have[back] / used[back]
        s.x[r[back], e[back]] = drive.x0[back] + dx[back] * keep
        s.y[r[back], e[back]] = drive.y0[back] + dy[back] * keep
    rd, ed = r[dry], e[dry]
    s.fuel_waiting[rd, ed] = True
    np.add.at(s.fuel_exhausted, (rd, f.side[ed]), 1.0)
    ctx.emit(FuelExhausted, rd, ctx.t1, unit=ctx.ids[ed], x_m=s.x[rd, ed], y_m=s.y[rd, ed])


def burn_idle_fuel(ctx: StepContext, moved: BoolArray) -> None:
    """Take this step's idle burn (``idle_fuel_per_s`` times the step) from the tanks of the halted
    elements whose engines run: active, not waiting for fuel, not among ``moved`` (R, N), and riding their
    carriers (a type with carriers) or in one of :data:`IDLING_POSTURES` (a type without). One whose tanks
    run out waits for fuel (``fuel_waiting``; its people get off, :mod:`drillsim.mechanics.transport`) and
    ``FuelExhausted`` is recorded where it stands."""
    f = ctx.world.forces
    idlers = f.idlers
    if not len(idlers):
        return
    s = ctx.state
    c = ctx.world.carriers
    fuel = s.fuel[:, idlers]
    running = (s.status[:, idlers] == ACTIVE) & ~s.fuel_waiting[:, idlers] & ~moved[:, idlers] & (fuel > 0)
    if c is None:
        on = np.isin(s.posture[:, idlers], IDLING_POSTURES)
    else:
        has = c.has[idlers]
        on = np.where(has[None, :], s.mounted[:, idlers], np.isin(s.posture[:, idlers], IDLING_POSTURES))
    running &= on
    if not running.any():
        return
    rows, k = np.nonzero(running)
    elems = idlers[k]
    have = fuel[rows, k]
    used = f.idle_fuel_per_s[elems] * (ctx.t1 - ctx.t0)
    dry = used >= have
    s.fuel[rows, elems] = np.where(dry, 0.0, have - used)
    if not dry.any():
        return
    rd, ed = rows[dry], elems[dry]
    s.fuel_waiting[rd, ed] = True
    np.add.at(s.fuel_exhausted, (rd, f.side[ed]), 1.0)
    ctx.emit(FuelExhausted, rd, ctx.t1, unit=ctx.ids[ed], x_m=s.x[rd, ed], y_m=s.y[rd, ed])
