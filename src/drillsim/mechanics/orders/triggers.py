"""Trigger evaluation over a batch of replications.

Each trigger node yields, per replication, the time its condition first held plus its delay (+inf while it
has not). Event triggers read the first-occurrence times the engine keeps; condition triggers (losses,
located fraction) remember the step at which they first held. Phases start at their root node's time, so a
phase triggered by "30 minutes after contact" starts exactly then, not at the next step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from drillsim.core.compiled import jit
from drillsim.world.plan import CompiledPlan, TriggerNode

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
    landed_at: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """(R, elements) when the element's airlift sortie lands (+inf: never; may lie ahead)."""
    dismounted_at: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """(R, elements) when the element first dismounted from its carriers (+inf: not yet)."""
    keyed: dict[str, FloatArray] = field(default_factory=dict)
    """First times of keyed events, by event kind: (R, things) for ``position-lost``, ``position-retaken``
    (things: the scenario's positions, in order), ``obstacle-encountered`` and ``obstacle-breached``
    (things: (side, obstacle) pairs with "any" of each, see
    :func:`drillsim.world.obstacles.obstacle_event_table`). See :data:`KEYED_EVENTS`."""


# How the compiled evaluation reads a node (see _NodeTable).
_AT, _AFTER, _ELEMENT_EVENT, _SIDE_EVENT, _OBJECTIVE, _ANY_OBJECTIVE, _ALL, _ANY, _CONDITION, _KEYED = range(
    10
)

KEYED_EVENTS: tuple[str, ...] = (
    "position-lost",
    "position-retaken",
    "obstacle-encountered",
    "obstacle-breached",
)
"""Event kinds about a numbered thing of the scenario (a position; a side and an obstacle), each read from a
(R, things) table of first times in :attr:`Facts.keyed`; a trigger names one thing (``TriggerNode.key``)
or any (-1).

The one mechanism for "the first time this thing happened" events of other mechanics: to add one, add the
kind to the scenario language's ``EventKind`` and here, compile the trigger's key into
``TriggerNode.key`` (:mod:`drillsim.world.plan`), and put the (R, things) first times into ``Facts.keyed``
where the engine builds the facts (:func:`drillsim.mechanics.orders.command.facts_of`)."""

_ELEMENT_TABLES = (
    "detected_at",
    "reported_at",
    "arrived_at",
    "destroyed_at",
    "broke_at",
    "captured_at",
    "escaped_at",
    "landed_at",
    "dismounted_at",
)
"""The per-element first-occurrence tables of :class:`Facts`, in the order element events index them."""
_SIDE_TABLES = ("detected_by_side", "reported_by_side", "lost_by_side", "mission_by_side", "strike_by_side")
"""The per-side tables of :class:`Facts`, in the order side events index them."""
_ELEMENT_EVENT_TABLE = {
    "contact-detected": "detected_at",
    "contact-reported": "reported_at",
    "unit-arrived": "arrived_at",
    "unit-destroyed": "destroyed_at",
    "unit-broke": "broke_at",
    "unit-captured": "captured_at",
    "unit-escaped": "escaped_at",
    "unit-landed": "landed_at",
    "unit-dismounted": "dismounted_at",
}
_ALL_ELEMENTS_EVENTS = ("unit-arrived", "unit-destroyed", "unit-landed", "unit-dismounted")
"""Element events that hold for a named unit once all its elements have had them (the others: any one)."""
_SIDE_EVENT_TABLE = {
    "contact-detected": "detected_by_side",
    "contact-reported": "reported_by_side",
    "contact-lost": "lost_by_side",
    "fire-mission-completed": "mission_by_side",
    "strike-completed": "strike_by_side",
}


