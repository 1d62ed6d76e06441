"""Historical validation: the shipped battle data sets and reproductions of published Lanchester fits.

Data sets (CSV in ``drillsim/validation/data``, each with a README giving source, citation and licence; built
by ``scripts/build_history.py`` from vendored public sources):

* ``iwo_jima/iwo_jima_engel1954.csv`` -- the inputs of Engel (1954): US landings on days 1, 3 and 6,
  Japanese strength at the start and both strengths at the end of the 36-day battle. Engel's daily US
  strength table itself was not found in any stored public source, so only the end points are shipped.
* ``ardennes/ardennes_daily.csv`` -- daily Allied and German strengths and casualties in the Ardennes
  campaign, days 2-33, as tabulated in a public repository that cites Wiper, Pettit and Young (2000).
* ``cdb90/cdb90_battles.csv`` -- CDB90's 660 battles, one row each; loaded and analysed by
  :mod:`drillsim.validation.cdb90`.

Run ``python -m drillsim.validation.history`` to print every reproduced figure next to the published one.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
from numpy.typing import NDArray

from drillsim.validation.lanchester import (
    LINEAR_LAW,
    LOGARITHMIC_LAW,
    SQUARE_LAW,
    AttritionFit,
    AttritionLaw,
    FitMethod,
    ReinforcementSchedule,
    fit_attrition,
    fit_trajectory,
    iterate_attrition,
)

__all__ = [
    "ArdennesCampaign",
    "EngelReproduction",
    "IwoJimaRecord",
    "LawComparison",
    "compare_ardennes_laws",
    "load_ardennes",
    "load_iwo_jima",
    "main",
    "reproduce_engel_iwo_jima",
]

FloatArray = NDArray[np.float64]


def _read_rows(folder: str, name: str) -> list[dict[str, str]]:
    path = resources.files("drillsim.validation").joinpath("data", folder, name)
    text = path.read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


# ------------------------------------------------------------------------------------------ Iwo Jima


@dataclass(frozen=True, slots=True)
class IwoJimaRecord:
    """Engel's Iwo Jima inputs: X = US forces ashore, Y = Japanese garrison; time in days from the landing."""

    days: int
    us_landings: ReinforcementSchedule
    japanese_initial: float
    us_final: float
    japanese_final: float
    published_us_attrition: float
    published_japanese_attrition: float


def load_iwo_jima() -> IwoJimaRecord:
    """Read the shipped Iwo Jima data set."""
    rows = _read_rows("iwo_jima", "iwo_jima_engel1954.csv")
    landings = [(int(r["day"]), float(r["us_landed"])) for r in rows if float(r["us_landed"]) > 0]
    last = rows[-1]
    published = {
        r["parameter"]: float(r["value"]) for r in _read_rows("iwo_jima", "iwo_jima_engel1954_published.csv")
    }
    return IwoJimaRecord(
        days=int(last["day"]),
        us_landings=ReinforcementSchedule.from_days([d for d, _ in landings], [s for _, s in landings]),
        japanese_initial=float(rows[0]["japanese_strength"]),
        us_final=float(last["us_strength"]),
        japanese_final=float(last["japanese_strength"]),
        published_us_attrition=published["us_attrition_coefficient"],
        published_japanese_attrition=published["japanese_attrition_coefficient"],
    )


@dataclass(frozen=True, slots=True)
class EngelReproduction:
    """Square-law coefficients re-estimated from the Iwo Jima end points, beside Engel's published values."""

    us_attrition: float
    japanese_attrition: float
    published_us_attrition: float
    published_japanese_attrition: float
    stepping: str

    @property
    def us_relative_error(self) -> float:
        """(reproduced - published) / published for the US attrition coefficient."""
        return self.us_attrition / self.published_us_attrition - 1.0

    @property
    def japanese_relative_error(self) -> float:
        """(reproduced - published) / published for the Japanese attrition coefficient."""
        return self.japanese_attrition / self.published_japanese_attrition - 1.0


def reproduce_engel_iwo_jima(*, stepping: str = "ode") -> EngelReproduction:
    """Solve for the square-law coefficients that take Iwo Jima from its start to its recorded end.

    ``dX/dt = -a Y + P(t)``, ``dY/dt = -b X``, with X the US forces ashore (landings ``P``), Y the Japanese
    garrison (21,500 at the start), both fitted to the end of day 36: Japanese annihilated, US strength as
    recorded. ``stepping="ode"`` integrates the differential equations; ``"daily"`` uses Engel's daily
    difference equations. Two equations, two unknowns: an exact solve, so there is no standard error.
    """
    record = load_iwo_jima()
    guess = (0.05, 0.01)
    if stepping == "ode":
        fit = fit_trajectory(
            SQUARE_LAW,
            times=[float(record.days)],
            x_observed=[record.us_final],
            y_observed=[record.japanese_final],
            x0=0.0,
            y0=record.japanese_initial,
            initial_guess=guess,
            reinforcements_x=record.us_landings,
        )
        a, b = fit.estimate("a").value, fit.estimate("b").value
    elif stepping == "daily":
        a, b = _solve_daily(record, guess)
    else:
        raise ValueError(f"unknown stepping {stepping!r}; expected 'ode' or 'daily'")
    return EngelReproduction(
        us_attrition=a,
        japanese_attrition=b,
        published_us_attrition=record.published_us_attrition,
        published_japanese_attrition=record.published_japanese_attrition,
        stepping=stepping,
    )


