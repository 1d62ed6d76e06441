"""validate-models and the lanchester fit/solve commands (issue 7)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from drillsim.validation.checks import ValidationReport, validate_models

DATA = Path(__file__).resolve().parents[2] / "src" / "drillsim" / "validation" / "data"
IWO_JIMA = DATA / "iwo_jima" / "iwo_jima_engel1954.csv"
Cli = Callable[..., Any]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> ValidationReport:
    """The validation report, written as HTML into a temporary folder."""
    return validate_models(
        out=tmp_path_factory.mktemp("validation") / "report.html", battle_replications=BATTLE_REPLICATIONS
    )


BATTLE_REPLICATIONS = 20
"""The command runs 500 replications of each battle; the tests run a few to check the plumbing."""


def test_report_lists_every_check(report: ValidationReport) -> None:
    """The report holds the eight checks and the three battles, each with published and drillsim figures and
    a difference."""
    names = [c.name for c in report.checks]
    assert names == [
        "engel-iwo-jima",
        "ardennes-ranking",
        "engine-deterministic",
        "engine-stochastic",
        "cdb90-winner",
        "cdb90-loss-exchange",
        "cdb90-casualty-rate",
        "cdb90-battle-size",
        "battle-wanat-2008-v1",
        "battle-keating-2009-v1",
        "battle-hill-3234-1988-v1",
    ]
    assert all(c.compared and c.published and c.drillsim and c.difference for c in report.checks)


def test_cdb90_prediction_checks_score_both_splits(report: ValidationReport) -> None:
    """The winner and loss-exchange checks report the chronological and the seeded random split."""
    for name in ("cdb90-winner", "cdb90-loss-exchange"):
        check = report.check(name)
        assert "before 1900" in check.drillsim
        assert f"seed {report.seed}" in check.drillsim


def test_cdb90_casualty_rate_check_places_both_sides(report: ValidationReport) -> None:
    """The casualty-rate check gives the engine's rate and its CDB90 percentile for each side."""
    check = report.check("cdb90-casualty-rate")
    for side in ("attacker", "defender"):
        assert re.search(rf"{side} [0-9.]+", check.drillsim)
        assert re.search(rf"{side} at the \d+(st|nd|rd|th) percentile", check.difference)


def test_battle_size_check_reports_falling_rates_for_both_sides(report: ValidationReport) -> None:
    """The size check gives each side's rate at 1x, 5x and 25x and CDB90's elasticity beside them; rates
    fall with size, and the check passes exactly when every rate also lies inside CDB90's band."""
    check = report.check("cdb90-battle-size")
    inside = True
    for side in ("attacker", "defender"):
        rates = [
            float(v) for v in re.search(rf"{side} ([0-9.]+) / ([0-9.]+) / ([0-9.]+)", check.drillsim).groups()
        ]
        assert rates[-1] < rates[0], side
        assert re.search(rf"{side} k = -[0-9.]+ ± [0-9.]+", check.published)
        low, high = (float(v) for v in re.search(rf"{side} ([0-9.]+)-([0-9.]+)", check.published).groups())
        inside &= all(low <= r <= high for r in rates)
    assert check.passed == inside


def test_fire_fight_out_of_range_loses_nobody_and_stops_after_a_quiet_hour() -> None:
    """Rifle squads 5 km apart (beyond every core-v1 direct-fire range) lose nothing; the run stops early."""
    from drillsim.validation.checks import (
        QUIET_S,
        _load_scenario_data,
        catalogue_fire_fight_data,
        engine_casualty_rates,
    )

    scenario = _load_scenario_data(
        catalogue_fire_fight_data(attacker_squads=2, defender_squads=1, range_m=5000)
    )
    rates = engine_casualty_rates(scenario, rng=1, replications=2)
    assert (rates.attacker, rates.defender) == (0.0, 0.0)
    assert rates.fighting_s == 0.0
    assert (rates.attacker_strength, rates.defender_strength) == (18.0, 9.0)
    assert QUIET_S < 86_400


def test_history_and_engine_checks_pass(report: ValidationReport) -> None:
    """Iwo Jima, the deterministic engine and the stochastic engine checks pass."""
    for name in ("engel-iwo-jima", "engine-deterministic", "engine-stochastic"):
        assert report.check(name).passed, name


def test_battles_are_findings_with_a_verdict_per_published_figure(report: ValidationReport) -> None:
    """Each battle is a finding (a miss does not fail the run) whose verdicts follow the band, the sampling
    intervals of its edges and the published figure, and the HTML report shows every battle's table."""
    assert len(report.battles) == 3
    for b in report.battles:
        check = report.check(f"battle-{b.battle.key}")
        assert check.finding
        assert check.passed == all(m.inside for m in b.measures)
        assert b.runs.replications == BATTLE_REPLICATIONS
        for m in b.measures:
            assert m.p05 <= m.median <= m.p95
            assert m.p05_interval[0] <= m.p05 <= m.p05_interval[1]
            assert m.p95_interval[0] <= m.p95 <= m.p95_interval[1]
            # Inside or outside only beyond the sampling error of the edges; the figure's place against the
            # point estimates of the band agrees with a settled verdict.
            if m.verdict != "at the edge":
                assert m.inside == (m.published.low <= m.p95 and m.published.high >= m.p05)
    assert report.html_path is not None
    text = report.html_path.read_text(encoding="utf-8")
    assert "Public validation battles" in text
    assert "edges (95 % interval)" in text
    assert all(b.battle.name in text for b in report.battles)


