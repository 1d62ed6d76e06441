"""Airlifts and ground carriers in the run (docs/mechanics/transport.md).

:meth:`Transport.schedule` draws, once per replication, each sortie's delay (stream ``transport/delay``,
keyed by airlift, aircraft and trip, never by step), computes the landing times through the airfield and
holds every carried element (``held_until``) until the sortie bringing the last of it lands.
:meth:`Transport.land` sets each element down at the landing place when its sortie lands and records
``UnitLanded``. :class:`Carriers` mounts and dismounts the units that have carriers, gives their mounted
speed (in shuttles when seats are short) and their exposure to fire while mounted.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from drillsim.events.types import UnitDismounted, UnitLanded, UnitMounted
from drillsim.mechanics.orders.command import nearest_contacts
from drillsim.mechanics.transport.model import (
    landing_times,
    shuttle_speed_factor,
    shuttle_trips,
    sortie_of_elements,
)
from drillsim.state.batch import ACTIVE, BatchState
from drillsim.state.context import StepContext
from drillsim.world.forces import CRAWL_SPEED_MPS, POSTURE_INDEX, TERRAIN_INDEX
from drillsim.world.plan import RIDE_AUTO, RIDE_NO, RIDE_YES

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


class Transport:
    """The scenario's airlifts: when each carried element lands, and setting it down."""

    def __init__(self, ctx: StepContext) -> None:
        self.enabled = bool(ctx.world.airlifts)

    def schedule(self, ctx: StepContext) -> None:
        """Landing times of every carried element in every replication (``landed_at``), held until then."""
        if not self.enabled:
            return
        s = ctx.state
        reps = ctx.state.replications
        strength0 = ctx.world.forces.strength0
        for j, lift in enumerate(ctx.world.airlifts):
            elems = lift.elements
            sortie = sortie_of_elements(strength0[elems], lift.seats)
            sorties = int(sortie.max()) + 1 if len(sortie) else 0
            trips = np.arange(sorties)
            planes = np.arange(lift.aircraft)
            for r, rep in enumerate(reps):
                if lift.delay_mean_s > 0:
                    u = ctx.streams.uniform(
                        "transport/delay", j, rep, np.repeat(planes, sorties), np.tile(trips, lift.aircraft)
                    )
                    delays = (-lift.delay_mean_s * np.log1p(-u)).reshape(lift.aircraft, sorties)
                else:
                    delays = np.zeros((lift.aircraft, sorties))
                when = landing_times(
                    sorties=sorties,
                    aircraft=lift.aircraft,
                    first_landing_s=lift.first_landing_s,
                    round_trip_s=lift.round_trip_s,
                    landing_interval_s=lift.landing_interval_s,
                    delays_s=delays,
                )
                landed = when[sortie]
                s.landed_at[r, elems] = landed
                s.held_until[r, elems] = np.maximum(s.held_until[r, elems], landed)

    def land(self, ctx: StepContext) -> None:
        """Set down, at their airlift's landing place, the elements whose sortie lands in this step (from its
        start, included, to its end), before anything moves."""
        if not self.enabled:
            return
        s = ctx.state
        for j, lift in enumerate(ctx.world.airlifts):
            e = lift.elements
            rows, k = np.nonzero((s.landed_at[:, e] >= ctx.t0) & (s.landed_at[:, e] < ctx.t1))
            if not len(rows):
                continue
            elems = e[k]
            if lift.spread_m > 0:
                u = ctx.uniform("transport/set-down", rows, ctx.key(elems), j)
                v = ctx.uniform("transport/set-down-angle", rows, ctx.key(elems), j)
                radius = lift.spread_m * np.sqrt(u)
                angle = 2.0 * np.pi * v
                x = lift.x_m + radius * np.cos(angle)
                y = lift.y_m + radius * np.sin(angle)
            else:
                x = np.full(len(rows), lift.x_m)
                y = np.full(len(rows), lift.y_m)
            s.x[rows, elems] = x
            s.y[rows, elems] = y
            ctx.emit(
                UnitLanded,
                rows,
                s.landed_at[rows, elems],
                unit=ctx.ids[elems],
                airlift=lift.name,
                x_m=x,
                y_m=y,
            )


_MOVING = POSTURE_INDEX["moving"]
_MOUNTED = POSTURE_INDEX["mounted"]
_HALTED = POSTURE_INDEX["halted"]

MARCH_TASKS = ("move", "withdraw", "patrol")
"""Tasks ended mounted: a unit on any other task with a route (attack, relieve, defend, ambush, screen,
reconnoitre) dismounts when it arrives, to fight on foot."""


