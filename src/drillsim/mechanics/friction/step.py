"""Friction in the step (docs/mechanics/friction.md).

:func:`march_speed_factors` gives movement each element's speed factor times its pace, the pace drawn
once per replication and element from the ``friction/pace`` stream (keyed by replication and element,
never by step, so it is the same whatever the batch). :class:`Friction` draws breakdowns over the distance
each element moved this step (from where the state remembered it before the move; stream
``friction/breakdown``): a broken-down element halts for ``repair_s`` (``held_until``, as at an obstacle).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from drillsim.events.types import VehicleBrokeDown
from drillsim.mechanics.friction.model import breakdown_probability, pace_factor
from drillsim.state.batch import ACTIVE
from drillsim.state.context import StepContext

FloatArray = NDArray[np.float64]


def march_speed_factors(ctx: StepContext) -> FloatArray:
    """Each element's speed factor for this step: its task's factor times its pace for the replication
    (the task's factor itself when paces do not vary)."""
    s = ctx.state
    table = ctx.world.friction
    if table is None or not table.has_pace:
        return s.speed_factor
    if s.pace.shape != s.speed_factor.shape:
        r, n = s.speed_factor.shape
        rows = np.repeat(np.arange(r), n)
        elems = np.tile(np.arange(n), r)
        z, _ = ctx.streams.normal("friction/pace", ctx.rep(rows), elems)
        pace = pace_factor(z, table.march_speed_cv).reshape(r, n)
        s.pace = np.where(ctx.world.forces.is_air[None, :], 1.0, pace)
    return np.asarray(s.speed_factor * s.pace, dtype=np.float64)


class Friction:
    """Vehicle breakdowns over the distance moved in a step."""

    def __init__(self, ctx: StepContext) -> None:
        table = ctx.world.friction
        self.enabled = table is not None and table.has_breakdowns
        """Whether breakdowns are drawn (the step must then remember positions before the move)."""

    def break_down(self, ctx: StepContext) -> None:
        """Draw breakdowns of the elements that moved this step; halt those that broke down."""
        table = ctx.world.friction
        if not self.enabled or table is None:
            return
        s = ctx.state
        moved = np.hypot(s.x - s.x_before_move, s.y - s.y_before_move)
        rows, elems = np.nonzero((moved > 0.0) & (s.status == ACTIVE) & (table.vehicles[None, :] > 0))
        if not len(rows):
            return
        p = breakdown_probability(moved[rows, elems], table.vehicles[elems], table.breakdown_distance_m)
        hit = ctx.uniform("friction/breakdown", rows, elems) < p
        if not hit.any():
            return
        r, e = rows[hit], elems[hit]
        until = np.maximum(s.held_until[r, e], ctx.t1 + table.repair_s)
        s.held_until[r, e] = until
        ctx.emit(VehicleBrokeDown, r, ctx.t1, unit=ctx.ids[e], x_m=s.x[r, e], y_m=s.y[r, e], until_s=until)
