"""Close assaults on positions, each step after morale (docs/mechanics/assault.md).

For each position and replication: the attackers are the ground elements in action, unbroken and hostile
to the side holding it, on its ground; the defenders are the holder's and its allies' ground elements in
action on its ground. Attackers with nobody to face seize the position at once. Attackers facing only
broken defenders take their surrender. Attackers facing fighting defenders contest the position; the
assault is a sustained fight, decided from ``ASSAULT_S`` after they closed with the hazard
``1 / DECISION_MEAN_S``, by a draw against the success probability of the force ratio at the moment it
is decided (the suppression the fire on the position has left in it). A repulsed assault breaks the
attackers on the ground off (they fall back, suppressed and broken, and may come again once rallied); a
successful one makes the defenders surrender (broken), be overrun (suppressed: pinned; some are hit in
the last rush, some break out, the rest are captured) or withdraw to their home (the others), and the
position changes hands.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from drillsim.core.compiled import jit, plain
from drillsim.core.random import binomial_inverse
from drillsim.events.types import AssaultResolved, PositionSeized, UnitCaptured, UnitDestroyed, UnitHit
from drillsim.mechanics.assault.model import (
    ASSAULT_S,
    DECISION_MEAN_S,
    ESCAPE_FRACTION,
    FALLBACK_M,
    OVERRUN_HIT_FRACTION,
    REPULSE_SUPPRESSION_S,
    SUPPRESSED_POWER,
    admitted_on_perimeter,
    assault_success_probability,
    decision_probability,
    defence_factor,
    force_ratio,
    perimeter_m,
    route_blocked,
    terrain_factor,
)
from drillsim.mechanics.casualties import declare_missing, split_hits
from drillsim.mechanics.direct_fire.frontage import element_frontages
from drillsim.mechanics.morale.step import break_off
from drillsim.mechanics.orders.command import set_routes
from drillsim.state.batch import (
    ACTIVE,
    BEHAVIOUR_WITHDRAW,
    CAPTURED,
    DESTROYED,
    POSITION_CONTESTED,
    POSITION_HELD,
    POSITION_LOST,
    POSITION_RETAKEN,
)
from drillsim.state.context import StepContext
from drillsim.world.forces import Belligerents
from drillsim.world.positions import Ground, ground_box, on_ground

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


def resolve_assaults(ctx: StepContext) -> None:
    """Contest, decide and seize every position where hostile ground elements stand on it."""
    positions = ctx.world.positions
    if not len(positions):
        return
    s = ctx.state
    f = ctx.world.forces
    belligerents = plain(f.belligerents)
    before: _Before | None = None
    for k in range(len(positions)):
        owner = s.position_owner[:, k]
        # Until an assault is resolved this step, the state is still the step's own.
        status = s.status if before is None else before.status
        busy = _assailed(
            plain(positions.ground(k)),
            owner,
            (status, s.broken, s.behaviour_mode, s.task),
            s.x,
            s.y,
            belligerents,
        )
        quiet = np.ones(s.r, dtype=bool)
        quiet[busy] = False
        s.assault_since[quiet, k] = np.inf
        s.position_status[quiet, k] = _settled_status(
            s.position_owner[quiet, k], s.position_lost_at[quiet, k], k, ctx
        )
        if not len(busy):
            continue
        if before is None:
            before = _Before.of(ctx)
        ground = before.ground[busy]
        inside = positions.inside(k, s.x[busy], s.y[busy]) & ground
        leaving = (s.behaviour_mode[busy] == BEHAVIOUR_WITHDRAW) & (s.task[busy] < 0)
        attackers = inside & ~s.broken[busy] & ~leaving & f.hostile[owner[busy]][:, f.side]
        defenders = inside & f.allied[owner[busy]][:, f.side]
        standing = defenders & before.fighting[busy]
        power = before.power[busy]
        # Only as many attackers as fit abreast on the position's edge close with its defenders at once.
        poly = positions.polygons[k]
        cx, cy = positions.x[k], positions.y[k]
        closing = admitted_on_perimeter(
            attackers,
            np.hypot(s.x[busy] - cx, s.y[busy] - cy),
            before.frontage,
            perimeter_m(float(positions.radius_m[k]), poly),
        )
        attack_power = np.where(closing, power, 0.0)
        defence_power = np.where(standing, power, 0.0)
        # Dupuy's posture factor times his terrain factor of the ground each defender stands on.
        relief = terrain_factor(ctx.world.movement_class(s.x[busy], s.y[busy]))
        phi = defence_factor(s.posture[busy], fortified=bool(positions.fortified[k])) * relief
        weight = defence_power.sum(axis=1)
        mean_phi = np.where(weight > 0, (defence_power * phi).sum(axis=1) / np.maximum(weight, 1e-12), 1.0)
        ratio = force_ratio(attack_power.sum(axis=1), weight, mean_phi)
        # Where the fighting defenders are gone, the position falls now; otherwise the assault runs its time.
        opposed = standing.any(axis=1)
        # A garrison holding out on its own lost post counter-attacks only when the ratio favours it.
        holding = opposed & _holding_out(ctx, k, busy, attackers) & (assault_success_probability(ratio) < 0.5)
        s.assault_since[busy[holding], k] = np.inf
        opposed &= ~holding
        starting = opposed & np.isinf(s.assault_since[busy, k])
        s.assault_since[busy[starting], k] = ctx.t1
        s.position_status[busy[opposed], k] = POSITION_CONTESTED
        fought_for = ctx.t1 - s.assault_since[busy, k]
        if ctx.stochastic:
            closed = fought_for >= ASSAULT_S - 1e-9
            due = opposed & closed & (ctx.uniform("assault/decide", busy, k) < decision_probability(ctx.dt))
        else:
            due = opposed & (fought_for >= ASSAULT_S + DECISION_MEAN_S - 1e-9)
        decide = (~opposed & ~holding) | due
        if not decide.any():
            continue
        u = ctx.uniform("assault", busy, k)
        won = decide & (~opposed | (u < assault_success_probability(ratio)))
        repulsed = due & ~won
        _repulse(ctx, k, busy[repulsed], attackers[repulsed], ratio[repulsed])
        if won.any():
            _seize(
                ctx,
                k,
                busy[won],
                attackers[won],
                attack_power[won],
                defenders[won],
                before.suppressed[busy[won]],
                ratio[won],
            )


@dataclass(frozen=True)
class _Before:
    """What the assaults of a step read as it was before the first of them was resolved."""

    status: IntArray
    ground: BoolArray
    """Ground elements in action."""
    fighting: BoolArray
    """... and not broken."""
    suppressed: BoolArray
    power: FloatArray
    """Fighting power: strength times training, reduced while suppressed."""
    frontage: FloatArray
    """Each element's frontage (direct fire's, by echelon): the room it takes on a position's edge."""

    @classmethod
    def of(cls, ctx: StepContext) -> _Before:
        s = ctx.state
        f = ctx.world.forces
        ground = (s.status == ACTIVE) & ~f.is_air[None, :]
        suppressed = s.suppressed_until > ctx.t0
        power = s.strength * f.training[None, :] * np.where(suppressed, SUPPRESSED_POWER, 1.0)
        frontage = element_frontages(ctx.world.scenario, f.unit_type, f.type_names)
        return cls(s.status.copy(), ground, ground & ~s.broken, suppressed, power, frontage)