class Carriers:
    """Ground carriers: when each unit with carriers mounts or dismounts, how fast it moves mounted (in
    shuttles when seats are short), and how exposed its people are while mounted."""

    def __init__(self, ctx: StepContext) -> None:
        c = ctx.world.carriers
        self.enabled = c is not None and c.any
        tasks = ctx.world.plan.tasks
        # Per task index, and -1 (no task) last.
        self.ride = np.array([t.mounted for t in tasks] + [RIDE_AUTO], dtype=np.int64)
        self.attack = np.array([t.kind == "attack" for t in tasks] + [False], dtype=bool)
        self.march = np.array([t.kind in MARCH_TASKS for t in tasks] + [True], dtype=bool)
        self.withdraw = np.array([t.kind == "withdraw" for t in tasks] + [False], dtype=bool)

    def mount_and_dismount(self, ctx: StepContext) -> None:
        """Before anything moves: elements with carriers dismount to fight (for the enemy, at their
        objective, at the end of a task fought on foot, or by order) and mount to ride off."""
        if not self.enabled:
            return
        c = ctx.world.carriers
        assert c is not None
        s = ctx.state
        f = ctx.world.forces
        free = (
            c.has[None, :]
            & (s.status == ACTIVE)
            & (s.held_until <= ctx.t0)
            & (f.readiness_s[None, :] <= ctx.t0)
        )
        # Only a mounted element can dismount, and only one on foot with a route its task does not keep it
        # off can mount: the rest (most, most of the time) need no look at the enemy. Of those, one still
        # shown mounted is moving again, or halted.
        moving_all = s.route_i < s.route_len
        may = free & (s.mounted | (moving_all & (s.stay_on_foot != s.task)))
        shown = free & ~may & (s.posture == _MOUNTED)
        if shown.any():
            s.posture[shown] = np.where(moving_all[shown], _MOVING, _HALTED)
        rows, elems = np.nonzero(may)
        if not len(rows):
            return
        task = s.task[rows, elems]
        ride = self.ride[task]
        mounted = s.mounted[rows, elems]
        moving = s.route_i[rows, elems] < s.route_len[rows, elems]
        x, y = s.x[rows, elems], s.y[rows, elems]
        _, dist = nearest_contacts(ctx, x, y, rows, f.side[elems], ~f.is_air, require_active=True)
        reach = c.dismount_range_m[elems]
        enemy = (dist <= reach) | (s.suppressed_until[rows, elems] > ctx.t0)
        enemy &= ~s.broken[rows, elems]
        last = np.maximum(s.route_len[rows, elems] - 1, 0)
        to_goal = np.hypot(s.route_x[rows, elems, last] - x, s.route_y[rows, elems, last] - y)
        at_objective = self.attack[task] & moving & (to_goal <= reach)
        arrived = (task >= 0) & ~moving & ~self.march[task]
        trips = _trips(ctx, rows, elems)
        road = TERRAIN_INDEX["road"]
        faster = c.speed_by_class[elems, road] * shuttle_speed_factor(trips) > f.speed_by_class[elems, road]
        # Dismount: for the enemy (not while withdrawing), at the objective, by order, or to walk where
        # shuttling the people in too few seats would be slower.
        contact = enemy & ~self.withdraw[task]
        short = moving & (ride == RIDE_AUTO) & ~faster
        order = (ride == RIDE_NO) | arrived
        # Carriers out of fuel (docs/mechanics/movement.md, "Fuel"): the people get off and walk on.
        dry = s.fuel_waiting[rows, elems]
        off = mounted & (contact | at_objective | order | short | dry)
        if off.any():
            k = np.flatnonzero(off)
            r, e = rows[k], elems[k]
            s.mounted[r, e] = False
            park(s, r, e)
            s.held_until[r, e] = np.maximum(s.held_until[r, e], ctx.t0 + c.dismount_s[e])
            s.dismounted_at[r, e] = np.minimum(s.dismounted_at[r, e], ctx.t0)
            s.stay_on_foot[r, e] = np.where(contact[k], task[k], s.stay_on_foot[r, e])
            reason = np.select(
                [contact[k], at_objective[k], order[k], dry[k]],
                ["contact", "objective", "order", "fuel"],
                default="seats",
            )
            ctx.emit(
                UnitDismounted, r, ctx.t0, unit=ctx.ids[e], reason=reason.astype(object), x_m=x[k], y_m=y[k]
            )
        # Mount: to ride a route the task lets it ride, away from the enemy, when riding is faster.
        can = np.isfinite(trips) & ((ride == RIDE_YES) | ((ride == RIDE_AUTO) & faster)) & ~dry
        on = ~mounted & moving & can & ~enemy & ~at_objective & (s.stay_on_foot[rows, elems] != task)
        k = np.flatnonzero(on)
        # The people wait while their carriers parked away come back to them (transport.md).
        k = k[bring_up_carriers(ctx, rows[k], elems[k])] if len(k) else k
        if len(k):
            r, e = rows[k], elems[k]
            s.mounted[r, e] = True
            s.parked_x[r, e] = np.nan  # the carriers, come back, are the people's again
            s.parked_y[r, e] = np.nan
            s.held_until[r, e] = np.maximum(s.held_until[r, e], ctx.t0 + c.mount_s[e])
            ctx.emit(UnitMounted, r, ctx.t0, unit=ctx.ids[e], x_m=x[k], y_m=y[k])
        _show_mounted(s.posture, s.mounted, rows, elems, moving)


