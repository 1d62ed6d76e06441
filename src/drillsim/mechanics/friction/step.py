"""Friction in the step (docs/mechanics/friction.md).

:func:`march_speed_factors` gives movement each element's speed factor times its pace and, for ground
elements, the light's slowing (on foot by road or across country, or in vehicles); the pace is drawn once
per replication and element from the ``friction/pace`` stream (keyed by replication and element, never by
step, so it is the same whatever the batch). :class:`Friction` draws, over the distance each element
moved this step (from where the state remembered it before the move), breakdowns (stream
``friction/breakdown``): a broken-down element halts for ``repair_s`` (``held_until``, as at an
obstacle); and navigation errors of the ground elements that moved off roads (stream
``friction/navigation``): an element that lost its way halts for ``navigation_error_s``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from drillsim.events.types import UnitLostWay, VehicleBrokeDown
from drillsim.mechanics.friction.model import breakdown_probability, navigation_error_probability, pace_factor
from drillsim.state.batch import ACTIVE
from drillsim.state.context import StepContext

FloatArray = NDArray[np.float64]


def light_level(ctx: StepContext) -> int:
    """The light at the start of the step: 0 day, 1 twilight, 2 night (constant within each hour)."""
    by_hour = ctx.world.light_by_hour
    return int(by_hour[min(int(ctx.t0 // 3600), len(by_hour) - 1)])


def march_speed_factors(ctx: StepContext) -> FloatArray:
    """Each element's speed factor for this step: its task's factor times its pace for the replication,
    and for ground elements the light's slowing (the task's factor itself when neither applies)."""
    s = ctx.state
    table = ctx.world.friction
    if table is None:
        return s.speed_factor
    factor = s.speed_factor
    if table.has_pace:
        if s.pace.shape != s.speed_factor.shape:
            r, n = s.speed_factor.shape
            rows = np.repeat(np.arange(r), n)
            elems = np.tile(np.arange(n), r)
            z, _ = ctx.streams.normal("friction/pace", ctx.rep(rows), ctx.key(elems))
            pace = pace_factor(z, table.march_speed_cv).reshape(r, n)
            s.pace = np.where(ctx.world.forces.is_air[None, :], 1.0, pace)
        factor = factor * s.pace
    level = light_level(ctx)
    if table.slows_by_night and level > 0:
        factor = factor * night_factors(ctx, table.speeds_in_light(level))
    return np.asarray(factor, dtype=np.float64)


def night_factors(ctx: StepContext, light: tuple[float, float, float]) -> FloatArray:
    """(R, N) each element's slowing by the light: ``light`` is (on foot on roads, on foot off roads, in
    vehicles); an element is in vehicles when it rides its carriers or its type has vehicles and no
    carriers, on a road when the leg it is on follows one; aircraft are not slowed."""
    s = ctx.state
    table = ctx.world.friction
    assert table is not None
    road, across, driven = light
    if s.route_road.shape[2]:
        leg = np.minimum(s.route_i, s.route_road.shape[2] - 1)
        on_road = np.take_along_axis(s.route_road, leg[:, :, None], axis=2)[:, :, 0]
    else:
        on_road = np.zeros(s.route_i.shape, dtype=bool)
    in_vehicles = s.mounted | table.vehicular[None, :]
    walking = np.where(on_road, road, across)
    factor = np.where(in_vehicles, driven, walking)
    return np.asarray(np.where(ctx.world.forces.is_air[None, :], 1.0, factor), dtype=np.float64)


class Friction:
    """Vehicle breakdowns and navigation errors over the distance moved in a step."""

    def __init__(self, ctx: StepContext) -> None:
        table = ctx.world.friction
        self.enabled = table is not None and table.has_breakdowns
        """Whether breakdowns are drawn."""
        self.straying = table is not None and table.has_navigation_errors
        """Whether navigation errors are drawn."""

    @property
    def remembers_positions(self) -> bool:
        """Whether the step must remember positions before the move (breakdowns or navigation errors)."""
        return self.enabled or self.straying

    def stray(self, ctx: StepContext) -> None:
        """Draw navigation errors of the ground elements that moved off roads this step; halt those that
        lost their way."""
        table = ctx.world.friction
        if not self.straying or table is None:
            return
        s = ctx.state
        f = ctx.world.forces
        moved = np.hypot(s.x - s.x_before_move, s.y - s.y_before_move)
        leg = np.minimum(s.route_i, s.route_x.shape[2] - 1)
        on_road = np.take_along_axis(s.route_road, leg[:, :, None], axis=2)[:, :, 0]
        rows, elems = np.nonzero((moved > 0.0) & (s.status == ACTIVE) & ~on_road & ~f.is_air[None, :])
        if not len(rows):
            return
        p = navigation_error_probability(
            moved[rows, elems],
            table.navigation_error_distance_m,
            table.errors_in_light(light_level(ctx)),
        )
        hit = ctx.uniform("friction/navigation", rows, ctx.key(elems)) < p
        if not hit.any():
            return
        r, e = rows[hit], elems[hit]
        until = np.maximum(s.held_until[r, e], ctx.t1 + table.navigation_error_s)
        s.held_until[r, e] = until
        ctx.emit(UnitLostWay, r, ctx.t1, unit=ctx.ids[e], x_m=s.x[r, e], y_m=s.y[r, e], until_s=until)

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
        hit = ctx.uniform("friction/breakdown", rows, ctx.key(elems)) < p
        if not hit.any():
            return
        r, e = rows[hit], elems[hit]
        until = np.maximum(s.held_until[r, e], ctx.t1 + table.repair_s)
        s.held_until[r, e] = until
        ctx.emit(VehicleBrokeDown, r, ctx.t1, unit=ctx.ids[e], x_m=s.x[r, e], y_m=s.y[r, e], until_s=until)
