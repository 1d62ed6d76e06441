"""The rules of a behaviour as one selector: the first rule whose condition holds decides.

For an element in action, unbroken, on the ground, with local quantities read from its side's picture
(:class:`Assessment`), in priority order:

0. an **ambush** under way holds until it is over (``ambush_withdraw_s`` after opening fire, or
   ``ambush_wait_s`` without a target), then the party withdraws;
1. **take cover** when a hostile aircraft was within ``air_radius_m`` in the last ``cover_s`` seconds
   (the hold: doubled each time the element is sent to ground again within ``wary_s`` of its last
   all-clear, up to ``max_cover_s``; :func:`cover_hold`);
2. **withdraw** when friendly strength / known enemy strength within ``radius_m`` < ``withdraw_below``;
   a withdrawal under way (by this rule, or from a position the assault took) runs until the element
   has reached its fall-back point;
2a. **ambush** a column its side sees on a road when the element can be beside that road, at the road
   point nearest to it, ``ambush_lead_s`` before the column (:func:`ambush_site`);
3. **attack** the weakest known contact within ``reach_m`` when friendly strength within ``radius_m`` is at
   least ``attack_above`` times its estimated strength (an attack under way on it: ``ATTACK_HOLD_SHARE``
   times that; none for ``ATTACK_RETRY_S`` after an attack on it was called off): with **probe**, first
   halt ``probe_distance_m`` short of it and watch for ``probe_s``, then assault;
3a. **pursue** the nearest known contact within ``reach_m`` seen moving away from the element when friendly
   strength within ``radius_m`` is at least ``pursue_above`` times the enemy it faces (the known enemy
   within ``radius_m``, with the contact even when farther: :func:`faced_strength`), following its
   believed position until ``pursue_s`` have passed or the element is ``pursue_distance_m`` from where it
   set out (:func:`pursuit_over`), then break off; no new pursuit for ``pursue_s`` after one ends;
4. otherwise carry on with the task (``BEHAVIOUR_NONE``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from drillsim.core.compiled import jit_inline
from drillsim.state.batch import (
    BEHAVIOUR_AMBUSH,
    BEHAVIOUR_ASSAULT,
    BEHAVIOUR_COVER,
    BEHAVIOUR_NONE,
    BEHAVIOUR_PROBE,
    BEHAVIOUR_PURSUE,
    BEHAVIOUR_WITHDRAW,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

PROBE_HALT_M = 100.0
"""An element within this distance of its probe point has halted there (as the steering's goal radius)."""
ATTACK_HOLD_SHARE = 0.75
"""An attack under way (a probe or an assault of the same contact) goes on while friendly strength is at
least this share of ``attack_above`` times the contact's estimated strength: a hysteresis band, so that a
friend at the edge of ``radius_m``, which the attacker's own move puts in and out of it, does not decide
(assumption; docs/mechanics/behaviour.md, "Hysteresis of the attack")."""
ATTACK_RETRY_S = 600.0
"""An attack called off (the element back on its task) is not taken up again against the same contact for
this long (assumption; docs/mechanics/behaviour.md, "Hysteresis of the attack")."""


@dataclass(frozen=True)
class Assessment:
    """What each deciding element (one entry each) knows, from its side's picture and its own side."""

    air_seen_at: FloatArray
    """Last time a hostile aircraft was within the element's air radius (-inf: never)."""
    friendly: FloatArray
    """Strength of the element's side's fighting ground elements within ``radius_m`` (itself included)."""
    enemy: FloatArray
    """Estimated strength of the live hostile ground contacts within ``radius_m``."""
    target: IntArray
    """The weakest live hostile ground contact within ``reach_m`` (-1 none; ties: the nearest)."""
    target_strength: FloatArray
    target_distance: FloatArray
    withdrawing: BoolArray
    """Already withdrawing and not yet at its fall-back point."""
    mode: IntArray
    """What the element's behaviour had it doing (the previous decision)."""
    previous_target: IntArray
    probe_halted_at: FloatArray
    """When the element halted at its probe point for its current target (+inf: not yet)."""
    called_off_at: FloatArray | None = None
    """When the element's last attack on ``previous_target`` was called off, the element back on its task
    since (-inf or None: none)."""
    ambushing: BoolArray | None = None
    """An ambush under way and not over (None: no element lies in ambush)."""
    ambush_over: BoolArray | None = None
    """An ambush that is over now: the party withdraws."""
    can_ambush: BoolArray | None = None
    """The ambush rule is on for the element and finds a column to ambush."""
    can_pursue: BoolArray | None = None
    """The pursue rule is on for the element and finds a contact to pursue, or a pursuit under way is
    within its limits."""


def select_actions(
    a: Assessment,
    *,
    time_s: float,
    take_cover: BoolArray,
    withdraw: BoolArray,
    attack: BoolArray,
    probe: BoolArray,
    withdraw_below: FloatArray,
    attack_above: FloatArray,
    probe_s: FloatArray,
    cover_s: FloatArray,
) -> IntArray:
    """The action of each element (a ``BEHAVIOUR_*`` code) by the rules above, the rules' flags and
    parameters given per element."""
    covering = take_cover & (time_s - a.air_seen_at <= cover_s)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(a.enemy > 0, a.friendly / np.where(a.enemy > 0, a.enemy, 1.0), np.inf)
    # A withdrawal under way (this rule's, or a defender's from a lost position) runs to its end.
    none = np.zeros(len(a.mode), dtype=bool)
    ambushing = none if a.ambushing is None else a.ambushing
    ambush_over = none if a.ambush_over is None else a.ambush_over
    can_ambush = none if a.can_ambush is None else a.can_ambush
    falling_back = (withdraw & (ratio < withdraw_below)) | a.withdrawing | ambush_over
    same_target = a.target == a.previous_target
    engaged = same_target & ((a.mode == BEHAVIOUR_PROBE) | (a.mode == BEHAVIOUR_ASSAULT))
    called_off_at = np.full(len(a.mode), -np.inf) if a.called_off_at is None else a.called_off_at
    called_off = same_target & (a.mode == BEHAVIOUR_NONE) & (time_s - called_off_at < ATTACK_RETRY_S)
    need = attack_above * np.where(engaged, ATTACK_HOLD_SHARE, 1.0)
    can_attack = attack & (a.target >= 0) & ~called_off & (a.friendly >= need * a.target_strength)
    watched = same_target & (time_s - a.probe_halted_at >= probe_s - 1e-9)
    assaulting = same_target & (a.mode == BEHAVIOUR_ASSAULT)
    closing = ~probe | watched | assaulting
    can_pursue = none if a.can_pursue is None else a.can_pursue
    action = np.where(can_pursue, BEHAVIOUR_PURSUE, BEHAVIOUR_NONE)
    action = np.where(can_attack, np.where(closing, BEHAVIOUR_ASSAULT, BEHAVIOUR_PROBE), action)
    action = np.where(can_ambush, BEHAVIOUR_AMBUSH, action)
    action = np.where(falling_back, BEHAVIOUR_WITHDRAW, action)
    action = np.where(covering, BEHAVIOUR_COVER, action)
    return np.asarray(np.where(ambushing, BEHAVIOUR_AMBUSH, action), dtype=np.int64)


def cover_hold(level: IntArray, cover_s: FloatArray, max_cover_s: FloatArray) -> FloatArray:
    """How long an element stays down after its last sighting of an aircraft: ``cover_s`` doubled
    ``level`` times, at most ``max_cover_s`` (and never less than ``cover_s``)."""
    doubled = cover_s * np.exp2(np.minimum(level, 60).astype(np.float64))
    return np.asarray(np.maximum(cover_s, np.minimum(doubled, max_cover_s)), dtype=np.float64)


def next_cover_level(level: IntArray, since_clear_s: FloatArray, wary_s: FloatArray) -> IntArray:
    """The hold level of elements going to ground now: one more than before when they came out of cover
    no more than ``wary_s`` ago (a patrol coming back), else 0 (the plain ``cover_s``)."""
    return np.asarray(np.where(since_clear_s <= wary_s, np.minimum(level + 1, 60), 0), dtype=np.int64)


def probe_point(
    x: FloatArray, y: FloatArray, tx: FloatArray, ty: FloatArray, distance_m: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """The point ``distance_m`` short of (tx, ty) on the line from (x, y); (x, y) itself when nearer."""
    dx, dy = tx - x, ty - y
    d = np.hypot(dx, dy)
    keep = np.maximum(d - distance_m, 0.0) / np.maximum(d, 1e-9)
    return x + dx * keep, y + dy * keep


def ambush_site(
    x: FloatArray, y: FloatArray, px: FloatArray, py: FloatArray, offset_m: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Where parties at (x, y) lie to ambush the road points (px, py): ``offset_m`` from each on its party's
    side (north of it when the party stands on the point)."""
    dx, dy = x - px, y - py
    d = np.hypot(dx, dy)
    on_point = d < 1e-9
    apart = np.where(on_point, 1.0, d)
    return (
        np.asarray(np.where(on_point, px, px + dx / apart * offset_m), dtype=np.float64),
        np.asarray(np.where(on_point, py + offset_m, py + dy / apart * offset_m), dtype=np.float64),
    )


def column_in_time(
    party_m: FloatArray,
    party_speed: FloatArray,
    column_m: FloatArray,
    column_speed: FloatArray,
    lead_s: FloatArray,
    zone_m: FloatArray,
) -> BoolArray:
    """Whether parties ``party_m`` from their ambush sites (at ``party_speed``) are there ``lead_s`` before
    columns ``column_m`` along the road from the kill zone's centre (at ``column_speed``) reach the kill
    zone's edge (``zone_m`` short of the centre); never for a column not (finitely) beyond that edge or a
    speed not above zero."""
    with np.errstate(divide="ignore", invalid="ignore"):
        timely = party_m / party_speed + lead_s <= (column_m - zone_m) / column_speed
    possible = np.isfinite(column_m) & (column_m > zone_m) & (party_speed > 0) & (column_speed > 0)
    return np.asarray(possible & timely, dtype=bool)


def moving_away(
    x: FloatArray, y: FloatArray, cx: FloatArray, cy: FloatArray, vx: FloatArray, vy: FloatArray
) -> BoolArray:
    """Whether contacts believed at (cx, cy) with estimated velocity (vx, vy) move away from (x, y): the
    velocity has a component along the line from (x, y) to the contact (a contact seen still, or only heard
    or told of, has none)."""
    return np.asarray(vx * (cx - x) + vy * (cy - y) > 0.0, dtype=bool)


@jit_inline
def faced_strength(estimated: float, distance_m: float, radius_m: float, enemy: float) -> float:
    """The enemy strength a pursuit faces: the known enemy's estimated strength ``enemy`` within ``radius_m``
    of the pursuer (the ``E`` of the other rules), plus the pursued contact's ``estimated`` strength when it
    is believed farther than ``radius_m`` (then ``E`` leaves it out). So a pursuer that comes upon a force
    covering the withdrawal weighs it with the contact it follows."""
    return enemy + (0.0 if distance_m <= radius_m else estimated)


def pursuit_over(
    elapsed_s: FloatArray, gone_m: FloatArray, pursue_s: FloatArray, pursue_distance_m: FloatArray
) -> BoolArray:
    """Whether a pursuit has reached its limit: ``pursue_s`` since it began, or ``pursue_distance_m`` from
    where it began."""
    return np.asarray((elapsed_s >= pursue_s) | (gone_m >= pursue_distance_m), dtype=bool)