@jit
def _assailed(
    ground: Ground,
    owner: IntArray,
    standing: tuple[IntArray, BoolArray, IntArray, IntArray],
    x: FloatArray,
    y: FloatArray,
    forces: Belligerents,
) -> IntArray:
    """The rows in which some element stands on the position's ``ground`` as an attacker: on the ground, in
    action (``status``), unbroken, not withdrawing on its own (its behaviour withdraws it with no task), and
    hostile to the row's holder (``owner``). ``standing``: (status, broken, behaviour_mode, task)."""
    status, broken, behaviour_mode, task = standing
    side_of, is_air, hostile, _ = forces
    r_n, n = status.shape
    x0, x1, y0, y1 = ground_box(ground)
    rows = np.empty(r_n, dtype=np.int64)
    found = 0
    for r in range(r_n):
        holder = owner[r]
        for e in range(n):
            if x[r, e] < x0 or x[r, e] > x1 or y[r, e] < y0 or y[r, e] > y1:
                continue  # surely off the ground
            if is_air[e] or status[r, e] != ACTIVE or broken[r, e] or not hostile[holder, side_of[e]]:
                continue
            if behaviour_mode[r, e] == BEHAVIOUR_WITHDRAW and task[r, e] < 0:
                continue
            if on_ground(ground, x[r, e], y[r, e]):
                rows[found] = r
                found += 1
                break
    return rows[:found]


def _settled_status(owner: IntArray, lost_at: FloatArray, k: int, ctx: StepContext) -> IntArray:
    """A position's status with no assault under way: held, lost or retaken (as seen by its first holder)."""
    first = ctx.world.positions.owner0[k]
    return np.where(
        owner == first, np.where(np.isfinite(lost_at), POSITION_RETAKEN, POSITION_HELD), POSITION_LOST
    )


