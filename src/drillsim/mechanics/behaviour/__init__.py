"""Behaviour: rules by which units decide for themselves from their side's picture
(docs/mechanics/behaviour.md). The lowest of the mechanics: it decides, and orders carry the decisions out."""

from drillsim.mechanics.behaviour.model import (
    Assessment,
    cover_hold,
    faced_strength,
    moving_away,
    next_cover_level,
    pursuit_over,
    select_actions,
)
from drillsim.mechanics.behaviour.step import Decisions, decide

__all__ = [
    "Assessment",
    "Decisions",
    "cover_hold",
    "decide",
    "faced_strength",
    "moving_away",
    "next_cover_level",
    "pursuit_over",
    "select_actions",
]
