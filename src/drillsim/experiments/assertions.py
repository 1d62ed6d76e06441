"""Statistical scenario assertions, checked by sequential tests that run only the replications needed.

An assertion file sits beside a scenario (the scenario language itself is unchanged)::

    scenario: ../crossing-defence.yaml      # a path relative to this file, or an embedded scenario name
    confidence: 0.95                        # optional default for every assertion
    max_replications: 2000                  # optional cap
    assertions:
      - measure: first-detection
        probability: {of: "<= 30 min", at_least: 0.9}
      - measure: losses-defenders
        mean: {at_most: 3}

``probability`` assertions claim that the fraction of replications whose value satisfies ``of`` is at least
(or at most) a level; they are decided by Wald's sequential probability ratio test with an indifference
region around the level. ``mean`` assertions claim a bound on the mean; they are decided by repeated
one-sided t bounds after each batch, with the error rate split over the planned looks (Bonferroni). Either
test stops as soon as it can accept or reject at the stated confidence; at the cap it is undecided.
Details and sources: docs/monte-carlo.md.
"""

from __future__ import annotations

import math
import operator
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from drillsim.core.errors import InputError, Location, UserError
from drillsim.core.random import root_seed
from drillsim.core.suggest import closest_match
from drillsim.experiments.montecarlo import (
    TIME_KINDS,
    FloatArray,
    _Runner,
    measure_kinds,
    progress_bar,
    wilson_interval,
)
from drillsim.scenario._yaml import Document, parse_yaml, render_path
from drillsim.scenario.io import _error_from_pydantic, load_scenario
from drillsim.scenario.models import Scenario, Spec, renamed_measure, standard_measures

__all__ = [
    "AssertionFile",
    "AssertionReport",
    "AssertionSpec",
    "Condition",
    "Verdict",
    "check_assertions",
    "load_assertions",
    "mean_test",
    "parse_condition",
    "sprt",
]

VerdictKind = Literal["accepted", "rejected", "undecided"]

# --- conditions --------------------------------------------------------------------------------------------

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
    "==": operator.eq,
    "!=": operator.ne,
}
_UNITS = {"": 1.0, "s": 1.0, "min": 60.0, "h": 3600.0}
_CONDITION = re.compile(
    r"^\s*(<=|>=|==|!=|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(s|min|h)?\s*$"
)


@dataclass(frozen=True)
class Condition:
    """A comparison of a replication's value with a threshold, such as ``<= 7200`` or ``<= 2 h``."""

    op: str
    value: float
    text: str

    def holds(self, values: FloatArray, *, never_is_infinite: bool) -> np.ndarray:
        """Whether each value satisfies the condition.

        A replication without a value holds for no condition, except for event-time measures
        (``never_is_infinite``), where no value means "never" and compares as +infinity: ``> 7200`` holds.
        """
        v = np.where(np.isnan(values), np.inf, values) if never_is_infinite else values
        with np.errstate(invalid="ignore"):
            out = np.asarray(_OPS[self.op](v, self.value), dtype=bool)
        return out & ~np.isnan(v)


def parse_condition(text: str) -> Condition:
    """Parse ``"<= 7200"``, ``"< 2 h"``, ``"== 1"``; units s, min, h are converted to seconds."""
    match = _CONDITION.match(text)
    if match is None:
        raise ValueError(text)
    op, number, unit = match.group(1), float(match.group(2)), match.group(3) or ""
    return Condition(op, number * _UNITS[unit], text.strip())


# --- the file format ----------------------------------------------------------------------------------------


class _Model(Spec):
    """Base of the assertion file's parts: frozen, strict about unknown keys (as scenario declarations)."""


Level = Annotated[float, Field(gt=0.0, lt=1.0)]


class ProbabilitySpec(_Model):
    """The fraction of replications in which the measure satisfies ``of``, bounded below or above."""

    of: str
    """A comparison: ``<= 7200``, ``< 2 h``, ``== 1``, ``> 0``; units s, min, h allowed."""
    at_least: Level | None = None
    at_most: Level | None = None
    indifference: Annotated[float, Field(gt=0.0, lt=0.5)] = 0.05
    """Half-width of the indifference region of the sequential test around the level."""

    @field_validator("of")
    @classmethod
    def _condition(cls, value: str) -> str:
        if _CONDITION.match(value) is None:
            raise PydanticCustomError(
                "condition_syntax",
                "not a comparison",
                {"expected": "an operator (<=, <, >=, >, ==, !=) and a number, such as '<= 7200' or '< 2 h'"},
            )
        return value

    @model_validator(mode="after")
    def _one_bound(self) -> ProbabilitySpec:
        if (self.at_least is None) == (self.at_most is None):
            raise PydanticCustomError(
                "assertion_bound", "give exactly one of at_least and at_most", {"expected": "one bound"}
            )
        return self