def _holding_out(ctx: StepContext, k: int, rows: IntArray, attackers: BoolArray) -> BoolArray:
    """Rows in which position ``k`` is held by another side than its first holder and every element
    standing on it against the holder is of the first holder's side or an ally: its garrison, holding
    out on its own post after losing it."""
    s = ctx.state
    f = ctx.world.forces
    first = ctx.world.positions.owner0[k]
    theirs = f.allied[first][f.side]
    return np.asarray(
        (s.position_owner[rows, k] != first)
        & attackers.any(axis=1)
        & ~(attackers & ~theirs[None, :]).any(axis=1),
        dtype=bool,
    )


def _leaders(attackers: BoolArray, sides: IntArray, side_of: IntArray) -> IntArray:
    """Per row, the first attacking element (in element order) of the row's side."""
    mine = attackers & (side_of[None, :] == sides[:, None])
    return np.asarray(np.argmax(mine, axis=1), dtype=np.int64)


def _repulse(ctx: StepContext, k: int, rows: IntArray, attackers: BoolArray, ratio: FloatArray) -> None:
    """The defenders held: the attackers on the ground break off the assault. They are suppressed for
    ``REPULSE_SUPPRESSION_S`` and broken (reason ``repulsed``): they fall back as broken elements do and may
    come again only once they have rallied (docs/mechanics/morale.md)."""
    if not len(rows):
        return
    s = ctx.state
    f = ctx.world.forces
    rr, ee = np.nonzero(attackers)
    r = rows[rr]
    s.suppressed_until[r, ee] = np.maximum(s.suppressed_until[r, ee], ctx.t1 + REPULSE_SUPPRESSION_S)
    s.assault_since[rows, k] = np.inf
    lead = np.asarray(np.argmax(attackers, axis=1), dtype=np.int64)
    ctx.emit(
        AssaultResolved,
        rows,
        ctx.t1,
        side=ctx.sides[f.side[lead]],
        position=ctx.world.positions.names[k],
        unit=ctx.ids[lead],
        outcome="repulsed",
        force_ratio=ratio,
    )
    break_off(ctx, r, ee)


