"""drillsim check: assertion files, sequential verdicts, exit codes and located errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from drillsim.core.errors import InputError
from drillsim.experiments.assertions import check_assertions, load_assertions

Cli = Callable[..., Any]


def write(tmp_path: Path, example: Path, body: str, name: str = "checks.yaml") -> Path:
    """An assertion file about the example, with ``body`` as its assertions."""
    path = tmp_path / name
    path.write_text(f"scenario: {example}\nmax_replications: 400\nassertions:\n{body}", encoding="utf-8")
    return path


TRUE = """\
  - measure: first-detection
    probability: {of: "<= 20 min", at_least: 0.9}
  - measure: losses-defenders
    mean: {at_most: 2}
"""
FALSE = """\
  - measure: first-detection
    probability: {of: "<= 5 min", at_least: 0.9}
"""


def test_check_accepts_a_true_assertion_with_exit_code_0(
    tmp_path: Path, example: Path, cli: Cli, seed: int
) -> None:
    """Detection within 20 min in 90 % of runs and few defender losses hold: exit 0, both accepted."""
    result = cli("check", str(write(tmp_path, example, TRUE)), "--seed", str(seed))
    assert result.code == 0, result.err
    assert result.out.count("accepted") >= 2
    assert "2 accepted, 0 rejected, 0 undecided" in result.out


def test_check_rejects_a_false_assertion_with_exit_code_1(
    tmp_path: Path, example: Path, cli: Cli, seed: int
) -> None:
    """Detection within 5 min in 90 % of runs is false: exit 1 and the verdict says REJECTED."""
    result = cli("check", str(write(tmp_path, example, FALSE)), "--seed", str(seed))
    assert result.code == 1
    assert "REJECTED" in result.out


def test_sequential_test_stops_before_the_cap(tmp_path: Path, example: Path, seed: int) -> None:
    """A clear-cut claim is decided on far fewer replications than the cap of 400."""
    report = check_assertions(write(tmp_path, example, FALSE), rng=seed, progress=False)
    verdict = report.verdicts[0]
    assert verdict.verdict == "rejected"
    assert verdict.replications < 50
    assert verdict.estimate < 0.5


def test_undecided_at_the_cap_gives_exit_code_3(tmp_path: Path, example: Path, cli: Cli, seed: int) -> None:
    """With a cap too small to decide, the verdict is undecided and the exit code 3."""
    path = write(
        tmp_path, example, "  - measure: crossing-held\n    probability: {of: '== 1', at_least: 0.9}\n"
    )
    result = cli("check", str(path), "--seed", str(seed), "--max-replications", "10")
    assert result.code == 3
    assert "UNDECIDED" in result.out


def test_shipped_assertion_example_is_valid(examples_dir: Path) -> None:
    """examples/assertions/crossing-defence.yaml parses and names measures of its scenario."""
    spec, _ = load_assertions(examples_dir / "assertions" / "crossing-defence.yaml")
    assert len(spec.assertions) >= 2


@pytest.mark.parametrize(
    ("body", "line", "field", "words"),
    [
        (
            "  - measure: first-detection\n    probability: {of: 'soon', at_least: 0.9}\n",
            5,
            "assertions[0].probability.of",
            "not a comparison",
        ),
        (
            "  - measure: first-detektion\n    mean: {at_most: 3}\n",
            4,
            "assertions[0].measure",
            "Did you mean 'first-detection'?",
        ),
        (
            "  - measure: first-detection\n    mean: {at_mots: 3}\n",
            5,
            "assertions[0].mean.at_mots",
            "Did you mean 'at_most'?",
        ),
        (
            "  - measure: first-detection\n    probability: {of: '< 1 h', at_least: 0.9, at_most: 0.95}\n",
            5,
            "assertions[0].probability",
            "exactly one of at_least and at_most",
        ),
        (
            "  - measure: first-detection\n    probability: {of: '< 1 h', at_least: 1.5}\n",
            5,
            "assertions[0].probability.at_least",
            "less than 1",
        ),
        (
            "  - measure: first-detection\n",
            4,
            "assertions[0]",
            "exactly one of probability and mean",
        ),
    ],
    ids=["bad-condition", "unknown-measure", "unknown-key", "two-bounds", "level-above-1", "no-statistic"],
)
def test_bad_assertion_files_give_located_errors_and_exit_2(
    tmp_path: Path, example: Path, cli: Cli, body: str, line: int, field: str, words: str
) -> None:
    """Each mistake is reported as file:line:column, the field path and what was wrong; exit code 2."""
    path = write(tmp_path, example, body)
    result = cli("check", str(path))
    assert result.code == 2
    assert f"{path}:{line}:" in result.err
    assert f"field '{field}'" in result.err
    assert words in result.err
    assert "Traceback" not in result.err


def test_missing_scenario_file_is_located_at_the_scenario_field(tmp_path: Path) -> None:
    """A scenario path that does not exist is reported at line 1 of the assertion file."""
    path = tmp_path / "checks.yaml"
    path.write_text("scenario: nowhere.yaml\nassertions:\n  - {measure: x, mean: {at_most: 1}}\n")
    with pytest.raises(InputError, match=r"checks\.yaml:1:11: field 'scenario': no scenario file"):
        check_assertions(path, rng=1, progress=False)
