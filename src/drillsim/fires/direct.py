"""Aimed direct fire: attrition from weapon range-band tables.

A shooter element with ``n`` weapons of rate ``f`` (engagements per second) firing at a target at range
``r`` inflicts casualties at the rate

    c = n * f * P_k(r) * q * (S / S0) * (1 - 0.7 * sigma) * e_posture * (1 - cover)

where ``P_k(r)`` is the weapon's kill probability for the range band holding ``r``, ``q`` the shooter's
training, ``S / S0`` the fraction of the shooter still fighting, ``sigma`` whether it is suppressed, and
``e_posture`` the target's exposure in its posture. Summed over shooters, casualties in a step are a
binomial draw with per-person probability ``1 - exp(-c * dt / N_target)``: strength never goes below zero,
and with many shooters the mean follows Lanchester's square law (aimed fire). See docs/mechanics/fires.md.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import ArrayLike, NDArray

from drillsim.scenario.models import POSTURES

FloatArray = NDArray[np.float64]

POSTURE_DIRECT_EXPOSURE: dict[str, float] = {
    "moving": 1.0,
    "halted": 0.8,
    "hasty-defence": 0.5,
    "prepared-defence": 0.25,
    "hidden": 0.4,
    "mounted": 0.7,
}
"""Fraction of aimed-fire effect that reaches a target in each posture (engineering estimate)."""
POSTURE_DIRECT_TABLE = np.array([POSTURE_DIRECT_EXPOSURE[p] for p in POSTURES])

SUPPRESSED_FIRE_FACTOR = 0.3
"""A suppressed element fires at this fraction of its normal effect."""


def band_value(
    range_m: ArrayLike, band_range: NDArray[np.float64], values: NDArray[np.float64]
) -> FloatArray:
    """The table value of the first band whose upper range holds ``range_m`` (0 beyond the last band).

    ``band_range`` and ``values`` are (pairs, bands), bands increasing, padded with +inf and 0.
    """
    return band_values(range_m, band_range, values)[0]


def band_values(
    range_m: ArrayLike, band_range: NDArray[np.float64], *tables: NDArray[np.float64]
) -> tuple[FloatArray, ...]:
    """:func:`band_value` for several tables sharing one set of bands (the band is found once)."""
    r = np.asarray(range_m, dtype=np.float64)[..., None]
    inside = r <= band_range
    first = np.argmax(inside, axis=-1)[..., None]
    within = inside.any(axis=-1)
    return tuple(
        np.where(within, np.take_along_axis(values, first, axis=-1)[..., 0], 0.0) for values in tables
    )


def band_values_of(
    range_m: FloatArray, weapon: NDArray[np.int64], band_range: FloatArray, *tables: FloatArray
) -> tuple[FloatArray, ...]:
    """:func:`band_values` for pairs that each name a row (``weapon``) of whole (weapons, bands) tables,
    without gathering the rows: the band is found by a compiled loop over the pairs."""
    first = np.empty(len(range_m), dtype=np.int64)
    _first_band(np.ascontiguousarray(range_m, dtype=np.float64), weapon, band_range, first)
    within = first >= 0
    band = np.maximum(first, 0)
    return tuple(np.where(within, values[weapon, band], 0.0) for values in tables)


@numba.njit(cache=True, nogil=True)  # type: ignore[misc,unused-ignore]
def _first_band(
    range_m: FloatArray, weapon: NDArray[np.int64], band_range: FloatArray, out: NDArray[np.int64]
) -> None:
    """Index of the first band of ``band_range[weapon[p]]`` holding ``range_m[p]`` (-1: beyond the last)."""
    for p in range(range_m.shape[0]):
        w = weapon[p]
        out[p] = -1
        for b in range(band_range.shape[1]):
            if range_m[p] <= band_range[w, b]:
                out[p] = b
                break


def casualty_rate(
    *,
    weapons: ArrayLike,
    rate_per_s: ArrayLike,
    p_kill: ArrayLike,
    fighting_fraction: ArrayLike,
    training: ArrayLike,
    suppressed: ArrayLike,
    exposure: ArrayLike,
) -> FloatArray:
    """Expected casualties per second one shooter's mount inflicts on one target (see module docs)."""
    supp = np.asarray(suppressed, dtype=np.float64)
    fire = 1.0 - (1.0 - SUPPRESSED_FIRE_FACTOR) * supp
    out = (
        np.asarray(weapons, dtype=np.float64)
        * np.asarray(rate_per_s, dtype=np.float64)
        * np.asarray(p_kill, dtype=np.float64)
        * np.clip(np.asarray(fighting_fraction, dtype=np.float64), 0.0, 1.0)
        * np.asarray(training, dtype=np.float64)
        * fire
        * np.asarray(exposure, dtype=np.float64)
    )
    return np.maximum(out, 0.0)
