"""Scenario text cannot run script in the offline report or the viewer (checked in headless Chromium).

Every free-text field of a scenario (title, description, side, nation, place, site, line, area, unit
names and designations, phase descriptions) carries ``<script>`` and ``"><img src=x onerror=...>``
markup tagged with its field's name. The pages are opened, every tooltip and panel is shown, and the
driver reports which tagged elements exist in the DOM and whether anything ran.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

import drillsim
from drillsim.events.recorder import EventLog
from drillsim.report import ReplayServer, write_report

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "crossing-defence.yaml"


def payload(field: str) -> str:
    """Markup that would set window.__pwned if it ever became DOM, tagged with the field it sits in."""
    run = "window.__pwned=(window.__pwned||0)+1"
    return (
        f'{field} "><img src=x data-leak="{field}" onerror="{run}">'
        f'<script data-leak="{field}-script">{run}</script>'
        f"<b data-leak=\"{field}-b\" onmouseover='{run}'>x</b>"
    )


def hostile_scenario(directory: Path) -> Path:
    """The teaching example with markup in every free-text field, and one more area."""
    doc = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    doc["title"] = payload("title")
    doc["description"] = payload("description")
    for name, side in doc["sides"].items():
        side["name"] = payload(f"side-{name}")
    for name, nation in doc["nations"].items():
        nation["name"] = payload(f"nation-{name}")
    for name, place in doc["places"].items():
        place["name"] = payload(f"place-{name}")
    for name, site in doc["sites"].items():
        site["name"] = payload(f"site-{name}")
    for name, line in doc["lines"].items():
        line["name"] = payload(f"line-{name}")
    doc.setdefault("areas", {})["box"] = {
        "kind": "objective",
        "center": {"lat": 37.2, "lon": 68.62},
        "radius_m": 800,
    }
    for name, area in doc["areas"].items():
        area["name"] = payload(f"area-{name}")
    for uid, unit in doc["units"].items():
        unit["name"] = payload(f"unit-{uid}")
        unit["designation"] = payload(f"designation-{uid}")
    for name, phase in doc["plan"]["phases"].items():
        phase["description"] = payload(f"phase-{name}")
    path = directory / "hostile.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run the hostile scenario (3 replications), write its report, serve its viewer, drive Chromium."""
    node = shutil.which("node")
    assert node, "node is not installed"
    assert Path("/usr/bin/chromium").is_file(), "install Chromium"
    assert (ROOT / "viewer" / "node_modules" / "playwright-core").is_dir(), "run: npm ci --prefix viewer"
    base = tmp_path_factory.mktemp("hostile")
    scenario = hostile_scenario(base)
    outcomes = drillsim.run(str(scenario), rng=1, replications=3, recorder=EventLog(sample_s=300))
    result = base / "result"
    outcomes.write(result)
    report = write_report(result)
    server = ReplayServer(result)
    try:
        config = json.dumps({"report": str(report.resolve()), "viewer": server.start()})
        proc = subprocess.run(
            [node, str(Path(__file__).with_name("inject.mjs")), config],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        server.stop()
    assert proc.returncode == 0, proc.stderr
    verdict: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "driver" not in verdict, verdict.get("driver")
    return {"verdict": verdict, "report": report.read_text(encoding="utf-8")}


def test_report_turns_no_scenario_text_into_elements(hostile: dict[str, Any]) -> None:
    """No tagged element exists in the opened report after every tooltip is shown, and nothing ran."""
    page = hostile["verdict"]["report"]
    assert page["tooltips"] > 0
    assert page["leaked"] == []
    assert page["pwned"] == 0


def test_report_shows_no_policy_violation(hostile: dict[str, Any]) -> None:
    """The report's own scripts run within its policy: no violation is reported while it is used."""
    assert hostile["verdict"]["report"]["violations"] == []


def test_report_policy_blocks_planted_handlers_and_scripts(hostile: dict[str, Any]) -> None:
    """An inline handler or script added to the open report does not run (its CSP forbids them)."""
    assert hostile["verdict"]["report"]["planted"] == 0


def test_viewer_turns_no_scenario_text_into_elements(hostile: dict[str, Any]) -> None:
    """No tagged element exists in the viewer after its tooltips, unit panel and ensemble are shown."""
    page = hostile["verdict"]["viewer"]
    assert page["tooltips"] > 0
    assert page["leaked"] == []
    assert page["pwned"] == 0


def test_report_policy_names_only_its_scripts() -> None:
    """The report's policy allows scripts by hash only: no 'unsafe-inline', and no inline handlers."""
    from drillsim.report.html import content_security_policy

    policy = content_security_policy(["a()", "b()"])
    assert "unsafe-inline" not in policy.split("style-src")[0]
    assert policy.count("'sha256-") == 2
    assert "script-src-attr 'none'" in policy
