"""Lanchester attrition models: solutions, reinforcements and fits to historical data.

Every law here is a case of the generalised form

    dX/dt = -a * Y**p_x * X**q_x + P(t),        dY/dt = -b * X**p_y * Y**q_y + Q(t),

where ``a`` is the attrition coefficient of side X (the per-capita effectiveness of Y against X),
``b`` that of side Y, and ``P``, ``Q`` are reinforcement rates. The classic laws are

=============  ===========  ===========  =====================================================
law            (p_x, q_x)   (p_y, q_y)   meaning
=============  ===========  ===========  =====================================================
square         (1, 0)       (1, 0)       aimed fire (Lanchester 1916)
linear         (1, 1)       (1, 1)       area fire, or one-to-one combat
logarithmic    (0, 1)       (0, 1)       losses proportional to own strength (Peterson 1953)
mixed          (1, 1)       (1, 0)       X concealed (ambush/guerrilla) under area fire, Y in
                                         the open under aimed fire (Deitchman 1962)
=============  ===========  ===========  =====================================================

With this convention the square law conserves ``b*X**2 - a*Y**2`` (written ``alpha*X**2 - beta*Y**2`` in
texts that name coefficients after the side that fires). Time is in whatever unit the coefficients use;
the shipped historical data sets use days.

Fits estimate the coefficients from daily strength and casualty series, by least squares (a normal
likelihood with a common variance) or by maximum likelihood with Poisson casualty counts, and return
estimates with standard errors, SSE, R^2, log-likelihood and AIC.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special  # type: ignore[import-untyped,unused-ignore]
from scipy.integrate import solve_ivp  # type: ignore[import-untyped,unused-ignore]

from drillsim.core.errors import InputError

__all__ = [
    "LINEAR_LAW",
    "LOGARITHMIC_LAW",
    "MIXED_LAW",
    "SQUARE_LAW",
    "Arrival",
    "AttritionFit",
    "AttritionLaw",
    "BattleOutcome",
    "Estimate",
    "FitMethod",
    "ReinforcementSchedule",
    "Trajectory",
    "TrajectoryFit",
    "fit_attrition",
    "fit_trajectory",
    "helmbold_ratio",
    "integrate_attrition",
    "iterate_attrition",
    "linear_law_trajectory",
    "logarithmic_law_trajectory",
    "square_law_invariant",
    "square_law_outcome",
    "square_law_trajectory",
]

FloatArray = NDArray[np.float64]
FitMethod = Literal["least_squares", "poisson"]


# --------------------------------------------------------------------------------------------- laws


@dataclass(frozen=True, slots=True)
class AttritionLaw:
    """Exponents of the generalised law: dX/dt = -a Y^p_x X^q_x, dY/dt = -b X^p_y Y^q_y."""

    name: str
    p_x: float
    q_x: float
    p_y: float
    q_y: float

    @classmethod
    def generalised(
        cls, p: float, q: float, *, p_y: float | None = None, q_y: float | None = None
    ) -> AttritionLaw:
        """The generalised law; Y's exponents default to X's (the symmetric form)."""
        return cls(
            name=f"generalised(p={p:g}, q={q:g})",
            p_x=p,
            q_x=q,
            p_y=p if p_y is None else p_y,
            q_y=q if q_y is None else q_y,
        )

    def loss_rates(
        self, x: FloatArray, y: FloatArray, *, a: float, b: float
    ) -> tuple[FloatArray, FloatArray]:
        """Instantaneous loss rates of X and of Y (zero for a side that has no strength left)."""
        xp = np.maximum(x, 0.0)
        yp = np.maximum(y, 0.0)
        loss_x = a * np.power(yp, self.p_x) * np.power(xp, self.q_x) * (xp > 0)
        loss_y = b * np.power(xp, self.p_y) * np.power(yp, self.q_y) * (yp > 0)
        return loss_x, loss_y


SQUARE_LAW = AttritionLaw("square", 1.0, 0.0, 1.0, 0.0)
LINEAR_LAW = AttritionLaw("linear", 1.0, 1.0, 1.0, 1.0)
LOGARITHMIC_LAW = AttritionLaw("logarithmic", 0.0, 1.0, 0.0, 1.0)
MIXED_LAW = AttritionLaw("mixed", 1.0, 1.0, 1.0, 0.0)


# ------------------------------------------------------------------------------------ reinforcements


@dataclass(frozen=True, slots=True)
class Arrival:
    """``strength`` joining a side uniformly over ``[start, end)``; ``start == end`` is a single jump."""

    start: float
    end: float
    strength: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.start) and math.isfinite(self.end)) or self.end < self.start:
            raise InputError(
                "reinforcement arrives over an invalid interval",
                expected="finite start <= end",
                found=f"[{self.start}, {self.end})",
            )


@dataclass(frozen=True, slots=True)
class ReinforcementSchedule:
    """Arrivals of fresh strength for one side, in the time unit of the attrition coefficients."""

    arrivals: tuple[Arrival, ...] = ()

    @classmethod
    def from_days(cls, days: Sequence[int], strengths: Sequence[float]) -> ReinforcementSchedule:
        """Strength landing uniformly during day ``d`` (1-based), i.e. over ``[d - 1, d)``."""
        if len(days) != len(strengths):
            raise InputError("days and strengths differ in length", found=f"{len(days)} and {len(strengths)}")
        return cls(
            tuple(Arrival(float(d - 1), float(d), float(s)) for d, s in zip(days, strengths, strict=True))
        )

    def rate(self, t: float) -> float:
        """Reinforcement rate at time ``t`` (jumps excluded)."""
        return sum(
            arr.strength / (arr.end - arr.start)
            for arr in self.arrivals
            if arr.end > arr.start and arr.start <= t < arr.end
        )

    def jumps_at(self, t: float) -> float:
        """Total strength that arrives instantaneously at time ``t``."""
        return sum(arr.strength for arr in self.arrivals if arr.end == arr.start == t)

    def breakpoints(self) -> tuple[float, ...]:
        """Times where the rate changes or a jump happens, sorted."""
        return tuple(sorted({arr.start for arr in self.arrivals} | {arr.end for arr in self.arrivals}))

    def cumulative(self, t: ArrayLike) -> FloatArray:
        """Total strength arrived by time ``t`` (jumps at ``t`` included)."""
        ts = np.asarray(t, dtype=np.float64)
        total = np.zeros_like(ts)
        for arr in self.arrivals:
            if arr.end == arr.start:
                total += np.where(ts >= arr.start, arr.strength, 0.0)
            else:
                frac = np.clip((ts - arr.start) / (arr.end - arr.start), 0.0, 1.0)
                total += arr.strength * frac
        return total


NO_REINFORCEMENTS = ReinforcementSchedule()


# --------------------------------------------------------------------------------------- trajectories


@dataclass(frozen=True, slots=True)
class Trajectory:
    """Strengths of both sides at the requested times."""

    times: FloatArray = field(compare=False)
    x: FloatArray = field(compare=False)
    y: FloatArray = field(compare=False)


def _times_array(times: ArrayLike) -> FloatArray:
    ts = np.asarray(times, dtype=np.float64)
    if ts.ndim != 1 or ts.size == 0 or not np.all(np.isfinite(ts)) or np.any(np.diff(ts) < 0) or ts[0] < 0:
        raise InputError("times must be a non-empty, non-decreasing sequence of finite values >= 0")
    return ts


def _check_strength(name: str, value: float) -> None:
    if not math.isfinite(value) or value < 0:
        raise InputError("initial strength must be finite and non-negative", path=name, found=str(value))


def _check_coefficient(name: str, value: float) -> None:
    if not math.isfinite(value) or value < 0:
        raise InputError("attrition coefficient must be finite and non-negative", path=name, found=str(value))


def integrate_attrition(
    law: AttritionLaw,
    *,
    x0: float,
    y0: float,
    a: float,
    b: float,
    times: ArrayLike,
    reinforcements_x: ReinforcementSchedule = NO_REINFORCEMENTS,
    reinforcements_y: ReinforcementSchedule = NO_REINFORCEMENTS,
    rtol: float = 1e-9,
    atol: float = 1e-9,
) -> Trajectory:
    """Integrate ``law`` numerically (scipy ``solve_ivp``, LSODA) from time 0 with reinforcements.

    The integration is split at every reinforcement breakpoint so that the piecewise-constant rates and the
    jumps are honoured exactly. A side at zero stays there while its reinforcements arrive no faster than
    the fire they draw destroys them, and builds up again once they arrive faster.
    """
    _check_strength("x0", x0)
    _check_strength("y0", y0)
    _check_coefficient("a", a)
    _check_coefficient("b", b)
    ts = _times_array(times)
    t_end = float(ts[-1])
    cuts = sorted(
        {0.0, t_end}
        | {t for t in reinforcements_x.breakpoints() + reinforcements_y.breakpoints() if 0 < t < t_end}
    )
    state = np.array([x0 + reinforcements_x.jumps_at(0.0), y0 + reinforcements_y.jumps_at(0.0)])
    out_x = np.empty_like(ts)
    out_y = np.empty_like(ts)
    scale = max(x0, y0, 1.0)

    for t_lo, t_hi in itertools.pairwise(cuts):
        mid = 0.5 * (t_lo + t_hi)
        rates = np.array([reinforcements_x.rate(mid), reinforcements_y.rate(mid)])
        inside = (ts >= t_lo) & (ts <= t_hi)
        state = _integrate_segment(
            law, a, b, rates, state, t_lo, t_hi, ts, inside, out_x, out_y, rtol, atol * scale
        )
        state = state + np.array([reinforcements_x.jumps_at(t_hi), reinforcements_y.jumps_at(t_hi)])
    if t_end == 0.0:
        out_x[:] = state[0]
        out_y[:] = state[1]
    return Trajectory(times=ts, x=np.maximum(out_x, 0.0), y=np.maximum(out_y, 0.0))


def _loss_at_zero(law: AttritionLaw, side: int, state: FloatArray, *, a: float, b: float) -> float:
    """The loss rate a side at zero strength suffers as soon as anything arrives: the limit from above.

    ``loss_rates`` is zero for a side with no strength, but for ``q = 0`` (the square law's own-strength
    exponent) the loss just above zero is ``a Y^p``, not zero. Comparing reinforcements with this limit
    tells whether arrivals are destroyed as they land (the side stays at zero) or build it up again.
    """
    own_exponent = law.q_x if side == 0 else law.q_y
    if own_exponent > 0:
        return 0.0
    enemy = max(float(state[1 - side]), 0.0)
    coefficient, enemy_exponent = (a, law.p_x) if side == 0 else (b, law.p_y)
    return float(coefficient * enemy**enemy_exponent)


def _is_held(
    law: AttritionLaw, side: int, state: FloatArray, rates: FloatArray, *, a: float, b: float
) -> bool:
    """True when a side is at zero and its reinforcements do not outrun the losses they would suffer."""
    return bool(state[side] <= 0.0 and rates[side] <= _loss_at_zero(law, side, state, a=a, b=b))


_MAX_RESTARTS = 100
_SEARCH_FACTOR = 1e4
_MAX_FIT_EVALUATIONS = 400


def _integrate_segment(  # noqa: C901, PLR0913
    law: AttritionLaw,
    a: float,
    b: float,
    rates: FloatArray,
    state: FloatArray,
    t_lo: float,
    t_hi: float,
    ts: FloatArray,
    inside: NDArray[np.bool_],
    out_x: FloatArray,
    out_y: FloatArray,
    rtol: float,
    atol: float,
) -> FloatArray:
    """Integrate one stretch of constant reinforcement rates, holding a side at zero while it is overrun.

    A side at zero is *held* there (its derivative set to zero) while its reinforcements are destroyed as
    they arrive; it is released by an event when the enemy's fire falls below its arrival rate. Without
    the hold the right-hand side switches sign at zero (losses exist only above zero), the solver chatters
    across the switch in ever smaller steps and never finishes: the hang reported for Iwo Jima with
    a = 3.27, b = 0.00028, which the least-squares fit stepped to from the start (0.056, 0.0096).
    """
    held = np.array([_is_held(law, i, state, rates, a=a, b=b) for i in (0, 1)])
    t_now = t_lo
    restarts = 0
    while True:

        def rhs(_t: float, s: FloatArray, held: NDArray[np.bool_] = held) -> FloatArray:
            loss_x, loss_y = law.loss_rates(s[0:1], s[1:2], a=a, b=b)
            d = np.array([rates[0] - loss_x[0], rates[1] - loss_y[0]])
            d[held] = 0.0
            return d

        events = []
        event_kinds: list[tuple[int, str]] = []
        if restarts <= _MAX_RESTARTS:
            for i in (0, 1):
                if held[i]:

                    def released(_t: float, s: FloatArray, i: int = i) -> float:
                        return float(rates[i] - _loss_at_zero(law, i, s, a=a, b=b))

                    released.terminal = True  # type: ignore[attr-defined]
                    released.direction = 1  # type: ignore[attr-defined]
                    events.append(released)
                    event_kinds.append((i, "released"))
                else:

                    def hits_zero(_t: float, s: FloatArray, i: int = i) -> float:
                        return float(s[i])

                    hits_zero.terminal = True  # type: ignore[attr-defined]
                    hits_zero.direction = -1  # type: ignore[attr-defined]
                    events.append(hits_zero)
                    event_kinds.append((i, "zero"))
        wanted = inside & (ts >= t_now)
        t_eval = np.unique(np.append(ts[wanted], t_hi))
        sol = solve_ivp(
            rhs, (t_now, t_hi), state, method="LSODA", t_eval=t_eval, rtol=rtol, atol=atol, events=events
        )
        if sol.status < 0:  # pragma: no cover - LSODA failing on these smooth systems is a bug
            raise RuntimeError(f"integration failed on [{t_now}, {t_hi}]: {sol.message}")
        sol_t = np.asarray(sol.t, dtype=np.float64)
        sol_y = np.asarray(sol.y, dtype=np.float64).reshape(2, -1)
        if sol_t.size:
            where = np.minimum(np.searchsorted(ts, sol_t), ts.size - 1)
            valid = ts[where] == sol_t
            out_x[where[valid]] = np.maximum(sol_y[0, valid], 0.0)
            out_y[where[valid]] = np.maximum(sol_y[1, valid], 0.0)
        if sol.status == 0:
            return np.maximum(sol_y[:, -1], 0.0)
        # An event stopped the solver: a side reached zero, or a held side can build up again.
        side, kind = -1, ""
        for k, (event_side, event_kind) in enumerate(event_kinds):
            if sol.t_events[k].size:
                side, kind = event_side, event_kind
                t_now = float(sol.t_events[k][0])
                state = np.maximum(np.asarray(sol.y_events[k][0], dtype=np.float64), 0.0)
                break
        if kind == "zero":
            state[side] = 0.0
        held = np.array([_is_held(law, i, state, rates, a=a, b=b) for i in (0, 1)])
        if kind == "released":  # the root lies within the solver's tolerance of the switch: trust the event
            held[side] = False
        restarts += 1
        if restarts > _MAX_RESTARTS:  # pragma: no cover - a guard: finish the stretch without events
            held = state <= 0.0


def iterate_attrition(
    law: AttritionLaw,
    *,
    x0: float,
    y0: float,
    a: float,
    b: float,
    periods: int,
    dt: float = 1.0,
    reinforcements_x: ReinforcementSchedule = NO_REINFORCEMENTS,
    reinforcements_y: ReinforcementSchedule = NO_REINFORCEMENTS,
) -> Trajectory:
    """Engel's difference equations: ``X[k+1] = X[k] - a dt Y[k]^p X[k]^q + (arrivals during period k)``.

    This is the daily bookkeeping form used with historical records (Engel 1954); it converges to
    :func:`integrate_attrition` as ``dt`` shrinks. Strengths are floored at zero. Returns ``periods + 1``
    points, at times ``0, dt, ..., periods*dt``.
    """
    _check_strength("x0", x0)
    _check_strength("y0", y0)
    _check_coefficient("a", a)
    _check_coefficient("b", b)
    if periods < 0 or not (math.isfinite(dt) and dt > 0):
        raise InputError("periods must be >= 0 and dt > 0", found=f"periods={periods}, dt={dt}")
    times = dt * np.arange(periods + 1, dtype=np.float64)
    arrived_x = np.diff(reinforcements_x.cumulative(times), prepend=0.0)
    arrived_y = np.diff(reinforcements_y.cumulative(times), prepend=0.0)
    x = np.empty(periods + 1)
    y = np.empty(periods + 1)
    x[0] = x0 + arrived_x[0]
    y[0] = y0 + arrived_y[0]
    for k in range(periods):
        loss_x, loss_y = law.loss_rates(x[k : k + 1], y[k : k + 1], a=a, b=b)
        x[k + 1] = max(x[k] - dt * loss_x[0], 0.0) + arrived_x[k + 1]
        y[k + 1] = max(y[k] - dt * loss_y[0], 0.0) + arrived_y[k + 1]
    return Trajectory(times=times, x=x, y=y)


def square_law_trajectory(*, x0: float, y0: float, a: float, b: float, times: ArrayLike) -> Trajectory:
    """Closed-form square law without reinforcements; strengths stay at zero after annihilation.

    ``X(t) = x0 cosh(g t) - sqrt(a/b) y0 sinh(g t)``, ``Y(t) = y0 cosh(g t) - sqrt(b/a) x0 sinh(g t)``,
    ``g = sqrt(a b)``.
    """
    for name, v in (("x0", x0), ("y0", y0)):
        _check_strength(name, v)
    for name, v in (("a", a), ("b", b)):
        _check_coefficient(name, v)
    if a <= 0 or b <= 0:
        raise InputError("the closed-form square law needs both coefficients positive", found=f"a={a}, b={b}")
    ts = _times_array(times)
    g = math.sqrt(a * b)
    outcome = square_law_outcome(x0=x0, y0=y0, a=a, b=b)
    tc = np.minimum(ts, outcome.duration)
    x = x0 * np.cosh(g * tc) - math.sqrt(a / b) * y0 * np.sinh(g * tc)
    y = y0 * np.cosh(g * tc) - math.sqrt(b / a) * x0 * np.sinh(g * tc)
    return Trajectory(times=ts, x=np.maximum(x, 0.0), y=np.maximum(y, 0.0))


def linear_law_trajectory(*, x0: float, y0: float, a: float, b: float, times: ArrayLike) -> Trajectory:
    """Closed-form linear law without reinforcements (``b X - a Y`` is conserved).

    With ``k = b x0 - a y0``, ``X(t) = k x0 / (b x0 - a y0 exp(-k t))`` (``x0 / (1 + b x0 t)`` when k = 0).
    """
    for name, v in (("x0", x0), ("y0", y0)):
        _check_strength(name, v)
    for name, v in (("a", a), ("b", b)):
        _check_coefficient(name, v)
    ts = _times_array(times)
    k = b * x0 - a * y0
    if abs(k) <= 1e-12 * max(b * x0, a * y0, 1e-300):
        x = x0 / (1.0 + b * x0 * ts)
    else:
        x = k * x0 / (b * x0 - a * y0 * np.exp(-k * ts))
    y = (b * x - k) / a if a > 0 else np.full_like(ts, y0) * np.exp(-b * x0 * ts)
    return Trajectory(times=ts, x=np.maximum(x, 0.0), y=np.maximum(y, 0.0))


def logarithmic_law_trajectory(*, x0: float, y0: float, a: float, b: float, times: ArrayLike) -> Trajectory:
    """Closed-form logarithmic law: ``X(t) = x0 exp(-a t)``, ``Y(t) = y0 exp(-b t)``."""
    for name, v in (("x0", x0), ("y0", y0)):
        _check_strength(name, v)
    for name, v in (("a", a), ("b", b)):
        _check_coefficient(name, v)
    ts = _times_array(times)
    return Trajectory(times=ts, x=x0 * np.exp(-a * ts), y=y0 * np.exp(-b * ts))


def square_law_invariant(x: ArrayLike, y: ArrayLike, *, a: float, b: float) -> FloatArray:
    """``b X^2 - a Y^2``, constant along any square-law trajectory without reinforcements."""
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    return np.asarray(b * xs**2 - a * ys**2, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class BattleOutcome:
    """Who wins a square-law battle fought to annihilation, with how many, and when."""

    winner: Literal["x", "y", "draw"]
    survivors: float
    duration: float


def square_law_outcome(*, x0: float, y0: float, a: float, b: float) -> BattleOutcome:
    """Winner, survivors and duration of a square-law battle fought to the end, without reinforcements."""
    if a <= 0 or b <= 0:
        raise InputError("the square-law outcome needs both coefficients positive", found=f"a={a}, b={b}")
    g = math.sqrt(a * b)
    strength_x = b * x0**2
    strength_y = a * y0**2
    if strength_x > strength_y:
        return BattleOutcome(
            "x", math.sqrt(x0**2 - (a / b) * y0**2), math.atanh(math.sqrt(a / b) * y0 / x0) / g
        )
    if strength_y > strength_x:
        return BattleOutcome(
            "y", math.sqrt(y0**2 - (b / a) * x0**2), math.atanh(math.sqrt(b / a) * x0 / y0) / g
        )
    return BattleOutcome("draw", 0.0, math.inf)


def helmbold_ratio(
    x_initial: ArrayLike, x_final: ArrayLike, y_initial: ArrayLike, y_final: ArrayLike
) -> FloatArray:
    """Square-law effectiveness ratio ``b / a`` implied by one battle's initial and final strengths.

    The square law gives ``b (x0^2 - x1^2) = a (y0^2 - y1^2)``, hence
    ``b / a = (y0^2 - y1^2) / (x0^2 - x1^2)``: how many times more effective, man for man, side X was than
    side Y. Helmbold (1961, 1964) used this battle-level statistic (and ``ln sqrt(b/a)``, his advantage
    parameter) to test the square law on data such as CDB90. Vectorised; NaN where X lost nobody.
    """
    x0 = np.asarray(x_initial, dtype=np.float64)
    x1 = np.asarray(x_final, dtype=np.float64)
    y0 = np.asarray(y_initial, dtype=np.float64)
    y1 = np.asarray(y_final, dtype=np.float64)
    denominator = x0**2 - x1**2
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(
            denominator > 0, (y0**2 - y1**2) / np.where(denominator > 0, denominator, 1.0), np.nan
        )
    return np.asarray(ratio, dtype=np.float64)


# --------------------------------------------------------------------------------------------- fitting


@dataclass(frozen=True, slots=True)
class Estimate:
    """A fitted parameter with its asymptotic standard error (NaN when it cannot be computed)."""

    name: str
    value: float
    standard_error: float


@dataclass(frozen=True, slots=True)
class AttritionFit:
    """Result of fitting an attrition law to daily loss series of both sides."""

    law: AttritionLaw
    method: FitMethod
    estimates: tuple[Estimate, ...]
    sse: float
    r_squared: float
    log_likelihood: float
    aic: float
    n_observations: int
    fitted_x_losses: FloatArray = field(compare=False)
    fitted_y_losses: FloatArray = field(compare=False)

    def estimate(self, name: str) -> Estimate:
        """The estimate called ``name`` (``a``, ``b``, ``p``, ``q``, ``p_x``...)."""
        for est in self.estimates:
            if est.name == name:
                return est
        raise KeyError(name)


@dataclass(frozen=True, slots=True)
class _Design:
    """Log-linear mean model: log mu = theta[side] + p*log(enemy) + q*log(own) + log(dt)."""

    side: NDArray[np.int64]  # 0 for X losses, 1 for Y losses
    log_enemy: FloatArray
    log_own: FloatArray
    log_dt: FloatArray
    exponent_index: tuple[
        tuple[int, int], tuple[int, int]
    ]  # per side: index of p and q in theta, -1 if fixed
    fixed_exponents: tuple[tuple[float, float], tuple[float, float]]
    n_parameters: int

    def exponents(self, theta: FloatArray) -> tuple[FloatArray, FloatArray]:
        p = np.empty(self.side.shape)
        q = np.empty(self.side.shape)
        for s in (0, 1):
            mask = self.side == s
            ip, iq = self.exponent_index[s]
            p[mask] = theta[ip] if ip >= 0 else self.fixed_exponents[s][0]
            q[mask] = theta[iq] if iq >= 0 else self.fixed_exponents[s][1]
        return p, q

    def log_mean(self, theta: FloatArray) -> FloatArray:
        p, q = self.exponents(theta)
        base = np.where(self.side == 0, theta[0], theta[1])
        return np.asarray(base + p * self.log_enemy + q * self.log_own + self.log_dt, dtype=np.float64)

    def jacobian_log_mean(self, theta: FloatArray) -> FloatArray:
        jac = np.zeros((self.side.size, self.n_parameters))
        jac[:, 0] = self.side == 0
        jac[:, 1] = self.side == 1
        for s in (0, 1):
            mask = self.side == s
            ip, iq = self.exponent_index[s]
            if ip >= 0:
                jac[mask, ip] = self.log_enemy[mask]
            if iq >= 0:
                jac[mask, iq] = self.log_own[mask]
        return jac


def _as_series(name: str, values: ArrayLike) -> FloatArray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1 or arr.size < 2 or not np.all(np.isfinite(arr)):
        raise InputError("a series must be one-dimensional, finite and at least two long", path=name)
    return arr


def fit_attrition(  # noqa: C901
    x: ArrayLike,
    y: ArrayLike,
    *,
    law: AttritionLaw,
    x_losses: ArrayLike | None = None,
    y_losses: ArrayLike | None = None,
    dt: float = 1.0,
    method: FitMethod = "least_squares",
    free_exponents: Literal["none", "shared", "per_side"] = "none",
) -> AttritionFit:
    """Fit ``law`` to daily series: strengths ``x``, ``y`` at the start of each period and losses in it.

    When ``x_losses``/``y_losses`` are not given they are taken as ``x[t] - x[t+1]`` (so strengths must
    then be net of reinforcements, or the losses passed explicitly). The expected loss of X in a period
    is ``a dt Y^p_x X^q_x`` (Engel's discrete form of the law), and likewise for Y.

    ``method="least_squares"`` minimises the summed squared loss residuals of both sides (the maximum
    likelihood estimate under normal errors with one common variance); ``method="poisson"`` maximises a
    Poisson likelihood for the loss counts. For fixed exponents the Poisson estimate of ``a`` is
    Engel's ratio ``sum(losses) / sum(dt Y^p X^q)``. With ``free_exponents="shared"`` the law's exponents
    are estimated too, one pair ``(p, q)`` for both sides (the symmetric generalised law of Bracken 1995);
    with ``"per_side"`` each side gets its own pair.

    Standard errors are asymptotic: from ``sigma^2 (J^T J)^-1`` for least squares and from the inverse
    Fisher information for Poisson (which ignores overdispersion, so it understates them when the
    counts vary more than Poisson). Periods with a non-positive strength on either side are dropped.
    """
    xs = _as_series("x", x)
    ys = _as_series("y", y)
    if xs.size != ys.size:
        raise InputError("x and y differ in length", found=f"{xs.size} and {ys.size}")
    if not (math.isfinite(dt) and dt > 0):
        raise InputError("dt must be positive", path="dt", found=str(dt))
    if x_losses is None or y_losses is None:
        if x_losses is not None or y_losses is not None:
            raise InputError("give both x_losses and y_losses, or neither")
        lx = xs[:-1] - xs[1:]
        ly = ys[:-1] - ys[1:]
        sx, sy = xs[:-1], ys[:-1]
    else:
        lx = _as_series("x_losses", x_losses)
        ly = _as_series("y_losses", y_losses)
        if lx.size != xs.size or ly.size != xs.size:
            raise InputError(
                "losses must have one entry per strength observation", found=f"{lx.size}, {ly.size}"
            )
        sx, sy = xs, ys
    keep = (sx > 0) & (sy > 0)
    if method == "poisson" and (np.any(lx[keep] < 0) or np.any(ly[keep] < 0)):
        raise InputError("Poisson fits need non-negative losses; pass losses net of reinforcements")
    sx, sy, lx, ly = sx[keep], sy[keep], lx[keep], ly[keep]
    n_periods = sx.size

    if free_exponents == "none":
        index: tuple[tuple[int, int], tuple[int, int]] = ((-1, -1), (-1, -1))
        n_par = 2
        names = ["a", "b"]
    elif free_exponents == "shared":
        index = ((2, 3), (2, 3))
        n_par = 4
        names = ["a", "b", "p", "q"]
    elif free_exponents == "per_side":
        index = ((2, 3), (4, 5))
        n_par = 6
        names = ["a", "b", "p_x", "q_x", "p_y", "q_y"]
    else:
        raise InputError(
            "unknown free_exponents option", found=free_exponents, expected="none, shared or per_side"
        )

    # Scale strengths by their geometric means so the intercepts and exponents are not collinear.
    scale_x = float(np.exp(np.mean(np.log(sx))))
    scale_y = float(np.exp(np.mean(np.log(sy))))
    design = _Design(
        side=np.concatenate([np.zeros(n_periods, dtype=np.int64), np.ones(n_periods, dtype=np.int64)]),
        log_enemy=np.concatenate([np.log(sy / scale_y), np.log(sx / scale_x)]),
        log_own=np.concatenate([np.log(sx / scale_x), np.log(sy / scale_y)]),
        log_dt=np.full(2 * n_periods, math.log(dt)),
        exponent_index=index,
        fixed_exponents=((law.p_x, law.q_x), (law.p_y, law.q_y)),
        n_parameters=n_par,
    )
    losses = np.concatenate([lx, ly])

    theta0 = np.zeros(n_par)
    if n_par > 2:
        theta0[2:] = (
            [law.p_x, law.q_x] if free_exponents == "shared" else [law.p_x, law.q_x, law.p_y, law.q_y]
        )
    for s in (0, 1):
        mask = design.side == s
        base = np.exp(design.log_mean(theta0)[mask])
        theta0[s] = math.log(max(float(np.sum(losses[mask])), 1e-12) / float(np.sum(base)))

    theta, covariance, log_likelihood, n_likelihood_par = _maximise(design, losses, theta0, method)
    mean = np.exp(design.log_mean(theta))
    residual = losses - mean
    sse = float(np.sum(residual**2))
    total = 0.0
    for s in (0, 1):
        part = losses[design.side == s]
        total += float(np.sum((part - part.mean()) ** 2))
    r_squared = 1.0 - sse / total if total > 0 else math.nan

    # Back to unscaled coefficients: log a = theta_x - p_x log(scale_y) - q_x log(scale_x), etc.
    transform = np.eye(n_par)
    offsets = np.zeros(n_par)
    for s, (scale_enemy, scale_own) in enumerate(((scale_y, scale_x), (scale_x, scale_y))):
        ip, iq = design.exponent_index[s]
        p_fixed, q_fixed = design.fixed_exponents[s]
        if ip >= 0:
            transform[s, ip] = -math.log(scale_enemy)
        else:
            offsets[s] -= p_fixed * math.log(scale_enemy)
        if iq >= 0:
            transform[s, iq] = -math.log(scale_own)
        else:
            offsets[s] -= q_fixed * math.log(scale_own)
    natural = transform @ theta + offsets
    natural_cov = transform @ covariance @ transform.T
    estimates = []
    for i, name in enumerate(names):
        var = float(natural_cov[i, i])
        se = math.sqrt(var) if var >= 0 and math.isfinite(var) else math.nan
        if i < 2:  # log-coefficient -> coefficient by the delta method
            value = math.exp(float(natural[i]))
            estimates.append(Estimate(name, value, value * se))
        else:
            estimates.append(Estimate(name, float(natural[i]), se))

    fitted_law = law
    if free_exponents != "none":
        ex = {e.name: e.value for e in estimates}
        if free_exponents == "shared":
            fitted_law = AttritionLaw.generalised(ex["p"], ex["q"])
        else:
            fitted_law = AttritionLaw.generalised(ex["p_x"], ex["q_x"], p_y=ex["p_y"], q_y=ex["q_y"])
    return AttritionFit(
        law=fitted_law,
        method=method,
        estimates=tuple(estimates),
        sse=sse,
        r_squared=r_squared,
        log_likelihood=log_likelihood,
        aic=2.0 * n_likelihood_par - 2.0 * log_likelihood,
        n_observations=int(losses.size),
        fitted_x_losses=mean[:n_periods].copy(),
        fitted_y_losses=mean[n_periods:].copy(),
    )


def _maximise(
    design: _Design, losses: FloatArray, theta0: FloatArray, method: FitMethod
) -> tuple[FloatArray, FloatArray, float, int]:
    """Fit theta; return it, its covariance, the maximised log-likelihood and the parameter count."""
    n = losses.size
    k = design.n_parameters
    if method == "least_squares":

        def residuals(theta: FloatArray) -> FloatArray:
            return np.asarray(np.exp(design.log_mean(theta)) - losses, dtype=np.float64)

        def jac(theta: FloatArray) -> FloatArray:
            mean = np.exp(design.log_mean(theta))
            return np.asarray(design.jacobian_log_mean(theta) * mean[:, None], dtype=np.float64)

        result = optimize.least_squares(
            residuals, theta0, jac=jac, method="lm", xtol=1e-14, ftol=1e-14, gtol=1e-14
        )
        theta = np.asarray(result.x, dtype=np.float64)
        sse = float(np.sum(result.fun**2))
        dof = n - k
        sigma2 = sse / dof if dof > 0 else math.nan
        jmat = jac(theta)
        covariance = sigma2 * _pinv_symmetric(jmat.T @ jmat)
        sigma2_ml = sse / n
        log_likelihood = -0.5 * n * (math.log(2.0 * math.pi * sigma2_ml) + 1.0) if sigma2_ml > 0 else math.inf
        return theta, covariance, log_likelihood, k + 1
    if method == "poisson":

        def negative_log_likelihood(theta: FloatArray) -> float:
            eta = design.log_mean(theta)
            return float(np.sum(np.exp(eta) - losses * eta))

        def gradient(theta: FloatArray) -> FloatArray:
            eta = design.log_mean(theta)
            return np.asarray(design.jacobian_log_mean(theta).T @ (np.exp(eta) - losses), dtype=np.float64)

        def hessian(theta: FloatArray) -> FloatArray:
            jmat = design.jacobian_log_mean(theta)
            mean = np.exp(design.log_mean(theta))
            return np.asarray(jmat.T @ (jmat * mean[:, None]), dtype=np.float64)

        result = optimize.minimize(
            negative_log_likelihood,
            theta0,
            jac=gradient,
            hess=hessian,
            method="trust-exact",
            options={"gtol": 1e-10},
        )
        theta = np.asarray(result.x, dtype=np.float64)
        covariance = _pinv_symmetric(hessian(theta))
        eta = design.log_mean(theta)
        log_likelihood = float(np.sum(losses * eta - np.exp(eta) - special.gammaln(losses + 1.0)))
        return theta, covariance, log_likelihood, k
    raise InputError("unknown fit method", found=str(method), expected="least_squares or poisson")


def _pinv_symmetric(matrix: FloatArray) -> FloatArray:
    try:
        return np.asarray(np.linalg.inv(matrix), dtype=np.float64)
    except np.linalg.LinAlgError:
        return np.asarray(np.linalg.pinv(matrix), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class TrajectoryFit:
    """Coefficients fitted so that the integrated law passes through observed strengths."""

    law: AttritionLaw
    estimates: tuple[Estimate, ...]
    sse: float
    n_observations: int
    trajectory: Trajectory = field(compare=False)

    def estimate(self, name: str) -> Estimate:
        """The estimate called ``a`` or ``b``."""
        for est in self.estimates:
            if est.name == name:
                return est
        raise KeyError(name)


def fit_trajectory(
    law: AttritionLaw,
    *,
    times: ArrayLike,
    x_observed: ArrayLike,
    y_observed: ArrayLike,
    x0: float,
    y0: float,
    initial_guess: tuple[float, float],
    reinforcements_x: ReinforcementSchedule = NO_REINFORCEMENTS,
    reinforcements_y: ReinforcementSchedule = NO_REINFORCEMENTS,
) -> TrajectoryFit:
    """Least-squares fit of ``a`` and ``b`` to observed strengths (NaN = not observed) by integrating ``law``.

    Residuals are relative to each side's initial-plus-reinforcement strength so both sides weigh alike.
    With as many observations as parameters the fit is an exact solve and the standard errors are NaN.
    """
    ts = _times_array(times)
    xo = np.asarray(x_observed, dtype=np.float64)
    yo = np.asarray(y_observed, dtype=np.float64)
    if xo.shape != ts.shape or yo.shape != ts.shape:
        raise InputError("observations must have one entry per time")
    mask_x = np.isfinite(xo)
    mask_y = np.isfinite(yo)
    n_obs = int(mask_x.sum() + mask_y.sum())
    if n_obs < 2:
        raise InputError("need at least two observed strengths to fit two coefficients", found=str(n_obs))
    norm_x = max(x0 + float(reinforcements_x.cumulative(ts[-1])), 1.0)
    norm_y = max(y0 + float(reinforcements_y.cumulative(ts[-1])), 1.0)

    def trajectory(log_ab: FloatArray) -> Trajectory:
        return integrate_attrition(
            law,
            x0=x0,
            y0=y0,
            a=math.exp(log_ab[0]),
            b=math.exp(log_ab[1]),
            times=ts,
            reinforcements_x=reinforcements_x,
            reinforcements_y=reinforcements_y,
        )

    def residuals(log_ab: FloatArray) -> FloatArray:
        path = trajectory(log_ab)
        return np.concatenate(
            [(path.x[mask_x] - xo[mask_x]) / norm_x, (path.y[mask_y] - yo[mask_y]) / norm_y]
        )

    guess = np.asarray(initial_guess, dtype=np.float64)
    if guess.shape != (2,) or not np.all(np.isfinite(guess) & (guess > 0)):
        raise InputError("initial guess must be two positive, finite coefficients", found=str(initial_guess))
    start = np.log(guess)
    # Coefficients are searched within a factor 10^4 of the start either way: far enough for any realistic
    # misguess, near enough that a step on a flat stretch of the residuals (a side already annihilated
    # before the last observation) cannot send the integrator to absurd coefficients.
    span = math.log(_SEARCH_FACTOR)
    result = optimize.least_squares(
        residuals,
        start,
        method="trf",
        bounds=(start - span, start + span),
        x_scale=1.0,
        diff_step=1e-7,
        xtol=1e-13,
        ftol=1e-13,
        max_nfev=_MAX_FIT_EVALUATIONS,
    )
    log_ab = np.asarray(result.x, dtype=np.float64)
    dof = n_obs - 2
    sse_scaled = float(np.sum(result.fun**2))
    if dof > 0:
        cov = (sse_scaled / dof) * _pinv_symmetric(result.jac.T @ result.jac)
        ses = [math.exp(log_ab[i]) * math.sqrt(max(float(cov[i, i]), 0.0)) for i in (0, 1)]
    else:
        ses = [math.nan, math.nan]
    path = trajectory(log_ab)
    sse = float(np.sum((path.x[mask_x] - xo[mask_x]) ** 2) + np.sum((path.y[mask_y] - yo[mask_y]) ** 2))
    return TrajectoryFit(
        law=law,
        estimates=(Estimate("a", math.exp(log_ab[0]), ses[0]), Estimate("b", math.exp(log_ab[1]), ses[1])),
        sse=sse,
        n_observations=n_obs,
        trajectory=path,
    )
