"""Casualty states (docs/mechanics/direct-fire.md, "Casualty states"; docs/mechanics/morale.md, "Missing")
move the outcome the documented way, and no element ever loses more people than it has.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from effects_kit import Result, Runner, at, base, eye, rifle
from test_indirect_fire_effects import mission

from drillsim.engine import EventLog, Simulation
from drillsim.mechanics.casualties import EVACUATION_MEAN_S, KILLED_FRACTION

ROOT = Path(__file__).resolve().parents[2]


def assert_never_over_strength(events: pa.Table, sim: Simulation) -> None:
    """On every event, each element's people hit (UnitHit) and gone missing from the ranks
    (CasualtiesMissing, less the wounded among them, already hit) so far add up to no more than its strength
    at the start; at the end, killed + wounded + missing is what it lost."""
    f = sim.world.forces
    start = dict(zip(f.ids, f.strength0.tolist(), strict=True))
    kinds = pc.is_in(events["kind"], pa.array(["UnitHit", "CasualtiesMissing"]))
    losses = events.filter(kinds).select(["replication", "kind", "unit", "count", "value"]).to_pylist()
    assert losses, "no casualties: the run tests nothing"
    so_far: dict[tuple[int, str], float] = {}
    for e in losses:  # the event log is in time order within each replication
        key = (e["replication"], e["unit"])
        new = e["count"] - (e["value"] if e["kind"] == "CasualtiesMissing" else 0.0)
        so_far[key] = so_far.get(key, 0.0) + new
        assert so_far[key] <= start[e["unit"]], f"{key}: {so_far[key]} lost of {start[e['unit']]}"
    s = sim.state
    lost = f.strength0[None, :] - s.strength
    np.testing.assert_allclose(s.killed + s.wounded + s.missing, lost, atol=1e-9)
    assert (s.killed >= 0).all()
    assert (s.wounded >= 0).all()
    assert (s.missing >= 0).all()
    np.testing.assert_allclose(s.evacuated + s.awaiting_evacuation, s.wounded, atol=1e-9)


def salvo(lethal_radius_m: float = 25.0) -> dict[str, Any]:
    """Four batteries each fire one mission on one of three fire teams of four close together, at about
    the same moment: missions land in the same step on the same element."""
    data = mission(lethal_radius_m=lethal_radius_m, dispersion_m=30)
    data["catalogue"]["unit_types"]["platoon"]["personnel"] = 4
    data["units"]["blue/battery"] |= {"count": 4, "spread_m": 200}
    data["units"]["red/platoon"] |= {"count": 3, "spread_m": 40}
    return data


def test_repeated_hits_in_one_step_never_exceed_the_strength(runner: Runner) -> None:
    """Four missions landing together on four people, 200 replications: the hits never add up to more than
    four, on any event, and the killed, wounded and missing add up to the loss."""
    result = runner.run(salvo(), reps=200, until_s=400.0)
    hits = result.select("UnitHit")
    steps = np.floor(hits["time_s"].to_numpy() / 10.0).tolist()  # dt 10 s
    pairs = set(zip(hits["replication"].to_pylist(), hits["unit"].to_pylist(), steps, strict=True))
    assert len(pairs) < hits.num_rows  # some element was hit by two missions in one step: the case in point
    assert_never_over_strength(result.events, result.sim)


def test_an_example_never_loses_more_than_it_has() -> None:
    """The crossing-defence example, a batch of 24 replications: the invariant holds on every event."""
    sim = Simulation(
        str(ROOT / "examples" / "crossing-defence.yaml"),
        rng=7,
        replications=24,
        recorder=EventLog(sample_s=None),
    )
    outcomes = sim.run()
    assert outcomes.events is not None
    assert_never_over_strength(outcomes.events, sim)


def killed_share(result: Result, kind: str) -> tuple[float, float]:
    """Killed over people hit by fire of ``kind`` (UnitHit), and its binomial standard error."""
    hits = result.select("UnitHit", detail=kind)
    n = float(pc.sum(hits["count"]).as_py())
    k = float(pc.sum(hits["value"]).as_py())
    share = k / n
    return share, math.sqrt(share * (1 - share) / n)


def test_bullets_kill_a_larger_share_than_fragments(runner: Runner) -> None:
    """Of those hit, direct fire kills KILLED_FRACTION['direct'] and indirect fire KILLED_FRACTION['indirect']
    (within four binomial standard errors), and the first share is larger."""
    fragments = runner.run(mission(lethal_radius_m=60), reps=200, until_s=400.0)
    bullets = runner.run(riflemen(), reps=40, until_s=1800.0)
    for result, kind in ((bullets, "direct"), (fragments, "indirect")):
        share, se = killed_share(result, kind)
        assert abs(share - KILLED_FRACTION[kind]) < 4 * se, (kind, share, se)
    assert killed_share(bullets, "direct")[0] > killed_share(fragments, "indirect")[0]


def riflemen() -> dict[str, Any]:
    """A blue platoon with rifles firing at a red platoon 300 m away that never fires back."""
    data = base(duration_s=3600.0, dt_s=10.0)
    cat = data["catalogue"]
    cat["sensors"]["sure-eye"] = eye(10.0)
    cat["weapons"]["rifle"] = rifle(0.05)
    stubborn = {"category": "infantry", "echelon": "platoon", "break_losses": 1.0, "break_suppression": 1.0}
    cat["unit_types"]["shooters"] = stubborn | {
        "personnel": 30,
        "weapons": [{"weapon": "rifle", "count": 30}],
        "sensors": [{"sensor": "sure-eye"}],
    }
    cat["unit_types"]["targets"] = stubborn | {"personnel": 100}
    data["units"] = {
        "blue/shooters": {"type": "shooters", "nation": "B", "at": at(0, 0)},
        "red/targets": {"type": "targets", "nation": "R", "at": at(0, 300)},
    }
    return data


def test_wounded_are_evacuated_after_about_an_hour(runner: Runner) -> None:
    """Wounded leave at the rate 1 / EVACUATION_MEAN_S: of those wounded by the salvo at about two minutes,
    the share still waiting an hour later is exp(-1) within four binomial standard errors; the
    CasualtiesEvacuated events add up to the evacuated."""
    result = runner.run(mission(lethal_radius_m=60), reps=200, until_s=120.0 + EVACUATION_MEAN_S + 60.0)
    s = result.sim.state
    red = result.sim.world.forces.index("red/platoon")
    wounded = float(s.wounded[:, red].sum())
    waiting = float(s.awaiting_evacuation[:, red].sum())
    share = waiting / wounded
    expected = math.exp(-(EVACUATION_MEAN_S + 60.0 - 120.0 + 120.0) / EVACUATION_MEAN_S)
    se = math.sqrt(expected * (1 - expected) / wounded)
    assert abs(share - expected) < 4 * se + 0.03, (share, expected)  # + the spread of impact times
    evacuated = result.total("CasualtiesEvacuated", "count", unit="red/platoon")
    np.testing.assert_array_equal(evacuated, s.evacuated[:, red])


def test_measures_split_losses_into_killed_wounded_missing(runner: Runner) -> None:
    """losses measures with casualties: killed, wounded and missing add up to the all-casualties measure."""
    data = mission(lethal_radius_m=60)
    data["measures"] = {
        name: {"kind": "losses", "side": "red"} | ({"casualties": name} if name != "all" else {})
        for name in ("all", "killed", "wounded", "missing")
    }
    result = runner.run(data, reps=50, until_s=400.0)
    total = result.measure("killed") + result.measure("wounded") + result.measure("missing")
    np.testing.assert_allclose(total, result.measure("all"))
    np.testing.assert_allclose(result.measure("all"), result.losses("red"))
    assert result.measure("killed").sum() > 0
    assert result.measure("wounded").sum() > result.measure("killed").sum()
