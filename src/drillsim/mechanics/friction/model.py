"""The formulas of friction (docs/mechanics/friction.md): an element's pace for a replication, the
chance that one of its vehicles breaks down over a distance, and the chance that it loses its way."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def pace_factor(z: FloatArray, cv: float) -> FloatArray:
    """The pace of elements given standard normal draws ``z``: log-normal with mean 1 and coefficient of
    variation ``cv`` (1 everywhere when ``cv`` is 0)."""
    sigma2 = np.log1p(cv * cv)
    return np.asarray(np.exp(np.sqrt(sigma2) * z - sigma2 / 2.0), dtype=np.float64)


def breakdown_probability(distance_m: FloatArray, vehicles: FloatArray, mean_distance_m: float) -> FloatArray:
    """Probability that at least one of ``vehicles`` breaks down over ``distance_m``, each failing at the
    constant rate 1 / ``mean_distance_m`` per metre."""
    return np.asarray(-np.expm1(-vehicles * distance_m / mean_distance_m), dtype=np.float64)


def navigation_error_probability(distance_m: FloatArray, mean_distance_m: float, light: float) -> FloatArray:
    """Probability that an element errs at least once over ``distance_m`` moved off roads, erring at the
    constant rate ``light`` / ``mean_distance_m`` per metre (``light``: the light's multiplier, 1 by day)."""
    return np.asarray(-np.expm1(-light * distance_m / mean_distance_m), dtype=np.float64)
