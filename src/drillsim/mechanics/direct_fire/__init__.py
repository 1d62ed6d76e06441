"""Direct fire: target choice from the firer's picture, aimed-fire attrition by range band, suppression and
cover (docs/mechanics/direct-fire.md)."""

from drillsim.mechanics.direct_fire.model import POSTURE_DIRECT_EXPOSURE, band_value, casualty_rate

__all__ = ["POSTURE_DIRECT_EXPOSURE", "band_value", "casualty_rate"]
