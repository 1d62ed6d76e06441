"""The obstacle step: ground elements whose move this step entered an obstacle are halted, hurt, breach or
force it; engineers' lanes open; reconnaissance finds obstacles (docs/mechanics/obstacles.md).

A compiled pass finds, for every ground element that moved, the first obstacle its straight move entered
(an obstacle of its own side, one it is already crossing, or one with an open lane is free). Each entry is
then decided in order. Unknown to the element's side: a mine goes off with probability ``p_encounter`` (a
block always stops it), the element halts at the edge for ``halt_s`` and then goes on through (one draw per
crossing), its side now knowing the obstacle; otherwise it went through unaware. Known: the element waits
for a lane being opened, opens one if it is an engineer, or forces its way. Random numbers: one uniform per
entry from ``obstacles/cross`` keyed by element and obstacle, one per reconnaissance element and obstacle
in range from ``obstacles/detect``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from drillsim.core.compiled import jit
from drillsim.events.types import (
    CarrierLost,
    ObstacleBreached,
    ObstacleDetected,
    ObstacleEncountered,
    UnitHit,
)
from drillsim.geo.polygons import first_entry, in_zone, zone_distance
from drillsim.mechanics.casualties import split_hits
from drillsim.mechanics.obstacles.model import (
    HOLD_BACK_M,
    breach_time_s,
    detection_probability,
    mine_casualties,
)
from drillsim.mechanics.transport import carrier_mine_casualties, lose_carrier_guns
from drillsim.state.batch import ACTIVE
from drillsim.state.context import StepContext
from drillsim.world.obstacles import MINEFIELD

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


class Obstacles:
    """Per-simulation constants of the obstacle step."""

    def __init__(self, ctx: StepContext) -> None:
        table = ctx.world.obstacles
        self.enabled = table.n > 0
        """Whether the scenario has obstacles (the step must then remember positions before the move)."""
        tasks = ctx.world.plan.tasks
        self.recon_task = np.array([t.kind == "reconnoitre" for t in tasks] + [False], dtype=bool)
        """Per task index (and -1, no task, last): whether the task is a reconnaissance."""

    def cross(self, ctx: StepContext) -> None:
        """Decide this step's entries into obstacles, then open the lanes whose breach is done."""
        if not self.enabled:
            return
        s = ctx.state
        f = ctx.world.forces
        ob = ctx.world.obstacles
        z = ob.zones
        rows, elems, which, frac = _entries(
            (s.x_before_move, s.y_before_move, s.x, s.y),
            s.status,
            f.is_air,
            f.side,
            ob.side,
            s.obstacle_lane_at,
            s.obstacle_passing,
            s.obstacle_inside,
            z.polygons,
            z.box,
            ctx.t0,
        )
        if len(rows):
            self._decide(ctx, rows, elems, which, frac)
        _open_lanes(ctx)

    def _decide(
        self, ctx: StepContext, rows: IntArray, elems: IntArray, which: IntArray, frac: FloatArray
    ) -> None:
        s = ctx.state
        f = ctx.world.forces
        ob = ctx.world.obstacles
        ax, ay = s.x_before_move[rows, elems], s.y_before_move[rows, elems]
        bx, by = s.x[rows, elems], s.y[rows, elems]
        length = np.hypot(bx - ax, by - ay)
        back = np.maximum(frac - HOLD_BACK_M / np.maximum(length, 1e-9), 0.0)
        ex, ey = ax + back * (bx - ax), ay + back * (by - ay)
        when = ctx.t0 + frac * ctx.dt
        side = f.side[elems]
        u = ctx.uniform("obstacles/cross", rows, ctx.key(elems), which)
        hit = u < ob.p_encounter[which]
        lost = np.zeros(len(rows))
        encountered: list[int] = []
        breached: list[int] = []
        carriers_lost: list[int] = []
        detected: list[int] = []
        for k in range(len(rows)):
            r, e, o, t = int(rows[k]), int(elems[k]), int(which[k]), float(when[k])
            known = s.obstacle_known_at[r, side[k], o] <= t
            halt = True
            if not known:
                if hit[k]:  # met unawares: a mine went off, or the block stopped it
                    s.held_until[r, e] = t + ob.halt_s[o]
                    lost[k] = self._mine_loss(ctx, (r, e, o), True, carriers_lost, k)
                    s.obstacle_known_at[r, side[k], o] = t
                    s.obstacle_encountered_at[r, side[k], o] = min(
                        s.obstacle_encountered_at[r, side[k], o], t
                    )
                    encountered.append(k)
                    detected.append(k)
                    # The mine it set off was this crossing's risk: after the halt it goes on through.
                    s.obstacle_passing[r, e] = o
                    s.obstacle_inside[r, e] = False
                else:  # went through unaware
                    halt = False
                    s.obstacle_passing[r, e] = o
                    s.obstacle_inside[r, e] = False
            elif np.isfinite(s.obstacle_lane_due[r, o]):  # a lane is being opened: wait for it
                s.held_until[r, e] = s.obstacle_lane_due[r, o]
            elif ob.breaching[e] > 0:  # an engineer: open a lane
                due = t + float(breach_time_s(ob.breach_s[o], ob.breaching[e]))
                s.obstacle_lane_due[r, o] = due
                s.obstacle_breacher[r, o] = e
                s.held_until[r, e] = due
            else:  # force a way through, at the obstacle's risk
                done = t + ob.force_s[o]
                s.held_until[r, e] = done
                if ob.kind[o] == MINEFIELD:
                    lost[k] = self._mine_loss(ctx, (r, e, o), bool(hit[k]), carriers_lost, k)
                s.obstacle_passing[r, e] = o
                s.obstacle_inside[r, e] = False
                s.obstacle_breached_at[r, side[k], o] = min(s.obstacle_breached_at[r, side[k], o], done)
                breached.append(k)
            if halt:
                s.x[r, e], s.y[r, e] = ex[k], ey[k]
        got = np.flatnonzero(lost > 0)
        if len(got):
            hr, he = rows[got], elems[got]
            s.strength[hr, he] = np.maximum(s.strength[hr, he] - lost[got], 0.0)
            killed = split_hits(
                ctx, hr, he, lost[got], kind="mine", u=ctx.uniform("obstacles/killed", hr, ctx.key(he))
            )
            np.add.at(s.obstacle_casualties, (hr, side[got], which[got]), lost[got])
            np.add.at(s.casualties_by_side, (hr, ob.side[which[got]], side[got]), lost[got])
            ctx.emit(
                UnitHit,
                hr,
                when[got],
                unit=ctx.ids[he],
                shooter=None,
                casualties=np.rint(lost[got]).astype(np.int64),
                weapon="mine",
                killed=killed,
            )
        names = np.asarray(ob.names, dtype=object)
        if carriers_lost:
            c = np.asarray(carriers_lost)
            ctx.emit(
                CarrierLost,
                rows[c],
                when[c],
                unit=ctx.ids[elems[c]],
                cause="mine",
                casualties=np.rint(lost[c]).astype(np.int64),
                vehicles=1.0,
            )
        if detected:
            d = np.asarray(detected)
            ctx.emit(
                ObstacleDetected,
                rows[d],
                when[d],
                side=ctx.sides[side[d]],
                unit=ctx.ids[elems[d]],
                obstacle=names[which[d]],
                how="encounter",
            )
        if encountered:
            m = np.asarray(encountered)
            ctx.emit(
                ObstacleEncountered,
                rows[m],
                when[m],
                unit=ctx.ids[elems[m]],
                obstacle=names[which[m]],
                casualties=np.rint(lost[m]).astype(np.int64),
                x_m=ex[m],
                y_m=ey[m],
            )
        if breached:
            b = np.asarray(breached)
            ctx.emit(
                ObstacleBreached,
                rows[b],
                when[b] + ob.force_s[which[b]],
                unit=ctx.ids[elems[b]],
                obstacle=names[which[b]],
                how="forced",
                casualties=np.rint(lost[b]).astype(np.int64),
            )

    @staticmethod
    def _mine_loss(
        ctx: StepContext, where: tuple[int, int, int], hit: bool, carriers_lost: list[int], k: int
    ) -> float:
        """People element ``e`` of row ``r`` loses to minefield ``o`` (``where``: r, e, o; a mine went off:
        ``hit``). Mounted, the mine takes one of its carriers and hurts the people on board, and entry ``k``
        goes into ``carriers_lost`` (docs/mechanics/transport.md)."""
        r, e, o = where
        s = ctx.state
        ob = ctx.world.obstacles
        c = ctx.world.carriers
        if not (hit and c is not None and s.mounted[r, e]):
            return float(mine_casualties(hit, ob.casualties[o], s.strength[r, e]))
        lost = float(
            carrier_mine_casualties(c.mine_casualties[e], s.strength[r, e], s.carriers_left[r, e], c.seats[e])
        )
        before = np.array([s.carriers_left[r, e]])
        s.carriers_left[r, e] = max(s.carriers_left[r, e] - 1.0, 0.0)
        lose_carrier_guns(ctx, np.array([r]), np.array([e]), before)  # the guns on the lost carrier go too
        if s.carriers_left[r, e] <= 0:
            s.mounted[r, e] = False  # no carrier left: the survivors go on foot
            s.dismounted_at[r, e] = min(s.dismounted_at[r, e], ctx.t0)
        carriers_lost.append(k)
        return lost

    def reconnoitre(self, ctx: StepContext) -> None:
        """Reconnaissance elements (by type, or on a reconnaissance task) in range may find obstacles their
        side does not know."""
        if not self.enabled:
            return
        s = ctx.state
        f = ctx.world.forces
        ob = ctx.world.obstacles
        z = ob.zones
        looking = ob.reconnaissance[None, :] | self.recon_task[s.task]
        rows, elems, which = _in_range(
            looking,
            s.x,
            s.y,
            s.status,
            f.is_air,
            f.side,
            s.obstacle_known_at,
            ob.detect_range_m,
            z.polygons,
            z.box,
            ctx.t1,
        )
        if not len(rows):
            return
        found = ctx.uniform("obstacles/detect", rows, ctx.key(elems), which) < detection_probability(
            ob.detect_rate_per_s[which], ctx.dt
        )
        rows, elems, which = rows[found], elems[found], which[found]
        side = f.side[elems]
        fresh = np.isinf(s.obstacle_known_at[rows, side, which])
        # Two finders of one obstacle in one step: the first (in row, element order) reports it.
        key = (rows * len(ctx.sides) + side) * ob.n + which
        _, first = np.unique(key, return_index=True)
        keep = np.zeros(len(rows), dtype=bool)
        keep[first] = True
        keep &= fresh
        rows, elems, which, side = rows[keep], elems[keep], which[keep], side[keep]
        s.obstacle_known_at[rows, side, which] = ctx.t1
        ctx.emit(
            ObstacleDetected,
            rows,
            ctx.t1,
            side=ctx.sides[side],
            unit=ctx.ids[elems],
            obstacle=np.asarray(ob.names, dtype=object)[which],
            how="reconnaissance",
        )


