"""``drillsim experiment`` is estimated before anything is allocated: memory, steps, design points."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from drillsim.core.errors import UserError
from drillsim.experiments.experiment import load_experiment, run_experiment

Write = Callable[..., Path]
Cli = Callable[..., Any]


def test_memory_above_the_budget_is_refused_before_the_store(
    experiment_file: Write, tmp_path: Path, cli: Cli
) -> None:
    """--memory-budget 1K: exit 2 with the estimate, no store directory, no traceback."""
    path = experiment_file()
    out = tmp_path / "store"
    result = cli("experiment", str(path), "--workers", "1", "--memory-budget", "1K", "--out", str(out))
    assert result.code == 2
    assert "experiment 'two-factor' needs about" in result.err
    assert "largest design point" in result.err
    assert "Traceback" not in result.err
    assert not out.exists()


def test_the_largest_design_point_sets_the_memory_estimate(experiment_file: Write) -> None:
    """Raising the top of the count factor raises the estimate: the largest point counts, not the base."""
    small = load_experiment(experiment_file())
    large = load_experiment(experiment_file("high: 4, integer", "high: 40000, integer", name="large.yaml"))
    small.check_budget(concurrent=1, memory_budget=1e8)
    with pytest.raises(UserError, match="needs about"):
        large.check_budget(concurrent=1, memory_budget=1e8)


def test_steps_over_all_design_points_need_force(experiment_file: Write, tmp_path: Path, cli: Cli) -> None:
    """17 points x 20,000 replications x 120 steps (4e7) pass; x 100,000 (2e8) need --force."""
    fits = load_experiment(experiment_file("replications: 3", "replications: 20000", name="fits.yaml"))
    fits.check_budget(concurrent=1)
    path = experiment_file("replications: 3", "replications: 100000")
    out = tmp_path / "store"
    result = cli("experiment", str(path), "--workers", "1", "--out", str(out))
    assert result.code == 2
    assert "17 design points x 100,000 replications" in result.err
    assert "--force" in result.err
    assert not out.exists()


def test_run_experiment_checks_the_budget_itself(experiment_file: Write, tmp_path: Path) -> None:
    """The Python API refuses too, before it creates the store."""
    store = tmp_path / "store"
    with pytest.raises(UserError, match="above the budget"):
        run_experiment(experiment_file(), executor=1, store=store, memory_budget=1e3)
    assert not store.exists()


def test_a_trillion_elements_are_refused_at_load(experiment_file: Write, tmp_path: Path, cli: Cli) -> None:
    """A design point of 10^12 elements: exit 2 naming the factor's line, nothing written."""
    path = experiment_file("{low: 1, high: 4, integer: true, name: groups}", "{levels: [1, 1000000000000]}")
    out = tmp_path / "store"
    result = cli("experiment", str(path), "--workers", "1", "--out", str(out))
    assert result.code == 2
    assert f"{path}:" in result.err
    assert "count to 1000000000000" in result.err
    assert not out.exists()
