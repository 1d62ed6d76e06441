"""``drillsim mc --out DIR`` writes a result directory that ``drillsim report`` and ``drillsim view`` read."""

from __future__ import annotations

import io
import json
import re
import shutil
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest

from drillsim.cli import main
from drillsim.experiments.montecarlo import monte_carlo
from drillsim.report import choose_replication, ensemble_data, load_result

Cli = Callable[..., Any]


@dataclass(frozen=True)
class McRun:
    """What ``drillsim mc --out DIR`` printed, and the directory."""

    directory: Path
    out: str


@pytest.fixture(scope="module")
def mc_run(example: Path, seed: int, tmp_path_factory: pytest.TempPathFactory) -> McRun:
    """40 replications of the example in batches of 20 on two workers, written with the default record."""
    directory = tmp_path_factory.mktemp("mc") / "result"
    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(io.StringIO()):
        code = main(
            [
                *("mc", str(example), "-n", "40", "--batch", "20", "--seed", str(seed)),
                *("--workers", "2", "--out", str(directory)),
            ]
        )
    assert code == 0, out.getvalue()
    return McRun(directory, out.getvalue())


def summary_measures(directory: Path) -> list[str]:
    """The measures ``summary.json`` lists, in order."""
    summary = json.loads((directory / "summary.json").read_text(encoding="utf-8"))
    return [row["measure"] for row in summary["measures"]]


def test_mc_prints_the_path_of_its_report(mc_run: McRun) -> None:
    """The last line names the report written into the result directory, and the file is there."""
    found = re.search(r"^report written to (.+)$", mc_run.out, flags=re.M)
    assert found is not None, mc_run.out
    report = Path(found.group(1).strip())
    assert report == mc_run.directory / "report.html"
    assert report.stat().st_size > 100_000


def test_result_directory_holds_rows_plots_and_recorded_runs(mc_run: McRun) -> None:
    """Rows, summary, a PNG and an SVG per measure, and the replay files of the recorded replications."""
    names = {p.name for p in mc_run.directory.iterdir()}
    assert {"replications.parquet", "summary.json", "events.parquet", "outcomes.parquet", "run.json"} <= names
    assert "scenario.yaml" in names
    plots = {p.name for p in (mc_run.directory / "plots").iterdir()}
    for measure in summary_measures(mc_run.directory):
        assert {f"distribution-{measure}.png", f"distribution-{measure}.svg"} <= plots
    assert pq.read_table(mc_run.directory / "replications.parquet").num_rows == 40
    assert not [name for name in names if name.endswith(".tmp")]


def test_run_header_names_the_recorded_replications(mc_run: McRun) -> None:
    """run.json holds the three recorded replications, median first, and why each was chosen."""
    header = json.loads((mc_run.directory / "run.json").read_text(encoding="utf-8"))
    recorded = header["analysis"]["recorded"]
    assert header["analysis"]["kind"] == "monte-carlo"
    assert header["analysis"]["replications"] == 40
    assert recorded["measure"] == summary_measures(mc_run.directory)[0]
    assert [p["quantile"] for p in recorded["picks"]] == [0.5, 0.0, 1.0]
    assert header["replications"] == [p["replication"] for p in recorded["picks"]]


def test_report_embeds_the_distribution_plots_and_the_measures_table(
    mc_run: McRun, tmp_path: Path, cli: Cli
) -> None:
    """``drillsim report DIR`` embeds one inline SVG distribution per measure and a table row per measure
    with its confidence interval, over all 40 replications."""
    target = tmp_path / "again.html"
    result = cli("report", str(mc_run.directory), "--out", str(target))
    assert result.code == 0, result.err
    page = target.read_text(encoding="utf-8")
    measures = summary_measures(mc_run.directory)
    section = page[page.index('<section id="measures">') :]
    section = section[: section.index("</section>")]
    figures = re.findall(r'<figure class="chart distribution" data-measure="([^"]+)"><svg', section)
    assert figures == measures
    table = re.search(r'<table class="num measures-table">(.*?)</table>', page, flags=re.S)
    assert table is not None
    rows = re.findall(r"<tr><td>(.*?)</td><td>(\d+)/(\d+)</td>", table.group(1))
    assert [name for name, _, _ in rows] == measures
    assert {of for _, _, of in rows} == {"40"}
    assert "CI of the mean" in table.group(1)
    assert "Outcome over 40 replications (Monte Carlo)" in page
    assert "img-src data:" in page  # the page's CSP: nothing may be fetched


