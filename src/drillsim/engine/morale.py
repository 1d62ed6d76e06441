"""Morale, destruction, capture and escape.

An element with nobody left is destroyed. An element breaks when its losses reach its type's
``break_losses`` fraction, or when the share of the last ten minutes it spent suppressed reaches
``break_suppression``; a broken element stops fighting and withdraws to its home (or start) position.
A capturable element flees toward its escape point when its side's picture shows a raider within
``FLEE_RADIUS_M``; it escapes on reaching that point. It is captured when an element tasked to raid it
comes within ``CAPTURE_RADIUS_M`` while every guard near it (itself included) is broken, suppressed or
out of action.
"""

from __future__ import annotations

import numpy as np

from drillsim.engine.command import set_routes
from drillsim.engine.context import StepContext
from drillsim.engine.state import ACTIVE, CAPTURED, DESTROYED, ESCAPED

SUPPRESSION_MEMORY_S = 600.0
FLEE_RADIUS_M = 3000.0
CAPTURE_RADIUS_M = 150.0
GUARD_RADIUS_M = 500.0
FLEE_DISTANCE_M = 5000.0


def update_morale(ctx: StepContext) -> None:
    s = ctx.state
    f = ctx.world.forces
    t1 = ctx.t1
    dead = (s.status == ACTIVE) & (s.strength < 0.5) & ~f.is_air[None, :]
    rows, elems = np.nonzero(dead)
    if len(rows):
        s.status[rows, elems] = DESTROYED
        s.strength[rows, elems] = 0.0
        s.destroyed_at[rows, elems] = t1
        s.route_len[rows, elems] = 0
        ctx.emit("UnitDestroyed", rows, t1, unit=ctx.ids[elems])
    suppressed = (s.suppressed_until > ctx.t0).astype(np.float64)
    w = -np.expm1(-ctx.dt / SUPPRESSION_MEMORY_S)
    s.suppression_avg += (suppressed - s.suppression_avg) * w
    losses = 1.0 - s.strength / np.maximum(f.strength0[None, :], 1e-9)
    by_losses = losses >= f.break_losses[None, :]
    by_suppression = s.suppression_avg >= f.break_suppression[None, :]
    breaking = (s.status == ACTIVE) & ~s.broken & ~f.is_air[None, :] & (by_losses | by_suppression)
    rows, elems = np.nonzero(breaking)
    if len(rows):
        s.broken[rows, elems] = True
        s.broke_at[rows, elems] = t1
        s.task[rows, elems] = -1
        s.pending_task[rows, elems] = -1
        s.speed_factor[rows, elems] = 1.0
        home = np.stack([f.home_x[elems], f.home_y[elems]], axis=1)[:, None, :]
        set_routes(ctx, rows, elems, home)
        reason = np.where(by_losses[rows, elems], "losses", "suppression")
        ctx.emit("UnitBroke", rows, t1, unit=ctx.ids[elems], detail=reason)


def capture_and_flight(ctx: StepContext) -> None:
    s = ctx.state
    f = ctx.world.forces
    plan = ctx.world.plan
    t1 = ctx.t1
    capturable = np.flatnonzero(f.capturable)
    if not len(capturable):
        return
    raid_tasks = [t for t in plan.tasks if t.kind == "raid"]
    for c in capturable:
        side = f.side[c]
        live = s.status[:, c] == ACTIVE
        # Escape.
        has_escape = np.isfinite(f.escape_x[c])
        if has_escape:
            there = (
                live
                & s.fled[:, c]
                & (np.hypot(s.x[:, c] - f.escape_x[c], s.y[:, c] - f.escape_y[c]) <= 200.0)
            )
            rows = np.flatnonzero(there)
            if len(rows):
                s.status[rows, c] = ESCAPED
                s.escaped_at[rows, c] = t1
                ctx.emit("UnitEscaped", rows, t1, unit=ctx.ids[c])
        # Capture.
        for task in raid_tasks:
            if c not in task.target_elements or not task.capture:
                continue
            raiders = task.elements
            on = (s.task[:, raiders] == task.index) & (s.status[:, raiders] == ACTIVE) & ~s.broken[:, raiders]
            if not on.any():
                continue
            close = np.hypot(s.x[:, raiders] - s.x[:, c][:, None], s.y[:, raiders] - s.y[:, c][:, None])
            near = on & (close <= CAPTURE_RADIUS_M)
            if not near.any():
                continue
            guards = np.flatnonzero((f.side == side) & (f.is_guard | (np.arange(f.n) == c)) & ~f.is_air)
            gd = np.hypot(s.x[:, guards] - s.x[:, c][:, None], s.y[:, guards] - s.y[:, c][:, None])
            guarding = (gd <= GUARD_RADIUS_M) & (s.status[:, guards] == ACTIVE)
            resisting = guarding & ~s.broken[:, guards] & (s.suppressed_until[:, guards] <= ctx.t0)
            seized = live & (s.status[:, c] == ACTIVE) & near.any(axis=1) & ~resisting.any(axis=1)
            rows = np.flatnonzero(seized)
            if len(rows):
                captor = raiders[np.argmax(near[rows], axis=1)]
                s.status[rows, c] = CAPTURED
                s.captured_at[rows, c] = t1
                s.captor[rows, c] = captor
                s.route_len[rows, c] = 0
                ctx.emit("UnitCaptured", rows, t1, unit=ctx.ids[c], other=ctx.ids[captor])
        # Flight: a raider of a hostile side is in the picture nearby.
        raider_mask = np.zeros(f.n, dtype=bool)
        for task in raid_tasks:
            if c in task.target_elements:
                raider_mask[task.elements] = True
        if not raider_mask.any():
            continue
        pic = s.picture
        raiders = np.flatnonzero(raider_mask)
        d = np.hypot(
            pic.known_x[:, side, raiders] - s.x[:, c][:, None],
            pic.known_y[:, side, raiders] - s.y[:, c][:, None],
        )
        threat = pic.known_live[:, side, raiders] & (d <= FLEE_RADIUS_M)
        starts = (s.status[:, c] == ACTIVE) & ~s.fled[:, c] & threat.any(axis=1)
        rows = np.flatnonzero(starts)
        if not len(rows):
            continue
        s.fled[rows, c] = True
        s.task[rows, c] = -1
        s.pending_task[rows, c] = -1
        s.speed_factor[rows, c] = 1.0
        for r in rows:
            if has_escape:
                dest = np.array([[f.escape_x[c], f.escape_y[c]]])
            else:
                near_threat = int(raiders[np.argmin(np.where(threat[r], d[r], np.inf))])
                away = np.array(
                    [
                        s.x[r, c] - pic.known_x[r, side, near_threat],
                        s.y[r, c] - pic.known_y[r, side, near_threat],
                    ]
                )
                away = away / max(float(np.hypot(*away)), 1.0) * FLEE_DISTANCE_M
                dest = np.array([[s.x[r, c] + away[0], s.y[r, c] + away[1]]])
            set_routes(ctx, np.array([r]), np.array([c]), dest)
        ctx.emit("UnitFled", rows, t1, unit=ctx.ids[c])
