"""Fixtures for the Monte Carlo, comparison and assertion tests: one shared run of the example, variants."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from drillsim.experiments.montecarlo import MonteCarloResult, monte_carlo

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SEED = 20150514


@pytest.fixture(scope="session")
def seed() -> int:
    """The root seed every test here uses."""
    return SEED


@pytest.fixture(scope="session")
def example() -> Path:
    """The teaching example scenario."""
    return EXAMPLES / "crossing-defence.yaml"


@pytest.fixture(scope="session")
def mc_result(example: Path) -> MonteCarloResult:
    """120 replications of the example in three batches of 40 (shared by several tests: it costs seconds)."""
    return monte_carlo(str(example), replications=120, rng=SEED, batch=40, progress=False)


@pytest.fixture(scope="session")
def night_variant(example: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The night variant: the shipped one, or a small stand-in written with ``extends:``."""
    shipped = EXAMPLES / "crossing-defence-night.yaml"
    if shipped.is_file():
        return shipped
    path = tmp_path_factory.mktemp("variants") / "night.yaml"
    shutil.copy(example, path.parent / "base.yaml")  # a variant extends files in its own folder tree
    path.write_text(
        "extends: base.yaml\nname: crossing-defence-night-v1\ntitle: Night raid\n"
        "environment: {light: night}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="session")
def trained_variant(example: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small change (better-trained defenders): runs stay strongly correlated with the base."""
    path = tmp_path_factory.mktemp("variants") / "trained.yaml"
    shutil.copy(example, path.parent / "base.yaml")  # a variant extends files in its own folder tree
    path.write_text(
        "extends: base.yaml\nname: crossing-defence-trained-v1\ntitle: Better-trained defenders\n"
        "nations: {TJK: {training: 0.7}}\n",
        encoding="utf-8",
    )
    return path
