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
measure, whether it lies inside. A miss is a finding about the models: it is reported, never tuned away.
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
    "BattleComparison",
    "BattleRuns",
    "MeasureComparison",
    "PublishedBattle",
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
        while not sim.done:
            sim.step()
            now = np.array(sim.state.strength, dtype=np.float64)
            lost = np.any(now < strength - 1e-9, axis=1)
            first_loss[lost & np.isnan(first_loss)] = sim.time_s
            last_loss[lost] = sim.time_s
            strength = now
            started = sim.state.phase_start[:, attack_ix]
            if np.all(np.isfinite(started)):
                since = np.where(np.isnan(last_loss), started, last_loss)
                if np.all(sim.time_s - since >= QUIET_S):
                    break
        measures = sim.outcomes().measures
        columns["defenders-killed"].append(measures["defenders-killed"])
        columns["defenders-wounded"].append(measures["defenders-wounded"])
        columns["post-held"].append(measures["post-held"])
        fought = np.where(np.isnan(last_loss), 0.0, last_loss - first_loss) / 3600.0
        columns["duration-h"].append(np.asarray(fought, dtype=np.float64))
    return BattleRuns(name, rng, {m: np.concatenate(v) for m, v in columns.items()})


@dataclass(frozen=True, slots=True)
class MeasureComparison:
    """A published figure beside drillsim's 5-95 % band."""

    measure: str
    published: PublishedFigure
    p05: float
    median: float
    p95: float
    mean: float

    @property
    def inside(self) -> bool:
        """Whether the published figure (or range) overlaps the 5-95 % band of the replications."""
        return self.published.low <= self.p95 + 1e-9 and self.published.high >= self.p05 - 1e-9

    @property
    def label(self) -> str:
        return MEASURE_LABELS.get(self.measure, self.measure)

    @property
    def band_text(self) -> str:
        if self.measure == "post-held":
            return f"held in {100 * self.mean:.0f} % of runs"
        return f"{_number(self.p05)}-{_number(self.p95)} (median {_number(self.median)})"

    @property
    def verdict(self) -> str:
        return "inside" if self.inside else "outside"


@dataclass(frozen=True, slots=True)
class BattleComparison:
    """A battle's published outcome against its replications."""

    battle: PublishedBattle
    runs: BattleRuns
    measures: tuple[MeasureComparison, ...]

    @property
    def hits(self) -> int:
        return sum(m.inside for m in self.measures)

    def sentence(self) -> str:
        """One line: how many published figures lie inside the band, and which lie outside."""
        misses = [m.label for m in self.measures if not m.inside]
        n = len(self.measures)
        text = f"{self.battle.name}: {self.hits} of {n} published figures inside the 5-95 % band"
        return text + (f"; outside: {', '.join(misses)}" if misses else "")


def compare_battle(runs: BattleRuns, published: PublishedBattle | None = None) -> BattleComparison:
    """Each published figure of the battle beside the 5-95 % band of its replications."""
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
            )
        )
    return BattleComparison(battle, runs, tuple(rows))


def _number(x: float) -> str:
    return f"{x:.0f}" if abs(x - round(x)) < 1e-9 or abs(x) >= 10 else f"{x:.1f}"