def park(state: BatchState, rows: IntArray, elems: IntArray) -> None:
    """The carriers of elements (rows, elems) whose people just got off stay where they are now."""
    state.parked_x[rows, elems] = state.x[rows, elems]
    state.parked_y[rows, elems] = state.y[rows, elems]


def bring_up_carriers(ctx: StepContext, rows: IntArray, elems: IntArray) -> BoolArray:
    """Whether the carriers of elements (rows, elems), whose people are about to mount, are with them
    (parked within the element's footprint, or not parked). Those that are not close the gap for one step
    (their people held where they are until the step's end): crewed carriers drive straight to the people
    at their own speed on the ground under them; without a crew the people walk back to their carriers at
    their speed on foot on the ground under them (speed 0 there: a crawl, ``CRAWL_SPEED_MPS``)."""
    c = ctx.world.carriers
    assert c is not None
    s = ctx.state
    f = ctx.world.forces
    px, py = s.parked_x[rows, elems], s.parked_y[rows, elems]
    x, y = s.x[rows, elems], s.y[rows, elems]
    gap = np.hypot(px - x, py - y)
    away = gap > f.footprint_m[elems]  # NaN (not parked): with them
    if not away.any():
        return ~away
    k = np.flatnonzero(away)
    r, e, g = rows[k], elems[k], gap[k]
    crewed = c.crew[e] > 0
    # Who moves: the carriers toward the people, or the people toward the carriers.
    fx, fy = np.where(crewed, px[k], x[k]), np.where(crewed, py[k], y[k])
    tx, ty = np.where(crewed, x[k], px[k]), np.where(crewed, y[k], py[k])
    ground = ctx.world.movement_class(fx, fy)
    speed = np.where(crewed, c.speed_by_class[e, ground], f.speed_by_class[e, ground])
    speed = np.where(speed > 0, speed, CRAWL_SPEED_MPS)
    frac = np.minimum(speed * ctx.dt / g, 1.0)
    nx, ny = fx + (tx - fx) * frac, fy + (ty - fy) * frac
    s.parked_x[r[crewed], e[crewed]] = nx[crewed]
    s.parked_y[r[crewed], e[crewed]] = ny[crewed]
    s.x[r[~crewed], e[~crewed]] = nx[~crewed]
    s.y[r[~crewed], e[~crewed]] = ny[~crewed]
    s.held_until[r, e] = np.maximum(s.held_until[r, e], ctx.t1)
    return ~away


def parked_away(ctx: StepContext) -> BoolArray:
    """(R, N) whether each element has carriers left parked beyond its footprint from its people: targets
    of their own (sensing.md, direct-fire.md); carriers nearer stand with the people and are seen and hit
    with them."""
    s = ctx.state
    f = ctx.world.forces
    with np.errstate(invalid="ignore"):
        gap = np.hypot(s.parked_x - s.x, s.parked_y - s.y)
        return (gap > f.footprint_m[None, :]) & (s.carriers_left > 0)


def carrier_positions(state: BatchState) -> tuple[FloatArray, FloatArray]:
    """(R, N) x and y of each element's carriers: where they were parked while its people are on foot,
    the element's own position otherwise (mounted, or no carriers)."""
    parked = ~np.isnan(state.parked_x)
    return np.where(parked, state.parked_x, state.x), np.where(parked, state.parked_y, state.y)


def carrier_guns_manned(ctx: StepContext) -> BoolArray:
    """(R, N) whether each element's guns on its carriers can fire: it has carriers left and rides them,
    or they are parked with a ``crew`` that stays with them."""
    c = ctx.world.carriers
    s = ctx.state
    if c is None:
        return np.zeros(s.x.shape, dtype=bool)
    return (s.carriers_left > 0) & (s.mounted | (c.crew[None, :] > 0))


