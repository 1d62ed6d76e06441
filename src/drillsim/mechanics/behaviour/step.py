"""Deciding, each step, what every element with a behaviour does on its own (docs/mechanics/behaviour.md).

:func:`decide` reads each deciding element's side's known picture (its contacts, never ground truth about
the enemy) and its own side's elements, applies the rules of :mod:`drillsim.mechanics.behaviour.model`,
keeps the behaviour's bookkeeping (what each element is doing, since when, against which contact) and
returns the decisions with their goals. Orders carry them out (:mod:`drillsim.mechanics.orders.initiative`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from drillsim.core.compiled import jit
from drillsim.events.types import PursuitEnded
from drillsim.geo.distance import within
from drillsim.mechanics.behaviour.model import (
    ATTACK_HOLD_SHARE,
    ATTACK_RETRY_S,
    PROBE_HALT_M,
    ambush_site,
    column_in_time,
    faced_strength,
)
from drillsim.state.batch import (
    ACTIVE,
    BEHAVIOUR_AMBUSH,
    BEHAVIOUR_ASSAULT,
    BEHAVIOUR_COVER,
    BEHAVIOUR_NONE,
    BEHAVIOUR_PROBE,
    BEHAVIOUR_PURSUE,
    BEHAVIOUR_WITHDRAW,
    BatchState,
    ContactLayer,
)
from drillsim.state.context import StepContext
from drillsim.state.reckoning import reckoned
from drillsim.world.behaviours import Horizons, PursuitRules, Rules
from drillsim.world.forces import TERRAIN_INDEX, Belligerents

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class Decisions:
    """One entry per deciding element: its state row and element, what it does now and did before (the
    ``BEHAVIOUR_*`` codes), the contact it attacks (-1 none) and where it goes (NaN: it stays)."""

    rows: IntArray
    elems: IntArray
    action: IntArray
    previous: IntArray
    target: IntArray
    goal_x: FloatArray
    goal_y: FloatArray


def decide(ctx: StepContext) -> Decisions | None:
    """The decisions of every element in action, unbroken, not fleeing, on the ground, that has a rule on;
    None when no element has one."""
    table = ctx.world.behaviours
    if table is None or not table.any:
        return None
    s = ctx.state
    f = ctx.world.forces
    deciding = table.deciding & ~f.is_air
    rows, elems = _deciders(s.status, s.broken, s.fled, deciding)
    if not len(rows):
        return None
    pic = s.picture
    standing = Standing(s.status, s.broken, s.strength, s.x, s.y)
    known = pic.known_layer()
    # Ground contacts are weighed where the side believes them now (dead-reckoned along the known velocity,
    # each live contact once per row); aircraft where they were last placed (take-cover counts from that
    # sighting's time).
    velocity = (pic.known_vx, pic.known_vy)
    assessed = _assess(
        rows,
        elems,
        ctx.t1,
        f.belligerents,
        (known, velocity),
        pic.known_live,
        pic.identified,
        Sighted(pic.seen_t, pic.seen_x, pic.seen_y, pic.seen_by),
        standing,
        table.horizons,
        s.air_seen_at,
    )
    memory = Memory(
        s.behaviour_mode,
        s.behaviour_target,
        s.behaviour_since,
        s.cover_level,
        s.cleared_at,
        s.air_seen_at,
        s.route_i,
        s.route_len,
    )
    # An ambush under way holds until ambush_withdraw_s after it opened fire, or ambush_wait_s without;
    # only elements with the ambush rule can be laying one or find a column to ambush.
    laying = np.zeros(len(rows), dtype=bool)
    over = np.zeros(len(rows), dtype=bool)
    column = np.full(len(rows), -1, dtype=np.int64)
    site = np.full((len(rows), 4), np.nan)
    if table.ambush.any():
        laying = s.behaviour_mode[rows, elems] == BEHAVIOUR_AMBUSH
        fired = s.ambush_fired_at[rows, elems]
        over = laying & (
            np.where(
                np.isfinite(fired),
                ctx.t1 >= fired + table.ambush_withdraw_s[elems],
                ctx.t1 - s.behaviour_since[rows, elems] >= table.ambush_wait_s[elems],
            )
        )
        column, site = _find_ambushes(ctx, rows, elems, table.ambush[elems] & ~laying)
    ambushes = Ambushes(laying & ~over, over, column)
    # A unit the plan holds for an attack of a phase not yet started (no task now) is a reserve: it attacks
    # and pursues only when its commander commits it; cover, withdrawal and ambush stay its own.
    reserved = held_in_reserve(ctx, rows, elems)
    if reserved.any():
        assessed = (*assessed[:4], np.where(reserved, -1, assessed[4]), *assessed[5:])
    pursued = np.full(len(rows), -1, dtype=np.int64)
    if table.pursue.any():
        pursued = _pursuits(
            rows,
            elems,
            ctx.t1,
            f.belligerents,
            known,
            velocity,
            pic.known_live,
            pic.identified,
            standing,
            (assessed[0], assessed[1]),
            table.pursuits,
            Pursuing.of(s),
        )
    pursued[reserved] = -1
    # What a pursuit under way was, before the choice below writes over it: why it ended is told from it.
    chased = s.behaviour_target[rows, elems].copy()
    chased_since = s.behaviour_since[rows, elems].copy()
    action, previous, target, gx, gy = _choose(
        rows,
        elems,
        ctx.t1,
        assessed,
        table.rules,
        memory,
        standing,
        (known, velocity),
        f.side,
        ambushes,
        pursued,
    )
    if table.pursue.any():
        _follow(ctx, rows, elems, action, previous, target, (gx, gy))
        _record_pursuits_ended(ctx, rows, elems, action, previous, (chased, chased_since), reserved)
    # A party whose ambush is over withdraws radius_m straight away from its kill zone; a new one goes to
    # its site beside the road, and its kill zone is noted.
    leaving = (action == BEHAVIOUR_WITHDRAW) & over
    if leaving.any():
        x, y = s.x[rows, elems], s.y[rows, elems]
        ax, ay = s.ambush_x[rows, elems], s.ambush_y[rows, elems]
        dx, dy = x - ax, y - ay
        norm = np.hypot(dx, dy)
        away = table.radius_m[elems] / np.where(norm > 1.0, norm, 1.0)
        gx[leaving] = np.where(norm > 1.0, x + dx * away, x)[leaving]
        gy[leaving] = np.where(norm > 1.0, y + dy * away, y + table.radius_m[elems])[leaving]
    laid = (action == BEHAVIOUR_AMBUSH) & ~laying
    if laid.any():
        gx[laid], gy[laid] = site[laid, 2], site[laid, 3]
        s.ambush_x[rows[laid], elems[laid]] = site[laid, 0]
        s.ambush_y[rows[laid], elems[laid]] = site[laid, 1]
    return Decisions(rows, elems, action, previous, target, gx, gy)


def held_in_reserve(ctx: StepContext, rows: IntArray, elems: IntArray) -> BoolArray:
    """Whether each (row, element) is held in reserve by the plan: it has no task now and an attack or raid
    of a phase that has not started in its row names it (docs/mechanics/behaviour.md, "Reserves wait")."""
    s = ctx.state
    waiting = np.isinf(s.phase_start[rows]) & ctx.world.held_for[:, elems].T
    return np.asarray((s.task[rows, elems] < 0) & waiting.any(axis=1), dtype=bool)


def _follow(
    ctx: StepContext,
    rows: IntArray,
    elems: IntArray,
    action: IntArray,
    previous: IntArray,
    target: IntArray,
    goal: tuple[FloatArray, FloatArray],
) -> None:
    """Pursuers head for their contact's believed position now (its last sighting carried along its
    estimated velocity, :meth:`Picture.believed`); a pursuit begun now notes where it began, one that
    ended now notes when."""
    s = ctx.state
    gx, gy = goal
    pursuing = action == BEHAVIOUR_PURSUE
    if pursuing.any():
        r, e = rows[pursuing], elems[pursuing]
        bx, by, _ = s.picture.believed(r, ctx.world.forces.side[e], target[pursuing], ctx.t1)
        gx[pursuing], gy[pursuing] = bx, by
        begun = pursuing & (previous != BEHAVIOUR_PURSUE)
        s.pursuit_x[rows[begun], elems[begun]] = s.x[rows[begun], elems[begun]]
        s.pursuit_y[rows[begun], elems[begun]] = s.y[rows[begun], elems[begun]]
    ended = ~pursuing & (previous == BEHAVIOUR_PURSUE)
    s.pursuit_ended_at[rows[ended], elems[ended]] = ctx.t1


TAKEN_OVER_BY = {
    BEHAVIOUR_COVER: "take-cover",
    BEHAVIOUR_WITHDRAW: "withdraw",
    BEHAVIOUR_AMBUSH: "ambush",
    BEHAVIOUR_PROBE: "attack",
    BEHAVIOUR_ASSAULT: "attack",
}
"""The ``PursuitEnded`` reason when another rule takes over from a pursuit, by the action it takes."""


def _record_pursuits_ended(
    ctx: StepContext,
    rows: IntArray,
    elems: IntArray,
    action: IntArray,
    previous: IntArray,
    chased: tuple[IntArray, FloatArray],
    reserved: BoolArray,
) -> None:
    """``PursuitEnded`` for each pursuit that ended this step, with its reason: the rule that took over, or
    (back to its task) the contact lost, the limit reached (time before distance) or the odds (``chased``:
    each decider's contact and the pursuit's start, as they were before this step's choice)."""
    ended = np.flatnonzero((action != BEHAVIOUR_PURSUE) & (previous == BEHAVIOUR_PURSUE))
    if not len(ended):
        return
    s = ctx.state
    f = ctx.world.forces
    table = ctx.world.behaviours
    assert table is not None
    target, since = chased[0][ended], chased[1][ended]
    r, e = rows[ended], elems[ended]
    m = f.side[e]
    t = np.maximum(target, 0)
    lost = (target < 0) | ~s.picture.known_live[r, m, t] | (s.status[r, t] != ACTIVE)
    elapsed = ctx.t1 - since
    gone = np.hypot(s.x[r, e] - s.pursuit_x[r, e], s.y[r, e] - s.pursuit_y[r, e])
    reason = np.select(
        [lost, elapsed >= table.pursue_s[e], gone >= table.pursue_distance_m[e], reserved[ended]],
        ["lost", "time", "distance", "reserve"],
        default="outmatched",
    ).astype(object)
    for k, a in enumerate(action[ended].tolist()):
        if a in TAKEN_OVER_BY:
            reason[k] = TAKEN_OVER_BY[a]
    names = ctx.ids[t].astype(object)
    names[target < 0] = None
    ctx.emit(PursuitEnded, r, ctx.t1, unit=ctx.ids[e], target=names, reason=reason)


class Pursuing(NamedTuple):
    """(R, N) what the search for pursuits reads of each element's past: what its behaviour had it doing,
    against which contact, since when; where its current or last pursuit began and when its last one
    ended."""

    mode: IntArray
    target: IntArray
    since: FloatArray
    origin_x: FloatArray
    origin_y: FloatArray
    ended_at: FloatArray

    @classmethod
    def of(cls, s: BatchState) -> Pursuing:
        """The state's arrays (views, not copies)."""
        return cls(
            s.behaviour_mode,
            s.behaviour_target,
            s.behaviour_since,
            s.pursuit_x,
            s.pursuit_y,
            s.pursuit_ended_at,
        )


@jit
def _pursuits(
    rows: IntArray,
    elems: IntArray,
    t1: float,
    forces: Belligerents,
    known: ContactLayer,
    velocity: tuple[FloatArray, FloatArray],
    known_live: BoolArray,
    identified: BoolArray,
    standing: Standing,
    odds: tuple[FloatArray, FloatArray],
    rules: PursuitRules,
    pursuing: Pursuing,
) -> IntArray:
    """For each deciding element (rows[k], elems[k]) with the pursue rule on, the contact it pursues this
    step (-1 none). A pursuit under way goes on against its contact while that contact is a live hostile
    ground contact in action, the odds hold (``odds``: the friendly strength ``F`` and the known enemy's
    estimated strength ``E`` within ``radius_m`` of each decider; ``F`` at least ``pursue_above`` times
    the enemy the pursuit faces, :func:`faced_strength`) and the pursuit has not reached its limit
    (``pursuit_over``). Otherwise, unless a pursuit ended less than ``pursue_s`` ago, the nearest live
    hostile ground contact in action of its side's known picture, believed now (its last sighting
    dead-reckoned, :func:`~drillsim.state.reckoning.reckoned`) within ``reach_m``, moving away from the
    element (``moving_away``) and within the odds. The same arithmetic as
    :mod:`drillsim.mechanics.behaviour.model`, element by element."""
    side_of, is_air, hostile, strength0 = forces
    vx, vy = velocity
    friendly, enemy = odds
    status, x, y = standing[0], standing[3], standing[4]
    pursue, reach_m, unidentified, pursue_above, pursue_distance_m, pursue_s, radius_m = rules
    k_n = rows.shape[0]
    n = side_of.shape[0]
    s_n = hostile.shape[0]
    out = np.full(k_n, -1, dtype=np.int64)
    (friends, aircraft, contacts), (n_friends, n_aircraft, n_contacts) = _gather_buffers(s_n, n)
    row = -1
    for k in range(k_n):
        r = rows[k]
        e = elems[k]
        if not pursue[e]:
            continue
        m = side_of[e]
        px = x[r, e]
        py = y[r, e]
        if pursuing.mode[r, e] == BEHAVIOUR_PURSUE:
            t = pursuing.target[r, e]
            if t < 0 or is_air[t] or not hostile[m, side_of[t]]:
                continue
            if not known_live[r, m, t] or status[r, t] != ACTIVE:
                continue
            est = strength0[t] if identified[r, m, t] else unidentified[e]
            age = t1 - known.t[r, m, t]
            d = math.hypot(
                reckoned(known.x[r, m, t], vx[r, m, t], age) - px,
                reckoned(known.y[r, m, t], vy[r, m, t], age) - py,
            )
            faced = faced_strength(est, d, radius_m[e], enemy[k])
            gone = math.hypot(px - pursuing.origin_x[r, e], py - pursuing.origin_y[r, e])
            elapsed = t1 - pursuing.since[r, e]
            if (
                friendly[k] >= pursue_above[e] * faced
                and elapsed < pursue_s[e]
                and gone < pursue_distance_m[e]
            ):
                out[k] = t
            continue
        if t1 - pursuing.ended_at[r, e] < pursue_s[e]:
            continue
        if r != row:
            row = r
            _gather(
                r,
                forces,
                standing,
                known_live,
                (friends, aircraft, contacts),
                (n_friends, n_aircraft, n_contacts),
            )
        best = np.inf
        for i in range(n_contacts[m]):
            t = contacts[m, i]
            age = t1 - known.t[r, m, t]
            cx = reckoned(known.x[r, m, t], vx[r, m, t], age)
            cy = reckoned(known.y[r, m, t], vy[r, m, t], age)
            d = math.hypot(cx - px, cy - py)
            if d > reach_m[e] or d >= best:
                continue
            if vx[r, m, t] * (cx - px) + vy[r, m, t] * (cy - py) <= 0.0:
                continue  # not moving away
            est = strength0[t] if identified[r, m, t] else unidentified[e]
            if friendly[k] >= pursue_above[e] * faced_strength(est, d, radius_m[e], enemy[k]):
                best = d
                out[k] = t
    return out


class Ambushes(NamedTuple):
    """Per decider: an ambush under way and not over, an ambush over now (the party withdraws), and the
    column the ambush rule found to ambush (-1 none)."""

    holding: BoolArray
    over: BoolArray
    column: IntArray


class Memory(NamedTuple):
    """(R, N) what the behaviour keeps between steps and the choice of actions reads and writes: what each
    element is doing, against which contact, since when; its take-cover hold level and last all-clear;
    when it last had a hostile aircraft near; and how far along its route it is."""

    mode: IntArray
    target: IntArray
    since: FloatArray
    cover_level: IntArray
    cleared_at: FloatArray
    air_seen_at: FloatArray
    route_i: IntArray
    route_len: IntArray


@jit
def _deciders(
    status: IntArray, broken: BoolArray, fled: BoolArray, deciding: BoolArray
) -> tuple[IntArray, IntArray]:
    """The (row, element) pairs in action, unbroken, not fleeing, whose element decides, in row-major
    order (as ``np.nonzero`` gives them)."""
    r_n, n = status.shape
    count = 0
    for r in range(r_n):
        for e in range(n):
            if deciding[e] and status[r, e] == ACTIVE and not broken[r, e] and not fled[r, e]:
                count += 1
    rows = np.empty(count, dtype=np.int64)
    elems = np.empty(count, dtype=np.int64)
    k = 0
    for r in range(r_n):
        for e in range(n):
            if deciding[e] and status[r, e] == ACTIVE and not broken[r, e] and not fled[r, e]:
                rows[k] = r
                elems[k] = e
                k += 1
    return rows, elems


@jit
def _by_priority(
    attacking: int, ambush_found: bool, falling_back: bool, covering: bool, holding: bool
) -> int:
    """The action by the rules' priority (``select_actions``): an ambush under way, then cover, withdrawal,
    a new ambush, and last the attack (``attacking``: assault, probe or none)."""
    if holding:
        return BEHAVIOUR_AMBUSH
    if covering:
        return BEHAVIOUR_COVER
    if falling_back:
        return BEHAVIOUR_WITHDRAW
    if ambush_found:
        return BEHAVIOUR_AMBUSH
    return attacking


@jit
def _odds_hold(before: int, same_target: bool, since_s: float, friendly: float, needed: float) -> bool:
    """Whether the odds let an element attack a contact (``select_actions``): ``friendly`` at least
    ``needed`` (``attack_above`` times the contact's estimated strength); for an attack under way on it
    (``before`` a probe or an assault of the same contact), at least ``ATTACK_HOLD_SHARE`` of that; never
    within ``ATTACK_RETRY_S`` (``since_s`` ago) of calling off an attack on it."""
    if same_target and BEHAVIOUR_PROBE <= before <= BEHAVIOUR_ASSAULT:
        return friendly >= ATTACK_HOLD_SHARE * needed
    if same_target and before == BEHAVIOUR_NONE and since_s < ATTACK_RETRY_S:
        return False
    return friendly >= needed


@jit
def _choose(
    rows: IntArray,
    elems: IntArray,
    t1: float,
    assessed: tuple[FloatArray, FloatArray, FloatArray, FloatArray, IntArray, FloatArray, FloatArray],
    rules: Rules,
    memory: Memory,
    standing: Standing,
    picture: tuple[ContactLayer, tuple[FloatArray, FloatArray]],
    side_of: IntArray,
    ambushes: Ambushes,
    pursued: IntArray,
) -> tuple[IntArray, IntArray, IntArray, FloatArray, FloatArray]:
    """Each deciding element's action by the rules of :mod:`drillsim.mechanics.behaviour.model`
    (``select_actions``, with the hold of ``cover_hold``), with the take-cover hysteresis
    (``next_cover_level``; the all-clear noted on leaving cover) and the behaviour's bookkeeping written
    into ``memory``: a new action or target starts its clock, a probe's clock starts when it has halted
    at its probe point (``probe_point``); the same arithmetic as those functions, element by element. Returns
    the action, the previous action, the target (-1 unless probing or assaulting) and the goal (NaN: it
    stays): the contact's believed position for an assault, the probe point for a probe, ``radius_m``
    straight away from the known enemy's centre of strength for a withdrawal. An ambush (``ambushes``) comes
    before attack and after withdrawal and cover when new, before all when under way; its target is the
    column found when it is laid, kept while it lasts; its goal is set by the caller. A pursuit (``pursued``:
    the contact each element pursues, -1 none, :func:`_pursuits`) comes last, after the attack; its goal
    is set by the caller."""
    friendly, enemy, ex, ey, assessed_target, t_strength, _ = assessed
    take_cover, withdraw, attack, probe, radius_m, withdraw_below, attack_above = rules[:7]
    probe_distance_m, probe_s, cover_s, wary_s, max_cover_s = rules[7:]
    x, y = standing[3], standing[4]
    known, (vx, vy) = picture
    k_n = rows.shape[0]
    action = np.empty(k_n, dtype=np.int64)
    previous = np.empty(k_n, dtype=np.int64)
    target_out = np.empty(k_n, dtype=np.int64)
    gx = np.full(k_n, np.nan)
    gy = np.full(k_n, np.nan)
    for k in range(k_n):
        r = rows[k]
        e = elems[k]
        before = memory.mode[r, e]
        previous[k] = before
        target = assessed_target[k]
        level = memory.cover_level[r, e]
        # The rules, in priority order (select_actions).
        doubled = cover_s[e] * np.exp2(np.float64(min(level, 60)))
        hold = np.maximum(cover_s[e], np.minimum(doubled, max_cover_s[e]))
        covering = take_cover[e] and (t1 - memory.air_seen_at[r, e] <= hold)
        ratio = friendly[k] / enemy[k] if enemy[k] > 0 else np.inf
        withdrawing = before == BEHAVIOUR_WITHDRAW and memory.route_i[r, e] < memory.route_len[r, e]
        falling_back = (withdraw[e] and ratio < withdraw_below[e]) or withdrawing or ambushes.over[k]
        same_target = target == memory.target[r, e]
        can_attack = (
            attack[e]
            and target >= 0
            and _odds_hold(
                before, same_target, t1 - memory.since[r, e], friendly[k], attack_above[e] * t_strength[k]
            )
        )
        halted_at = memory.since[r, e] if before == BEHAVIOUR_PROBE else np.inf
        watched = same_target and (t1 - halted_at >= probe_s[e] - 1e-9)
        assaulting = same_target and before == BEHAVIOUR_ASSAULT
        closing_in = BEHAVIOUR_ASSAULT if (not probe[e] or watched or assaulting) else BEHAVIOUR_PROBE
        following = BEHAVIOUR_PURSUE if pursued[k] >= 0 else BEHAVIOUR_NONE
        chosen = _by_priority(
            closing_in if can_attack else following,
            ambushes.column[k] >= 0,
            falling_back,
            covering,
            ambushes.holding[k],
        )
        action[k] = chosen
        if chosen == BEHAVIOUR_AMBUSH:
            target = ambushes.column[k] if before != BEHAVIOUR_AMBUSH else memory.target[r, e]
        if chosen == BEHAVIOUR_PURSUE:
            target = pursued[k]
        # The take-cover hysteresis (next_cover_level), after the hold was read.
        if chosen == BEHAVIOUR_COVER and before != BEHAVIOUR_COVER:
            if t1 - memory.cleared_at[r, e] <= wary_s[e]:
                memory.cover_level[r, e] = min(level + 1, 60)
            else:
                memory.cover_level[r, e] = 0
        if chosen != BEHAVIOUR_COVER and before == BEHAVIOUR_COVER:
            memory.cleared_at[r, e] = t1
        # The goal.
        px = x[r, e]
        py = y[r, e]
        tx = np.nan
        ty = np.nan
        if target >= 0:  # where the side believes it now (Picture.believed)
            m = side_of[e]
            age = t1 - known.t[r, m, target]
            tx = reckoned(known.x[r, m, target], vx[r, m, target], age)
            ty = reckoned(known.y[r, m, target], vy[r, m, target], age)
        dx = tx - px
        dy = ty - py
        d = math.hypot(dx, dy)
        keep = np.maximum(d - probe_distance_m[e], 0.0) / np.maximum(d, 1e-9)
        probe_x = px + dx * keep
        probe_y = py + dy * keep
        if chosen == BEHAVIOUR_ASSAULT:
            gx[k] = tx
            gy[k] = ty
        elif chosen == BEHAVIOUR_PROBE:
            gx[k] = probe_x
            gy[k] = probe_y
        elif chosen == BEHAVIOUR_WITHDRAW:
            wx = px - ex[k]
            wy = py - ey[k]
            norm = math.hypot(wx, wy)
            away = radius_m[e] / (norm if norm > 1.0 else 1.0)
            gx[k] = px + wx * away if norm > 1.0 else px
            gy[k] = py + wy * away if norm > 1.0 else py
        # Bookkeeping.
        closing = chosen >= BEHAVIOUR_PROBE
        changed = chosen != before or (closing and target != memory.target[r, e])
        since = t1 if changed else memory.since[r, e]
        if chosen == BEHAVIOUR_PROBE:
            halted = math.hypot(probe_x - px, probe_y - py) <= PROBE_HALT_M
            if changed and not halted:
                since = np.inf
            if halted and math.isinf(since):
                since = t1
        target_out[k] = target if closing else -1
        # An attack called off (back to the task from a probe or an assault) is remembered, with its time,
        # while the element stays on its task.
        on_task = chosen == BEHAVIOUR_NONE and (
            before == BEHAVIOUR_NONE or BEHAVIOUR_PROBE <= before <= BEHAVIOUR_ASSAULT
        )
        memory.since[r, e] = since
        memory.mode[r, e] = chosen
        memory.target[r, e] = memory.target[r, e] if on_task else target_out[k]
    return action, previous, target_out, gx, gy


def _find_ambushes(
    ctx: StepContext, rows: IntArray, elems: IntArray, looking: BoolArray
) -> tuple[IntArray, FloatArray]:
    """For each deciding element with ``looking`` set, with its road point the road vertex nearest it (within
    its ``reach_m``): the live hostile ground contact of its side's known picture believed (dead-reckoned to
    now, :meth:`Picture.believed`) within ``ambush_lookout_m`` of that point, on a road (within
    ``ambush_zone_m`` of a road vertex) and coming (its estimated velocity points towards the road point),
    that will reach that point along the road no sooner than the element can lie beside it, ``ambush_lead_s``
    ahead (:func:`column_in_time`); of several, the one expected first. Returns the contact (-1 none) and, per
    element, the kill zone's centre and the site (columns: centre x, y, site x, y; NaN where none)."""
    out = np.full(len(rows), -1, dtype=np.int64)
    where = np.full((len(rows), 4), np.nan)
    net = ctx.world.roads
    if net is None or net.n == 0 or not looking.any():
        return out, where
    s = ctx.state
    f = ctx.world.forces
    pic = s.picture
    table = ctx.world.behaviours
    assert table is not None
    on_road = f.speed_by_class[:, TERRAIN_INDEX["road"]]
    look = np.flatnonzero(looking)
    # Only elements whose side knows a live enemy ground element in their row weigh anything: the others'
    # road points are not looked for (most looking elements, most steps). Whether a side sees one is a
    # (rows, sides) table, made once for all of them.
    alive = pic.known_live & f.enemy_ground[None] & (s.status == ACTIVE)[:, None, :]  # (rows, sides, N)
    look = look[alive.any(axis=2)[rows[look], f.side[elems[look]]]]
    if not len(look):
        return out, where
    # Their road points in one call; those farther than their reach from a road weigh nothing either.
    points, points_m = net.nearest_node(s.x[rows[look], elems[look]], s.y[rows[look], elems[look]])
    close = ~(points_m > table.reach_m[elems[look]])
    look, points = look[close], points[close]
    if not len(look):
        return out, where
    # What depends only on a row and side (the contacts, where they are believed now, their road points)
    # once per row and side, for all of them in one call each; then every pair of a looking element and a
    # contact of its row and side at once. The same numbers as element by element (the arithmetic is
    # elementwise), without a pass of Python per element (this loop was most of a large batch's step).
    lr, le = rows[look], elems[look]
    groups, group_of = np.unique(lr * len(f.side_names) + f.side[le], return_inverse=True)
    group_rows, group_sides = groups // len(f.side_names), groups % len(f.side_names)
    live = alive[group_rows, group_sides]
    sizes = live.sum(axis=1)
    starts = np.concatenate(([0], np.cumsum(sizes)))
    cand = np.nonzero(live)[1]  # each group's contacts in element order, group after group
    cand_rows, cand_sides = np.repeat(group_rows, sizes), np.repeat(group_sides, sizes)
    cx, cy, _ = pic.believed(cand_rows, cand_sides, cand, ctx.t1)
    cvx, cvy = pic.known_vx[cand_rows, cand_sides, cand], pic.known_vy[cand_rows, cand_sides, cand]
    nodes, off = net.nearest_node(cx, cy)
    # Pairs (looking element j, contact c of its row and side).
    counts = sizes[group_of]
    pair_j = np.repeat(np.arange(len(look)), counts)
    pair_c = np.repeat(starts[group_of] - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
    px, py = net.nodes_xy[points, 0][pair_j], net.nodes_xy[points, 1][pair_j]
    pcx, pcy = cx[pair_c], cy[pair_c]
    # The look-out distance is measured from the road point, not from the party: a column reported
    # far up the road is weighed however far it is from the band.
    keep = np.hypot(pcx - px, pcy - py) <= table.ambush_lookout_m[le][pair_j]
    keep &= off[pair_c] <= table.ambush_zone_m[le][pair_j]
    # Only a column coming: its estimated velocity points towards the road point (a contact seen still,
    # or only heard or told of, is not coming).
    keep &= cvx[pair_c] * (px - pcx) + cvy[pair_c] * (py - pcy) > 0
    # Every pair kept at once: the column's road distance to the road point (from its own road point), the
    # party's way to its site and its pace, the column's speed (its type's on roads when identified).
    kept = np.flatnonzero(keep)
    if not len(kept):
        return out, where
    kj, kc = pair_j[kept], pair_c[kept]
    sources = np.unique(nodes[kc])
    dist, _ = net.shortest(sources)
    column_m = dist[np.searchsorted(sources, nodes[kc]), points[kj]]
    ux, uy = s.x[lr, le], s.y[lr, le]
    px_, py_ = net.nodes_xy[points, 0], net.nodes_xy[points, 1]
    sx, sy = ambush_site(ux, uy, px_, py_, table.ambush_offset_m[le])
    party_m = np.hypot(sx - ux, sy - uy)[kj]
    pace = f.speed_by_class[le, TERRAIN_INDEX["open"]][kj]
    t = cand[kc]
    v = np.where(pic.identified[lr[kj], f.side[le][kj], t] & (on_road[t] > 0), on_road[t], 0.0)
    v = np.where(v > 0, v, table.column_speed_mps[le][kj])
    zone = table.ambush_zone_m[le][kj]
    timely = column_in_time(party_m, pace, column_m, v, table.ambush_lead_s[le][kj], zone)
    # Of each element's timely columns, the one expected first (the first of equals, in contact order).
    ok = np.flatnonzero(timely)
    if not len(ok):
        return out, where
    order = ok[np.lexsort((column_m[ok] / v[ok], kj[ok]))]
    first = order[np.concatenate(([True], kj[order][1:] != kj[order][:-1]))]
    j_best = kj[first]
    k_best = look[j_best]
    out[k_best] = t[first]
    where[k_best] = np.column_stack([px_[j_best], py_[j_best], sx[j_best], sy[j_best]])
    return out, where


class Sighted(NamedTuple):
    """(R, S, N) what each side's own sensors saw last: time, believed position, observer."""

    t: FloatArray
    x: FloatArray
    y: FloatArray
    by: IntArray


class Standing(NamedTuple):
    """(R, N) state the assessment reads: status, broken, strength and true position."""

    status: IntArray
    broken: BoolArray
    strength: FloatArray
    x: FloatArray
    y: FloatArray


@jit
def _assess(
    rows: IntArray,
    elems: IntArray,
    t1: float,
    forces: Belligerents,
    picture: tuple[ContactLayer, tuple[FloatArray, FloatArray]],
    known_live: BoolArray,
    identified: BoolArray,
    sighted: Sighted,
    standing: Standing,
    horizons: Horizons,
    air_seen_at: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, IntArray, FloatArray, FloatArray]:
    """For each deciding element (rows[k], elems[k]): friendly strength within its radius (its side's fighting
    ground elements, true positions); the estimated strength of its side's live hostile ground contacts within
    the radius (believed positions: ``picture`` is the known layer and its velocities; aircraft are read
    where last placed, ground contacts dead-reckoned to ``t1`` as :meth:`Picture.believed` does, each live
    contact once per row; a contact's type strength when identified, else the assumed strength) and their
    strength-weighted centre; the weakest such contact within its reach (ties: the nearest, then the first)
    with its strength and distance. Raises ``air_seen_at`` to the time a hostile aircraft was last placed
    within the element's air radius: by its side's shared picture, or by the element's own sighting (its
    side's ``seen`` layer, where the element is the observer), which needs no
    report. Contacts already out of action are skipped, as the attack task skips them."""
    side_of, _, hostile, strength0 = forces
    known, (known_vx, known_vy) = picture
    known_t = known.t
    known_x = known.x
    known_y = known.y
    seen_t, seen_x, seen_y, seen_by = sighted
    strength, x, y = standing[2], standing[3], standing[4]
    radius_m, reach_m, air_radius_m, unidentified = horizons
    k_n = rows.shape[0]
    n = side_of.shape[0]
    s_n = hostile.shape[0]
    friendly = np.zeros(k_n)
    enemy = np.zeros(k_n)
    ex = np.full(k_n, np.nan)
    ey = np.full(k_n, np.nan)
    target = np.full(k_n, -1, dtype=np.int64)
    t_strength = np.full(k_n, np.inf)
    t_dist = np.full(k_n, np.inf)
    # Per side, in element order, for the row at hand: its fighting ground elements, the hostile aircraft in
    # action, and its live contacts of hostile ground elements in action (rows come in order: each row's
    # lists are gathered once, for every decider in it).
    (friends, aircraft, contacts), (n_friends, n_aircraft, n_contacts) = _gather_buffers(s_n, n)
    # Where each side believes its contacts of the row at hand are now (in the order of ``contacts``).
    believed_x = np.empty((s_n, n))
    believed_y = np.empty((s_n, n))
    row = -1
    for k in range(k_n):
        r = rows[k]
        e = elems[k]
        if r != row:
            row = r
            _gather(
                r,
                forces,
                standing,
                known_live,
                (friends, aircraft, contacts),
                (n_friends, n_aircraft, n_contacts),
            )
            for m in range(s_n):
                for i in range(n_contacts[m]):
                    t = contacts[m, i]
                    age = t1 - known_t[r, m, t]
                    believed_x[m, i] = reckoned(known_x[r, m, t], known_vx[r, m, t], age)
                    believed_y[m, i] = reckoned(known_y[r, m, t], known_vy[r, m, t], age)
        m = side_of[e]
        px = x[r, e]
        py = y[r, e]
        radius = radius_m[e]
        reach = reach_m[e]
        farthest = reach if math.isnan(radius) or reach > radius else radius  # a NaN one ignored
        for i in range(n_friends[m]):
            t = friends[m, i]
            if within(x[r, t] - px, y[r, t] - py, radius):
                friendly[k] += strength[r, t]
        # The last time a hostile aircraft was placed within the air radius: by the side's shared picture (a
        # live contact), or by this element's own sighting (the side's seen layer, e the observer). Written
        # out here: a compiled call taking the layers as tuples costs more than the loop's arithmetic.
        air_radius = air_radius_m[e]
        seen = air_seen_at[r, e]
        for i in range(n_aircraft[m]):
            t = aircraft[m, i]
            last = -np.inf
            if known_live[r, m, t] and math.hypot(known_x[r, m, t] - px, known_y[r, m, t] - py) <= air_radius:
                last = known_t[r, m, t]
            if seen_by[r, m, t] == e and math.hypot(seen_x[r, m, t] - px, seen_y[r, m, t] - py) <= air_radius:
                last = max(last, seen_t[r, m, t])
            seen = max(seen, last)
        air_seen_at[r, e] = seen
        sx = 0.0
        sy = 0.0
        for i in range(n_contacts[m]):
            t = contacts[m, i]
            bx = believed_x[m, i]
            by = believed_y[m, i]
            if not within(bx - px, by - py, farthest):
                continue  # beyond both the radius and the reach
            d = math.hypot(bx - px, by - py)
            est = strength0[t] if identified[r, m, t] else unidentified[e]
            if d <= radius:
                enemy[k] += est
                sx += est * bx
                sy += est * by
            if d <= reach and (est < t_strength[k] or (est == t_strength[k] and d < t_dist[k])):
                target[k] = t
                t_strength[k] = est
                t_dist[k] = d
        if enemy[k] > 0:
            ex[k] = sx / enemy[k]
            ey[k] = sy / enemy[k]
    return friendly, enemy, ex, ey, target, t_strength, t_dist


@jit
def _gather_buffers(
    s_n: int, n: int
) -> tuple[tuple[IntArray, IntArray, IntArray], tuple[IntArray, IntArray, IntArray]]:
    """Empty lists and counts for :func:`_gather`, for ``s_n`` sides of ``n`` elements."""
    lists = (
        np.empty((s_n, n), dtype=np.int64),
        np.empty((s_n, n), dtype=np.int64),
        np.empty((s_n, n), dtype=np.int64),
    )
    counts = (np.zeros(s_n, dtype=np.int64), np.zeros(s_n, dtype=np.int64), np.zeros(s_n, dtype=np.int64))
    return lists, counts


@jit
def _gather(
    r: int,
    forces: Belligerents,
    standing: Standing,
    known_live: BoolArray,
    lists: tuple[IntArray, IntArray, IntArray],
    counts: tuple[IntArray, IntArray, IntArray],
) -> None:
    """Fill, per side and in element order, what :func:`_assess` reads of row ``r``: the side's fighting
    ground elements, the hostile aircraft in action, and the side's live contacts of hostile ground
    elements in action. ``lists``: (friends, aircraft, contacts), each (sides, elements); ``counts``: how
    many of each side's entries are filled."""
    side_of, is_air, hostile, _ = forces
    status, broken = standing[0], standing[1]
    friends, aircraft, contacts = lists
    n_friends, n_aircraft, n_contacts = counts
    s_n = hostile.shape[0]
    n_friends[:] = 0
    n_aircraft[:] = 0
    n_contacts[:] = 0
    for t in range(side_of.shape[0]):
        if status[r, t] != ACTIVE:
            continue
        st = side_of[t]
        if is_air[t]:
            for m in range(s_n):
                if m != st and hostile[m, st]:
                    aircraft[m, n_aircraft[m]] = t
                    n_aircraft[m] += 1
            continue
        if not broken[r, t]:
            friends[st, n_friends[st]] = t
            n_friends[st] += 1
        for m in range(s_n):
            if m != st and hostile[m, st] and known_live[r, m, t]:
                contacts[m, n_contacts[m]] = t
                n_contacts[m] += 1
