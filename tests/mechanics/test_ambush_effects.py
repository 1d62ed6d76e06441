"""Ambush (docs/mechanics/orders.md, "Ambush"): the party holds its fire until the enemy is in the kill zone,
fires first, with the first volley's surprise, and breaks contact after its time.

The scenario: a red column (5 elements of 10) marches east along y = 0 at 2 m/s; a blue party of 4 lies
400 m north of the road at x = 2000 m, its rifles reaching 600 m, its eyes sure; the kill zone is the road
from x = 1700 m to 2300 m. Red sees too poorly (rate 1e-5/s) to find the hidden party before it fires.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from effects_kit import Runner, at, base, eye, rifle

from drillsim.mechanics.direct_fire.model import AMBUSH_SURPRISE_FACTOR
from drillsim.mechanics.orders.ambush import FIRST_VOLLEY_S

DT = 10.0
ZONE_X = 1700.0


def ambush(**task: Any) -> dict[str, Any]:
    data = base(duration_s=3600.0, dt_s=DT)
    cat = data["catalogue"]
    cat["sensors"]["sure"] = eye(1.0)
    cat["sensors"]["dim"] = eye(0.00001)
    cat["weapons"]["rifle"] = rifle(0.02, max_range_m=600.0)
    cat["unit_types"]["column"] = {
        "category": "motorised",
        "echelon": "team",
        "personnel": 10,
        "speed_mps": {"open": 2.0},
        "weapons": [{"weapon": "rifle", "count": 10}],
        "sensors": [{"sensor": "dim"}],
        "break_losses": 1.0,
        "break_suppression": 1.0,
    }
    cat["unit_types"]["party"] = {
        "category": "infantry",
        "echelon": "squad",
        "personnel": 8,
        "speed_mps": {"open": 2.0},
        "weapons": [{"weapon": "rifle", "count": 8}],
        "sensors": [{"sensor": "sure"}],
        "break_losses": 1.0,
        "break_suppression": 1.0,
    }
    data["units"] = {
        "red/col": {"type": "column", "nation": "R", "at": at(0, 0), "count": 5},
        "blue/party": {"type": "party", "nation": "B", "at": at(2000, 400), "count": 4},
    }
    data["areas"] = {
        "kz": {
            "kind": "engagement",
            "polygon": [at(ZONE_X, -150), at(2300, -150), at(2300, 150), at(ZONE_X, 150)],
        }
    }
    wait = {
        "task": "ambush",
        "units": ["blue/party"],
        "at": at(2000, 400),
        "kill_zone": "kz",
        "withdraw_after_s": 300,
        "withdraw_losses": 0.9,
        "withdraw_to": at(2000, 3000),
    } | task
    march = {"task": "move", "units": ["red/col"], "to": at(4000, 0)}
    data["plan"]["phases"] = {"go": {"trigger": {"at_s": 0}, "tasks": [wait, march]}}
    return data


def _first_hits(result: Any, side_prefix: str) -> np.ndarray:
    t = result.select("UnitHit")
    units = t["unit"].to_pylist()
    keep = np.array([u.startswith(side_prefix) for u in units], dtype=bool)
    out = np.full(result.reps, np.inf)
    rows = np.asarray(t["replication"].to_numpy(), dtype=np.int64)[keep]
    np.minimum.at(out, rows, np.asarray(t["time_s"].to_numpy())[keep])
    return out


def test_the_ambush_holds_fire_until_the_kill_zone(runner: Runner) -> None:
    """Fire is held while red is in range but short of the zone; a defending party fires earlier."""
    reps = 8
    sprung = runner.run(ambush(), reps=reps)
    entry = ZONE_X / 2.0
    red_hit = _first_hits(sprung, "red/")
    assert np.all(sprung.first("AmbushSprung") >= entry - DT)
    assert np.all(red_hit >= sprung.first("AmbushSprung") - 1e-9)
    defend = ambush()
    defend["plan"]["phases"]["go"]["tasks"][0] = {
        "task": "defend",
        "units": ["blue/party"],
        "at": at(2000, 400),
    }
    early = _first_hits(runner.run(defend, reps=reps), "red/")
    # Fire comes in bursts (direct-fire discipline), so the first hit lags the first shot by a few steps:
    # the typical defending party hits before the zone, and every one before the ambush does.
    assert np.median(early) < entry - DT
    assert early.mean() < red_hit.mean()


def test_the_ambush_fires_first(runner: Runner) -> None:
    """Red, seeing too poorly to find the hidden party before it opens fire, takes its first losses before
    it inflicts any."""
    result = runner.run(ambush(), reps=8)
    assert np.all(_first_hits(result, "red/") < _first_hits(result, "blue/"))


def test_a_compromised_ambush_fires_at_once(runner: Runner) -> None:
    """Seen and fired on (suppressed) before the column reaches the kill zone, the party opens fire at once,
    without surprise, instead of waiting under fire.

    The column's weapons reach 800 m, so it can fire on the party from about x = 1,300 m, some 200 s before
    it reaches the zone (600 m rifles give it 70 s, and the error of its picture of the party can use them
    up); the party, whose rifles reach 600 m, still has the column in range before it withdraws."""
    data = ambush()
    data["catalogue"]["sensors"]["dim"] = eye(1.0)
    data["catalogue"]["weapons"]["rifle"] = rifle(0.02, p_suppress=1.0, max_range_m=600.0)
    data["catalogue"]["weapons"]["long_rifle"] = rifle(0.02, p_suppress=1.0, max_range_m=800.0)
    data["catalogue"]["unit_types"]["column"]["weapons"] = [{"weapon": "long_rifle", "count": 10}]
    result = runner.run(data, reps=4)
    entry = ZONE_X / 2.0
    assert np.all(result.first("AmbushSprung", detail="compromised") < entry)
    assert np.all(result.count("AmbushSprung", detail="kill-zone") == 0)
    # The party fires as soon as it is compromised; bursts delay the first hit a few steps in some runs.
    assert np.median(_first_hits(result, "red/")) < entry + DT
    assert np.all(result.sim.state.surprise_until == -np.inf)


def test_the_party_withdraws_after_its_time(runner: Runner) -> None:
    """withdraw_after_s: 300 s after opening fire the party breaks contact and reaches withdraw_to."""
    result = runner.run(ambush(), reps=2)
    t = result.select("UnitArrived")
    north = np.asarray(t["y_m"].to_numpy()) > 2900.0
    back = np.full(2, np.inf)
    np.minimum.at(
        back, np.asarray(t["replication"].to_numpy(), dtype=np.int64)[north], t["time_s"].to_numpy()[north]
    )
    sprung = result.first("AmbushSprung")
    assert np.all(back >= sprung + 300.0 + 2600.0 / 2.0 - 2 * DT)
    assert np.all(np.isfinite(back))


def test_the_first_volley_hurts_more(runner: Runner) -> None:
    """Surprise: against a halted column in the kill zone (expected values, red never firing back), red
    loses AMBUSH_SURPRISE_FACTOR times as much in the first FIRST_VOLLEY_S after the ambush opens fire as
    in the minute after."""
    data = ambush()
    data["units"]["red/col"]["at"] = at(2000, 0)
    data["catalogue"]["unit_types"]["column"]["weapons"] = []
    data["plan"]["phases"]["go"]["tasks"].pop()
    when = float(runner.run(data, reps=1, stochastic=False, until_s=600.0).first("AmbushSprung")[0])

    def red_strength(until_s: float) -> float:
        sim = runner.run(data, reps=1, stochastic=False, until_s=until_s).sim
        return float(sim.state.strength[0, :5].sum())

    # The step that springs the ambush (ending at ``when``) fires too: surprise covers the steps that start
    # before when + FIRST_VOLLEY_S, i.e. from when - DT to when + FIRST_VOLLEY_S.
    start = red_strength(when - DT)
    mid = red_strength(when + FIRST_VOLLEY_S)
    end = red_strength(when + 2 * FIRST_VOLLEY_S)
    volley_per_step = (start - mid) / ((FIRST_VOLLEY_S + DT) / DT)
    after_per_step = (mid - end) / (FIRST_VOLLEY_S / DT)
    assert start == 50.0
    assert after_per_step > 0
    # Blue's strength and red's posture do not change, so the ratio is the factor up to rounding.
    assert abs(volley_per_step / after_per_step - AMBUSH_SURPRISE_FACTOR) <= 1e-6 * AMBUSH_SURPRISE_FACTOR
