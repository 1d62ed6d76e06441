"""Sensing and the pictures: detections, reports over communications, ageing of contacts.

Each step every sensor looks at every hostile ground element within its range (pairs culled by distance);
the detection hazard comes from :func:`drillsim.mechanics.sensing.model.detection_rate` with the target's
signature,
posture and concealment and the light; line of sight over the terrain gates sensors that need it. Sensors
also look at hostile aircraft in flight, with their ranges stretched by the aircraft's sighting factor
(:func:`drillsim.mechanics.sensing.passes.detect_aircraft`); air-defence elements track aircraft
themselves and write what they track into the pictures with :func:`record_sightings`. A
detection writes the target's *believed* position (true position plus a normal error that grows with
range) into the side's ``seen`` layer at once, and schedules a report into the shared ``known`` layer of
the side and its allies after the communications latency. Contacts older than the side's timeout are lost,
contacts on aircraft sooner (:func:`contact_lives`).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from drillsim.core.compiled import plain, run_per_row
from drillsim.core.random import draw_key, stream_id
from drillsim.events.types import CarrierSighted, ContactDetected, ContactLost, ContactReported, ReportExpired
from drillsim.geo.terrain import EFFECTIVE_EARTH_RADIUS_M, SightGrid
from drillsim.mechanics.sensing.model import (
    POSTURE_DETECTABILITY_TABLE,
    SIGHTING_RANGE_FACTOR,
    aircraft_contact_life,
    detection_probability,
    light_factor,
    position_error_sd,
)
from drillsim.mechanics.sensing.passes import (
    Candidates,
    Detections,
    Found,
    LightTable,
    Looks,
    Reporting,
    SensorTable,
    Sky,
    bound_tables,
    deliver_due_reports,
    detect_aircraft,
    detect_pairs,
    informant_reports,
    located_fraction_table,
    pick_detections,
    record_detections,
    who_looks,
)
from drillsim.mechanics.transport import parked_away
from drillsim.state.batch import ACTIVE, AIR_INBOUND, AIR_OUTBOUND
from drillsim.state.context import StepContext
from drillsim.state.reckoning import VELOCITY_ERROR_SHARE
from drillsim.world.forces import POSTURE_INDEX

__all__ = [
    "Sensing",
    "Sightings",
    "contact_lives",
    "deliver_reports",
    "located_fractions",
    "record_sightings",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

INFORMANT_RATE_PER_S = 1.0 / 3600.0
"""Rate at which full population support reports each hostile unit to the supported side."""
INFORMANT_ERROR_M = 500.0
HEARING_RATE_PER_S = 1.0 / 60.0
"""Rate at which a ground element hears an aircraft within its audible range (assumption: within a minute)."""
HEARING_ERROR_SHARE = 0.5
"""A heard aircraft's position error (standard deviation per axis) as a share of its audible range
(assumption: hearing gives a direction and a rough distance)."""
_HEARING = -2
_HALTED = POSTURE_INDEX["halted"]
"""The mount of a detection by ear (-1: informants)."""
SIGHT_SAMPLES = 24
"""Points at which a sight line is tested against the ground (see :meth:`Terrain.line_of_sight`)."""
CONCEALMENT_FROM_SUPPORT = 0.5
"""Full population support halves an irregular element's signature."""


def _mount_table(ctx: StepContext) -> IntArray:
    f = ctx.world.forces
    counts = np.bincount(f.s_elem, minlength=f.n) if len(f.s_elem) else np.zeros(f.n, dtype=np.int64)
    k = int(counts.max()) if len(counts) and counts.max() > 0 else 1
    table = np.full((f.n, k), -1, dtype=np.int64)
    fill = np.zeros(f.n, dtype=np.int64)
    for m, e in enumerate(f.s_elem):
        table[e, fill[e]] = m
        fill[e] += 1
    return table


