"""The one page writer: templates escape what they are given, pages allow no script and name no URL."""

from __future__ import annotations

import re
from pathlib import Path

from drillsim.core.pages import render_page, trusted_svg, write_page
from drillsim.validation.checks import Check, ValidationReport, _html

HOSTILE = '"><img src=x onerror=alert(1)><script>alert(2)</script>'


def _report(text: str, plots: dict[str, str] | None = None) -> ValidationReport:
    check = Check(
        name=text, compared=text, published=text, drillsim="1", difference="0", passed=True, note=text
    )
    return ValidationReport(checks=(check,), seed=1, _plots=plots or {})


def test_page_escapes_every_supplied_string() -> None:
    """A check named with markup comes out as text: no element or handler from it reaches the page."""
    page = _html(_report(HOSTILE), "0")
    assert "<script>" not in page
    assert "<img" not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page


def test_page_policy_allows_no_script_and_no_request() -> None:
    """Every page carries a Content-Security-Policy with default-src 'none' and no script source."""
    page = _html(_report("ok"), "0")
    policy = re.search(r'Content-Security-Policy" content="([^"]+)"', page)
    assert policy is not None
    assert "default-src 'none'" in policy.group(1)
    assert "script-src" not in policy.group(1)


def test_trusted_figures_are_kept_and_others_escaped() -> None:
    """SVG marked trusted goes in as markup; the same text passed plainly is escaped."""
    svg = '<svg width="1" height="1"><rect width="1" height="1"/></svg>'
    page = _html(_report("ok", {"engel-iwo-jima": svg}), "0")
    assert svg in page
    plain = render_page(
        "drillsim.validation",
        "validation.html",
        version="0",
        seed=1,
        verdict="v",
        checks=(),
        battles=(),
        plots=[("t", svg)],
    )
    assert svg not in plain
    assert "&lt;svg" in plain
    assert str(trusted_svg(svg)) == svg


def test_write_page_replaces_the_file_whole(tmp_path: Path) -> None:
    """A page is written to a temporary name and renamed: no temporary file is left behind."""
    target = write_page(tmp_path / "sub" / "page.html", "<p>one</p>")
    write_page(target, "<p>two</p>")
    assert target.read_text(encoding="utf-8") == "<p>two</p>"
    assert sorted(p.name for p in target.parent.iterdir()) == ["page.html"]
