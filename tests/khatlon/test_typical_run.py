"""A typical run of the Khatlon 2015 scenario (fixed seed, a few replications) tells the article's story."""

from __future__ import annotations

import itertools

import numpy as np

from drillsim import Outcomes, Scenario, Simulation

HOUR = 3600.0


def _phase_starts(sim: Simulation) -> dict[str, np.ndarray]:
    names = sim.world.plan.phase_names
    return {name: sim.state.phase_start[:, k] for k, name in enumerate(names)}


def test_every_phase_starts(typical_run: tuple[Outcomes, Simulation]) -> None:
    """Every phase of the plan starts in at least one replication of a typical run."""
    _, sim = typical_run
    for name, start in _phase_starts(sim).items():
        assert np.isfinite(start).any(), name


def test_article_phases_start_in_every_replication(typical_run: tuple[Outcomes, Simulation]) -> None:
    """The phases the article tells start in every replication, in the article's order."""
    _, sim = typical_run
    starts = _phase_starts(sim)
    order = [
        "snap-deployment",
        "incursion",
        "aerial-reconnaissance",
        "ground-reconnaissance",
        "special-forces-raid",
        "air-strikes",
        "drones-and-artillery",
    ]
    for name in order:
        assert np.isfinite(starts[name]).all(), name
    for earlier, later in itertools.pairwise(order):
        assert (starts[earlier] <= starts[later]).all(), (earlier, later)


def test_forces_are_in_place_before_the_militants_reach_their_positions(
    typical_run: tuple[Outcomes, Simulation],
) -> None:
    """The contingents sent to the range are in place within 30 h of the alert (snap deployment)."""
    outcomes, _ = typical_run
    assert (outcomes.measures["time-in-place"] <= 30 * HOUR).all()


def test_militants_are_located_within_hours_of_crossing(typical_run: tuple[Outcomes, Simulation]) -> None:
    """The incursion is detected within 2 h of the crossing (24 h after the alert), and 80 % of the militant
    groups are located within 12 h of it unless the militants' air defence damaged or brought down a
    reconnaissance aircraft first."""
    outcomes, _ = typical_run
    assert (outcomes.measures["first-detection"] <= 26 * HOUR).all()
    located = np.nan_to_num(outcomes.measures["time-to-locate-80"], nan=np.inf)
    hurt = (outcomes.measures["aircraft-lost"] + outcomes.measures["sorties-aborted"]) > 0
    assert ((located <= 36 * HOUR) | hurt).all()


def test_sorties_and_rounds_are_spent(typical_run: tuple[Outcomes, Simulation]) -> None:
    """Bombers fly sorties and the artillery fires rounds in every replication."""
    outcomes, _ = typical_run
    assert (outcomes.measures["sorties"] > 0).all()
    assert (outcomes.measures["artillery-rounds"] > 0).all()


def test_commander_is_captured_or_escapes_or_is_at_large(typical_run: tuple[Outcomes, Simulation]) -> None:
    """The field commander is never both captured and escaped."""
    outcomes, _ = typical_run
    both = (outcomes.measures["commander-captured"] > 0) & (outcomes.measures["commander-escaped"] > 0)
    assert not both.any()


def test_night_variant_crosses_in_darkness(base: Scenario, variants: dict[str, Scenario]) -> None:
    """The night variant's incursion hour is dark, where the base scenario's is daylight."""
    from drillsim.world.build import build_world

    hour = int(float(base.plan.phases["incursion"].trigger.at_s) // HOUR)
    assert build_world(base).light_by_hour[hour + 1] == 0
    night = build_world(variants["khatlon-2015-night-v1"])
    assert night.light_by_hour[hour] == 2
    assert night.light_by_hour[hour + 3] == 2
