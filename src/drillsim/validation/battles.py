"""Public validation battles: published outcomes of real small battles against drillsim's replications.

Each battle is a scenario shipped in ``drillsim/validation/data/battles`` (``wanat-2008-v1``,
``keating-2009-v1``, ``hill-3234-1988-v1``), built only from published facts with the shared catalogue
``core-v1`` and never tuned to its outcome; ``published.yaml`` beside them holds the published outcome of
each, with the source that gives every figure and what was not found.

:func:`run_battle` runs a battle's replications in batches, each until no one has been lost for
:data:`QUIET_S` after the attack (or the scenario's end), and keeps per replication the defenders' killed and
wounded, whether the post was held, and the duration of the fighting (first loss to last loss, either
side: the attackers open fire as soon as they see the post, so the first loss marks the start).
:func:`compare_battle` puts the published figure beside the 5-95 % band of the replications and says, per
measure, whether it lies inside, outside, or at the edge of the band. Each edge is an estimate from a
finite number of replications (the 5th percentile of 100 rests on about five of them), so it carries a
distribution-free 95 % sampling interval (:func:`drillsim.experiments.montecarlo.quantile_interval`); a
figure is *inside* when it overlaps the band wherever in their intervals the edges truly lie, *outside*
when it misses the band wherever they lie, and *at the edge* otherwise (more replications would decide).
A miss is a finding about the models: it is reported, never tuned away.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray

__all__ = [
    "BATTLES",
    "BATTLE_REPLICATIONS",
    "VERDICTS",
    "BattleComparison",
    "BattleRuns",
    "MeasureComparison",
    "PublishedBattle",
    "PublishedFigure",
    "battle_scenario_path",
    "compare_battle",
    "load_published",
    "run_battle",
]

FloatArray = NDArray[np.float64]

BATTLES = ("wanat-2008-v1", "keating-2009-v1", "hill-3234-1988-v1")
"""The public validation battles, in the order they are reported."""
BATTLE_REPLICATIONS = 500
"""Replications of each battle in ``drillsim validate-models``."""
BATCH = 100
"""Replications advanced together (bounds the memory of one batch)."""
QUIET_S = 3600.0
"""A replication's fight is over when no one has been lost for this long after the attack began; a batch
stops when every replication's fight is over (or at the scenario's end)."""
BAND = (5.0, 95.0)
EDGE_CONFIDENCE = 0.95
"""Confidence of the sampling interval of each band edge."""
VERDICTS = ("inside", "at the edge", "outside")
"""The verdicts of a published figure against the band."""
MEASURE_LABELS = {
    "defenders-killed": "defenders killed",
    "defenders-wounded": "defenders wounded",
    "post-held": "post held at the end",
    "duration-h": "duration of the fighting (h)",
}


def _data_dir() -> Any:
    return resources.files("drillsim.validation").joinpath("data", "battles")


def battle_scenario_path(name: str) -> Path:
    """The file of a battle's scenario."""
    if name not in BATTLES:
        raise KeyError(f"unknown battle {name!r}; expected one of {', '.join(BATTLES)}")
    return Path(str(_data_dir().joinpath(f"{name}.yaml")))


@dataclass(frozen=True, slots=True)
class PublishedFigure:
    """One published figure: a value, or a range ``low``-``high``, with its source and what it says."""

    measure: str
    low: float
    high: float
    source: str
    says: str

    @property
    def text(self) -> str:
        if self.low == self.high:
            return "held" if self.measure == "post-held" and self.low == 1 else _number(self.low)
        return f"{_number(self.low)}-{_number(self.high)}"


@dataclass(frozen=True, slots=True)
class PublishedBattle:
    """A battle's published outcome (``published.yaml``)."""

    key: str
    name: str
    side: str
    figures: tuple[PublishedFigure, ...]
    not_found: str


def load_published() -> dict[str, PublishedBattle]:
    """Every battle's published outcome, by scenario name."""
    data = yaml.safe_load(_data_dir().joinpath("published.yaml").read_text(encoding="utf-8"))
    battles: dict[str, PublishedBattle] = {}
    for key, b in data["battles"].items():
        figures = []
        for measure, f in b["measures"].items():
            low = float(f["value"] if "value" in f else f["low"])
            high = float(f["value"] if "value" in f else f["high"])
            figures.append(PublishedFigure(measure, low, high, str(f["source"]), str(f["says"])))
        battles[key] = PublishedBattle(
            key, str(b["name"]), str(b["side"]), tuple(figures), str(b["not_found"])
        )
    return battles


