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
        "--out",
        str(out),
    )
    assert result.code == 0, result.err
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<svg" in page
    assert not re.search(r"https?://", page)
    summary = json.loads((out / "study.json").read_text(encoding="utf-8"))
    assert summary["variants"] == ["crossing-defence-late-v1"]
