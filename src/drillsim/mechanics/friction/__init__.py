"""Friction of the march: pace varying between runs, vehicle breakdowns, night slowing the march and
navigation errors (docs/mechanics/friction.md)."""

from drillsim.mechanics.friction.model import breakdown_probability, navigation_error_probability, pace_factor
from drillsim.mechanics.friction.step import Friction, march_speed_factors

__all__ = [
    "Friction",
    "breakdown_probability",
    "march_speed_factors",
    "navigation_error_probability",
    "pace_factor",
]
