"""CDB90 battles: force ratio and Lanchester-style models tested out of sample, and daily casualty rates.

The data set ``data/cdb90/cdb90_battles.csv`` (CAA's Database of Battles, version 1990, as transcribed in
github.com/jrnold/CDB90; see its README) has one row per battle: strengths, casualties, winner, duration,
postures, terrain and weather. This module loads it and asks three questions.

1. **Who wins?** Out of sample, does the force ratio ``FR = attacker strength / defender strength`` predict
   the winner better than the base rate (the training share of attacker wins)? Models: the base rate; the
   rule "the larger force wins"; a logistic regression on ``ln FR`` (a Lanchester-style law with a fitted
   exponent: the attacker wins when ``k ln FR + c > 0``); and Helmbold's square-law form, in which the
   attacker wins when ``(b/a) FR^2 > 1`` and ``ln(b/a)``, the battle's Helmbold ratio, is normally
   distributed with the mean and spread seen in the training battles.
2. **What loss-exchange ratio?** ``LER = defender casualties / attacker casualties``. Models for ``ln LER``:
   a constant (the linear law, under which the loss ratio does not depend on the force ratio), the square
   law (``LER = (b/a) FR``, slope 1 on ``ln FR``) and a power law with a fitted exponent.
3. **How fast do armies lose men?** The distribution of daily casualty rates (casualties per battle day over
   initial strength, per side) for battles of a given size and defender posture, against which
   :mod:`drillsim.validation.checks` places the engine's rate.

Battles marked as part of a larger battle (``part_of``) are left out so that no fighting counts twice.
Each model is fitted on one part of the battles and scored on the rest: battles before a cut-off year
against the later ones, and a seeded random 70/30 split. Run ``python -m drillsim.validation.cdb90`` to
print every figure.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
from numpy.typing import NDArray
from scipy import special  # type: ignore[import-untyped,unused-ignore]

from drillsim.validation.lanchester import helmbold_ratio

__all__ = [
    "BASE_RATE",
    "CONSTANT",
    "CUTOFF_YEAR",
    "FITTED",
    "HELMBOLD",
    "LARGER_FORCE",
    "LOGISTIC",
    "PERCENTILES",
    "SQUARE",
    "Battle",
    "CasualtyRates",
    "LossExchangePrediction",
    "LossExchangeScore",
    "SizeElasticity",
    "Split",
    "WinnerPrediction",
    "WinnerScore",
    "chronological_split",
    "daily_casualty_rates",
    "load_cdb90",
    "main",
    "predict_loss_exchange",
    "predict_winner",
    "random_split",
    "size_elasticity",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

CUTOFF_YEAR = 1900
"""Chronological split: battles that began before this year are the training set."""
TRAIN_FRACTION = 0.7
"""Share of the battles in the training set of the random split."""
SEED = 7
"""Default seed of the random split (the validation report's seed)."""
PERCENTILES = (5.0, 25.0, 50.0, 75.0, 95.0)
"""Percentiles reported for daily casualty rates."""

_PROBABILITY_FLOOR = 1e-12


# -------------------------------------------------------------------------------------------- battles


@dataclass(frozen=True, slots=True)
class Battle:
    """One CDB90 battle; strengths and casualties in persons (NaN when the source gives none)."""

    id: int
    name: str
    war: str
    year: int
    duration_days: float
    """Elapsed time from the first to the last recorded moment of the battle (NaN when unknown)."""
    attacker_strength: float
    defender_strength: float
    attacker_casualties: float
    defender_casualties: float
    winner: str
    """``attacker``, ``defender``, ``draw`` or empty when unknown."""
    defender_posture: str
    """CDB90's first defensive posture: HD hasty, PD prepared, FD fortified, DL delay, WD withdrawal."""
    part_of: int | None
    """The battle this one is a part of, when CDB90 also records the whole."""

    @property
    def force_ratio(self) -> float:
        """Attacker strength over defender strength."""
        return self.attacker_strength / self.defender_strength

    @property
    def loss_exchange_ratio(self) -> float:
        """Defender casualties per attacker casualty."""
        return self.defender_casualties / self.attacker_casualties

    @property
    def total_strength(self) -> float:
        """Both sides' strengths together."""
        return self.attacker_strength + self.defender_strength

    @property
    def battle_days(self) -> float:
        """Days the battle touched: its elapsed time rounded up to whole days, at least one day."""
        if not math.isfinite(self.duration_days):
            return math.nan
        return float(max(1, math.ceil(self.duration_days - 1e-9)))

    def daily_casualty_rate(self, side: str) -> float:
        """A side's casualties per battle day over its strength; ``side`` is attacker or defender."""
        if side == "attacker":
            lost, strength = self.attacker_casualties, self.attacker_strength
        elif side == "defender":
            lost, strength = self.defender_casualties, self.defender_strength
        else:
            raise ValueError(f"unknown side {side!r}; expected 'attacker' or 'defender'")
        return lost / strength / self.battle_days


def _number(text: str) -> float:
    return float(text) if text.strip() else math.nan


def load_cdb90() -> tuple[Battle, ...]:
    """Read the shipped CDB90 data set: every one of its 660 battles, in CDB90's order."""
    path = resources.files("drillsim.validation").joinpath("data", "cdb90", "cdb90_battles.csv")
    rows = csv.DictReader(path.read_text(encoding="utf-8").splitlines())
    return tuple(
        Battle(
            id=int(r["id"]),
            name=r["name"],
            war=r["war"],
            year=int(r["year"]),
            duration_days=_number(r["duration_days"]),
            attacker_strength=_number(r["attacker_strength"]),
            defender_strength=_number(r["defender_strength"]),
            attacker_casualties=_number(r["attacker_casualties"]),
            defender_casualties=_number(r["defender_casualties"]),
            winner=r["winner"],
            defender_posture=r["defender_posture"],
            part_of=int(r["part_of"]) if r["part_of"] else None,
        )
        for r in rows
    )


def _whole_battles(battles: Sequence[Battle]) -> list[Battle]:
    """Battles that are not parts of another and have both strengths."""
    return [b for b in battles if b.part_of is None and b.attacker_strength > 0 and b.defender_strength > 0]


# --------------------------------------------------------------------------------------------- splits


@dataclass(frozen=True, slots=True)
class Split:
    """A partition of battles into a training and a test set, by battle id."""

    name: str
    train_ids: frozenset[int] = field(repr=False)

    def is_train(self, battle: Battle) -> bool:
        """True when ``battle`` is in the training set."""
        return battle.id in self.train_ids


def chronological_split(battles: Sequence[Battle], *, before_year: int = CUTOFF_YEAR) -> Split:
    """Train on battles that began before ``before_year``, test on the later ones."""
    return Split(
        f"before {before_year} / from {before_year}", frozenset(b.id for b in battles if b.year < before_year)
    )


def random_split(
    battles: Sequence[Battle],
    *,
    train_fraction: float = TRAIN_FRACTION,
    rng: int | np.random.Generator = SEED,
) -> Split:
    """A random split of the whole battles (``train_fraction`` of them for training), drawn from ``rng``."""
    if not 0.0 < train_fraction < 1.0:
        raise ValueError(f"train_fraction must lie strictly between 0 and 1, got {train_fraction}")
    generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    ids = np.array(sorted(b.id for b in _whole_battles(battles)), dtype=np.int64)
    order = generator.permutation(ids.size)
    n_train = round(train_fraction * ids.size)
    seed = "" if isinstance(rng, np.random.Generator) else f", seed {rng}"
    return Split(
        f"random {round(100 * train_fraction)}/{round(100 * (1 - train_fraction))}{seed}",
        frozenset(int(i) for i in ids[order[:n_train]]),
    )


# --------------------------------------------------------------------------------------------- winner


@dataclass(frozen=True, slots=True)
class WinnerScore:
    """Out-of-sample scores of one model of the winner; lower Brier score and log loss are better."""

    model: str
    accuracy: float
    brier: float
    log_loss: float
    """NaN for a rule that gives no probabilities."""


@dataclass(frozen=True, slots=True)
class WinnerPrediction:
    """Models of "the attacker wins" fitted on the training battles and scored on the test battles.

    Only battles with a winner enter (draws and unknown outcomes are left out).
    """

    split: str
    n_train: int
    n_test: int
    base_rate: float
    """Share of attacker wins among the training battles."""
    test_attacker_share: float
    logistic_intercept: float
    logistic_slope: float
    """Coefficient of ``ln FR`` in the logistic model: the fitted exponent of the force ratio."""
    helmbold_mean: float
    """Mean of ``ln(b/a)`` (the Helmbold ratio, attacker over defender) over the training battles."""
    helmbold_sd: float
    scores: tuple[WinnerScore, ...]

    def score(self, model: str) -> WinnerScore:
        """The scores of the model called ``model``."""
        for s in self.scores:
            if s.model == model:
                return s
        raise KeyError(model)

    @property
    def brier_skill(self) -> float:
        """1 - Brier(logistic) / Brier(base rate): the share of the base rate's error FR removes."""
        return 1.0 - self.score(LOGISTIC).brier / self.score(BASE_RATE).brier


BASE_RATE = "base rate"
LARGER_FORCE = "larger force wins"
LOGISTIC = "logistic ln FR"
HELMBOLD = "Helmbold square law"


def _logistic_fit(x: FloatArray, y: FloatArray) -> tuple[float, float]:
    """Maximum-likelihood intercept and slope of ``P(y = 1) = 1 / (1 + exp(-(c + k x)))`` (Newton steps)."""
    design = np.column_stack([np.ones_like(x), x])
    beta = np.zeros(2)
    for _ in range(100):
        p = special.expit(design @ beta)
        weight = np.maximum(p * (1.0 - p), _PROBABILITY_FLOOR)
        hessian = design.T @ (design * weight[:, None])
        step = np.linalg.solve(hessian, design.T @ (y - p))
        beta = beta + step
        if float(np.max(np.abs(step))) < 1e-12:
            break
    return float(beta[0]), float(beta[1])


def _scores(model: str, p: FloatArray, y: FloatArray, *, probabilistic: bool = True) -> WinnerScore:
    clipped = np.clip(p, _PROBABILITY_FLOOR, 1.0 - _PROBABILITY_FLOOR)
    log_loss = float(-np.mean(y * np.log(clipped) + (1.0 - y) * np.log(1.0 - clipped)))
    return WinnerScore(
        model=model,
        accuracy=float(np.mean((p > 0.5) == (y > 0.5))),
        brier=float(np.mean((p - y) ** 2)),
        log_loss=log_loss if probabilistic else math.nan,
    )


def _ln_helmbold(battles: Sequence[Battle]) -> FloatArray:
    """``ln(b/a)`` of each battle whose sides both lost some but not all of their strength."""
    usable = [
        b
        for b in battles
        if 0 < b.attacker_casualties < b.attacker_strength and 0 < b.defender_casualties < b.defender_strength
    ]
    ratio = helmbold_ratio(
        [b.attacker_strength for b in usable],
        [b.attacker_strength - b.attacker_casualties for b in usable],
        [b.defender_strength for b in usable],
        [b.defender_strength - b.defender_casualties for b in usable],
    )
    return np.log(ratio[np.isfinite(ratio) & (ratio > 0)])


def predict_winner(battles: Sequence[Battle], split: Split) -> WinnerPrediction:
    """Fit each model of the winner on the training battles of ``split`` and score it on the test battles."""
    decided = [b for b in _whole_battles(battles) if b.winner in ("attacker", "defender")]
    train = [b for b in decided if split.is_train(b)]
    test = [b for b in decided if not split.is_train(b)]
    if len(train) < 10 or len(test) < 10:
        raise ValueError(f"split {split.name!r} leaves too few decided battles ({len(train)}, {len(test)})")

    def arrays(part: list[Battle]) -> tuple[FloatArray, FloatArray]:
        return (
            np.log(np.array([b.force_ratio for b in part], dtype=np.float64)),
            np.array([b.winner == "attacker" for b in part], dtype=np.float64),
        )

    x_train, y_train = arrays(train)
    x_test, y_test = arrays(test)
    base = float(y_train.mean())
    intercept, slope = _logistic_fit(x_train, y_train)
    ln_ratio = _ln_helmbold(train)
    mean, sd = float(ln_ratio.mean()), float(ln_ratio.std(ddof=1))
    scores = (
        _scores(BASE_RATE, np.full_like(y_test, base), y_test),
        _scores(LARGER_FORCE, (x_test > 0).astype(np.float64), y_test, probabilistic=False),
        _scores(LOGISTIC, special.expit(intercept + slope * x_test), y_test),
        _scores(HELMBOLD, special.ndtr((mean + 2.0 * x_test) / sd), y_test),
    )
    return WinnerPrediction(
        split=split.name,
        n_train=len(train),
        n_test=len(test),
        base_rate=base,
        test_attacker_share=float(y_test.mean()),
        logistic_intercept=intercept,
        logistic_slope=slope,
        helmbold_mean=mean,
        helmbold_sd=sd,
        scores=scores,
    )


# --------------------------------------------------------------------------------- loss-exchange ratio


@dataclass(frozen=True, slots=True)
class LossExchangeScore:
    """Out-of-sample error of one model of ``ln LER``."""

    model: str
    rmse: float
    """Root mean square error of ``ln LER`` on the test battles."""
    r_squared: float
    """1 - SSE / SSE of the constant model fitted on the training battles (negative: worse than it)."""


@dataclass(frozen=True, slots=True)
class LossExchangePrediction:
    """Models of ``ln LER`` fitted on the training battles and scored on the test battles."""

    split: str
    n_train: int
    n_test: int
    exponent: float
    """Fitted exponent of FR in ``LER = C FR^k``: 1 under the square law, 0 under the linear law."""
    exponent_se: float
    intercept: float
    scores: tuple[LossExchangeScore, ...]

    def score(self, model: str) -> LossExchangeScore:
        """The scores of the model called ``model``."""
        for s in self.scores:
            if s.model == model:
                return s
        raise KeyError(model)


CONSTANT = "constant (linear law)"
SQUARE = "square law (exponent 1)"
FITTED = "fitted exponent"


def predict_loss_exchange(battles: Sequence[Battle], split: Split) -> LossExchangePrediction:
    """Fit each model of ``ln LER`` on the training battles of ``split`` and score it on the test battles."""
    usable = [b for b in _whole_battles(battles) if b.attacker_casualties > 0 and b.defender_casualties > 0]
    train = [b for b in usable if split.is_train(b)]
    test = [b for b in usable if not split.is_train(b)]
    if len(train) < 10 or len(test) < 10:
        raise ValueError(
            f"split {split.name!r} leaves too few battles with losses ({len(train)}, {len(test)})"
        )

    def arrays(part: list[Battle]) -> tuple[FloatArray, FloatArray]:
        return (
            np.log(np.array([b.force_ratio for b in part], dtype=np.float64)),
            np.log(np.array([b.loss_exchange_ratio for b in part], dtype=np.float64)),
        )

    x_train, y_train = arrays(train)
    x_test, y_test = arrays(test)
    design = np.column_stack([np.ones_like(x_train), x_train])
    beta, _, _, _ = np.linalg.lstsq(design, y_train, rcond=None)
    residual = y_train - design @ beta
    sigma2 = float(residual @ residual) / (len(train) - 2)
    cov = sigma2 * np.linalg.inv(design.T @ design)
    constant = float(y_train.mean())
    square_intercept = float(np.mean(y_train - x_train))
    predictions = {
        CONSTANT: np.full_like(y_test, constant),
        SQUARE: square_intercept + x_test,
        FITTED: beta[0] + beta[1] * x_test,
    }
    sse_constant = float(np.sum((y_test - predictions[CONSTANT]) ** 2))
    scores = tuple(
        LossExchangeScore(
            model=name,
            rmse=math.sqrt(float(np.mean((y_test - p) ** 2))),
            r_squared=1.0 - float(np.sum((y_test - p) ** 2)) / sse_constant,
        )
        for name, p in predictions.items()
    )
    return LossExchangePrediction(
        split=split.name,
        n_train=len(train),
        n_test=len(test),
        exponent=float(beta[1]),
        exponent_se=math.sqrt(float(cov[1, 1])),
        intercept=float(beta[0]),
        scores=scores,
    )


# ---------------------------------------------------------------------------------- casualty rates


@dataclass(frozen=True, slots=True)
class CasualtyRates:
    """Daily casualty rates of the selected battles, per side (fractions of strength per battle day)."""

    selection: str
    n: int
    attacker: FloatArray = field(compare=False, repr=False)
    defender: FloatArray = field(compare=False, repr=False)

    def percentiles(self, side: str) -> dict[float, float]:
        """The :data:`PERCENTILES` of one side's daily rates."""
        rates = self._side(side)
        return {q: float(np.percentile(rates, q)) for q in PERCENTILES}

    def percentile_rank(self, side: str, rate: float) -> float:
        """Share of the selected battles (in percent) whose daily rate for ``side`` is at most ``rate``."""
        return float(100.0 * np.mean(self._side(side) <= rate))

    def _side(self, side: str) -> FloatArray:
        if side == "attacker":
            return self.attacker
        if side == "defender":
            return self.defender
        raise ValueError(f"unknown side {side!r}; expected 'attacker' or 'defender'")


def daily_casualty_rates(
    battles: Sequence[Battle],
    *,
    max_total_strength: float = math.inf,
    defender_posture: str | None = None,
) -> CasualtyRates:
    """Daily casualty rates of the whole battles with known duration and losses, optionally selected.

    ``max_total_strength`` keeps battles whose two sides together number at most that many;
    ``defender_posture`` (``HD``, ``PD``, ``FD``, ``DL``, ``WD``) keeps those with that first posture.
    """
    chosen = [
        b
        for b in _whole_battles(battles)
        if math.isfinite(b.battle_days)
        and b.attacker_casualties >= 0
        and b.defender_casualties >= 0
        and b.total_strength <= max_total_strength
        and (defender_posture is None or b.defender_posture == defender_posture)
    ]
    if not chosen:
        raise ValueError("no battle matches the selection")
    parts = []
    if math.isfinite(max_total_strength):
        parts.append(f"total strength <= {max_total_strength:,.0f}")
    if defender_posture is not None:
        parts.append(f"defender posture {defender_posture}")
    return CasualtyRates(
        selection=", ".join(parts) if parts else "all battles",
        n=len(chosen),
        attacker=np.array([b.daily_casualty_rate("attacker") for b in chosen], dtype=np.float64),
        defender=np.array([b.daily_casualty_rate("defender") for b in chosen], dtype=np.float64),
    )


@dataclass(frozen=True, slots=True)
class SizeElasticity:
    """Least-squares fit ``ln rate = c + k ln S`` of one side's daily casualty rate on the battle's total
    strength ``S`` (battles with a positive rate): ``k`` is the elasticity, negative when larger battles
    lose smaller shares a day."""

    side: str
    n: int
    elasticity: float
    elasticity_se: float


def size_elasticity(battles: Sequence[Battle], side: str) -> SizeElasticity:
    """How one side's daily casualty rate scales with the battle's total strength (see
    :class:`SizeElasticity`)."""
    rates = daily_casualty_rates(battles)
    strength = np.array(
        [
            b.total_strength
            for b in _whole_battles(battles)
            if math.isfinite(b.battle_days) and b.attacker_casualties >= 0 and b.defender_casualties >= 0
        ],
        dtype=np.float64,
    )
    r = rates._side(side)
    ok = r > 0
    x = np.column_stack([np.ones(int(ok.sum())), np.log(strength[ok])])
    y = np.log(r[ok])
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ beta
    cov = float(resid @ resid) / (len(y) - 2) * np.linalg.inv(x.T @ x)
    return SizeElasticity(
        side=side, n=len(y), elasticity=float(beta[1]), elasticity_se=math.sqrt(float(cov[1, 1]))
    )


# -------------------------------------------------------------------------------------------- report


def main() -> None:
    """Print every figure of the CDB90 analysis."""
    battles = load_cdb90()
    print(f"CDB90: {len(battles)} battles, {len(_whole_battles(battles))} whole battles with both strengths")
    splits = (chronological_split(battles), random_split(battles))
    for split in splits:
        win = predict_winner(battles, split)
        print(
            f"Winner, split {win.split}: {win.n_train} training, {win.n_test} test battles; attacker won "
            f"{100 * win.base_rate:.1f} % of training and {100 * win.test_attacker_share:.1f} % of test "
            "battles"
        )
        print(
            f"  logistic: P(attacker wins) = expit({win.logistic_intercept:.3f} "
            f"+ {win.logistic_slope:.3f} ln FR);"
            f" Helmbold ln(b/a) ~ N({win.helmbold_mean:.3f}, {win.helmbold_sd:.3f}^2)"
        )
        for s in win.scores:
            log_loss = "-" if math.isnan(s.log_loss) else f"{s.log_loss:.4f}"
            print(f"  {s.model:22s} accuracy {s.accuracy:.3f}  Brier {s.brier:.4f}  log loss {log_loss}")
        ler = predict_loss_exchange(battles, split)
        print(
            f"LER, split {ler.split}: {ler.n_train} training, {ler.n_test} test battles; fitted "
            f"LER = {math.exp(ler.intercept):.3f} FR^({ler.exponent:.3f} +- {ler.exponent_se:.3f})"
        )
        for e in ler.scores:
            print(f"  {e.model:24s} RMSE of ln LER {e.rmse:.3f}  out-of-sample R^2 {e.r_squared:+.4f}")
    for selection in (
        daily_casualty_rates(battles),
        daily_casualty_rates(battles, max_total_strength=10_000),
        daily_casualty_rates(battles, max_total_strength=10_000, defender_posture="HD"),
    ):
        print(
            f"Daily casualty rates, {selection.selection} ({selection.n} battles), percentiles {PERCENTILES}"
        )
        for side in ("attacker", "defender"):
            values = "  ".join(f"{v:.4f}" for v in selection.percentiles(side).values())
            print(f"  {side:9s} {values}")
    for side in ("attacker", "defender"):
        fit = size_elasticity(battles, side)
        print(
            f"Daily casualty rate ~ total strength^k, {side}: k = {fit.elasticity:.3f} "
            f"+- {fit.elasticity_se:.3f} ({fit.n} battles)"
        )


if __name__ == "__main__":
    main()
