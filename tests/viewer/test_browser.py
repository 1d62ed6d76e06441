"""End-to-end checks in headless Chromium (Debian's package, driven by playwright-core from npm).

The engine makes the results, this process serves them with the viewer's own server, and ``drive.mjs``
loads the pages, intercepts and logs every request, and prints a JSON verdict. The report of the default
scenario is opened from disk with networking off, and its screenshot becomes ``docs/images/report.png``;
so is the report of a Monte Carlo run of the example (``docs/images/report-example.png``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from drillsim.report import ReplayServer, load_result
from drillsim.report.timeline import EVENT_LABELS

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "crossing-defence.yaml"
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = ROOT / "docs" / "images" / "report.png"
EXAMPLE_SCREENSHOT = ROOT / "docs" / "images" / "report-example.png"
DEFAULT_SCENARIO = "khatlon-2015"

Cli = Callable[..., Any]


def require_tools() -> str:
    """Node, Chromium and playwright-core must be installed; the tests fail (never skip) without them."""
    node = shutil.which("node")
    assert node, "node is not installed"
    assert CHROMIUM.is_file(), "install Chromium: apt-get install -y --no-install-recommends chromium"
    assert (ROOT / "viewer" / "node_modules" / "playwright-core").is_dir(), "run: npm ci --prefix viewer"
    return node


@pytest.fixture(scope="module")
def default_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``drillsim run`` of the default scenario (seed 1), then ``drillsim report`` on its output."""
    from drillsim.cli import main

    out = tmp_path_factory.mktemp("default")
    assert main(["run", DEFAULT_SCENARIO, "--seed", "1", "--out", str(out)]) == 0
    report = out / "report-again.html"
    assert main(["report", str(out), "--out", str(report)]) == 0
    return report


@pytest.fixture(scope="module")
def mc_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``drillsim mc`` of the example (40 replications, seed 1), which writes its report."""
    from drillsim.cli import main

    out = tmp_path_factory.mktemp("mc")
    assert main(["mc", str(EXAMPLE), "-n", "40", "--batch", "20", "--seed", "1", "--out", str(out)]) == 0
    return out / "report.html"


@pytest.fixture(scope="module")
def verdict(
    single_result: Path, ensemble_result: Path, default_report: Path, mc_report: Path
) -> dict[str, Any]:
    """Serve both results, drive Chromium through every check once, and return its verdict."""
    node = require_tools()
    servers = [ReplayServer(single_result), ReplayServer(ensemble_result)]
    urls = [s.start() for s in servers]
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    config = {
        "single": urls[0],
        "ensemble": urls[1],
        "report": str(default_report.resolve()),
        "screenshot": str(SCREENSHOT),
        "viewerShot": str(default_report.parent / "viewer.png"),
        "units": len(load_result(single_result).header["units"]),
        "seed": str(load_result(single_result).header["seed"]),
        "clockAt3600": _clock_at(load_result(single_result).header["start"], 3600),
        "ensembleUnits": len(load_result(ensemble_result).header["units"]),
        "mcReport": str(mc_report.resolve()),
        "mcShot": str(EXAMPLE_SCREENSHOT),
        "reportUnits": len(load_result(default_report.parent).header["units"]),
        "eventLabels": EVENT_LABELS,
        "mcMeasures": len(json.loads((mc_report.parent / "summary.json").read_text("utf-8"))["measures"]),
    }
    try:
        proc = subprocess.run(
            [node, str(Path(__file__).with_name("drive.mjs")), json.dumps(config)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        for s in servers:
            s.stop()
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _clock_at(start: str, seconds: float) -> str:
    """What the viewer's clock should show ``seconds`` after ``start``: local time and the UTC offset."""
    import datetime as dt

    when = dt.datetime.fromisoformat(start) + dt.timedelta(seconds=seconds)
    offset = when.strftime("%z")
    zone = f"UTC{offset[0]}{offset[1:3]}:{offset[3:]}" if offset not in ("", "+0000") else "UTC"
    return f"{when:%Y-%m-%d %H:%M} {zone}"


def assert_check(verdict: dict[str, Any], name: str) -> None:
    """The named check ran and passed (its detail is in the failure message)."""
    assert "driver" not in verdict["checks"], verdict["checks"].get("driver")
    check = verdict["checks"].get(name)
    assert check is not None, f"check {name!r} did not run"
    assert check["ok"], f"{name}: {check['detail']}"


def test_no_request_leaves_loopback(verdict: dict[str, Any]) -> None:
    """Every request of the viewer went to 127.0.0.1 (and the report made none beyond its own file)."""
    assert_check(verdict, "no request left 127.0.0.1")
    assert any("/api/replay/" in r for r in verdict["requests"])


