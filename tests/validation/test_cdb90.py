import csv
import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

from drillsim.validation.cdb90 import (
    BASE_RATE,
    CONSTANT,
    FITTED,
    LARGER_FORCE,
    LOGISTIC,
    SQUARE,
    Battle,
    Split,
    chronological_split,
    daily_casualty_rates,
    load_cdb90,
    predict_loss_exchange,
    predict_winner,
    random_split,
)

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "src" / "drillsim" / "validation" / "data" / "cdb90" / "cdb90_battles.csv"

# CDB90 holds 660 battles, numbered 1 to 660 (Helmbold 1993; jrnold/CDB90 README).
CDB90_BATTLES = 660


def _battle(
    number: int,
    *,
    year: int = 1900,
    attacker: float = 1000.0,
    defender: float = 1000.0,
    attacker_lost: float = 100.0,
    defender_lost: float = 100.0,
    winner: str = "attacker",
    days: float = 1.0,
    posture: str = "HD",
    part_of: int | None = None,
) -> Battle:
    return Battle(
        id=number,
        name=f"battle {number}",
        war="test",
        year=year,
        duration_days=days,
        attacker_strength=attacker,
        defender_strength=defender,
        attacker_casualties=attacker_lost,
        defender_casualties=defender_lost,
        winner=winner,
        defender_posture=posture,
        part_of=part_of,
    )


def _load_build_script():
    spec = importlib.util.spec_from_file_location("build_history", ROOT / "scripts" / "build_history.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_build_script_reproduces_the_shipped_cdb90_table(tmp_path, monkeypatch):
    """scripts/build_history.py rebuilds data/cdb90/cdb90_battles.csv byte for byte from the raw files."""
    module = _load_build_script()
    monkeypatch.setattr(module, "OUT", tmp_path)
    module.build_cdb90()
    assert (tmp_path / "cdb90" / "cdb90_battles.csv").read_bytes() == SHIPPED.read_bytes()


def test_shipped_table_has_one_row_per_battle_and_the_header_width():
    """The shipped table has CDB90's 660 battles, ids 1 to 660, every row as wide as the header."""
    with SHIPPED.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert all(len(row) == len(rows[0]) for row in rows)
    assert [int(row[0]) for row in rows[1:]] == list(range(1, CDB90_BATTLES + 1))


def test_vendored_raw_files_have_the_header_width_on_every_line():
    """Each vendored CDB90 file parses with the same number of fields on every line."""
    raw = ROOT / "scripts" / "history" / "raw" / "cdb90"
    files = sorted(raw.glob("*.csv"))
    assert files
    for path in files:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        assert all(len(row) == len(rows[0]) for row in rows), path.name


def test_build_rejects_a_raw_line_with_a_missing_field(tmp_path, monkeypatch):
    """A truncated line in a vendored file stops the build, naming the file and the line."""
    module = _load_build_script()
    raw = tmp_path / "raw"
    (raw / "cdb90").mkdir(parents=True)
    source = ROOT / "scripts" / "history" / "raw" / "cdb90"
    for path in source.glob("*.csv"):
        (raw / "cdb90" / path.name).write_bytes(path.read_bytes())
    weather = raw / "cdb90" / "cdb90_weather.csv"
    lines = weather.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].rsplit(",", 1)[0] + "\n"
    weather.write_text("".join(lines), encoding="utf-8")
    monkeypatch.setattr(module, "RAW", raw)
    monkeypatch.setattr(module, "OUT", tmp_path / "out")
    with pytest.raises(SystemExit, match=r"cdb90_weather\.csv:4: 6 fields, expected 7"):
        module.build_cdb90()


def test_loader_reads_every_battle_with_known_sides():
    """load_cdb90 returns the 660 battles; a winner, when given, is attacker, defender or draw."""
    battles = load_cdb90()
    assert len(battles) == CDB90_BATTLES
    assert {b.winner for b in battles} <= {"attacker", "defender", "draw", ""}
    parts = [b for b in battles if b.part_of is not None]
    ids = {b.id for b in battles}
    assert parts
    assert all(b.part_of in ids for b in parts)


def test_battle_days_round_elapsed_time_up_to_whole_days():
    """Five hours count as one battle day, exactly two days as two, two days and an hour as three."""
    assert _battle(1, days=5 / 24).battle_days == 1.0
    assert _battle(1, days=2.0).battle_days == 2.0
    assert _battle(1, days=2.0 + 1 / 24).battle_days == 3.0


def test_daily_casualty_rate_is_losses_over_strength_per_battle_day():
    """400 of 2,000 lost over a four-day battle is a daily rate of 0.05."""
    battle = _battle(1, attacker=2000.0, attacker_lost=400.0, days=4.0)
    assert battle.daily_casualty_rate("attacker") == pytest.approx(0.05)
    with pytest.raises(ValueError, match="unknown side"):
        battle.daily_casualty_rate("blue")


def test_chronological_split_trains_on_battles_before_the_cutoff():
    """Battles that began before the cut-off year train the models; the rest test them."""
    battles = [_battle(1, year=1899), _battle(2, year=1900), _battle(3, year=1950)]
    split = chronological_split(battles, before_year=1900)
    assert [split.is_train(b) for b in battles] == [True, False, False]


