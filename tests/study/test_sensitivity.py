"""Sensitivity: regression metamodel, partition tree, Sobol indices, pedigree weighting."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyarrow as pa

import drillsim
from drillsim.study.sensitivity import (
    analyze_results,
    fit_metamodel,
    grow_tree,
    pedigree_report,
    screen_inputs,
    sobol_indices,
)

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "crossing-defence.yaml")


def _synthetic() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    x = rng.uniform(0.0, 10.0, size=(400, 3))
    c = (x - 5.0) / 5.0
    y = 2.0 + 3.0 * c[:, 0] - 1.5 * c[:, 1] + 0.8 * c[:, 0] * c[:, 1] + rng.normal(0.0, 0.5, 400)
    return x, y


def test_metamodel_recovers_known_effects_within_ci() -> None:
    """Coded main effects and the interaction of a known linear model lie inside their 95 % intervals."""
    x, y = _synthetic()
    mm = fit_metamodel(x, y, ["a", "b", "c"], low=[0, 0, 0], high=[10, 10, 10])
    truth = {"a": 3.0, "b": -1.5, "c": 0.0, "a x b": 0.8, "a x c": 0.0, "b x c": 0.0}
    assert all(e.ci_low <= truth[e.term] <= e.ci_high for e in mm.effects)
    assert mm.r2 > 0.9


def test_tree_splits_on_the_factor_that_matters() -> None:
    """The partition tree's first split is on the factor with a step effect."""
    rng = np.random.default_rng(3)
    x = rng.uniform(0.0, 1.0, size=(300, 3))
    y = np.where(x[:, 2] > 0.6, 5.0, 1.0) + rng.normal(0.0, 0.2, 300)
    tree = grow_tree(x, y, ["a", "b", "c"], max_depth=2)
    assert tree.factor == "c"
    assert abs(tree.threshold - 0.6) < 0.05


def test_sobol_indices_of_ishigami_match_analytic_values() -> None:
    """SALib Sobol indices of the Ishigami function are within 0.05 of the analytic S1 and ST."""

    def ishigami(x: np.ndarray) -> np.ndarray:
        return np.sin(x[:, 0]) + 7.0 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])

    bounds = [(-math.pi, math.pi)] * 3
    s = sobol_indices(ishigami, ["x1", "x2", "x3"], bounds, samples=4096, rng=1)
    assert np.allclose(s.s1, [0.3139, 0.4424, 0.0], atol=0.05)
    assert np.allclose(s.st, [0.5576, 0.4424, 0.2437], atol=0.05)


def test_analyze_results_reads_an_arrow_table() -> None:
    """analyze_results ranks the strongest factor first from a plain Arrow table."""
    x, y = _synthetic()
    table = pa.table({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "y": y})
    report = analyze_results(table, factors=["a", "b", "c"], measures=["y"])
    assert report.top_effects("y", 1)[0].term == "a"


def test_pedigree_flags_low_confidence_influential_input() -> None:
    """Screening flags the drone sensor's low-confidence detection rate as weakly sourced and influential."""
    scenario = drillsim.load_scenario(EXAMPLE)
    screening = screen_inputs(
        scenario,
        paths=["catalogue.sensors.uav-eo-ir.rate_per_s", "catalogue.weapons.rpg-7.bands[0].p_kill"],
        fraction=0.5,
        replications=30,
        rng=11,
        measures=["first-detection"],
        until_s=1500,
    )
    rows = {r.path: r for r in pedigree_report(scenario, screening)}
    assert rows["catalogue.sensors.uav-eo-ir.rate_per_s"].flagged
    assert not rows["catalogue.weapons.rpg-7.bands[0].p_kill"].flagged


def test_constant_measure_is_reported_as_not_varying() -> None:
    """A measure with the same value in every run (up to rounding) gets no R^2 and is said not to vary."""
    x, _ = _synthetic()
    table = pa.table({"a": x[:, 0], "b": x[:, 1], "flat": np.full(len(x), 71984.23104878)})
    report = analyze_results(table, factors=["a", "b"], measures=["flat"])
    assert math.isnan(report.metamodels["flat"].r2)
    assert "flat: does not vary across the 400 runs" in report.text()


def test_pedigree_effect_on_a_time_is_shown_in_minutes() -> None:
    """An input moving a time-to-locate measure by 750 s reads '+12.5 min', not '+750'."""
    from drillsim.study.sensitivity import PedigreeRow

    row = PedigreeRow("p", "locate", 1.0, None, "low", 750.0, 1.0, True, True, kind="time-to-locate")
    assert row.effect_text() == "+12.5 min"
    assert "+12.5 min across its range" in row.sentence()
