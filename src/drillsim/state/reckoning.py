"""Dead reckoning of a contact: where a side believes a target is some time after its last sighting, and
with what error. Compiled (Numba ufuncs), so kept apart from :mod:`drillsim.state.batch`, which the resource
pre-flight reads before the engine loads."""

from __future__ import annotations

import math

from drillsim.core.compiled import ufunc

__all__ = ["DEAD_RECKONING_S", "VELOCITY_ERROR_SHARE", "reckoned", "reckoned_error"]

DEAD_RECKONING_S = 600.0
"""The longest a contact's believed position is carried forward along its estimated velocity; an older
contact is believed where it would have been then (assumption: a column has turned or halted within ten
minutes; docs/mechanics/sensing.md, "Dead reckoning")."""
VELOCITY_ERROR_SHARE = 0.25
"""The error of a sighting's velocity estimate (standard deviation per axis) as a share of the speed seen
(assumption: direction and pace judged by eye; docs/mechanics/sensing.md)."""


@ufunc(["float64(float64, float64, float64)"])
def reckoned(position: float, velocity: float, age_s: float) -> float:
    """One coordinate of a contact's believed position ``age_s`` after its last sighting: where it was
    seen, carried along its estimated velocity for at most ``DEAD_RECKONING_S`` (dead reckoning)."""
    return position + velocity * min(max(age_s, 0.0), DEAD_RECKONING_S)


@ufunc(["float64(float64, float64, float64, float64)"])
def reckoned_error(error: float, vx: float, vy: float, age_s: float) -> float:
    """The believed position's error (per axis) ``age_s`` after the sighting: the sighting's error and the
    velocity estimate's (``VELOCITY_ERROR_SHARE`` of the speed) over the age, added in quadrature. A
    contact seen still keeps its error."""
    speed = math.hypot(vx, vy)
    if speed == 0.0:
        return error
    drift = VELOCITY_ERROR_SHARE * speed * max(age_s, 0.0)
    return math.sqrt(error * error + drift * drift)