def test_random_split_depends_only_on_the_seed():
    """The same seed draws the same training set; another seed draws another; parts are left out."""
    battles = [_battle(i) for i in range(1, 101)] + [_battle(101, part_of=1)]
    first = random_split(battles, rng=3)
    assert first.train_ids == random_split(battles, rng=3).train_ids
    assert first.train_ids != random_split(battles, rng=4).train_ids
    assert len(first.train_ids) == 70
    assert 101 not in first.train_ids


def _winner_battles(rng: np.random.Generator, n: int, *, slope: float) -> list[Battle]:
    """Battles whose attacker wins with probability expit(slope * ln FR)."""
    ratio = np.exp(rng.normal(0.0, 1.0, n))
    wins = rng.random(n) < 1.0 / (1.0 + np.exp(-slope * np.log(ratio)))
    return [
        _battle(i + 1, year=1800 + i % 200, attacker=1000.0 * r, winner="attacker" if w else "defender")
        for i, (r, w) in enumerate(zip(ratio, wins, strict=True))
    ]


def test_logistic_model_recovers_its_slope_and_beats_the_base_rate_when_force_ratio_decides():
    """On battles won with probability expit(3 ln FR) the slope comes out near 3 and beats the base rate."""
    battles = _winner_battles(np.random.default_rng(1), 2000, slope=3.0)
    result = predict_winner(battles, chronological_split(battles, before_year=1900))
    assert result.logistic_slope == pytest.approx(3.0, rel=0.15)
    assert result.score(LOGISTIC).brier < 0.8 * result.score(BASE_RATE).brier
    assert result.score(LOGISTIC).accuracy > result.score(BASE_RATE).accuracy
    assert math.isnan(result.score(LARGER_FORCE).log_loss)


def test_logistic_model_gains_nothing_when_force_ratio_is_irrelevant():
    """When the winner ignores the force ratio, the logistic model does not beat the base rate by much."""
    battles = _winner_battles(np.random.default_rng(2), 2000, slope=0.0)
    result = predict_winner(battles, random_split(battles, rng=5))
    assert result.brier_skill < 0.01


def test_draws_and_parts_are_left_out_of_the_winner_models():
    """Only whole battles with an attacker or defender win enter the training and test counts."""
    rng = np.random.default_rng(3)
    battles = _winner_battles(rng, 60, slope=1.0)
    extra = [_battle(1000, winner="draw"), _battle(1001, winner=""), _battle(1002, part_of=1)]
    split = Split("all but ten", frozenset(b.id for b in battles[10:]) | {1000, 1001, 1002})
    result = predict_winner([*battles, *extra], split)
    assert (result.n_train, result.n_test) == (50, 10)


def _exchange_battles(rng: np.random.Generator, n: int, *, exponent: float) -> list[Battle]:
    """Battles whose loss-exchange ratio is 1.5 FR^exponent times log-normal noise."""
    ratio = np.exp(rng.normal(0.0, 0.8, n))
    ler = 1.5 * ratio**exponent * np.exp(rng.normal(0.0, 0.3, n))
    return [
        _battle(i + 1, year=1800 + i % 200, attacker=1000.0 * r, attacker_lost=100.0, defender_lost=100.0 * e)
        for i, (r, e) in enumerate(zip(ratio, ler, strict=True))
    ]


def test_loss_exchange_fit_recovers_the_square_law_exponent():
    """On battles with LER proportional to FR, the fitted exponent is 1 and the square law scores as well."""
    battles = _exchange_battles(np.random.default_rng(4), 800, exponent=1.0)
    result = predict_loss_exchange(battles, random_split(battles, rng=6))
    assert result.exponent == pytest.approx(1.0, abs=3 * result.exponent_se)
    assert result.score(FITTED).r_squared > 0.5
    assert result.score(SQUARE).rmse == pytest.approx(result.score(FITTED).rmse, rel=0.05)
    assert result.score(CONSTANT).r_squared == 0.0


def test_loss_exchange_constant_model_is_right_under_the_linear_law():
    """With the LER independent of the force ratio, the square law does worse than the constant."""
    battles = _exchange_battles(np.random.default_rng(5), 800, exponent=0.0)
    result = predict_loss_exchange(battles, chronological_split(battles, before_year=1900))
    assert result.exponent == pytest.approx(0.0, abs=3 * result.exponent_se)
    assert result.score(SQUARE).r_squared < 0.0


def test_casualty_rate_selection_keeps_small_battles_in_the_given_posture():
    """Only battles within the size limit and with the named defender posture are counted."""
    battles = [
        _battle(1, attacker=3000.0, defender=2000.0, posture="HD"),
        _battle(2, attacker=30000.0, defender=20000.0, posture="HD"),
        _battle(3, attacker=3000.0, defender=2000.0, posture="FD"),
    ]
    rates = daily_casualty_rates(battles, max_total_strength=10_000, defender_posture="HD")
    assert rates.n == 1
    assert rates.percentiles("attacker")[50.0] == pytest.approx(100.0 / 3000.0)
    assert rates.percentile_rank("defender", 0.05) == 100.0
    assert rates.percentile_rank("defender", 0.04) == 0.0
