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
from drillsim.geo.distance import within
from drillsim.mechanics.behaviour.model import PROBE_HALT_M
from drillsim.state.batch import (
    ACTIVE,
    BEHAVIOUR_ASSAULT,
    BEHAVIOUR_COVER,
    BEHAVIOUR_NONE,
    BEHAVIOUR_PROBE,
    BEHAVIOUR_WITHDRAW,
    ContactLayer,
)
from drillsim.state.context import StepContext
from drillsim.world.behaviours import Horizons, Rules
from drillsim.world.forces import Belligerents

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
    deciding = (table.take_cover | table.withdraw | table.attack) & ~f.is_air
    rows, elems = _deciders(s.status, s.broken, s.fled, deciding)
    if not len(rows):
        return None
    pic = s.picture
    standing = Standing(s.status, s.broken, s.strength, s.x, s.y)
    known = pic.known_layer()
    assessed = _assess(
        rows,
        elems,
        ctx.t1,
        f.belligerents,
        known,
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
    action, previous, target, gx, gy = _choose(
        rows, elems, ctx.t1, assessed, table.rules, memory, standing, known, f.side
    )
    return Decisions(rows, elems, action, previous, target, gx, gy)


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
def _choose(
    rows: IntArray,
    elems: IntArray,
    t1: float,
    assessed: tuple[FloatArray, FloatArray, FloatArray, FloatArray, IntArray, FloatArray, FloatArray],
    rules: Rules,
    memory: Memory,
    standing: Standing,
    known: ContactLayer,
    side_of: IntArray,
) -> tuple[IntArray, IntArray, IntArray, FloatArray, FloatArray]:
    """Each deciding element's action by the rules of :mod:`drillsim.mechanics.behaviour.model`
    (``select_actions``, with the hold of ``cover_hold``), with the take-cover hysteresis
    (``next_cover_level``; the all-clear noted on leaving cover) and the behaviour's bookkeeping written
    into ``memory``: a new action or target starts its clock, a probe's clock starts when it has halted
    at its probe point (``probe_point``); the same arithmetic as those functions, element by element. Returns
    the action, the previous action, the target (-1 unless probing or assaulting) and the goal (NaN: it
    stays): the contact's believed position for an assault, the probe point for a probe, ``radius_m``
    straight away from the known enemy's centre of strength for a withdrawal."""
    friendly, enemy, ex, ey, assessed_target, t_strength, _ = assessed
    take_cover, withdraw, attack, probe, radius_m, withdraw_below, attack_above = rules[:7]
    probe_distance_m, probe_s, cover_s, wary_s, max_cover_s = rules[7:]
    x, y = standing[3], standing[4]
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
        falling_back = (withdraw[e] and ratio < withdraw_below[e]) or withdrawing
        can_attack = attack[e] and target >= 0 and friendly[k] >= attack_above[e] * t_strength[k]
        same_target = target == memory.target[r, e]
        halted_at = memory.since[r, e] if before == BEHAVIOUR_PROBE else np.inf
        watched = same_target and (t1 - halted_at >= probe_s[e] - 1e-9)
        assaulting = same_target and before == BEHAVIOUR_ASSAULT
        chosen = BEHAVIOUR_NONE
        if can_attack:
            chosen = BEHAVIOUR_ASSAULT if (not probe[e] or watched or assaulting) else BEHAVIOUR_PROBE
        if falling_back:
            chosen = BEHAVIOUR_WITHDRAW
        if covering:
            chosen = BEHAVIOUR_COVER
        action[k] = chosen
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
        if target >= 0:
            tx = known.x[r, side_of[e], target]
            ty = known.y[r, side_of[e], target]
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
        memory.since[r, e] = since
        memory.mode[r, e] = chosen
        target_out[k] = target if closing else -1
        memory.target[r, e] = target_out[k]
    return action, previous, target_out, gx, gy


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
def _air_sighting(
    r: int,
    m: int,
    e: int,
    t: int,
    px: float,
    py: float,
    radius: float,
    known: ContactLayer,
    known_live: BoolArray,
    sighted: Sighted,
) -> float:
    """The last time aircraft t was placed within ``radius`` of (px, py) in row r: by side m's shared
    picture (a live contact), or by element e's own sighting (side m's ``seen`` layer with e the
    observer); -inf when neither."""
    last = -np.inf
    if known_live[r, m, t] and math.hypot(known.x[r, m, t] - px, known.y[r, m, t] - py) <= radius:
        last = known.t[r, m, t]
    own = sighted.by[r, m, t] == e
    if own and math.hypot(sighted.x[r, m, t] - px, sighted.y[r, m, t] - py) <= radius:
        last = max(last, sighted.t[r, m, t])
    return last


@jit
def _assess(
    rows: IntArray,
    elems: IntArray,
    t1: float,
    forces: Belligerents,
    known: ContactLayer,
    known_live: BoolArray,
    identified: BoolArray,
    sighted: Sighted,
    standing: Standing,
    horizons: Horizons,
    air_seen_at: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, IntArray, FloatArray, FloatArray]:
    """For each deciding element (rows[k], elems[k]): friendly strength within its radius (its side's
    fighting ground elements, true positions); the estimated strength of its side's live hostile ground
    contacts within the radius (believed positions; a contact's type strength when identified, else the
    assumed strength) and their strength-weighted centre; the weakest such contact within its reach (ties:
    the nearest, then the first) with its strength and distance. Raises ``air_seen_at`` to the time a
    hostile aircraft was last placed within the element's air radius: by its side's shared picture, or by
    the element's own sighting (its side's ``seen`` layer, where the element is the observer), which needs
    no report. Contacts already out of action are skipped, as the attack task skips them."""
    side_of, _, hostile, strength0 = forces
    known_x = known.x
    known_y = known.y
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
    friends = np.empty((s_n, n), dtype=np.int64)
    aircraft = np.empty((s_n, n), dtype=np.int64)
    contacts = np.empty((s_n, n), dtype=np.int64)
    n_friends = np.zeros(s_n, dtype=np.int64)
    n_aircraft = np.zeros(s_n, dtype=np.int64)
    n_contacts = np.zeros(s_n, dtype=np.int64)
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
        for i in range(n_aircraft[m]):
            t = aircraft[m, i]
            last = _air_sighting(r, m, e, t, px, py, air_radius_m[e], known, known_live, sighted)
            air_seen_at[r, e] = max(air_seen_at[r, e], last)
        sx = 0.0
        sy = 0.0
        for i in range(n_contacts[m]):
            t = contacts[m, i]
            if not within(known_x[r, m, t] - px, known_y[r, m, t] - py, farthest):
                continue  # beyond both the radius and the reach
            d = math.hypot(known_x[r, m, t] - px, known_y[r, m, t] - py)
            est = strength0[t] if identified[r, m, t] else unidentified[e]
            if d <= radius:
                enemy[k] += est
                sx += est * known_x[r, m, t]
                sy += est * known_y[r, m, t]
            if d <= reach and (est < t_strength[k] or (est == t_strength[k] and d < t_dist[k])):
                target[k] = t
                t_strength[k] = est
                t_dist[k] = d
        if enemy[k] > 0:
            ex[k] = sx / enemy[k]
            ey[k] = sy / enemy[k]
    return friendly, enemy, ex, ey, target, t_strength, t_dist


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