def test_ardennes_ranking_is_marked_unverified(report: ValidationReport) -> None:
    """The Ardennes check says its published ranking has not been checked against the paper."""
    assert not report.check("ardennes-ranking").verified


def test_html_report_is_offline(report: ValidationReport) -> None:
    """The HTML report exists, embeds SVG plots and links nothing over http(s)."""
    assert report.html_path is not None
    text = report.html_path.read_text(encoding="utf-8")
    assert text.count("<svg") == 5
    assert "http://" not in text
    assert "https://" not in text


def test_validate_models_command_exits_zero(cli: Cli, report: ValidationReport, tmp_path: Path) -> None:
    """``drillsim validate-models --out`` prints every check; its exit code says whether every counted check
    passed (the failed loss-exchange finding is reported, not counted)."""
    html = str(tmp_path / "r.html")
    result = cli("validate-models", "--out", html, "--battle-replications", str(BATTLE_REPLICATIONS))
    assert result.code == (0 if report.passed else 1)
    assert "public validation battles" in result.out
    assert "Wanat" in result.out
    assert "Hill 3234" in result.out
    assert "model fails" in result.out
    assert all(c.name in result.out for c in report.checks)
    assert (tmp_path / "r.html").exists()


def test_fit_recovers_engel_coefficients(cli: Cli) -> None:
    """``lanchester fit`` on the shipped Iwo Jima CSV gives a and b within 5 % of Engel's."""
    result = cli(
        "lanchester", "fit", str(IWO_JIMA), "--x", "us_strength", "--y", "japanese_strength",
        "--x-arrivals", "us_landed", "--a0", "0.05", "--b0", "0.01",
    )  # fmt: skip
    assert result.code == 0
    a = float(re.search(r"│ a\s+│\s+([0-9.e-]+)", result.out).group(1))  # type: ignore[union-attr]
    b = float(re.search(r"│ b\s+│\s+([0-9.e-]+)", result.out).group(1))  # type: ignore[union-attr]
    assert a == pytest.approx(0.0544, rel=0.05)
    assert b == pytest.approx(0.0106, rel=0.05)


def test_fit_missing_file_exits_2_naming_it(cli: Cli, tmp_path: Path) -> None:
    """A CSV path that does not exist gives exit 2, its name in the message and no traceback."""
    missing = tmp_path / "no-such.csv"
    result = cli("lanchester", "fit", str(missing), "--x", "a", "--y", "b")
    assert result.code == 2
    assert "no-such.csv" in result.err
    assert "Traceback" not in result.err + result.out


def test_fit_unknown_column_exits_2_naming_it(cli: Cli) -> None:
    """An unknown column gives exit 2, naming the file and the column, and no traceback."""
    result = cli("lanchester", "fit", str(IWO_JIMA), "--x", "marines", "--y", "japanese_strength")
    assert result.code == 2
    assert "marines" in result.err
    assert "iwo_jima_engel1954.csv" in result.err
    assert "Traceback" not in result.err + result.out


def test_fit_row_with_missing_field_exits_2_naming_file_line_and_column(cli: Cli, tmp_path: Path) -> None:
    """A data row shorter than the header gives exit 2, naming the file, the line and the missing column."""
    corrupt = tmp_path / "corrupt.csv"
    corrupt.write_text("day,x,y\n0,100,80\n1,90\n2,80,60\n", encoding="utf-8")
    result = cli("lanchester", "fit", str(corrupt), "--x", "x", "--y", "y")
    assert result.code == 2
    assert "corrupt.csv:3" in result.err
    assert "'y'" in result.err
    assert "Traceback" not in result.err + result.out


def test_fit_row_with_extra_field_exits_2_naming_the_line(cli: Cli, tmp_path: Path) -> None:
    """A data row wider than the header gives exit 2 with the file and line, not a silent fit."""
    corrupt = tmp_path / "wide.csv"
    corrupt.write_text("day,x,y\n0,100,80\n1,90,70\n2,80,60,5\n", encoding="utf-8")
    result = cli("lanchester", "fit", str(corrupt), "--x", "x", "--y", "y")
    assert result.code == 2
    assert "wide.csv:4" in result.err
    assert "Traceback" not in result.err + result.out


def test_solve_winner_follows_square_law_invariant(cli: Cli) -> None:
    """``lanchester solve`` names X the winner when b x0^2 > a y0^2, with sqrt(x0^2 - a/b y0^2) left."""
    x0, y0, a, b = 100.0, 80.0, 0.001, 0.0008
    result = cli("lanchester", "solve", "--x0", "100", "--y0", "80", "--a", "0.001", "--b", "0.0008")
    assert result.code == 0
    match = re.search(r"winner: (\w+) with ([0-9.]+) left", result.out)
    assert match is not None
    assert (match.group(1) == "x") == (b * x0**2 > a * y0**2)
    assert float(match.group(2)) == pytest.approx(math.sqrt(x0**2 - a / b * y0**2), abs=1e-3)


def test_loss_exchange_is_a_finding_the_model_fails(report: ValidationReport) -> None:
    """Force ratio does not predict CDB90's loss-exchange ratio out of sample: a failed finding."""
    check = report.check("cdb90-loss-exchange")
    assert check.finding
    assert not check.passed
    assert check.result == "model fails"
