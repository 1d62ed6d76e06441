"""The "how realistic?" study command."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

VARIANT = """extends: base.yaml
name: crossing-defence-late-v1
title: The raid comes later
plan:
  phases:
    raid:
      trigger: {at_s: 1500}
"""


def test_study_writes_offline_report_and_exits_0(
    tmp_path: Path, example_text: str, cli: Callable[..., Any]
) -> None:
    """drillsim study writes report.html with no http(s) URL and study.json with the variant, exit 0."""
    (tmp_path / "base.yaml").write_text(example_text, encoding="utf-8")
    (tmp_path / "late.yaml").write_text(VARIANT, encoding="utf-8")
    out = tmp_path / "out"
    result = cli(
        "study",
        str(tmp_path / "base.yaml"),
        "-n",
        "12",
        "--seed",
        "4",
        "--until-s",
        "2400",
        "--screen",
        "1",
        "--trajectories",
        "2",
        "--workers",
        "2",
        "--battle-replications",
        "20",
        "--out",
        str(out),
    )
    assert result.code == 0, result.err
    assert "How realistic is this answer?" in result.out
    assert "Verdict:" in result.out
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<svg" in page
    assert not re.search(r"https?://", page)
    summary = json.loads((out / "study.json").read_text(encoding="utf-8"))
    assert summary["variants"] == ["crossing-defence-late-v1"]
    assert {s["measure"]: s["quantity"] for s in summary["steps"]}["first-detection"] == "time"
    assert 0.0 <= summary["sourced_influence_coverage"] <= 1.0
    assert "Sourced-influence coverage" in page
    # All influence = the catalogue's share at its coverage plus the scenario's own numbers at theirs.
    share, catalogue = summary["catalogue_influence_share"], summary["sourced_catalogue_influence_coverage"]
    assert 0.0 <= share <= 1.0
    if share > 0.0:
        everything = summary["sourced_influence_coverage"]
        assert share * catalogue - 1e-9 <= everything <= share * catalogue + 1 - share + 1e-9
    assert "of the catalogue's influence" in page
    assert "of the catalogue's influence" in result.out
    assert "5. How realistic is this answer?" in page
    assert len(summary["realism"]["battles"]) == 3
    assert {r["side"] for r in summary["realism"]["side_rates"]} == {"defenders", "raiders"}


def test_study_prints_times_as_times_and_probabilities_as_probabilities(
    tmp_path: Path, example_path: Path, cli: Callable[..., Any]
) -> None:
    """first-detection prints as a median time in minutes with its band, crossing-held as a probability."""
    out = tmp_path / "out"
    args = (
        "study",
        str(example_path),
        "-n",
        "6",
        "--seed",
        "4",
        "--until-s",
        "1800",
        "--screen",
        "0",
        "--battle-replications",
        "0",
    )
    result = cli(*args, "--out", str(out))
    assert result.code == 0, result.err
    lines = {line.split()[0]: line for line in result.out.splitlines() if line.strip()}
    assert re.search(r"time: median [0-9.]+ min \(5-95 % of runs", lines["first-detection"])
    assert "probability" not in lines["first-detection"]
    assert not re.match(r"\S+\s+[0-9.]+ %", lines["first-detection"])
    assert re.search(r"probability [0-9]+ % \(95 % CI", lines["crossing-held"])


def test_study_tells_how_far_each_run_is(example_path: Path) -> None:
    """``advance(done, total)`` counts each run's simulated steps up to its total, for the progress bar."""
    from drillsim.study.study import run_study

    calls: list[tuple[int, int]] = []
    run_study(
        str(example_path),
        variants=[],
        replications=2,
        rng=4,
        until_s=600,
        screen=0,
        advance=lambda done, total: calls.append((done, total)),
    )
    total = calls[-1][1]
    assert total >= 2
    assert [done for done, _ in calls] == list(range(1, total + 1))
