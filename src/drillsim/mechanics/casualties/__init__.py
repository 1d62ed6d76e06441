"""Casualty states: killed, wounded (then evacuated) and missing, for every hit whatever its cause
(docs/mechanics/casualties.md)."""

from drillsim.mechanics.casualties.step import (
    EVACUATION_MEAN_S,
    KILLED_FRACTION,
    declare_missing,
    evacuate_wounded,
    split_hits,
)

__all__ = ["EVACUATION_MEAN_S", "KILLED_FRACTION", "declare_missing", "evacuate_wounded", "split_hits"]
