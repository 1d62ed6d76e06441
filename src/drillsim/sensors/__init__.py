"""Sensors: detection hazards and the position error of what they report (pure functions)."""

from drillsim.sensors.detection import (
    LIGHT_LEVELS,
    POSTURE_DETECTABILITY,
    detection_probability,
    detection_rate,
    light_factor,
    position_error_sd,
)

__all__ = [
    "LIGHT_LEVELS",
    "POSTURE_DETECTABILITY",
    "detection_probability",
    "detection_rate",
    "light_factor",
    "position_error_sd",
]
