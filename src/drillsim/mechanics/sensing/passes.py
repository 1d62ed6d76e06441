"""Compiled passes of sensing: the pair search and hazard draw, the pick of one detection per side and
target with lines of sight checked lazily, informant reports, report delivery, contact loss and located
fractions.

For every observer the pair search looks at the enemy elements within its radius through the spatial index
of :mod:`drillsim.geo.spatial_index`. Most pairs are decided before their hazard is computed: a
squared-distance test rejects those surely out of range, and since ``1 - exp(-h dt) <= h dt``, a pair whose
uniform is at least a bound on ``h dt`` cannot detect; where a cell's bound is small its pairs are not drawn
one by one at all (see :func:`detect_pairs`). The kernel fuses the search with the hazard of
:func:`drillsim.mechanics.sensing.model.glimpse_hazard` and the counter-based uniform of
:mod:`drillsim.core.random` (the same hash, bit for bit), and returns only the pairs that detect. A
replication's results are put in pair order (observers in order, then targets in order), so they do not
depend on the batch. The picture passes each replace several whole-array passes with one loop and give the
same numbers as the array code they replaced (tested against it).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from drillsim.core.compiled import jit, jit_inline
from drillsim.core.random import DrawKey, hash_fourth, hash_prefix, uniform_last, uniform_of
from drillsim.geo.spatial_index import (
    BRUTE_FORCE_TARGETS,
    REFINE_STEPS,
    GridFrame,
    bucket_targets,
    cell_key,
    dense_candidates,
    dense_grid,
    fine_cell,
    grid_scratch,
    near_box,
    segments,
    sorted_candidates,
    sorted_grid,
)
from drillsim.geo.terrain import SightGrid, sight_line_clear
from drillsim.mechanics.sensing.model import glimpse_hazard
from drillsim.state.batch import ACTIVE, AIR_INBOUND, AIR_OUTBOUND, ContactLayer

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


class SensorTable(NamedTuple):
    """The observers, targets and sensor mounts of a simulation, built once: the static arguments of
    :func:`detect_pairs` and :func:`bound_tables`."""

    observers: IntArray
    """Elements with a sensor."""
    targets: IntArray
    """Elements that can be detected (ground elements)."""
    max_range: FloatArray
    """Per element, its longest sensor range (0: none)."""
    side: IntArray
    hostile: BoolArray
    mounts: IntArray
    """(elements, k): each element's sensor mounts, -1 padded."""
    m_scale: FloatArray
    m_max: FloatArray
    m_los: BoolArray
    """Per mount, whether it needs a line of sight."""
    m_error: FloatArray
    observer_factor: FloatArray
    """Per element, the training factor of its observers."""
    cell: float
    """The grid cell of the pair search: the longest sensor range."""
    visibility: float
    los_checked: bool
    """Whether lines of sight are checked (terrain not flat)."""


class LightTable(NamedTuple):
    """What changes only with the light and the step length: the mounts' rates (count and light included),
    the observers' bound tables (:func:`bound_tables`) and the step length."""

    m_rate: FloatArray
    bounds: FloatArray
    dt: float


class Candidates(NamedTuple):
    """The entries :func:`pick_detections` chooses among: sensor pairs first (``n_pairs`` of them), then
    informants' reports; each with its key (row, side, target), its error with a clear line of sight and
    blocked, and whether it needs the line."""

    key: IntArray
    observer: IntArray
    target: IntArray
    rows: IntArray
    sd_clear: FloatArray
    sd_blocked: FloatArray
    needs_los: BoolArray
    n_pairs: int


class Found(NamedTuple):
    """One step's kept detections, one per (row, side, target), for :func:`record_detections`: the side's
    observer (-1: informants), the error, whether the sensor identifies, the believed position and the
    estimated velocity."""

    rows: IntArray
    side: IntArray
    observer: IntArray
    target: IntArray
    sd: FloatArray
    ident: BoolArray
    bx: FloatArray
    by: FloatArray
    bvx: FloatArray
    bvy: FloatArray


class Reporting(NamedTuple):
    """Per side: the contact timeout (s), the sides sharing its picture, its communications latency (s)."""

    timeout: FloatArray
    allied: BoolArray
    latency: FloatArray


class Detections(NamedTuple):
    """The outputs of :func:`detect_pairs`, (rows, capacity) each."""

    i: IntArray
    j: IntArray
    slant: FloatArray
    best: IntArray
    best_clear: IntArray
    needs_los: BoolArray


@jit
def _segment_bound(
    d2: float, height: float, s: int, sensors: SensorTable, m_rate: FloatArray, factor: float, dt: float
) -> float:
    """An upper bound on ``h dt`` for observer s and any target at least ``sqrt(d2)`` away whose factor
    is at most ``factor``: the hazard falls with range, so it is the hazard at that distance (with slack
    for rounding in the cells' edges), or 0 when that is beyond the visibility or every mount's range."""
    mounts = sensors.mounts
    m_scale = sensors.m_scale
    m_max = sensors.m_max
    slant = np.hypot(max(np.sqrt(d2) * (1.0 - 1e-9) - 1e-6, 0.0), height)
    if slant > sensors.visibility:
        return 0.0
    total = 0.0
    for c in range(mounts.shape[1]):
        mm = mounts[s, c]
        if mm >= 0:
            total += glimpse_hazard(slant, m_rate[mm] * factor, m_scale[mm], m_max[mm])
    return total * dt * (1.0 + 1e-9)