class MeanSpec(_Model):
    """The mean of the measure over replications with a value, bounded below or above."""

    at_least: float | None = None
    at_most: float | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> MeanSpec:
        if (self.at_least is None) == (self.at_most is None):
            raise PydanticCustomError(
                "assertion_bound", "give exactly one of at_least and at_most", {"expected": "one bound"}
            )
        return self


class AssertionSpec(_Model):
    """One statistical claim about one measure."""

    measure: str
    name: str | None = None
    probability: ProbabilitySpec | None = None
    mean: MeanSpec | None = None
    confidence: Level | None = None

    @model_validator(mode="after")
    def _one_statistic(self) -> AssertionSpec:
        if (self.probability is None) == (self.mean is None):
            raise PydanticCustomError(
                "assertion_statistic",
                "give exactly one of probability and mean",
                {"expected": "probability: {of: ..., at_least: ...} or mean: {at_most: ...}"},
            )
        return self

    def describe(self) -> str:
        """The claim in a compact form: ``P(first-detection <= 30 min) >= 0.9``."""
        if self.probability is not None:
            p = self.probability
            bound = f">= {p.at_least:g}" if p.at_least is not None else f"<= {p.at_most:g}"
            return f"P({self.measure} {p.of.strip()}) {bound}"
        assert self.mean is not None
        m = self.mean
        bound = f">= {m.at_least:g}" if m.at_least is not None else f"<= {m.at_most:g}"
        return f"mean({self.measure}) {bound}"


class AssertionFile(_Model):
    """A companion file of assertions about one scenario."""

    scenario: str
    confidence: Level = 0.95
    max_replications: Annotated[int, Field(ge=1)] = 2000
    batch: Annotated[int, Field(ge=1)] = 100
    assertions: Annotated[list[AssertionSpec], Field(min_length=1)]