class Sensing:
    """Per-simulation constants for sensing, computed once."""

    def __init__(self, ctx: StepContext) -> None:
        f = ctx.world.forces
        self.mounts = _mount_table(ctx)
        self.max_range = np.zeros(f.n)
        if len(f.s_elem):
            np.maximum.at(self.max_range, f.s_elem, f.s_max_range)
        self.observers = np.flatnonzero(self.max_range > 0)
        self.targets = np.flatnonzero(~f.is_air)
        self.aircraft = np.flatnonzero(f.is_air)
        self.hostile = np.ascontiguousarray(f.hostile)
        self.observer_factor = 0.5 + 0.5 * f.training
        self.capacity = 16
        """Room per replication for one step's detections; grows as needed."""
        env = ctx.world.scenario.environment
        self.visibility = float(env.visibility_m)
        support = env.population
        self.concealment = np.ones(f.n)
        self.informed_side = -1
        self.support = float(support.level)
        if support.supports is not None:
            side = list(ctx.world.scenario.sides).index(support.supports)
            self.informed_side = side
            if f.irregular[side]:
                self.concealment[f.side == side] = 1.0 - CONCEALMENT_FROM_SUPPORT * self.support
        self.reach = float(self.max_range.max()) if len(self.max_range) else 0.0
        """The grid cell of :func:`detect_pairs`: the longest sensor range."""
        self._by_light: dict[tuple[int, float], LightTable] = {}
        """Per (light level, step length): the mounts' rates and the observers' bound tables."""
        self._head = np.zeros(0, dtype=np.int64)
        self._tail = np.zeros(0, dtype=np.int64)
        """-1 per (row, side, target): room for :func:`pick_detections`."""
        self.informed_targets: IntArray | None = None
        """Ground elements hostile to the side the population informs (None when none informs)."""
        if self.informed_side >= 0 and (f.side == self.informed_side).any():
            self.informed_targets = np.flatnonzero(f.enemy_ground[self.informed_side])
        self.flat = float(np.ptp(ctx.world.terrain.elevation_m)) == 0.0
        self.table = SensorTable(
            self.observers,
            self.targets,
            self.max_range,
            f.side,
            self.hostile,
            self.mounts,
            f.s_range_scale,
            f.s_max_range,
            f.s_needs_los,
            f.s_position_error,
            self.observer_factor,
            self.reach,
            self.visibility,
            not self.flat,
        )
        """The static arguments of the pair search, built once."""
        terrain = ctx.world.terrain
        self.sight = SightGrid(
            terrain.elevation_m,
            terrain.x0_m,
            terrain.y0_m,
            terrain.cell_m,
            SIGHT_SAMPLES,
            EFFECTIVE_EARTH_RADIUS_M,
        )
        """The terrain as the pick of detections tests lines of sight over it."""
        self.reporting = Reporting(f.contact_timeout_s, f.allied, f.comms_latency_s)
        looks = np.ones(f.n, dtype=bool)
        looks[f.w_elem[f.air_defence_mounts()]] = False  # air defence tracks aircraft itself
        self.sky = Sky(
            self.aircraft,
            np.array([SIGHTING_RANGE_FACTOR[f.signature_class[e]] for e in self.aircraft]),
            f.signature[self.aircraft].astype(np.float64),
            looks,
        )
        """The aircraft the sensors look for, and which elements look for them here."""
        self.air_capacity = 4
        """Room per replication for one step's detections of aircraft; grows as needed."""
        self._buffers: Looks | None = None
        """Who looks and who can be seen, written each step (:func:`who_looks`)."""
        self.parked: SensorTable | None = None
        """The pair search's table for parked carriers: the same observers, and as targets ``n + e`` the
        carriers of element ``e`` (positions, sides and factors laid out over 2N columns); None when no
        element has carriers or no one has a sensor."""
        c = ctx.world.carriers
        if c is not None and c.any and len(self.observers):
            n = f.n
            self.parked = self.table._replace(
                targets=n + np.flatnonzero(c.has & ~f.is_air),
                max_range=np.concatenate((self.max_range, np.zeros(n))),
                side=np.concatenate((f.side, f.side)),
                mounts=np.concatenate((self.mounts, np.full_like(self.mounts, -1))),
                observer_factor=np.concatenate((self.observer_factor, self.observer_factor)),
            )
            # Seen halted, with the concealment of their element's side.
            self.parked_factor = c.signature * POSTURE_DETECTABILITY_TABLE[_HALTED] * self.concealment
            self.parked_keys = np.concatenate((f.draw_key, f.draw_key))
        self.parked_capacity = 4
        """Room per replication for one step's detections of parked carriers; grows as needed."""
        self._parked_head = np.zeros(0, dtype=np.int64)
        self._parked_tail = np.zeros(0, dtype=np.int64)

    def detect(self, ctx: StepContext) -> None:
        s = ctx.state
        f = ctx.world.forces
        looks = self._looks(s.status.shape)
        any_flying = who_looks(
            s.status,
            s.air_phase,
            s.posture,
            self.aircraft,
            f.signature,
            POSTURE_DETECTABILITY_TABLE,
            self.concealment,
            plain(looks),
        )
        source_ok, target_ok, target_factor, flying = looks
        air = self.aircraft
        level = int(ctx.world.light_by_hour[min(int(ctx.t0 // 3600), len(ctx.world.light_by_hour) - 1)])
        light = self._light(ctx, level)
        self.detect_parked(ctx, source_ok, light)
        rows, i, j, slant, best, best_clear, needs_los = self._pairs(
            ctx, source_ok, target_ok, target_factor, light
        )
        stretch = np.ones(len(rows))  # each pair's multiplier on its sensors' range scales
        if any_flying and len(self.observers):
            ar, ai, aj, a_slant, a_best, a_clear, a_los = self._aircraft_pairs(ctx, source_ok, flying, light)
            if len(ar):
                rows, i, j = np.concatenate([rows, ar]), np.concatenate([i, ai]), np.concatenate([j, aj])
                slant = np.concatenate([slant, a_slant])
                best, best_clear = np.concatenate([best, a_best]), np.concatenate([best_clear, a_clear])
                needs_los = np.concatenate([needs_los, a_los])
                stretch = np.concatenate([stretch, self.sky.sighting[np.searchsorted(air, aj)]])
        # Each pair's position error with its best mount (line of sight clear) and with its best mount
        # needing none (blocked; infinite where there is none).
        sd = position_error_sd(slant, f.s_position_error[best], f.s_range_scale[best] * stretch)
        fallback = np.maximum(best_clear, 0)
        sd_blocked = np.where(
            best_clear >= 0,
            position_error_sd(slant, f.s_position_error[fallback], f.s_range_scale[fallback] * stretch),
            np.inf,
        )
        observer = i
        side_of_obs = f.side[i]
        n_pairs = len(rows)
        # Population support: informants report hostile units to the supported side.
        if self.informed_side >= 0 and self.support > 0 and self.informed_targets is not None:
            known = self.informed_targets
            p = detection_probability(self.support * INFORMANT_RATE_PER_S * f.signature[known], ctx.dt)
            args = (
                np.ascontiguousarray(target_ok),
                known,
                p,
                np.uint64(ctx.streams.seed & 0xFFFFFFFFFFFFFFFF),
                np.int64(stream_id("sensors/informants")),
                np.int64(ctx.step),
                ctx.state.replications,
                f.draw_key,
            )
            (rr, jj), _ = run_per_row(informant_reports, args, (np.int64,), s.r, len(known))
            if len(rr):
                rows = np.concatenate([rows, rr])
                j = np.concatenate([j, jj])
                observer = np.concatenate([observer, np.full(len(rr), -1, dtype=np.int64)])
                sd = np.concatenate([sd, np.full(len(rr), INFORMANT_ERROR_M)])
                side_of_obs = np.concatenate(
                    [side_of_obs, np.full(len(rr), self.informed_side, dtype=np.int64)]
                )
        n_told = len(rows)
        heard = self._hearing(ctx)
        if heard is not None:
            hr, hl, ha, hsd = heard
            rows, j, observer = (
                np.concatenate([rows, hr]),
                np.concatenate([j, ha]),
                np.concatenate([observer, hl]),
            )
            sd = np.concatenate([sd, hsd])
            side_of_obs = np.concatenate([side_of_obs, f.side[hl]])
        if not len(rows):
            return
        # One detection per (row, side, target), the most precise; lines of sight checked only as needed.
        n, ns = f.n, len(f.side_names)
        if len(self._head) != s.r * ns * n:
            self._head = np.full(s.r * ns * n, -1, dtype=np.int64)
            self._tail = np.full(s.r * ns * n, -1, dtype=np.int64)
        entries = Candidates(
            (rows * ns + side_of_obs) * n + j, observer, j, rows, sd, sd_blocked, needs_los, n_pairs
        )
        keep, clear = pick_detections(
            entries, s.x, s.y, s.air_altitude, self.sight, not self.flat, self._head, self._tail
        )
        pick = np.flatnonzero(keep)
        sensor_pick = pick[pick < n_pairs]
        mount = np.where(pick >= n_told, _HEARING, -1)  # -1: informants, -2: hearing
        blocked = ~clear[sensor_pick]
        mount[: len(sensor_pick)] = np.where(blocked, best_clear[sensor_pick], best[sensor_pick])
        precise = np.where(blocked, sd_blocked[sensor_pick], sd[sensor_pick])
        sd_pick = np.concatenate([precise, sd[pick[len(sensor_pick) :]]])
        ident = np.zeros(len(pick), dtype=bool)
        ident[: len(sensor_pick)] = f.s_identifies[mount[: len(sensor_pick)]]
        record_sightings(
            ctx,
            self.reporting,
            Sightings(rows[pick], side_of_obs[pick], observer[pick], j[pick], sd_pick, ident, mount),
        )

    def detect_parked(self, ctx: StepContext, source_ok: NDArray[np.bool_], light: LightTable) -> None:
        """Sensors look at the carriers parked away from their people (:func:`parked_away`) as targets of
        their own, by the same pair search, hazard and lines of sight as for elements (stream
        ``sensors/parked``), with the carriers' ``signature`` seen halted; each side keeps its most precise
        sighting of each element's carriers in its picture's carrier layer (``CarrierSighted`` for a new
        contact)."""
        table = self.parked
        if table is None:
            return
        s = ctx.state
        f = ctx.world.forces
        away = parked_away(ctx) & (s.status == ACTIVE)
        if not away.any():
            return
        n, ns = f.n, len(f.side_names)
        x = np.concatenate((s.x, np.where(away, s.parked_x, s.x)), axis=1)
        y = np.concatenate((s.y, np.where(away, s.parked_y, s.y)), axis=1)
        altitude = np.concatenate((s.air_altitude, np.zeros_like(s.air_altitude)), axis=1)
        looking = np.concatenate((source_ok, np.zeros_like(source_ok)), axis=1)
        seen_ok = np.concatenate((np.zeros_like(away), away), axis=1)
        factor = np.concatenate((np.zeros(s.x.shape), np.broadcast_to(self.parked_factor, s.x.shape)), axis=1)
        key = plain(draw_key(ctx.streams.seed, "sensors/parked", ctx.step, s.replications, self.parked_keys))
        args = (x, y, altitude, looking, seen_ok, factor, plain(table), plain(light), key)
        found, most = run_per_row(
            detect_pairs, args, _DETECTION_DTYPES, s.r, self.parked_capacity, Detections
        )
        self.parked_capacity = max(self.parked_capacity, most + most // 4)
        rows, i, j, slant, best, best_clear, needs_los = found
        if not len(rows):
            return
        sd = position_error_sd(slant, f.s_position_error[best], f.s_range_scale[best])
        fallback = np.maximum(best_clear, 0)
        sd_blocked = np.where(
            best_clear >= 0,
            position_error_sd(slant, f.s_position_error[fallback], f.s_range_scale[fallback]),
            np.inf,
        )
        side = f.side[i]
        if len(self._parked_head) != s.r * ns * 2 * n:
            self._parked_head = np.full(s.r * ns * 2 * n, -1, dtype=np.int64)
            self._parked_tail = np.full(s.r * ns * 2 * n, -1, dtype=np.int64)
        entries = Candidates((rows * ns + side) * 2 * n + j, i, j, rows, sd, sd_blocked, needs_los, len(rows))
        keep, clear = pick_detections(
            entries, x, y, altitude, self.sight, not self.flat, self._parked_head, self._parked_tail
        )
        k = np.flatnonzero(keep)
        blocked = ~clear[k]
        mount = np.where(blocked, best_clear[k], best[k])
        record_carrier_sightings(
            ctx,
            Sightings(
                rows[k],
                side[k],
                i[k],
                j[k] - n,
                np.where(blocked, sd_blocked[k], sd[k]),
                np.zeros(len(k), dtype=bool),
                mount,
            ),
        )

    def _hearing(self, ctx: StepContext) -> tuple[IntArray, IntArray, IntArray, FloatArray] | None:
        """Ground elements in action that hear a hostile aircraft in flight within its audible slant range
        this step, at ``HEARING_RATE_PER_S`` (stream ``sensors/hearing``, keyed by listener and aircraft):
        (rows, listeners, aircraft, position errors); None when no aircraft can be heard."""
        f = ctx.world.forces
        loud = self.aircraft[f.audible_range_m[self.aircraft] > 0]
        if not len(loud):
            return None
        s = ctx.state
        out: list[tuple[IntArray, IntArray, IntArray, FloatArray]] = []
        p = float(detection_probability(HEARING_RATE_PER_S, ctx.dt))
        for a in loud:
            phase = s.air_phase[:, a]
            flying = np.flatnonzero(
                (phase >= AIR_OUTBOUND) & (phase <= AIR_INBOUND) & (s.status[:, a] == ACTIVE)
            )
            listeners = np.flatnonzero(~f.is_air & f.hostile[:, f.side[a]][f.side])
            if not len(flying) or not len(listeners):
                continue
            reach = f.audible_range_m[a]
            dx = s.x[np.ix_(flying, listeners)] - s.x[flying, a][:, None]
            dy = s.y[np.ix_(flying, listeners)] - s.y[flying, a][:, None]
            dz = s.air_altitude[flying, a][:, None] - 2.0
            near = (dx * dx + dy * dy + dz * dz <= reach * reach) & (
                s.status[np.ix_(flying, listeners)] == ACTIVE
            )
            r, k = np.nonzero(near)
            if not len(r):
                continue
            rows, heard_by = flying[r], listeners[k]
            hit = ctx.uniform("sensors/hearing", rows, ctx.key(heard_by), np.full(len(rows), ctx.key(a))) < p
            if hit.any():
                n_hit = int(hit.sum())
                out.append(
                    (
                        rows[hit],
                        heard_by[hit],
                        np.full(n_hit, a, dtype=np.int64),
                        np.full(n_hit, HEARING_ERROR_SHARE * reach),
                    )
                )
        if not out:
            return None
        return tuple(np.concatenate(c) for c in zip(*out, strict=True))  # type: ignore[return-value]

    def _looks(self, shape: tuple[int, ...]) -> Looks:
        """The buffers :func:`who_looks` fills each step, made once per batch shape."""
        if self._buffers is None or self._buffers.source_ok.shape != shape:
            self._buffers = Looks(
                np.empty(shape, dtype=bool),
                np.empty(shape, dtype=bool),
                np.empty(shape),
                np.empty((shape[0], len(self.aircraft)), dtype=bool),
            )
        return self._buffers

    def _aircraft_pairs(
        self,
        ctx: StepContext,
        source_ok: NDArray[np.bool_],
        flying: NDArray[np.bool_],
        light: LightTable,
    ) -> tuple[Any, ...]:
        """The (row, observer, aircraft) pairs that detect in this step (:func:`detect_aircraft`); called
        only when some aircraft flies and some element has a sensor."""
        middle = (flying, plain(self.sky), plain(self.table), light.m_rate, ctx.dt)
        found, most = _search(detect_aircraft, ctx, source_ok, middle, "sensors/air", self.air_capacity)
        self.air_capacity = max(self.air_capacity, most + most // 4)
        return found

    def _pairs(
        self,
        ctx: StepContext,
        source_ok: NDArray[np.bool_],
        target_ok: NDArray[np.bool_],
        target_factor: FloatArray,
        light: LightTable,
    ) -> tuple[Any, ...]:
        if not len(self.observers):
            return _no_detections()
        middle = (
            np.ascontiguousarray(target_ok),
            np.ascontiguousarray(target_factor),
            plain(self.table),
            plain(light),
        )
        found, most = _search(detect_pairs, ctx, source_ok, middle, "sensors", self.capacity)
        self.capacity = max(self.capacity, most + most // 4)  # room to grow, so reruns stay rare
        return found

    def _light(self, ctx: StepContext, level: int) -> LightTable:
        """The mounts' rates in this light (count included) and the observers' tables of bounds on
        detection (:func:`bound_tables`), computed once per light level and step length."""
        key = (level, ctx.dt)
        if key not in self._by_light:
            f = ctx.world.forces
            mount_rate = f.s_rate * f.s_count * light_factor(level, f.s_night_factor)
            altitude = np.fmin(f.altitude_m, np.fmin(f.attack_altitude_m, f.threat_altitude_m))
            table = bound_tables(self.table, altitude, mount_rate, ctx.dt)
            self._by_light[key] = LightTable(mount_rate, table, ctx.dt)
        return self._by_light[key]


_DETECTION_DTYPES = (np.int64, np.int64, np.float64, np.int64, np.int64, np.bool_)
"""The dtypes of the fields of :class:`Detections`, in order."""


def _no_detections() -> tuple[Any, ...]:
    """What :func:`_search` returns when no pair detects: the row index and the :class:`Detections`
    fields, all empty."""
    return tuple(np.zeros(0, dtype=d) for d in (np.int64, *_DETECTION_DTYPES))


def _search(
    kernel: Any,
    ctx: StepContext,
    source_ok: NDArray[np.bool_],
    middle: tuple[Any, ...],
    stream: str,
    capacity: int,
) -> tuple[tuple[Any, ...], int]:
    """Call a pair search (:func:`detect_pairs`, :func:`detect_aircraft`) per row: the positions and the
    observers that look first, then ``middle``, then the draw key of ``stream`` for this step. Returns the
    detections flattened (row index first, then the :class:`Detections` fields) and the largest count of
    any row."""
    s = ctx.state
    key = plain(draw_key(ctx.streams.seed, stream, ctx.step, s.replications, ctx.world.forces.draw_key))
    args = (s.x, s.y, s.air_altitude, np.ascontiguousarray(source_ok), *middle, key)
    return run_per_row(kernel, args, _DETECTION_DTYPES, s.r, capacity, Detections)


class Sightings(NamedTuple):
    """One step's kept detections for :func:`record_sightings`, one per (row, side, target): the observer
    (-1: informants), the target, the position error (per axis, m), whether the sensor identifies, and the
    sensor mount (-1: informants)."""

    rows: IntArray
    side: IntArray
    observer: IntArray
    target: IntArray
    sd: FloatArray
    ident: NDArray[np.bool_]
    sensor: IntArray


def record_sightings(ctx: StepContext, reporting: Reporting, found: Sightings) -> None:
    """Write detections into the sides' pictures at the end of the step: the believed position (the true
    one plus a normal error of ``sd`` per axis), new contact episodes (``ContactDetected``) and the reports
    to allied sides after the communications latency."""
    s = ctx.state
    pic = s.picture
    rows, side, observer, j, sd, ident, sensor = found
    if not len(rows):
        return
    nx, ny = ctx.streams.normal("sensors/error", ctx.step, ctx.rep(rows), side, ctx.key(j))
    bx = s.x[rows, j] + sd * nx
    by = s.y[rows, j] + sd * ny
    bvx, bvy = _sighted_velocity(ctx, rows, side, j, sensor >= 0)
    t1 = ctx.t1
    new = record_detections(
        Found(rows, side, observer, j, sd, ident, bx, by, bvx, bvy),
        t1,
        pic.seen_layer(),
        (pic.seen_vx, pic.seen_vy),
        pic.seen_by,
        pic.identified,
        pic.episode_t,
        s.detected_at,
        s.detected_by_side,
        reporting,
        pic.due_t,
        pic.due_from,
    )
    ground = (observer >= 0) & ~ctx.world.forces.is_air[np.maximum(observer, 0)]
    pic.ground_t[rows[ground], side[ground], j[ground]] = t1
    if ctx.recorder.enabled and new.any():
        obs = observer[new]
        mount = sensor[new]
        ctx.emit(
            ContactDetected,
            rows[new],
            t1,
            side=ctx.sides[side[new]],
            observer=[ctx.ids[o] if o >= 0 else None for o in obs],
            target=ctx.ids[j[new]],
            x_m=bx[new],
            y_m=by[new],
            error_m=sd[new],
            sensor=_sensor_names(ctx, mount),
        )


def record_carrier_sightings(ctx: StepContext, found: Sightings) -> None:
    """Write sightings of parked carriers (``found.target``: the carriers' element) into the sides'
    carrier layers at the end of the step: the believed position (the carriers' true one plus a normal
    error of ``sd`` per axis, stream ``sensors/parked/error``), and ``CarrierSighted`` where the side held
    no live contact on them."""
    s = ctx.state
    pic = s.picture
    f = ctx.world.forces
    rows, side, observer, e, sd, _, sensor = found
    if not len(rows):
        return
    nx, ny = ctx.streams.normal("sensors/parked/error", ctx.step, ctx.rep(rows), side, ctx.key(e))
    bx = s.parked_x[rows, e] + sd * nx
    by = s.parked_y[rows, e] + sd * ny
    t1 = ctx.t1
    new = t1 - pic.carrier_t[rows, side, e] > f.contact_timeout_s[side]
    pic.carrier_t[rows, side, e] = t1
    pic.carrier_x[rows, side, e] = bx
    pic.carrier_y[rows, side, e] = by
    pic.carrier_err[rows, side, e] = sd
    pic.carrier_seen_by[rows, side, e] = observer
    if ctx.recorder.enabled and new.any():
        ctx.emit(
            CarrierSighted,
            rows[new],
            t1,
            side=ctx.sides[side[new]],
            observer=ctx.ids[observer[new]],
            target=ctx.ids[e[new]],
            x_m=bx[new],
            y_m=by[new],
            error_m=sd[new],
            sensor=_sensor_names(ctx, sensor[new]),
        )


def _sighted_velocity(
    ctx: StepContext, rows: IntArray, side: IntArray, target: IntArray, by_sensor: NDArray[np.bool_]
) -> tuple[FloatArray, FloatArray]:
    """The velocity each sighting estimates: the target's movement over this step (from where it stood
    before the move), with a normal error of ``VELOCITY_ERROR_SHARE`` of its speed per axis (stream
    ``sensors/velocity``). 0 for hearing and informants (a place, not a track), for a target that did not
    move, and for one that moved more than twice its top speed allows (put down by a landing, not
    marching); 0 everywhere when positions before the move were not kept this step."""
    s = ctx.state
    dt = ctx.t1 - ctx.t0
    if s.x_before_move.shape != s.x.shape or dt <= 0:
        return np.zeros(len(rows)), np.zeros(len(rows))
    vx = (s.x[rows, target] - s.x_before_move[rows, target]) / dt
    vy = (s.y[rows, target] - s.y_before_move[rows, target]) / dt
    world = ctx.world
    top = world.forces.speed_by_class[target].max(axis=1)
    if world.carriers is not None:
        top = np.maximum(top, world.carriers.speed_by_class[target].max(axis=1))
    speed = np.hypot(vx, vy)
    tracked = by_sensor & (speed > 0) & (speed <= 2.0 * top)
    if not tracked.any():
        return np.zeros(len(rows)), np.zeros(len(rows))
    ex, ey = ctx.streams.normal("sensors/velocity", ctx.step, ctx.rep(rows), side, ctx.key(target))
    spread = VELOCITY_ERROR_SHARE * speed
    return (
        np.where(tracked, vx + spread * ex, 0.0),
        np.where(tracked, vy + spread * ey, 0.0),
    )


def _sensor_names(ctx: StepContext, mount: IntArray) -> NDArray[Any]:
    """The sensor of each detection by name; ``informants`` where no sensor mount detected (-1)."""
    names = np.where(mount == _HEARING, "hearing", "informants").astype(object)
    by_sensor = mount >= 0
    names[by_sensor] = ctx.sensor_names[mount[by_sensor]]
    return names


def contact_lives(ctx: StepContext) -> FloatArray:
    """(sides, elements) how long each side's shared picture keeps a contact on each element: the side's
    ``contact_timeout_s``, and for an aircraft no longer than :func:`aircraft_contact_life` at its cruise
    speed across the farther of its sighting factor times the longest range scale among the side's
    sensors and its audible range (the side's timeout alone when both are 0)."""
    f = ctx.world.forces
    n_s = len(f.side_names)
    lives = np.repeat(f.contact_timeout_s[:, None], f.n, axis=1).astype(np.float64)
    aircraft = np.flatnonzero(f.is_air)
    if not len(aircraft):
        return lives
    scale = np.zeros(n_s)
    if len(f.s_elem):
        np.maximum.at(scale, f.side[f.s_elem], f.s_range_scale)
    sighting = np.array([SIGHTING_RANGE_FACTOR[f.signature_class[e]] for e in aircraft])
    # the farther of the sight of the side's best sensor and the aircraft's audible range
    reach = np.maximum(sighting[None, :] * scale[:, None], f.audible_range_m[aircraft][None, :])
    life = aircraft_contact_life(1.0, reach, f.speed_by_class[aircraft, 0][None, :])
    lives[:, aircraft] = np.minimum(lives[:, aircraft], life)
    return lives


def deliver_reports(ctx: StepContext, lives: FloatArray) -> None:
    """Reports whose latency has passed enter the shared pictures, unless they arrive already older than
    the contact's life (``ReportExpired``, discarded); contacts older than their ``lives``
    (:func:`contact_lives`) are lost."""
    s = ctx.state
    pic = s.picture
    t1 = ctx.t1
    done = deliver_due_reports(
        pic.due_t,
        pic.due_from,
        plain(pic.seen_layer()),
        plain(pic.known_layer()),
        (pic.seen_vx, pic.seen_vy, pic.known_vx, pic.known_vy),
        pic.known_live,
        lives,
        t1,
    )
    rows, b, j, when, new, lost_r, lost_b, lost_j = done[:8]
    if len(done.late_rows):
        ctx.emit(
            ReportExpired,
            done.late_rows,
            t1,
            side=ctx.sides[done.late_sides],
            target=ctx.ids[done.late_targets],
            age_s=done.late_age,
        )
    if new.any():
        nr, nb, nj = rows[new], b[new], j[new]
        s.reported_at[nr, nj] = np.minimum(s.reported_at[nr, nj], when[new])
        np.minimum.at(s.reported_by_side, (nr, nb), when[new])
        ctx.emit(
            ContactReported,
            nr,
            when[new],
            side=ctx.sides[nb],
            target=ctx.ids[nj],
            x_m=pic.known_x[nr, nb, nj],
            y_m=pic.known_y[nr, nb, nj],
            error_m=pic.known_err[nr, nb, nj],
        )
    if len(lost_r):
        np.minimum.at(s.lost_by_side, (lost_r, lost_b), t1)
        ctx.emit(ContactLost, lost_r, t1, side=ctx.sides[lost_b], target=ctx.ids[lost_j])


def located_fractions(ctx: StepContext) -> FloatArray:
    """(R, S, S): fraction of side b's active ground elements that side a holds as live contacts."""
    f = ctx.world.forces
    s = ctx.state
    out = located_fraction_table(s.status == ACTIVE, s.picture.known_live, f.side, ~f.is_air, f.hostile)
    thresholds = (np.arange(10) + 1) / 10.0
    reached = out[:, :, :, None] >= thresholds[None, None, None, :] - 1e-12
    s.located_first[...] = np.where(reached & np.isinf(s.located_first), ctx.t1, s.located_first)
    return out
