"""Direct fire: target choice from the firer's picture, aimed-fire attrition by range band, suppression and
cover (docs/mechanics/direct-fire.md)."""

from drillsim.mechanics.direct_fire.model import (
    POSTURE_AREA_EXPOSURE,
    POSTURE_PRESENTED_HEIGHT_M,
    band_value,
    casualty_rate,
    exposure_at_range,
)

__all__ = [
    "POSTURE_AREA_EXPOSURE",
    "POSTURE_PRESENTED_HEIGHT_M",
    "band_value",
    "casualty_rate",
    "exposure_at_range",
]
