"""Runs are checked before they start: memory and step budgets, output locations, terminal text."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import drillsim
from drillsim.core.errors import UserError
from drillsim.engine.budget import check_budget, estimate, parse_bytes
from drillsim.scenario.files import declared_size

Cli = Callable[..., Any]


def huge(example_path: Path, count: int) -> Any:
    """The example with one unit of ``count`` elements (past the loader's bounds, as a library caller
    could build it)."""
    scenario = drillsim.load_scenario(str(example_path))
    unit = scenario.units["mil/grp"].model_copy(update={"count": count})
    return scenario.model_copy(update={"units": {**scenario.units, "mil/grp": unit}})


def test_a_trillion_elements_are_refused_at_once(example_path: Path) -> None:
    """1e12 elements: refused with the estimate, nothing allocated (how fast: ``benchmarks.startup``)."""
    scenario = huge(example_path, 10**12)
    with pytest.raises(UserError, match=r"needs about [\d,.]+ GB of memory"):
        check_budget(scenario, replications=1)


def test_a_design_point_of_a_trillion_elements_is_refused(example_path: Path) -> None:
    """Design points (an experiment): the largest point sets the memory estimate, and is refused."""
    small = drillsim.load_scenario(str(example_path))
    with pytest.raises(UserError, match=r"1,000,000,000,0\d\d elements in its largest design point"):
        check_budget([small, huge(example_path, 10**12), small], replications=1, name="experiment 'x'")


def test_steps_add_up_over_design_points_and_stop_at_until_s(example_path: Path) -> None:
    """720 steps a point; 2 points x 70,000 replications (1e8+) are refused, stopped at half time pass."""
    scenario = drillsim.load_scenario(str(example_path))
    with pytest.raises(UserError, match=r"2 design points x 70,000 replications x up to 720 steps"):
        check_budget([scenario, scenario], replications=10, total=70_000)
    half = float(scenario.time.duration_s) / 2
    check_budget([scenario, scenario], replications=10, total=70_000, until_s=half)


def test_estimate_counts_elements_and_steps(example_path: Path) -> None:
    """The estimate grows with elements and replications, and steps are duration / dt."""
    scenario = drillsim.load_scenario(str(example_path))
    one, ten = estimate(scenario, 1), estimate(scenario, 10)
    assert ten.bytes == pytest.approx(10 * one.bytes)
    assert one.steps == 720
    assert one.elements == 10


def test_run_above_the_memory_budget_exits_2(example_path: Path, tmp_path: Path, cli: Cli) -> None:
    """``run --memory-budget 1K`` exits 2 with the estimate and writes nothing."""
    out = tmp_path / "out"
    result = cli("run", str(example_path), "--memory-budget", "1K", "--out", str(out))
    assert result.code == 2
    assert "memory" in result.err
    assert not out.exists()


def test_a_file_declaring_a_trillion_elements_is_refused_with_the_estimate(
    edit: Callable[..., Path], cli: Cli
) -> None:
    """``count: 10^12`` in a file (past the loader's bound): ``run`` refuses it with the memory estimate,
    read from the file before validation, not with the bound, and writes nothing."""
    path = edit("    count: 2\n    at: far-bank", "    count: {value: 1000000000000}\n    at: far-bank")
    out = path.parent / "out"
    result = cli("run", str(path), "--out", str(out))
    assert result.code == 2
    assert re.search(r"1,000,000,000,0\d\d elements x 1 replications", result.err), result.err
    assert "needs about" in result.err
    assert not out.exists()


def test_declared_size_reads_plain_counts_and_declines_what_it_cannot_tell(
    example_path: Path, edit: Callable[..., Path]
) -> None:
    """Elements are the counts added up (1 for a unit without one); a variant, or a count that is not a
    number, is left to the loader (None)."""
    loaded = drillsim.load_scenario(str(example_path))
    size = declared_size(str(example_path))
    assert size is not None
    assert size.name == loaded.name
    assert size.elements == estimate(loaded, 1).elements
    worded = edit("    count: 2\n    at: far-bank", "    count: two\n    at: far-bank")
    assert declared_size(str(worded)) is None
    variant = example_path.parent / "crossing-defence-night.yaml"
    assert declared_size(str(variant)) is None


def test_absurd_step_count_needs_force(example_path: Path, edit: Callable[..., Path], cli: Cli) -> None:
    """dt_s 0.01 s over 2 h with 20 replications (1.4e7 steps) is fine; mc of 10,000 is refused."""
    path = edit("dt_s: 10", "dt_s: 0.01")
    result = cli("mc", str(path), "-n", "10000", "--out", str(path.parent / "mc"))
    assert result.code == 2
    assert "replication-steps" in result.err
    assert "--force" in result.err


def test_parse_bytes_reads_sizes() -> None:
    """4G, 512M and 2GiB read as bytes; nonsense is a user error."""
    assert parse_bytes("4G") == 4e9
    assert parse_bytes("512M") == 512e6
    assert parse_bytes("2GiB") == 2 * 1024**3
    with pytest.raises(UserError, match="memory-budget"):
        parse_bytes("lots")


def test_unwritable_output_is_refused_before_running(example_path: Path, tmp_path: Path, cli: Cli) -> None:
    """``--out`` under a regular file: exit 2 naming the path, no traceback, nothing run."""
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    result = cli("run", str(example_path), "--out", str(blocker / "out"))
    assert result.code == 2
    assert str(blocker / "out") in result.err
    assert "Traceback" not in result.err


def test_markup_and_escapes_in_a_title_are_printed_plainly(
    edit: Callable[..., Path], tmp_path: Path, cli: Cli
) -> None:
    """A title with Rich markup and an escape sequence: the run succeeds and prints it as text."""
    path = edit(
        "title: Platoon defending a river crossing against a raid",
        'title: "[/bold] \\e[31mred [link=x]Platoon"',
    )
    result = cli("run", str(path), "--seed", "1", "--out", str(tmp_path / "out"))
    assert result.code == 0, result.err
    assert "[/bold]" in result.out
    assert "\x1b" not in result.out


def test_a_side_without_units_runs(edit: Callable[..., Path]) -> None:
    """A side with no units: the run ends normally, its detection measure has no value."""
    path = edit(
        "    side: raiders\n    name: Militant group", "    side: defenders\n    name: Militant group"
    )
    outcomes = drillsim.run(str(path), rng=1)
    assert outcomes.measures


def test_dis_with_a_batched_run_is_refused_before_it_starts(
    example_path: Path, tmp_path: Path, cli: Cli
) -> None:
    """``--dis`` sends one run as it goes; above 10 replications ``run`` runs in batches, so the pair is
    refused with exit 2 before anything runs or is written."""
    out = tmp_path / "out"
    result = cli("run", str(example_path), "-n", "11", "--dis", "127.0.0.1:3000", "--out", str(out))
    assert result.code == 2
    assert "--dis" in result.err
    assert "-n 10 or fewer" in result.err
    assert not out.exists()