@jit
def bound_tables(sensors: SensorTable, altitude: FloatArray, m_rate: FloatArray, dt: float) -> FloatArray:
    """For each observer (a row per entry of ``observers``), its bound on ``h dt`` for a target factor of 1
    (:func:`_segment_bound`) at the near edge of each of :data:`BOUND_BINS` + 1 distance bins of its range:
    it holds for every target in the bin, since the hazard falls with range. The inputs change only with
    the light, so callers keep the tables between steps; :func:`detect_pairs` reads them."""
    observers = sensors.observers
    max_range = sensors.max_range
    observer_factor = sensors.observer_factor
    out = np.zeros((observers.shape[0], BOUND_BINS + 1))
    for a in range(observers.shape[0]):
        s = observers[a]
        if max_range[s] <= 0.0:
            continue
        width = max_range[s] / BOUND_BINS
        for k in range(BOUND_BINS + 1):
            out[a, k] = _segment_bound(
                (k * width) ** 2, altitude[s] - 2.0, s, sensors, m_rate, observer_factor[s], dt
            )
    return out


BOUND_BINS = 64
"""Distance bins of each observer's table of bounds on a pair's detection probability."""
LOG_MISS = np.concatenate([[-np.inf], np.log1p(-np.ldexp(1.0, -np.arange(1, 1100)))])
"""``log(1 - 2**-k)``: the skipped sampling's gap parameter for a bound rounded to ``2**-k``."""
SKIP_AT_MOST = 0.125
"""A segment of candidates whose bound on the detection probability, rounded up to a power of two, is at
most this is sampled by skips (one draw per landing instead of one per pair); see :func:`detect_pairs`."""


@jit
def _swap_detections(r: int, p: int, out: Detections, order_key: IntArray) -> None:
    """Swap detections p - 1 and p of row r in every output of :func:`detect_pairs`."""
    out_i, out_j, out_slant, out_best, out_best_clear, out_needs_los = out
    out_i[r, p - 1], out_i[r, p] = out_i[r, p], out_i[r, p - 1]
    out_j[r, p - 1], out_j[r, p] = out_j[r, p], out_j[r, p - 1]
    out_slant[r, p - 1], out_slant[r, p] = out_slant[r, p], out_slant[r, p - 1]
    out_best[r, p - 1], out_best[r, p] = out_best[r, p], out_best[r, p - 1]
    out_best_clear[r, p - 1], out_best_clear[r, p] = out_best_clear[r, p], out_best_clear[r, p - 1]
    out_needs_los[r, p - 1], out_needs_los[r, p] = out_needs_los[r, p], out_needs_los[r, p - 1]
    order_key[p - 1], order_key[p] = order_key[p], order_key[p - 1]


@jit
def _error_at(mm: int | np.int64, slant: float, m_error: FloatArray, m_scale: FloatArray) -> float:
    """Mount mm's position error at a slant range: :func:`position_error_sd`, the same arithmetic."""
    return float(m_error[mm] * max(0.25, slant / m_scale[mm]))


@jit
def _error_floor(
    s: int, distance: float, mounts: IntArray, m_error: FloatArray, m_scale: FloatArray
) -> float:
    """A lower bound on the position error of observer s's detection of a target at least ``distance``
    away, whichever of its mounts reports it (the error grows with range)."""
    floor = np.inf
    for c in range(mounts.shape[1]):
        if mounts[s, c] >= 0:
            floor = min(floor, _error_at(mounts[s, c], distance, m_error, m_scale))
    return floor


