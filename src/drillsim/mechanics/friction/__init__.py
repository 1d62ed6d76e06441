"""Friction of the march: pace varying between runs and vehicle breakdowns (docs/mechanics/friction.md)."""

from drillsim.mechanics.friction.model import breakdown_probability, pace_factor
from drillsim.mechanics.friction.step import Friction, march_speed_factors

__all__ = ["Friction", "breakdown_probability", "march_speed_factors", "pace_factor"]