def lose_carrier_guns(ctx: StepContext, rows: IntArray, elems: IntArray, before: FloatArray) -> None:
    """The guns on the carriers of elements (rows, elems) go with the carriers just lost: each such mount
    keeps the share of its rounds that the carriers left (``carriers_left`` now, against ``before``, each
    entry's count before the loss) still hold. An element named twice loses its share once."""
    s = ctx.state
    f = ctx.world.forces
    if not s.ammo.shape[1] or not f.w_on_carrier.any():
        return
    mounts = np.flatnonzero(f.w_on_carrier)
    r, k = np.nonzero(f.w_elem[mounts][None, :] == elems[:, None])
    if not len(r):
        return
    row, elem, m, was = rows[r], elems[r], mounts[k], before[r]
    _, first = np.unique(row * len(s.ammo[0]) + m, return_index=True)
    row, elem, m, was = row[first], elem[first], m[first], was[first]
    keep = np.where(was > 0, s.carriers_left[row, elem] / np.where(was > 0, was, 1.0), 0.0)
    # Unlimited rounds stay so while any carrier is left.
    s.ammo[row, m] = np.where(keep > 0, s.ammo[row, m] * np.where(keep > 0, keep, 1.0), 0.0)


def full_loads(ctx: StepContext, rows: IntArray, mounts: IntArray) -> FloatArray:
    """(len(rows), len(mounts)) the load each weapon mount can hold now: its full load ``w_ammo0``, and
    for guns on carriers the share of it on the carriers left."""
    f = ctx.world.forces
    c = ctx.world.carriers
    load = np.broadcast_to(f.w_ammo0[mounts], (len(rows), len(mounts)))
    on = f.w_on_carrier[mounts]
    if c is None or not on.any():
        return np.array(load)
    e = f.w_elem[mounts]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(c.vehicles0[e] > 0, ctx.state.carriers_left[np.ix_(rows, e)] / c.vehicles0[e], 0.0)
    return np.asarray(np.where(on[None, :], load * share, load))


def _show_mounted(
    posture: IntArray, mounted: NDArray[np.bool_], rows: IntArray, elems: IntArray, moving: NDArray[np.bool_]
) -> None:
    """A moving element riding its carriers is in the ``mounted`` posture; one on foot that was is moving
    again (halted when it has no route left)."""
    p = posture[rows, elems]
    on = mounted[rows, elems]
    posture[rows, elems] = np.where(
        on & (p == _MOVING), _MOUNTED, np.where(~on & (p == _MOUNTED), np.where(moving, _MOVING, _HALTED), p)
    )


def _trips(ctx: StepContext, rows: IntArray, elems: IntArray) -> FloatArray:
    """Loads the carriers of elements (rows, elems) need for their people now."""
    c = ctx.world.carriers
    assert c is not None
    s = ctx.state
    return shuttle_trips(s.strength[rows, elems], s.carriers_left[rows, elems], c.seats[elems])


def shuttle_factors(ctx: StepContext) -> FloatArray | None:
    """(R, N): the fraction of their carriers' speed at which mounted elements advance (1 / (2n - 1) in n
    loads; 1 for the rest); None when no element has carriers."""
    c = ctx.world.carriers
    if c is None or not c.any:
        return None
    s = ctx.state
    out = np.ones(s.mounted.shape)
    rows, elems = np.nonzero(s.mounted)
    if len(rows):
        out[rows, elems] = shuttle_speed_factor(_trips(ctx, rows, elems))
    return out


def mounted_exposure(ctx: StepContext, rows: IntArray, elems: IntArray, effect: FloatArray) -> FloatArray:
    """Direct-fire ``effect`` on elements (rows, elems), times their carriers' ``fire_exposure`` where they
    are mounted (unchanged elsewhere)."""
    c = ctx.world.carriers
    if c is None or not c.any:
        return effect
    on = ctx.state.mounted[rows, elems]
    if not on.any():
        return effect
    return np.asarray(np.where(on, effect * c.fire_exposure[elems], effect))


def mounted_area_exposure(ctx: StepContext, rows: IntArray, exposure: FloatArray) -> FloatArray:
    """Blast and fragment ``exposure`` (rows x elements, by posture) with the people of elements riding
    their carriers given the carriers' ``fragment_exposure`` instead (unchanged elsewhere)."""
    c = ctx.world.carriers
    if c is None or not c.any:
        return exposure
    on = ctx.state.mounted[rows]
    if not on.any():
        return exposure
    return np.asarray(np.where(on, c.fragment_exposure[None, :], exposure))