def _seize(
    ctx: StepContext,
    k: int,
    rows: IntArray,
    attackers: BoolArray,
    attack_power: FloatArray,
    defenders: BoolArray,
    suppressed: BoolArray,
    ratio: FloatArray,
) -> None:
    """The attackers take position ``k`` in ``rows``; its defenders surrender, are overrun or withdraw."""
    s = ctx.state
    f = ctx.world.forces
    positions = ctx.world.positions
    t1 = ctx.t1
    n_sides = len(f.side_names)
    by_side = np.zeros((len(rows), n_sides))
    for side in range(n_sides):
        by_side[:, side] = np.where(f.side[None, :] == side, attack_power, 0.0).sum(axis=1)
    # The strongest attacking side takes it (ties: the first side).
    winner = np.asarray(np.argmax(by_side, axis=1), dtype=np.int64)
    lead = _leaders(attackers, winner, f.side)
    broken = s.broken[rows]
    surrender = defenders & broken
    overrun = defenders & ~broken & suppressed
    withdraw = defenders & ~broken & ~suppressed
    # Encircled defenders have no way out: they hold where they stand, and the position with them.
    wr, we = np.nonzero(withdraw)
    points = _fallback_points(ctx, k, rows[wr], we, attackers[wr])
    encircled = _encircled(ctx, k, rows[wr], we, points[:, 0, :])
    holding = np.zeros_like(withdraw)
    holding[wr[encircled], we[encircled]] = True
    withdraw &= ~holding
    outcome = np.where(
        overrun.any(axis=1),
        "overrun",
        np.where(
            surrender.any(axis=1),
            "surrendered",
            np.where(withdraw.any(axis=1), "withdrew", np.where(holding.any(axis=1), "held-out", "")),
        ),
    )
    fought = outcome != ""
    if fought.any():
        ctx.emit(
            AssaultResolved,
            rows[fought],
            t1,
            side=ctx.sides[winner[fought]],
            position=positions.names[k],
            unit=ctx.ids[lead[fought]],
            outcome=outcome[fought],
            force_ratio=ratio[fought],
        )
    rr, ee = np.nonzero(surrender)
    if len(rr):
        r = rows[rr]
        # The men who surrender, and their wounded not yet evacuated, are missing (captured).
        declare_missing(ctx, r, ee, fighting=s.strength[r, ee].copy(), reason="surrendered", time_s=t1)
        np.add.at(s.casualties_by_side, (r, winner[rr], f.side[ee]), s.strength[r, ee])
        s.strength[r, ee] = 0.0
        s.status[r, ee] = CAPTURED
        s.captured_at[r, ee] = np.minimum(s.captured_at[r, ee], t1)
        s.captor[r, ee] = lead[rr]
        s.route_len[r, ee] = 0
        ctx.emit(UnitCaptured, r, t1, unit=ctx.ids[ee], captor=ctx.ids[lead[rr]])
    ro, eo = np.nonzero(overrun)
    escaped = np.zeros(len(ro), dtype=bool)
    if len(ro):
        escaped = _overrun(ctx, rows[ro], eo, lead[ro], winner[ro])
    # Overrun people who broke out leave as the withdrawing defenders do, unless encircled too.
    ro, eo = ro[escaped], eo[escaped]
    out_points = _fallback_points(ctx, k, rows[ro], eo, attackers[ro])
    trapped = _encircled(ctx, k, rows[ro], eo, out_points[:, 0, :])
    holding[ro[trapped], eo[trapped]] = True
    keep = ~encircled
    rr = np.concatenate([wr[keep], ro[~trapped]])
    ee = np.concatenate([we[keep], eo[~trapped]])
    holds = holding.any(axis=1)
    if len(rr):
        r = rows[rr]
        points = np.concatenate([points[keep], out_points[~trapped]])
        s.task[r, ee] = -1
        s.pending_task[r, ee] = -1
        s.speed_factor[r, ee] = 1.0
        s.behaviour_mode[r, ee] = BEHAVIOUR_WITHDRAW
        s.behaviour_since[r, ee] = t1
        set_routes(ctx, r, ee, points)
    # Where defenders hold out, the attackers have carried only the ground of those they overcame: the
    # position stays contested and the fight for the rest of it goes on, a new assault from now.
    s.assault_since[rows[holds], k] = t1
    s.position_status[rows[holds], k] = POSITION_CONTESTED
    seized = ~holds
    rows, winner = rows[seized], winner[seized]
    if not len(rows):
        return
    old = s.position_owner[rows, k].copy()
    first = positions.owner0[k]
    s.position_owner[rows, k] = winner
    s.assault_since[rows, k] = np.inf
    lost = (old == first) & (winner != first)
    retaken = winner == first
    s.position_lost_at[rows[lost], k] = np.minimum(s.position_lost_at[rows[lost], k], t1)
    s.position_retaken_at[rows[retaken], k] = np.minimum(s.position_retaken_at[rows[retaken], k], t1)
    s.position_status[rows, k] = np.where(retaken, POSITION_RETAKEN, POSITION_LOST)
    ctx.emit(
        PositionSeized,
        rows,
        t1,
        side=ctx.sides[winner],
        position=positions.names[k],
        from_side=ctx.sides[old],
        status=np.where(retaken, "retaken", "lost"),
    )


def _overrun(ctx: StepContext, r: IntArray, e: IntArray, lead: IntArray, winner: IntArray) -> BoolArray:
    """The pinned defenders (r, e) of a carried position are overrun: ``OVERRUN_HIT_FRACTION`` of their
    people are hit in the last rush (killed and wounded as direct fire's hits are, ``UnitHit`` with the
    leading attacker as shooter); of the unhurt, ``ESCAPE_FRACTION`` break out and the rest are captured.
    The captured and the wounded left on the position are missing (reason ``overrun``). Binomial draws;
    deterministic mode: the expected numbers. Returns which elements have people who broke out (they
    withdraw); the others are destroyed."""
    s = ctx.state
    f = ctx.world.forces
    t1 = ctx.t1
    n = s.strength[r, e].copy()
    if ctx.stochastic:
        hit = binomial_inverse(ctx.uniform("assault/hit", r, ctx.key(e)), n, OVERRUN_HIT_FRACTION)
        out = binomial_inverse(ctx.uniform("assault/escape", r, ctx.key(e)), n - hit, ESCAPE_FRACTION)
    else:
        hit = n * OVERRUN_HIT_FRACTION
        out = (n - hit) * ESCAPE_FRACTION
    taken = n - hit - out
    killed = split_hits(ctx, r, e, hit, kind="direct", u=ctx.uniform("assault/killed", r, ctx.key(e)))
    got = hit > 0
    if got.any():
        ctx.emit(
            UnitHit,
            r[got],
            t1,
            unit=ctx.ids[e[got]],
            shooter=ctx.ids[lead[got]],
            casualties=np.rint(hit[got]).astype(np.int64),
            weapon="direct",
            killed=np.rint(killed[got]) if ctx.stochastic else killed[got],
        )
    # The captured, and the wounded left on the ground the enemy now holds, are missing.
    declare_missing(ctx, r, e, fighting=taken, reason="overrun", time_s=t1)
    np.add.at(s.casualties_by_side, (r, winner, f.side[e]), hit + taken)
    s.strength[r, e] = out
    escaped = out > 0
    # Those who broke out have slipped the fire that pinned them: they leave as a withdrawing group, not
    # suppressed, with their losses for breaking counted from here (else the attackers standing on them
    # would take them in the next step as a broken element; docs/mechanics/assault.md).
    re_, ee_ = r[escaped], e[escaped]
    s.suppressed_until[re_, ee_] = t1
    s.suppression_avg[re_, ee_] = 0.0
    s.morale_base[re_, ee_] = out[escaped]
    gone = ~escaped
    rg, eg = r[gone], e[gone]
    s.status[rg, eg] = DESTROYED
    s.strength[rg, eg] = 0.0
    s.destroyed_at[rg, eg] = np.minimum(s.destroyed_at[rg, eg], t1)
    s.route_len[rg, eg] = 0
    ctx.emit(UnitDestroyed, rg, t1, unit=ctx.ids[eg])
    return np.asarray(escaped, dtype=bool)


