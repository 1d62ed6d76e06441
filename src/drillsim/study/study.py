"""The "how realistic?" study: one report on a scenario, its what-if variants, its kill chain and its inputs.

:func:`run_study` runs a scenario and its shipped what-if variants (library entries, or sibling files, whose
``extends`` is the scenario) under common random numbers, to a number of replications or a precision, and
writes one self-contained HTML page (inline SVG, no network) and a JSON summary that answer:

1. how likely each scripted step is to happen as scripted (each 0/1 objective measure; each time measure as
   "happened within the run", with its median time);
2. how that changes under each variant (paired differences with confidence intervals, as sentences);
3. which chain links drive it (kill-chain attribution from the event logs of the base runs) and which inputs
   (Morris screening of every number, in groups, and one-at-a-time screening of low-confidence inputs the
   scenario uses);
4. how well sourced those inputs are (pedigree, and the sourced-influence coverage: the share of the summed
   influence carried by sourced numbers).
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from drillsim.core.errors import UserError
from drillsim.core.figures import figure_svg, new_figure
from drillsim.core.pages import render_page, trusted_svg, write_page
from drillsim.core.random import root_seed
from drillsim.experiments.compare import Difference, paired_difference
from drillsim.experiments.executors import ExecutorLike
from drillsim.experiments.montecarlo import (
    BINARY_KINDS,
    TIME_KINDS,
    t_interval,
    wilson_interval,
    write_json_atomic,
)
from drillsim.scenario.io import content_hash, load_scenario
from drillsim.scenario.models import Scenario, side_losses_measure
from drillsim.study.attribution import Attribution, attribute, kill_chains
from drillsim.study.quantities import duration_unit, format_duration, is_constant, measure_quantity
from drillsim.study.screening import MorrisScreening, screen_scenario
from drillsim.study.sensitivity import PedigreeRow, Screening, pedigree_report, screen_inputs

__all__ = ["Step", "StudyResult", "find_variants", "run_study", "study_steps"]

FloatArray = np.ndarray
_STEP_TIME_KINDS = ("time-to-locate", "time-to-first-detection", "time-in-place")


@dataclass(frozen=True)
class Step:
    """A scripted step and how often it happened in one scenario."""

    scenario: str
    measure: str
    kind: str
    description: str
    probability: float
    """The share of replications in which the step happened (a time step: within the run)."""
    ci_low: float
    ci_high: float
    n: int
    median_time_s: float | None = None
    quantity: str = "probability"
    """``probability`` (a 0/1 objective) or ``time`` (the time of an event, in seconds)."""
    p05_time_s: float | None = None
    p95_time_s: float | None = None
    """5th and 95th percentiles of the time over the replications where it happened."""
    mean_time_s: float | None = None
    mean_ci_low_s: float | None = None
    mean_ci_high_s: float | None = None
    """Mean time and its t interval, over the replications where it happened."""

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @property
    def happened(self) -> int:
        """Replications in which the step happened."""
        return round(self.probability * self.n)

    def text(self) -> str:
        """The step for people: a probability with its interval, or a time with its unit and spread."""
        if self.quantity != "time":
            return (
                f"probability {self.probability * 100:.0f} % "
                f"(95 % CI {self.ci_low * 100:.0f}-{self.ci_high * 100:.0f} %)"
            )
        if self.median_time_s is None:
            return f"time: never happened in {self.n} replications"
        unit = duration_unit(self.median_time_s)

        def t(x: float | None) -> str:
            return format_duration(math.nan if x is None else x, unit=unit)

        text = (
            f"time: median {t(self.median_time_s)} (5-95 % of runs {t(self.p05_time_s)} to "
            f"{t(self.p95_time_s)}); mean {t(self.mean_time_s)} "
            f"(95 % CI {t(self.mean_ci_low_s)} to {t(self.mean_ci_high_s)})"
        )
        return f"{text}; happened in {self.happened} of {self.n} replications"


@dataclass
class StudyResult:
    """Everything the study found; ``write`` puts ``report.html`` and ``study.json`` in a directory."""

    scenario: str
    title: str
    variants: list[str]
    seed: int
    replications: int
    precision: float | None
    steps: list[Step]
    differences: list[Difference]
    attribution: Attribution | None
    screening: Screening | None
    pedigree: list[PedigreeRow]
    scenario_hashes: dict[str, str]
    elapsed_s: float
    notes: list[str] = field(default_factory=list)
    figures: dict[str, str] = field(default_factory=dict)
    report_path: Path | None = None
    morris: MorrisScreening | None = None
    """Morris screening of every number of the scenario, in groups."""
    side_losses: dict[str, float] = field(default_factory=dict)
    """Mean personnel lost by each side over the base replications."""
    realism: dict[str, Any] | None = None
    """The realism section as plain data (``drillsim.validation.realism.assess_realism`` makes it)."""

    @property
    def coverage(self) -> float:
        """Sourced-influence coverage of the Morris screening (NaN without one)."""
        return self.morris.coverage if self.morris is not None else math.nan

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "title": self.title,
            "variants": self.variants,
            "seed": self.seed,
            "replications": self.replications,
            "precision": self.precision,
            "scenario_hashes": self.scenario_hashes,
            "elapsed_s": self.elapsed_s,
            "steps": [s.as_dict() for s in self.steps],
            "differences": [d.as_dict() for d in self.differences],
            "attribution": self.attribution.to_json() if self.attribution is not None else None,
            "screening": self.screening.to_json() if self.screening is not None else None,
            "pedigree": [p.as_dict() for p in self.pedigree],
            "morris": self.morris.to_json() if self.morris is not None else None,
            "sourced_influence_coverage": self.coverage,
            "sourced_catalogue_influence_coverage": (
                self.morris.catalogue_coverage if self.morris is not None else math.nan
            ),
            "catalogue_influence_share": self.morris.catalogue_share if self.morris is not None else math.nan,
            "side_losses": self.side_losses,
            "realism": self.realism,
            "notes": self.notes,
        }


def find_variants(scenario: str | Path) -> list[str]:
    """What-if variants of a scenario: library entries whose ``extends`` is its name, or, for a file, the
    ``.yaml`` files beside it whose ``extends`` names that file."""
    import yaml

    from drillsim.scenario.library import library_entries, newest_version

    text = str(scenario)
    path = Path(text)
    if path.suffix in (".yaml", ".yml") and path.exists():
        found: list[str] = []
        target = path.resolve()
        for item in sorted(path.parent.glob("*.y*ml")):
            if item.resolve() == target:
                continue
            try:
                head = yaml.safe_load(item.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError:
                continue
            ext = head.get("extends") if isinstance(head, dict) else None
            if isinstance(ext, str) and (item.parent / ext).resolve() == target:
                found.append(str(item))
        return found
    name = newest_version(text, "scenario") or text  # an unversioned name means the newest version
    return [e.name for e in library_entries() if e.kind == "scenario" and e.extends == name]


def study_steps(scenario: Scenario) -> list[tuple[str, str, str]]:
    """The measures that stand for scripted steps: (measure, kind, description).

    Every 0/1 objective measure, and every time-to-locate / first-detection / time-in-place measure (read as
    "happened within the run").
    """
    out: list[tuple[str, str, str]] = []
    for name, spec in scenario.measures.items():
        if spec.kind in BINARY_KINDS or spec.kind in _STEP_TIME_KINDS:
            desc = spec.description or ""
            if not desc and spec.kind in BINARY_KINDS:
                obj = getattr(spec, "objective", None)
                o = scenario.objectives.get(obj) if obj else None
                desc = (getattr(o, "description", None) or f"objective '{obj}' achieved") if obj else ""
            out.append((name, spec.kind, desc))
    return out


def _happened(values: FloatArray, kind: str) -> FloatArray:
    v = np.asarray(values, dtype=np.float64)
    if kind in BINARY_KINDS:
        return np.where(np.isfinite(v), v, 0.0)
    return np.isfinite(v).astype(np.float64)


def _run(
    scenario: Scenario,
    seed: int,
    indices: Sequence[int],
    *,
    events: bool,
    until_s: float | None,
    advance: Callable[[int, int], None] | None = None,
) -> tuple[dict[str, FloatArray], pa.Table | None]:
    from drillsim.engine.simulation import Simulation
    from drillsim.events.recorder import EventLog

    recorder = EventLog(sample_s=600.0) if events else None
    sim = Simulation(scenario, rng=seed, replications=list(indices), recorder=recorder)
    end = sim.world.duration_s if until_s is None else min(float(until_s), sim.world.duration_s)
    steps = math.ceil(end / sim.world.dt_s - 1e-9)
    while sim.time_s < end - 1e-9:
        sim.step()
        if advance is not None:
            advance(sim.state.step, steps)
    out = sim.outcomes()
    return {k: np.asarray(v, dtype=np.float64) for k, v in out.measures.items()}, out.events


def run_study(  # noqa: C901, PLR0913
    scenario: Scenario | str | Path = "khatlon-2015",
    *,
    variants: Sequence[Scenario | str] | None = None,
    replications: int = 30,
    precision: float | None = None,
    max_replications: int = 2000,
    rng: int | np.random.Generator | None = None,
    out: str | Path | None = None,
    until_s: float | None = None,
    screen: int = 4,
    screen_replications: int | None = None,
    screen_fraction: float = 0.25,
    screen_groups: str = "kind",
    screen_trajectories: int = 10,
    executor: ExecutorLike = None,
    confidence: float = 0.95,
    progress: Callable[[str], None] | None = None,
    advance: Callable[[int, int], None] | None = None,
) -> StudyResult:
    """Run the study and (with ``out``) write ``report.html`` and ``study.json`` there.

    ``replications`` is the count, or with ``precision`` (a half-width for the step probabilities, e.g.
    0.05) the batch size of sequential stopping: batches are added until every step's Wilson interval in the
    base scenario is that narrow (or ``max_replications``). Variants then run the same replication indices
    (common random numbers). ``variants`` defaults to :func:`find_variants`. ``screen`` low-confidence inputs
    are screened one at a time by +-``screen_fraction`` with ``screen_replications`` (default:
    min(replications, 20)); every number of the scenario is also screened with Morris elementary effects in
    groups (``screen_groups``, ``screen_trajectories`` trajectories, 1 replication per design point, on
    ``executor``), which gives the sourced-influence coverage; ``screen=0`` skips both. ``until_s`` stops
    every run early (for quick looks and tests). ``progress(message)`` is told each stage as it starts;
    ``advance(done, total)`` how far the current stage is (simulated steps of a run, design points of the
    screening).
    """
    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    if replications < 2:
        raise UserError(f"a study needs at least 2 replications, got {replications}")
    ref = str(scenario) if isinstance(scenario, str | Path) else scenario.name
    base = load_scenario(str(scenario)) if isinstance(scenario, str | Path) else scenario
    if variants is None:
        variant_refs: list[Scenario | str] = (
            list(find_variants(ref)) if isinstance(scenario, str | Path) else []
        )
    else:
        variant_refs = list(variants)
    loaded = [load_scenario(v) if isinstance(v, str) else v for v in variant_refs]
    seed = root_seed(rng)
    steps_spec = study_steps(base)
    notes: list[str] = []
    if not steps_spec:
        notes.append("the scenario names no objective or time-to-locate measures; no scripted steps to score")
    # Base runs, with event logs, until the precision target is met.
    say(f"running {base.name}")
    measures: dict[str, FloatArray] = {}
    event_tables: list[pa.Table] = []
    n = 0
    while True:
        batch = list(range(n, n + replications))
        values, events = _run(base, seed, batch, events=True, until_s=until_s, advance=advance)
        for k, v in values.items():
            measures[k] = np.concatenate([measures[k], v]) if k in measures else v
        if events is not None:
            event_tables.append(events)
        n += replications
        if precision is None or n >= max_replications:
            break
        widths = [
            _wilson_half(_happened(measures[m], kind), confidence)
            for m, kind, _ in steps_spec
            if m in measures
        ]
        if all(w <= precision for w in widths):
            break
        say(f"  {n} replications; widest step interval +-{max(widths):.3f}, target +-{precision}")
    if precision is not None:
        notes.append(f"sequential stopping: {n} replications for step half-widths <= {precision}")
    indices = list(range(n))
    all_measures: dict[str, dict[str, FloatArray]] = {base.name: measures}
    names = [base.name]
    for variant in loaded:
        say(f"running {variant.name}")
        vm, _ = _run(variant, seed, indices, events=False, until_s=until_s, advance=advance)
        label = variant.name if variant.name not in all_measures else f"{variant.name}#{len(names)}"
        all_measures[label] = vm
        names.append(label)
    # Steps and differences.
    steps: list[Step] = []
    differences: list[Difference] = []
    for label in names:
        for m, kind, desc in steps_spec:
            if m not in all_measures[label]:
                continue
            raw = all_measures[label][m]
            h = _happened(raw, kind)
            lo, hi = wilson_interval(float(h.sum()), len(h), confidence)
            extra = _time_stats(raw, kind, confidence)
            steps.append(Step(label, m, kind, desc, float(h.mean()), lo, hi, len(h), **extra))
    for label in names[1:]:
        for m, kind, _ in steps_spec:
            if m not in all_measures[label] or m not in measures:
                continue
            b, v = _happened(measures[m], kind), _happened(all_measures[label][m], kind)
            differences.append(paired_difference(m, "objective-achieved", base.name, label, b, v, confidence))
            if kind in TIME_KINDS:
                differences.append(
                    paired_difference(
                        m, kind, base.name, label, measures[m], all_measures[label][m], confidence
                    )
                )
    # Kill-chain attribution from the base runs' event logs.
    attribution: Attribution | None = None
    if event_tables:
        say("attributing the kill chain")
        events = pa.concat_tables(event_tables)
        side = next(iter(base.sides))
        chain = kill_chains(events, side=side)
        if chain.table.num_rows:
            step_names = [m for m, _, _ in steps_spec]
            others = [k for k in measures if k not in step_names and k in base.measures]
            kinds = {k: (base.measures[k].kind if k in base.measures else None) for k in measures}
            order = {r: i for i, r in enumerate(indices)}
            idx = np.asarray([order[int(r)] for r in chain.replications], dtype=np.int64)
            attribution = attribute(chain, {k: measures[k][idx] for k in step_names + others}, kinds=kinds)
        else:
            notes.append(
                f"side '{side}' asked for no fire missions or strikes in the base runs: "
                "no kill chain to attribute"
            )
    # Screening and pedigree.
    screening: Screening | None = None
    pedigree: list[PedigreeRow] = []
    morris: MorrisScreening | None = None
    if screen > 0:
        reps = screen_replications or min(n, 20)
        say(f"screening up to {screen} low-confidence inputs (+-{screen_fraction:.0%}, {reps} replications)")
        screening = screen_inputs(
            base,
            fraction=screen_fraction,
            replications=reps,
            rng=seed,
            max_inputs=screen,
            until_s=until_s,
            measures=[m for m, _, _ in steps_spec] or None,
        )
        pedigree = pedigree_report(base, screening)
        say(f"screening every number (Morris, groups by {screen_groups}, {screen_trajectories} trajectories)")
        reported = [0]

        def tell(done: int, total: int) -> None:
            if advance is not None:
                advance(done, total)
            if done == total or done - reported[0] >= max(1, total // 10):
                reported[0] = done
                say(f"  {done}/{total} design points")

        morris = screen_scenario(
            base,
            groups=screen_groups,
            fraction=screen_fraction,
            trajectories=screen_trajectories,
            rng=seed,
            until_s=until_s,
            executor=executor,
            progress=tell,
        )
    result = StudyResult(
        scenario=base.name,
        title=base.title or base.name,
        variants=names[1:],
        seed=seed,
        replications=n,
        precision=precision,
        steps=steps,
        differences=differences,
        attribution=attribution,
        screening=screening,
        pedigree=pedigree,
        scenario_hashes={
            base.name: content_hash(base),
            **{lbl: content_hash(v) for lbl, v in zip(names[1:], loaded, strict=True)},
        },
        elapsed_s=time.perf_counter() - started,
        notes=notes,
        morris=morris,
        side_losses={
            side: float(np.nanmean(measures[side_losses_measure(side)]))
            for side in base.sides
            if side_losses_measure(side) in measures
        },
    )
    if out is not None:
        write_study(result, out)
    return result


def _time_stats(raw: FloatArray, kind: str, confidence: float) -> dict[str, Any]:
    """Step fields for a time measure (median, 5-95 % band, mean and its interval, in seconds)."""
    if measure_quantity(kind) != "time":
        return {"quantity": "probability"}
    ok = raw[np.isfinite(raw)]
    if ok.size == 0:
        return {"quantity": "time"}
    lo, hi = t_interval(ok, confidence) if ok.size >= 2 else (math.nan, math.nan)
    if ok.size >= 2 and is_constant(ok):
        lo = hi = float(ok.mean())
    q05, q50, q95 = (float(x) for x in np.quantile(ok, [0.05, 0.5, 0.95]))
    return {
        "quantity": "time",
        "median_time_s": q50,
        "p05_time_s": q05,
        "p95_time_s": q95,
        "mean_time_s": float(ok.mean()),
        "mean_ci_low_s": lo,
        "mean_ci_high_s": hi,
    }


def _wilson_half(h: FloatArray, confidence: float) -> float:
    lo, hi = wilson_interval(float(h.sum()), len(h), confidence)
    return (hi - lo) / 2.0


# --- report -------------------------------------------------------------------------------------------------


def _steps_figure(result: StudyResult) -> str:
    scenarios = [result.scenario, *result.variants]
    measures = list(dict.fromkeys(s.measure for s in result.steps if s.quantity != "time"))
    fig = new_figure(8.0, 1.2 + 0.35 * len(measures) * max(1, len(scenarios)) ** 0.6)
    ax = fig.add_subplot(1, 1, 1)
    height = 0.8 / max(len(scenarios), 1)
    colours = ["#4477aa", "#cc6677", "#228833", "#ccbb44", "#66ccee", "#aa3377", "#bbbbbb"]
    for k, sc in enumerate(scenarios):
        rows = {s.measure: s for s in result.steps if s.scenario == sc}
        y = np.arange(len(measures)) + k * height
        p = np.array([rows[m].probability if m in rows else np.nan for m in measures])
        lo = np.array([rows[m].ci_low if m in rows else np.nan for m in measures])
        hi = np.array([rows[m].ci_high if m in rows else np.nan for m in measures])
        ax.barh(y, np.nan_to_num(p), height=height, color=colours[k % len(colours)], label=sc)
        ax.errorbar(
            p,
            y,
            xerr=[np.maximum(p - lo, 0), np.maximum(hi - p, 0)],
            fmt="none",
            ecolor="black",
            capsize=2,
            elinewidth=0.8,
        )
    ax.set_yticks(np.arange(len(measures)) + height * (len(scenarios) - 1) / 2, measures)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("probability the step happens as scripted (95 % CI)")
    ax.legend(loc="lower right", fontsize="x-small")
    return figure_svg(fig)


def _times_figure(result: StudyResult) -> str:
    """Timed steps: the median time per scenario with the 5-95 % band of the runs where it happened."""
    scenarios = [result.scenario, *result.variants]
    timed = [s for s in result.steps if s.quantity == "time" and s.median_time_s is not None]
    measures = list(dict.fromkeys(s.measure for s in timed))
    unit = duration_unit(max(s.median_time_s or 0.0 for s in timed))
    fig = new_figure(8.0, 1.2 + 0.35 * len(measures) * max(1, len(scenarios)) ** 0.6)
    ax = fig.add_subplot(1, 1, 1)
    height = 0.8 / max(len(scenarios), 1)
    colours = ["#4477aa", "#cc6677", "#228833", "#ccbb44", "#66ccee", "#aa3377", "#bbbbbb"]
    for k, sc in enumerate(scenarios):
        rows = {s.measure: s for s in timed if s.scenario == sc}
        y = np.arange(len(measures)) + k * height

        def col(field: str, rows: dict[str, Step] = rows) -> FloatArray:
            values = [getattr(rows[m], field) if m in rows else None for m in measures]
            return np.array([np.nan if v is None else v / unit[0] for v in values])

        med, lo, hi = col("median_time_s"), col("p05_time_s"), col("p95_time_s")
        ax.errorbar(
            med,
            y,
            xerr=[np.maximum(med - lo, 0), np.maximum(hi - med, 0)],
            fmt="o",
            color=colours[k % len(colours)],
            capsize=2,
            elinewidth=0.8,
            label=sc,
        )
    ax.set_yticks(np.arange(len(measures)) + height * (len(scenarios) - 1) / 2, measures)
    ax.invert_yaxis()
    ax.set_xlabel(f"time of the step, {unit[1]} (median, 5-95 % of runs where it happened)")
    ax.legend(loc="lower right", fontsize="x-small")
    return figure_svg(fig)


def _shares_figure(attr: Attribution) -> str:
    ms = [m for m in attr.measures if m.shares]
    links = list(dict.fromkeys(s.name for m in ms for s in m.shares))
    fig = new_figure(8.0, 1.5 + 0.4 * len(ms))
    ax = fig.add_subplot(1, 1, 1)
    left = np.zeros(len(ms))
    colours = [
        "#4477aa",
        "#cc6677",
        "#228833",
        "#ccbb44",
        "#66ccee",
        "#aa3377",
        "#bbbbbb",
        "#332288",
        "#882255",
        "#999933",
    ]
    for j, link in enumerate(links):
        w = np.array([next((max(s.share, 0.0) for s in m.shares if s.name == link), 0.0) for m in ms])
        ax.barh(np.arange(len(ms)), w, left=left, color=colours[j % len(colours)], label=link)
        left += w
    ax.set_yticks(np.arange(len(ms)), [m.measure for m in ms])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the variance across replications explained by each link (sums to R^2)")
    ax.legend(loc="lower right", fontsize="x-small")
    return figure_svg(fig)


def _tornado_figure(screening: Screening, measure: str, kind: str | None = None) -> str | None:
    rows = [e for e in screening.for_measure(measure) if math.isfinite(e.difference)][:10]
    if not rows:
        return None
    fig = new_figure(8.0, 1.2 + 0.4 * len(rows))
    ax = fig.add_subplot(1, 1, 1)
    rows = rows[::-1]
    y = np.arange(len(rows))
    base = rows[0].base_mean if math.isfinite(rows[0].base_mean) else 0.0
    scale, label = (1.0, measure)
    if measure_quantity(kind) == "time":
        scale, unit = duration_unit(base)
        label = f"{measure} ({unit})"
    elif measure_quantity(kind) == "probability":
        label = f"{measure} (share of runs)"
    low = [(e.low_mean - base) / scale for e in rows]
    high = [(e.high_mean - base) / scale for e in rows]
    ax.barh(y, low, left=base / scale, color="#4477aa", label=f"-{screening.fraction:.0%}")
    ax.barh(y, high, left=base / scale, color="#cc6677", label=f"+{screening.fraction:.0%}")
    ax.axvline(base / scale, color="black", linewidth=0.8)
    ax.set_yticks(y, [e.path for e in rows], fontsize="x-small")
    ax.set_xlabel(label)
    ax.set_title(f"{measure}: one-at-a-time screening (tornado)")
    ax.legend(loc="lower right", fontsize="x-small")
    return figure_svg(fig)


def _pct(x: float) -> str:
    return "-" if not math.isfinite(x) else f"{x * 100:.0f} %"


def _pct1(x: float) -> str:
    return "-" if not math.isfinite(x) else f"{x * 100:.1f} %"


def _effect_text(effect: float, kind: str | None) -> str:
    if not math.isfinite(effect):
        return "-"
    if kind in BINARY_KINDS:
        return f"{effect * 100:+.0f} points"
    if measure_quantity(kind) == "time":
        return ("+" if effect >= 0 else "-") + format_duration(abs(effect))
    return f"{effect:+.3g}"


def _time_row(s: Any) -> dict[str, str]:
    unit = duration_unit(s.median_time_s if s.median_time_s is not None else math.nan)

    def t(x: float | None) -> str:
        return format_duration(math.nan if x is None else x, unit=unit)

    return {
        "measure": s.measure,
        "description": s.description,
        "median": t(s.median_time_s),
        "band": f"{t(s.p05_time_s)} to {t(s.p95_time_s)}",
        "mean": f"{t(s.mean_time_s)} ({t(s.mean_ci_low_s)} to {t(s.mean_ci_high_s)})",
        "happened": (
            f"{s.happened} of {s.n} ({_pct(s.probability)}, 95 % CI {_pct(s.ci_low)}-{_pct(s.ci_high)})"
        ),
    }


def _page_context(result: StudyResult) -> dict[str, Any]:
    """What the study page shows, as text and figures (the template decides where)."""
    base_steps = [s for s in result.steps if s.scenario == result.scenario]
    timed = {s.measure for s in result.steps if s.quantity == "time"}
    figures = {key: trusted_svg(svg) for key, svg in result.figures.items()}
    attr = result.attribution
    chain = None
    if attr is not None:
        chain = {
            "side": attr.chain.side,
            "missions": attr.chain.table.num_rows,
            "replications": len(attr.chain.replications),
            "links": [row for row in attr.chain.link_summary() if row["n"]],
            "sentences": [m.sentence() for m in attr.measures],
        }
    screening = None
    if result.screening is not None:
        sc = result.screening
        kinds = {st.measure: st.kind for st in result.steps}
        screening = {
            "fraction": f"{sc.fraction:.0%}",
            "replications": sc.replications,
            "inputs": [
                {
                    "path": p.path,
                    "value": "-" if p.value is None else f"{p.value:g}",
                    "source": p.source or "-",
                    "confidence": p.confidence or "unstated",
                    "measure": p.measure,
                    "effect": _effect_text(p.effect, kinds.get(p.measure)),
                    "flagged": p.flagged,
                }
                for p in result.pedigree
                if p.relative > 0 or p.significant
            ],
            "tornadoes": [svg for key, svg in figures.items() if key.startswith("tornado:")],
        }
    morris = None
    if result.morris is not None:
        mo = result.morris
        morris = {
            "grouping": mo.grouping,
            "fraction": f"{mo.fraction:.0%}",
            "trajectories": mo.trajectories,
            "points": mo.points,
            "moved": mo.moved,
            "fixed": len(mo.fixed),
            "coverage": _pct1(mo.coverage),
            "catalogue_coverage": _pct1(mo.catalogue_coverage),
            "catalogue_share": _pct(mo.catalogue_share) if math.isfinite(mo.catalogue_share) else "-",
            "own_share": _pct(1.0 - mo.catalogue_share) if math.isfinite(mo.catalogue_share) else "-",
            "groups": [
                {
                    "name": g.name,
                    "members": len(g.members),
                    "influence": f"{g.influence:.3f}",
                    "sigma": f"{g.sigma_norm:.3f}",
                    "pedigree": g.pedigree_text(),
                    "flagged": g.influential and not g.is_sourced,
                }
                for g in mo.groups[:15]
            ],
        }
    return {
        "title": result.title,
        "scenario": result.scenario,
        "n_variants": len(result.variants),
        "replications": result.replications,
        "seed": result.seed,
        "elapsed": f"{result.elapsed_s:.0f}",
        "notes": result.notes,
        "probability_steps": [
            {
                "measure": s.measure,
                "description": s.description,
                "probability": _pct(s.probability),
                "ci": f"{_pct(s.ci_low)}-{_pct(s.ci_high)}",
            }
            for s in base_steps
            if s.quantity != "time"
        ],
        "time_steps": [_time_row(s) for s in base_steps if s.quantity == "time"],
        "figures": {key: figures.get(key, "") for key in ("steps", "times", "shares")},
        "has_variants": bool(result.variants),
        "differences": [
            {
                "variant": d.variant,
                "step": f"{d.measure} (happened)" if d.measure in timed else d.measure,
                "base": _pct(d.base_mean),
                "changed": _pct(d.variant_mean),
                "significant": d.is_significant,
                "change": f"{d.difference * 100:+.0f}",
                "ci": f"{d.ci_low * 100:+.0f} to {d.ci_high * 100:+.0f}",
            }
            for d in result.differences
            if d.binary
        ],
        "difference_sentences": [d.sentence() for d in result.differences if d.is_significant],
        "chain": chain,
        "screening": screening,
        "morris": morris,
        "realism": result.realism,
    }


def _html(result: StudyResult) -> str:
    """The study page (self-contained; it names no URL: sources that are web addresses lose their scheme)."""
    text = render_page("drillsim.study", "study.html", **_page_context(result))
    return re.sub(r"https?://", "", text)


def write_study(result: StudyResult, directory: str | Path) -> Path:
    """Write ``report.html`` (self-contained) and ``study.json`` into ``directory``; returns the report."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    figures: dict[str, str] = {}
    try:
        if any(s.quantity != "time" for s in result.steps):
            figures["steps"] = _steps_figure(result)
        if any(s.quantity == "time" and s.median_time_s is not None for s in result.steps):
            figures["times"] = _times_figure(result)
        if result.attribution is not None and any(m.shares for m in result.attribution.measures):
            figures["shares"] = _shares_figure(result.attribution)
        if result.screening is not None:
            kinds = {st.measure: st.kind for st in result.steps}
            for m in dict.fromkeys(e.measure for e in result.screening.effects):
                svg = _tornado_figure(result.screening, m, kinds.get(m))
                if svg is not None and any(e.is_significant for e in result.screening.for_measure(m)):
                    figures[f"tornado:{m}"] = svg
    except UserError as exc:  # matplotlib missing: the report goes without figures
        result.notes.append(str(exc))
    result.figures = figures
    path = write_page(out / "report.html", _html(result))
    write_json_atomic(json.loads(json.dumps(result.to_json(), default=_jsonable)), out / "study.json")
    result.report_path = path
    return path


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    return str(value)
