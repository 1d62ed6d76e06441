"""Detection as a hazard rate (the "glimpse" model in continuous time).

A sensor of close-range rate ``lambda0`` looking at a target at range ``r`` detects it at the rate

    lambda(r) = lambda0 * n * s * p * L * exp(-(r / r_s)**2)        for r <= min(r_max, visibility)

and not at all beyond, where ``n`` is the number of such sensors, ``s`` the target's signature, ``p`` its
posture factor, ``L`` the light factor and ``r_s`` the sensor's range scale. Line of sight is a separate
yes/no gate. Over a step ``dt`` the probability of at least one detection is ``1 - exp(-lambda * dt)``,
so results converge as ``dt`` shrinks. See docs/mechanics/sensors.md.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

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
    r = np.asarray(range_m, dtype=np.float64)
    scale = np.asarray(range_scale_m, dtype=np.float64)
    rate = np.asarray(rate_per_s, dtype=np.float64) * np.asarray(factor, dtype=np.float64)
    out = rate * np.exp(-((r / scale) ** 2))
    return np.where(r <= np.asarray(max_range_m, dtype=np.float64), np.maximum(out, 0.0), 0.0)


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