@dataclass(frozen=True, slots=True)
class BattleRuns:
    """Per-replication outcomes of one battle's replications."""

    battle: str
    seed: int
    values: dict[str, FloatArray] = field(compare=False)
    """Measure -> one value per replication: defenders-killed, defenders-wounded, post-held, duration-h."""

    @property
    def replications(self) -> int:
        return len(next(iter(self.values.values())))


def run_battle(
    name: str, *, replications: int = BATTLE_REPLICATIONS, rng: int = 7, batch: int = BATCH
) -> BattleRuns:
    """Run ``replications`` of the battle ``name`` (replication indices 0, 1, ...; seed ``rng``)."""
    from drillsim.engine import Simulation
    from drillsim.scenario import load_scenario

    scenario = load_scenario(battle_scenario_path(name))
    columns: dict[str, list[FloatArray]] = {m: [] for m in MEASURE_LABELS}
    for start in range(0, replications, batch):
        indices = list(range(start, min(start + batch, replications)))
        sim = Simulation(scenario, rng=rng, replications=indices)
        strength = np.array(sim.state.strength, dtype=np.float64)
        attack_ix = sim.world.plan.phase_names.index("attack")
        first_loss = np.full(len(indices), np.nan)
        last_loss = np.full(len(indices), np.nan)
        # A replication is settled when nobody has been lost for QUIET_S after the attack began: its
        # measures are taken then, whatever the rest of its batch still does (results do not depend on
        # the batch a replication ran in).
        settled = np.zeros(len(indices), dtype=bool)
        taken: dict[str, FloatArray] = {m: np.full(len(indices), np.nan) for m in MEASURE_LABELS}
        while not sim.done:
            sim.step()
            now = np.array(sim.state.strength, dtype=np.float64)
            lost = np.any(now < strength - 1e-9, axis=1) & ~settled
            first_loss[lost & np.isnan(first_loss)] = sim.time_s
            last_loss[lost] = sim.time_s
            strength = now
            started = sim.state.phase_start[:, attack_ix]
            since = np.where(np.isnan(last_loss), started, last_loss)
            quiet = ~settled & np.isfinite(started) & (sim.time_s - since >= QUIET_S)
            if quiet.any():
                _take_measures(sim.outcomes().measures, quiet, taken)
                settled |= quiet
                if settled.all():
                    break
        _take_measures(sim.outcomes().measures, ~settled, taken)
        for m in ("defenders-killed", "defenders-wounded", "post-held"):
            columns[m].append(taken[m])
        fought = np.where(np.isnan(last_loss), 0.0, last_loss - first_loss) / 3600.0
        columns["duration-h"].append(np.asarray(fought, dtype=np.float64))
    return BattleRuns(name, rng, {m: np.concatenate(v) for m, v in columns.items()})


@dataclass(frozen=True, slots=True)
class MeasureComparison:
    """A published figure beside drillsim's 5-95 % band, each edge with its sampling interval."""

    measure: str
    published: PublishedFigure
    p05: float
    median: float
    p95: float
    mean: float
    p05_interval: tuple[float, float]
    """The 95 % sampling interval of the 5th percentile (order statistics; -inf: too few replications)."""
    p95_interval: tuple[float, float]
    """The 95 % sampling interval of the 95th percentile (+inf: too few replications)."""
    replications: int

    @property
    def verdict(self) -> str:
        """``inside`` when the published figure (or range) overlaps the band even where both edges lie at the
        inner ends of their sampling intervals, ``outside`` when it misses the band even where they lie at
        the outer ends, ``at the edge`` otherwise."""
        low, high = self.published.low, self.published.high
        if low <= self.p95_interval[0] + 1e-9 and high >= self.p05_interval[1] - 1e-9:
            return "inside"
        if low > self.p95_interval[1] + 1e-9 or high < self.p05_interval[0] - 1e-9:
            return "outside"
        return "at the edge"

    @property
    def inside(self) -> bool:
        """Whether the published figure lies inside the band beyond the sampling error of its edges."""
        return self.verdict == "inside"

    @property
    def outside(self) -> bool:
        """Whether the published figure lies outside the band beyond the sampling error of its edges."""
        return self.verdict == "outside"

    @property
    def label(self) -> str:
        return MEASURE_LABELS.get(self.measure, self.measure)

    @property
    def band_text(self) -> str:
        if self.measure == "post-held":
            return f"held in {100 * self.mean:.0f} % of runs"
        return f"{_number(self.p05)}-{_number(self.p95)} (median {_number(self.median)})"

    @property
    def edges_text(self) -> str:
        """The sampling intervals of the edges; for the post, the exact (Clopper-Pearson) interval of the
        share held, the same binomial test (the 95th percentile is "held" when more than 5 % hold)."""
        if self.measure == "post-held":
            held = round(self.mean * self.replications)
            low, high = _share_interval(held, self.replications)
            return f"share held {100 * low:.0f}-{100 * high:.0f} %"
        return f"5 %: {_interval(self.p05_interval)}; 95 %: {_interval(self.p95_interval)}"