@jit
def detect_pairs(  # noqa: C901
    x: FloatArray,
    y: FloatArray,
    altitude: FloatArray,
    source_ok: BoolArray,
    target_ok: BoolArray,
    target_factor: FloatArray,
    sensors: SensorTable,
    light: LightTable,
    key: DrawKey,
    out: Detections,
    counts: IntArray,
) -> None:
    """Detections of one step, per row: every observer-target pair of hostile sides within range detects
    with probability ``1 - exp(-h dt)``, independently; only the pairs that detect are returned.

    The hazard ``h`` of a pair is the sum over the observer's sensor mounts of :func:`glimpse_hazard` at
    the slant range (zero beyond the visibility) times the target's factor (signature, posture,
    concealment) and the observer's (training); the light's ``m_rate`` already holds the mount count and
    the light.

    Each observer's candidates come in segments (a cell of the grid, all of one side), each with a bound
    ``c`` on ``h dt`` for all its targets: ``bounds`` (:func:`bound_tables`, a row per observer) at the
    distance bin of the cell's nearest point, times the side's largest target factor. A pair is also
    rejected when its uniform is at least its own bound (its bin, its factor), before any exponential. A
    pair detects when its uniform ``u < 1 - exp(-h dt)``, which is at most ``c``:

    - where ``c``, rounded up to a power of two (``c_q``), exceeds :data:`SKIP_AT_MOST`, or the row has
      at most ``BRUTE_FORCE_TARGETS`` targets, each pair draws its own uniform, keyed by the draw keys of
      (observer, target), and ``u >= c`` is rejected before the hazard;
    - elsewhere (far cells, dark, small signatures: most pairs, most steps) the kernel lands only on the
      pairs whose uniform would have been below ``c_q``: the gaps between landings in a sequence of
      independent Bernoulli(c_q) trials are geometric, drawn as ``floor(log v / log(1 - c_q))``; a landed
      pair then has ``u = c_q v'`` with a fresh ``v'``, uniform on [0, c_q) as it should be given
      ``u < c_q``. So every pair is still an independent trial with its exact probability.

    For common random numbers between two runs that differ a little (a parameter of a design point), the
    skipped sampling's draws are keyed by (observer, cell of a fixed lattice, landing number) and its rate
    is the power of two above the bound, not the bound: a change that leaves a cell's ``c_q`` and members
    alone leaves its draws alone (a change of the bound by 15 % moves about one cell in five to the next
    power of two). A unit added or removed moves the landings of the cells it stands in, and of every
    cell if it changes the grid's refinement; per-pair draws never move.

    Only one detection per (row, observer's side, target) is kept downstream, the most precise
    (:func:`pick_detections`), so a pair is left out when an earlier pair of its side surely detected the
    target at least as precisely as it could (its error with any of its mounts at its distance,
    :func:`_error_floor`): "surely" when lines of sight are not checked (``los_checked`` off) or that
    detection stands without one. Its draws are still taken, so the others' are unchanged.

    A pair whose detection depends on a sensor that needs line of sight comes back with ``out.needs_los``
    set: it detects only if the line is clear, which the caller checks over the terrain. ``out.best`` is
    the mount with the largest hazard; ``out.best_clear`` the largest among mounts needing no line of
    sight (-1 if none). Outputs are (rows, capacity); ``counts[r]`` is how many row r found (it may exceed
    the capacity, in which case the caller asks again with more room).
    """
    observers, targets, max_range, side, hostile, mounts = sensors[:6]
    m_scale, m_max, m_los, m_error, observer_factor = sensors[6:11]
    cell, visibility, los_checked = sensors[
        11:14
    ]  # by position: callers pass a plain tuple (core.compiled.plain)
    m_rate, bounds, dt = light
    seed, stream, step, reps, element_key = key
    out_i, out_j, out_slant, out_best, out_best_clear, out_needs_los = out
    nt = targets.shape[0]
    n_elements = x.shape[1]
    n_sides = hostile.shape[0]
    cap = out_i.shape[1]
    n_mounts = mounts.shape[1]
    reach = 1
    for a in range(observers.shape[0]):
        reach = max(reach, int(np.ceil(max_range[observers[a]] / cell)))
    reach *= 1 << REFINE_STEPS
    n_seg = max(hostile.shape[1] * (2 * reach + 1) * (2 * reach + 1), 1)
    # Scratch, reused by every row.
    keys = np.empty(nt, dtype=np.int64)
    slot = np.empty(nt, dtype=np.int64)
    seg = segments(n_seg)
    seg_lo, seg_hi, seg_d2, seg_side, seg_key = seg
    order_key = np.empty(cap, dtype=np.int64)
    settled = np.empty((n_sides, n_elements))
    grid = grid_scratch(nt)
    members = grid.members
    box = np.empty((n_sides, 4))
    side_factor = np.zeros(n_sides)
    for r in range(x.shape[0]):
        count = 0
        settled[:] = np.inf
        m = bucket_targets(x, y, r, targets, target_ok, side, 0.0, keys, slot, box)  # keys only if needed
        # Each side's largest target factor in this row, for the segments' bounds.
        side_factor[:] = 0.0
        for q in range(m):
            t = targets[slot[q]]
            side_factor[side[t]] = max(side_factor[side[t]], target_factor[r, t])
        any_factor = side_factor.max()
        if m > 0:
            sorted_keys, sorted_slot = keys[:0], slot[:0]
            frame = GridFrame(0.0, 0.0, 0, 0, cell)
            fine = cell
            if m > BRUTE_FORCE_TARGETS:
                fine = fine_cell(box, cell, m)
                frame = dense_grid(x, y, r, targets, side, fine, m, slot, box, grid)
                if frame.nx == 0:
                    for q in range(m):
                        t = targets[slot[q]]
                        keys[q] = cell_key(side[t], x[r, t], y[r, t], cell)
                    sorted_keys, sorted_slot = sorted_grid(m, keys, slot)
            # Where the segments point: the dense grid's members, the sorted-key grid's slots, or all.
            gnx = frame.nx
            pool = members if gnx > 0 else (sorted_slot if m > BRUTE_FORCE_TARGETS else slot)
            level = 0 if gnx == 0 else int(np.round(np.log2(cell / fine)))  # halvings of the cells
            prefix = hash_prefix(seed, stream, step, reps[r])
            for a in range(observers.shape[0]):
                s = observers[a]
                rad = max_range[s]
                if not source_ok[r, s] or rad <= 0.0:
                    continue
                sx = x[r, s]
                sy = y[r, s]
                mine = side[s]
                reachable = False  # any hostile side's targets within reach at all?
                for other in range(n_sides):
                    if hostile[mine, other] and near_box(box, other, sx, sy, rad):
                        reachable = True
                        break
                if not reachable:
                    continue
                height = altitude[r, s] - 2.0
                far = rad * rad * (1.0 + 1e-9)
                bin_width = rad / BOUND_BINS
                h_s = hash_fourth(
                    prefix, element_key[s]
                )  # the part of each pair's draw that depends on the observer
                if gnx > 0:
                    g_count = dense_candidates(mine, sx, sy, rad, hostile, box, r, grid, frame, seg)
                else:
                    g_count = sorted_candidates(mine, sx, sy, rad, cell, hostile, box, m, sorted_keys, seg)
                first = count
                for g in range(g_count):
                    hi = seg_hi[g]
                    if seg_d2[g] > far:
                        continue
                    top = any_factor if seg_side[g] < 0 else side_factor[seg_side[g]]
                    # The bound of the bin holding the segment's nearest distance (beyond the range: 0).
                    c = top * bounds[a, min(int(np.sqrt(seg_d2[g]) / bin_width), BOUND_BINS)]
                    if c <= 0.0:
                        continue
                    mant, expo = math.frexp(c)  # c = mant 2**expo, 0.5 <= mant < 1
                    power = (expo - 1) if mant == 0.5 else expo  # c_q = 2**power, at or above c
                    c_q = math.ldexp(1.0, power)
                    # With few targets (one segment of all of them) every pair draws its own uniform:
                    # cheap there, and a unit added or removed then moves no other pair's draw.
                    skip = c_q <= SKIP_AT_MOST and m > BRUTE_FORCE_TARGETS
                    h_cell = h_s
                    drawn = 0
                    log_miss = 0.0
                    if skip:
                        c = c_q
                        # This cell's draws: keyed below the targets' draw keys (at or above KEY_BASE), so
                        # they never meet a pair's, whatever the number of elements.
                        h_cell = hash_fourth(h_s, seg_key[g] * (REFINE_STEPS + 1) + level)
                        log_miss = LOG_MISS[-power]
                    q = seg_lo[g] - 1
                    while True:
                        if skip:
                            v = uniform_last(h_cell, np.int64(drawn))
                            drawn += 1
                            gap = np.log(v) / log_miss
                            if gap >= hi - q - 1:
                                break
                            q += 1 + int(gap)
                        else:
                            q += 1
                            if q >= hi:
                                break
                        t = targets[pool[q]]
                        if t == s or not hostile[mine, side[t]]:
                            continue
                        dx = x[r, t] - sx
                        dy = y[r, t] - sy
                        if dx * dx + dy * dy > far:  # surely out of range: skip the exact distance
                            continue
                        if skip:
                            u = c * uniform_last(h_cell, np.int64(drawn))
                            drawn += 1
                        else:
                            u = uniform_last(h_s, element_key[t])
                            if u >= c:  # cannot detect, in range or not
                                continue
                        if settled[mine, t] < np.inf and settled[mine, t] <= _error_floor(
                            s, np.sqrt(dx * dx + dy * dy) * (1.0 - 1e-9), mounts, m_error, m_scale
                        ):
                            continue  # cannot be the side's most precise detection of t: never kept
                        d = np.hypot(dx, dy)
                        if d > rad:
                            continue
                        # This pair's own bound (its distance bin, its factor): most are decided here.
                        if u >= target_factor[r, t] * bounds[a, min(int(d / bin_width), BOUND_BINS)]:
                            continue
                        slant = np.hypot(d, height)
                        if slant > visibility:
                            continue
                        factor = target_factor[r, t] * observer_factor[s]
                        total = 0.0
                        clear = 0.0
                        best = np.int64(-1)  # not a literal: _error_at compiled once
                        best_rate = -1.0
                        best_clear = np.int64(-1)
                        best_clear_rate = -1.0
                        for c_m in range(n_mounts):
                            mm = mounts[s, c_m]
                            if mm < 0:
                                continue
                            rate = glimpse_hazard(slant, m_rate[mm] * factor, m_scale[mm], m_max[mm])
                            total += rate
                            if rate > best_rate:
                                best_rate = rate
                                best = mm
                            if not m_los[mm]:
                                clear += rate
                                if rate > best_clear_rate:
                                    best_clear_rate = rate
                                    best_clear = mm
                        if total <= 0.0:
                            continue
                        x_dt = total * dt
                        if u >= x_dt * (1.0 + 1e-9):  # surely u >= 1 - exp(-x_dt)
                            continue
                        # 1 - exp(-x) >= x - x^2 / 2: below that, surely detected without the exponential.
                        if u >= x_dt * (1.0 - 0.5 * x_dt) * (1.0 - 1e-9) and u >= -np.expm1(-x_dt):
                            continue
                        needs_los = clear <= 0.0 or u >= -np.expm1(-clear * dt)
                        if count < cap:
                            out_i[r, count] = s
                            out_j[r, count] = t
                            out_slant[r, count] = slant
                            out_best[r, count] = best
                            out_best_clear[r, count] = best_clear
                            out_needs_los[r, count] = needs_los
                            order_key[count] = pool[q]
                        count += 1
                        # The error this detection ends with at worst, when that is sure (it stands
                        # whatever the line of sight): later pairs that cannot do better are skipped.
                        if not los_checked or not needs_los:
                            worst = _error_at(best, slant, m_error, m_scale)
                            if los_checked:
                                worst = max(worst, _error_at(best_clear, slant, m_error, m_scale))
                            settled[mine, t] = min(settled[mine, t], worst)
                if count <= cap:
                    # Pair order within the observer (its candidates come by cell): an insertion sort
                    # of its few detections.
                    for e in range(first + 1, count):
                        p = e
                        while p > first and order_key[p - 1] > order_key[p]:
                            _swap_detections(r, p, out, order_key)
                            p -= 1
        counts[r] = count