def test_report_draws_every_plot_anew_and_never_inlines_a_file_from_the_result(
    mc_run: McRun, tmp_path: Path, cli: Cli
) -> None:
    """The report draws each distribution from the values: an SVG planted in ``plots/`` (with a script)
    is not put in the page, and a missing plot file changes nothing."""
    copy = tmp_path / "result"
    shutil.copytree(mc_run.directory, copy)
    measures = summary_measures(copy)
    planted = copy / "plots" / f"distribution-{measures[0]}.svg"
    planted.write_text(
        "<svg data-test-mark='planted' onload='alert(1)'><script>alert(2)</script></svg>", encoding="utf-8"
    )
    (copy / "plots" / f"distribution-{measures[1]}.svg").unlink()
    target = tmp_path / "report.html"
    assert cli("report", str(copy), "--out", str(target)).code == 0
    page = target.read_text(encoding="utf-8")
    assert "data-test-mark" not in page
    assert "alert(" not in page
    for name in measures[:2]:
        assert re.search(rf'data-measure="{re.escape(name)}"><svg', page) is not None


def test_viewer_reads_the_result_as_an_ensemble_of_the_recorded_runs(mc_run: McRun) -> None:
    """``drillsim view`` loads the directory: the ensemble is the recorded runs, and its median pick of
    the first measure is the median of all 40 replications."""
    result = load_result(mc_run.directory)
    assert result.monte_carlo is not None
    assert result.monte_carlo.n == 40
    assert len(result.replications) == 3
    assert ensemble_data(result)["replications"] == result.replications
    first = summary_measures(mc_run.directory)[0]
    assert choose_replication(result, first, "median") == result.replications[0]


@pytest.mark.parametrize("name", ["summary.json", "replications.parquet"])
def test_corrupt_monte_carlo_file_exits_2_from_report(
    mc_run: McRun, tmp_path: Path, cli: Cli, name: str
) -> None:
    """A corrupt summary or rows file: ``drillsim report`` exits 2 naming it, without a traceback."""
    target = tmp_path / "r"
    shutil.copytree(mc_run.directory, target)
    (target / name).write_bytes(b"\x00garbage: [")
    result = cli("report", str(target))
    assert result.code == 2
    assert name in result.err
    assert "Traceback" not in result.err


def test_summary_of_another_run_is_refused(mc_run: McRun, tmp_path: Path, cli: Cli) -> None:
    """A summary.json whose seed differs from run.json's does not belong: exit 2, naming the file."""
    target = tmp_path / "r"
    shutil.copytree(mc_run.directory, target)
    summary = json.loads((target / "summary.json").read_text(encoding="utf-8"))
    summary["seed"] += 1
    (target / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    result = cli("report", str(target))
    assert result.code == 2
    assert "summary.json" in result.err
    assert "does not belong" in result.err


def test_result_without_recorded_runs_says_how_to_record(example: Path, tmp_path: Path, cli: Cli) -> None:
    """monte_carlo(record=0).write(DIR) has no event log; ``drillsim report DIR`` says to use --record."""
    monte_carlo(str(example), replications=4, rng=1, batch=2, executor=1, progress=False).write(tmp_path)
    result = cli("report", str(tmp_path))
    assert result.code == 2
    assert "without recorded replications" in result.err
    assert "--record" in result.err


def test_default_directory_is_under_runs(
    example: Path, tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --out, ``drillsim mc`` writes runs/NAME-mc-seedN (``drillsim run``: runs/NAME-seedN)."""
    monkeypatch.chdir(tmp_path)
    result = cli(
        "mc", str(example), "-n", "4", "--batch", "2", "--seed", "5", "--workers", "1", "--record", "1"
    )
    assert result.code == 0, result.err
    directory = Path("runs") / "crossing-defence-v1-mc-seed5"
    assert f"report written to {directory / 'report.html'}" in result.out
    assert (tmp_path / directory / "report.html").is_file()
    assert np.asarray(load_result(directory).replications).shape == (1,)


def test_the_report_embeds_the_distribution_plots_mc_drew(mc_run: McRun) -> None:
    """The report's distribution figures are the SVG files of ``plots/``, drawn once by ``drillsim mc``."""
    from drillsim.core.figures import inline_svg

    page = (mc_run.directory / "report.html").read_text(encoding="utf-8")
    drawn = sorted((mc_run.directory / "plots").glob("distribution-*.svg"))
    assert drawn
    for path in drawn:
        assert inline_svg(path.read_text(encoding="utf-8")) in page, path.name


def test_a_report_reuses_distributions_given_to_it(mc_run: McRun, tmp_path: Path) -> None:
    """``write_report(..., distributions=)`` puts the given SVG in place of drawing that measure again."""
    from drillsim.report import write_report

    summary = json.loads((mc_run.directory / "summary.json").read_text(encoding="utf-8"))
    first = summary["measures"][0]["measure"]
    marker = '<svg data-reused="yes" viewBox="0 0 1 1"></svg>'
    out = write_report(mc_run.directory, out=tmp_path / "r.html", distributions={first: marker})
    assert marker in out.read_text(encoding="utf-8")
