"""Command: phases start when their triggers fire, tasks reach units after command delays, routes are set.

Delays: a task reaches an element at ``phase start + task delay + the element's nation's C2 delay``, and
never before the element's readiness time. A route goes through the task's via points to its destination;
a leg that would cross a river away from a crossing is sent through the crossing that makes the leg
shortest. Dynamic destinations (attack on contacts, raids, strikes, covering a withdrawal,
reconnaissance toward contacts) are aimed at the side's current picture (contacts dead-reckoned to now;
attacks and raids at the interception point ahead of a contact they are faster than), never at ground
truth, through a crossing when the straight leg would cut a river, and re-aimed when the aim point has
moved (a bounded re-plan rate); the elements of a reconnaissance toward contacts share the contacts out.
Routes of move, withdraw, reconnoitre, defend and screen tasks (and the moves that end a raid or a
covering task) follow the road network where that is estimated faster.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from drillsim.core.compiled import jit
from drillsim.events.types import OrderReceived, PhaseSkipped, PhaseStarted
from drillsim.geo.distance import SQUARED_SLACK
from drillsim.geo.polygons import in_zone
from drillsim.geo.terrain import CROSSING_RADIUS_M, SegmentGrid, Terrain, move_cuts
from drillsim.mechanics.orders.search import search_for_target
from drillsim.mechanics.orders.triggers import Facts, TriggerState
from drillsim.state.batch import ACTIVE, AIR_OUTBOUND, AIR_READY, BatchState, ContactLayer, Routes
from drillsim.state.context import StepContext
from drillsim.world.forces import POSTURE_INDEX, TERRAIN_INDEX, Belligerents
from drillsim.world.obstacles import obstacle_event_table
from drillsim.world.plan import CompiledTask

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

MOVING = POSTURE_INDEX["moving"]
_FORMATION_LIMIT_M = 1000.0
_DYNAMIC = ("attack", "raid", "cover-withdrawal")
REAIM_MIN_M = 100.0
"""A dynamic task's moving element is re-aimed only when its aim point has shifted from its route's end by
more than this, or by more than ``REAIM_SHARE`` of its distance to the aim point (the arrival tolerance
of a steered route; assumption, docs/mechanics/orders.md, "Aiming at the believed picture")."""
REAIM_SHARE = 0.1
"""The shift of the aim point, as a share of the distance still to go, that re-aims a moving element: a
heading error of at most about 6 degrees (assumption)."""
COVER_STANDOFF_M = 1000.0
"""How far along the covered units' withdrawal route, ahead of them, a covering force takes its blocking
position (or, while they are not yet moving, how far toward the threat, at most halfway): the covered units
pass through it and the pursuers meet it first (assumption, docs/mechanics/orders.md, "Covering a
withdrawal")."""
COVER_CLEAR_M = 3000.0
"""A covered unit is clear once past the blocking position and this far beyond it; the covering force
withdraws when every covered unit is clear (assumption: beyond the effective range of infantry machine
guns, docs/mechanics/orders.md, "Covering a withdrawal")."""
DISPLACE_BAND = 1.0 / 6.0
"""The dead band of a supporting battery, as a share of its greatest range: a battery standing displaces
only when the supported point is farther than ``reach`` plus this share of its range (with the default
``reach`` 0.5, two thirds of its range), and it goes to where the supported point will need it after a
further stretch of this share (assumption, docs/mechanics/movement.md, "Supporting batteries")."""
ROAD_TASKS = ("move", "withdraw", "reconnoitre", "defend", "screen", "relieve")
"""Tasks whose ground routes may follow the road network (any task whose ``via`` names a route or road line
does too)."""
ROAD_LEG_POINTS = 24
"""Most waypoints one road leg may take (the road path is simplified to fit)."""
_ROAD = TERRAIN_INDEX["road"]
_OPEN = TERRAIN_INDEX["open"]
_ESTIMATE_SAMPLES = 8

_ROUTE_PLANS_KEPT = 20_000
"""Route plans kept per world (:func:`plan_routes`), all forgotten beyond: at most about 1 kB each (a road
leg's 24 waypoints), some 20 MB in all."""


def facts_of(ctx: StepContext, located: FloatArray) -> Facts:
    s = ctx.state
    f = ctx.world.forces
    return Facts(
        time_s=ctx.t1,
        phase_start=s.phase_start,
        detected_by_side=s.detected_by_side,
        reported_by_side=s.reported_by_side,
        lost_by_side=s.lost_by_side,
        mission_by_side=s.mission_by_side,
        strike_by_side=s.strike_by_side,
        detected_at=s.detected_at,
        reported_at=s.reported_at,
        arrived_at=s.arrived_at,
        destroyed_at=s.destroyed_at,
        broke_at=s.broke_at,
        captured_at=s.captured_at,
        escaped_at=s.escaped_at,
        objective_at=s.objective_at,
        strength=s.strength,
        strength0=f.strength0,
        side_of=f.side,
        nation_of=f.nation,
        located=located,
        landed_at=s.landed_at,
        dismounted_at=s.dismounted_at,
        keyed={
            "position-lost": s.position_lost_at,
            "position-retaken": s.position_retaken_at,
            "obstacle-encountered": obstacle_event_table(s.obstacle_encountered_at),
            "obstacle-breached": obstacle_event_table(s.obstacle_breached_at),
        },
    )


def start_phases(ctx: StepContext, triggers: TriggerState, located: FloatArray) -> None:
    """Start every phase whose trigger has fired by the end of this step, and issue its tasks; a phase whose
    ``unless`` condition fired no later than its trigger is passed over instead (no tasks)."""
    s = ctx.state
    plan = ctx.world.plan
    waiting = np.asarray(np.isinf(s.phase_start).any(axis=0))
    if not waiting.any():
        return
    fire = triggers.evaluate(facts_of(ctx, located), waiting)
    for p, root in enumerate(plan.phase_root):
        if not waiting[p]:
            continue
        when = fire[:, root]
        rows = np.nonzero(np.isinf(s.phase_start[:, p]) & (when <= ctx.t1))[0]
        if not len(rows):
            continue
        start = np.maximum(when[rows], 0.0)
        s.phase_start[rows, p] = start
        if plan.phase_unless and plan.phase_unless[p] >= 0:
            # Its purpose gone before it was due: passed over, no tasks (docs/mechanics/orders.md).
            gone = fire[rows, plan.phase_unless[p]] <= when[rows]
            if gone.any():
                ctx.emit(
                    PhaseSkipped,
                    rows[gone],
                    start[gone],
                    phase=plan.phase_names[p],
                    reason=plan.phase_unless_text[p],
                )
                rows, start = rows[~gone], start[~gone]
        ctx.emit(PhaseStarted, rows, start, phase=plan.phase_names[p])
        for k in plan.phase_tasks[p]:
            issue_task(ctx, k, rows, start)


def issue_task(ctx: StepContext, k: int, rows: IntArray, start: FloatArray) -> None:
    """Give task ``k`` to its elements in ``rows``, issued at ``start`` (one time per row): each element
    receives it after the task's delay and stagger and its own command delay, and not before it is ready.
    A later order replaces an earlier one still on its way."""
    s = ctx.state
    f = ctx.world.forces
    elems = ctx.world.plan.tasks[k].elements
    if not len(elems) or not len(rows):
        return
    task = ctx.world.plan.tasks[k]
    wave = task.stagger_s * np.arange(len(elems), dtype=np.float64)
    at = start[:, None] + task.delay_s + (wave + f.c2_delay_s[elems])[None, :]
    at = np.maximum(at, f.readiness_s[elems][None, :])
    s.pending_task[rows[:, None], elems[None, :]] = k
    s.pending_at[rows[:, None], elems[None, :]] = at


def activate_orders(ctx: StepContext) -> None:
    """Elements whose pending order has reached them begin it."""
    s = ctx.state
    rows, elems = _due_orders(s.pending_task, s.pending_at, s.status, s.broken, s.fled, ctx.t1)
    if not len(rows):
        return
    tasks = s.pending_task[rows, elems]
    when = s.pending_at[rows, elems]
    s.pending_task[rows, elems] = -1
    s.pending_at[rows, elems] = np.inf
    plan = ctx.world.plan
    for k in np.unique(tasks):
        sel = tasks == k
        begin_task(ctx, plan.tasks[int(k)], rows[sel], elems[sel], when[sel])
        ctx.emit(
            OrderReceived,
            rows[sel],
            when[sel],
            unit=ctx.ids[elems[sel]],
            task=plan.tasks[int(k)].kind,
            phase=plan.phase_names[plan.tasks[int(k)].phase],
        )


@jit
def _due_orders(
    pending_task: IntArray,
    pending_at: FloatArray,
    status: IntArray,
    broken: BoolArray,
    fled: BoolArray,
    t1: float,
) -> tuple[IntArray, IntArray]:
    """(rows, elems), in row-major order, of the elements in action, neither broken nor fled, whose pending
    order has reached them by ``t1``. Most steps have none: one pass beats five whole-array expressions."""
    r_n, n = pending_task.shape
    rows = np.empty(r_n * n, dtype=np.int64)
    elems = np.empty(r_n * n, dtype=np.int64)
    found = 0
    for r in range(r_n):
        for e in range(n):
            if pending_task[r, e] < 0 or not pending_at[r, e] <= t1:
                continue
            if status[r, e] == ACTIVE and not broken[r, e] and not fled[r, e]:
                rows[found] = r
                elems[found] = e
                found += 1
    return rows[:found], elems[:found]


def begin_task(
    ctx: StepContext, task: CompiledTask, rows: IntArray, elems: IntArray, when: FloatArray
) -> None:
    """Set up elements (rows, elems) to carry out ``task`` from time ``when``."""
    s = ctx.state
    f = ctx.world.forces
    s.task[rows, elems] = task.index
    s.task_since[rows, elems] = when
    s.arrived_at[rows, elems] = np.inf
    s.speed_factor[rows, elems] = task.speed_factor
    s.arrival_posture[rows, elems] = task.posture_on_arrival
    s.route_loop[rows, elems] = task.loop
    s.route_len[rows, elems] = 0
    s.route_i[rows, elems] = 0
    # ambush and relief: fire held until the ambush is sprung; losses counted from here
    s.hold_fire[rows, elems] = task.kind == "ambush"
    s.ambush_fired_at[rows, elems] = np.inf
    s.task_strength[rows, elems] = s.strength[rows, elems]
    s.block_x[rows, elems] = np.nan
    s.block_y[rows, elems] = np.nan
    s.search_x[rows, elems] = np.nan
    s.search_y[rows, elems] = np.nan
    s.search_leg[rows, elems] = -1
    if task.kind == "fire-support":
        s.battery_task[rows, elems] = task.index
        s.missions_left[rows, elems] = task.max_missions
        return
    if task.kind == "strike":
        s.sorties_left[rows, elems] = task.sorties
        s.air_phase[rows, elems] = AIR_READY
        return
    if task.waypoints.shape[1] == 0:
        return  # destination found each step from the picture
    slot = np.searchsorted(task.elements, elems)
    points = task.waypoints[slot]  # (k, points, 2)
    if task.kind == "relieve":
        points = points.copy()
        points[:, -1] = _position_of(s, rows, task.target_elements, points[:, -1])
    shared = task.waypoints.shape[0] > 0 and bool(np.all(task.waypoints == task.waypoints[:1]))
    if shared and task.kind in ("move", "withdraw", "defend", "attack", "reconnoitre", "relieve", "ambush"):
        dx = np.clip(f.offset_x[elems], -_FORMATION_LIMIT_M, _FORMATION_LIMIT_M)
        dy = np.clip(f.offset_y[elems], -_FORMATION_LIMIT_M, _FORMATION_LIMIT_M)
        points = points.copy()
        points[:, -1, 0] += dx
        points[:, -1, 1] += dy
    set_routes(ctx, rows, elems, points, roads=task.kind in ROAD_TASKS or task.via_roads)
    air = f.is_air[elems]
    if air.any():
        s.air_phase[rows[air], elems[air]] = AIR_OUTBOUND
        s.airborne_since[rows[air], elems[air]] = np.minimum(
            s.airborne_since[rows[air], elems[air]], when[air]
        )


def _position_of(s: BatchState, rows: IntArray, elements: IntArray, fallback: FloatArray) -> FloatArray:
    """(k, 2): the mean position of ``elements`` still in action in each row (``fallback`` where none is)."""
    alive = s.status[rows][:, elements] == ACTIVE
    count = alive.sum(axis=1)
    x = np.where(alive, s.x[rows][:, elements], 0.0).sum(axis=1) / np.maximum(count, 1)
    y = np.where(alive, s.y[rows][:, elements], 0.0).sum(axis=1) / np.maximum(count, 1)
    return np.where((count > 0)[:, None], np.column_stack([x, y]), fallback)


def plan_routes(
    ctx: StepContext, rows: IntArray, elems: IntArray, points: FloatArray, *, roads: bool = False
) -> tuple[FloatArray, IntArray, BoolArray]:
    """Routes for many elements at once: (k, points, 2) destinations -> (k, width, 2) waypoints, lengths,
    and (k, width) flags of the waypoints reached along a road (see :func:`_plan_routes`).

    A route depends only on the element, where it stands, its destinations, ``roads`` and the world (which
    never changes during a run): a plan made before with the same inputs (an element taking up its task
    again where it stopped) is taken from the world's :attr:`~drillsim.world.build.World.route_plans`, the
    others are planned together. The arrays are those :func:`_plan_routes` gives for all of them at once.
    """
    s = ctx.state
    k = len(rows)
    known = ctx.world.route_plans
    if len(known) > _ROUTE_PLANS_KEPT:
        known.clear()
    start = np.column_stack([s.x[rows, elems], s.y[rows, elems]])
    keys = [
        (int(elems[i]), roads, start[i].tobytes() + np.ascontiguousarray(points[i]).tobytes())
        for i in range(k)
    ]
    new = [i for i in range(k) if keys[i] not in known]
    if new:
        picked = np.asarray(new, dtype=np.int64)
        route, length, road, widths = _plan_routes(ctx, rows[picked], elems[picked], points[picked], roads)
        for j, i in enumerate(new):
            n = int(length[j])
            known[keys[i]] = (route[j, :n].copy(), road[j, :n].copy(), widths[j].copy())
    plans = [known[key] for key in keys]
    # each leg's chunk is as wide as its widest element's: the width all of them planned together give
    total = int(np.max(np.stack([w for _, _, w in plans]), axis=0).sum()) if k else 0
    out = np.zeros((k, total, 2))
    flags = np.zeros((k, total), dtype=bool)
    lengths = np.zeros(k, dtype=np.int64)
    for i, (r, f, _) in enumerate(plans):
        out[i, : len(r)] = r
        flags[i, : len(f)] = f
        lengths[i] = len(r)
    return out, lengths, flags


def _plan_routes(
    ctx: StepContext, rows: IntArray, elems: IntArray, points: FloatArray, roads: bool
) -> tuple[FloatArray, IntArray, BoolArray, IntArray]:
    """Routes for many elements at once: (k, points, 2) destinations -> (k, width, 2) waypoints, lengths,
    (k, width) flags of the waypoints reached along a road, and (k, points) the width each element's leg
    to each destination needs (its road polyline's points and one, or 2).

    A ground element's leg that would cross a river away from any crossing goes through the crossing that
    makes the leg shortest (|a - c| + |c - b|); aircraft fly straight. With ``roads``, a ground leg goes by
    road when that is estimated faster: off road to the road node nearest the leg's start, along the
    shortest road path, off road from the node nearest its end (both off-road stretches must stay clear
    of rivers).
    """
    s = ctx.state
    world = ctx.world
    terrain = world.terrain
    f = world.forces
    k, n_points = points.shape[0], points.shape[1]
    hx = s.x[rows, elems].copy()
    hy = s.y[rows, elems].copy()
    ground = ~f.is_air[elems]
    has_obstacles = len(terrain.obstacles) > 0
    can_cross = has_obstacles and len(terrain.crossings_xy) > 0
    net = world.roads if roads else None
    road_ok = ground & (f.speed_by_class[elems, _ROAD] > 0) if net is not None else np.zeros(k, dtype=bool)
    idx = np.arange(k)
    chunks: list[tuple[FloatArray, IntArray, BoolArray]] = []
    widths = np.full((k, n_points), 2, dtype=np.int64)
    for p in range(n_points):
        bx, by = points[:, p, 0], points[:, p, 1]
        width = 2
        road_pts: list[tuple[IntArray, FloatArray]] = []
        chunk = np.zeros((k, 2, 2))
        count = np.zeros(k, dtype=np.int64)
        leg_m = np.hypot(bx - hx, by - hy)
        if can_cross and ground.any():
            ax, ay, cx, cy = (_compiled_layout(v) for v in (hx, hy, bx, by))
            via, via_m = _river_detours(*_obstacle_grid(terrain), ax, ay, cx, cy, ground)
            a = np.flatnonzero(via >= 0)
            chunk[a, 0] = terrain.crossings_xy[via[a]]
            count[a] = 1
            leg_m[a] = via_m[a]
        if net is not None and road_ok.any():
            cand = np.flatnonzero(road_ok)
            ce = elems[cand]
            na, da = net.nearest_node(hx[cand], hy[cand])
            nb, db = net.nearest_node(bx[cand], by[cand])
            src, inv = np.unique(na, return_inverse=True)
            dist, pred = net.shortest(src)
            d_road = dist[inv, nb]
            ax_, ay_ = net.nodes_xy[na, 0], net.nodes_xy[na, 1]
            bx_, by_ = net.nodes_xy[nb, 0], net.nodes_xy[nb, 1]
            # the three off-road stretches (direct, to the road, from the road) estimated in one call
            v_direct, v_to, v_from = np.split(
                _offroad_speed(
                    ctx,
                    np.concatenate([ce, ce, ce]),
                    np.concatenate([hx[cand], hx[cand], bx_]),
                    np.concatenate([hy[cand], hy[cand], by_]),
                    np.concatenate([bx[cand], ax_, bx[cand]]),
                    np.concatenate([by[cand], ay_, by[cand]]),
                ),
                3,
            )
            t_direct = leg_m[cand] / v_direct
            t_road = (
                da / v_to
                + np.where(np.isfinite(d_road), d_road, 0.0) / f.speed_by_class[ce, _ROAD]
                + db / v_from
            )
            go = (na != nb) & np.isfinite(d_road) & (t_road < t_direct)
            if has_obstacles and go.any():
                g = np.flatnonzero(go)
                go[g] &= ~terrain.crosses_obstacle(hx[cand[g]], hy[cand[g]], ax_[g], ay_[g])
                go[g] &= ~terrain.crosses_obstacle(bx_[g], by_[g], bx[cand[g]], by[cand[g]])
            pairs = np.column_stack([na[go], nb[go]])
            chosen = cand[go]
            if len(chosen):
                uniq, which = np.unique(pairs, axis=0, return_inverse=True)
                which = np.asarray(which).reshape(-1)
                for u, (a_node, b_node) in enumerate(uniq):
                    row = int(np.searchsorted(src, a_node))
                    nodes = net.path(int(a_node), int(b_node), pred[row])
                    pts = net.path_points(nodes, max_points=ROAD_LEG_POINTS)
                    road_pts.append((chosen[which == u], pts))
                    width = max(width, len(pts) + 1)
        if road_pts:
            wide = np.zeros((k, width, 2))
            wide[:, :2] = chunk
            chunk = wide
        flags = np.zeros((k, width), dtype=bool)
        for who, pts in road_pts:
            m = len(pts)
            widths[who, p] = max(2, m + 1)
            chunk[who, :m] = pts
            flags[who, 1:m] = True
            count[who] = m
        chunk[idx, count, 0] = bx
        chunk[idx, count, 1] = by
        count += 1
        chunks.append((chunk, count, flags))
        hx, hy = bx, by
    total = sum(c[0].shape[1] for c in chunks)
    out = np.zeros((k, total, 2))
    road = np.zeros((k, total), dtype=bool)
    length = np.zeros(k, dtype=np.int64)
    for chunk, count, flags in chunks:
        ii, jj = np.nonzero(np.arange(chunk.shape[1])[None, :] < count[:, None])
        out[ii, length[ii] + jj] = chunk[ii, jj]
        road[ii, length[ii] + jj] = flags[ii, jj]
        length += count
    return out, length, road, widths


def _offroad_speed(
    ctx: StepContext, elems: IntArray, ax: FloatArray, ay: FloatArray, bx: FloatArray, by: FloatArray
) -> FloatArray:
    """Estimated cross-country speed along straight legs: the time-weighted (harmonic) mean of the type's
    speed for the terrain class at a few points along each leg (open-ground speed where the class is
    impassable to it; never below the 0.1 m/s crawl)."""
    f = ctx.world.forces
    t = (np.arange(_ESTIMATE_SAMPLES) + 0.5) / _ESTIMATE_SAMPLES
    px = ax[:, None] + (bx - ax)[:, None] * t[None, :]
    py = ay[:, None] + (by - ay)[:, None] * t[None, :]
    cls = ctx.world.movement_class(px, py)
    v = f.speed_by_class[elems[:, None], cls]
    v = np.where(v > 0, v, f.speed_by_class[elems, _OPEN][:, None])
    v = np.maximum(v, 0.1)
    return np.asarray(1.0 / np.mean(1.0 / v, axis=1), dtype=np.float64)


def set_routes(
    ctx: StepContext, rows: IntArray, elems: IntArray, points: FloatArray, *, roads: bool = False
) -> None:
    """Give elements (rows, elems) new routes through ``points`` ((k, points, 2) or (points, 2) shared);
    with ``roads``, ground legs may follow the road network (see :func:`plan_routes`)."""
    if not len(rows):
        return
    s = ctx.state
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim == 2:
        pts = np.broadcast_to(pts, (len(rows), *pts.shape))
    route, length, road = plan_routes(ctx, rows, elems, pts, roads=roads)
    cap = s.route_limit or s.route_x.shape[2]
    if route.shape[1] > cap:  # keep the destination when a route is longer than the state holds
        over = length > cap
        route[over, cap - 1] = route[over, length[over] - 1]
        road[over, cap - 1] = False
        route = route[:, :cap]
        road = road[:, :cap]
        length = np.minimum(length, cap)
    width = route.shape[1]
    s.make_room_for_routes(width)
    s.route_x[rows, elems, :width] = route[:, :, 0]
    s.route_y[rows, elems, :width] = route[:, :, 1]
    s.route_road[rows, elems, :] = False
    s.route_road[rows, elems, :width] = road
    s.route_len[rows, elems] = length
    s.route_i[rows, elems] = 0
    s.arrived_at[rows, elems] = np.inf
    s.posture[rows, elems] = np.where(length > 0, MOVING, s.posture[rows, elems])


def aim_dynamic_tasks(ctx: StepContext) -> None:
    """Re-aim attacks on contacts, raids, covering forces and reconnaissance toward contacts at where the
    side's current picture believes the enemy is (each contact's last sighting dead-reckoned to now; for
    attacks and raids, the interception point of :func:`interception_aim`), and move batteries that follow
    the units they support."""
    s = ctx.state
    f = ctx.world.forces
    pic = s.picture
    plan = ctx.world.plan
    believed: ContactLayer | None = None
    for task in plan.tasks:
        if task.kind == "fire-support" and len(task.supported):
            follow_supported(ctx, task)
            continue
        if task.toward_contacts:
            believed = believed if believed is not None else pic.believed_layer(ctx.t1)
            reconnoitre_contacts(ctx, task, believed)
            continue
        if task.kind not in _DYNAMIC or (task.kind == "attack" and task.waypoints.shape[1] > 0):
            continue
        rows, cols = _on_task(s.task, s.status, s.broken, task.elements, task.index)
        if not len(rows):
            continue
        believed = believed if believed is not None else pic.believed_layer(ctx.t1)
        elems = task.elements[cols]
        side = f.side[elems]
        if task.kind in ("attack", "raid"):
            if len(task.target_elements):
                cand = np.zeros(f.n, dtype=bool)
                cand[task.target_elements] = True
            else:
                cand = np.ones(f.n, dtype=bool)
            best, _ = nearest_contacts(
                ctx,
                s.x[rows, elems],
                s.y[rows, elems],
                rows,
                side,
                cand & ~f.is_air,
                require_active=True,
                layer=believed,
            )
            has = best >= 0
            gx, gy = interception_aim(ctx, rows, elems, side, np.maximum(best, 0))
            if len(task.target_elements):
                # The task is over once every target is out of action (captured, destroyed, escaped).
                over = np.all(s.status[np.ix_(rows, task.target_elements)] != ACTIVE, axis=1)
                if task.kind == "raid" and np.isfinite(task.then_to).all():
                    has &= ~over
                    _release_to(
                        ctx, rows[over], elems[over], np.broadcast_to(task.then_to, (int(over.sum()), 2))
                    )
                look = search_for_target(
                    ctx, task, rows, cols, best, has, over, believed, arrive_m=REAIM_MIN_M
                )
                has = look.go
                walk = look.steer
                _steer(ctx, rows[walk], elems[walk], look.x[walk], look.y[walk])
        else:
            gx, gy, has = _blocking_positions(ctx, task, rows, elems, believed)
        _steer(ctx, rows[has], elems[has], gx[has], gy[has])


def interception_aim(
    ctx: StepContext, rows: IntArray, elems: IntArray, sides: IntArray, targets: IntArray
) -> tuple[FloatArray, FloatArray]:
    """Where attackers (rows, elems) of sides ``sides`` aim at contacts ``targets``: the interception point
    on the contact's believed track (its last sighting carried along its estimated velocity, for at most
    ``DEAD_RECKONING_S`` after the sighting) when the attacker is faster than the contact's estimated
    speed (:func:`interception_time`), else the contact's believed position now. The attacker's speed is
    its open-ground speed (its carriers' when it rides them) times its task's speed factor."""
    from drillsim.state.reckoning import DEAD_RECKONING_S, reckoned  # compiled: loads Numba on first use

    s = ctx.state
    f = ctx.world.forces
    pic = s.picture
    carried = ctx.world.carriers.speed_by_class if ctx.world.carriers is not None else f.speed_by_class
    speed = np.where(s.mounted[rows, elems], carried[elems, _OPEN], f.speed_by_class[elems, _OPEN])
    speed = speed * s.speed_factor[rows, elems]
    seen_t = pic.known_t[rows, sides, targets]
    seen_x = pic.known_x[rows, sides, targets]
    seen_y = pic.known_y[rows, sides, targets]
    age = np.maximum(ctx.t1 - seen_t, 0.0)
    vx = pic.known_vx[rows, sides, targets]
    vy = pic.known_vy[rows, sides, targets]
    bx = reckoned(seen_x, vx, age)
    by = reckoned(seen_y, vy, age)
    tracking = age < DEAD_RECKONING_S  # an older contact is believed halted at the end of its track
    ahead = interception_time(
        bx - s.x[rows, elems],
        by - s.y[rows, elems],
        np.where(tracking, vx, 0.0),
        np.where(tracking, vy, 0.0),
        speed,
    )
    ahead = np.where(np.isfinite(ahead), ahead, 0.0)
    return reckoned(seen_x, vx, age + ahead), reckoned(seen_y, vy, age + ahead)


def interception_time(
    dx: FloatArray, dy: FloatArray, vx: FloatArray, vy: FloatArray, speed: FloatArray
) -> FloatArray:
    """The least time t >= 0 in which a pursuer at speed ``speed`` going straight can reach a target
    (dx, dy) from it that keeps its velocity (vx, vy): the root of |d + v t| = speed * t; inf when the
    pursuer is not faster than the target (no interception is sure then) or the numbers are not finite.
    With the target still, the plain distance over the speed."""
    dx, dy, vx, vy, speed = np.broadcast_arrays(dx, dy, vx, vy, speed)
    a = vx * vx + vy * vy - speed * speed
    b = 2.0 * (dx * vx + dy * vy)
    c = dx * dx + dy * dy
    faster = a < 0.0
    a_safe = np.where(faster, a, -1.0)
    root = np.sqrt(np.maximum(b * b - 4.0 * a_safe * c, 0.0))
    t = np.where(faster, (b + root) / (-2.0 * a_safe), np.inf)
    return np.asarray(np.where(np.isfinite(t) & (t >= 0.0), t, np.inf), dtype=np.float64)


def _blocking_positions(
    ctx: StepContext, task: CompiledTask, rows: IntArray, elems: IntArray, believed: ContactLayer
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Where the elements of a cover-withdrawal hold (aim x, aim y, and which hold), releasing those whose
    covered units are safe. The covered element in action nearest to the threat (the side's nearest live
    ground contact to the covered units' centre, believed position) sets the route: once it is withdrawing
    (on a withdraw task, with route left), each covering element takes, once, a blocking position on that
    element's remaining route (:func:`_blocking_points`), so the covered units pass through it and
    pursuers following them meet it first; while the covered units are not moving, it stands
    ``COVER_STANDOFF_M`` (at most halfway) from their centre toward the threat. It holds until every
    covered unit has arrived, is out of action, or has passed its blocking position and is
    ``COVER_CLEAR_M`` beyond it while the side believes no enemy within ``COVER_CLEAR_M`` of the position;
    then it withdraws to ``then_to`` (the covered units' destination when none)."""
    s = ctx.state
    f = ctx.world.forces
    side = f.side[elems]
    cov = task.covered
    alive = s.status[rows][:, cov] == ACTIVE
    cnt = np.maximum(alive.sum(axis=1), 1)
    cx = (np.where(alive, s.x[rows][:, cov], 0.0)).sum(axis=1) / cnt
    cy = (np.where(alive, s.y[rows][:, cov], 0.0)).sum(axis=1) / cnt
    best, dist = nearest_contacts(ctx, cx, cy, rows, side, ~f.is_air, require_active=False, layer=believed)
    threat = best >= 0
    ex = np.where(threat, believed.x[rows, side, np.maximum(best, 0)], cx)
    ey = np.where(threat, believed.y[rows, side, np.maximum(best, 0)], cy)
    # the covered element in action nearest to the threat sets the route
    gap = np.hypot(s.x[rows][:, cov] - ex[:, None], s.y[rows][:, cov] - ey[:, None])
    ref = cov[np.argmin(np.where(alive, gap, np.inf), axis=1)]
    withdrawing = np.array([t.kind == "withdraw" for t in ctx.world.plan.tasks] + [False])
    moving = withdrawing[s.task[rows, ref]] & (s.route_i[rows, ref] < s.route_len[rows, ref])
    choose = moving & ~np.isfinite(s.block_x[rows, elems])
    if choose.any():
        bx, by = _blocking_points(ctx, rows[choose], elems[choose], ref[choose])
        s.block_x[rows[choose], elems[choose]] = bx
        s.block_y[rows[choose], elems[choose]] = by
    blocked = np.isfinite(s.block_x[rows, elems])
    frac = np.where(threat, np.minimum(COVER_STANDOFF_M / np.maximum(dist, 1.0), 0.5), 0.0)
    gx = np.where(blocked, s.block_x[rows, elems], cx + frac * (ex - cx))
    gy = np.where(blocked, s.block_y[rows, elems], cy + frac * (ey - cy))
    clear = blocked & _covered_units_clear(s, cov, rows, gx, gy)
    if clear.any():  # the pursuit is held while the side believes an enemy within COVER_CLEAR_M of it
        c = np.flatnonzero(clear)
        _, near = nearest_contacts(
            ctx, gx[c], gy[c], rows[c], side[c], ~f.is_air, require_active=False, layer=believed
        )
        clear[c] = near > COVER_CLEAR_M
    done = _covered_units_safe(s, cov, rows) | clear
    _release_covering_force(ctx, task, rows[done], elems[done])
    return gx, gy, ~done


def _blocking_points(
    ctx: StepContext, rows: IntArray, elems: IntArray, refs: IntArray
) -> tuple[FloatArray, FloatArray]:
    """Each covering element's blocking position on the remaining route of the covered element ``refs[k]``:
    the first point at least ``COVER_STANDOFF_M`` along it (checked every ``_BLOCK_STEP_M``) that the
    covering element can reach, straight at its open-ground pace, no later than the covered element
    reaches it along its route at its own; when there is none, the point of the route (at least
    ``COVER_STANDOFF_M`` along it, or its end) nearest to the covering element."""
    s = ctx.state
    f = ctx.world.forces
    out_x = np.empty(len(rows))
    out_y = np.empty(len(rows))
    for k in range(len(rows)):
        r, e, c = rows[k], elems[k], refs[k]
        mine = max(float(f.speed_by_class[e, _OPEN] * s.speed_factor[r, e]), 0.1)
        theirs = max(float(f.speed_by_class[c, _OPEN] * s.speed_factor[r, c]), 0.1)
        ox, oy = s.x[r, e], s.y[r, e]
        px, py = s.x[r, c], s.y[r, c]
        near_x, near_y, near_m = px, py, np.inf
        done = 0.0
        found = False
        for i in range(s.route_i[r, c], s.route_len[r, c]):
            qx, qy = s.route_x[r, c, i], s.route_y[r, c, i]
            seg = float(np.hypot(qx - px, qy - py))
            steps = max(int(np.ceil(seg / _BLOCK_STEP_M)), 1)
            for j in range(1, steps + 1):
                bx, by = px + (qx - px) * j / steps, py + (qy - py) * j / steps
                d = done + seg * j / steps
                if d < COVER_STANDOFF_M and not (i == s.route_len[r, c] - 1 and j == steps):
                    continue
                to_b = float(np.hypot(bx - ox, by - oy))
                if to_b / mine <= d / theirs:
                    found = True
                    break
                if to_b < near_m:
                    near_x, near_y, near_m = bx, by, to_b
            if found:
                break
            done += seg
            px, py = qx, qy
        out_x[k], out_y[k] = (bx, by) if found else (near_x, near_y)
    return out_x, out_y


_BLOCK_STEP_M = 100.0


def _covered_units_clear(
    s: BatchState, covered: IntArray, rows: IntArray, bx: FloatArray, by: FloatArray
) -> BoolArray:
    """Every covered unit in action has passed the blocking position (bx, by) (it is nearer its route's end
    than the position is) and is ``COVER_CLEAR_M`` beyond it."""
    on = np.ix_(rows, covered)
    last = np.maximum(s.route_len[on] - 1, 0)
    rr = rows[:, None]
    cc = covered[None, :]
    endx = s.route_x[rr, cc, last]
    endy = s.route_y[rr, cc, last]
    ux, uy = s.x[on], s.y[on]
    passed = np.hypot(endx - ux, endy - uy) < np.hypot(endx - bx[:, None], endy - by[:, None])
    far = np.hypot(ux - bx[:, None], uy - by[:, None]) >= COVER_CLEAR_M
    return np.asarray(np.all((passed & far) | (s.status[on] != ACTIVE), axis=1))


def reconnoitre_contacts(ctx: StepContext, task: CompiledTask, believed: ContactLayer) -> None:
    """Elements of a reconnoitre toward contacts share out the live contacts of the side's shared picture
    (believed positions) within the task's area (:func:`share_out_contacts`): contacts not yet confirmed by
    the side's ground elements first, each claimed by one element; each element stops ``standoff_m`` short
    of its contact, on the line from the contact to where the element is. Without a contact, an element
    goes to the task's ``to`` (``then_to``) if it has one, else stays where it is."""
    s = ctx.state
    f = ctx.world.forces
    rows, cols = _on_task(s.task, s.status, s.broken, task.elements, task.index)
    if not len(rows):
        return
    elems = task.elements[cols]
    zone = task.search_area
    vx, vy, start, owner = zone.polygons if zone is not None else _NO_ZONE
    best = np.empty(len(rows), dtype=np.int64)
    share_out_contacts(
        np.ascontiguousarray(s.x[rows, elems]),
        np.ascontiguousarray(s.y[rows, elems]),
        rows,
        f.side[elems],
        s.picture.known_live,
        believed,
        s.picture.is_confirmed(),
        s.status,
        f.belligerents,
        zone is not None,
        (vx, vy, start, owner),
        best,
    )
    has = best >= 0
    if np.isfinite(task.then_to).all() and not has.all():
        idle = ~has
        k = int(idle.sum())
        _steer(ctx, rows[idle], elems[idle], np.full(k, task.then_to[0]), np.full(k, task.then_to[1]))
    if not has.any():
        return
    rows, elems, best, cols = rows[has], elems[has], best[has], cols[has]
    side = f.side[elems]
    ex = believed.x[rows, side, best]
    ey = believed.y[rows, side, best]
    hx, hy = s.x[rows, elems], s.y[rows, elems]
    away = np.hypot(hx - ex, hy - ey)
    keep = task.standoff_m[cols] / np.maximum(away, 1.0)
    gx = np.where(away >= 1.0, ex + (hx - ex) * keep, hx)
    gy = np.where(away >= 1.0, ey + (hy - ey) * keep, hy)
    _steer(ctx, rows, elems, gx, gy)


_NO_ZONE = (np.zeros(0), np.zeros(0), np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64))


@jit
def share_out_contacts(
    px: FloatArray,
    py: FloatArray,
    rows: IntArray,
    sides: IntArray,
    known_live: BoolArray,
    believed: ContactLayer,
    confirmed: BoolArray,
    status: IntArray,
    forces: Belligerents,
    has_zone: bool,
    zone: tuple[FloatArray, FloatArray, IntArray, IntArray],
    best: IntArray,
) -> None:
    """The objectives of the elements of one reconnoitre toward contacts, written into ``best`` (-1: no
    contact). The queries (row, side, position) come grouped by row and side; each group shares out the
    live enemy ground contacts in action of that row's picture for that side, believed inside the zone when
    there is one. Claims are made in rounds: in a round each contact is claimed by at most one element,
    and the pair (element without an objective, contact unclaimed this round) that is nearest is taken
    first, contacts not yet confirmed on the ground before confirmed ones (ties: the first element, then
    the first contact). When every contact is claimed and elements are left, a new round begins, so the
    extra elements go to contacts already claimed, spread evenly, each to the nearest of those left."""
    n = forces.side.shape[0]
    listed = np.empty(n, dtype=np.int64)
    tier = np.empty(n, dtype=np.int64)
    claimed = np.zeros(n, dtype=np.bool_)
    k_n = px.shape[0]
    first = 0
    while first < k_n:
        r = rows[first]
        mine = sides[first]
        last = first
        while last < k_n and rows[last] == r and sides[last] == mine:
            last += 1
        m = _reconnaissance_candidates(
            r, mine, known_live, believed, confirmed, status, forces, has_zone, zone, listed, tier
        )
        claimed[:m] = False
        for k in range(first, last):
            best[k] = -1
        left = (last - first) if m > 0 else 0
        open_n = m
        while left > 0:
            if open_n == 0:  # every contact claimed this round: a new round
                for q in range(m):
                    claimed[q] = False
                open_n = m
            b_k, b_q, b_tier, b_d = -1, -1, 2, np.inf
            for k in range(first, last):
                if best[k] >= 0:
                    continue
                for q in range(m):
                    if claimed[q]:
                        continue
                    t = listed[q]
                    d = np.hypot(believed.x[r, mine, t] - px[k], believed.y[r, mine, t] - py[k])
                    if tier[q] < b_tier or (tier[q] == b_tier and d < b_d):
                        b_k, b_q, b_tier, b_d = k, q, tier[q], d
            best[b_k] = listed[b_q]
            claimed[b_q] = True
            open_n -= 1
            left -= 1
        first = last


@jit
def _reconnaissance_candidates(
    r: int,
    mine: int,
    known_live: BoolArray,
    believed: ContactLayer,
    confirmed: BoolArray,
    status: IntArray,
    forces: Belligerents,
    has_zone: bool,
    zone: tuple[FloatArray, FloatArray, IntArray, IntArray],
    listed: IntArray,
    tier: IntArray,
) -> int:
    """The contacts :func:`share_out_contacts` shares out in row ``r`` for side ``mine``, written into
    ``listed`` in element order with their ``tier`` (0: not confirmed on the ground, 1: confirmed); returns
    how many."""
    side = forces.side
    hostile = forces.hostile
    is_air = forces.is_air
    vx, vy, start, owner = zone
    m = 0
    for t in range(side.shape[0]):
        if not (hostile[mine, side[t]] and known_live[r, mine, t]) or is_air[t] or status[r, t] != ACTIVE:
            continue
        x, y = believed.x[r, mine, t], believed.y[r, mine, t]
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        if has_zone and not in_zone(vx, vy, start, owner, 0, x, y):
            continue
        listed[m] = t
        tier[m] = 1 if confirmed[r, mine, t] else 0
        m += 1
    return m


def follow_supported(ctx: StepContext, task: CompiledTask) -> None:
    """Batteries of a fire-support task keep the units they support within range, with a dead band
    (docs/mechanics/movement.md, "Supporting batteries"). The supported point is the supported element in
    contact (:func:`in_contact`) nearest to the battery when any is, else the centre of all those in
    action; its objective is where it is going (the end of its route; the mean for the centre). A battery
    standing (no route left) displaces only when the supported point is farther than its displacement
    distance (``reach`` plus ``DISPLACE_BAND`` of its range) or when it is under fire (suppressed) and its
    goal is away; a battery on the move is re-aimed while the supported point is beyond its reach, and
    otherwise finishes its bound. Its goal is the point at ``reach`` of its range from
    where the supported point will be after a further stretch of ``DISPLACE_BAND`` of its range toward its
    objective (no farther than the objective), on the side of the battery (through a crossing when the
    straight leg cuts a river). With no supported element in action, a battery halts."""
    s = ctx.state
    rows, cols = _on_task(s.task, s.status, s.broken, task.elements, task.index)
    if not len(rows):
        return
    elems = task.elements[cols]
    bx = s.x[rows, elems]
    by = s.y[rows, elems]
    sup = task.supported
    sx = s.x[rows][:, sup]
    sy = s.y[rows][:, sup]
    alive = s.status[rows][:, sup] == ACTIVE
    count = alive.sum(axis=1)
    cx = np.where(alive, sx, 0.0).sum(axis=1) / np.maximum(count, 1)
    cy = np.where(alive, sy, 0.0).sum(axis=1) / np.maximum(count, 1)
    engaged = alive & in_contact(ctx, rows, ctx.world.forces.side[elems], sup)
    fighting = engaged.any(axis=1)
    k = np.arange(len(rows))
    near = np.zeros(len(rows), dtype=np.int64)
    if fighting.any():
        near = np.argmin(np.where(engaged, np.hypot(sx - bx[:, None], sy - by[:, None]), np.inf), axis=1)
        cx = np.where(fighting, sx[k, near], cx)
        cy = np.where(fighting, sy[k, near], cy)
    reach = task.support_reach_m[cols]
    longest = task.support_range_m[cols]
    away = np.hypot(bx - cx, by - cy)
    moving = s.route_i[rows, elems] < s.route_len[rows, elems]
    beyond = away > np.minimum(reach + DISPLACE_BAND * longest, longest)
    shot_at = s.suppressed_until[rows, elems] > ctx.t1
    # On the move, a battery is re-aimed while the supported point is beyond its reach; within it (the
    # point may change from the centre to a nearer element in contact and back), it finishes its bound.
    go = (count > 0) & ((moving & (away > reach)) | beyond | shot_at)
    stop = (count == 0) & moving
    s.route_len[rows[stop], elems[stop]] = 0
    s.route_i[rows[stop], elems[stop]] = 0
    if not go.any():
        return
    # the objective of the supported point: where it is going (the mean for the centre)
    g = np.flatnonzero(go)
    rg = rows[g]
    going = s.route_i[rg][:, sup] < s.route_len[rg][:, sup]
    last = np.maximum(s.route_len[rg][:, sup] - 1, 0)
    ox = np.where(going, s.route_x[rg[:, None], sup[None, :], last], sx[g])
    oy = np.where(going, s.route_y[rg[:, None], sup[None, :], last], sy[g])
    tx = np.where(alive[g], ox, 0.0).sum(axis=1) / np.maximum(count[g], 1)
    ty = np.where(alive[g], oy, 0.0).sum(axis=1) / np.maximum(count[g], 1)
    kg = np.arange(len(g))
    tx = np.where(fighting[g], ox[kg, near[g]], tx)
    ty = np.where(fighting[g], oy[kg, near[g]], ty)
    gx, gy = displacement_goal(bx[g], by[g], cx[g], cy[g], tx, ty, reach[g], DISPLACE_BAND * longest[g])
    _steer(ctx, rg, elems[g], gx, gy)


def displacement_goal(
    bx: FloatArray,
    by: FloatArray,
    cx: FloatArray,
    cy: FloatArray,
    tx: FloatArray,
    ty: FloatArray,
    reach_m: FloatArray,
    stretch_m: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Where a battery at (bx, by) supporting a point (cx, cy) bound for (tx, ty) goes: the point
    ``reach_m`` from where the supported point will be after ``stretch_m`` more toward its objective (no
    farther than the objective), on the line from there to the battery, and then no farther than
    ``reach_m`` from the supported point now; the battery stays where it is when it is already within
    ``reach_m`` of both."""
    to_obj = np.hypot(tx - cx, ty - cy)
    ahead = np.minimum(stretch_m, to_obj) / np.maximum(to_obj, 1e-9)
    px = cx + (tx - cx) * ahead
    py = cy + (ty - cy) * ahead
    d = np.hypot(bx - px, by - py)
    keep = np.where(d > reach_m, reach_m / np.maximum(d, 1e-9), 1.0)
    gx = px + (bx - px) * keep
    gy = py + (by - py) * keep
    # never farther than reach_m from the supported point now (an objective toward the battery or aside
    # would otherwise leave it beyond the dead band on arrival)
    off = np.hypot(gx - cx, gy - cy)
    pull = np.where(off > reach_m, reach_m / np.maximum(off, 1e-9), 1.0)
    return cx + (gx - cx) * pull, cy + (gy - cy) * pull


def in_contact(ctx: StepContext, rows: IntArray, sides: IntArray, elements: IntArray) -> BoolArray:
    """(len(rows), len(elements)): which of ``elements`` are in contact in row ``rows[k]``, as side
    ``sides[k]`` sees it. An element is in contact while a sighting it made itself is its side's latest of
    an enemy element and younger than the side's contact timeout. The picture names only the latest
    observer of each contact, so an element that saw only what a neighbour saw after it is not counted."""
    pic = ctx.state.picture
    f = ctx.world.forces
    pairs, back = np.unique(np.stack([rows, sides]), axis=1, return_inverse=True)
    urows, usides = pairs
    fresh = (ctx.t1 - pic.seen_t[urows, usides] < f.contact_timeout_s[usides][:, None]) & (
        pic.seen_by[urows, usides] >= 0
    )
    k, e = np.nonzero(fresh)
    where = np.full(f.n, -1, dtype=np.int64)
    where[elements] = np.arange(len(elements))
    col = where[pic.seen_by[urows[k], usides[k], e]]
    out = np.zeros((len(urows), len(elements)), dtype=bool)
    out[k[col >= 0], col[col >= 0]] = True
    return out[back.ravel()]


@jit
def _on_task(
    task: IntArray, status: IntArray, broken: BoolArray, elements: IntArray, index: int
) -> tuple[IntArray, IntArray]:
    """(rows, positions in ``elements``), in row-major order, of the task's elements that are on it, in
    action and not broken: one pass instead of three column gathers and a np.nonzero every step."""
    r_n = task.shape[0]
    rows = np.empty(r_n * len(elements), dtype=np.int64)
    cols = np.empty(r_n * len(elements), dtype=np.int64)
    found = 0
    for r in range(r_n):
        for c in range(len(elements)):
            e = elements[c]
            if task[r, e] == index and status[r, e] == ACTIVE and not broken[r, e]:
                rows[found] = r
                cols[found] = c
                found += 1
    return rows[:found], cols[:found]


def nearest_contacts(
    ctx: StepContext,
    px: FloatArray,
    py: FloatArray,
    rows: IntArray,
    sides: IntArray,
    candidate: NDArray[np.bool_],
    *,
    require_active: bool,
    reckoned: bool = False,
    layer: ContactLayer | None = None,
) -> tuple[IntArray, FloatArray]:
    """For each query point (px, py) of state row ``rows[k]``, asked for side ``sides[k]``: the enemy
    contact in that side's shared picture whose believed position is nearest, among ``candidate`` elements
    (and only those still in action with ``require_active``), and its distance; -1 and inf when none. The
    position is the last sighting, or with ``reckoned`` the sighting dead-reckoned to now
    (:meth:`Picture.believed_layer`); ``layer`` gives the positions instead when it is given."""
    s = ctx.state
    pic = s.picture
    f = ctx.world.forces
    best = np.empty(len(rows), dtype=np.int64)
    dist = np.empty(len(rows))
    _nearest_contacts_kernel(
        np.ascontiguousarray(px, dtype=np.float64),
        np.ascontiguousarray(py, dtype=np.float64),
        np.ascontiguousarray(rows, dtype=np.int64),  # a strided selection is another compilation
        sides,
        pic.known_live,
        layer if layer is not None else pic.believed_layer(ctx.t1) if reckoned else pic.known_layer(),
        s.status,
        require_active,
        candidate,
        f.belligerents,
        best,
        dist,
    )
    return best, dist


@jit
def _nearest_contacts_kernel(
    px: FloatArray,
    py: FloatArray,
    rows: IntArray,
    sides: IntArray,
    known_live: BoolArray,
    known: ContactLayer,
    status: IntArray,
    require_active: bool,
    candidate: BoolArray,
    forces: Belligerents,
    best: IntArray,
    dist: FloatArray,
) -> None:
    """The loop of :func:`nearest_contacts` (ties: the first element). Queries come grouped by row (many
    elements of a task ask the same row's picture), so the contacts that qualify are listed once per run of
    queries with the same row and side, in element order, and each query scans only that list: a first pass
    finds the least squared distance, a second computes the exact distance (hypot, which decides) only for
    the contacts whose squared distance says they may be the nearest."""
    side = forces.side
    hostile = forces.hostile
    known_x = known.x
    known_y = known.y
    n = side.shape[0]
    listed = np.empty(n, dtype=np.int64)
    lx = np.empty(n)
    ly = np.empty(n)
    squared = np.empty(n)
    wanted = np.empty((hostile.shape[0], n), dtype=np.bool_)  # candidate enemies of each side
    for mine in range(hostile.shape[0]):
        for t in range(n):
            wanted[mine, t] = candidate[t] and hostile[mine, side[t]]
    m = 0
    last_r = -1
    last_side = -1
    for k in range(px.shape[0]):
        r = rows[k]
        mine = sides[k]
        if r != last_r or mine != last_side:
            m = 0
            for t in range(n):
                if not (wanted[mine, t] and known_live[r, mine, t]):
                    continue
                if require_active and status[r, t] != ACTIVE:
                    continue
                listed[m] = t
                lx[m] = known_x[r, mine, t]
                ly[m] = known_y[r, mine, t]
                m += 1
            last_r = r
            last_side = mine
        least = np.inf
        for q in range(m):
            dx = lx[q] - px[k]
            dy = ly[q] - py[k]
            squared[q] = dx * dx + dy * dy
            if squared[q] < least:  # (a nan never qualifies, as in the exact test)
                least = squared[q]
        bound = least * SQUARED_SLACK  # farther than this: surely not the nearest, skip the costly hypot
        b = -1
        d_best = np.inf
        for q in range(m):
            if not squared[q] <= bound:
                continue
            d = np.hypot(lx[q] - px[k], ly[q] - py[k])
            if d < d_best:
                d_best = d
                b = listed[q]
        best[k] = b
        dist[k] = d_best


def _covered_units_safe(s: BatchState, covered: IntArray, rows: IntArray) -> NDArray[np.bool_]:
    """Covered units are safe once each has arrived or is out of the fight."""
    on = np.ix_(rows, covered)
    sub_status = s.status[on]
    arrived = np.isfinite(s.arrived_at[on])
    return np.asarray(np.all(arrived | (sub_status != ACTIVE), axis=1))


def _release_covering_force(ctx: StepContext, task: CompiledTask, rows: IntArray, elems: IntArray) -> None:
    s = ctx.state
    if not len(rows):
        return
    if np.isfinite(task.then_to).all():
        dest = np.broadcast_to(task.then_to, (len(rows), 2))
    else:
        cov = task.covered
        last = np.maximum(s.route_len[np.ix_(rows, cov)] - 1, 0)
        dest = np.stack(
            [
                s.route_x[rows[:, None], cov[None, :], last].mean(axis=1),
                s.route_y[rows[:, None], cov[None, :], last].mean(axis=1),
            ],
            axis=1,
        )
    _release_to(ctx, rows, elems, dest)


def _release_to(ctx: StepContext, rows: IntArray, elems: IntArray, dest: FloatArray) -> None:
    """End the elements' task and send them to ``dest`` ((k, 2)), by road where faster."""
    if not len(rows):
        return
    ctx.state.task[rows, elems] = -1
    set_routes(ctx, rows, elems, np.asarray(dest, dtype=np.float64)[:, None, :], roads=True)


def _steer(ctx: StepContext, rows: IntArray, elems: IntArray, gx: FloatArray, gy: FloatArray) -> None:
    """Point the route at (gx, gy), through a crossing when the straight leg would cut a river, keeping
    elements already there where they are."""
    if not len(rows):
        return
    s = ctx.state
    terrain = ctx.world.terrain
    _steer_routes(
        terrain.segment_grid,
        terrain.crossings_xy,
        len(terrain.obstacles) > 0 and len(terrain.crossings_xy) > 0,
        rows,
        elems,
        np.ascontiguousarray(gx, dtype=np.float64),
        np.ascontiguousarray(gy, dtype=np.float64),
        ctx.world.forces.is_air,
        s.x,
        s.y,
        s.routes(),
    )


@jit
def _steer_routes(
    grid: SegmentGrid,
    crossings: FloatArray,
    can_cross: bool,
    rows: IntArray,
    elems: IntArray,
    gx: FloatArray,
    gy: FloatArray,
    is_air: BoolArray,
    x: FloatArray,
    y: FloatArray,
    routes: Routes,
) -> None:
    """The routes of :func:`_steer`, element by element: what :func:`plan_routes` plans for one point (a
    ground element's leg through the crossing of :func:`_best_crossing` when it cuts a river), written into
    the state's first waypoints only, for elements farther than 100 m from the goal or still moving; an
    element still moving keeps its route while the goal is within ``REAIM_MIN_M`` or ``REAIM_SHARE`` of
    the distance to go of its route's end.
    ``can_cross``: the terrain has rivers and crossings (the segment grid and crossings as there)."""
    segments, grid_x0, grid_y0, grid_per_m, start, filed = grid
    route_x, route_y, route_road, route_len, route_i, route_loop = routes
    for k in range(rows.shape[0]):
        a, e = rows[k], elems[k]
        hx, hy = x[a, e], y[a, e]
        bx, by = gx[k], gy[k]
        moving = route_i[a, e] < route_len[a, e]
        to_go = np.hypot(bx - hx, by - hy)
        if not (to_go > 100.0 or moving):
            continue  # already at the goal: stays put (and does not "arrive" again every step)
        if moving:
            end = route_len[a, e] - 1
            shift = np.hypot(bx - route_x[a, e, end], by - route_y[a, e, end])
            if shift <= max(REAIM_MIN_M, REAIM_SHARE * to_go):
                continue  # the aim has hardly moved: keep the route (a bounded re-plan rate)
        n = 0
        if can_cross and not is_air[e]:
            cuts = move_cuts(
                segments,
                grid_x0,
                grid_y0,
                grid_per_m,
                start,
                filed,
                crossings,
                CROSSING_RADIUS_M,
                hx,
                hy,
                bx,
                by,
            )
            if cuts:
                via, _ = _best_crossing(crossings, hx, hy, bx, by)
                route_x[a, e, 0] = crossings[via, 0]
                route_y[a, e, 0] = crossings[via, 1]
                route_road[a, e, 0] = False
                n = 1
        route_x[a, e, n] = bx
        route_y[a, e, n] = by
        route_road[a, e, n] = False
        route_len[a, e] = n + 1
        route_i[a, e] = 0
        route_loop[a, e] = False


def _compiled_layout(values: FloatArray) -> FloatArray:
    """``values`` as a contiguous, writable float array: the one layout :func:`_river_detours` is compiled
    for (the legs come as columns of the destinations or copies of them, which numba would otherwise
    compile once per layout)."""
    if values.flags.c_contiguous and values.flags.writeable and values.dtype == np.float64:
        return values
    return np.array(values, dtype=np.float64)


def _obstacle_grid(
    terrain: Terrain,
) -> tuple[FloatArray, float, float, float, IntArray, FloatArray, FloatArray]:
    """The terrain's river segments, their grid and the crossings, as the compiled route helpers take them."""
    g = terrain.segment_grid
    return g.segments, g.x0_m, g.y0_m, g.per_m, g.start, g.filed, terrain.crossings_xy


@jit
def _best_crossing(crossings: FloatArray, ax: float, ay: float, bx: float, by: float) -> tuple[int, float]:
    """The crossing c that makes the detour |a - c| + |c - b| shortest (the first of equals, as np.argmin,
    and the first nan if any) and that length."""
    best = 0
    best_m = np.inf
    for c in range(crossings.shape[0]):
        via_m = np.hypot(crossings[c, 0] - ax, crossings[c, 1] - ay) + np.hypot(
            crossings[c, 0] - bx, crossings[c, 1] - by
        )
        if np.isnan(via_m):
            return c, via_m
        if via_m < best_m:
            best, best_m = c, via_m
    return best, best_m


@jit
def _river_detours(
    segments: FloatArray,
    grid_x0: float,
    grid_y0: float,
    grid_per_m: float,
    start: IntArray,
    filed: FloatArray,
    crossings: FloatArray,
    ax: FloatArray,
    ay: FloatArray,
    bx: FloatArray,
    by: FloatArray,
    ground: BoolArray,
) -> tuple[IntArray, FloatArray]:
    """For each leg a -> b of a ground element that cuts a river away from every crossing (within
    ``CROSSING_RADIUS_M``; the segment grid and crossings as :func:`_obstacle_grid` gives them): the crossing
    of :func:`_best_crossing` and the detour's length; -1 and nan for the other legs."""
    via = np.full(ax.shape[0], -1, dtype=np.int64)
    via_m = np.full(ax.shape[0], np.nan)
    for k in range(ax.shape[0]):
        a_x, a_y, b_x, b_y = ax[k], ay[k], bx[k], by[k]
        if ground[k] and move_cuts(
            segments,
            grid_x0,
            grid_y0,
            grid_per_m,
            start,
            filed,
            crossings,
            CROSSING_RADIUS_M,
            a_x,
            a_y,
            b_x,
            b_y,
        ):
            via[k], via_m[k] = _best_crossing(crossings, a_x, a_y, b_x, b_y)
    return via, via_m
