"""The Python API in a notebook: short reprs, HTML views, tables as DataFrames, documented parameters,
and ``read_event_log`` given a result directory."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import drillsim
from drillsim.core.display import MAX_HTML_ROWS
from drillsim.core.errors import InputError
from drillsim.events.recorder import EventLog

REPR_LIMIT = 500


@pytest.fixture(scope="module")
def scenario() -> drillsim.Scenario:
    """The default scenario: the largest embedded one, so the reprs are tested where they were longest."""
    return drillsim.load_scenario("khatlon-2015")


@pytest.fixture(scope="module")
def outcomes(scenario: drillsim.Scenario) -> drillsim.Outcomes:
    """Three replications of the first simulated hour, with the event log."""
    return drillsim.run(scenario, rng=7, replications=3, until_s=3600, recorder=EventLog())


@pytest.fixture(scope="module")
def mc_result() -> drillsim.MonteCarloResult:
    """A small Monte Carlo of the teaching example on one worker."""
    example = Path(__file__).resolve().parent.parent / "examples" / "crossing-defence.yaml"
    return drillsim.monte_carlo(str(example), replications=6, rng=3, batch=3, executor=1, progress=False)


def test_reprs_are_short(
    scenario: drillsim.Scenario, outcomes: drillsim.Outcomes, mc_result: drillsim.MonteCarloResult
) -> None:
    """``repr`` of a scenario, an outcome and a Monte Carlo result fits on a line or two and names it."""
    for value, name in (
        (scenario, "khatlon-2015-v2"),
        (outcomes, "khatlon-2015-v2"),
        (mc_result, "crossing"),
    ):
        text = repr(value)
        assert len(text) < REPR_LIMIT, text
        assert name in text
    assert "replications=3" in repr(outcomes)
    assert "replications=6" in repr(mc_result)
    assert str(scenario) == repr(scenario)


def test_html_views_show_the_summary(
    scenario: drillsim.Scenario, outcomes: drillsim.Outcomes, mc_result: drillsim.MonteCarloResult
) -> None:
    """Each object's ``_repr_html_`` is a table naming its sides or measures: the first
    ``MAX_HTML_ROWS`` measures, then a line counting the rest (the default scenario has more)."""
    html = scenario._repr_html_()
    assert "<table>" in html
    for side in scenario.sides:
        assert f"<td>{side}</td>" in html
    for value in (outcomes, mc_result):
        page = value._repr_html_()
        assert "<table>" in page
        names = list(value.measures)
        for name in names[:MAX_HTML_ROWS]:
            assert f"<td>{name}</td>" in page
        for name in names[MAX_HTML_ROWS:]:
            assert f"<td>{name}</td>" not in page
        if len(names) > MAX_HTML_ROWS:
            assert f"{len(names) - MAX_HTML_ROWS} more row(s)" in page
    assert len(outcomes.measures) > MAX_HTML_ROWS  # the default scenario exercises the cut


def test_html_escapes_scenario_text(scenario: drillsim.Scenario) -> None:
    """A title holding markup is shown as text, never run as HTML."""
    hostile = scenario.model_copy(update={"title": "<script>alert(1)</script>"})
    page = hostile._repr_html_()
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def test_summaries_convert_to_pandas(
    outcomes: drillsim.Outcomes, mc_result: drillsim.MonteCarloResult
) -> None:
    """``summary()`` is still a list of dicts, and ``to_pandas()`` gives one row per measure."""
    for value in (outcomes, mc_result):
        rows = value.summary()
        assert isinstance(rows, list)
        assert rows[0]["measure"] == next(iter(value.measures))
        frame = rows.to_pandas()
        assert list(frame["measure"]) == list(value.measures)
        assert frame["mean"].tolist() == pytest.approx([r["mean"] for r in rows], nan_ok=True)
    assert len(mc_result.to_pandas()) == mc_result.n == 6
    assert len(outcomes.to_pandas()) == 3


def test_comparison_converts_to_pandas(scenario: drillsim.Scenario) -> None:
    """A comparison's differences come back as rows with ``to_pandas()``, and its repr is short."""
    short = drillsim.with_overrides(scenario, {"time.duration_s": 1800})
    night = drillsim.with_overrides(short, {"name": "khatlon-short-night-v1"})
    result = drillsim.compare(short, night, replications=2, rng=1, progress=False)
    assert len(repr(result)) < REPR_LIMIT
    frame = result.rows().to_pandas()
    assert set(frame["variant"]) == {"khatlon-short-night-v1"}
    assert "<table>" in result._repr_html_()


