"""The realism section of the study: how far the answer of a scenario can be trusted, in plain words.

:func:`assess_realism` takes a finished :class:`~drillsim.study.study.StudyResult` and says

1. which mechanics the answer rests on (those the scenario uses) and how each is validated: the checks of
   ``drillsim validate-models`` that bear on it and, for the public validation battles
   (:mod:`drillsim.validation.battles`), how many published figures fell inside drillsim's 5-95 % band;
2. where the scenario's own outcome falls in a reference class: each side's losses per day as a share of its
   strength, placed among the daily casualty rates of CDB90 battles of a similar size;
3. which weakly sourced inputs drive the answer: the influential groups of the Morris screening that are not
   sourced, ranked by influence (influence x low confidence);
4. a verdict with its uncertainty.

The study package sits below validation, so the section is computed here and handed to the study page as
plain data (``StudyResult.realism``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from drillsim.scenario.models import Scenario
from drillsim.study.study import StudyResult
from drillsim.validation import cdb90
from drillsim.validation.battles import BattleComparison

__all__ = ["MechanicEvidence", "Realism", "assess_realism", "scenario_mechanics", "side_strengths"]

CDB90_SIZE_FACTOR = 3.0
"""The reference class: CDB90 battles whose total strength lies within this factor of the scenario's."""
WEAK_INPUTS_SHOWN = 5

_EVIDENCE = {
    "direct fire": (
        "engine-deterministic and engine-stochastic (the engine's aimed fire follows the square law it "
        "implements); cdb90-casualty-rate and cdb90-battle-size (daily losses of generic fire fights against "
        "CDB90); the killed figures of the public battles"
    ),
    "casualty states, morale and close assault": (
        "the public battles only (wounded, post held, duration); the assault probability is fitted to a "
        "published 1944 table of attacks by force ratio, not checked against any battle here"
    ),
    "indirect fire": (
        "lethal areas from published bursting areas (python -m drillsim.validation.lethality); "
        "no battle checks the fire missions"
    ),
    "sensing and the side's picture": "no historical check",
    "air operations and air defence": "no historical check (one sourced hit rate for the heavy machine gun)",
    "movement and transport": "no historical check of march or deployment times",
}


@dataclass(frozen=True, slots=True)
class MechanicEvidence:
    """A mechanic the answer rests on and how it is validated."""

    mechanic: str
    evidence: str
    battle_hits: int | None = None
    battle_figures: int | None = None

    def sentence(self) -> str:
        text = f"{self.mechanic}: {self.evidence}"
        if self.battle_figures:
            text += f" (public battles: {self.battle_hits} of {self.battle_figures} published figures inside)"
        return text


@dataclass(frozen=True, slots=True)
class SideRate:
    """One side's losses per day as a share of its strength, and its place among CDB90 battles."""

    side: str
    strength: float
    lost: float
    days: float
    rate: float
    percentile: float