class Looks(NamedTuple):
    """(R, N) per step, which elements look and which can be seen, each target's factor, and (R, aircraft)
    which aircraft fly: written by :func:`who_looks` into buffers the caller keeps between steps."""

    source_ok: BoolArray
    target_ok: BoolArray
    target_factor: FloatArray
    flying: BoolArray


@jit
def who_looks(
    status: IntArray,
    air_phase: IntArray,
    posture: IntArray,
    aircraft: IntArray,
    signature: FloatArray,
    posture_table: FloatArray,
    concealment: FloatArray,
    out: Looks,
) -> bool:
    """One pass over (rows, elements): elements in action can be seen (``target_ok``) and look
    (``source_ok``), aircraft only while flying (outbound, on station or inbound; ``flying``, per row and
    aircraft, also needs them in action); each element's factor as a target is its signature times its
    posture's detectability times its concealment, in that order. Returns whether any aircraft flies."""
    source_ok, target_ok, target_factor, flying = out
    any_flying = False
    for r in range(status.shape[0]):
        for e in range(status.shape[1]):
            ok = status[r, e] == ACTIVE
            target_ok[r, e] = ok
            source_ok[r, e] = ok
            target_factor[r, e] = signature[e] * posture_table[posture[r, e]] * concealment[e]
        for k in range(aircraft.shape[0]):
            a = aircraft[k]
            up = air_phase[r, a] >= AIR_OUTBOUND and air_phase[r, a] <= AIR_INBOUND
            source_ok[r, a] = source_ok[r, a] and up
            flying[r, k] = up and status[r, a] == ACTIVE
            any_flying = any_flying or flying[r, k]
    return any_flying


