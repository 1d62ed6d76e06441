"""drillsim mc and drillsim compare on the command line."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from rich.table import Table

from drillsim.cli import analysis

Cli = Callable[..., Any]


def test_mc_prints_the_table_and_writes_results_with_plots(
    example: Path, tmp_path: Path, cli: Cli, seed: int
) -> None:
    """``drillsim mc -n 30 --out DIR`` prints mean/median/5 %/95 %/CI and writes rows, summary and plots."""
    result = cli("mc", str(example), "-n", "30", "--seed", str(seed), "--out", str(tmp_path))
    assert result.code == 0, result.err
    for header in ("mean", "median", "5 %", "95 %", "95 % CI"):
        assert header in result.out
    assert "first-detection (min)" in result.out
    assert "ran 30 replications" in result.out
    assert (tmp_path / "replications.parquet").is_file()
    assert (tmp_path / "summary.json").is_file()
    assert (tmp_path / "plots" / "distribution-crossing-held.svg").is_file()


def test_mc_with_precision_says_how_many_runs_it_took(
    example: Path, tmp_path: Path, cli: Cli, seed: int
) -> None:
    """With --precision the output says "stopped after N runs" and marks the target met."""
    result = cli(
        "mc",
        str(example),
        "--precision",
        "crossing-held=0.2",
        "--batch",
        "20",
        "--seed",
        str(seed),
        "--out",
        str(tmp_path),
    )
    assert result.code == 0, result.err
    assert "stopped after 20 runs: every precision target met" in result.out
    assert "met" in result.out


def test_mc_bad_precision_is_a_user_error(example: Path, cli: Cli) -> None:
    """An unreadable --precision value is one error line and exit code 2."""
    result = cli("mc", str(example), "--precision", "tight")
    assert result.code == 2
    assert "option '--precision'" in result.err


def test_compare_prints_paired_differences_and_sentences(
    example: Path, night_variant: Path, tmp_path: Path, cli: Cli, seed: int
) -> None:
    """``drillsim compare BASE VARIANT`` prints a table of paired differences, sentences, and writes plots."""
    result = cli(
        "compare",
        str(example),
        str(night_variant),
        "-n",
        "20",
        "--seed",
        str(seed),
        "-m",
        "crossing-held",
        "-m",
        "first-detection",
        "--out",
        str(tmp_path),
    )
    assert result.code == 0, result.err
    assert "paired 95 % CI" in result.out
    assert "'first-detection' in crossing-defence-night-v1 vs crossing-defence-v1:" in result.out
    assert (tmp_path / "plots" / "comparison-first-detection.png").is_file()


def test_tables_print_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal a results table is printed as it is (it used to call itself without end)."""
    out = io.StringIO()
    app = sys.modules["drillsim.cli.console"]
    monkeypatch.setattr(app, "console", Console(file=out, force_terminal=True, width=100))
    table = Table(title="results")
    table.add_column("measure")
    table.add_row("crossing-held")
    analysis._print_table(table)
    assert "crossing-held" in out.getvalue()


def test_durations_are_shown_like_times() -> None:
    """A 3.5 h kill-chain time is shown in hours in the mc table, like event times; counts are not."""
    from drillsim.cli.analysis import _unit

    assert _unit("kill-chain-time", 12_600.0) == (3600.0, "h")
    assert _unit("kill-chain-time", 1_200.0) == (60.0, "min")
    assert _unit("time-to-locate", 97_000.0) == (3600.0, "h")
    assert _unit("rounds-fired", 12_600.0) == (1.0, "")


def test_the_batch_option_defaults_to_the_library_default() -> None:
    """``--batch`` (a literal, so the command line starts without the analysis modules) is DEFAULT_BATCH."""
    import inspect

    from drillsim.experiments.montecarlo import DEFAULT_BATCH

    assert inspect.signature(analysis.mc).parameters["batch"].default == DEFAULT_BATCH
