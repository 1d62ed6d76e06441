"""The report's measures: a table with confidence intervals and embedded distribution plots, where they make
sense (several replications), and a plain table of values for a single replication."""

from __future__ import annotations

import re
from pathlib import Path

from drillsim.report import load_result
from drillsim.report.html import render_report


def test_ensemble_report_embeds_a_distribution_per_measure(ensemble_result: Path) -> None:
    """Twelve replications of ``drillsim run``: one inline SVG distribution and one table row per measure."""
    result = load_result(ensemble_result)
    page = render_report(result)
    measures = list(result.measures())
    figures = re.findall(r'<figure class="chart distribution" data-measure="([^"]+)"><svg', page)
    assert figures == measures
    table = re.search(r'<table class="num measures-table">(.*?)</table>', page, flags=re.S)
    assert table is not None
    assert re.findall(r"<tr><td>([^<]+)</td><td>\d+/12</td>", table.group(1)) == measures
    assert "95 % CI of the mean" in table.group(1)


def test_single_replication_report_has_no_distributions(single_result: Path) -> None:
    """One replication has no distribution: the outcome is a table of values and no plot is drawn."""
    page = render_report(load_result(single_result))
    assert '<section id="measures">' not in page
    assert "measures-table" not in page
    assert "<h3>Outcome</h3>" in page
