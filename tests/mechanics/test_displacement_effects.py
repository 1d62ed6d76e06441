"""A supporting battery's dead band (docs/mechanics/movement.md, "Supporting batteries"): a battery in
action displaces only when the supported point is beyond its reach by a margin, and then bounds far enough
to cover the next stretch, so it packs up a few times over a long advance, not every few hundred metres,
and the supported platoon is never out of its range.

The scenario: ``supported_march`` of ``test_together_effects`` (a platoon marching 10 km east at 1 m/s, a
mortar team of 4 km range beside it supporting it), the mortar team at 2 m/s with emplacement and
displacement times. Movement draws no random numbers: one replication decides.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from effects_kit import Runner
from test_together_effects import DT, supported_march

from drillsim.mechanics.orders.command import DISPLACE_BAND, REAIM_MIN_M

RANGE_M = 4000.0
REACH = 0.5
ADVANCE_M = 10_000.0
START_GAP_M = 500.0
PLATOON_MPS = 1.0
MORTAR_MPS = 2.0
DISPLACE_S = 120.0
EMPLACE_S = 300.0


def emplacing_march() -> dict[str, Any]:
    """The mortar team at 2 m/s, emplacing in 300 s and packing up in 120 s, supporting the platoon."""
    data = supported_march(supports=["blue/platoon"])
    cat = data["catalogue"]
    cat["weapons"]["mortar"] |= {"emplace_s": EMPLACE_S, "displace_s": DISPLACE_S}
    cat["unit_types"]["mortar-team"]["speed_mps"] = {"open": MORTAR_MPS}
    return data


def test_a_supporting_battery_bounds_a_few_times_and_keeps_the_platoon_in_range(runner: Runner) -> None:
    """Over the platoon's 10 km advance the mortar team packs up no more often than the dead band allows,
    the platoon is never beyond the mortar's range, and never beyond its displacement distance for longer
    than the packing up and the catching up take.

    The bound: a standing battery displaces once the platoon is beyond ``(reach + band) R``; it goes to
    ``reach R`` behind the point ``band R`` ahead of the platoon, so on a straight march it halts at most
    ``(reach - band) R`` plus the arrival tolerance behind the platoon, which must then advance at least
    ``2 band R`` less that tolerance before the next march order. The first comes after the platoon has
    opened the gap from 500 m to ``(reach + band) R``."""
    sim = runner.simulation(emplacing_march())
    f = sim.world.forces
    m, p = f.index("blue/mortar"), f.index("blue/platoon")
    s = sim.state
    gaps = []
    steps = int((ADVANCE_M / PLATOON_MPS + 1800.0) / DT)
    for k in range(1, steps + 1):
        outcomes = sim.run(until_s=k * DT)
        gaps.append(math.hypot(s.x[0, m] - s.x[0, p], s.y[0, m] - s.y[0, p]))
    assert outcomes.events is not None
    kinds = outcomes.events["kind"].to_numpy(zero_copy_only=False)
    ordered = int((kinds == "BatteryMarchOrdered").sum())
    displace_m = (REACH + DISPLACE_BAND) * RANGE_M
    first_at_m = displace_m - START_GAP_M
    per_bound_m = 2.0 * DISPLACE_BAND * RANGE_M - REAIM_MIN_M
    bound = 1 + math.floor((ADVANCE_M - first_at_m) / per_bound_m)
    assert 2 <= ordered <= bound
    gap = np.array(gaps)
    assert gap.max() <= RANGE_M
    beyond = gap > displace_m + 1.0
    longest = 0
    run = 0
    for b in beyond:
        run = run + 1 if b else 0
        longest = max(longest, run)
    catch_up_s = DISPLACE_S * PLATOON_MPS / (MORTAR_MPS - PLATOON_MPS)
    assert longest * DT <= DISPLACE_S + catch_up_s + 2 * DT
