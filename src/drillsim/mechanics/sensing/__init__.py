"""Sensing: detection hazards, position errors, the pair search, and the pictures each side builds from
its detections and reports (docs/mechanics/sensing.md)."""

from drillsim.mechanics.sensing.model import (
    LIGHT_LEVELS,
    POSTURE_DETECTABILITY,
    aircraft_contact_life,
    detection_probability,
    detection_rate,
    light_factor,
    position_error_sd,
)

__all__ = [
    "LIGHT_LEVELS",
    "POSTURE_DETECTABILITY",
    "aircraft_contact_life",
    "detection_probability",
    "detection_rate",
    "light_factor",
    "position_error_sd",
]