def _open_lanes(ctx: StepContext) -> None:
    """Lanes whose breach is done by the end of the step open to everyone."""
    s = ctx.state
    f = ctx.world.forces
    rows, which = np.nonzero((s.obstacle_lane_due <= ctx.t1) & np.isinf(s.obstacle_lane_at))
    if not len(rows):
        return
    due = s.obstacle_lane_due[rows, which]
    engineer = s.obstacle_breacher[rows, which]
    side = f.side[engineer]
    s.obstacle_lane_at[rows, which] = due
    s.obstacle_breached_at[rows, side, which] = np.minimum(s.obstacle_breached_at[rows, side, which], due)
    ctx.emit(
        ObstacleBreached,
        rows,
        due,
        unit=ctx.ids[engineer],
        obstacle=np.asarray(ctx.world.obstacles.names, dtype=object)[which],
        how="lane",
        casualties=0,
    )


@jit
def _entries(
    moves: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
    status: IntArray,
    is_air: BoolArray,
    side: IntArray,
    obstacle_side: IntArray,
    lane_at: FloatArray,
    passing: IntArray,
    inside: BoolArray,
    polygons: tuple[FloatArray, FloatArray, IntArray, IntArray],
    box: FloatArray,
    t0: float,
) -> tuple[IntArray, IntArray, IntArray, FloatArray]:
    """(rows, elements, obstacles, fractions of the move), in row-major order, of the ground elements whose
    move (``moves``: px, py, x, y) from (px, py) to (x, y) entered an obstacle that is not theirs, has no
    open lane and that they are not already crossing: the first such obstacle along the move. Elements
    crossing an obstacle are marked inside it, and free of it once they have left it (``passing``,
    ``inside`` updated in place)."""
    px, py, x, y = moves
    vx, vy, start, owner = polygons
    r_n, n = x.shape
    m = obstacle_side.shape[0]
    rows = np.empty(r_n * n, dtype=np.int64)
    elems = np.empty(r_n * n, dtype=np.int64)
    which = np.empty(r_n * n, dtype=np.int64)
    frac = np.empty(r_n * n)
    k = 0
    for r in range(r_n):
        for e in range(n):
            if status[r, e] != ACTIVE or is_air[e]:
                continue
            ax, ay, bx, by = px[r, e], py[r, e], x[r, e], y[r, e]
            moved = ax != bx or ay != by
            o = passing[r, e]
            if o >= 0:
                if in_zone(vx, vy, start, owner, o, bx, by):
                    inside[r, e] = True
                elif inside[r, e] or (moved and first_entry(vx, vy, start, owner, o, ax, ay, bx, by) <= 1.0):
                    passing[r, e] = -1
                    inside[r, e] = False
                continue
            if not moved:
                continue
            best = np.inf
            best_o = -1
            for o in range(m):
                if obstacle_side[o] == side[e] or lane_at[r, o] <= t0:
                    continue
                if max(ax, bx) < box[o, 0] or min(ax, bx) > box[o, 2]:
                    continue
                if max(ay, by) < box[o, 1] or min(ay, by) > box[o, 3]:
                    continue
                t = first_entry(vx, vy, start, owner, o, ax, ay, bx, by)
                if t < best:
                    best = t
                    best_o = o
            if best_o >= 0:
                rows[k] = r
                elems[k] = e
                which[k] = best_o
                frac[k] = best
                k += 1
    return rows[:k], elems[:k], which[:k], frac[:k]


