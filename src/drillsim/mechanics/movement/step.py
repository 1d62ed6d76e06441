"""Movement: elements follow their routes at a speed set by terrain class, slope and suppression.

Ground speed is the unit type's speed for the terrain class under the element, times a slope factor
``max(0.05, 1 - k * theta / (theta_max / 2))`` (``k``: the type's slope slowdown, ``theta``: slope angle),
times the task's speed factor and the element's pace (docs/mechanics/friction.md); a suppressed element
moves at a quarter of that. On a leg that follows a road (``route_road``), the type's road speed replaces
terrain and slope. Aircraft fly straight at cruise speed (times the task's speed factor). An element
reaching the last point of its route has arrived; a patrol loops. An element held at an obstacle or by a
breakdown (``held_until``, docs/mechanics/obstacles.md, friction.md) does not move until the hold ends. An
element of a task that keeps together moves no farther in a step than its allowance (:mod:`.together`).

A step is three passes: a compiled scan finds the moving elements and samples the terrain class and
slope under the ground ones (the arithmetic of :class:`drillsim.geo.terrain.Terrain`), numpy turns the
slopes into angles, and a compiled loop sets each one's speed, moves it and advances its route. The
compiled loops do, element by element, the same floating-point operations as the array expressions they
replace, so results are identical to the bit.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from drillsim.core.compiled import jit, plain
from drillsim.events.types import UnitArrived
from drillsim.geo.terrain import GroundGrid, bilinear_at, class_code_at
from drillsim.mechanics.friction import march_speed_factors
from drillsim.mechanics.movement.fuel import Drive, burn_fuel, burn_idle_fuel, start_drive
from drillsim.mechanics.movement.together import together_allowance
from drillsim.mechanics.transport import shuttle_factors
from drillsim.state.batch import ACTIVE, Routes
from drillsim.state.context import StepContext
from drillsim.world.forces import CRAWL_SPEED_MPS, TERRAIN_INDEX, Mobility

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

SUPPRESSED_SPEED_FACTOR = 0.25
ARRIVAL_TOLERANCE_M = 1.0
_ROAD = TERRAIN_INDEX["road"]


class Pace(NamedTuple):
    """(R, N) state the move reads and writes besides positions and routes: the task's speed factor,
    suppression, the posture taken on arrival, the posture, the arrival times, whether the element rides
    its carriers (read only), and the most metres it may move this step when its task keeps together
    (:mod:`.together`; (0, 0) when no task does)."""

    speed_factor: FloatArray
    suppressed_until: FloatArray
    arrival_posture: IntArray
    posture: IntArray
    arrived_at: FloatArray
    first_arrived_at: FloatArray
    mounted: BoolArray
    allowance: FloatArray


@jit
def slope_factor(theta_deg: float, limit_deg: float, slowdown: float) -> float:
    """Fraction of flat-ground speed kept on a slope of ``theta_deg`` (never below 5 %, so nothing is stuck
    for good)."""
    keep = 1.0 - slowdown * theta_deg / max(limit_deg / 2.0, 1e-9)
    return min(max(keep, 0.05), 1.0)


@jit
def moving_elements(
    route_i: IntArray,
    route_len: IntArray,
    status: IntArray,
    held_until: FloatArray,
    t0: float,
    x: FloatArray,
    y: FloatArray,
    mobility: Mobility,
    mounted_speed: FloatArray,
    mounted: BoolArray,
    class_lut: IntArray,
    ground: GroundGrid,
) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """(rows, elements) of the active, ready elements with route left and not held (at an obstacle), in
    row-major order (as np.nonzero),
    and under the ground ones among them, in order: the type's speed for the movement class (the terrain
    class through ``class_lut``) and the slope (rise over run) of the terrain grid.
    ``mounted_speed``: the carriers' speeds by class, used for the elements that are ``mounted``.
    """
    is_air, readiness_s, speed_by_class, _, _ = mobility  # by position: callers pass a plain tuple (plain)
    terrain_class, slope_grid, x0, y0, cell = ground
    r, n = route_i.shape
    rows = np.empty(r * n, dtype=np.int64)
    elems = np.empty(r * n, dtype=np.int64)
    base = np.empty(r * n)
    slope = np.empty(r * n)
    k = 0
    g = 0
    for a in range(r):
        for e in range(n):
            if (
                route_i[a, e] < route_len[a, e]
                and status[a, e] == ACTIVE
                and t0 >= readiness_s[e]
                and held_until[a, e] <= t0
            ):
                rows[k] = a
                elems[k] = e
                k += 1
                if not is_air[e]:
                    px, py = x[a, e], y[a, e]
                    c = class_lut[class_code_at(terrain_class, x0, y0, cell, px, py)]
                    base[g] = mounted_speed[e, c] if mounted[a, e] else speed_by_class[e, c]
                    slope[g] = bilinear_at(slope_grid, x0, y0, cell, px, py)
                    g += 1
    return rows[:k], elems[:k], base[:g], slope[:g]


@jit
def advance(
    rows: IntArray,
    elems: IntArray,
    ground_base: FloatArray,
    ground_slope_rad: FloatArray,
    mobility: Mobility,
    mounted_speed: FloatArray,
    x: FloatArray,
    y: FloatArray,
    routes: Routes,
    pace: Pace,
    t0: float,
    dt: float,
) -> tuple[IntArray, IntArray, FloatArray]:
    """Move elements (rows, elems) one step along their routes (state arrays updated in place).

    ``ground_base`` and ``ground_slope_rad`` are the terrain-class speed and the slope angle under the
    ground elements among them, in order, mounted elements at ``mounted_speed``. Returns the (rows,
    elements, times) of those that arrived.
    """
    is_air, _, speed_by_class, slope_limit_deg, slope_slowdown = mobility
    route_x, route_y, route_road, route_len, route_i, route_loop = routes
    (
        speed_factor,
        suppressed_until,
        arrival_posture,
        posture,
        arrived_at,
        first_arrived_at,
        mounted,
        allowance,
    ) = pace
    m = len(rows)
    capped = allowance.shape[0] > 0
    done_rows = np.empty(m, dtype=np.int64)
    done_elems = np.empty(m, dtype=np.int64)
    done_when = np.empty(m)
    g = 0
    n_done = 0
    for k in range(m):
        a = rows[k]
        e = elems[k]
        i = route_i[a, e]
        if is_air[e]:
            speed = speed_by_class[e, 0] * (speed_factor[a, e] * 1.0)
        else:
            base = ground_base[g]
            keep = slope_factor(math.degrees(ground_slope_rad[g]), slope_limit_deg[e], slope_slowdown[e])
            speed = base * keep
            g += 1
            if base <= 0:
                speed = CRAWL_SPEED_MPS
            if route_road[a, e, i]:  # a road leg: the type's road speed; roads are graded, no slope penalty
                speed = mounted_speed[e, _ROAD] if mounted[a, e] else speed_by_class[e, _ROAD]
            suppressed = suppressed_until[a, e] > t0
            speed = speed * (speed_factor[a, e] * (SUPPRESSED_SPEED_FACTOR if suppressed else 1.0))
        step = speed * dt
        if capped and allowance[a, e] < step:
            step = allowance[a, e]
        dx = route_x[a, e, i] - x[a, e]
        dy = route_y[a, e, i] - y[a, e]
        dist = math.hypot(dx, dy)
        reach = dist <= step + ARRIVAL_TOLERANCE_M
        frac = 1.0 if reach else step / (1e-9 if dist < 1e-9 else dist)
        x[a, e] = x[a, e] + dx * frac
        y[a, e] = y[a, e] + dy * frac
        if not reach:
            continue
        nxt = i + 1
        if route_loop[a, e] and nxt >= route_len[a, e]:
            nxt = 0
        route_i[a, e] = nxt
        if nxt < route_len[a, e]:
            continue
        # Time of arrival within the step, by the fraction of the step the last leg took.
        used = dist / (1e-9 if step < 1e-9 else step) if step > 0 else 1.0
        when = t0 + min(max(used, 0.0), 1.0) * dt
        if when < arrived_at[a, e]:
            arrived_at[a, e] = when
        if when < first_arrived_at[a, e]:
            first_arrived_at[a, e] = when
        posture[a, e] = arrival_posture[a, e]
        done_rows[n_done] = a
        done_elems[n_done] = e
        done_when[n_done] = when
        n_done += 1
    return done_rows[:n_done], done_elems[:n_done], done_when[:n_done]


Arrivals = tuple[IntArray, IntArray, FloatArray]
"""(rows, elements, times) of the elements that reached the end of their route in a step."""

NO_ARRIVALS: Arrivals = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))


def move(ctx: StepContext) -> Arrivals:
    """Advance every moving element by one step along its route; halted vehicles with engines running burn
    their idle fuel (:func:`burn_idle_fuel`). Returns the arrivals (``UnitArrived``)."""
    moved, arrivals = advance_moving(ctx)
    if len(ctx.world.forces.idlers):
        mask = np.zeros(ctx.state.x.shape, dtype=bool)
        if moved is not None:
            mask[moved] = True
        burn_idle_fuel(ctx, mask)
    return arrivals


def advance_moving(ctx: StepContext) -> tuple[tuple[IntArray, IntArray] | None, Arrivals]:
    """Advance every moving element by one step along its route; returns the (rows, elements) that moved
    (None: none) and the arrivals."""
    s = ctx.state
    f = ctx.world.forces
    world = ctx.world
    # Mounted elements move at their carriers' speeds (docs/mechanics/transport.md).
    carried = world.carriers.speed_by_class if world.carriers is not None else f.speed_by_class
    rows, elems, base, slope = moving_elements(
        s.route_i,
        s.route_len,
        s.status,
        s.held_until,
        ctx.t0,
        s.x,
        s.y,
        plain(f.mobility),
        carried,
        s.mounted,
        world.class_lut,
        plain(world.terrain.ground_grid),
    )
    if not len(rows):
        return None, NO_ARRIVALS
    drive: Drive | None = None
    if f.any_fuel:
        # Vehicles out of fuel stay where they are (docs/mechanics/movement.md, "Fuel").
        drive, go = start_drive(ctx, rows, elems)
        if go is not None:
            ground = go[~f.is_air[elems]]
            rows, elems, base, slope = rows[go], elems[go], base[ground], slope[ground]
            if not len(rows):
                return None, NO_ARRIVALS
    # np.arctan here, not math.atan in the loop: numpy's vectorised arctan may differ from libm's in the
    # last bit, and a faster path must not change a result.
    slope_rad = np.arctan(slope)
    factors = march_speed_factors(ctx)
    shuttle = shuttle_factors(ctx)
    if shuttle is not None:
        factors = factors * shuttle
    allowance = together_allowance(ctx)
    pace = Pace(
        factors,
        s.suppressed_until,
        s.arrival_posture,
        s.posture,
        s.arrived_at,
        s.first_arrived_at,
        s.mounted,
        np.zeros((0, 0)) if allowance is None else allowance,
    )
    dr, de, when = advance(
        rows,
        elems,
        base,
        slope_rad,
        plain(f.mobility),
        carried,
        s.x,
        s.y,
        plain(s.routes()),
        plain(pace),
        ctx.t0,
        ctx.dt,
    )
    if drive is not None:
        burn_fuel(ctx, drive, dr, de)
    if len(dr):
        ctx.emit(UnitArrived, dr, when, unit=ctx.ids[de], x_m=s.x[dr, de], y_m=s.y[dr, de])
    return (rows, elems), (dr, de, when)