def _solve_daily(record: IwoJimaRecord, guess: tuple[float, float]) -> tuple[float, float]:
    from scipy import optimize  # type: ignore[import-untyped,unused-ignore]

    scale = np.array([record.us_final + record.japanese_initial, record.japanese_initial])

    def gap(log_ab: FloatArray) -> FloatArray:
        path = iterate_attrition(
            SQUARE_LAW,
            x0=0.0,
            y0=record.japanese_initial,
            a=math.exp(log_ab[0]),
            b=math.exp(log_ab[1]),
            periods=record.days,
            reinforcements_x=record.us_landings,
        )
        # Unfloored end values so the solve sees a smooth function of the coefficients.
        gaps = np.array([path.x[-1] - record.us_final, _unfloored_last_y(log_ab, record)], dtype=np.float64)
        return np.asarray(gaps / scale, dtype=np.float64)

    root = optimize.least_squares(gap, np.log(np.asarray(guess)), xtol=1e-14, ftol=1e-14)
    return math.exp(float(root.x[0])), math.exp(float(root.x[1]))


def _unfloored_last_y(log_ab: FloatArray, record: IwoJimaRecord) -> float:
    """The Japanese strength at the end without the floor at zero (negative if annihilated earlier)."""
    path = iterate_attrition(
        SQUARE_LAW,
        x0=0.0,
        y0=record.japanese_initial,
        a=math.exp(log_ab[0]),
        b=math.exp(log_ab[1]),
        periods=record.days - 1,
        reinforcements_x=record.us_landings,
    )
    return float(path.y[-1] - math.exp(log_ab[1]) * path.x[-1]) - record.japanese_final


# ------------------------------------------------------------------------------------------ Ardennes


@dataclass(frozen=True, slots=True)
class ArdennesCampaign:
    """Daily series of the Ardennes campaign: X = Allied, Y = German; losses are those of each day."""

    days: NDArray[np.int64] = field(compare=False)
    allied_strength: FloatArray = field(compare=False)
    allied_casualties: FloatArray = field(compare=False)
    german_strength: FloatArray = field(compare=False)
    german_casualties: FloatArray = field(compare=False)


def load_ardennes() -> ArdennesCampaign:
    """Read the shipped Ardennes data set."""
    rows = _read_rows("ardennes", "ardennes_daily.csv")

    def column(name: str) -> FloatArray:
        return np.array([float(r[name]) for r in rows], dtype=np.float64)

    return ArdennesCampaign(
        days=np.array([int(r["day"]) for r in rows], dtype=np.int64),
        allied_strength=column("allied_strength"),
        allied_casualties=column("allied_casualties"),
        german_strength=column("german_strength"),
        german_casualties=column("german_casualties"),
    )


@dataclass(frozen=True, slots=True)
class LawComparison:
    """Fits of several attrition laws to one campaign, best (lowest SSE) first."""

    fits: tuple[AttritionFit, ...]

    @property
    def ranking(self) -> tuple[str, ...]:
        """Law names ordered from best to worst fit."""
        return tuple(f.law.name for f in self.fits)


def compare_ardennes_laws(
    *,
    method: FitMethod = "least_squares",
    laws: tuple[AttritionLaw, ...] = (SQUARE_LAW, LINEAR_LAW, LOGARITHMIC_LAW),
) -> LawComparison:
    """Fit each law to the Ardennes casualty series and rank them by SSE of the daily losses.

    All compared laws have the same two parameters, so ranking by SSE, by likelihood and by AIC agree.
    """
    campaign = load_ardennes()
    fits = [
        fit_attrition(
            campaign.allied_strength,
            campaign.german_strength,
            law=law,
            x_losses=campaign.allied_casualties,
            y_losses=campaign.german_casualties,
            method=method,
        )
        for law in laws
    ]
    return LawComparison(tuple(sorted(fits, key=lambda f: f.sse)))


# -------------------------------------------------------------------------------------------- report


def main() -> None:
    """Print the reproduced figures beside the published ones."""
    print("Iwo Jima (Engel 1954), square law with US landings; coefficients per soldier per day")
    for stepping in ("ode", "daily"):
        rep = reproduce_engel_iwo_jima(stepping=stepping)
        us = (
            f"{rep.us_attrition:.5f} (published {rep.published_us_attrition}, "
            f"{100 * rep.us_relative_error:+.1f}%)"
        )
        jp = (
            f"{rep.japanese_attrition:.5f} (published {rep.published_japanese_attrition}, "
            f"{100 * rep.japanese_relative_error:+.1f}%)"
        )
        print(f"  {stepping:5s}  US attrition a = {us}   Japanese attrition b = {jp}")
    print("Ardennes campaign, days 2-33, daily casualties; laws ranked by SSE (best first)")
    for method in ("least_squares", "poisson"):
        comparison = compare_ardennes_laws(method=method)
        print(f"  {method}:")
        for fit in comparison.fits:
            a, b = fit.estimate("a"), fit.estimate("b")
            print(
                f"    {fit.law.name:12s} SSE = {fit.sse:.4e}  R^2 = {fit.r_squared:.3f}  "
                f"AIC = {fit.aic:10.1f}  a = {a.value:.3e} +- {a.standard_error:.1e}  "
                f"b = {b.value:.3e} +- {b.standard_error:.1e}"
            )
    campaign = load_ardennes()
    general = fit_attrition(
        campaign.allied_strength,
        campaign.german_strength,
        law=SQUARE_LAW,
        x_losses=campaign.allied_casualties,
        y_losses=campaign.german_casualties,
        free_exponents="shared",
    )
    p, q = general.estimate("p"), general.estimate("q")
    print(
        f"  generalised (shared p, q), least squares: p = {p.value:.2f} +- {p.standard_error:.2f}, "
        f"q = {q.value:.2f} +- {q.standard_error:.2f}, SSE = {general.sse:.4e}, AIC = {general.aic:.1f}"
    )


if __name__ == "__main__":
    main()