class Sky(NamedTuple):
    """The aircraft the ground and the air look for, built once: for :func:`detect_aircraft`."""

    aircraft: IntArray
    """Aircraft elements, in element order."""
    sighting: FloatArray
    """Per aircraft, the multiplier on sensors' range scales and reaches (its signature class)."""
    signature: FloatArray
    """Per aircraft, its type's signature."""
    looks: BoolArray
    """Per element, whether it looks for aircraft here (air-defence elements track them themselves)."""


@jit_inline
def _mounts_hazard(
    s: int,
    slant: float,
    factor: float,
    stretch: float,
    mounts: IntArray,
    m_rate: FloatArray,
    m_scale: FloatArray,
    m_max: FloatArray,
    m_los: BoolArray,
) -> tuple[float, float, int, int]:
    """Observer s's hazard at a slant range, its mounts' range scales and reaches multiplied by
    ``stretch``: the total, the part from mounts needing no line of sight, the mount with the largest
    hazard and the largest among those needing none (-1 if none). Inlined, and given the arrays it reads
    rather than the sensor table: called per pair, a compiled helper taking the table cost about 150 ns a
    call (core.compiled)."""
    total = 0.0
    clear = 0.0
    best = -1
    best_rate = -1.0
    best_clear = -1
    best_clear_rate = -1.0
    for c_m in range(mounts.shape[1]):
        mm = mounts[s, c_m]
        if mm < 0:
            continue
        rate = glimpse_hazard(slant, m_rate[mm] * factor, m_scale[mm] * stretch, m_max[mm] * stretch)
        total += rate
        if rate > best_rate:
            best_rate = rate
            best = mm
        if not m_los[mm]:
            clear += rate
            if rate > best_clear_rate:
                best_clear_rate = rate
                best_clear = mm
    return total, clear, best, best_clear