def load_assertions(path: str | Path) -> tuple[AssertionFile, Document]:
    """Read and validate an assertion file; every problem is an InputError with file, line and field."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the assertion file: {exc}", location=Location(file)) from None
    doc = parse_yaml(text, file=file)
    if not isinstance(doc.data, dict):
        raise InputError(
            "an assertion file must be a mapping",
            location=Location(file, 1, 1),
            expected="keys scenario and assertions",
        )
    _refuse_other_kinds(doc.data, file)
    try:
        spec = AssertionFile.model_validate(doc.data)
    except ValidationError as exc:
        raise _error_from_pydantic(exc, doc) from None
    return spec, doc


def _refuse_other_kinds(data: dict[str, Any], file: str) -> None:
    """Another kind of drillsim file given where an assertion file belongs: say what it is, what an
    assertion file holds, and which command takes the file given (rather than list unknown keys)."""
    if "assertions" in data:
        return
    if "experiment" in data:
        kind, commands = "an experiment file", "run it with 'drillsim experiment'"
    elif isinstance(data.get("catalogue"), str):
        kind, commands = "a catalogue file", "check it with 'drillsim validate'"
    elif "schema_version" in data:
        kind = "a scenario file"
        commands = "check it with 'drillsim validate', run it with 'drillsim run' or 'drillsim mc'"
    else:
        return
    raise InputError(
        f"this is {kind}, not an assertion file: 'drillsim check' takes a YAML file that names a scenario "
        "and states what its results should be (keys 'scenario' and 'assertions', see docs/monte-carlo.md, "
        f"'Statistical assertions'); {commands}",
        location=Location(file),
    )


def _load_target(spec: AssertionFile, doc: Document, base: Path) -> Scenario:
    ref = spec.scenario
    candidate = Path(ref) if Path(ref).is_absolute() else base / ref
    if candidate.is_file():
        return load_scenario(str(candidate))
    if ref.endswith((".yaml", ".yml")) or "/" in ref:
        raise InputError(
            f"no scenario file '{candidate}'",
            location=doc.marks.locate(("scenario",)),
            path="scenario",
            expected="a path relative to the assertion file, or an embedded scenario name",
        )
    return load_scenario(ref)


def _check_measures(spec: AssertionFile, doc: Document, available: Sequence[str]) -> None:
    for i, a in enumerate(spec.assertions):
        if a.measure not in available:
            path = ("assertions", i, "measure")
            raise InputError(
                f"unknown measure '{a.measure}'",
                location=doc.marks.locate(path),
                path=render_path(path),
                expected="one of the scenario's measures: " + ", ".join(available),
                suggestion=renamed_measure(a.measure) or closest_match(a.measure, available),
            )


# --- sequential tests ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """What a sequential test concluded after the observations it was given."""

    verdict: VerdictKind
    n: int
    """Observations used: the decision was taken after this many (all of them when undecided)."""


def sprt_levels(level: float, indifference: float, *, at_least: bool) -> tuple[float, float]:
    """(p_accept, p_reject): the proportions at which the claim should surely pass and surely fail.

    The region is ``level +- indifference``, shrunk near 0 and 1 so both stay strictly inside (0, 1):
    the upper end is at most half-way from the level to 1, the lower end at least half-way to 0.
    """
    high = min(level + indifference, (1.0 + level) / 2.0)
    low = max(level - indifference, level / 2.0)
    return (high, low) if at_least else (low, high)


def sprt(successes: np.ndarray, *, p_accept: float, p_reject: float, alpha: float, beta: float) -> Decision:
    """Wald's sequential probability ratio test of ``p = p_accept`` against ``p = p_reject``.

    Observations are taken in order; after each the log likelihood ratio
    ``sum(x log(p_a/p_r) + (1-x) log((1-p_a)/(1-p_r)))`` is compared with Wald's bounds
    ``log((1-beta)/alpha)`` (accept) and ``log(beta/(1-alpha))`` (reject). ``alpha`` bounds the chance of
    accepting when ``p = p_reject``, ``beta`` that of rejecting when ``p = p_accept`` (Wald 1945).
    """
    x = np.asarray(successes, dtype=bool)
    up = math.log(p_accept / p_reject)
    down = math.log((1.0 - p_accept) / (1.0 - p_reject))
    llr = np.cumsum(np.where(x, up, down))
    upper = math.log((1.0 - beta) / alpha)
    lower = math.log(beta / (1.0 - alpha))
    crossed = np.nonzero((llr >= upper) | (llr <= lower))[0]
    if len(crossed) == 0:
        return Decision("undecided", len(x))
    k = int(crossed[0])
    return Decision("accepted" if llr[k] >= upper else "rejected", k + 1)


def mean_test(
    values: np.ndarray, looks: Sequence[int], *, bound: float, at_least: bool, alpha: float, max_looks: int
) -> Decision:
    """Repeated one-sided t bounds at each look (a count of observations), each at level ``alpha/max_looks``.

    The claim ``mean <= bound`` is accepted at the first look whose upper bound is at most ``bound`` and
    rejected at the first whose lower bound is above it (mirrored for ``at_least``). Splitting ``alpha``
    over all the looks the cap allows (Bonferroni) keeps each wrong verdict's chance below ``alpha``.
    """
    from scipy.stats import t as student_t

    v = np.asarray(values, dtype=np.float64)
    level = alpha / max(max_looks, 1)
    for n in looks:
        ok = v[:n][np.isfinite(v[:n])]
        if len(ok) < 2:
            continue
        mean = float(ok.mean())
        se = float(ok.std(ddof=1)) / math.sqrt(len(ok))
        q = float(student_t.ppf(1.0 - level, len(ok) - 1)) * se
        low, high = mean - q, mean + q
        if at_least:
            if low >= bound:
                return Decision("accepted", n)
            if high < bound:
                return Decision("rejected", n)
        else:
            if high <= bound:
                return Decision("accepted", n)
            if low > bound:
                return Decision("rejected", n)
    return Decision("undecided", looks[-1] if looks else 0)


# --- checking -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """The outcome of one assertion."""

    index: int
    claim: str
    name: str | None
    verdict: VerdictKind
    replications: int
    """Replications the decision used."""
    estimate: float
    """The fraction (probability assertions) or mean (mean assertions) over those replications."""
    ci_low: float
    ci_high: float
    confidence: float
    method: str
    of: Literal["probability", "mean"] = "mean"
    """What ``estimate`` and its interval are: a fraction of replications, or the measure's mean."""
    measure_kind: str | None = None
    """The kind of the asserted measure (its unit follows from it), None when the scenario does not say."""


@dataclass(frozen=True)
class AssertionReport:
    """Verdicts for every assertion of one file."""

    file: str
    scenario: str
    seed: int
    replications: int
    """Replications run in all (the most any assertion needed)."""
    verdicts: list[Verdict]
    elapsed_s: float

    @property
    def passed(self) -> bool:
        return all(v.verdict == "accepted" for v in self.verdicts)

    @property
    def exit_code(self) -> int:
        """0: every assertion accepted; 1: any rejected; 3: none rejected but some undecided at the cap."""
        kinds = {v.verdict for v in self.verdicts}
        if "rejected" in kinds:
            return 1
        if "undecided" in kinds:
            return 3
        return 0


@dataclass
class _Pending:
    index: int
    spec: AssertionSpec
    confidence: float
    decision: Decision | None = None


