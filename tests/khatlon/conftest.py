"""Fixtures for the Khatlon 2015 scenario tests: the scenario, its variants, and one short shared run."""

from __future__ import annotations

import pytest

from drillsim import EventLog, Outcomes, Scenario, Simulation, load_scenario

BASE = "khatlon-2015-v1"
VARIANTS = (
    "khatlon-2015-deciding-v1",
    "khatlon-2015-incursion-7000-v1",
    "khatlon-2015-local-support-v1",
    "khatlon-2015-no-drones-v1",
    "khatlon-2015-night-v1",
    "khatlon-2015-no-second-line-v1",
)
SEED = 1
REPLICATIONS = 2


@pytest.fixture(scope="session")
def base() -> Scenario:
    """The default scenario, loaded from the library."""
    return load_scenario(BASE)


@pytest.fixture(scope="session")
def variants() -> dict[str, Scenario]:
    """Every shipped what-if variant, by name."""
    return {name: load_scenario(name) for name in VARIANTS}


@pytest.fixture(scope="session")
def typical_run(base: Scenario) -> tuple[Outcomes, Simulation]:
    """A few replications of the default scenario with a fixed seed and an event log."""
    sim = Simulation(base, rng=SEED, replications=REPLICATIONS, recorder=EventLog(sample_s=None))
    return sim.run(), sim