@dataclass(frozen=True)
class Realism:
    """The realism section: mechanics and their validation, reference classes, weak inputs and a verdict."""

    mechanics: tuple[MechanicEvidence, ...]
    battles: tuple[str, ...]
    reference_class: str
    side_rates: tuple[SideRate, ...]
    weak_inputs: tuple[tuple[str, float, str], ...]
    """(group, share of the summed influence, pedigree) of influential weakly sourced groups, largest
    first."""
    coverage: float
    verdict: str
    uncertainty: str
    notes: tuple[str, ...] = field(default_factory=tuple)
    catalogue_coverage: float = math.nan
    """The sourced share of the catalogue's influence alone."""
    catalogue_share: float = math.nan
    """The catalogue's share of all influence (the rest is the scenario's own numbers)."""

    def lines(self) -> list[str]:
        """The section as plain lines for the terminal."""
        out = ["How realistic is this answer?", "  The answer rests on these mechanics:"]
        out += [f"    - {m.sentence()}" for m in self.mechanics]
        if self.battles:
            out.append("  Public validation battles (published outcome against drillsim's 5-95 % band):")
            out += [f"    - {b}" for b in self.battles]
        out.append(f"  Reference class: {self.reference_class}")
        out += [
            f"    - {r.side}: {r.lost:.0f} of {r.strength:.0f} lost in {r.days:.1f} days = "
            f"{r.rate:.3f} a day, "
            f"{_ordinal(r.percentile)} percentile"
            for r in self.side_rates
        ]
        if self.weak_inputs:
            out.append("  Weakly sourced inputs that drive the answer (influence x low confidence):")
            out += [f"    - {g}: {100 * s:.0f} % of the influence; {p}" for g, s, p in self.weak_inputs]
        out.append(f"  Sourced-influence coverage: {self.coverage_text()}")
        out.append(f"  Verdict: {self.verdict}")
        out.append(f"  Uncertainty: {self.uncertainty}")
        out += [f"  Note: {n}" for n in self.notes]
        return out

    def coverage_text(self) -> str:
        """The coverage of all influence and of the catalogue's influence, and the catalogue's share."""
        if not math.isfinite(self.coverage):
            return "-"
        text = f"{100 * self.coverage:.1f} % of all influence"
        if math.isfinite(self.catalogue_coverage):
            text += f", {100 * self.catalogue_coverage:.1f} % of the catalogue's influence"
        if math.isfinite(self.catalogue_share):
            text += (
                f" (the catalogue carries {100 * self.catalogue_share:.0f} % of all influence, the "
                f"scenario's own numbers the other {100 * (1.0 - self.catalogue_share):.0f} %)"
            )
        return text

    def to_json(self) -> dict[str, Any]:
        """Plain data for the study page and study.json."""
        return {
            "mechanics": [m.sentence() for m in self.mechanics],
            "battles": list(self.battles),
            "reference_class": self.reference_class,
            "side_rates": [
                {
                    "side": r.side,
                    "strength": r.strength,
                    "lost": r.lost,
                    "days": r.days,
                    "rate": f"{r.rate:.3f}",
                    "percentile": _ordinal(r.percentile),
                }
                for r in self.side_rates
            ],
            "weak_inputs": [
                {"group": g, "share": f"{100 * s:.0f} %", "pedigree": p} for g, s, p in self.weak_inputs
            ],
            "coverage": None if not math.isfinite(self.coverage) else round(self.coverage, 4),
            "catalogue_coverage": (
                None if not math.isfinite(self.catalogue_coverage) else round(self.catalogue_coverage, 4)
            ),
            "catalogue_share": (
                None if not math.isfinite(self.catalogue_share) else round(self.catalogue_share, 4)
            ),
            "verdict": self.verdict,
            "uncertainty": self.uncertainty,
            "notes": list(self.notes),
        }


def scenario_mechanics(scenario: Scenario) -> list[str]:
    """The mechanics a scenario uses, read from its units and plan."""
    tasks = {t.task for phase in scenario.plan.phases.values() for t in phase.tasks}
    domains = set()
    for unit in scenario.units.values():
        utype = scenario.catalogue.unit_types.get(unit.type)
        if utype is not None:
            domains.add(utype.domain)
    used = ["direct fire", "casualty states, morale and close assault", "sensing and the side's picture"]
    if "fire-support" in tasks or "strike" in tasks:
        used.append("indirect fire")
    if "air" in domains:
        used.append("air operations and air defence")
    if tasks & {"move", "relieve", "patrol", "reconnoitre", "attack", "raid"}:
        used.append("movement and transport")
    return used


def side_strengths(scenario: Scenario) -> dict[str, float]:
    """Each side's personnel at the start."""
    from drillsim.world import build_world

    forces = build_world(scenario).forces
    strengths: dict[str, float] = {}
    for side, people in zip(forces.side_names, _personnel(forces), strict=True):
        strengths[side] = strengths.get(side, 0.0) + float(people)
    return strengths


def _personnel(forces: Any) -> Any:
    side_of = np.asarray(forces.side)
    names = list(forces.side_names)
    per_side = np.zeros(len(names))
    np.add.at(per_side, side_of, np.asarray(forces.strength0, dtype=np.float64))
    return per_side