def _encircled(ctx: StepContext, k: int, rows: IntArray, elems: IntArray, points: FloatArray) -> BoolArray:
    """Which defenders (rows, elems) of position ``k`` have no open route to their fall-back ``points``
    ((n, 2)): an able (active, unbroken) hostile ground element off the position stands within
    ``ROUTE_CLEAR_M`` of the straight line there (:func:`route_blocked`)."""
    s = ctx.state
    f = ctx.world.forces
    if not len(rows):
        return np.zeros(0, dtype=bool)
    ex, ey = s.x[rows], s.y[rows]
    off = ~ctx.world.positions.inside(k, ex.ravel(), ey.ravel()).reshape(ex.shape)
    enemy = (
        f.hostile[f.side[elems]][:, f.side]
        & ~f.is_air[None, :]
        & (s.status[rows] == ACTIVE)
        & ~s.broken[rows]
        & off
    )
    start = np.stack([s.x[rows, elems], s.y[rows, elems]], axis=1)
    return route_blocked(start, points, ex, ey, enemy)


def _fallback_points(
    ctx: StepContext, k: int, rows: IntArray, elems: IntArray, attackers: BoolArray
) -> FloatArray:
    """Where withdrawing defenders (rows, elems) go, (k, 1, 2): their home when it is off position ``k``'s
    ground; otherwise ``FALLBACK_M`` beyond the position, straight away from the attackers' mean position
    (or, where that is the defender's own, from the attackers' mean start); ``attackers``: one row of
    element flags per defender."""
    s = ctx.state
    f = ctx.world.forces
    positions = ctx.world.positions
    hx, hy = f.home_x[elems], f.home_y[elems]
    count = np.maximum(attackers.sum(axis=1), 1)
    ax = np.where(attackers, s.x[rows], 0.0).sum(axis=1) / count
    ay = np.where(attackers, s.y[rows], 0.0).sum(axis=1) / count
    dx, dy = s.x[rows, elems] - ax, s.y[rows, elems] - ay
    # Attackers standing on the defenders give no direction: away from where they started instead.
    same = np.hypot(dx, dy) < 1.0
    sx = np.where(attackers, f.x0[None, :], 0.0).sum(axis=1) / count
    sy = np.where(attackers, f.y0[None, :], 0.0).sum(axis=1) / count
    dx = np.where(same, positions.x[k] - sx, dx)
    dy = np.where(same, positions.y[k] - sy, dy)
    norm = np.maximum(np.hypot(dx, dy), 1e-9)
    reach = (
        np.nan_to_num(positions.radius_m[k], nan=_polygon_reach(positions.polygons[k], k, ctx)) + FALLBACK_M
    )
    gx = positions.x[k] + dx / norm * reach
    gy = positions.y[k] + dy / norm * reach
    on_ground = positions.inside(k, hx, hy)
    return np.stack([np.where(on_ground, gx, hx), np.where(on_ground, gy, hy)], axis=1)[:, None, :]


def _polygon_reach(polygon: FloatArray | None, k: int, ctx: StepContext) -> float:
    """Farthest vertex of a polygonal position from its centre (0 for a circle)."""
    if polygon is None:
        return 0.0
    positions = ctx.world.positions
    return float(np.hypot(polygon[:, 0] - positions.x[k], polygon[:, 1] - positions.y[k]).max())