@dataclass(frozen=True, slots=True)
class BattleComparison:
    """A battle's published outcome against its replications."""

    battle: PublishedBattle
    runs: BattleRuns
    measures: tuple[MeasureComparison, ...]

    @property
    def hits(self) -> int:
        """Published figures inside the band (beyond the sampling error of its edges)."""
        return sum(m.inside for m in self.measures)

    @property
    def edges(self) -> int:
        """Published figures at an edge of the band (within the sampling interval of an edge)."""
        return sum(m.verdict == "at the edge" for m in self.measures)

    def sentence(self) -> str:
        """One line: how many published figures lie inside the band, and which lie at its edge or outside."""
        n = len(self.measures)
        text = f"{self.battle.name}: {self.hits} of {n} published figures inside the 5-95 % band"
        for verdict in ("at the edge", "outside"):
            labels = [m.label for m in self.measures if m.verdict == verdict]
            if labels:
                text += f"; {verdict}: {', '.join(labels)}"
        return text


def compare_battle(runs: BattleRuns, published: PublishedBattle | None = None) -> BattleComparison:
    """Each published figure of the battle beside the 5-95 % band of its replications."""
    from drillsim.experiments.montecarlo import quantile_interval

    battle = published if published is not None else load_published()[runs.battle]
    rows = []
    for fig in battle.figures:
        values = runs.values[fig.measure]
        low, high = np.percentile(values, BAND)
        rows.append(
            MeasureComparison(
                measure=fig.measure,
                published=fig,
                p05=float(low),
                median=float(np.median(values)),
                p95=float(high),
                mean=float(values.mean()),
                p05_interval=quantile_interval(values, BAND[0] / 100.0, EDGE_CONFIDENCE),
                p95_interval=quantile_interval(values, BAND[1] / 100.0, EDGE_CONFIDENCE),
                replications=len(values),
            )
        )
    return BattleComparison(battle, runs, tuple(rows))


def _take_measures(measures: Any, rows: NDArray[np.bool_], taken: dict[str, FloatArray]) -> None:
    """Copy the battle's measures of the replications ``rows`` into ``taken``."""
    for m in ("defenders-killed", "defenders-wounded", "post-held"):
        taken[m][rows] = np.asarray(measures[m], dtype=np.float64)[rows]


def _share_interval(successes: int, n: int) -> tuple[float, float]:
    """The exact (Clopper-Pearson) interval of a share at :data:`EDGE_CONFIDENCE`."""
    from scipy.stats import beta  # type: ignore[import-untyped,unused-ignore]

    a = (1.0 - EDGE_CONFIDENCE) / 2.0
    low = float(beta.ppf(a, successes, n - successes + 1)) if successes > 0 else 0.0
    high = float(beta.ppf(1.0 - a, successes + 1, n - successes)) if successes < n else 1.0
    return (low, high)


def _interval(bounds: tuple[float, float]) -> str:
    low, high = bounds
    if not np.isfinite(low):
        return f"up to {_number(high)}"
    if not np.isfinite(high):
        return f"from {_number(low)}"
    return f"{_number(low)}-{_number(high)}"


def _number(x: float) -> str:
    return f"{x:.0f}" if abs(x - round(x)) < 1e-9 or abs(x) >= 10 else f"{x:.1f}"
