"""Fire support: the call-for-fire chain of indirect fire, and air strikes by sorties from airbases.

Indirect fire, link by link (each link's start and end is an event):

1. an observer detects an enemy (``ContactDetected``) and its report enters the side's picture
   (``ContactReported``);
2. a battery under a fire-support task takes a request for a contact that an allowed observer reported,
   that is fresh, in range and not already engaged (``FireMissionRequested``, after the liaison delay when
   observer and battery are of different nations);
3. the fire direction centre turns it into firing data (its delay; a battery still emplacing after a
   move fires when it is emplaced, :mod:`drillsim.mechanics.movement.emplacement`); then the mission is
   refused if the contact has been lost, the target is out of range or ammunition is gone
   (``FireMissionRefused``), or the battery fires (``RoundsFired``) at the contact's *believed* position;
4. rounds fly (range / average projectile speed) and land scattered about the aim point
   (``RoundsImpacted``), causing casualties by the lethal-area model of
   :mod:`drillsim.mechanics.indirect_fire.model`;
5. the assessment closes the mission (``FireMissionCompleted``).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from drillsim.core.compiled import jit, plain
from drillsim.core.random import binomial_inverse
from drillsim.events.types import (
    AmmunitionExhausted,
    FireMissionCompleted,
    FireMissionRefused,
    FireMissionRequested,
    RoundsFired,
    RoundsImpacted,
    UnitReactedToFire,
)
from drillsim.mechanics.direct_fire.model import POSTURE_AREA_EXPOSURE, POSTURE_AREA_TABLE
from drillsim.mechanics.direct_fire.step import apply_casualties, duplicate_levels, lose_carriers
from drillsim.mechanics.indirect_fire.model import (
    ADJUST_INTERVAL_S,
    ADJUSTED_AIM_SD_M,
    RELIEF_AREA_TABLE,
    adjusting_rounds,
    burst_exponents,
    hit_probabilities,
    impact_area_radius,
    lethal_spread,
    lift_aim_points,
    scatter_sd,
)
from drillsim.mechanics.transport import (
    carrier_positions,
    mounted_area_exposure,
    parked_away,
    vehicle_position_exposure,
)
from drillsim.state.batch import ACTIVE, ContactLayer
from drillsim.state.context import StepContext
from drillsim.world.forces import CRAWL_SPEED_MPS, POSTURE_INDEX, crewed_weapons

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

FRESH_CONTACT_S = 600.0
"""A contact older than this is not worth a fire mission."""
REQUEST_INTERVAL_S = 600.0
"""A side does not ask for fire on the same contact again sooner than this."""
AREA_SUPPRESSION_S = 180.0

STAGE_REQUESTED = 0
STAGE_FIRED = 1
STAGE_DONE = 2

PHASE_EFFECT = 0
"""Rounds in the air are fire for effect, with no adjusting rounds before them."""
PHASE_ADJUSTING = 1
"""Rounds in the air are adjusting rounds; fire for effect follows."""
PHASE_ADJUSTED = 2
"""Rounds in the air are fire for effect after adjusting rounds: the target has been warned."""

MISSION_IDS_PER_SIDE = 1_000_000
"""A side's missions and strikes are numbered on their own: the ``n``-th of side ``k`` (0-based, in the
scenario's order of sides) has the id ``k * MISSION_IDS_PER_SIDE + n``, unique in the event log and the
same whatever the other sides do (docs/mechanics/indirect-fire.md, "Mission ids")."""


def take_mission_ids(next_mission_id: IntArray, rows: IntArray, sides: IntArray) -> IntArray:
    """The ids of new missions of ``sides`` in ``rows`` (one each, in order), counted on each side's own
    counter ``next_mission_id`` (R, S), which moves on."""
    ids = np.empty(len(rows), dtype=np.int64)
    for q in range(len(rows)):  # a row and side may open several missions in one call
        ids[q] = sides[q] * MISSION_IDS_PER_SIDE + next_mission_id[rows[q], sides[q]]
        next_mission_id[rows[q], sides[q]] += 1
    return ids


class Batteries(NamedTuple):
    """The batteries of a simulation, built once: the elements, each element's indirect-fire mount, the
    mounts' greatest and least ranges, each element's side, the ground elements hostile to each side, and
    which elements' reports may call fire under each fire-support task."""

    batteries: IntArray
    battery_mount: IntArray
    max_range: FloatArray
    min_range: FloatArray
    side_of: IntArray
    enemy_ground: BoolArray
    observer_ok: BoolArray


class BatteryState(NamedTuple):
    """(R, N) state a battery's pick reads and books: its task, the elements' status, busy until, missions
    left."""

    task: IntArray
    status: IntArray
    busy_until: FloatArray
    missions_left: FloatArray


def missions_in_hand(ctx: StepContext) -> BoolArray:
    """(R, N): the elements that hold a fire mission not yet fired to its end: requested (at the fire
    direction centre), or with adjusting rounds in the air (fire for effect to follow)."""
    s = ctx.state
    m = s.missions
    held = (m.stage == STAGE_REQUESTED) | ((m.stage == STAGE_FIRED) & (m.fire_phase == PHASE_ADJUSTING))
    out = np.zeros(s.status.shape, dtype=bool)
    out[m.rep[held], m.firer[held]] = True
    return out


def free_batteries(ctx: StepContext, batteries: IntArray, battery_mount: IntArray) -> BoolArray:
    """(len(batteries), R): where each battery is free to take a request, whatever its target (troops or
    parked carriers): under a fire-support task, active, unbroken, not busy (its tubes not firing, and no
    mission in hand: :func:`missions_in_hand`; one mission at a time), in action (halted in a firing
    position, emplaced or emplacing: not packing up or on the move), with missions and ammunition left,
    and people enough to crew at least one of its weapons (:func:`crewed_tubes`)."""
    s = ctx.state
    f = ctx.world.forces
    b = batteries
    mount = battery_mount[b]
    # np.False_, not False: ~False is the integer -1, which would make ``free`` an integer array (and
    # compile the kernels that take it a second time).
    held = missions_in_hand(ctx)[:, b] if len(s.missions) else np.False_
    free = (
        (s.battery_task[:, b] >= 0)
        & (s.status[:, b] == ACTIVE)
        & ~s.broken[:, b]
        & (s.battery_busy_until[:, b] <= ctx.t1)
        & s.in_action[:, b]
        & (s.missions_left[:, b] > 0)
        & (s.ammo[:, mount] > 0)
        & (crewed_weapons(f.w_count[mount], s.strength[:, b], f.w_min_crew[mount]) > 0)
        & ~held
    )
    return np.ascontiguousarray(free.T)


def crewed_tubes(ctx: StepContext, rows: IntArray, batteries: IntArray, mounts: IntArray) -> FloatArray:
    """The weapons of each battery's mount that its people can serve now
    (:func:`drillsim.world.forces.crewed_weapons`: no more than ``floor(strength / min_crew)``)."""
    f = ctx.world.forces
    return crewed_weapons(f.w_count[mounts], ctx.state.strength[rows, batteries], f.w_min_crew[mounts])


