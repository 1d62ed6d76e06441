"""Detection as a hazard rate (the "glimpse" model in continuous time).

A sensor of close-range rate ``lambda0`` looking at a target at range ``r`` detects it at the rate

    lambda(r) = lambda0 * n * s * p * L * exp(-(r / r_s)**2)        for r <= min(r_max, visibility)

and not at all beyond, where ``n`` is the number of such sensors, ``s`` the target's signature, ``p`` its
posture factor, ``L`` the light factor and ``r_s`` the sensor's range scale. Line of sight is a separate
yes/no gate. Over a step ``dt`` the probability of at least one detection is ``1 - exp(-lambda * dt)``,
so results converge as ``dt`` shrinks. See docs/mechanics/sensing.md.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from drillsim.core.compiled import jit
from drillsim.scenario.models import POSTURES

FloatArray = NDArray[np.float64]

POSTURE_DETECTABILITY: dict[str, float] = {
    "moving": 1.0,
    "halted": 0.6,
    "hasty-defence": 0.5,
    "prepared-defence": 0.3,
    "hidden": 0.15,
    "mounted": 1.2,
}
"""How visible a target is in each posture, relative to moving in the open (engineering estimate)."""
POSTURE_DETECTABILITY_TABLE = np.array([POSTURE_DETECTABILITY[p] for p in POSTURES])

LIGHT_LEVELS = ("day", "twilight", "night")

SIGHTING_RANGE_FACTOR: dict[str, float] = {
    "rotary": 3.0,
    "jet": 3.0,
    "propeller": 2.5,
    "small-uav": 1.0,
}
"""Multiplier on a ground sensor's ``range_scale_m`` and ``max_range_m`` when it looks for an aircraft of
each signature class: an aircraft against the sky, and a helicopter by its noise, is noticed much farther
away than a group on the ground (drillsim assumption, confidence low; US Army Intelligence Center subcourse
IS4400 names size, aspect, contrast with the sky and motion as what decides it, without ranges; a small
drone is as hard to see as a ground target). Used both by the sides' sensing of aircraft and by air
defence's tracking, so the two agree."""


def aircraft_contact_life(sighting: ArrayLike, range_scale_m: ArrayLike, speed_mps: ArrayLike) -> FloatArray:
    """How long a contact on an aircraft says where it is: the time the aircraft takes, at its cruise
    speed, to fly the range scale at which a sensor notices it (``sighting`` times the sensor's
    ``range_scale_m``). Older than that, the aircraft may be anywhere the sensor could have seen it, or
    beyond; still near, it would have been seen again. +inf where the speed or the range is 0."""
    reach = np.asarray(sighting, dtype=np.float64) * np.asarray(range_scale_m, dtype=np.float64)
    speed = np.asarray(speed_mps, dtype=np.float64)
    ok = (speed > 0) & (reach > 0)
    return np.asarray(np.where(ok, reach / np.where(ok, speed, 1.0), np.inf), dtype=np.float64)


def light_factor(level: int, night_factor: ArrayLike) -> FloatArray:
    """Multiplier on a sensor's rate: 1 by day, ``night_factor`` by night, their mean at twilight.

    ``level`` indexes :data:`LIGHT_LEVELS`.
    """
    night = np.asarray(night_factor, dtype=np.float64)
    if level == 0:
        return np.ones_like(night)
    if level == 1:
        return 0.5 * (1.0 + night)
    return night


@jit
def glimpse_hazard(range_m: float, rate_per_s: float, range_scale_m: float, max_range_m: float) -> float:
    """Detection hazard of one look at one range: ``rate * exp(-(r / r_s)**2)``, zero beyond the range.

    This scalar function is the one definition of the hazard; compiled kernels call it directly and
    :func:`detection_rate` applies it to arrays.
    """
    if range_m > max_range_m:
        return 0.0
    z = range_m / range_scale_m
    value = rate_per_s * np.exp(-z * z)
    return value if value > 0.0 else 0.0


@jit
def _hazard_many(
    r: FloatArray, rate: FloatArray, scale: FloatArray, max_range: FloatArray, out: FloatArray
) -> None:
    for k in range(r.shape[0]):
        out[k] = glimpse_hazard(r[k], rate[k], scale[k], max_range[k])


def detection_rate(
    range_m: ArrayLike,
    *,
    rate_per_s: ArrayLike,
    range_scale_m: ArrayLike,
    max_range_m: ArrayLike,
    factor: ArrayLike = 1.0,
) -> FloatArray:
    """Detection hazard (per second) at a range; ``factor`` bundles count, signature, posture and light.

    Zero beyond ``max_range_m``; never negative; never rising with range.
    """
    r, rate, scale, max_range, fac = np.broadcast_arrays(
        *(np.asarray(v, dtype=np.float64) for v in (range_m, rate_per_s, range_scale_m, max_range_m, factor))
    )
    out = np.empty(r.shape)
    flat = out.reshape(-1)
    # Copies: numba must not be handed the read-only views that broadcast_arrays returns.
    _hazard_many(
        np.array(r.ravel()), (rate * fac).ravel(), np.array(scale.ravel()), np.array(max_range.ravel()), flat
    )
    return flat.reshape(r.shape)


def detection_probability(rate: ArrayLike, dt_s: float) -> FloatArray:
    """Probability of at least one detection in a step: ``1 - exp(-rate * dt)``."""
    return -np.expm1(-np.asarray(rate, dtype=np.float64) * dt_s)


def position_error_sd(
    range_m: ArrayLike, position_error_m: ArrayLike, range_scale_m: ArrayLike
) -> FloatArray:
    """Standard deviation (per axis) of a reported position: the sensor's error at its range scale,
    growing in proportion to range, and never below a quarter of it (no sensor is perfect up close)."""
    r = np.asarray(range_m, dtype=np.float64)
    err = np.asarray(position_error_m, dtype=np.float64)
    return err * np.maximum(0.25, r / np.asarray(range_scale_m, dtype=np.float64))