@jit
def _in_range(
    looking: BoolArray,
    x: FloatArray,
    y: FloatArray,
    status: IntArray,
    is_air: BoolArray,
    side: IntArray,
    known_at: FloatArray,
    detect_range_m: FloatArray,
    polygons: tuple[FloatArray, FloatArray, IntArray, IntArray],
    box: FloatArray,
    t1: float,
) -> tuple[IntArray, IntArray, IntArray]:
    """(rows, elements, obstacles), in row-major order, of the looking ground elements in action within
    detection range of an obstacle their side does not know yet."""
    vx, vy, start, owner = polygons
    r_n, n = x.shape
    m = detect_range_m.shape[0]
    cap = r_n * n * max(m, 1)
    rows = np.empty(cap, dtype=np.int64)
    elems = np.empty(cap, dtype=np.int64)
    which = np.empty(cap, dtype=np.int64)
    k = 0
    for r in range(r_n):
        for e in range(n):
            if not looking[r, e] or status[r, e] != ACTIVE or is_air[e]:
                continue
            px, py = x[r, e], y[r, e]
            for o in range(m):
                if known_at[r, side[e], o] <= t1:
                    continue
                reach = detect_range_m[o]
                if px < box[o, 0] - reach or px > box[o, 2] + reach:
                    continue
                if py < box[o, 1] - reach or py > box[o, 3] + reach:
                    continue
                if zone_distance(vx, vy, start, owner, o, px, py) <= reach:
                    rows[k] = r
                    elems[k] = e
                    which[k] = o
                    k += 1
    return rows[:k], elems[:k], which[:k]