def test_no_console_error(verdict: dict[str, Any]) -> None:
    """No console error or warning and no uncaught exception on any page."""
    assert_check(verdict, "no console error")


def test_every_unit_symbol_is_drawn(verdict: dict[str, Any]) -> None:
    """The viewer draws one milsymbol SVG per unit over the background layers."""
    assert_check(verdict, "symbols drawn")
    assert_check(verdict, "symbols are milsymbol SVG")
    assert_check(verdict, "background layers drawn")


def test_scrubber_moves_units(verdict: dict[str, Any]) -> None:
    """Moving the timeline scrubber from start to end moves a unit's symbol on screen."""
    assert_check(verdict, "scrubber moves units")


def test_timeline_controls(verdict: dict[str, Any]) -> None:
    """'Next' jumps to the next event of the chosen kind and play advances the clock."""
    assert_check(verdict, "jump to next event")
    assert_check(verdict, "play advances time")


def test_event_kinds_are_named_in_plain_words(verdict: dict[str, Any]) -> None:
    """The viewer's event-kind list shows the report's plain labels ("units broke"), not class names."""
    assert_check(verdict, "event kinds in plain words")


def test_title_shows_the_exact_64_bit_seed(verdict: dict[str, Any]) -> None:
    """The title names the run's 64-bit seed with every digit (sent as a string, not a number)."""
    assert_check(verdict, "title shows the exact seed")


def test_clock_is_in_the_scenarios_time_zone(verdict: dict[str, Any]) -> None:
    """The clock shows local time in the scenario's time zone, with its UTC offset."""
    assert_check(verdict, "clock in the scenario's time zone")


def test_events_list_follows_the_time(verdict: dict[str, Any]) -> None:
    """Moving the time scrolls the events list to the current event."""
    assert_check(verdict, "events list follows the time")


def test_lists_read_cleanly(verdict: dict[str, Any]) -> None:
    """Times are followed by a space, list numbers of two digits fit, the Next button has no missing glyph."""
    assert_check(verdict, "a space after the time")
    assert_check(verdict, "list numbers fit")
    assert_check(verdict, "next button has no missing glyph")


def test_selecting_a_unit_opens_its_panel(verdict: dict[str, Any]) -> None:
    """Clicking a unit's symbol opens its panel with facts, strength curve and trace."""
    assert_check(verdict, "unit panel opens")


def test_picture_toggle(verdict: dict[str, Any]) -> None:
    """A side's picture shows its own units and its contacts only; ground truth shows every unit."""
    assert_check(verdict, "picture toggle")


def test_ensemble_view_draws(verdict: dict[str, Any]) -> None:
    """The ensemble view draws track density, tracks, outcome markers and the measure histogram."""
    assert_check(verdict, "ensemble view draws")


def test_ensemble_opens_the_median_run(verdict: dict[str, Any]) -> None:
    """Picking the median run of a measure opens that replication in the replay."""
    assert_check(verdict, "ensemble opens a chosen run")


def test_report_renders_offline_and_is_screenshotted(verdict: dict[str, Any]) -> None:
    """The default scenario's report, opened from disk offline, renders maps, symbols and charts."""
    assert_check(verdict, "report renders maps offline")
    assert_check(verdict, "report draws symbols")
    assert_check(verdict, "report has charts")
    assert SCREENSHOT.stat().st_size > 10_000


def test_mc_report_draws_its_plots_offline(verdict: dict[str, Any]) -> None:
    """The report of ``drillsim mc``, opened from disk offline, draws every measure's distribution plot;
    its screenshot becomes ``docs/images/report-example.png``."""
    assert_check(verdict, "mc report shows its plots")
    assert EXAMPLE_SCREENSHOT.stat().st_size > 10_000


def test_report_tells_the_story_of_the_default_scenario(verdict: dict[str, Any]) -> None:
    """The default scenario's report has its written summary and a short ranked key-events table, and
    draws crowded units of one group or parent as one symbol: a group spread along a line as a few
    symbols along it, never as a pile."""
    assert_check(verdict, "report tells the story")
    assert_check(verdict, "report aggregates crowded units")
    assert_check(verdict, "report draws no pile of one parent")


def test_report_is_self_contained(default_report: Path) -> None:
    """The report's markup references no external script, stylesheet or image (script bodies aside)."""
    text = re.sub(
        r"<script[^>]*>.*?</script>", "<script></script>", default_report.read_text("utf-8"), flags=re.S
    )
    assert text.count("<script></script>") >= 5
    for needle in (
        "<script src=",
        '<link rel="stylesheet"',
        'src="http',
        'href="http',
        "url(http",
        "url(images/",
    ):
        assert needle not in text


def test_run_writes_and_prints_the_report(default_report: Path) -> None:
    """``drillsim run`` writes report.html into its output directory."""
    assert (default_report.parent / "report.html").stat().st_size > 100_000
