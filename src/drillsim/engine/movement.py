"""Movement: elements follow their routes at a speed set by terrain class, slope and suppression.

Ground speed is the unit type's speed for the terrain class under the element, times a slope factor
``max(0.05, 1 - k * theta / (theta_max / 2))`` (``k``: the type's slope slowdown, ``theta``: slope angle),
times the task's speed factor; a suppressed element moves at a quarter of that. On a leg that follows a
road (``route_road``), the type's road speed replaces terrain and slope. Aircraft fly straight at
cruise speed. An element reaching the last point of its route has arrived; a patrol loops.
"""

from __future__ import annotations

import numpy as np

from drillsim.engine.context import StepContext
from drillsim.engine.state import ACTIVE
from drillsim.forces.tables import TERRAIN_INDEX

SUPPRESSED_SPEED_FACTOR = 0.25
ARRIVAL_TOLERANCE_M = 1.0
_ROAD = TERRAIN_INDEX["road"]


def slope_factor(slope_rise_over_run: np.ndarray, limit_deg: np.ndarray, slowdown: np.ndarray) -> np.ndarray:
    """Fraction of flat-ground speed kept on a slope (never below 5 %, so nothing is stuck for good)."""
    theta = np.degrees(np.arctan(np.asarray(slope_rise_over_run, dtype=np.float64)))
    keep = 1.0 - slowdown * theta / np.maximum(limit_deg / 2.0, 1e-9)
    return np.asarray(np.clip(keep, 0.05, 1.0), dtype=np.float64)


def move(ctx: StepContext) -> None:
    """Advance every moving element by one step along its route."""
    s = ctx.state
    f = ctx.world.forces
    moving = (s.route_i < s.route_len) & (s.status == ACTIVE) & (ctx.t0 >= f.readiness_s[None, :])
    rows, elems = np.nonzero(moving)
    if not len(rows):
        return
    i = s.route_i[rows, elems]
    tx = s.route_x[rows, elems, i]
    ty = s.route_y[rows, elems, i]
    x = s.x[rows, elems]
    y = s.y[rows, elems]
    air = f.is_air[elems]
    speed = np.empty(len(rows))
    speed[air] = f.speed_by_class[elems[air], 0]
    ground = ~air
    if ground.any():
        gx, gy, ge = x[ground], y[ground], elems[ground]
        cls = ctx.world.movement_class(gx, gy)
        base = f.speed_by_class[ge, cls]
        slope = ctx.world.terrain.slope_at(gx, gy)
        speed[ground] = base * slope_factor(slope, f.slope_limit_deg[ge], f.slope_slowdown[ge])
        # A ground element on ground its type cannot cross (speed 0 there) crawls rather than sticks.
        crawl = base <= 0
        if crawl.any():
            speed[np.flatnonzero(ground)[crawl]] = 0.1
        # On a road leg: the type's road speed; roads are graded, so no slope penalty.
        on_road = s.route_road[rows[ground], ge, i[ground]]
        if on_road.any():
            speed[np.flatnonzero(ground)[on_road]] = f.speed_by_class[ge[on_road], _ROAD]
    suppressed = s.suppressed_until[rows, elems] > ctx.t0
    speed *= s.speed_factor[rows, elems] * np.where(suppressed & ~air, SUPPRESSED_SPEED_FACTOR, 1.0)
    step = speed * ctx.dt
    dx, dy = tx - x, ty - y
    dist = np.hypot(dx, dy)
    reach = dist <= step + ARRIVAL_TOLERANCE_M
    frac = np.where(reach, 1.0, step / np.maximum(dist, 1e-9))
    s.x[rows, elems] = x + dx * frac
    s.y[rows, elems] = y + dy * frac
    if not reach.any():
        return
    rr, ee = rows[reach], elems[reach]
    nxt = s.route_i[rr, ee] + 1
    looped = s.route_loop[rr, ee] & (nxt >= s.route_len[rr, ee])
    nxt = np.where(looped, 0, nxt)
    s.route_i[rr, ee] = nxt
    done = nxt >= s.route_len[rr, ee]
    if done.any():
        dr, de = rr[done], ee[done]
        # Time of arrival within the step, by the fraction of the step the last leg took.
        used = np.where(step[reach][done] > 0, dist[reach][done] / np.maximum(step[reach][done], 1e-9), 1.0)
        when = ctx.t0 + np.clip(used, 0.0, 1.0) * ctx.dt
        s.arrived_at[dr, de] = np.minimum(s.arrived_at[dr, de], when)
        s.first_arrived_at[dr, de] = np.minimum(s.first_arrived_at[dr, de], when)
        s.posture[dr, de] = s.arrival_posture[dr, de]
        ctx.emit("UnitArrived", dr, when, unit=ctx.ids[de], x_m=s.x[dr, de], y_m=s.y[dr, de])