@jit
def detect_aircraft(
    x: FloatArray,
    y: FloatArray,
    altitude: FloatArray,
    source_ok: BoolArray,
    flying: BoolArray,
    sky: Sky,
    sensors: SensorTable,
    m_rate: FloatArray,
    dt: float,
    key: DrawKey,
    out: Detections,
    counts: IntArray,
) -> None:
    """Detections of aircraft in flight in one step, per row: every observer that looks (``sky.looks``)
    and every hostile aircraft flying (``flying``, (rows, aircraft)) within its reach detect with
    probability ``1 - exp(-h dt)``. ``h`` is the sum over the observer's mounts of :func:`glimpse_hazard`
    at the slant range between the two heights, with the mount's range scale and reach multiplied by the
    aircraft's sighting factor, times the aircraft's signature and the observer's training (no posture, no
    concealment: an aircraft in flight is against the sky); zero beyond the visibility. Each pair draws
    one uniform keyed by (observer, aircraft). Outputs as for :func:`detect_pairs` (pairs in observer
    order, then aircraft order)."""
    # Unpacked once, before the loops, by position (callers pass plain tuples, core.compiled.plain).
    (
        observers,
        _targets,
        max_range,
        side,
        hostile,
        mounts,
        m_scale,
        m_max,
        m_los,
        _m_error,
        observer_factor,
        _cell,
        visibility,
        _los_checked,
    ) = sensors
    aircraft, sighting, signature, looks = sky
    seed, stream, step, reps, element_key = key
    out_i, out_j, out_slant, out_best, out_best_clear, out_needs_los = out
    cap = out_i.shape[1]
    for r in range(x.shape[0]):
        count = 0
        prefix = hash_prefix(seed, stream, step, reps[r])
        for a in range(observers.shape[0]):
            s = observers[a]
            if not source_ok[r, s] or not looks[s] or max_range[s] <= 0.0:
                continue
            h_s = np.uint64(0)  # the observer's part of its pairs' draws, hashed at its first draw
            hashed = False
            for k in range(aircraft.shape[0]):
                t = aircraft[k]
                if t == s or not flying[r, k] or not hostile[side[s], side[t]]:
                    continue
                dx = x[r, t] - x[r, s]
                dy = y[r, t] - y[r, s]
                reach = max_range[s] * sighting[k]
                if dx * dx + dy * dy > reach * reach * (1.0 + 1e-9):  # surely beyond reach
                    continue
                d = np.hypot(dx, dy)
                if d > reach:
                    continue
                slant = np.hypot(d, altitude[r, t] - altitude[r, s])
                if slant > visibility:
                    continue
                factor = signature[k] * observer_factor[s]
                total, clear, best, best_clear = _mounts_hazard(
                    s, slant, factor, sighting[k], mounts, m_rate, m_scale, m_max, m_los
                )
                if total <= 0.0:
                    continue
                if not hashed:
                    h_s = hash_fourth(prefix, element_key[s])
                    hashed = True
                u = uniform_last(h_s, element_key[t])
                if u >= -np.expm1(-total * dt):
                    continue
                if count < cap:
                    out_i[r, count] = s
                    out_j[r, count] = t
                    out_slant[r, count] = slant
                    out_best[r, count] = best
                    out_best_clear[r, count] = best_clear
                    out_needs_los[r, count] = clear <= 0.0 or u >= -np.expm1(-clear * dt)
                count += 1
        counts[r] = count


@jit
def informant_reports(
    target_ok: BoolArray,
    candidates: IntArray,
    p: FloatArray,
    seed: np.uint64,
    stream: np.int64,
    step: np.int64,
    reps: IntArray,
    element_key: IntArray,
    out_j: IntArray,
    counts: IntArray,
) -> None:
    """Per row, the ``candidates`` (usable in that row) that informants report this step: candidate k is
    reported when the uniform of (stream, step, replication, element's draw key) is below ``p[k]``, the
    same draw as ``Streams.uniform``. Outputs (rows, capacity) and ``counts`` as for :func:`detect_pairs`."""
    cap = out_j.shape[1]
    for r in range(target_ok.shape[0]):
        prefix = hash_prefix(seed, stream, step, reps[r])
        count = 0
        for k in range(candidates.shape[0]):
            t = candidates[k]
            if target_ok[r, t] and uniform_of(hash_fourth(prefix, element_key[t])) < p[k]:
                if count < cap:
                    out_j[r, count] = t
                count += 1
        counts[r] = count