def assess_realism(
    result: StudyResult,
    scenario: Scenario,
    *,
    battles: Sequence[BattleComparison] = (),
    duration_s: float | None = None,
) -> Realism:
    """The realism section of ``result`` (the study of ``scenario``), with the public ``battles`` if run."""
    hits = sum(b.hits for b in battles)
    figures = sum(len(b.measures) for b in battles)
    battle_mechanics = {"direct fire": "defenders-killed", "casualty states, morale and close assault": None}
    mechanics = []
    for name in scenario_mechanics(scenario):
        if name in battle_mechanics and battles:
            key = battle_mechanics[name]
            rows = [m for b in battles for m in b.measures if key is None or m.measure == key]
            if key is None:
                rows = [m for m in rows if m.measure != "defenders-killed"]
            mechanics.append(MechanicEvidence(name, _EVIDENCE[name], sum(m.inside for m in rows), len(rows)))
        else:
            mechanics.append(MechanicEvidence(name, _EVIDENCE[name]))
    # Reference class: the scenario's daily loss shares among CDB90 battles of a similar size.
    strengths = side_strengths(scenario)
    total = sum(strengths.values())
    days = (duration_s if duration_s is not None else scenario.time.duration_s) / 86_400.0
    history = [
        b
        for b in cdb90.load_cdb90()
        if b.part_of is None
        and math.isfinite(b.battle_days)
        and total / CDB90_SIZE_FACTOR <= b.total_strength <= total * CDB90_SIZE_FACTOR
        and b.attacker_casualties >= 0
        and b.defender_casualties >= 0
    ]
    pooled = np.array(
        [b.daily_casualty_rate(s) for b in history for s in ("attacker", "defender")], dtype=np.float64
    )
    pooled = pooled[np.isfinite(pooled)]
    rates = []
    for side, strength in strengths.items():
        lost = result.side_losses.get(side, math.nan)
        if strength <= 0 or not math.isfinite(lost) or days <= 0:
            continue
        rate = lost / strength / max(days, 1.0)
        rank = float(100.0 * np.mean(pooled <= rate)) if pooled.size else math.nan
        rates.append(SideRate(side, strength, lost, days, rate, rank))
    reference = (
        f"CDB90 battles of {total / CDB90_SIZE_FACTOR:,.0f} to {total * CDB90_SIZE_FACTOR:,.0f} men in all "
        f"({len(history)} battles, both sides pooled: 5 / 50 / 95 % of daily losses "
        + (" / ".join(f"{q:.3f}" for q in np.percentile(pooled, (5, 50, 95))) if pooled.size else "-")
        + "); a fight shorter than a day counts as one battle day, as in CDB90"
    )
    # Weakly sourced inputs that drive the answer.
    weak: list[tuple[str, float, str]] = []
    coverage = catalogue_coverage = catalogue_share = math.nan
    if result.morris is not None:
        coverage = result.morris.coverage
        catalogue_coverage = result.morris.catalogue_coverage
        catalogue_share = result.morris.catalogue_share
        total_influence = sum(g.influence for g in result.morris.groups) or 1.0
        weak = [
            (g.name, g.influence / total_influence, g.pedigree_text())
            for g in sorted(result.morris.groups, key=lambda g: -g.influence)
            if g.influential and not g.is_sourced
        ][:WEAK_INPUTS_SHOWN]
    edges = sum(b.edges for b in battles)
    verdict, uncertainty = _verdict(hits, figures, rates, coverage, edges=edges)
    notes = []
    if not battles:
        notes.append("the public validation battles were not run (drillsim validate-models runs them)")
    return Realism(
        mechanics=tuple(mechanics),
        battles=tuple(b.sentence() for b in battles),
        reference_class=reference,
        side_rates=tuple(rates),
        weak_inputs=tuple(weak),
        coverage=coverage,
        verdict=verdict,
        uncertainty=uncertainty,
        notes=tuple(notes),
        catalogue_coverage=catalogue_coverage,
        catalogue_share=catalogue_share,
    )


def _verdict(
    hits: int, figures: int, rates: Sequence[SideRate], coverage: float, *, edges: int = 0
) -> tuple[str, str]:
    """A plain verdict and what it is uncertain by."""
    outside = [r.side for r in rates if not 5.0 <= r.percentile <= 95.0]
    battle_share = hits / figures if figures else math.nan
    weakly = math.isfinite(coverage) and coverage < 0.5
    if figures and battle_share < 0.5:
        verdict = (
            "not yet realistic: drillsim reproduces fewer than half of the published outcomes of the public "
            "battles, so its answer for this scenario is a model's opinion, not a forecast"
        )
    elif outside or weakly:
        verdict = (
            "plausible in scale but weakly grounded: read the probabilities as a ranking of what-ifs, not as "
            "odds"
        )
    else:
        verdict = "consistent with the history it was checked against, within the uncertainty below"
    parts = []
    if figures:
        at_edge = f" ({edges} more at its edge, within the sampling error of the band)" if edges else ""
        parts.append(f"{hits} of {figures} published battle figures inside drillsim's 5-95 % band{at_edge}")
    if rates:
        parts.append(
            "daily loss shares at the "
            + ", ".join(f"{_ordinal(r.percentile)} ({r.side})" for r in rates)
            + " percentile of comparable CDB90 battles"
        )
    if math.isfinite(coverage):
        parts.append(
            f"only {100 * coverage:.1f} % of the inputs' summed influence rests on sourced numbers, so "
            "moving "
            "the weak inputs within their plausible range can move the answer by as much as the screening's "
            "largest effects"
        )
    return verdict, "; ".join(parts) if parts else "no evidence was computed"


def _ordinal(p: float) -> str:
    if not math.isfinite(p):
        return "-"
    n = round(p)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
