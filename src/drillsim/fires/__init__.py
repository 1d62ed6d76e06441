"""Fires: direct-fire attrition and area effects of indirect fire and air strikes (pure functions)."""

from drillsim.fires.area import POSTURE_AREA_EXPOSURE, round_casualty_fraction, scatter_sd
from drillsim.fires.direct import POSTURE_DIRECT_EXPOSURE, band_value, casualty_rate

__all__ = [
    "POSTURE_AREA_EXPOSURE",
    "POSTURE_DIRECT_EXPOSURE",
    "band_value",
    "casualty_rate",
    "round_casualty_fraction",
    "scatter_sd",
]