@jit
def pick_detections(
    entries: Candidates,
    x: FloatArray,
    y: FloatArray,
    altitude: FloatArray,
    sight: SightGrid,
    check_los: bool,
    head: IntArray,
    tail: IntArray,
) -> tuple[BoolArray, BoolArray]:
    """One detection per ``key`` (row, side, target): the most precise, ties to the first entry; and
    whether each kept sensor pair's line of sight is clear.

    Entries before ``n_pairs`` are sensor pairs (``observer`` looks at ``target`` in row ``rows``): with a
    clear line of sight (or ``check_los`` off) their error is ``sd_clear``; blocked, ``sd_blocked`` if they
    detect without line of sight, else they do not count (``needs_los``). Later entries (informants) have
    error ``sd_clear`` and no line of sight to check. The result is that of checking every line and then
    keeping each key's smallest error, but lines are checked lazily: a key's entries are visited in order
    of their smallest possible error, and stop once that exceeds the best error found.

    ``head`` and ``tail`` are indexed by key, hold -1 everywhere on entry and are left so (a caller keeps
    them across steps)."""
    key, observer, target, rows, sd_clear, sd_blocked, needs_los, n_pairs = entries
    z, x0, y0, cell, samples, earth_radius = sight
    n = key.shape[0]
    after = np.full(n, -1, dtype=np.int64)
    for e in range(n):  # each key's entries, chained in entry order
        k = key[e]
        if head[k] < 0:
            head[k] = e
        else:
            after[tail[k]] = e
        tail[k] = e
    keep = np.zeros(n, dtype=np.bool_)
    clear = np.ones(n, dtype=np.bool_)
    group = np.empty(n, dtype=np.int64)
    low = np.empty(n)
    for e in range(n):
        k = key[e]
        if head[k] != e:
            continue
        g = 0
        q = e
        while q >= 0:  # insertion sort by (smallest possible error, entry)
            lb = sd_clear[q]
            if q < n_pairs and check_los and not needs_los[q]:
                lb = min(lb, sd_blocked[q])
            p = g
            while p > 0 and low[p - 1] > lb:
                group[p] = group[p - 1]
                low[p] = low[p - 1]
                p -= 1
            group[p] = q
            low[p] = lb
            g += 1
            q = after[q]
        best = -1
        best_sd = np.inf
        for p in range(g):
            if low[p] > best_sd:
                break
            q = group[p]
            sd = sd_clear[q]
            if q < n_pairs and check_los:
                r = rows[q]
                o = observer[q]
                t = target[q]
                seen = sight_line_clear(
                    z,
                    x0,
                    y0,
                    cell,
                    x[r, o],
                    y[r, o],
                    altitude[r, o],
                    x[r, t],
                    y[r, t],
                    altitude[r, t],
                    samples,
                    earth_radius,
                )
                clear[q] = seen
                if not seen:
                    sd = np.inf if needs_los[q] else sd_blocked[q]
            if sd < best_sd or (sd == best_sd and best >= 0 and q < best):
                best = q
                best_sd = sd
        if best >= 0 and best_sd < np.inf:
            keep[best] = True
        head[k] = -1
        tail[k] = -1
    return keep, clear


class Deliveries(NamedTuple):
    """What :func:`deliver_due_reports` did, each in (row, side, element) order: the reports delivered
    (rows, sides, elements, due times, whether newly live), the contacts lost, and the reports discarded
    because they arrived already older than the contact's life (rows, sides, elements, ages)."""

    rows: IntArray
    sides: IntArray
    targets: IntArray
    when: FloatArray
    new: BoolArray
    lost_rows: IntArray
    lost_sides: IntArray
    lost_targets: IntArray
    late_rows: IntArray
    late_sides: IntArray
    late_targets: IntArray
    late_age: FloatArray


@jit
def deliver_due_reports(  # noqa: C901
    due_t: FloatArray,
    due_from: IntArray,
    seen: ContactLayer,
    known: ContactLayer,
    velocity: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
    known_live: BoolArray,
    timeout: FloatArray,
    t1: float,
) -> Deliveries:
    """One pass over the pictures (rows, sides, elements): reports due by ``t1`` copy the reporting side's
    ``seen`` entry (position, error and the velocity, ``velocity`` being seen vx, vy then known vx, vy)
    into the ``known`` layer and become live, unless that entry is already older than ``timeout`` (sides,
    elements: the side's contact timeout, shorter for aircraft): such a report came too late and is
    discarded. Then live contacts older than ``timeout`` are lost."""
    seen_t, seen_x, seen_y, seen_err = seen
    known_t, known_x, known_y, known_err = known
    seen_vx, seen_vy, known_vx, known_vy = velocity
    n_r, n_s, n = due_t.shape
    due = due_t.ravel()
    nd = 0
    for q in range(due.shape[0]):
        if due[q] <= t1:
            nd += 1
    d_r = np.empty(nd, dtype=np.int64)
    d_b = np.empty(nd, dtype=np.int64)
    d_j = np.empty(nd, dtype=np.int64)
    d_when = np.empty(nd)
    d_new = np.empty(nd, dtype=np.bool_)
    x_r = np.empty(nd, dtype=np.int64)
    x_b = np.empty(nd, dtype=np.int64)
    x_j = np.empty(nd, dtype=np.int64)
    x_age = np.empty(nd)
    k = 0
    late = 0
    if nd:
        for r in range(n_r):
            for b in range(n_s):
                for j in range(n):
                    when = due_t[r, b, j]
                    if when > t1:
                        continue
                    a = due_from[r, b, j]
                    due_t[r, b, j] = np.inf
                    age = t1 - seen_t[r, a, j]
                    if age > timeout[b, j]:
                        x_r[late] = r
                        x_b[late] = b
                        x_j[late] = j
                        x_age[late] = age
                        late += 1
                        continue
                    known_t[r, b, j] = seen_t[r, a, j]
                    known_x[r, b, j] = seen_x[r, a, j]
                    known_y[r, b, j] = seen_y[r, a, j]
                    known_err[r, b, j] = seen_err[r, a, j]
                    known_vx[r, b, j] = seen_vx[r, a, j]
                    known_vy[r, b, j] = seen_vy[r, a, j]
                    d_r[k] = r
                    d_b[k] = b
                    d_j[k] = j
                    d_when[k] = when
                    d_new[k] = not known_live[r, b, j]
                    known_live[r, b, j] = True
                    k += 1
    nl = 0
    for r in range(n_r):
        for b in range(n_s):
            for j in range(n):
                if known_live[r, b, j] and (t1 - known_t[r, b, j]) > timeout[b, j]:
                    nl += 1
    l_r = np.empty(nl, dtype=np.int64)
    l_b = np.empty(nl, dtype=np.int64)
    l_j = np.empty(nl, dtype=np.int64)
    q = 0
    if nl:
        for r in range(n_r):
            for b in range(n_s):
                for j in range(n):
                    if known_live[r, b, j] and (t1 - known_t[r, b, j]) > timeout[b, j]:
                        known_live[r, b, j] = False
                        l_r[q] = r
                        l_b[q] = b
                        l_j[q] = j
                        q += 1
    return Deliveries(
        d_r[:k],
        d_b[:k],
        d_j[:k],
        d_when[:k],
        d_new[:k],
        l_r,
        l_b,
        l_j,
        x_r[:late],
        x_b[:late],
        x_j[:late],
        x_age[:late],
    )


