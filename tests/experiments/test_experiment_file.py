"""Experiment files: each mistake is one InputError naming file, line and field; the CLI exits 2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from drillsim.core.errors import InputError
from drillsim.experiments.experiment import load_experiment

Write = Callable[..., Path]
Cli = Callable[..., Any]


def assert_rejected(path: Path, cli: Cli | None, *, line: int, field: str, match: str) -> InputError:
    """Loading rejects ``path`` with a located message; so does ``drillsim experiment`` (exit 2), if given."""
    with pytest.raises(InputError, match=match) as info:
        load_experiment(path)
    message = str(info.value)
    assert message.startswith(f"{path}:{line}:"), message
    assert f"field '{field}'" in message
    if cli is None:
        return info.value
    result = cli("experiment", str(path), "--out", str(path.parent / "store"))
    assert result.code == 2
    assert message in " ".join(result.err.split())
    assert "Traceback" not in result.err
    return info.value


def test_unknown_factor_path_suggests_the_field(experiment_file: Write, cli: Cli) -> None:
    """A misspelt scenario field in a factor path is reported at the factor with a did-you-mean."""
    path = experiment_file("units.mil/grp.count:", "units.mil/grp.cuont:")
    error = assert_rejected(path, cli, line=9, field="factors.units.mil/grp.cuont", match="no field 'cuont'")
    assert error.suggestion == "count"


def test_unknown_unit_in_factor_path(experiment_file: Write) -> None:
    """A factor path through a unit that does not exist names the nearest unit id."""
    path = experiment_file("units.mil/grp.count:", "units.mil/gpr.count:")
    error = assert_rejected(
        path, None, line=9, field="factors.units.mil/gpr.count", match="no field 'mil/gpr'"
    )
    assert error.suggestion == "mil/grp"


def test_range_with_low_above_high(experiment_file: Write, cli: Cli) -> None:
    """A range whose low is not below its high is refused at that factor."""
    path = experiment_file("{low: 0.0, high: 0.6, name: support}", "{low: 0.6, high: 0.1, name: support}")
    assert_rejected(
        path, cli, line=10, field="factors.environment.population.level", match="low must be below high"
    )


def test_integer_factor_with_fractional_bounds(experiment_file: Write) -> None:
    """An integer factor needs whole-number bounds."""
    path = experiment_file("{low: 1, high: 4, integer: true", "{low: 1, high: 4.5, integer: true")
    assert_rejected(path, None, line=9, field="factors.units.mil/grp.count", match="whole-number bounds")


def test_factor_with_range_and_values(experiment_file: Write) -> None:
    """A factor gives either a range, levels or values, not two of them."""
    path = experiment_file("{low: 0.0, high: 0.6, name: support}", "{low: 0.0, high: 0.6, values: [0.1]}")
    assert_rejected(path, None, line=10, field="factors.environment.population.level", match="exactly one")


def test_unknown_design_kind(experiment_file: Write, cli: Cli) -> None:
    """An unknown design kind lists the known ones and suggests the nearest."""
    path = experiment_file("kind: nolh", "kind: nohl")
    error = assert_rejected(path, cli, line=7, field="design.kind", match="not one of the allowed values")
    assert error.suggestion == "nolh"
    assert "full-factorial" in str(error)


def test_sobol_points_not_power_of_two(experiment_file: Write) -> None:
    """A Sobol' design with 12 points is refused where the design is written."""
    path = experiment_file("kind: nolh", "kind: sobol\n  points: 12")
    assert_rejected(path, None, line=7, field="design", match="power of two")


def test_unknown_top_level_field(experiment_file: Write) -> None:
    """A misspelt top-level key is an unknown field with a did-you-mean."""
    path = experiment_file("replications: 3", "replicatons: 3")
    error = assert_rejected(path, None, line=4, field="replicatons", match="unknown field 'replicatons'")
    assert error.suggestion == "replications"


def test_unknown_measure(experiment_file: Write) -> None:
    """A measure the scenario does not report is refused with the nearest name."""
    path = experiment_file("losses-raiders]", "losses-raider]")
    error = assert_rejected(path, None, line=11, field="measures[2]", match="unknown measure 'losses-raider'")
    assert error.suggestion == "losses-raiders"


def test_factor_value_the_scenario_refuses(experiment_file: Write) -> None:
    """A factor value the scenario rejects (a negative count) is reported at the factor, with the value."""
    path = experiment_file("{low: 1, high: 4, integer: true", "{low: -3, high: 4, integer: true")
    assert_rejected(path, None, line=9, field="factors.units.mil/grp.count", match="out of range.*found -3")


def test_missing_scenario_file(experiment_file: Write) -> None:
    """A base scenario that is neither a file nor an embedded name is reported at 'scenario'."""
    path = experiment_file("crossing-defence.yaml", "crossing-defense.yaml")
    assert_rejected(path, None, line=2, field="scenario", match="no file")


def test_valid_file_loads(experiment_file: Write) -> None:
    """The small experiment loads: 17 NOLH points, two factor columns, three measures."""
    experiment = load_experiment(experiment_file())
    assert len(experiment.points) == 17
    assert experiment.columns == ("groups", "support")
    assert experiment.measures == ("first-detection", "crossing-held", "losses-raiders")


def test_common_random_numbers_share_indices(experiment_file: Write) -> None:
    """Under common random numbers, replication k of every design point uses engine replication index k."""
    experiment = load_experiment(experiment_file())
    assert {experiment.stream_index(d, 2) for d in range(17)} == {2}


def test_independent_random_numbers_are_distinct(experiment_file: Write) -> None:
    """With independent random numbers every (design point, replication) pair has its own index."""
    experiment = load_experiment(experiment_file("seed: 7", "seed: 7\nrandom_numbers: independent"))
    indices = [experiment.stream_index(d, k) for d, k in experiment.pairs()]
    assert len(set(indices)) == len(indices)
