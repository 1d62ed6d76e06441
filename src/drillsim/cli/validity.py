"""Validity commands: ``drillsim validate-models`` and ``drillsim lanchester fit|solve``.

``validate-models`` calls :func:`drillsim.validation.checks.validate_models`; ``lanchester fit`` calls
:func:`~drillsim.validation.lanchester.fit_attrition` on a complete daily series, or
:func:`~drillsim.validation.lanchester.fit_trajectory` when strengths have gaps or reinforcements are given;
``lanchester solve`` prints a closed-form (square law) or integrated trajectory and the winner.
``register(app)`` adds them to the main program (:mod:`drillsim.cli.app`, which imports this module;
this module never imports it back).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from drillsim.core.errors import InputError, Location

if TYPE_CHECKING:  # numpy loads inside the commands that compute, so that --help starts quickly
    import numpy as np

__all__ = ["register"]

LAW_NAMES = ("square", "linear", "logarithmic", "mixed")
METHOD_NAMES = ("least-squares", "poisson")


def _console() -> Console:
    from drillsim.cli.console import console

    return console


def _print(table: Table) -> None:
    """Print a table; when output is not a terminal it is never wrapped at 80 columns."""
    console = _console()
    if console.is_terminal:
        console.print(table)
    else:
        Console(file=console.file, width=max(console.width, 160), highlight=False, color_system=None).print(
            table
        )


def _say(text: str) -> None:
    _console().print(text, markup=False, emoji=False)


def _number(value: float) -> str:
    if not math.isfinite(value):
        return "-"
    return f"{value:.6g}"


# ------------------------------------------------------------------------------------ validate-models


def validate_models_command(
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the HTML validation report (with plots) to this file.")
    ] = None,
    battle_replications: Annotated[
        int,
        typer.Option("--battle-replications", min=20, help="Replications of each public validation battle."),
    ] = 500,
) -> None:
    """Check the attrition models against published results, theory and history; exit 1 if a check fails.

    Findings (questions put to history, such as whether force ratio predicts the loss-exchange ratio) are
    reported as "model holds" or "model fails" and do not change the exit code."""
    from drillsim.validation.checks import validate_models

    report = validate_models(out=out, battle_replications=battle_replications)
    table = Table(title=f"drillsim model validation (seed {report.seed})")
    for col in ("check", "published", "drillsim", "difference", "result"):
        table.add_column(col)
    for c in report.checks:
        shown = c.result.upper() if c.result == "fail" else c.result
        result = shown + ("" if c.verified else " (published figure unverified)")
        table.add_row(c.name, c.published, c.drillsim, c.difference, result)
    _print(table)
    if report.battles:
        battles = Table(title="public validation battles: published outcome against drillsim's 5-95 % band")
        for col in ("battle", "measure", "published", "drillsim 5-95 %", "edges (95 % interval)", "verdict"):
            battles.add_column(col)
        for b in report.battles:
            for m in b.measures:
                name = f"{b.battle.name} ({b.runs.replications} runs)"
                verdict = m.verdict.upper() if m.outside else m.verdict
                battles.add_row(name, m.label, m.published.text, m.band_text, m.edges_text, verdict)
        _print(battles)
        _say(
            "A figure is at the edge when it lies within the sampling interval of an edge of the band: more "
            "replications (--battle-replications) would be needed to call it inside or outside."
        )
    for c in report.checks:
        if c.note:
            _say(f"{c.name}: {c.note}")
    if report.html_path is not None:
        _say(f"report written to {report.html_path}")
    if not report.passed:
        raise typer.Exit(1)


# ------------------------------------------------------------------------------------------ lanchester


def _law(name: str) -> Any:
    from drillsim.validation import lanchester

    laws = {
        "square": lanchester.SQUARE_LAW,
        "linear": lanchester.LINEAR_LAW,
        "logarithmic": lanchester.LOGARITHMIC_LAW,
        "mixed": lanchester.MIXED_LAW,
    }
    if name not in laws:
        raise InputError("unknown law", path="--law", expected=", ".join(LAW_NAMES), found=name)
    return laws[name]


def _read_columns(path: Path, names: list[str]) -> dict[str, np.ndarray]:
    """Numeric columns of a CSV file; an empty cell is NaN (not observed)."""
    import numpy as np

    where = Location(str(path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("CSV file not found", location=where) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the CSV file ({exc})", location=where) from None
    reader = csv.DictReader(text.splitlines())
    header = list(reader.fieldnames or [])
    for name in names:
        if name not in header:
            raise InputError(
                f"column '{name}' not found",
                location=where,
                expected="one of " + (", ".join(header) if header else "(no header row)"),
                found=name,
            )
    values: dict[str, list[float]] = {name: [] for name in names}
    for row in reader:
        line = reader.line_num
        extra = row.get(None)
        missing = [name for name in header if row.get(name) is None]
        if extra or missing:
            found = len(header) + len(extra or []) - len(missing)
            raise InputError(
                f"row has {found} fields where the header has {len(header)}"
                + (f" (no value for column '{missing[0]}')" if missing else ""),
                location=Location(str(path), line),
                expected=f"{len(header)} comma-separated fields",
                found=f"{found} fields",
            )
        for name in names:
            cell = (row.get(name) or "").strip()
            if not cell:
                values[name].append(math.nan)
                continue
            try:
                number = float(cell)
            except ValueError:
                raise InputError(
                    f"column '{name}' holds a value that is not a number",
                    location=Location(str(path), line),
                    found=repr(cell),
                ) from None
            if not math.isfinite(number):
                raise InputError(
                    f"column '{name}' holds a non-finite value",
                    location=Location(str(path), line),
                    found=cell,
                )
            values[name].append(number)
    if not values[names[0]] or len(values[names[0]]) < 2:
        raise InputError("the CSV file needs a header row and at least two data rows", location=where)
    return {name: np.asarray(v, dtype=np.float64) for name, v in values.items()}


def _initial_guess(
    law: Any, x: np.ndarray, y: np.ndarray, arrivals_x: np.ndarray, arrivals_y: np.ndarray, dt: float
) -> tuple[float, float]:
    """Rough coefficients from total losses over the mean observed strengths (a starting point only)."""
    import numpy as np

    duration = dt * (x.size - 1)
    last_x = float(x[np.isfinite(x)][-1])
    last_y = float(y[np.isfinite(y)][-1])
    loss_x = max(float(x[0] + np.nansum(arrivals_x) - last_x), 1.0)
    loss_y = max(float(y[0] + np.nansum(arrivals_y) - last_y), 1.0)
    mean_x = max(float(np.nanmean([x[0] + np.nansum(arrivals_x), last_x])), 1.0)
    mean_y = max(float(np.nanmean([y[0] + np.nansum(arrivals_y), last_y])), 1.0)
    a = loss_x / (duration * mean_y**law.p_x * mean_x**law.q_x)
    b = loss_y / (duration * mean_x**law.p_y * mean_y**law.q_y)
    return max(a, 1e-12), max(b, 1e-12)


def _schedule(arrivals: np.ndarray, dt: float) -> Any:
    """Row k's arrivals land uniformly over [(k - 1) dt, k dt); row 0's are part of the initial strength."""
    from drillsim.validation.lanchester import Arrival, ReinforcementSchedule

    return ReinforcementSchedule(
        tuple(
            Arrival((k - 1) * dt, k * dt, float(s))
            for k, s in enumerate(arrivals)
            if k > 0 and math.isfinite(s) and s != 0
        )
    )


def fit_command(
    csv_file: Annotated[Path, typer.Argument(metavar="CSV", help="CSV file, one row per period (day).")],
    x: Annotated[str, typer.Option("--x", help="Column of side X's strength.")],
    y: Annotated[str, typer.Option("--y", help="Column of side Y's strength.")],
    law: Annotated[str, typer.Option("--law", help="square, linear, logarithmic or mixed.")] = "square",
    method: Annotated[str, typer.Option("--method", help="least-squares or poisson.")] = "least-squares",
    dt: Annotated[
        float, typer.Option("--dt", help="Length of one period (row), in the coefficients' unit.")
    ] = 1.0,
    x_losses: Annotated[
        str | None, typer.Option("--x-losses", help="Column of X's losses in each period (default: drops).")
    ] = None,
    y_losses: Annotated[
        str | None, typer.Option("--y-losses", help="Column of Y's losses in each period (default: drops).")
    ] = None,
    x_arrivals: Annotated[
        str | None, typer.Option("--x-arrivals", help="Column of X's reinforcements arriving in each period.")
    ] = None,
    y_arrivals: Annotated[
        str | None, typer.Option("--y-arrivals", help="Column of Y's reinforcements arriving in each period.")
    ] = None,
    a0: Annotated[
        float | None,
        typer.Option("--a0", help="Starting value of a for fits through gaps (default: from data)."),
    ] = None,
    b0: Annotated[
        float | None,
        typer.Option("--b0", help="Starting value of b for fits through gaps (default: from data)."),
    ] = None,
) -> None:
    """Fit a Lanchester law's coefficients a (X's attrition) and b (Y's) to strength series in a CSV file.

    With complete series (and no reinforcement columns) the daily losses are regressed on the strengths
    (Engel's discrete form). With empty cells (unobserved) or reinforcement columns the law is integrated
    with the reinforcements and fitted through the observed strengths by least squares.
    """
    import numpy as np

    from drillsim.validation.lanchester import fit_attrition, fit_trajectory

    chosen = _law(law)
    if method not in METHOD_NAMES:
        raise InputError(
            "unknown fit method", path="--method", expected=", ".join(METHOD_NAMES), found=method
        )
    if not (math.isfinite(dt) and dt > 0):
        raise InputError("the period must be positive", path="--dt", found=str(dt))
    if (x_losses is None) != (y_losses is None):
        raise InputError("give both --x-losses and --y-losses, or neither")
    wanted = [x, y] + [c for c in (x_losses, y_losses, x_arrivals, y_arrivals) if c is not None]
    cols = _read_columns(csv_file, list(dict.fromkeys(wanted)))
    xs, ys = cols[x], cols[y]
    n = xs.size
    arr_x = cols[x_arrivals] if x_arrivals else np.zeros(n)
    arr_y = cols[y_arrivals] if y_arrivals else np.zeros(n)
    complete = bool(np.all(np.isfinite(xs)) and np.all(np.isfinite(ys)))
    table = Table(title=f"{chosen.name} law fitted to {csv_file} ({x} = X, {y} = Y)")
    for col in ("parameter", "estimate", "standard error"):
        table.add_column(col, justify="right" if col != "parameter" else "left")

    if complete and x_arrivals is None and y_arrivals is None:
        fit = fit_attrition(
            xs,
            ys,
            law=chosen,
            x_losses=cols[x_losses] if x_losses else None,
            y_losses=cols[y_losses] if y_losses else None,
            dt=dt,
            method="poisson" if method == "poisson" else "least_squares",
        )
        estimates, sse, r2, aic, n_obs = fit.estimates, fit.sse, fit.r_squared, fit.aic, fit.n_observations
        how = f"daily losses regressed on strengths, {method}"
    else:
        if method == "poisson":
            raise InputError(
                "Poisson fits need complete strength series without reinforcement columns",
                path="--method",
                suggestion="least-squares",
            )
        if x_losses or y_losses:
            raise InputError("--x-losses/--y-losses need complete strength series without reinforcements")
        if not (math.isfinite(xs[0]) and math.isfinite(ys[0])):
            raise InputError(
                "the first row must give both initial strengths", location=Location(str(csv_file), 2)
            )
        x0 = float(xs[0] + (arr_x[0] if math.isfinite(arr_x[0]) else 0.0))
        y0 = float(ys[0] + (arr_y[0] if math.isfinite(arr_y[0]) else 0.0))
        guess = _initial_guess(chosen, xs, ys, arr_x, arr_y, dt)
        # Only rows with an observation enter the fit (the integration needs no intermediate output).
        seen = np.flatnonzero(np.isfinite(xs[1:]) | np.isfinite(ys[1:])) + 1
        if seen.size == 0:
            raise InputError("no strength observed after the first row", location=Location(str(csv_file)))
        trajectory_fit = fit_trajectory(
            chosen,
            times=dt * seen.astype(np.float64),
            x_observed=xs[seen],
            y_observed=ys[seen],
            x0=x0,
            y0=y0,
            initial_guess=(
                a0 if a0 is not None else guess[0],
                b0 if b0 is not None else guess[1],
            ),
            reinforcements_x=_schedule(arr_x, dt),
            reinforcements_y=_schedule(arr_y, dt),
        )
        estimates, sse, n_obs = trajectory_fit.estimates, trajectory_fit.sse, trajectory_fit.n_observations
        observed = [v[np.isfinite(v)] for v in (xs[1:], ys[1:])]
        total = sum(float(np.sum((v - v.mean()) ** 2)) for v in observed if v.size)
        r2 = 1.0 - sse / total if total > 0 else math.nan
        k = len(estimates)
        aic = (
            n_obs * (math.log(2 * math.pi * sse / n_obs) + 1) + 2 * (k + 1)
            if sse > 0 and n_obs > k
            else math.nan
        )
        how = "law integrated with reinforcements, fitted through the observed strengths (least squares)"
    for est in estimates:
        table.add_row(est.name, _number(est.value), _number(est.standard_error))
    _print(table)
    _say(f"method: {how}")
    _say(f"observations: {n_obs}  SSE: {_number(sse)}  R^2: {_number(r2)}  AIC: {_number(aic)}")
    if not math.isfinite(estimates[0].standard_error):
        _say("standard errors: - (as many observations as parameters, or not computable)")


def solve_command(
    x0: Annotated[float, typer.Option("--x0", help="Initial strength of side X.")],
    y0: Annotated[float, typer.Option("--y0", help="Initial strength of side Y.")],
    a: Annotated[
        float, typer.Option("--a", help="X's attrition coefficient (X's losses per Y unit per time).")
    ],
    b: Annotated[
        float, typer.Option("--b", help="Y's attrition coefficient (Y's losses per X unit per time).")
    ],
    law: Annotated[str, typer.Option("--law", help="square, linear, logarithmic or mixed.")] = "square",
    until: Annotated[
        float | None, typer.Option("--until", help="End time (default for the square law: the battle's end).")
    ] = None,
    steps: Annotated[
        int, typer.Option("--steps", min=1, help="Number of intervals in the printed table.")
    ] = 10,
) -> None:
    """Solve a Lanchester law from initial strengths and print the trajectory and the winner."""
    import numpy as np

    from drillsim.validation import lanchester

    chosen = _law(law)
    for name, value in (("--x0", x0), ("--y0", y0), ("--a", a), ("--b", b)):
        if not (math.isfinite(value) and value >= 0):
            raise InputError("must be finite and non-negative", path=name, found=str(value))
    outcome = None
    if chosen.name == "square" and a > 0 and b > 0:
        outcome = lanchester.square_law_outcome(x0=x0, y0=y0, a=a, b=b)
    if until is None:
        if outcome is None or not math.isfinite(outcome.duration):
            raise InputError("give --until: this battle has no finite end to stop at", path="--until")
        until = outcome.duration
    if not (math.isfinite(until) and until > 0):
        raise InputError("the end time must be positive", path="--until", found=str(until))
    times = np.linspace(0.0, until, steps + 1)
    if chosen.name == "square" and a > 0 and b > 0:
        path = lanchester.square_law_trajectory(x0=x0, y0=y0, a=a, b=b, times=times)
        how = "closed form"
    else:
        path = lanchester.integrate_attrition(chosen, x0=x0, y0=y0, a=a, b=b, times=times)
        how = "numerical integration"
    table = Table(title=f"{chosen.name} law, {how}: x0 = {x0:g}, y0 = {y0:g}, a = {a:g}, b = {b:g}")
    for col in ("t", "X", "Y"):
        table.add_column(col, justify="right")
    for t, xv, yv in zip(path.times, path.x, path.y, strict=True):
        table.add_row(f"{t:.4g}", f"{xv:.4f}", f"{yv:.4f}")
    _print(table)
    if outcome is not None:
        invariant = b * x0**2 - a * y0**2
        _say(f"square-law invariant b*X^2 - a*Y^2 = {invariant:.6g}")
        if outcome.winner == "draw":
            _say("winner: draw (both sides destroyed together, as t grows without bound)")
        else:
            _say(f"winner: {outcome.winner} with {outcome.survivors:.4f} left at t = {outcome.duration:.4g}")
        return
    xe, ye = float(path.x[-1]), float(path.y[-1])
    if xe > 0 and ye <= 0:
        _say(f"winner: x with {xe:.4f} left (Y destroyed by t = {until:g})")
    elif ye > 0 and xe <= 0:
        _say(f"winner: y with {ye:.4f} left (X destroyed by t = {until:g})")
    else:
        _say(f"winner: undecided at t = {until:g} (X {xe:.4f}, Y {ye:.4f})")


def register(app: typer.Typer) -> None:
    """Add ``validate-models`` and the ``lanchester`` command group to ``app``."""
    app.command("validate-models")(validate_models_command)
    group = typer.Typer(
        name="lanchester",
        help="Lanchester attrition models: fit coefficients to data, solve a battle.",
        no_args_is_help=True,
        rich_markup_mode=None,
    )
    group.command("fit")(fit_command)
    group.command("solve")(solve_command)
    app.add_typer(group, name="lanchester")