def _decide(
    item: _Pending, values: FloatArray, kind: str | None, looks: list[int], max_looks: int
) -> Decision:
    a = item.spec
    alpha = 1.0 - item.confidence
    if a.probability is not None:
        p = a.probability
        cond = parse_condition(p.of)
        x = cond.holds(values, never_is_infinite=kind in TIME_KINDS)
        at_least = p.at_least is not None
        level = p.at_least if p.at_least is not None else p.at_most
        assert level is not None
        p_accept, p_reject = sprt_levels(level, p.indifference, at_least=at_least)
        return sprt(x, p_accept=p_accept, p_reject=p_reject, alpha=alpha, beta=alpha)
    assert a.mean is not None
    m = a.mean
    at_least = m.at_least is not None
    bound = m.at_least if m.at_least is not None else m.at_most
    assert bound is not None
    return mean_test(values, looks, bound=bound, at_least=at_least, alpha=alpha, max_looks=max_looks)


def _verdict(item: _Pending, decision: Decision, values: FloatArray, kind: str | None) -> Verdict:
    from drillsim.experiments.montecarlo import summarize

    a = item.spec
    used = values[: decision.n]
    if a.probability is not None:
        cond = parse_condition(a.probability.of)
        x = cond.holds(used, never_is_infinite=kind in TIME_KINDS)
        low, high = wilson_interval(float(x.sum()), len(x), item.confidence)
        estimate = float(x.mean()) if len(x) else math.nan
        method = "SPRT"
    else:
        stats = summarize(used, confidence=item.confidence)
        estimate, low, high = stats.mean, stats.ci_low, stats.ci_high
        method = "sequential t"
    return Verdict(
        index=item.index,
        claim=a.describe(),
        name=a.name,
        verdict=decision.verdict,
        replications=decision.n,
        estimate=estimate,
        ci_low=low,
        ci_high=high,
        confidence=item.confidence,
        method=method,
        of="probability" if a.probability is not None else "mean",
        measure_kind=kind,
    )


def check_assertions(
    path: str | Path,
    *,
    rng: int | np.random.Generator | None = None,
    confidence: float | None = None,
    max_replications: int | None = None,
    batch: int | None = None,
    progress: bool | None = None,
) -> AssertionReport:
    """Check every assertion of a file, running batches of replications until each is decided or the cap.

    ``confidence``, ``max_replications`` and ``batch`` override the file's values (``confidence`` also
    overrides each assertion's own). Replications are shared: one batch serves every undecided assertion.
    """
    if confidence is not None and not 0.0 < confidence < 1.0:
        raise UserError(f"confidence must be between 0 and 1 (exclusive), got {confidence}")
    if max_replications is not None and max_replications < 1:
        raise UserError(f"max_replications must be at least 1, got {max_replications}")
    if batch is not None and batch < 1:
        raise UserError(f"batch must be at least 1, got {batch}")
    started = time.perf_counter()
    spec, doc = load_assertions(path)
    scenario = _load_target(spec, doc, Path(path).resolve().parent)
    available = [*scenario.measures, *standard_measures(scenario)]
    _check_measures(spec, doc, available)
    cap = max_replications if max_replications is not None else spec.max_replications
    size = batch if batch is not None else spec.batch
    size = min(size, cap)
    max_looks = math.ceil(cap / size)
    pending = [
        _Pending(i, a, confidence if confidence is not None else (a.confidence or spec.confidence))
        for i, a in enumerate(spec.assertions)
    ]
    names = sorted({a.measure for a in spec.assertions})
    kinds = measure_kinds(scenario, names)
    seed = root_seed(rng)
    runner = _Runner(scenario, seed)
    columns: dict[str, list[FloatArray]] = {name: [] for name in names}
    looks: list[int] = []
    done = 0
    with progress_bar(progress, f"check {Path(path).name}") as update:
        while done < cap and any(p.decision is None for p in pending):
            n = min(size, cap - done)
            table = runner.run(np.arange(done, done + n, dtype=np.int64))
            done += n
            looks.append(done)
            update(done, cap)
            for name in names:
                columns[name].append(
                    np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)
                )
            for item in pending:
                if item.decision is None:
                    values = np.concatenate(columns[item.spec.measure])
                    decision = _decide(item, values, kinds[item.spec.measure], looks, max_looks)
                    if decision.verdict != "undecided":
                        item.decision = decision
    verdicts = []
    for item in pending:
        values = np.concatenate(columns[item.spec.measure]) if done else np.array([], dtype=np.float64)
        decision = item.decision or Decision("undecided", done)
        verdicts.append(_verdict(item, decision, values, kinds[item.spec.measure]))
    return AssertionReport(
        file=str(path),
        scenario=scenario.name,
        seed=seed,
        replications=done,
        verdicts=verdicts,
        elapsed_s=time.perf_counter() - started,
    )