class _NodeTable(NamedTuple):
    """The trigger nodes as flat arrays, one entry per node, for :func:`_fire_times`: how it is read
    (``code``), its delay and time (``at_s``), the phase, objective or table it reads (``ref``), its side
    (for a keyed event: the thing it names),
    whether it waits for all its elements (``all_of``), and its elements and children (CSR: node k's are
    ``elements[element_start[k]:element_start[k + 1]]``)."""

    code: IntArray
    delay_s: FloatArray
    at_s: FloatArray
    ref: IntArray
    side: IntArray
    all_of: NDArray[np.bool_]
    element_start: IntArray
    elements: IntArray
    child_start: IntArray
    children: IntArray

    @classmethod
    def build(cls, nodes: tuple[TriggerNode, ...]) -> _NodeTable:
        code, ref = zip(*(_node_code(node) for node in nodes), strict=True) if nodes else ((), ())
        all_of = [
            n.kind == "arrived" or (len(n.elements) > 0 and n.event in _ALL_ELEMENTS_EVENTS) for n in nodes
        ]
        return cls(
            code=np.array(code, dtype=np.int64),
            delay_s=np.array([n.delay_s for n in nodes], dtype=np.float64),
            at_s=np.array([n.at_s for n in nodes], dtype=np.float64),
            ref=np.array(ref, dtype=np.int64),
            side=np.array([n.key if n.event in KEYED_EVENTS else n.side for n in nodes], dtype=np.int64),
            all_of=np.array(all_of, dtype=bool),
            element_start=np.cumsum([0] + [len(n.elements) for n in nodes]).astype(np.int64),
            elements=np.concatenate(
                [np.zeros(0, np.int64)] + [np.asarray(n.elements, np.int64) for n in nodes]
            ),
            child_start=np.cumsum([0] + [len(n.children) for n in nodes]).astype(np.int64),
            children=np.array([c for n in nodes for c in n.children], dtype=np.int64),
        )


def _node_code(node: TriggerNode) -> tuple[int, int]:
    """How :func:`_fire_times` reads a node, and the phase, objective or table it reads (-1 for none)."""
    has_unit = len(node.elements) > 0
    if node.kind == "at":
        return _AT, -1
    if node.kind == "after":
        return _AFTER, node.phase
    if node.kind == "objective":
        return _OBJECTIVE, node.objective
    if node.kind == "arrived":
        return _ELEMENT_EVENT, _ELEMENT_TABLES.index("arrived_at")
    if node.kind in ("all", "any"):
        return (_ALL if node.kind == "all" else _ANY), -1
    if node.kind != "event":
        return _CONDITION, -1
    if node.event in KEYED_EVENTS:
        return _KEYED, KEYED_EVENTS.index(node.event)
    if node.event == "objective-achieved":
        return (_OBJECTIVE if node.objective >= 0 else _ANY_OBJECTIVE), node.objective
    if node.event in _SIDE_EVENT_TABLE and not (has_unit and node.event in _ELEMENT_EVENT_TABLE):
        return _SIDE_EVENT, _SIDE_TABLES.index(_SIDE_EVENT_TABLE[node.event])
    return _ELEMENT_EVENT, _ELEMENT_TABLES.index(_ELEMENT_EVENT_TABLE[node.event])


class TriggerState:
    """Per-replication memory of condition triggers (when each first held)."""

    def __init__(self, plan: CompiledPlan, replications: int) -> None:
        self.plan = plan
        self.first_held = np.full((replications, len(plan.nodes)), np.inf)
        self.phase_nodes = np.zeros((len(plan.phase_root), len(plan.nodes)), dtype=bool)
        """(phases, nodes): the nodes a phase's start time is computed from (its root, its ``unless`` root
        and, through all/any, their descendants)."""
        for p, root in enumerate(plan.phase_root):
            todo = [root]
            if plan.phase_unless and plan.phase_unless[p] >= 0:
                todo.append(plan.phase_unless[p])
            while todo:
                k = todo.pop()
                self.phase_nodes[p, k] = True
                todo.extend(plan.nodes[k].children)
        self.table = _NodeTable.build(plan.nodes)
        self.conditions = [k for k in range(len(plan.nodes)) if self.table.code[k] == _CONDITION]
        self._needed: dict[bytes, NDArray[np.bool_]] = {}
        """The nodes to evaluate, by the flags of the phases asked for (few patterns occur in a run)."""

    def evaluate(self, facts: Facts, phases: NDArray[np.bool_] | None = None) -> FloatArray:
        """Fire time of every node, (R, nodes); +inf where it has not fired.

        With ``phases`` (a flag per phase), only the nodes those phases' start times are computed from are
        evaluated; the others stay +inf. Pass the phases some replication has yet to start: a phase started
        everywhere never reads its nodes again, so the condition nodes that only it reads need no memory.
        """
        nodes = self.plan.nodes
        if phases is None:
            needed = np.ones(len(nodes), bool)
        else:
            key = np.asarray(phases, dtype=bool).tobytes()
            needed = self._needed.get(key)  # type: ignore[assignment]
            if needed is None:
                needed = self._needed[key] = np.asarray(self.phase_nodes[phases].any(axis=0))
        # Condition nodes remember when they first held (where they have not yet: a replication that has
        # them held already keeps its time, so the condition is not even computed when none is left).
        for k in self.conditions:
            if needed[k] and np.isinf(self.first_held[:, k]).any():
                now = self._condition(nodes[k], facts)
                newly = now & np.isinf(self.first_held[:, k])
                self.first_held[newly, k] = facts.time_s
        t = self.table
        return np.asarray(
            _fire_times(
                t,
                needed,
                facts.phase_start,
                facts.objective_at,
                tuple(
                    np.ascontiguousarray(getattr(facts, name), dtype=np.float64) for name in _ELEMENT_TABLES
                ),
                tuple(np.ascontiguousarray(getattr(facts, name), dtype=np.float64) for name in _SIDE_TABLES),
                tuple(
                    np.ascontiguousarray(
                        facts.keyed.get(kind, np.full((facts.phase_start.shape[0], 0), np.inf)),
                        dtype=np.float64,
                    )
                    for kind in KEYED_EVENTS
                ),
                self.first_held,
                np.asarray(facts.side_of, dtype=np.int64),
            )
        )

    @staticmethod
    def _condition(node: TriggerNode, facts: Facts) -> NDArray[np.bool_]:
        if node.kind == "losses":
            if node.selected:
                mask = np.zeros(facts.side_of.shape[0], dtype=bool)
                mask[node.elements] = True
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


