"""Fire support: the call-for-fire chain of indirect fire, and air strikes by sorties from airbases.

Indirect fire, link by link (each link's start and end is an event):

1. an observer detects an enemy (``ContactDetected``) and its report enters the side's picture
   (``ContactReported``);
2. a battery under a fire-support task takes a request for a contact that an allowed observer reported,
   that is fresh, in range and not already engaged (``FireMissionRequested``, after the liaison delay when
   observer and battery are of different nations);
3. the fire direction centre turns it into firing data (its delay); then the mission is refused if the
   contact has been lost, the target is out of range or ammunition is gone (``FireMissionRefused``), or
   the battery fires (``RoundsFired``) at the contact's *believed* position;
4. rounds fly (range / average projectile speed) and land scattered about the aim point
   (``RoundsImpacted``), causing casualties by the lethal-area model of :mod:`drillsim.fires.area`;
5. the assessment closes the mission (``FireMissionCompleted``).

Air strikes: aircraft under a strike task take a target (a fixed point, or the side's best-located
contact), wait the tasking delay, take off (``SortieLaunched``), fly to the target's believed position,
release weapons if the contact is still held (``WeaponsReleased``, ``RoundsImpacted``) or abort after
their time on station (``StrikeAborted``), fly home (``SortieRecovered``) and turn around.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from drillsim.engine.combat import apply_casualties
from drillsim.engine.command import set_routes
from drillsim.engine.context import StepContext
from drillsim.engine.state import (
    ACTIVE,
    AIR_INBOUND,
    AIR_ON_STATION,
    AIR_OUTBOUND,
    AIR_READY,
    AIR_TURNAROUND,
    AIR_WAITING,
    Picture,
)
from drillsim.fires.area import POSTURE_AREA_TABLE, round_casualty_fraction, scatter_sd
from drillsim.orders.plan import CompiledTask

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

FRESH_CONTACT_S = 600.0
"""A contact older than this is not worth a fire mission."""
REQUEST_INTERVAL_S = 600.0
"""A side does not ask for fire on the same contact again sooner than this."""
AREA_SUPPRESSION_S = 180.0
STATION_RADIUS_M = 1500.0

STAGE_REQUESTED = 0
STAGE_FIRED = 1
STAGE_DONE = 2


class FireSupport:
    """Per-simulation constants and memory for fire missions and strikes."""

    def __init__(self, ctx: StepContext) -> None:
        f = ctx.world.forces
        self.indirect = np.flatnonzero(f.w_kind == 1)
        self.air = np.flatnonzero(f.w_kind == 2)
        self.battery_mount = np.full(f.n, -1, dtype=np.int64)
        for m in self.indirect:
            if self.battery_mount[f.w_elem[m]] < 0:
                self.battery_mount[f.w_elem[m]] = m
        self.air_mounts: dict[int, IntArray] = {}
        for m in self.air:
            self.air_mounts.setdefault(int(f.w_elem[m]), np.zeros(0, dtype=np.int64))
            self.air_mounts[int(f.w_elem[m])] = np.append(self.air_mounts[int(f.w_elem[m])], m)
        self.batteries = np.flatnonzero(self.battery_mount >= 0)
        self.last_request = np.full((ctx.state.r, len(f.side_names), f.n), -np.inf)
        plan = ctx.world.plan
        self.observer_ok: dict[int, NDArray[np.bool_]] = {}
        for task in plan.tasks:
            if task.kind == "fire-support":
                ok = np.zeros(f.n, dtype=bool)
                if len(task.observers):
                    ok[task.observers] = True
                else:
                    ok[:] = True
                self.observer_ok[task.index] = ok

    # --- indirect fire ------------------------------------------------------------------------------

    def request_missions(self, ctx: StepContext) -> None:
        s = ctx.state
        f = ctx.world.forces
        pic = s.picture
        plan = ctx.world.plan
        m = s.missions
        engaged = np.zeros((s.r, len(f.side_names), f.n), dtype=bool)
        open_ = m.stage < STAGE_DONE
        if open_.any():
            engaged[m.rep[open_], f.side[m.firer[open_]], m.target[open_]] = True
        for b in self.batteries:
            mount = self.battery_mount[b]
            side = f.side[b]
            free = (
                (s.battery_task[:, b] >= 0)
                & (s.status[:, b] == ACTIVE)
                & ~s.broken[:, b]
                & (s.battery_busy_until[:, b] <= ctx.t1)
                & (s.missions_left[:, b] > 0)
                & (s.ammo[:, mount] > 0)
            )
            rows = np.flatnonzero(free)
            if not len(rows):
                continue
            obs_by = pic.seen_by[rows, side, :]
            task_of = s.battery_task[rows, b]
            allowed_obs = np.stack([self.observer_ok[int(t)] for t in task_of])  # (rows, N)
            observer_ok = (obs_by >= 0) & np.take_along_axis(allowed_obs, np.maximum(obs_by, 0), axis=1)
            d = np.hypot(
                pic.known_x[rows, side, :] - s.x[rows, b][:, None],
                pic.known_y[rows, side, :] - s.y[rows, b][:, None],
            )
            cand = (
                pic.known_live[rows, side, :]
                & observer_ok
                & f.hostile[side][f.side][None, :]
                & ~f.is_air[None, :]
                & ((ctx.t1 - pic.known_t[rows, side, :]) <= FRESH_CONTACT_S)
                & (d <= f.w_max_range[mount])
                & (d >= f.w_min_range[mount])
                & ~engaged[rows, side, :]
                & ((ctx.t1 - self.last_request[rows, side, :]) >= REQUEST_INTERVAL_S)
                & (s.status[rows, :] == ACTIVE)
            )
            score = np.where(cand, pic.known_err[rows, side, :] + 1e-3 * d, np.inf)
            best = np.argmin(score, axis=1)
            got = np.isfinite(score[np.arange(len(rows)), best])
            rows, best, task_of = rows[got], best[got], task_of[got]
            if not len(rows):
                continue
            engaged[rows, side, best] = True
            self.last_request[rows, side, best] = ctx.t1
            observer = pic.seen_by[rows, side, best]
            liaison = f.liaison_s[f.nation[np.maximum(observer, 0)], f.nation[b]]
            requested = ctx.t1 + liaison
            fdc = np.array([plan.tasks[int(t)].fire_direction_delay_s for t in task_of])
            ids = s.next_mission_id[rows].copy()
            s.next_mission_id[rows] += 1
            s.missions_left[rows, b] -= 1
            s.battery_busy_until[rows, b] = np.inf  # until it has fired
            m.append(
                rep=rows,
                mission_id=ids,
                firer=np.full(len(rows), b),
                mount=np.full(len(rows), mount),
                target=best,
                observer=observer,
                detected_t=pic.episode_t[rows, side, best],
                requested_t=requested,
                fire_t=requested + fdc,
                impact_t=np.full(len(rows), np.inf),
                aim_x=pic.known_x[rows, side, best],
                aim_y=pic.known_y[rows, side, best],
                rounds=np.zeros(len(rows)),
                stage=np.full(len(rows), STAGE_REQUESTED),
            )
            ctx.emit(
                "FireMissionRequested",
                rows,
                requested,
                value=ids.astype(np.float64),
                side=ctx.sides[side],
                unit=ctx.ids[np.maximum(observer, 0)],
                other=ctx.ids[best],
                detail=ctx.ids[b],
                x_m=pic.known_x[rows, side, best],
                y_m=pic.known_y[rows, side, best],
            )

    def fire_missions(self, ctx: StepContext) -> None:
        s = ctx.state
        f = ctx.world.forces
        m = s.missions
        pic = s.picture
        due = np.flatnonzero((m.stage == STAGE_REQUESTED) & (m.fire_t <= ctx.t1) & (f.w_kind[m.mount] == 1))
        if not len(due):
            return
        rows, b, mount, tgt = m.rep[due], m.firer[due], m.mount[due], m.target[due]
        side = f.side[b]
        live = pic.known_live[rows, side, tgt] & (s.status[rows, tgt] == ACTIVE)
        ax, ay = pic.known_x[rows, side, tgt], pic.known_y[rows, side, tgt]
        rng = np.hypot(ax - s.x[rows, b], ay - s.y[rows, b])
        in_range = (rng <= f.w_max_range[mount]) & (rng >= f.w_min_range[mount])
        has_ammo = s.ammo[rows, mount] > 0
        able = (s.status[rows, b] == ACTIVE) & ~s.broken[rows, b]
        reason = np.where(
            ~able,
            "battery-out-of-action",
            np.where(
                ~live,
                "target-lost",
                np.where(~in_range, "out-of-range", np.where(~has_ammo, "no-ammunition", "")),
            ),
        )
        refused = reason != ""
        when = m.fire_t[due]
        if refused.any():
            rr = due[refused]
            m.stage[rr] = STAGE_DONE
            s.battery_busy_until[rows[refused], b[refused]] = when[refused]
            ctx.emit(
                "FireMissionRefused",
                rows[refused],
                when[refused],
                value=m.mission_id[rr].astype(np.float64),
                unit=ctx.ids[b[refused]],
                other=ctx.ids[tgt[refused]],
                detail=reason[refused],
            )
        ok = ~refused
        if not ok.any():
            return
        fired = due[ok]
        r_, b_, mt = rows[ok], b[ok], mount[ok]
        rounds = np.minimum(s.ammo[r_, mt], f.w_count[mt] * f.w_rounds_per_mission[mt])
        s.ammo[r_, mt] -= rounds
        duration = rounds / np.maximum(f.w_count[mt] * f.w_rate_per_s[mt], 1e-9)
        s.battery_busy_until[r_, b_] = when[ok] + duration
        m.rounds[fired] = rounds
        m.aim_x[fired] = ax[ok]
        m.aim_y[fired] = ay[ok]
        m.impact_t[fired] = when[ok] + rng[ok] / f.w_speed[mt]
        m.stage[fired] = STAGE_FIRED
        np.add.at(s.rounds_fired, (r_, side[ok]), rounds)
        np.add.at(s.missions_fired, (r_, side[ok]), 1.0)
        ctx.emit(
            "RoundsFired",
            r_,
            when[ok],
            value=m.mission_id[fired].astype(np.float64),
            unit=ctx.ids[b_],
            count=rounds.astype(np.int64),
            x_m=ax[ok],
            y_m=ay[ok],
        )

    def land_rounds(self, ctx: StepContext) -> None:
        s = ctx.state
        f = ctx.world.forces
        m = s.missions
        due = np.flatnonzero((m.stage == STAGE_FIRED) & (m.impact_t <= ctx.t1))
        if not len(due):
            return
        self._impact(ctx, due, weapon="indirect")
        m.stage[due] = STAGE_DONE
        rows, side = m.rep[due], f.side[m.firer[due]]
        np.minimum.at(s.mission_by_side, (rows, side), m.impact_t[due])
        known = np.isfinite(m.detected_t[due])
        np.add.at(s.chain_time_sum, (rows[known], side[known]), (m.impact_t[due] - m.detected_t[due])[known])
        np.add.at(s.chain_count, (rows[known], side[known]), 1.0)

    def _impact(self, ctx: StepContext, ks: IntArray, *, weapon: str) -> FloatArray:
        """Land the rounds of missions ``ks`` (rows of the mission table); returns casualties per mission.

        Each round falls at the aim point plus a circular normal miss drawn from (replication, mission,
        round), so the fall of shot does not depend on the step or the batch.
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
        nx, ny = ctx.streams.normal(f"fires/{weapon}/impact", reps[:, None], mids[:, None], idx[None, :])
        valid = idx[None, :] < rounds[:, None]
        px = m.aim_x[ks][:, None] + sd[:, None] * nx
        py = m.aim_y[ks][:, None] + sd[:, None] * ny
        ground = (s.status[rows] == ACTIVE) & ~f.is_air[None, :]
        d = np.hypot(s.x[rows][:, :, None] - px[:, None, :], s.y[rows][:, :, None] - py[:, None, :])
        exposure = POSTURE_AREA_TABLE[s.posture[rows]] * (1.0 - f.cover[None, :])
        frac = round_casualty_fraction(
            d, f.w_lethal_radius[mounts][:, None, None], f.footprint_m[None, :, None], exposure[:, :, None]
        )
        frac = np.where(valid[:, None, :], frac, 0.0)
        p_any = np.where(ground, 1.0 - np.prod(1.0 - frac, axis=2), 0.0)
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
            stream=f"fires/{weapon}/casualties",
            time_s=when[mi],
            key=mids[mi],
        )
        total = np.bincount(mi, weights=lost, minlength=len(ks))
        hit = p_any[mi, elems] > 0.01
        s.suppressed_until[rows_hit[hit], elems[hit]] = np.maximum(
            s.suppressed_until[rows_hit[hit], elems[hit]], when[mi][hit] + AREA_SUPPRESSION_S
        )
        counts = np.rint(total).astype(np.int64)
        ctx.emit(
            "RoundsImpacted",
            rows,
            when,
            value=mids.astype(np.float64),
            unit=ctx.ids[m.firer[ks]],
            other=ctx.ids[m.target[ks]],
            count=counts,
            x_m=m.aim_x[ks],
            y_m=m.aim_y[ks],
        )
        if weapon == "indirect":
            ctx.emit(
                "FireMissionCompleted",
                rows,
                when,
                value=mids.astype(np.float64),
                unit=ctx.ids[m.firer[ks]],
                other=ctx.ids[m.target[ks]],
                count=counts,
            )
        return np.asarray(total, dtype=np.float64)

    # --- air strikes ---------------------------------------------------------------------------------

    def fly_strikes(self, ctx: StepContext) -> None:
        s = ctx.state
        f = ctx.world.forces
        plan = ctx.world.plan
        pic = s.picture
        t1 = ctx.t1
        for e, mounts in self.air_mounts.items():
            side = int(f.side[e])
            task_idx = s.task[:, e]
            striking = (task_idx >= 0) & (s.status[:, e] == ACTIVE)
            if not striking.any():
                continue
            for row in np.flatnonzero(striking):
                task = plan.tasks[int(task_idx[row])]
                if task.kind != "strike":
                    continue
                self._strike_row(ctx, int(row), e, side, task, mounts, pic, t1)

    def _strike_row(
        self,
        ctx: StepContext,
        row: int,
        e: int,
        side: int,
        task: CompiledTask,
        mounts: IntArray,
        pic: Picture,
        t1: float,
    ) -> None:
        s = ctx.state
        f = ctx.world.forces
        m = s.missions
        phase = int(s.air_phase[row, e])
        one = np.array([row])
        if phase == AIR_READY and s.sorties_left[row, e] > 0:
            fixed = task.waypoints.shape[1] > 0
            if fixed:
                tgt = -1
                ax, ay = (float(v) for v in task.waypoints[0, -1])
            else:
                hostile = f.hostile[side][f.side] & ~f.is_air & (s.status[row] == ACTIVE)
                live = pic.known_live[row, side] & hostile
                if not live.any():
                    return
                score = np.where(live, pic.known_err[row, side], np.inf)
                tgt = int(np.argmin(score))
                ax, ay = float(pic.known_x[row, side, tgt]), float(pic.known_y[row, side, tgt])
            mid = int(s.next_mission_id[row])
            s.next_mission_id[row] += 1
            mount = (
                int(mounts[0])
                if task.weapon is None
                else int(next((mm for mm in mounts if f.w_name[mm] == task.weapon), mounts[0]))
            )
            m.append(
                rep=one,
                mission_id=np.array([mid]),
                firer=np.array([e]),
                mount=np.array([mount]),
                target=np.array([max(tgt, 0)]),
                observer=np.array([-1]),
                detected_t=np.array([pic.episode_t[row, side, tgt] if tgt >= 0 else np.inf]),
                requested_t=np.array([t1]),
                fire_t=np.array([np.inf]),
                impact_t=np.array([np.inf]),
                aim_x=np.array([ax]),
                aim_y=np.array([ay]),
                rounds=np.array([0.0]),
                stage=np.array([STAGE_REQUESTED]),
            )
            s.strike_target[row, e] = tgt
            s.strike_mission[row, e] = len(m) - 1
            s.air_phase[row, e] = AIR_WAITING
            s.air_until[row, e] = t1 + task.tasking_delay_s
            ctx.emit(
                "StrikeRequested",
                one,
                t1,
                value=float(mid),
                side=ctx.sides[side],
                unit=ctx.ids[e],
                other=ctx.ids[tgt] if tgt >= 0 else None,
            )
            return
        k = int(s.strike_mission[row, e])
        if phase == AIR_WAITING and t1 >= s.air_until[row, e]:
            s.air_phase[row, e] = AIR_OUTBOUND
            s.airborne_since[row, e] = s.air_until[row, e]
            s.sorties_flown[row, side] += 1
            home = ctx.world.scenario.units[f.group_of[e]].home or ""
            ctx.emit(
                "SortieLaunched",
                one,
                float(s.air_until[row, e]),
                value=float(m.mission_id[k]),
                unit=ctx.ids[e],
                detail=home,
            )
            set_routes(ctx, one, np.array([e]), np.array([[m.aim_x[k], m.aim_y[k]]]))
            return
        if phase == AIR_OUTBOUND:
            tgt = int(s.strike_target[row, e])
            if tgt >= 0 and pic.known_live[row, side, tgt]:
                m.aim_x[k], m.aim_y[k] = pic.known_x[row, side, tgt], pic.known_y[row, side, tgt]
                s.route_x[row, e, 0], s.route_y[row, e, 0] = m.aim_x[k], m.aim_y[k]
                s.route_len[row, e], s.route_i[row, e] = 1, 0
            if np.hypot(s.x[row, e] - m.aim_x[k], s.y[row, e] - m.aim_y[k]) <= STATION_RADIUS_M:
                s.air_phase[row, e] = AIR_ON_STATION
                s.air_until[row, e] = t1 + task.time_on_station_s
            return
        if phase == AIR_ON_STATION:
            tgt = int(s.strike_target[row, e])
            located = tgt < 0 or bool(pic.known_live[row, side, tgt] and s.status[row, tgt] == ACTIVE)
            if located:
                if tgt >= 0:
                    m.aim_x[k], m.aim_y[k] = pic.known_x[row, side, tgt], pic.known_y[row, side, tgt]
                mount = int(m.mount[k])
                weapons = float(f.w_count[mount] * f.w_rounds_per_mission[mount])
                m.rounds[k] = weapons
                m.fire_t[k] = m.impact_t[k] = t1
                ctx.emit(
                    "WeaponsReleased",
                    one,
                    t1,
                    value=float(m.mission_id[k]),
                    unit=ctx.ids[e],
                    other=ctx.ids[tgt] if tgt >= 0 else None,
                    count=int(weapons),
                    x_m=float(m.aim_x[k]),
                    y_m=float(m.aim_y[k]),
                )
                self._impact(ctx, np.array([k]), weapon="air")
                m.stage[k] = STAGE_DONE
                s.strike_by_side[row, side] = min(s.strike_by_side[row, side], t1)
                if np.isfinite(m.detected_t[k]):
                    s.chain_time_sum[row, side] += t1 - float(m.detected_t[k])
                    s.chain_count[row, side] += 1.0
            elif t1 >= s.air_until[row, e]:
                m.stage[k] = STAGE_DONE
                ctx.emit(
                    "StrikeAborted",
                    one,
                    t1,
                    value=float(m.mission_id[k]),
                    unit=ctx.ids[e],
                    detail="target-lost",
                )
            else:
                return
            s.air_phase[row, e] = AIR_INBOUND
            set_routes(ctx, one, np.array([e]), np.array([[f.home_x[e], f.home_y[e]]]))
            return
        if phase == AIR_INBOUND and s.route_i[row, e] >= s.route_len[row, e]:
            s.air_phase[row, e] = AIR_TURNAROUND
            s.air_until[row, e] = t1 + f.turnaround_s[e]
            s.sorties_left[row, e] -= 1
            s.airborne_since[row, e] = np.inf
            ctx.emit("SortieRecovered", one, t1, value=float(m.mission_id[k]), unit=ctx.ids[e])
            return
        if phase == AIR_TURNAROUND and t1 >= s.air_until[row, e]:
            s.air_phase[row, e] = AIR_READY