@jit
def located_fraction_table(
    active: BoolArray, known_live: BoolArray, side: IntArray, ground: BoolArray, hostile: BoolArray
) -> FloatArray:
    """(rows, sides, sides): the fraction of side b's active ground elements that side a holds as live
    contacts, for hostile a and b (0 elsewhere, and where b has none)."""
    n_r, n_s, n = known_live.shape
    out = np.zeros((n_r, n_s, n_s))
    alive = np.zeros(n_s, dtype=np.int64)
    held = np.zeros((n_s, n_s), dtype=np.int64)
    for r in range(n_r):
        alive[:] = 0
        held[:, :] = 0
        for j in range(n):  # without branches: counting is cheaper than mispredicting
            ok = ground[j] & active[r, j]
            b = side[j]
            alive[b] += ok
            for a in range(n_s):
                held[a, b] += ok & known_live[r, a, j]
        for a in range(n_s):
            for b in range(n_s):
                if hostile[a, b] and alive[b] > 0:
                    out[r, a, b] = held[a, b] / alive[b]
    return out


@jit
def record_detections(
    found: Found,
    t1: float,
    seen: ContactLayer,
    seen_v: tuple[FloatArray, FloatArray],
    seen_by: IntArray,
    identified: BoolArray,
    episode_t: FloatArray,
    detected_at: FloatArray,
    detected_by_side: FloatArray,
    reporting: Reporting,
    due_t: FloatArray,
    due_from: IntArray,
) -> BoolArray:
    """Write one step's detections (one per row, side and target) into the sides' ``seen`` layers at
    ``t1`` (with the estimated velocity in ``seen_v``), start new contact episodes, and schedule a report
    to every allied side's shared picture where it arrives earlier than one already pending. Returns
    which detections start a new episode (the contact was not live). For each receiving side, every report
    is compared with what was pending before any of them, and later ones overwrite earlier ones, as indexed
    array assignment does."""
    rows, side, observer, target, sd, ident, bx, by, bvx, bvy = found
    seen_t, seen_x, seen_y, seen_err = seen
    seen_vx, seen_vy = seen_v
    timeout, allied, latency = reporting
    n = rows.shape[0]
    new = np.empty(n, dtype=np.bool_)
    for e in range(n):
        r = rows[e]
        a = side[e]
        t = target[e]
        new[e] = not ((t1 - seen_t[r, a, t]) <= timeout[a])
        seen_t[r, a, t] = t1
        seen_x[r, a, t] = bx[e]
        seen_y[r, a, t] = by[e]
        seen_err[r, a, t] = sd[e]
        seen_vx[r, a, t] = bvx[e]
        seen_vy[r, a, t] = bvy[e]
        seen_by[r, a, t] = observer[e]
        identified[r, a, t] = identified[r, a, t] or ident[e]
        if new[e]:
            episode_t[r, a, t] = t1
            detected_at[r, t] = min(detected_at[r, t], t1)
            detected_by_side[r, a] = min(detected_by_side[r, a], t1)
    earlier = np.empty(n, dtype=np.bool_)
    due = np.empty(n)
    for b in range(allied.shape[1]):
        for e in range(n):
            a = side[e]
            if allied[a, b]:
                due[e] = t1 + (latency[a] + (0.0 if a == b else latency[b]))
                earlier[e] = due[e] < due_t[rows[e], b, target[e]]
            else:
                earlier[e] = False
        for e in range(n):
            if earlier[e]:
                due_t[rows[e], b, target[e]] = due[e]
                due_from[rows[e], b, target[e]] = side[e]
    return new