@jit
def _fire_times(  # noqa: C901
    nodes: _NodeTable,
    needed: NDArray[np.bool_],
    phase_start: FloatArray,
    objective_at: FloatArray,
    element_tables: tuple[FloatArray, ...],
    side_tables: tuple[FloatArray, ...],
    keyed_tables: tuple[FloatArray, ...],
    first_held: FloatArray,
    side_of: IntArray,
) -> FloatArray:
    """Fire time of each needed node (see :class:`_NodeTable`), nodes in order, +inf for the others, by the
    all/any, at, after, event, objective and condition rules. An element event reads its elements' first
    times (the first of them, or the last with ``all_of``: a named unit has arrived or been destroyed when
    all its elements have, broken, captured or escaped when any has), or those of its side's elements, or
    of every element; +inf when there are none. A side event reads its side's time, or the first of any
    side's; a keyed event its thing's time, or the first of any thing's."""
    code, delay_s, at_s, ref, side, all_of, element_start, elements, child_start, children = nodes
    r_n = phase_start.shape[0]
    m = len(code)
    out = np.full((r_n, m), np.inf)
    for k in range(m):
        if not needed[k]:
            continue
        c = code[k]
        e0, e1 = element_start[k], element_start[k + 1]
        for r in range(r_n):
            held = np.inf
            if c == _AT:
                held = at_s[k]
            elif c == _AFTER:
                held = phase_start[r, ref[k]]
            elif c == _OBJECTIVE:
                held = objective_at[r, ref[k]]
            elif c == _ANY_OBJECTIVE:
                for j in range(objective_at.shape[1]):
                    held = min(held, objective_at[r, j])
            elif c == _SIDE_EVENT:
                table = side_tables[ref[k]]
                if side[k] >= 0:
                    held = table[r, side[k]]
                else:
                    for j in range(table.shape[1]):
                        held = min(held, table[r, j])
            elif c == _KEYED:
                table = keyed_tables[ref[k]]
                if side[k] >= 0:
                    held = table[r, side[k]]
                else:
                    for j in range(table.shape[1]):
                        held = min(held, table[r, j])
            elif c == _ELEMENT_EVENT:
                table = element_tables[ref[k]]
                found = False
                best = -np.inf if all_of[k] else np.inf
                if e1 > e0:
                    for i in range(e0, e1):
                        v = table[r, elements[i]]
                        best = max(best, v) if all_of[k] else min(best, v)
                    found = True
                else:
                    for e in range(table.shape[1]):
                        if side[k] < 0 or side_of[e] == side[k]:
                            v = table[r, e]
                            best = max(best, v) if all_of[k] else min(best, v)
                            found = True
                if found:
                    held = best
            elif c in (_ALL, _ANY):
                held = -np.inf if c == _ALL else np.inf
                for i in range(child_start[k], child_start[k + 1]):
                    v = out[r, children[i]]
                    held = max(held, v) if c == _ALL else min(held, v)
            else:
                held = first_held[r, k]
            out[r, k] = held + delay_s[k]
    return out
