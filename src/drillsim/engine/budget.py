"""Resource pre-flight: what a run will cost, estimated from the scenario before anything is allocated.

Memory: elements x replications x state columns x 8 bytes, plus each element's route buffer. Steps:
duration / time step, times replications. A run above the memory budget (default: the memory available
now, from /proc/meminfo) or above :data:`MAX_REPLICATION_STEPS` is refused with a
:class:`~drillsim.core.errors.UserError` that gives the estimate, unless forced.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from drillsim.core.errors import UserError
from drillsim.state.batch import BatchState

if TYPE_CHECKING:
    from drillsim.scenario.files import DeclaredSize
    from drillsim.scenario.models import Scenario

__all__ = [
    "MAX_REPLICATION_STEPS",
    "Estimate",
    "available_memory",
    "check_budget",
    "check_declared_memory",
    "estimate",
    "parse_bytes",
]

MAX_REPLICATION_STEPS = 1e8
"""Replications x steps above this are refused unless forced (about an hour of engine time or more)."""
STATE_COLUMNS = len(dataclasses.fields(BatchState))
"""Per-element state arrays, each 8 bytes per element and replication (an upper bound per column)."""
ROUTE_POINTS = 64
"""Route buffer points per element assumed by the estimate (x and y, 8 bytes each)."""


@dataclass(frozen=True)
class Estimate:
    """What a run of ``replications`` replications of a scenario will cost."""

    elements: float
    replications: int
    steps: float
    bytes: float

    @property
    def replication_steps(self) -> float:
        return self.replications * self.steps


def estimate(scenario: Scenario, replications: int, *, until_s: float | None = None) -> Estimate:
    """The cost of running ``replications`` replications of ``scenario`` at once (in one batch), each
    stopped at ``until_s`` if given (default: the scenario's duration)."""
    elements = float(sum(float(unit.count) for unit in scenario.units.values()))
    duration = float(scenario.time.duration_s)
    if until_s is not None:
        duration = min(duration, float(until_s))
    steps = math.ceil(duration / float(scenario.time.dt_s))
    return Estimate(elements, replications, float(steps), _bytes(elements, replications))


def _bytes(elements: float, replications: int) -> float:
    return elements * replications * (STATE_COLUMNS * 8 + ROUTE_POINTS * 2 * 8)


def available_memory() -> float | None:
    """Bytes of memory available now (``MemAvailable`` of /proc/meminfo), or None where unknown."""
    try:
        text = Path("/proc/meminfo").read_text(encoding="ascii")
    except OSError:
        return None
    match = re.search(r"^MemAvailable:\s+(\d+)\s+kB", text, flags=re.M)
    return float(match.group(1)) * 1024 if match else None


_UNITS = {"": 1, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12, "ki": 1024, "mi": 1024**2, "gi": 1024**3}


def parse_bytes(text: str) -> float:
    """``"4G"``, ``"512M"``, ``"2GiB"`` or a plain number of bytes, as bytes."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?)\s*([kmgt]i?)?b?\s*", text.lower())
    if not match:
        raise UserError(
            f"option '--memory-budget': cannot read {text!r}; expected a size such as 4G, 512M or 2GiB."
        )
    return float(match.group(1)) * _UNITS[match.group(2) or ""]


def check_declared_memory(
    size: DeclaredSize,
    *,
    replications: int,
    concurrent: int | None = None,
    memory_budget: float | None = None,
) -> None:
    """Refuse, as :func:`check_budget` would, a run whose declared elements (read from the file, before the
    scenario is validated) cannot fit in memory; a run that may fit is left to :func:`check_budget`."""
    at_once = Estimate(size.elements, replications, 0.0, _bytes(size.elements, replications))
    _check_memory(at_once, f"scenario '{size.name}'", concurrent, memory_budget, design_points=False)


def _check_memory(
    at_once: Estimate, label: str, concurrent: int | None, memory_budget: float | None, *, design_points: bool
) -> None:
    need = at_once.bytes * (concurrent or 1)
    budget = memory_budget if memory_budget is not None else available_memory()
    if budget is not None and need > budget:
        raise UserError(
            f"{label} needs about {_size(need)} of memory ({at_once.elements:,.0f} elements"
            f"{' in its largest design point' if design_points else ''} x {at_once.replications:,} "
            f"replications x {STATE_COLUMNS} state columns x 8 bytes, plus route buffers"
            f"{', times ' + str(concurrent) + ' workers' if concurrent else ''}), above the budget of "
            f"{_size(budget)}; run fewer replications at once (-n in run; --batch and --workers in mc and "
            "experiment), fewer elements, or raise --memory-budget."
        )


def _size(n: float) -> str:
    return f"{n / 1e9:,.1f} GB" if n >= 1e8 else f"{n / 1e6:,.1f} MB"


def check_budget(
    scenario: Scenario | Sequence[Scenario],
    *,
    replications: int,
    concurrent: int | None = None,
    total: int | None = None,
    memory_budget: float | None = None,
    force: bool = False,
    until_s: float | None = None,
    name: str | None = None,
) -> Estimate:
    """Refuse a run that will not fit, before anything is allocated; returns the estimate.

    ``scenario`` is one scenario, or the scenarios of an experiment's design points (each run ``total``
    times). ``replications`` run at once in one process (a batch), ``concurrent`` such batches at the
    same time (workers; default 1); ``total`` replications in all of each scenario (default
    ``replications``) count for the steps, each stopped at ``until_s`` if given. ``memory_budget``
    defaults to the memory available now. ``force`` lifts the step limit only. ``name`` names the run in
    messages (default: the scenario's name).
    """
    points = list(scenario) if isinstance(scenario, Sequence) else [scenario]
    if not points:
        raise ValueError("check_budget needs at least one scenario")
    estimates = [estimate(point, replications, until_s=until_s) for point in points]
    at_once = max(estimates, key=lambda e: e.bytes)
    several = len(points) > 1
    label = name or f"scenario '{points[0].name}'"
    _check_memory(at_once, label, concurrent, memory_budget, design_points=several)
    runs = total or replications
    work = sum(e.steps for e in estimates) * runs
    if work > MAX_REPLICATION_STEPS and not force:
        steps = max(e.steps for e in estimates)
        dt_s = float(points[0].time.dt_s)
        over = f"{len(points):,} design points x " if several else ""
        raise UserError(
            f"{label} asks for {work:,.0f} replication-steps ({over}{runs:,} replications x "
            f"{'up to ' if several else ''}{steps:,.0f} steps of {dt_s:g} s), above the limit of "
            f"{MAX_REPLICATION_STEPS:,.0f}; use a longer time step or shorter duration, or give --force to "
            "run it anyway."
        )
    return at_once
