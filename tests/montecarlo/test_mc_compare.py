"""compare: common random numbers, paired differences and the sentences that describe them."""

from __future__ import annotations

from pathlib import Path

import pytest

from drillsim.experiments.compare import Comparison, compare


@pytest.fixture(scope="module")
def night(example: Path, night_variant: Path, seed: int) -> Comparison:
    """The example against its night variant, 60 paired replications."""
    return compare(str(example), [str(night_variant)], replications=60, rng=seed, progress=False)


@pytest.fixture(scope="module")
def trained(example: Path, trained_variant: Path, seed: int) -> Comparison:
    """The example against a small change, 60 paired replications."""
    return compare(str(example), str(trained_variant), replications=60, rng=seed, progress=False)


def test_paired_difference_is_the_mean_of_the_per_replication_differences(night: Comparison) -> None:
    """difference = variant mean - base mean over the pairs, and the paired CI contains it."""
    d = night.difference("first-detection")
    assert d.n_pairs == 60
    assert abs(d.difference - (d.variant_mean - d.base_mean)) < 1e-9
    assert d.ci_low <= d.difference <= d.ci_high


def test_night_delays_first_detection(night: Comparison) -> None:
    """Without the drone, at night, the raid is seen later: the whole paired CI is above zero."""
    assert night.difference("first-detection").ci_low > 0


def test_common_random_numbers_narrow_the_interval(trained: Comparison) -> None:
    """For a small change runs stay correlated and the paired CI is narrower than the unpaired one."""
    d = trained.difference("losses-raiders")
    assert d.correlation > 0.5
    assert d.half_width < 0.8 * d.unpaired_half_width


def test_both_scenarios_ran_the_same_replications(night: Comparison) -> None:
    """The long table holds replications 0..59 for the base and for the variant."""
    table = night.to_arrow()
    for name in (night.base, *night.variants):
        rows = table.filter(table.column("scenario").to_numpy(zero_copy_only=False) == name)
        assert rows.column("replication").to_pylist() == list(range(60))


def test_binary_measures_get_a_relative_change_sentence(night: Comparison) -> None:
    """For a 0/1 measure the sentence gives the relative change with its CI and the two frequencies."""
    d = night.difference("crossing-held")
    sentence = d.sentence()
    assert sentence.startswith("'crossing-held' in crossing-defence-night-v1 vs crossing-defence-v1:")
    assert "95 % CI" in sentence
    assert "% of replications vs" in sentence
    assert d.relative_low <= d.relative <= d.relative_high


def test_write_saves_the_rows_and_the_differences(night: Comparison, tmp_path: Path, seed: int) -> None:
    """write() leaves replications.parquet and comparison.json with a sentence per difference."""
    import json

    out = night.write(tmp_path)
    data = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    assert data["seed"] == seed
    assert all(row["sentence"] for row in data["differences"])
    assert (out / "replications.parquet").is_file()


def test_interval_of_a_proportion_difference_stays_within_100_points() -> None:
    """28 of 30 runs lose a 0/1 outcome that every base run had: the normal interval would pass -100 points;
    the reported one stops there, and still holds the observed difference."""
    import numpy as np

    from drillsim.experiments.compare import paired_difference

    base = np.ones(30)
    variant = np.zeros(30)
    variant[:2] = 1.0
    d = paired_difference("held", "objective-achieved", "base", "variant", base, variant, 0.95)
    assert d.ci_low == -1.0
    assert d.ci_low <= d.difference <= d.ci_high < 0.0