class OpenMissions(NamedTuple):
    """The fire missions' replication, firer, target and stage."""

    rep: IntArray
    firer: IntArray
    target: IntArray
    stage: IntArray


@jit
def take_fire_requests(  # noqa: C901
    table: Batteries,
    state: BatteryState,
    free: BoolArray,
    x: FloatArray,
    y: FloatArray,
    seen_by: IntArray,
    known: ContactLayer,
    known_live: BoolArray,
    missions: OpenMissions,
    last_request: FloatArray,
    next_mission_id: IntArray,
    t1: float,
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Each free battery's pick of a contact to ask fire on, batteries in order, then rows in order.

    ``free`` (batteries, R) says where each battery is free (:func:`free_batteries`). It picks, among the
    contacts an allowed observer (``observer_ok``, by task) reported, that are fresh, live, in range, enemy
    ground elements still active, not engaged by a mission of its side and not asked for lately, the best
    located (smallest error, then nearest; the first on ties). ``known`` is the side's picture as believed now
    (:meth:`Picture.believed_layer`): range, distance and error are those of each contact dead-reckoned to
    ``t1``, its time that of its sighting. A pick engages the contact for the batteries after it; it is booked
    in place: the side's next mission id in the row (:data:`MISSION_IDS_PER_SIDE`), the side's
    ``last_request`` for the contact, one mission less for the
    battery, which is busy until it has fired. Returns (position in ``batteries``, row, contact, mission id)
    of each pick.
    """
    batteries, battery_mount, max_range, min_range, side_of, enemy_ground, observer_ok = table
    battery_task, status, busy_until, missions_left = state
    known_t, known_x, known_y, known_err = known
    m_rep, m_firer, m_target, m_stage = missions
    r = status.shape[0]
    nb = len(batteries)
    n = status.shape[1]
    any_free = free.any()
    out_k = np.empty(nb * r, dtype=np.int64)
    out_row = np.empty(nb * r, dtype=np.int64)
    out_target = np.empty(nb * r, dtype=np.int64)
    out_id = np.empty(nb * r, dtype=np.int64)
    if not any_free:
        return out_k[:0], out_row[:0], out_target[:0], out_id[:0]
    # Contacts already under a mission of the side (open missions: requested or fired).
    engaged = np.zeros(known_live.shape, dtype=np.bool_)
    for q in range(len(m_stage)):
        if m_stage[q] < STAGE_DONE:
            engaged[m_rep[q], side_of[m_firer[q]], m_target[q]] = True
    picks = 0
    for k in range(nb):
        b = batteries[k]
        mount = battery_mount[b]
        side = side_of[b]
        for a in range(r):
            if not free[k, a]:
                continue
            task = battery_task[a, b]
            best = -1
            best_score = math.inf
            for j in range(n):
                if not (known_live[a, side, j] and enemy_ground[side, j]):
                    continue
                observer = seen_by[a, side, j]
                if observer < 0 or not observer_ok[task, observer]:
                    continue
                if not (t1 - known_t[a, side, j] <= FRESH_CONTACT_S):
                    continue
                d = math.hypot(known_x[a, side, j] - x[a, b], known_y[a, side, j] - y[a, b])
                if not (d <= max_range[mount] and d >= min_range[mount]):
                    continue
                if engaged[a, side, j] or not (t1 - last_request[a, side, j] >= REQUEST_INTERVAL_S):
                    continue
                if status[a, j] != ACTIVE:
                    continue
                score = known_err[a, side, j] + 1e-3 * d
                if math.isnan(score):  # as np.argmin: the first NaN wins, and is no pick
                    best = -1
                    break
                if score < best_score:
                    best = j
                    best_score = score
            if best < 0:
                continue
            engaged[a, side, best] = True
            last_request[a, side, best] = t1
            missions_left[a, b] -= 1
            busy_until[a, b] = math.inf
            out_k[picks] = k
            out_row[picks] = a
            out_target[picks] = best
            out_id[picks] = side * MISSION_IDS_PER_SIDE + next_mission_id[a, side]
            next_mission_id[a, side] += 1
            picks += 1
    return out_k[:picks], out_row[:picks], out_target[:picks], out_id[:picks]


FIRE_AT_PARKED_CARRIERS = True
"""Whether fire support takes sighted carriers parked away from their people as targets (docs/mechanics/
indirect-fire.md, "Fire at parked carriers"); the effect tests switch it off to compare."""
CARRIER_TARGET = "/carriers"
"""Appended to an element's id to name its parked carriers as the target of a mission in the event log."""


def target_names(ctx: StepContext, targets: IntArray) -> NDArray[np.object_]:
    """The names of mission targets: an element's id (target ``j < N``), or its id and
    :data:`CARRIER_TARGET` for its parked carriers (target ``N + j``)."""
    n = ctx.world.forces.n
    names = ctx.ids[targets % n]
    carriers = targets >= n
    if carriers.any():
        names = names.copy()
        names[carriers] = [f"{name}{CARRIER_TARGET}" for name in names[carriers]]
    return names


def targets_live(ctx: StepContext, rows: IntArray, side: IntArray, targets: IntArray) -> BoolArray:
    """Whether each mission target is still a target for its side: an element live in the side's picture
    and active; parked carriers live in the side's carrier layer (younger than its contact timeout), still
    parked away from their people (:func:`parked_away`) and their element active."""
    s = ctx.state
    f = ctx.world.forces
    pic = s.picture
    j = targets % f.n
    carriers = targets >= f.n
    live = np.where(carriers, False, pic.known_live[rows, side, j])
    if carriers.any():
        k = np.flatnonzero(carriers)
        seen = ctx.t1 - pic.carrier_t[rows[k], side[k], j[k]] <= f.contact_timeout_s[side[k]]
        live[k] = seen & parked_away(ctx)[rows[k], j[k]]
    return np.asarray(live & (s.status[rows, j] == ACTIVE))


def believed_targets(
    ctx: StepContext, rows: IntArray, side: IntArray, targets: IntArray, now: float | FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Where the side believes each mission target is at ``now`` and with what error: an element as the
    shared picture dead-reckons it (:meth:`Picture.believed`), parked carriers where the side's carrier
    layer last saw them (they stand still)."""
    pic = ctx.state.picture
    n = ctx.world.forces.n
    j = targets % n
    x, y, err = pic.believed(rows, side, j, now)
    carriers = targets >= n
    if carriers.any():
        k = np.flatnonzero(carriers)
        x[k] = pic.carrier_x[rows[k], side[k], j[k]]
        y[k] = pic.carrier_y[rows[k], side[k], j[k]]
        err[k] = pic.carrier_err[rows[k], side[k], j[k]]
    return x, y, err


def true_targets(ctx: StepContext, rows: IntArray, targets: IntArray) -> tuple[FloatArray, FloatArray]:
    """Where each mission target truly is: the element, or where its carriers are parked."""
    s = ctx.state
    n = ctx.world.forces.n
    j = targets % n
    carriers = targets >= n
    x = np.where(carriers, s.parked_x[rows, j], s.x[rows, j])
    y = np.where(carriers, s.parked_y[rows, j], s.y[rows, j])
    return x, y


class IndirectFire:
    """Per-simulation constants and memory of the call-for-fire chain."""

    def __init__(self, ctx: StepContext) -> None:
        f = ctx.world.forces
        self.indirect = np.flatnonzero(f.w_kind == 1)
        self.battery_mount = f.battery_mounts()
        self.batteries = np.flatnonzero(self.battery_mount >= 0)
        self.last_request = np.full((ctx.state.r, len(f.side_names), f.n), -np.inf)
        self.at_carriers = (
            FIRE_AT_PARKED_CARRIERS and ctx.world.carriers is not None and len(self.batteries) > 0
        )
        """Whether batteries may take parked carriers as targets (there are carriers and batteries)."""
        self.last_carrier_request = np.full((ctx.state.r, len(f.side_names), f.n), -np.inf)
        """When each side last asked for fire on each element's parked carriers."""
        plan = ctx.world.plan
        self.observer_ok = np.zeros((max(len(plan.tasks), 1), f.n), dtype=bool)
        """(task, element): the element's reports may call fire for batteries under the fire-support task."""
        self.fire_direction_delay_s = np.array(
            [t.fire_direction_delay_s for t in plan.tasks], dtype=np.float64
        )
        for task in plan.tasks:
            if task.kind == "fire-support":
                if len(task.observers):
                    self.observer_ok[task.index, task.observers] = True
                else:
                    self.observer_ok[task.index] = True
        self.table = Batteries(
            self.batteries,
            self.battery_mount,
            f.w_max_range,
            f.w_min_range,
            f.side,
            f.enemy_ground,
            self.observer_ok,
        )
        """What the compiled pick of requests reads of the batteries, built once."""

    def request_missions(self, ctx: StepContext) -> None:
        """Free batteries take requests for fire on reported contacts (see :func:`take_fire_requests`)."""
        s = ctx.state
        f = ctx.world.forces
        pic = s.picture
        m = s.missions
        state = BatteryState(s.battery_task, s.status, s.battery_busy_until, s.missions_left)
        troops = m.target < f.n  # missions on parked carriers (target codes from N) are not in the kernel's
        picked, rows, best, ids = take_fire_requests(
            plain(self.table),
            plain(state),
            free_batteries(ctx, self.batteries, self.battery_mount),
            s.x,
            s.y,
            pic.seen_by,
            plain(pic.believed_layer(ctx.t1)),
            pic.known_live,
            plain(OpenMissions(m.rep[troops], m.firer[troops], m.target[troops], m.stage[troops])),
            self.last_request,
            s.next_mission_id,
            ctx.t1,
        )
        if len(rows):
            b = self.batteries[picked]
            side = f.side[b]
            observer = pic.seen_by[rows, side, best]
            aim_x, aim_y, _ = pic.believed(rows, side, best, ctx.t1)
            self.book_requests(
                ctx, rows, b, best, ids, observer, aim_x, aim_y, pic.episode_t[rows, side, best]
            )
        if self.at_carriers:
            self.request_carrier_missions(ctx)

    def request_carrier_missions(self, ctx: StepContext) -> None:
        """Batteries still free after the requests on troops (:func:`take_fire_requests`) take requests on
        parked carriers, with the same rules, batteries in order: among the entries of their side's
        carrier layer that an allowed observer saw, that are fresh (and live), in range, an enemy ground
        element's carriers parked away from its people (:func:`targets_live`), not under a mission of the
        side and not asked for lately, the best located (smallest error, then nearest). A unit's parked
        carriers are one target (the group of them where they stand). Troops first: an observer that
        reports enemy troops (fresh, live, active) within the battery's reach does not call fire on parked
        carriers, even while those troops are under a mission or were asked for lately (target value by
        kind: docs/mechanics/indirect-fire.md, "Fire at parked carriers")."""
        s = ctx.state
        f = ctx.world.forces
        pic = s.picture
        t1 = ctx.t1
        # (R, S, N): fresh sightings (within 600 s and the side's contact timeout) of enemy carriers still
        # parked away from their people.
        fresh = pic.carrier_t >= t1 - np.minimum(FRESH_CONTACT_S, f.contact_timeout_s)[None, :, None]
        if not fresh.any():
            return
        fresh &= f.enemy_ground[None, :, :] & (parked_away(ctx) & (s.status == ACTIVE))[:, None, :]
        if not fresh.any():
            return
        wanted: BoolArray = np.asarray(fresh.any(axis=2))  # (R, S): rows where the side has such a sighting
        m = s.missions
        open_ = (m.stage < STAGE_DONE) & (m.target >= f.n)
        engaged = np.zeros(pic.carrier_t.shape, dtype=bool)
        engaged[m.rep[open_], f.side[m.firer[open_]], m.target[open_] - f.n] = True
        free_now = free_batteries(ctx, self.batteries, self.battery_mount)  # after the requests on troops
        believed = pic.believed_layer(t1)
        troops = (
            pic.known_live
            & f.enemy_ground[None, :, :]
            & (s.status == ACTIVE)[:, None, :]
            & (t1 - pic.known_t <= FRESH_CONTACT_S)
            & (pic.seen_by >= 0)
        )
        for k, b in enumerate(self.batteries):
            mount = self.battery_mount[b]
            side = f.side[b]
            free = free_now[k] & wanted[:, side]
            if not free.any():
                continue
            rows = np.flatnonzero(free)
            task = s.battery_task[rows, b]
            seen_by = pic.carrier_seen_by[rows, side]
            ok_observer = (seen_by >= 0) & self.observer_ok[task[:, None], np.maximum(seen_by, 0)]
            cx, cy = pic.carrier_x[rows, side], pic.carrier_y[rows, side]
            d = np.hypot(cx - s.x[rows, b, None], cy - s.y[rows, b, None])
            # Target value by kind: an observer that reports troops within the battery's reach does not
            # call fire on empty parked carriers (docs: fire at parked carriers, "Troops first").
            troop_d = np.hypot(
                believed.x[rows, side] - s.x[rows, b, None], believed.y[rows, side] - s.y[rows, b, None]
            )
            with np.errstate(invalid="ignore"):
                reach = (
                    troops[rows, side] & (troop_d <= f.w_max_range[mount]) & (troop_d >= f.w_min_range[mount])
                )
            qi, qj = np.nonzero(reach)
            watching = np.zeros((len(rows), f.n), dtype=bool)
            watching[qi, pic.seen_by[rows[qi], side, qj]] = True
            troops_seen = watching[np.arange(len(rows))[:, None], np.maximum(seen_by, 0)]
            with np.errstate(invalid="ignore"):
                can = (
                    ok_observer
                    & ~troops_seen
                    & fresh[rows, side]
                    & (d <= f.w_max_range[mount])
                    & (d >= f.w_min_range[mount])
                    & ~engaged[rows, side]
                    & (t1 - self.last_carrier_request[rows, side] >= REQUEST_INTERVAL_S)
                )
            score = np.where(can, pic.carrier_err[rows, side] + 1e-3 * d, np.inf)
            best = np.argmin(score, axis=1)
            take = np.isfinite(score[np.arange(len(rows)), best])
            if not take.any():
                continue
            r, j = rows[take], best[take]
            engaged[r, side, j] = True
            self.last_carrier_request[r, side, j] = t1
            s.missions_left[r, b] -= 1
            s.battery_busy_until[r, b] = np.inf
            ids = take_mission_ids(s.next_mission_id, r, np.full(len(r), side))
            bb = np.full(len(r), b)
            self.book_requests(
                ctx,
                r,
                bb,
                f.n + j,
                ids,
                pic.carrier_seen_by[r, side, j],
                pic.carrier_x[r, side, j],
                pic.carrier_y[r, side, j],
                np.full(len(r), np.nan),
            )

    def book_requests(
        self,
        ctx: StepContext,
        rows: IntArray,
        b: IntArray,
        target: IntArray,
        ids: IntArray,
        observer: IntArray,
        aim_x: FloatArray,
        aim_y: FloatArray,
        detected_t: FloatArray,
    ) -> None:
        """Open the missions of batteries ``b`` on targets ``target`` (an element, or ``N +`` an element for
        its parked carriers) in rows ``rows`` with mission ids ``ids``, asked by ``observer``'s report and
        aimed at (``aim_x``, ``aim_y``); ``FireMissionRequested``."""
        s = ctx.state
        f = ctx.world.forces
        m = s.missions
        requested = ctx.t1 + f.liaison_s[f.nation[np.maximum(observer, 0)], f.nation[b]]
        n = len(rows)
        best = target
        m.append(
            rep=rows,
            mission_id=ids,
            firer=b,
            mount=self.battery_mount[b],
            target=best,
            observer=observer,
            detected_t=detected_t,
            requested_t=requested,
            # The firing data are ready after the fire direction delay; a battery still emplacing fires when
            # it is emplaced (docs: emplacement and displacement).
            fire_t=np.maximum(
                requested + self.fire_direction_delay_s[s.battery_task[rows, b]], s.emplaced_at[rows, b]
            ),
            impact_t=np.full(n, np.inf),
            aim_x=aim_x,
            aim_y=aim_y,
            rounds=np.zeros(n),
            stage=np.full(n, STAGE_REQUESTED),
        )
        ctx.emit(
            FireMissionRequested,
            rows,
            requested,
            mission=ids.astype(np.float64),
            side=ctx.sides[f.side[b]],
            observer=ctx.ids[np.maximum(observer, 0)],
            target=target_names(ctx, best),
            battery=ctx.ids[b],
            x_m=aim_x,
            y_m=aim_y,
        )

    def fire_missions(self, ctx: StepContext) -> None:
        s = ctx.state
        f = ctx.world.forces
        m = s.missions
        due = np.flatnonzero((m.stage == STAGE_REQUESTED) & (m.fire_t <= ctx.t1) & (f.w_kind[m.mount] == 1))
        if not len(due):
            return
        rows, b, mount, tgt = m.rep[due], m.firer[due], m.mount[due], m.target[due]
        side = f.side[b]
        live = targets_live(ctx, rows, side, tgt)
        # Aimed where the target is believed to be when the rounds land: its believed position at the fire
        # time, then again after the time of flight to it (dead reckoning; a still target stays put).
        when = m.fire_t[due]
        ax, ay, _ = believed_targets(ctx, rows, side, tgt, when)
        flight = np.hypot(ax - s.x[rows, b], ay - s.y[rows, b]) / f.w_speed[mount]
        ax, ay, located = believed_targets(ctx, rows, side, tgt, when + flight)
        rng = np.hypot(ax - s.x[rows, b], ay - s.y[rows, b])
        in_range = (rng <= f.w_max_range[mount]) & (rng >= f.w_min_range[mount])
        has_ammo = s.ammo[rows, mount] > 0
        tubes = crewed_tubes(ctx, rows, b, mount)
        standing = (s.status[rows, b] == ACTIVE) & ~s.broken[rows, b]
        able = standing & (tubes > 0)
        accepts = np.array([t.danger_close for t in ctx.world.plan.tasks] + [False], dtype=bool)
        clearance = clearance_refusals(ctx, rows, side, mount, ax, ay, accepts[s.battery_task[rows, b]])
        reason = np.where(
            ~able,
            np.where(standing, "no-crew", "battery-out-of-action"),
            np.where(
                ~live,
                "target-lost",
                np.where(~in_range, "out-of-range", np.where(~has_ammo, "no-ammunition", clearance)),
            ),
        )
        refused = reason != ""
        if refused.any():
            rr = due[refused]
            m.stage[rr] = STAGE_DONE
            s.battery_busy_until[rows[refused], b[refused]] = when[refused]
            ctx.emit(
                FireMissionRefused,
                rows[refused],
                when[refused],
                mission=m.mission_id[rr].astype(np.float64),
                battery=ctx.ids[b[refused]],
                target=target_names(ctx, tgt[refused]),
                reason=reason[refused],
            )
        ok = ~refused
        if not ok.any():
            return
        fired = due[ok]
        r_, b_, mt = rows[ok], b[ok], mount[ok]
        # Fire accepted danger close is lifted off the friends nearest the target (docs: fire clearance).
        close = accepts[s.battery_task[r_, b_]]
        if close.any():
            q = np.flatnonzero(ok)[close]
            friend = friendly_ground(ctx, rows[q], side[q])
            ax[q], ay[q] = lift_aim_points(ax[q], ay[q], s.x[rows[q]], s.y[rows[q]], friend)
        # A target located no better than the short fork is adjusted on first: single rounds walked onto it
        # (docs: adjusting rounds), then fire for effect; a well located one gets fire for effect at once.
        adjust = adjusting_rounds(located[ok])
        adjusting = adjust > 0
        volley = tubes[ok] * f.w_rounds_per_mission[mt]
        rounds = np.minimum(s.ammo[r_, mt], np.where(adjusting, adjust, volley))
        flight_s = rng[ok] / f.w_speed[mt]
        # The adjusting rounds land one cycle apart (flight, then the observer's correction); drillsim lands
        # them together at the last one's impact.
        lead = np.where(adjusting, (adjust - 1) * (flight_s + ADJUST_INTERVAL_S), 0.0)
        rate = np.maximum(tubes[ok] * f.w_rate_per_s[mt], 1e-9)
        duration = np.where(adjusting, lead + flight_s + ADJUST_INTERVAL_S + volley / rate, rounds / rate)
        s.battery_busy_until[r_, b_] = when[ok] + duration
        m.aim_x[fired] = ax[ok]
        m.aim_y[fired] = ay[ok]
        m.impact_t[fired] = when[ok] + lead + flight_s
        m.stage[fired] = STAGE_FIRED
        m.fire_phase[fired] = np.where(adjusting, PHASE_ADJUSTING, PHASE_EFFECT)
        np.add.at(s.missions_fired, (r_, side[ok]), 1.0)
        spend_rounds(ctx, fired, rounds, when[ok])

    def fire_for_effect(self, ctx: StepContext, ks: IntArray) -> None:
        """Fire for effect of missions ``ks`` whose adjusting rounds have just landed: aimed at the target's
        true position, where the observer has walked the rounds, with the short fork's error
        (``ADJUSTED_AIM_SD_M`` per axis, stream ``fires/indirect/adjusted`` keyed by mission), fired
        ``ADJUST_INTERVAL_S`` after the last adjusting round landed. A mission whose target or battery is
        out of action, or whose battery has no rounds left, ends there (``FireMissionCompleted``)."""
        s = ctx.state
        f = ctx.world.forces
        m = s.missions
        rows, b, mt, tgt = m.rep[ks], m.firer[ks], m.mount[ks], m.target[ks]
        nx, ny = ctx.streams.normal("fires/indirect/adjusted", ctx.rep(rows), m.mission_id[ks])
        tx, ty = true_targets(ctx, rows, tgt)
        ax = tx + ADJUSTED_AIM_SD_M * nx
        ay = ty + ADJUSTED_AIM_SD_M * ny
        accepts = np.array([t.danger_close for t in ctx.world.plan.tasks] + [False], dtype=bool)
        close = accepts[s.battery_task[rows, b]]
        if close.any():
            friend = friendly_ground(ctx, rows[close], f.side[b[close]])
            ax[close], ay[close] = lift_aim_points(
                ax[close], ay[close], s.x[rows[close]], s.y[rows[close]], friend
            )
        tubes = crewed_tubes(ctx, rows, b, mt)
        volley = tubes * f.w_rounds_per_mission[mt]
        going = (
            (s.status[rows, tgt % f.n] == ACTIVE)
            & (s.status[rows, b] == ACTIVE)
            & ~s.broken[rows, b]
            & (s.ammo[rows, mt] > 0)
            & (tubes > 0)
        )
        rounds = np.where(going, np.minimum(s.ammo[rows, mt], volley), 0.0)
        when = m.impact_t[ks] + ADJUST_INTERVAL_S
        stop = ks[~going]
        if len(stop):
            m.stage[stop] = STAGE_DONE
            s.battery_busy_until[m.rep[stop], m.firer[stop]] = m.impact_t[stop]
            ctx.emit(
                FireMissionCompleted,
                m.rep[stop],
                m.impact_t[stop],
                mission=m.mission_id[stop].astype(np.float64),
                battery=ctx.ids[m.firer[stop]],
                target=target_names(ctx, m.target[stop]),
                casualties=np.zeros(len(stop), dtype=np.int64),
            )
        if not going.any():
            return
        k, r_, b_, mt_ = ks[going], rows[going], b[going], mt[going]
        rng = np.hypot(ax[going] - s.x[r_, b_], ay[going] - s.y[r_, b_])
        effect_s = rounds[going] / np.maximum(tubes[going] * f.w_rate_per_s[mt_], 1e-9)
        s.battery_busy_until[r_, b_] = when[going] + effect_s
        m.aim_x[k] = ax[going]
        m.aim_y[k] = ay[going]
        m.impact_t[k] = when[going] + rng / f.w_speed[mt_]
        m.fire_phase[k] = PHASE_ADJUSTED
        spend_rounds(ctx, k, rounds[going], when[going])

    def land_rounds(self, ctx: StepContext) -> None:
        s = ctx.state
        f = ctx.world.forces
        m = s.missions
        due = np.flatnonzero((m.stage == STAGE_FIRED) & (m.impact_t <= ctx.t1))
        if not len(due):
            return
        np.minimum.at(s.mission_by_side, (m.rep[due], f.side[m.firer[due]]), m.impact_t[due])
        adjusting = m.fire_phase[due] == PHASE_ADJUSTING
        if adjusting.any():
            land_impacts(ctx, due[adjusting], weapon="indirect", adjusting=True)
            self.fire_for_effect(ctx, due[adjusting])
        due = due[~adjusting]
        if not len(due):
            return
        land_impacts(ctx, due, weapon="indirect")
        m.stage[due] = STAGE_DONE
        rows, side = m.rep[due], f.side[m.firer[due]]
        known = np.isfinite(m.detected_t[due])
        np.add.at(s.chain_time_sum, (rows[known], side[known]), (m.impact_t[due] - m.detected_t[due])[known])
        np.add.at(s.chain_count, (rows[known], side[known]), 1.0)

    def leave_fall_of_shot(self, ctx: StepContext) -> None:
        """Elements leaving the fall of shot (``leave_x``, see :func:`react_to_fire`) move one step straight
        towards where they are heading, at their type's speed on foot in the ground under them (a rush: not
        slowed by suppression or slope), and are held from their route meanwhile; an element that gets
        there, or is out of action, broken or mounted, stops leaving and takes up its route again."""
        s = ctx.state
        leaving = ~np.isnan(s.leave_x)
        if not leaving.any():
            return
        f = ctx.world.forces
        rows, elems = np.nonzero(leaving)
        x, y = s.x[rows, elems], s.y[rows, elems]
        speed = f.speed_by_class[elems, ctx.world.movement_class(x, y)]
        step = np.where(speed > 0, speed, CRAWL_SPEED_MPS) * (ctx.t1 - ctx.t0)
        dx, dy = s.leave_x[rows, elems] - x, s.leave_y[rows, elems] - y
        dist = np.hypot(dx, dy)
        frac = np.minimum(step / np.maximum(dist, 1e-9), 1.0)
        s.x[rows, elems] = x + dx * frac
        s.y[rows, elems] = y + dy * frac
        stop = (
            (frac >= 1.0) | (s.status[rows, elems] != ACTIVE) | s.broken[rows, elems] | s.mounted[rows, elems]
        )
        s.leave_x[rows[stop], elems[stop]] = np.nan
        s.leave_y[rows[stop], elems[stop]] = np.nan
        go, ge = rows[~stop], elems[~stop]
        s.held_until[go, ge] = np.maximum(s.held_until[go, ge], ctx.t1 + 0.5 * ctx.world.dt_s)


def spend_rounds(ctx: StepContext, ks: IntArray, rounds: FloatArray, when: FloatArray) -> None:
    """Missions ``ks`` fire ``rounds`` at ``when`` at their aim points: the battery's ammunition
    (``AmmunitionExhausted`` when it runs out), the side's count of rounds, and ``RoundsFired``. A mission
    never fires more than its battery has left: missions of one mount in one call draw on it one after the
    other, and the last volley is cut to what is left."""
    s = ctx.state
    f = ctx.world.forces
    m = s.missions
    r_, b_, mt = m.rep[ks], m.firer[ks], m.mount[ks]
    rounds = np.asarray(rounds, dtype=np.float64).copy()
    empty = np.zeros(len(ks), dtype=bool)
    for level in duplicate_levels(r_, mt, s.ammo.shape[1]):
        rr, mm = r_[level], mt[level]
        rounds[level] = np.clip(rounds[level], 0.0, np.maximum(s.ammo[rr, mm], 0.0))
        s.ammo[rr, mm] -= rounds[level]
        empty[level] = (s.ammo[rr, mm] <= 0) & (rounds[level] > 0)  # this mission fired the last round
    if empty.any():
        ctx.emit(
            AmmunitionExhausted,
            r_[empty],
            when[empty],
            unit=ctx.ids[b_[empty]],
            weapon=np.asarray(f.w_name, dtype=object)[mt[empty]],
        )
    m.rounds[ks] = rounds
    np.add.at(s.rounds_fired, (r_, f.side[b_]), rounds)
    ctx.emit(
        RoundsFired,
        r_,
        when,
        mission=m.mission_id[ks].astype(np.float64),
        battery=ctx.ids[b_],
        rounds=rounds.astype(np.int64),
        x_m=m.aim_x[ks],
        y_m=m.aim_y[ks],
    )


def friendly_ground(ctx: StepContext, rows: IntArray, sides: IntArray) -> BoolArray:
    """(n, N): which elements are active friendly ground troops (the side ``sides[i]`` or an ally; a side
    knows where its own units are) in row ``rows[i]``: those fire clearance keeps fire off."""
    f = ctx.world.forces
    friend: BoolArray = f.allied[sides][:, f.side] & ~f.is_air[None, :] & (ctx.state.status[rows] == ACTIVE)
    return friend


def clearance_refusals(
    ctx: StepContext,
    rows: IntArray,
    side: IntArray,
    mounts: IntArray,
    aim_x: FloatArray,
    aim_y: FloatArray,
    danger_close: BoolArray,
) -> NDArray[np.str_]:
    """Why each aim point may not be fired on: ``"no-fire-area"`` inside a no-fire area, ``"danger-close"``
    when an active friendly ground element (the firer's side or an ally; a side knows where its own units
    are) is within the weapon's safe distance of it and the task does not accept danger-close fire, else
    ``""``."""
    s = ctx.state
    f = ctx.world.forces
    reason = np.full(len(rows), "", dtype=object)
    if not len(rows):
        return reason.astype(str)
    safe = f.w_safe_distance[mounts]
    check = (safe > 0) & ~danger_close
    if check.any():
        q = np.flatnonzero(check)
        friend = friendly_ground(ctx, rows[q], side[q])
        d = np.hypot(s.x[rows[q]] - aim_x[q, None], s.y[rows[q]] - aim_y[q, None])
        close = (friend & (d < safe[q, None])).any(axis=1)
        reason[q[close]] = "danger-close"
    nfa = ctx.world.support.in_no_fire_area(aim_x, aim_y)
    reason[nfa] = "no-fire-area"
    return reason.astype(str)


DUG_IN = (POSTURE_INDEX["hasty-defence"], POSTURE_INDEX["prepared-defence"])
"""Postures of troops in dug positions: the ground's relief adds nothing to their cover, and they stay put
under fire."""
LEAVE_SPREAD_RAD = math.radians(45.0)
"""Troops leaving the fall of shot head away from the aim point turned by up to this angle either way,
uniformly (an assumption, low: the drill has the leader give a direction, and neighbouring units do not
all pick the same one)."""
STAYING_TASKS = ("defend", "fire-support")
"""Tasks whose troops hold their ground under indirect fire rather than leave the fall of shot."""


def relief_exposure(ctx: StepContext, rows: IntArray) -> FloatArray:
    """(rows, N) share of an area weapon's effect the ground lets through to each element's people where
    they stand (:data:`RELIEF_AREA_EXPOSURE` of the terrain class under them); 1 for troops dug in and for
    riders."""
    s = ctx.state
    if (RELIEF_AREA_TABLE[ctx.world.class_lut] == 1.0).all():  # no ground that shields (a flat open area)
        return np.ones(s.x[rows].shape)
    x, y = s.x[rows], s.y[rows]
    relief = RELIEF_AREA_TABLE[ctx.world.movement_class(x, y)]
    keep = np.isin(s.posture[rows], DUG_IN) | s.mounted[rows]
    return np.asarray(np.where(keep, 1.0, relief), dtype=np.float64)


class LeavePlan(NamedTuple):
    """Where each (mission, element) pair would head to leave the fall of shot: whether it leaves, the unit
    vector it heads along, its distance from the aim point and the distance it must reach."""

    leave: BoolArray
    ux: FloatArray
    uy: FloatArray
    distance: FloatArray
    need: FloatArray


def plan_leaving(ctx: StepContext, ks: IntArray, elems: IntArray) -> LeavePlan:
    """For elements ``elems`` under the rounds of missions ``ks`` (one pair each): those free to move
    (active, unbroken, on foot, not dug in, not defending or firing, not held at an obstacle unless already
    leaving) and inside the impact area leave straight away from the mission's aim point until their
    footprint lies outside the circle holding 95 % of the weapon's rounds (:func:`impact_area_radius`);
    from an aim point on their centre, square to the line of fire (to its left). Each turns by its own
    angle within ``LEAVE_SPREAD_RAD`` (stream ``fires/indirect/leave`` keyed by mission and element), so
    elements side by side disperse rather than leave as one."""
    s = ctx.state
    f = ctx.world.forces
    m = s.missions
    rows = m.rep[ks]
    ax, ay = m.aim_x[ks], m.aim_y[ks]
    ex, ey = s.x[rows, elems], s.y[rows, elems]
    staying = np.array([t.kind in STAYING_TASKS for t in ctx.world.plan.tasks] + [False], dtype=bool)
    free = (
        (s.status[rows, elems] == ACTIVE)
        & ~s.broken[rows, elems]
        & ~s.mounted[rows, elems]
        & ~np.isin(s.posture[rows, elems], DUG_IN)
        & ~staying[s.task[rows, elems]]
        & ((s.held_until[rows, elems] <= ctx.t1) | ~np.isnan(s.leave_x[rows, elems]))
    )
    need = impact_area_radius(f.w_dispersion[m.mount[ks]], f.footprint_m[elems])
    d = np.hypot(ex - ax, ey - ay)
    fx, fy = ax - s.x[rows, m.firer[ks]], ay - s.y[rows, m.firer[ks]]
    fl = np.maximum(np.hypot(fx, fy), 1e-9)
    centred = d < 1.0
    vx = np.where(centred, -fy / fl, (ex - ax) / np.maximum(d, 1e-9))
    vy = np.where(centred, fx / fl, (ey - ay) / np.maximum(d, 1e-9))
    u = ctx.streams.uniform("fires/indirect/leave", 0, ctx.rep(rows), m.mission_id[ks], ctx.key(elems))
    turn = (2.0 * u - 1.0) * LEAVE_SPREAD_RAD
    ux = vx * np.cos(turn) - vy * np.sin(turn)
    uy = vx * np.sin(turn) + vy * np.cos(turn)
    return LeavePlan(free & (d < need), ux, uy, d, need)


def react_to_fire(ctx: StepContext, ks: IntArray, elems: IntArray) -> None:
    """Elements ``elems`` came under the rounds of missions ``ks`` (one pair each) and go to ground (they are
    suppressed; later missions find them prone). Those that :func:`plan_leaving` lets leave head out of
    the impact area, moved by :meth:`IndirectFire.leave_fall_of_shot`; the others stay.
    ``UnitReactedToFire`` records which (docs/mechanics/indirect-fire.md, "Leaving the fall of shot")."""
    if not len(ks):
        return
    s = ctx.state
    m = s.missions
    rows, when = m.rep[ks], m.impact_t[ks]
    plan = plan_leaving(ctx, ks, elems)
    leave = plan.leave
    gx = np.where(leave, m.aim_x[ks] + plan.ux * plan.need, s.x[rows, elems])
    gy = np.where(leave, m.aim_y[ks] + plan.uy * plan.need, s.y[rows, elems])
    r_, e_ = rows[leave], elems[leave]
    s.leave_x[r_, e_] = gx[leave]
    s.leave_y[r_, e_] = gy[leave]
    # Movement along the route waits while the element leaves (it is moved by leave_fall_of_shot).
    s.held_until[r_, e_] = np.maximum(s.held_until[r_, e_], ctx.t1 + 0.5 * ctx.world.dt_s)
    ctx.emit(
        UnitReactedToFire,
        rows,
        when,
        mission=m.mission_id[ks].astype(np.float64),
        unit=ctx.ids[elems],
        firer=ctx.ids[m.firer[ks]],
        reaction=np.where(leave, "left", "stayed"),
        x_m=gx,
        y_m=gy,
    )


def later_volleys_on_leavers(
    ctx: StepContext,
    ks: IntArray,
    bursts: tuple[FloatArray, FloatArray],
    spread: FloatArray,
    peak: FloatArray,
    ground: BoolArray,
    exposure: FloatArray,
    guns: IntArray,
    p_first: FloatArray,
) -> FloatArray | None:
    """Probability (missions x elements) that a person is hit by the volleys after the first of
    indirect-fire missions ``ks``, volley by volley, with the elements that the first volley put under fire
    and that :func:`plan_leaving` lets leave moved along their way out: volley ``j`` lands ``j`` intervals
    of a tube's rate of fire after the first, by when an element has rushed ``j`` intervals at its foot
    speed in the ground under it (no farther than its way out). None when no element leaves (then every
    later round finds every element where it stands)."""
    s = ctx.state
    f = ctx.world.forces
    m = s.missions
    rows = m.rep[ks]
    kk, ee = np.nonzero(ground & (p_first > 0.01))
    if not len(kk):
        return None
    plan = plan_leaving(ctx, ks[kk], ee)
    if not plan.leave.any():
        return None
    kk, ee = kk[plan.leave], ee[plan.leave]
    ux, uy = plan.ux[plan.leave], plan.uy[plan.leave]
    way = plan.need[plan.leave] - plan.distance[plan.leave]
    x0, y0 = s.x[rows[kk], ee], s.y[rows[kk], ee]
    speed = f.speed_by_class[ee, ctx.world.movement_class(x0, y0)]
    speed = np.where(speed > 0, speed, CRAWL_SPEED_MPS)
    interval = 1.0 / np.maximum(f.w_rate_per_s[m.mount[ks]], 1e-9)
    rounds = m.rounds[ks].astype(np.int64)
    px, py = bursts
    width = px.shape[1]
    span = int(guns.max())
    keep = np.ones(peak.shape)
    for j in range(1, int(np.ceil(rounds / guns).max())):
        count = np.clip(rounds - j * guns, 0, guns)
        if not count.any():
            break
        pick = np.minimum(j * guns[:, None] + np.arange(span)[None, :], width - 1)
        bx, by = np.take_along_axis(px, pick, axis=1), np.take_along_axis(py, pick, axis=1)
        step = np.minimum(speed * j * interval[kk], way)
        ex, ey = s.x[rows].copy(), s.y[rows].copy()
        ex[kk, ee] = x0 + ux * step
        ey[kk, ee] = y0 + uy * step
        exponents = burst_exponents(ex, ey, bx, by, spread, ground, count)
        keep *= 1.0 - hit_probabilities(np.exp(exponents), peak, spread, exposure, ground, count)
    return np.asarray(1.0 - keep, dtype=np.float64)


GROUND_EXPOSURE = POSTURE_AREA_EXPOSURE["halted"]
"""Area-effect exposure of troops who have gone to ground (prone): those suppressed when the rounds land,
and everyone from a mission's second volley on (docs/mechanics/indirect-fire.md, "Going to ground")."""


def land_impacts(ctx: StepContext, ks: IntArray, *, weapon: str, adjusting: bool = False) -> FloatArray:
    """Land the rounds or bombs of missions ``ks`` (rows of the mission table); returns casualties per
    mission.

    Shared by indirect fire (``weapon="indirect"``) and air strikes (``weapon="air"``): both are area weapons
    whose rounds fall about the believed position.

    Each round falls at the aim point plus a circular normal miss drawn from (replication, mission,
    round), so the fall of shot does not depend on the step or the batch. ``adjusting``: the missions'
    adjusting rounds (fired one at a time, so each is its own volley; their own streams; the mission goes
    on to fire for effect, so it is not completed here). Fire for effect after adjusting rounds finds
    everyone already gone to ground.
    """
    s = ctx.state
    f = ctx.world.forces
    m = s.missions
    rows, mounts, mids = m.rep[ks], m.mount[ks], m.mission_id[ks]
    rounds = m.rounds[ks].astype(np.int64)
    width = max(int(rounds.max()), 1)
    idx = np.arange(width)
    sd = scatter_sd(f.w_dispersion[mounts])
    reps = ctx.rep(rows)
    streams = f"fires/{weapon}/adjust" if adjusting else f"fires/{weapon}"
    nx, ny = ctx.streams.normal(f"{streams}/impact", reps[:, None], mids[:, None], idx[None, :])
    px = m.aim_x[ks][:, None] + sd[:, None] * nx
    py = m.aim_y[ks][:, None] + sd[:, None] * ny
    # Each active ground element's chance of a hit by any round: round_casualty_fraction of each
    # round, combined by hit_probabilities (the compiled batch path of the model).
    ground = (s.status[rows] == ACTIVE) & ~f.is_air[None, :]
    # Broken and mountain ground stop part of the fragments (docs: cover from the ground); people in
    # carriers take the carriers' fragment exposure instead of their posture's.
    relief = relief_exposure(ctx, rows)
    exposure = mounted_area_exposure(ctx, rows, POSTURE_AREA_TABLE[s.posture[rows]] * relief)
    # Troops go to ground under fire: those already suppressed, everyone under fire for effect that
    # adjusting rounds announced, and everyone after the first volley (one round a weapon; an adjusting
    # round is a volley of one) take at most the prone exposure (in their ground).
    down = np.minimum(exposure, GROUND_EXPOSURE * relief)
    cover = 1.0 - f.cover[None, :]
    announced = m.fire_phase[ks] == PHASE_ADJUSTED
    warned = (s.suppressed_until[rows] > m.impact_t[ks][:, None]) | announced[:, None]
    first_exposure = np.where(warned, down, exposure) * cover
    peak, spread = lethal_spread(f.w_lethal_radius[mounts][:, None], f.footprint_m[None, :])
    guns = np.maximum(f.w_count[mounts], 1).astype(np.int64)
    if weapon == "indirect":  # the tubes its people crew when the rounds land (at least one)
        guns = np.maximum(crewed_tubes(ctx, rows, m.firer[ks], mounts), 1).astype(np.int64)
    if adjusting:
        guns = np.ones(len(ks), dtype=np.int64)
    volley = np.minimum(rounds, guns)
    exponents = burst_exponents(s.x[rows], s.y[rows], px, py, spread, ground, volley)
    p_first = hit_probabilities(np.exp(exponents), peak, spread, first_exposure, ground, volley)
    later = rounds - volley
    if later.any():
        # Troops free to move leave the fall of shot after the first volley (docs: leaving the fall of
        # shot): the later volleys find them on their way out.
        p_later = None
        if weapon == "indirect" and not adjusting:
            p_later = later_volleys_on_leavers(
                ctx, ks, (px, py), spread, peak, ground, down * cover, guns, p_first
            )
        if p_later is None:
            shift = np.minimum(volley[:, None] + idx[None, :], width - 1)
            lx, ly = np.take_along_axis(px, shift, axis=1), np.take_along_axis(py, shift, axis=1)
            exponents = burst_exponents(s.x[rows], s.y[rows], lx, ly, spread, ground, later)
            p_later = hit_probabilities(np.exp(exponents), peak, spread, down * cover, ground, later)
        p_any = 1.0 - (1.0 - p_first) * (1.0 - p_later)
    else:
        p_any = p_first
    when = m.impact_t[ks]
    mi, elems = np.nonzero(p_any > 0.0)
    rows_hit = rows[mi]
    # Stochastic: Binomial(n, p_any), given as the hazard -ln(1 - p_any) n; deterministic: n p_any.
    p_hit = np.clip(p_any[mi, elems], 0.0, 1.0 - 1e-12)
    expected = (-np.log1p(-p_hit) if ctx.stochastic else p_hit) * s.strength[rows_hit, elems]
    lost = apply_casualties(
        ctx,
        rows_hit,
        elems,
        expected,
        shooter=m.firer[ks][mi],
        weapon=weapon,
        stream=f"{streams}/casualties",
        time_s=when[mi],
        key=mids[mi],
    )
    total = np.bincount(mi, weights=lost, minlength=len(ks)).astype(np.float64)
    total += destroy_carriers(ctx, ks, (px, py), ground, weapon=weapon, streams=streams)
    hit = p_any[mi, elems] > 0.01
    s.suppressed_until[rows_hit[hit], elems[hit]] = np.maximum(
        s.suppressed_until[rows_hit[hit], elems[hit]], when[mi][hit] + AREA_SUPPRESSION_S
    )
    if weapon == "indirect":
        react_to_fire(ctx, ks[mi[hit]], elems[hit])
    counts = np.rint(total).astype(np.int64)
    ctx.emit(
        RoundsImpacted,
        rows,
        when,
        mission=mids.astype(np.float64),
        firer=ctx.ids[m.firer[ks]],
        target=target_names(ctx, m.target[ks]),
        casualties=counts,
        x_m=m.aim_x[ks],
        y_m=m.aim_y[ks],
    )
    if weapon == "indirect" and not adjusting:
        ctx.emit(
            FireMissionCompleted,
            rows,
            when,
            mission=mids.astype(np.float64),
            battery=ctx.ids[m.firer[ks]],
            target=target_names(ctx, m.target[ks]),
            casualties=counts,
        )
    return np.asarray(total, dtype=np.float64)


def destroy_carriers(
    ctx: StepContext,
    ks: IntArray,
    bursts: tuple[FloatArray, FloatArray],
    ground: BoolArray,
    *,
    weapon: str,
    streams: str = "",
) -> FloatArray:
    """Carriers of elements, ridden or parked where their people left them, destroyed by the rounds of
    missions ``ks`` (bursts at ``bursts``, missions x rounds): each carrier, spread over the element's
    footprint about where the carriers stand, is destroyed with the probability
    :func:`hit_probabilities` gives for the weapon's ``vehicle_lethal_radius_m`` of its class; the number
    destroyed is Binomial(carriers, p) (stream ``<streams>/vehicles``, ``streams`` by default
    ``fires/<weapon>``, keyed by mission). Riders (or a parked carrier's crew) are hit and a mounted unit
    dismounts (:func:`lose_carriers`). Returns the people hit per mission."""
    s = ctx.state
    f = ctx.world.forces
    c = ctx.world.carriers
    out = np.zeros(len(ks))
    if c is None or not c.any:
        return out
    m = s.missions
    streams = streams or f"fires/{weapon}"
    rows, mounts = m.rep[ks], m.mount[ks]
    radius = np.ascontiguousarray(f.w_vehicle_radius[mounts][:, c.armour])  # C order: one compilation
    candidate = ground & (s.carriers_left[rows] > 0) & (radius > 0)
    if not candidate.any():
        return out
    rounds = m.rounds[ks].astype(np.int64)
    peak, spread = lethal_spread(radius, f.footprint_m[None, :])
    cx, cy = carrier_positions(s)  # parked carriers where they were left, not beside their people
    exponents = burst_exponents(cx[rows], cy[rows], bursts[0], bursts[1], spread, candidate, rounds)
    # Carriers dug in beside their people take a share of each burst (docs: vehicle fighting positions).
    exposure = vehicle_position_exposure(ctx, rows, area=True)
    p = hit_probabilities(np.exp(exponents), peak, spread, exposure, candidate, rounds)
    mi, elems = np.nonzero(p > 0.0)
    if not len(mi):
        return out
    left = s.carriers_left[rows[mi], elems]
    if ctx.stochastic:
        u = ctx.streams.uniform(
            f"{streams}/vehicles", 0, ctx.rep(rows[mi]), m.mission_id[ks][mi], ctx.key(elems)
        )
        destroyed = binomial_inverse(u, left, p[mi, elems])
    else:
        destroyed = left * p[mi, elems]
    lost = lose_carriers(
        ctx,
        rows[mi],
        elems,
        destroyed,
        shooter=m.firer[ks][mi],
        cause=np.asarray(f.w_name, dtype=object)[mounts[mi]],
        kind=weapon,
        stream=f"{streams}/vehicles/riders",
        time_s=m.impact_t[ks][mi],
        key=m.mission_id[ks][mi],
    )
    np.add.at(out, mi, lost)
    return out
