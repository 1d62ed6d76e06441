"""Behaviours compiled from the scenario: per element, the rules it follows on its own and their
parameters (docs/mechanics/behaviour.md). Static for a run; an element without a behaviour has every rule
off."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from drillsim.scenario.models import BehaviourSpec, Scenario
from drillsim.world.forces import ForceTable

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

_PARAMETERS = (
    "radius_m",
    "withdraw_below",
    "attack_above",
    "reach_m",
    "probe_distance_m",
    "probe_s",
    "air_radius_m",
    "cover_s",
    "wary_s",
    "max_cover_s",
    "unidentified_strength",
    "ambush_offset_m",
    "ambush_zone_m",
    "ambush_lead_s",
    "ambush_wait_s",
    "ambush_withdraw_s",
    "column_speed_mps",
    "ambush_lookout_m",
    "pursue_above",
    "pursue_distance_m",
    "pursue_s",
)


class Horizons(NamedTuple):
    """Per element, how far its rules look (m): the radius counted for strength, its reach for targets and
    its air radius; and the strength assumed for an unidentified contact."""

    radius_m: FloatArray
    reach_m: FloatArray
    air_radius_m: FloatArray
    unidentified_strength: FloatArray


class Rules(NamedTuple):
    """Per element, which rules are on and their parameters, as the compiled choice of actions reads them
    (:class:`BehaviourTable`'s fields of the same names)."""

    take_cover: BoolArray
    withdraw: BoolArray
    attack: BoolArray
    probe: BoolArray
    radius_m: FloatArray
    withdraw_below: FloatArray
    attack_above: FloatArray
    probe_distance_m: FloatArray
    probe_s: FloatArray
    cover_s: FloatArray
    wary_s: FloatArray
    max_cover_s: FloatArray


class PursuitRules(NamedTuple):
    """Per element, what the compiled search for pursuits reads: whether the pursue rule is on, its reach,
    the strength assumed for an unidentified contact, the rule's odds and limits, and the radius of the
    local force ratio."""

    pursue: BoolArray
    reach_m: FloatArray
    unidentified_strength: FloatArray
    pursue_above: FloatArray
    pursue_distance_m: FloatArray
    pursue_s: FloatArray
    radius_m: FloatArray


@dataclass(frozen=True)
class BehaviourTable:
    """Per element (N): which rules are on, and each parameter of :class:`BehaviourSpec` (NaN: none)."""

    take_cover: BoolArray
    withdraw: BoolArray
    attack: BoolArray
    probe: BoolArray
    radius_m: FloatArray
    withdraw_below: FloatArray
    attack_above: FloatArray
    reach_m: FloatArray
    probe_distance_m: FloatArray
    probe_s: FloatArray
    air_radius_m: FloatArray
    cover_s: FloatArray
    wary_s: FloatArray
    max_cover_s: FloatArray
    unidentified_strength: FloatArray
    ambush_offset_m: FloatArray
    ambush_zone_m: FloatArray
    ambush_lead_s: FloatArray
    ambush_wait_s: FloatArray
    ambush_withdraw_s: FloatArray
    column_speed_mps: FloatArray
    ambush_lookout_m: FloatArray
    pursue_above: FloatArray
    pursue_distance_m: FloatArray
    pursue_s: FloatArray
    ambush: BoolArray
    pursue: BoolArray

    @cached_property
    def horizons(self) -> Horizons:
        """What the compiled assessment reads (built once)."""
        return Horizons(self.radius_m, self.reach_m, self.air_radius_m, self.unidentified_strength)

    @cached_property
    def rules(self) -> Rules:
        """What the compiled choice of actions reads (built once)."""
        return Rules(
            self.take_cover,
            self.withdraw,
            self.attack,
            self.probe,
            self.radius_m,
            self.withdraw_below,
            self.attack_above,
            self.probe_distance_m,
            self.probe_s,
            self.cover_s,
            self.wary_s,
            self.max_cover_s,
        )

    @cached_property
    def pursuits(self) -> PursuitRules:
        """What the compiled search for pursuits reads (built once)."""
        return PursuitRules(
            self.pursue,
            self.reach_m,
            self.unidentified_strength,
            self.pursue_above,
            self.pursue_distance_m,
            self.pursue_s,
            self.radius_m,
        )

    @cached_property
    def any(self) -> bool:
        """Whether some element follows a rule."""
        return bool(self.deciding.any())

    @cached_property
    def deciding(self) -> BoolArray:
        """Per element: whether it follows some rule (``probe`` only shapes ``attack``)."""
        return np.asarray(
            self.take_cover | self.withdraw | self.attack | self.ambush | self.pursue, dtype=bool
        )


def compile_behaviours(scenario: Scenario, forces: ForceTable) -> BehaviourTable:
    """Each element's behaviour: its unit's ``behaviour`` from the catalogue, or none."""
    n = forces.n
    flags = {
        rule: np.zeros(n, dtype=bool)
        for rule in ("take-cover", "withdraw", "attack", "probe", "ambush", "pursue")
    }
    values = {name: np.full(n, np.nan) for name in _PARAMETERS}
    for i, group in enumerate(forces.group_of):
        name = scenario.units[group].behaviour
        if name is None:
            continue
        spec: BehaviourSpec = scenario.catalogue.behaviours[name]
        for rule in spec.rules:
            flags[rule][i] = True
        for key in _PARAMETERS:
            values[key][i] = float(getattr(spec, key))
    return BehaviourTable(
        take_cover=flags["take-cover"],
        withdraw=flags["withdraw"],
        attack=flags["attack"],
        probe=flags["probe"],
        ambush=flags["ambush"],
        pursue=flags["pursue"],
        **values,
    )
