"""The compiled search for aircraft in flight (:func:`detect_aircraft`), its mounts' hazard inlined and given
the arrays it reads, gives bit for bit what the code it replaced gives (kept here as the reference: a compiled
helper given the whole sensor table per pair), on a state of the default scenario stirred so that every
branch is taken."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from drillsim.core.compiled import plain, run_per_row
from drillsim.core.random import DrawKey, draw_key, hash_fourth, hash_prefix, uniform_last
from drillsim.engine.simulation import Simulation
from drillsim.mechanics.sensing.model import glimpse_hazard
from drillsim.mechanics.sensing.passes import Detections, SensorTable, Sky, detect_aircraft
from drillsim.mechanics.sensing.step import _DETECTION_DTYPES

# --- the reference: the code the inline mount loop replaced -----------------------------------------------


@numba.njit
def _reference_mounts_hazard(s, slant, factor, stretch, sensors, m_rate):  # type: ignore[no-untyped-def]
    mounts = sensors.mounts
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
        rate = glimpse_hazard(
            slant, m_rate[mm] * factor, sensors.m_scale[mm] * stretch, sensors.m_max[mm] * stretch
        )
        total += rate
        if rate > best_rate:
            best_rate = rate
            best = mm
        if not sensors.m_los[mm]:
            clear += rate
            if rate > best_clear_rate:
                best_clear_rate = rate
                best_clear = mm
    return total, clear, best, best_clear


@numba.njit
def _reference_detect_aircraft(  # type: ignore[no-untyped-def]
    x, y, altitude, source_ok, flying, sky, sensors, m_rate, dt, key, out, counts
):
    sensors = SensorTable(*sensors)
    observers = sensors.observers
    max_range = sensors.max_range
    side = sensors.side
    hostile = sensors.hostile
    observer_factor = sensors.observer_factor
    visibility = sensors.visibility
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
            h_s = hash_fourth(prefix, element_key[s])
            for k in range(aircraft.shape[0]):
                t = aircraft[k]
                if t == s or not flying[r, k] or not hostile[side[s], side[t]]:
                    continue
                d = np.hypot(x[r, t] - x[r, s], y[r, t] - y[r, s])
                if d > max_range[s] * sighting[k]:
                    continue
                slant = np.hypot(d, altitude[r, t] - altitude[r, s])
                if slant > visibility:
                    continue
                factor = signature[k] * observer_factor[s]
                total, clear, best, best_clear = _reference_mounts_hazard(
                    s, slant, factor, sighting[k], sensors, m_rate
                )
                if total <= 0.0:
                    continue
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


# --- the comparison ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sky_watch() -> Simulation:
    """Four replications of the default scenario, an hour in."""
    sim = Simulation("khatlon-2015", rng=11, replications=4)
    sim.run(until_s=3600.0)
    return sim


def _stirred(sim: Simulation, seed: int) -> tuple[object, ...]:
    """The arguments of :func:`detect_aircraft` on the simulation's state stirred: each aircraft put near a
    random observer (within or just beyond its reach) at a random height, random observers looking and
    aircraft flying, the mounts' rates scaled (some to zero), some mounts needing no line of sight, and for
    odd seeds a short visibility."""
    rng = np.random.default_rng(seed)
    sensing = sim.sensing
    s = sim.state
    table: SensorTable = sensing.table
    sky: Sky = sensing.sky
    x, y, altitude = s.x.copy(), s.y.copy(), s.air_altitude.copy()
    rows = x.shape[0]
    observers = table.observers[table.max_range[table.observers] > 0.0]
    for r in range(rows):
        for k, a in enumerate(sky.aircraft):
            o = rng.choice(observers)
            reach = table.max_range[o] * sky.sighting[k] * rng.uniform(0.0, 1.2)
            bearing = rng.uniform(0.0, 2.0 * np.pi)
            x[r, a] = x[r, o] + reach * np.cos(bearing)
            y[r, a] = y[r, o] + reach * np.sin(bearing)
            altitude[r, a] = altitude[r, o] + rng.uniform(0.0, 4_000.0)
    source_ok = rng.random(x.shape) < 0.9
    flying = rng.random((rows, len(sky.aircraft))) < 0.7
    light = sensing._light(sim.ctx, 0)
    m_rate = light.m_rate * rng.uniform(0.5, 50.0, light.m_rate.shape)
    m_rate[rng.random(m_rate.shape) < 0.1] = 0.0
    # Some mounts need no line of sight (the scenario's air search has few such), so both sums are used.
    table = table._replace(m_los=table.m_los & (rng.random(table.m_los.shape) < 0.7))
    if seed % 2:
        table = table._replace(visibility=float(np.median(table.max_range[observers])))
    key: DrawKey = draw_key(
        seed, "sensors/air", sim.ctx.step + seed, s.replications, sim.world.forces.draw_key
    )
    return (x, y, altitude, source_ok, flying, plain(sky), plain(table), m_rate, sim.world.dt_s, plain(key))


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_inline_mount_hazard_matches_the_table_helper(sky_watch: Simulation, seed: int) -> None:
    """Same detections, same order, same slant ranges, mounts and line-of-sight needs, bit for bit; the
    stirred state detects aircraft in several replications and takes both sides of the line-of-sight
    branch."""
    args = _stirred(sky_watch, seed)
    rows = sky_watch.state.r
    got, _ = run_per_row(detect_aircraft, args, _DETECTION_DTYPES, rows, 4, Detections)
    want, _ = run_per_row(_reference_detect_aircraft, args, _DETECTION_DTYPES, rows, 4, Detections)
    for name, a, b in zip(("row", *Detections._fields), got, want, strict=True):
        np.testing.assert_array_equal(a, b, err_msg=name)
    row, _, _, _, _, best_clear, needs_los = got
    assert len(set(row.tolist())) >= 2
    assert needs_los.any()
    assert not needs_los.all()
    assert (best_clear >= 0).any()
