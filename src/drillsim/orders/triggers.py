"""Trigger evaluation over a batch of replications.

Each trigger node yields, per replication, the time its condition first held plus its delay (+inf while it
has not). Event triggers read the first-occurrence times the engine keeps; condition triggers (losses,
located fraction) remember the step at which they first held. Phases start at their root node's time, so a
phase triggered by "30 minutes after contact" starts exactly then, not at the next step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from drillsim.orders.plan import CompiledPlan, TriggerNode

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass
class Facts:
    """What triggers may look at, per replication (leading axis) and side, element or objective."""

    time_s: float
    phase_start: FloatArray
    """(R, phases) start time, +inf if not started."""
    detected_by_side: FloatArray
    """(R, sides) first time the side detected any enemy."""
    reported_by_side: FloatArray
    lost_by_side: FloatArray
    mission_by_side: FloatArray
    strike_by_side: FloatArray
    detected_at: FloatArray
    """(R, elements) first time the element was detected by an enemy."""
    reported_at: FloatArray
    arrived_at: FloatArray
    destroyed_at: FloatArray
    broke_at: FloatArray
    captured_at: FloatArray
    escaped_at: FloatArray
    objective_at: FloatArray
    """(R, objectives)."""
    strength: FloatArray
    strength0: FloatArray
    side_of: IntArray
    nation_of: IntArray
    located: FloatArray
    """(R, sides, sides) fraction of the second side's live elements that the first side holds as contacts."""


def _first(per_element: FloatArray, mask: NDArray[np.bool_], *, all_of: bool = False) -> FloatArray:
    if not mask.any():
        return np.full(per_element.shape[0], np.inf)
    values = per_element[:, mask]
    return np.asarray(values.max(axis=1) if all_of else values.min(axis=1), dtype=np.float64)


def _side_mask(node: TriggerNode, facts: Facts) -> NDArray[np.bool_]:
    if len(node.elements):
        mask = np.zeros(facts.side_of.shape[0], dtype=bool)
        mask[node.elements] = True
        return mask
    if node.side >= 0:
        return np.asarray(facts.side_of == node.side)
    return np.ones(facts.side_of.shape[0], dtype=bool)


def _by_side(table: FloatArray, side: int) -> FloatArray:
    return table[:, side] if side >= 0 else table.min(axis=1)


def event_time(node: TriggerNode, facts: Facts) -> FloatArray:
    """First time of the event a node names, per replication."""
    kind = node.event
    has_unit = len(node.elements) > 0
    if kind == "contact-detected":
        return (
            _first(facts.detected_at, _side_mask(node, facts))
            if has_unit
            else _by_side(facts.detected_by_side, node.side)
        )
    if kind == "contact-reported":
        return (
            _first(facts.reported_at, _side_mask(node, facts))
            if has_unit
            else _by_side(facts.reported_by_side, node.side)
        )
    if kind == "contact-lost":
        return _by_side(facts.lost_by_side, node.side)
    if kind == "fire-mission-completed":
        return _by_side(facts.mission_by_side, node.side)
    if kind == "strike-completed":
        return _by_side(facts.strike_by_side, node.side)
    if kind == "objective-achieved":
        if node.objective >= 0:
            return facts.objective_at[:, node.objective]
        return (
            facts.objective_at.min(axis=1)
            if facts.objective_at.shape[1]
            else np.full(facts.strength.shape[0], np.inf)
        )
    table = {
        "unit-arrived": facts.arrived_at,
        "unit-destroyed": facts.destroyed_at,
        "unit-broke": facts.broke_at,
        "unit-captured": facts.captured_at,
        "unit-escaped": facts.escaped_at,
    }[kind]
    # A named unit (a group) has arrived or been destroyed when all its elements have; broken, captured or
    # escaped when any has. Without a unit: the first such event on the side.
    all_of = has_unit and kind in ("unit-arrived", "unit-destroyed")
    return _first(table, _side_mask(node, facts), all_of=all_of)


class TriggerState:
    """Per-replication memory of condition triggers (when each first held)."""

    def __init__(self, plan: CompiledPlan, replications: int) -> None:
        self.plan = plan
        self.first_held = np.full((replications, len(plan.nodes)), np.inf)
        self.phase_nodes = np.zeros((len(plan.phase_root), len(plan.nodes)), dtype=bool)
        """(phases, nodes): the nodes a phase's start time is computed from (its root and, through all/any,
        the root's descendants)."""
        for p, root in enumerate(plan.phase_root):
            todo = [root]
            while todo:
                k = todo.pop()
                self.phase_nodes[p, k] = True
                todo.extend(plan.nodes[k].children)

    def evaluate(self, facts: Facts, phases: NDArray[np.bool_] | None = None) -> FloatArray:
        """Fire time of every node, (R, nodes); +inf where it has not fired.

        With ``phases`` (a flag per phase), only the nodes those phases' start times are computed from are
        evaluated; the others stay +inf. Pass the phases some replication has yet to start: a phase started
        everywhere never reads its nodes again, so the condition nodes that only it reads need no memory.
        """
        nodes = self.plan.nodes
        r = facts.strength.shape[0]
        out = np.full((r, len(nodes)), np.inf)
        t = facts.time_s
        needed = (
            np.asarray(self.phase_nodes[phases].any(axis=0))
            if phases is not None
            else np.ones(len(nodes), bool)
        )
        for k, node in enumerate(nodes):
            if not needed[k]:
                continue
            if node.kind == "at":
                held = np.full(r, node.at_s)
            elif node.kind == "after":
                held = facts.phase_start[:, node.phase]
            elif node.kind == "event":
                held = event_time(node, facts)
            elif node.kind == "objective":
                held = facts.objective_at[:, node.objective]
            elif node.kind == "arrived":
                held = _first(facts.arrived_at, _side_mask(node, facts), all_of=True)
            elif node.kind in ("all", "any"):
                child = out[:, list(node.children)]
                held = child.max(axis=1) if node.kind == "all" else child.min(axis=1)
            else:
                now = self._condition(node, facts)
                newly = now & np.isinf(self.first_held[:, k])
                self.first_held[newly, k] = t
                held = self.first_held[:, k]
            out[:, k] = held + node.delay_s
        return out

    @staticmethod
    def _condition(node: TriggerNode, facts: Facts) -> NDArray[np.bool_]:
        if node.kind == "losses":
            if len(node.elements):
                mask = np.zeros(facts.side_of.shape[0], dtype=bool)
                mask[node.elements] = True
            elif node.nation >= 0:
                mask = facts.nation_of == node.nation
            elif node.side >= 0:
                mask = facts.side_of == node.side
            else:
                mask = np.ones(facts.side_of.shape[0], dtype=bool)
            total = facts.strength0[mask].sum()
            if total <= 0:
                return np.zeros(facts.strength.shape[0], dtype=bool)
            lost = 1.0 - facts.strength[:, mask].sum(axis=1) / total
            return np.asarray(lost > node.fraction)
        if node.kind == "located":
            return np.asarray(facts.located[:, node.side, node.of_side] >= node.fraction)
        raise ValueError(f"not a condition trigger: {node.kind}")  # pragma: no cover
