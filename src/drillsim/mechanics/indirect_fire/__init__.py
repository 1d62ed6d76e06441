"""Indirect fire: the call-for-fire chain (request, fire direction, firing, time of flight) and the area
effect of rounds landing about the believed position (docs/mechanics/indirect-fire.md)."""

from drillsim.mechanics.direct_fire.model import POSTURE_AREA_EXPOSURE
from drillsim.mechanics.indirect_fire.model import round_casualty_fraction, scatter_sd

__all__ = ["POSTURE_AREA_EXPOSURE", "round_casualty_fraction", "scatter_sd"]