def test_read_event_log_accepts_a_result_directory(outcomes: drillsim.Outcomes, tmp_path: Path) -> None:
    """``read_event_log(dir)`` reads ``dir/events.parquet`` even beside other files (plots, a report)."""
    out = outcomes.write(tmp_path / "run")
    (out / "plots").mkdir()
    (out / "plots" / "a.svg").write_text("<svg/>", encoding="utf-8")
    (out / "b.svg").write_text("<svg/>", encoding="utf-8")
    from_dir, header = drillsim.read_event_log(out)
    from_file, _ = drillsim.read_event_log(out / "events.parquet")
    assert from_dir.schema == from_file.schema
    for column in ("replication", "time_s", "kind", "unit"):  # columns without NaN (NaN != NaN)
        assert from_dir.column(column).equals(from_file.column(column))
    assert from_dir.num_rows == outcomes.events.num_rows > 0  # type: ignore[union-attr]
    assert header["seed"] == outcomes.seed


def test_read_event_log_names_a_directory_without_one(tmp_path: Path) -> None:
    """A directory with no event log is a user error naming the directory and the file it lacks."""
    with pytest.raises(InputError, match=r"holds no event log \(events\.parquet\)"):
        drillsim.read_event_log(tmp_path)


_DOCUMENTED = ("run", "monte_carlo", "load_scenario", "compare", "read_event_log")


@pytest.mark.parametrize("name", _DOCUMENTED)
def test_public_functions_document_every_parameter(name: str) -> None:
    """The docstring has a numpydoc Parameters section naming every parameter, and a Returns section."""
    function = getattr(drillsim, name)
    doc = inspect.getdoc(function) or ""
    assert re.search(r"^Parameters\n-{10}$", doc, re.MULTILINE), name
    assert re.search(r"^Returns\n-{7}$", doc, re.MULTILINE), name
    section = doc.split("Parameters\n----------\n", 1)[1].split("\nReturns\n-------", 1)[0]
    for parameter in inspect.signature(function).parameters:
        assert re.search(rf"^{parameter}$", section, re.MULTILINE), f"{name}: {parameter} undocumented"


@pytest.mark.parametrize("cls", [drillsim.Outcomes, drillsim.MonteCarloResult])
def test_result_classes_say_how_to_get_tables(cls: type) -> None:
    """The result classes' docstrings point to ``to_pandas()`` and ``summary()``."""
    doc = inspect.getdoc(cls) or ""
    assert "to_pandas()" in doc
    assert "summary()" in doc


def test_written_tables_carry_each_measures_unit(
    scenario: drillsim.Scenario,
    outcomes: drillsim.Outcomes,
    mc_result: drillsim.MonteCarloResult,
    tmp_path: Path,
) -> None:
    """outcomes.parquet and replications.parquet name each measure's unit, for Arrow and for pandas."""
    import pandas as pd
    import pyarrow.parquet as pq

    from drillsim.experiments.montecarlo import read_monte_carlo

    outcomes.write(tmp_path / "run")
    mc_result.write(tmp_path / "mc")
    run_units = pd.read_parquet(tmp_path / "run" / "outcomes.parquet").attrs["units"]
    mc_units = pd.read_parquet(tmp_path / "mc" / "replications.parquet").attrs["units"]
    for units in (run_units, mc_units):
        assert set(units) <= set(outcomes.measures) | set(mc_result.measures)
    assert run_units == outcomes.units() == outcomes.to_pandas().attrs["units"]
    assert set(run_units) == set(outcomes.measures)  # every measure of the default scenario has a unit
    assert run_units["first-detection"] == "s"
    assert run_units["penetration-depth"] == "m"
    assert run_units["losses-militants"] == "people"
    assert run_units["commander-captured"] == "1"
    field = pq.read_schema(tmp_path / "run" / "outcomes.parquet").field("first-detection")
    assert field.metadata[b"unit"] == b"s"
    assert mc_units == mc_result.units() == read_monte_carlo(tmp_path / "mc").units()
    assert mc_units["first-detection"] == "s"
    assert mc_units["losses-raiders"] == "people"
