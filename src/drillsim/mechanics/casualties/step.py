"""Casualty states: who of those hit is killed, who is wounded (and later evacuated), who goes missing.

Every hit, whatever the weapon (direct fire, indirect fire, air), goes through :func:`split_hits`: of the
``n`` people an element loses in one step, ``Binomial(n, k_w)`` are killed and the rest wounded, where
``k_w`` is the killed fraction of the kind of fire (:data:`KILLED_FRACTION`). The wounded leave the fight
at once and wait for evacuation; each is evacuated with the hazard ``1 / EVACUATION_MEAN_S``
(:func:`evacuate_wounded`). People go missing (:func:`declare_missing`) when the morale mechanic says so:
an element overrun or routed, or wounded left behind by an element that is destroyed or overrun. The
three states are exclusive: killed + wounded + missing is what the element lost. See
docs/mechanics/casualties.md.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from drillsim.core.random import binomial_inverse
from drillsim.events.types import CasualtiesEvacuated, CasualtiesMissing
from drillsim.state.batch import ACTIVE
from drillsim.state.context import StepContext

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

KILLED_FRACTION: dict[str, float] = {"direct": 0.25, "indirect": 0.12, "air": 0.12, "mine": 0.12}
"""Fraction of the people hit who are killed outright, by kind of fire: bullets (direct fire) and
fragments and blast (indirect fire, air-delivered munitions). From the Vietnam casualty data: bullets
caused 30 % of US casualties (WDMET, in Emergency War Surgery, 3rd US revision, 2004) but about half of
the combat deaths, fragments the rest; with a case fatality rate of about 15 % (Holcomb et al. 2006) this
gives about 0.25 for bullets and 0.12 for fragments. Mines take the fragments' fraction (an assumption: a
mine wounds by blast and fragments as a shell does). Confidence low (see the docs page)."""

EVACUATION_MEAN_S = 3600.0
"""Mean time from wound to evacuation out of the unit (assumption: the one-hour evacuation standard,
taken as the mean of an exponential delay)."""


def split_hits(
    ctx: StepContext,
    rows: IntArray,
    elems: IntArray,
    lost: FloatArray,
    *,
    kind: str,
    u: FloatArray,
    killed_fraction: FloatArray | None = None,
) -> FloatArray:
    """Record ``lost`` people hit at each (row, element) by fire of ``kind``; returns the killed among them.

    Stochastic: killed are ``Binomial(lost, k)`` drawn from the uniforms ``u`` (one per hit, keyed like
    the hit itself); deterministic mode: ``k * lost``. ``k`` is the kind's :data:`KILLED_FRACTION`, or
    ``killed_fraction`` per hit (direct fire mixing bullets and a warhead's fragments). The rest are
    wounded and wait for evacuation."""
    s = ctx.state
    k = KILLED_FRACTION[kind] if killed_fraction is None else killed_fraction
    killed = binomial_inverse(u, lost, k) if ctx.stochastic else lost * k
    wounded = lost - killed
    np.add.at(s.killed, (rows, elems), killed)
    np.add.at(s.wounded, (rows, elems), wounded)
    np.add.at(s.awaiting_evacuation, (rows, elems), wounded)
    return np.asarray(killed, dtype=np.float64)


def declare_missing(
    ctx: StepContext,
    rows: IntArray,
    elems: IntArray,
    *,
    fighting: FloatArray,
    reason: str,
    time_s: float,
) -> None:
    """``fighting`` people still in the ranks of each (row, element) go missing, and so do its wounded not
    yet evacuated (they are left behind); records ``CasualtiesMissing`` with ``reason``. The caller takes
    the fighting people out of the element's strength."""
    s = ctx.state
    if not len(rows):
        return
    left = s.awaiting_evacuation[rows, elems]
    s.awaiting_evacuation[rows, elems] = 0.0
    s.wounded[rows, elems] -= left
    gone = fighting + left
    s.missing[rows, elems] += gone
    some = gone > 0
    if some.any():
        ctx.emit(
            CasualtiesMissing,
            rows[some],
            time_s,
            unit=ctx.ids[elems[some]],
            casualties=np.rint(gone[some]).astype(np.int64),
            reason=reason,
            wounded=left[some],
        )


def evacuate_wounded(ctx: StepContext) -> None:
    """Evacuate, for one step, the wounded waiting at elements still in action: each with probability
    ``1 - exp(-dt / EVACUATION_MEAN_S)`` (stochastic, a binomial per element; deterministic mode: the
    expected number). Records ``CasualtiesEvacuated``."""
    s = ctx.state
    waiting = (s.awaiting_evacuation > 0) & (s.status == ACTIVE)
    if not waiting.any():
        return
    rows, elems = np.nonzero(waiting)
    n = s.awaiting_evacuation[rows, elems]
    p = -np.expm1(-ctx.dt / EVACUATION_MEAN_S)
    gone = (
        binomial_inverse(ctx.uniform("casualties/evacuation", rows, ctx.key(elems)), n, p)
        if ctx.stochastic
        else n * p
    )
    moved = gone > 0
    if not moved.any():
        return
    rows, elems, gone = rows[moved], elems[moved], gone[moved]
    s.awaiting_evacuation[rows, elems] -= gone
    s.evacuated[rows, elems] += gone
    ctx.emit(
        CasualtiesEvacuated,
        rows,
        ctx.t1,
        unit=ctx.ids[elems],
        casualties=np.rint(gone).astype(np.int64),
    )
