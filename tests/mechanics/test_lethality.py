"""Casualties per round of the catalogue's area weapons follow their sourced lethal areas and the sourced
protection of each posture (docs/mechanics/indirect-fire.md, "Lethal areas").

The engine fires one round of a core-v1 weapon at a generic platoon of 30 located exactly
(:mod:`drillsim.validation.lethality`). Runs of a comparison share the seed and replications, so they share
the fall of shot and the casualty draws' uniforms: bounds are on paired differences, at ``Z`` standard
errors (one-sided, a false alarm about 3e-5).
"""

from __future__ import annotations

import math

import pytest
import yaml
from effects_kit import Z, assert_paired_greater

from drillsim.mechanics.direct_fire.model import POSTURE_AREA_EXPOSURE
from drillsim.mechanics.indirect_fire.model import lethal_spread, scatter_sd
from drillsim.validation.lethality import TARGET_PERSONNEL, casualties_per_round, per_round_scenario_data

REPS = 600

SOURCE_RADII_M = {"mortar-82": 19.0, "mortar-120": 30.0, "mlrs-122": 28.0}
"""Radius of the circle with the round's lethal area, from the open figures the catalogue cites: 81 mm
38-40 m diameter (the lower, since the 82 mm bomb is lighter), 120 mm 60 m diameter (FM 23-90 / FM 7-90 as
reproduced), 122 mm rocket 28 m (HRW 2006)."""


def test_catalogue_lethal_radii_are_the_converted_source_figures() -> None:
    """R50 = sqrt(ln 2) x the source's radius, rounded to the metre; the howitzer takes the 120 mm figure."""
    data = per_round_scenario_data("mortar-82", posture="moving", cover=0.0)
    assert data["catalogue"]["extends"] == ["core-v1"]
    from importlib.resources import files

    text = (files("drillsim.scenario") / "library" / "catalogues" / "core-v1.yaml").read_text("utf-8")
    weapons = yaml.safe_load(text)["weapons"]
    for weapon, radius in SOURCE_RADII_M.items():
        assert weapons[weapon]["lethal_radius_m"]["value"] == round(math.sqrt(math.log(2)) * radius)
        assert weapons[weapon]["lethal_radius_m"]["source"] != "drillsim-estimate"
    assert (
        weapons["howitzer-122"]["lethal_radius_m"]["value"]
        == weapons["mortar-120"]["lethal_radius_m"]["value"]
    )


def test_engine_matches_the_closed_form_per_round() -> None:
    """One 82 mm round aimed at the platoon's centre: E = n k²/(k² + s² + σ_d²), within Z standard errors."""
    got = casualties_per_round("mortar-82", "open", replications=REPS)
    peak, spread = lethal_spread(16.0, 120.0)
    sd2 = float(scatter_sd(50.0)) ** 2
    k2_plus_s2 = float(spread) / 2.0
    want = TARGET_PERSONNEL * float(peak) * k2_plus_s2 / (k2_plus_s2 + sd2)
    assert abs(got.mean - want) <= Z * got.se


@pytest.mark.parametrize(("target", "posture"), [("prone", "halted"), ("dug in", "prepared-defence")])
def test_protection_reduces_casualties_by_the_sourced_factor(target: str, posture: str) -> None:
    """Prone 0.6 and foxholes 0.1 of the casualties standing (Basic Field Manual, 1942), within Z se.

    With one round per mission the hit probability is exactly the exposure times that of a standing man,
    so the expected casualties are in the same ratio; the paired difference's mean is 0 within its
    standard error (from the replications' spread)."""
    factor = POSTURE_AREA_EXPOSURE[posture]
    open_ = casualties_per_round("mortar-82", "open", replications=REPS).per_replication
    covered = casualties_per_round("mortar-82", target, replications=REPS).per_replication
    diff = covered - factor * open_
    se = diff.std(ddof=1) / math.sqrt(REPS)
    assert abs(diff.mean()) <= Z * se
    assert covered.mean() < open_.mean()


def test_per_round_casualties_follow_lethal_area_and_dispersion_in_the_open() -> None:
    """One round on the same platoon: the 120 mm (R50 25 m, CEP 70 m) hurts more than the 82 mm (16 m,
    50 m), and more than the 122 mm howitzer (25 m, but CEP 110 m: the same lethal area spread wider)."""
    m82 = casualties_per_round("mortar-82", "open", replications=REPS).per_replication
    m120 = casualties_per_round("mortar-120", "open", replications=REPS).per_replication
    h122 = casualties_per_round("howitzer-122", "open", replications=REPS).per_replication
    assert_paired_greater(m120, m82)
    assert_paired_greater(m120, h122)
