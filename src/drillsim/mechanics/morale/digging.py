"""Digging in under fire (docs/mechanics/morale.md, "Digging in under fire").

An element halted on foot that comes under fire (it is suppressed) and is not ordered to move digs where it
stands: once it has stayed there :data:`HASTY_DIG_UNDER_FIRE_S` since it came under fire, its people lie in
hasty fighting positions (posture ``hasty-defence``, with that posture's exposure to direct and area fire),
and ``UnitDugIn`` is recorded. Moving on (a route to follow, leaving the fall of shot, mounting) or being
broken or out of action stops the digging, and a new position must be dug from the start. A battery (an
element with an indirect-fire weapon) in action in its firing position digs the same way without waiting
to come under fire (docs/mechanics/morale.md, "Batteries dig in"). The carriers standing beside their
people dig vehicle positions (:func:`drillsim.mechanics.transport.dig_vehicle_positions`).
"""

from __future__ import annotations

import numpy as np

from drillsim.events.types import UnitDugIn
from drillsim.mechanics.transport import dig_vehicle_positions
from drillsim.scenario.models import POSTURES
from drillsim.state.batch import ACTIVE
from drillsim.state.context import StepContext

__all__ = ["DIGGING_POSTURES", "HASTY_DIG_UNDER_FIRE_S", "dig_in"]

HASTY_DIG_UNDER_FIRE_S = 2700.0
"""Time for troops halted under fire to dig hasty fighting positions, lying down, 45 minutes: "When
intrenching under fire the rifle trench can be constructed by a man lying down. He can mask himself from
view in about 10 to 12 minutes and can complete the trench in 40 to 45 minutes" (J. A. Moss, Manual of
Military Training, 2nd revised edition, 1917, para 1144); the upper end taken (confidence medium for a
man with an entrenching tool in diggable soil; rock, frozen ground and night are not modelled)."""
DIGGING_POSTURES = np.array([POSTURES.index("halted")])
"""Postures from which an element halted under fire digs in: prone where it stands. Moving, mounted and
hidden elements do not (a hidden element keeps still), and those already dug in keep their posture."""
_HASTY = POSTURES.index("hasty-defence")


def dig_in(ctx: StepContext) -> None:
    """Elements halted on foot (active, unbroken, not mounted, a ground element in a posture of
    :data:`DIGGING_POSTURES`, no route left to follow, not leaving the fall of shot) that are under fire
    (suppressed), are batteries in action in a firing position (emplaced), or are already digging add the
    step to ``dig_s``; the others' ``dig_s`` goes back to 0. Those that reach
    :data:`HASTY_DIG_UNDER_FIRE_S` take posture ``hasty-defence`` (``UnitDugIn``). Then the carriers
    standing beside their people dig (:func:`drillsim.mechanics.transport.dig_vehicle_positions`)."""
    s = ctx.state
    f = ctx.world.forces
    dig_vehicle_positions(ctx)
    under_fire = s.suppressed_until > ctx.t0
    if f.batteries.any():
        # A battery in action digs its pits and slit trenches once emplaced, fire or no fire.
        emplaced = f.batteries[None, :] & s.in_action & (s.emplaced_at <= ctx.t0)
        under_fire = under_fire | emplaced
    if not under_fire.any() and not s.dig_s.any():
        return
    halted = (
        (s.status == ACTIVE)
        & ~s.broken
        & ~s.mounted
        & ~f.is_air[None, :]
        & np.isin(s.posture, DIGGING_POSTURES)
        & (s.route_i >= s.route_len)
        & np.isnan(s.leave_x)
    )
    digging = halted & (under_fire | (s.dig_s > 0))
    s.dig_s[...] = np.where(digging, s.dig_s + (ctx.t1 - ctx.t0), 0.0)
    done = digging & (s.dig_s >= HASTY_DIG_UNDER_FIRE_S - 1e-9)
    if not done.any():
        return
    rows, elems = np.nonzero(done)
    s.posture[rows, elems] = _HASTY
    s.dig_s[rows, elems] = 0.0
    ctx.emit(UnitDugIn, rows, ctx.t1, unit=ctx.ids[elems], x_m=s.x[rows, elems], y_m=s.y[rows, elems])
