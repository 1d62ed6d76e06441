"""Vehicle fighting positions (docs/mechanics/transport.md, "Vehicle fighting positions").

An element's carriers that stand beside its people while they defend or dig in dig positions of their
own (hull down: the hull below ground, the weapon above it): after :data:`VEHICLE_DIG_S` of digging, or at
once where the element holds a prepared defence, fire destroys them less readily, direct fire by
:data:`VEHICLE_POSITION_DIRECT_EXPOSURE` and area fire by :data:`VEHICLE_POSITION_AREA_EXPOSURE`. Moving,
mounting, or carriers parked away from the people stop the digging, and a new position must be dug from
the start.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from drillsim.state.batch import ACTIVE
from drillsim.state.context import StepContext
from drillsim.world.forces import POSTURE_INDEX

__all__ = [
    "VEHICLE_DIG_S",
    "VEHICLE_POSITION_AREA_EXPOSURE",
    "VEHICLE_POSITION_DIRECT_EXPOSURE",
    "dig_vehicle_positions",
    "vehicle_position_exposure",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

VEHICLE_DIG_S = 4 * 3600.0
"""Time for an element to dig its carriers into hull-down positions with its own hands and tools, 4 hours
(assumption, confidence low). The one figure found is for a vehicle with its own dozer blade: the 2S3
"has self-entrenching equipment which allows to prepare a trench within 20-40 min" (source
``acacia-crew-entrench``); without a blade or engineer plant the crew and the squad dig the earth of a
hull-sized pit by hand, several times a man's fighting position, so several times Moss's 45 minutes
(:data:`drillsim.mechanics.morale.digging.HASTY_DIG_UNDER_FIRE_S`)."""
VEHICLE_POSITION_DIRECT_EXPOSURE = 0.3
"""Share of direct fire's carrier-kill rate that reaches a carrier in a hull-down position: the hull is
below ground and only the turret or weapon and the top show (assumption, confidence low; no source read
gives a figure)."""
VEHICLE_POSITION_AREA_EXPOSURE = 0.17
"""Share of a burst's effect (per round, as a posture's exposure for people) that reaches a carrier in a
dug position: by analogy with people, for whom a foxhole keeps 0.1 of the effect a prone man takes (0.6),
0.1 / 0.6 = 0.17 of what a vehicle standing in the open takes (assumption, confidence low)."""

_HASTY = POSTURE_INDEX["hasty-defence"]
_PREPARED = POSTURE_INDEX["prepared-defence"]


def carriers_beside(ctx: StepContext) -> BoolArray:
    """(R, N) whether each element has carriers left parked beside its people (within its footprint),
    its people on foot."""
    s = ctx.state
    f = ctx.world.forces
    with np.errstate(invalid="ignore"):
        gap = np.hypot(s.parked_x - s.x, s.parked_y - s.y)
    return (s.carriers_left > 0) & ~s.mounted & (gap <= f.footprint_m[None, :])


def dig_vehicle_positions(ctx: StepContext) -> None:
    """Carriers standing beside their people (active, on foot, no route left to follow) whose element
    defends (posture ``hasty-defence`` or ``prepared-defence``), is under fire (suppressed) or is already
    digging add the step to ``vehicle_dig_s``; the others' goes back to 0. An element in a prepared
    defence has its vehicle positions ready at once (the scenario says the position was prepared)."""
    c = ctx.world.carriers
    s = ctx.state
    if c is None or not c.any:
        return
    standing = (s.status == ACTIVE) & (s.route_i >= s.route_len) & carriers_beside(ctx)
    if not standing.any() and not s.vehicle_dig_s.any():
        return
    defending = (s.posture == _HASTY) | (s.posture == _PREPARED) | (s.suppressed_until > ctx.t0)
    digging = standing & (defending | (s.vehicle_dig_s > 0))
    dug = np.where(s.posture == _PREPARED, np.maximum(s.vehicle_dig_s, VEHICLE_DIG_S), s.vehicle_dig_s)
    s.vehicle_dig_s[...] = np.where(digging, dug + (ctx.t1 - ctx.t0), 0.0)


def vehicle_position_exposure(ctx: StepContext, rows: IntArray, *, area: bool) -> FloatArray:
    """(len(rows), N) share of fire's effect on each element's carriers: ``VEHICLE_POSITION_*_EXPOSURE``
    (area fire or direct fire) where they stand dug in beside their people, 1 elsewhere."""
    s = ctx.state
    dug = (s.vehicle_dig_s[rows] >= VEHICLE_DIG_S - 1e-9) & carriers_beside(ctx)[rows]
    share = VEHICLE_POSITION_AREA_EXPOSURE if area else VEHICLE_POSITION_DIRECT_EXPOSURE
    return np.asarray(np.where(dug, share, 1.0), dtype=np.float64)
