"""What a measure's numbers are (a time, a probability, a count...) and how to show them to people.

A measure's quantity comes from its kind in the scenario when that is known (``time-to-locate`` is a time
in seconds, ``objective-achieved`` a 0/1 indicator, ``losses`` a count); for a measure of unknown kind it is
read from the values (all 0 or 1: an indicator; all whole numbers: a count).

The units policy of every output (terminal tables, reports, plots, the study), in one place:

- times are durations with their unit, in s, min or h chosen from their size (``42 s``, ``12.5 min``,
  ``24.7 h``), never raw seconds such as ``3.522e+04 s``; a clock time is written ``T+24:40`` and only
  where it is labelled as time since the start;
- probabilities and fractions in per cent (``43 %``);
- distances in m, or km from 1,000 m;
- counts as whole numbers (means of counts with one decimal).

The numbers of one table row or one axis share one unit (:func:`quantity_unit`), chosen from a typical
value, so that a mean and its interval read side by side.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from drillsim.scenario.models import MEASURE_UNITS

__all__ = [
    "Quantity",
    "describe_values",
    "duration_unit",
    "format_duration",
    "format_quantity",
    "is_constant",
    "measure_quantity",
    "quantity_unit",
]

Quantity = Literal["time", "probability", "count", "fraction", "distance", "value"]


def _quantity_of(kind: str, unit: str) -> Quantity:
    """The quantity of a measure kind, from the unit its values are stored in."""
    if unit == "s":
        return "time"
    if unit == "m":
        return "distance"
    if unit == "1":
        return "fraction" if kind == "fraction-neutralised" else "probability"
    return "count"


_KIND_QUANTITY: dict[str, Quantity] = {kind: _quantity_of(kind, unit) for kind, unit in MEASURE_UNITS.items()}


def measure_quantity(kind: str | None, values: ArrayLike | None = None) -> Quantity:
    """The quantity of a measure: from its kind when known, else from its finite values."""
    if kind is not None and kind in _KIND_QUANTITY:
        return _KIND_QUANTITY[kind]
    if values is None:
        return "value"
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return "value"
    if bool(np.all((v == 0.0) | (v == 1.0))):
        return "probability"
    if bool(np.all(v == np.round(v))) and bool(np.all(v >= 0.0)):
        return "count"
    return "value"


def is_constant(values: ArrayLike) -> bool:
    """True when the finite values do not vary beyond rounding (or there are fewer than two of them).

    A time such as 71984.23104878 s stored in every replication has a computed standard deviation of about
    1e-11 from rounding alone; it counts as constant.
    """
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size < 2:
        return True
    spread = float(v.max() - v.min())
    return spread <= 1e-9 * max(1.0, float(np.abs(v).max()))


def duration_unit(typical_s: float) -> tuple[float, str]:
    """(seconds per unit, label) for durations near ``typical_s``: s below 2 min, min below 2 h, else h."""
    t = abs(typical_s) if math.isfinite(typical_s) else 0.0
    if t < 120.0:
        return (1.0, "s")
    if t < 7200.0:
        return (60.0, "min")
    return (3600.0, "h")


def quantity_unit(quantity: Quantity, typical: float) -> tuple[float, str]:
    """(divide by, unit label) for values of ``quantity`` near ``typical``: a duration unit for times, per
    cent for probabilities and fractions, m or km for distances; (1, "") for counts and other values."""
    if quantity == "time":
        return duration_unit(typical)
    if quantity in ("probability", "fraction"):
        return (0.01, "%")
    if quantity == "distance":
        return (1000.0, "km") if math.isfinite(typical) and abs(typical) >= 1000.0 else (1.0, "m")
    return (1.0, "")


def _fixed(x: float) -> str:
    """A number with three significant digits, without exponent for the sizes durations have."""
    a = abs(x)
    if a >= 100.0:
        return f"{x:.0f}"
    if a >= 10.0:
        return f"{x:.1f}"
    return f"{x:.2f}"


def format_duration(seconds: float, *, unit: tuple[float, str] | None = None) -> str:
    """A duration for people: ``42 s``, ``12.5 min``, ``9.8 h`` (``unit`` forces one, for aligned ranges)."""
    if not math.isfinite(seconds):
        return "-"
    scale, label = unit if unit is not None else duration_unit(seconds)
    return f"{_fixed(seconds / scale)} {label}"


def format_quantity(quantity: Quantity, value: float, *, unit: tuple[float, str] | None = None) -> str:
    """One value of a measure with its unit: a time, a percentage, a count, metres or kilometres."""
    if not math.isfinite(value):
        return "-"
    if quantity == "time":
        return format_duration(value, unit=unit)
    if quantity in ("probability", "fraction"):
        return f"{value * 100:.0f} %"
    if quantity == "distance":
        return f"{value / 1000:.2f} km" if abs(value) >= 1000 else f"{value:.0f} m"
    if quantity == "count":
        return f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:.1f}"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def describe_values(quantity: Quantity, values: ArrayLike, *, confidence: float = 0.95) -> str:
    """A measure's values across replications in words, with its unit.

    Times: median and the 5-95 % band of the runs where the event happened, and how many did. Probabilities:
    the share of runs with a Wilson interval. Others: the mean with a t interval. Constant: the value.
    """
    from drillsim.experiments.montecarlo import t_interval, wilson_interval

    v = np.asarray(values, dtype=np.float64)
    ok = v[np.isfinite(v)]
    n = len(v)
    if ok.size == 0:
        return f"no value in any of {n} replications"
    level = f"{confidence * 100:g} % CI"
    if quantity == "probability":
        hits = float((ok == 1.0).sum())
        lo, hi = wilson_interval(hits, len(ok), confidence)
        share = f"{hits / len(ok) * 100:.0f} % of {len(ok)} replications"
        return f"{share} ({level} {lo * 100:.0f}-{hi * 100:.0f} %)"
    if is_constant(ok):
        head = f"{format_quantity(quantity, float(ok[0]))} in every replication"
        return head if ok.size == n else f"{head} with a value ({ok.size} of {n})"
    if quantity == "time":
        unit = duration_unit(float(np.median(ok)))
        q05, q50, q95 = (float(x) for x in np.quantile(ok, [0.05, 0.5, 0.95]))
        text = (
            f"median {format_duration(q50, unit=unit)} (5-95 % of runs: "
            f"{format_duration(q05, unit=unit)} to {format_duration(q95, unit=unit)})"
        )
        return text if ok.size == n else f"{text}; happened in {ok.size} of {n} replications"
    lo, hi = t_interval(ok, confidence)
    return (
        f"mean {format_quantity(quantity, float(ok.mean()))} ({level} {format_quantity(quantity, lo)} to "
        f"{format_quantity(quantity, hi)})"
    )
