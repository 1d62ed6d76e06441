"""monte_carlo on the teaching example: the table, sequential stopping, extension and writing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

import drillsim
from drillsim.core.errors import UserError
from drillsim.experiments.montecarlo import MonteCarloResult, monte_carlo, summarize


def test_table_has_every_measure_with_its_statistics(mc_result: MonteCarloResult) -> None:
    """Every scenario measure has n, mean, median, 5-95 % band and a CI that contains the mean."""
    rows = {row["measure"]: row for row in mc_result.summary()}
    assert {"first-detection", "crossing-held", "losses-raiders"} <= set(rows)
    for row in rows.values():
        assert row["of"] == 120
        assert row["p05"] <= row["median"] <= row["p95"]
        assert row["ci_low"] <= row["mean"] <= row["ci_high"]


def test_objective_measures_get_a_wilson_interval(mc_result: MonteCarloResult) -> None:
    """crossing-held is 0/1 and is summarised as a proportion; losses get a t interval."""
    assert mc_result.statistics["crossing-held"].method == "wilson"
    assert mc_result.statistics["losses-raiders"].method == "t"


def test_per_replication_table_has_one_row_per_replication(mc_result: MonteCarloResult, seed: int) -> None:
    """The Arrow table holds replications 0..119 in order, with the root seed on every row."""
    table = mc_result.to_arrow()
    assert table.column("replication").to_pylist() == list(range(120))
    assert set(table.column("seed").to_pylist()) == {seed}
    # Three batches of 40, rounded up to a multiple of the workers (one per CPU) so none runs alone.
    workers = os.cpu_count() or 1
    assert mc_result.batches == -(-3 // workers) * workers


def test_batches_give_the_same_rows_as_one_big_batch(
    mc_result: MonteCarloResult, example: Path, seed: int
) -> None:
    """Three batches of 40 equal one batch of 120: replication k depends only on (seed, k)."""
    whole = drillsim.run(str(example), rng=seed, replications=120)
    for name, values in mc_result.measures.items():
        np.testing.assert_array_equal(values, whole.measures[name])


def test_a_longer_run_extends_a_shorter_one(mc_result: MonteCarloResult, example: Path, seed: int) -> None:
    """40 replications (one batch) are exactly the first 40 rows of 120 (three batches)."""
    short = monte_carlo(str(example), replications=40, rng=seed, batch=40, progress=False)
    assert short.to_arrow().equals(mc_result.to_arrow().slice(0, 40))


def test_sequential_stopping_stops_at_the_first_batch_that_meets_the_target(example: Path, seed: int) -> None:
    """With a target half-width, batches are added until it is met, and not one batch more."""
    target = 1.2
    result = monte_carlo(
        str(example), rng=seed, precision={"losses-raiders": target}, batch=40, progress=False
    )
    check = result.precision["losses-raiders"]
    assert result.stopped == "precision"
    assert check.met
    assert check.half_width <= target
    assert result.n > 40
    assert result.n % 40 == 0
    before = summarize(result.measures["losses-raiders"][: result.n - 40], kind="losses")
    assert before.half_width > target


def test_sequential_stopping_reports_an_unmet_target_at_the_cap(example: Path, seed: int) -> None:
    """An unreachable target stops at max_replications and says the target was not met."""
    result = monte_carlo(
        str(example),
        rng=seed,
        precision=0.001,
        measures=["losses-raiders"],
        batch=40,
        max_replications=40,
        progress=False,
    )
    assert result.stopped == "cap"
    assert result.n == 40
    assert not result.targets_met


def test_unknown_precision_measure_is_a_user_error(example: Path, seed: int) -> None:
    """A precision target for a measure the scenario lacks names it and suggests the closest."""
    with pytest.raises(UserError, match="Did you mean 'losses-raiders'"):
        monte_carlo(str(example), rng=seed, replications=2, precision={"losses-raider": 1.0}, progress=False)


def test_write_puts_rows_and_summary_in_the_directory(
    mc_result: MonteCarloResult, tmp_path: Path, seed: int
) -> None:
    """write() leaves replications.parquet, summary.json and the manifest, and no temporary files."""
    out = mc_result.write(tmp_path / "mc")
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "replications.parquet", "summary.json"]
    assert pq.read_table(out / "replications.parquet").num_rows == 120
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["seed"] == seed
    assert summary["replications"] == 120
    assert {m["measure"] for m in summary["measures"]} == set(mc_result.statistics)
