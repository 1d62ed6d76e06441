"""Obstacles (docs/mechanics/obstacles.md): a minefield delays and hurts a column at its per-crossing rate,
engineers open a lane in the breach time, reconnaissance finds a field before the column meets it.

The scenario: a red column of 10 elements (10 people each, 2 m/s in the open) ordered 4 km east through a
blue minefield 100 m deep across its path at x = 1500..1600 m. Statistical bounds are at Z standard errors
of a binomial count, from the variance p (1 - p) per crossing.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from effects_kit import Runner, Z, at, base

from drillsim.mechanics.obstacles.model import breach_time_s, detection_probability, mine_casualties
from drillsim.world.obstacles import obstacle_event_key, obstacle_event_table

DT = 10.0
SPEED = 2.0
EDGE_X = 1500.0
P_ENCOUNTER = 0.3
ELEMENTS = 10


def column(**obstacle: Any) -> dict[str, Any]:
    """The red column and the blue minefield (``obstacle`` overrides its fields)."""
    data = base(duration_s=7200.0, dt_s=DT)
    cat = data["catalogue"]
    cat["unit_types"]["column"] = {
        "category": "motorised",
        "echelon": "team",
        "personnel": 10,
        "speed_mps": {"open": SPEED},
    }
    cat["unit_types"]["sappers"] = {
        "category": "infantry",
        "echelon": "squad",
        "personnel": 8,
        "speed_mps": {"open": SPEED},
        "breaching": 1.0,
    }
    data["units"] = {"red/col": {"type": "column", "nation": "R", "at": at(0, 0), "count": ELEMENTS}}
    data["areas"] = {
        "belt": {
            "kind": "engagement",
            "polygon": [at(EDGE_X, -3000), at(EDGE_X + 100, -3000), at(EDGE_X + 100, 3000), at(EDGE_X, 3000)],
        }
    }
    data["obstacles"] = {
        "mf": {"kind": "minefield", "side": "blue", "area": "belt", "p_encounter": P_ENCOUNTER} | obstacle
    }
    move = {"task": "move", "units": ["red/col"], "to": at(4000, 0)}
    data["plan"]["phases"] = {"go": {"trigger": {"at_s": 0}, "tasks": [move]}}
    data["measures"] = {"mine-losses": {"kind": "obstacle-casualties", "side": "red", "obstacle": "mf"}}
    return data


def test_unknown_minefield_hurts_at_the_per_crossing_rate(runner: Runner) -> None:
    """p_encounter: each element crossing sets off a mine with probability 0.3 (one casualty each)."""
    reps = 200
    result = runner.run(column(), reps=reps)
    crossings = reps * ELEMENTS
    hits = float(result.measure("mine-losses").sum())
    # Each crossing is a Bernoulli(p) draw: the count's standard error is sqrt(n p (1 - p)).
    se = math.sqrt(crossings * P_ENCOUNTER * (1 - P_ENCOUNTER))
    assert abs(hits - crossings * P_ENCOUNTER) <= Z * se
    assert int(result.count("ObstacleEncountered").sum()) > 0
    assert np.array_equal(result.measure("mine-losses"), result.losses("red"))


def test_unknown_minefield_delays_the_column(runner: Runner) -> None:
    """halt_s: where an element set off a mine the column's last element arrives halt_s (300 s) late (the
    others, now knowing the field, force it in force_s, 120 s); where none did, nobody is delayed."""
    free = column()
    free["obstacles"] = {}
    free.pop("measures")
    baseline = float(runner.run(free, reps=1).first("UnitArrived").max())
    result = runner.run(column(), reps=20)
    last = _last_arrivals(result, 20)
    met = result.count("ObstacleEncountered") > 0
    assert abs(baseline - 4000.0 / SPEED) <= 2 * DT
    assert met.any()
    assert np.all(np.abs(last[met] - (baseline + 300.0)) <= 2 * DT)
    assert np.all(np.abs(last[~met] - baseline) <= DT)


def _last_arrivals(result: Any, reps: int) -> np.ndarray:
    t = result.select("UnitArrived")
    rows = np.asarray(t["replication"].to_numpy(), dtype=np.int64)
    out = np.full(reps, -np.inf)
    np.maximum.at(out, rows, t["time_s"].to_numpy())
    return out


def test_a_known_minefield_is_forced_at_the_same_rate_without_halting(runner: Runner) -> None:
    """Known from the start and without engineers, every element forces its way: no encounter, the same
    per-crossing risk."""
    reps = 200
    result = runner.run(column(known_to=["red"]), reps=reps)
    crossings = reps * ELEMENTS
    hits = float(result.measure("mine-losses").sum())
    se = math.sqrt(crossings * P_ENCOUNTER * (1 - P_ENCOUNTER))
    assert abs(hits - crossings * P_ENCOUNTER) <= Z * se
    assert int(result.count("ObstacleEncountered").sum()) == 0
    assert int(result.count("ObstacleBreached", detail="forced").sum()) == crossings


def _with_sappers(data: dict[str, Any], *, breaching: float = 1.0, lead_m: float = 200.0) -> dict[str, Any]:
    data["units"]["red/sappers"] = {"type": "sappers", "nation": "R", "at": at(lead_m, 0)}
    data["catalogue"]["unit_types"]["sappers"]["breaching"] = breaching
    data["plan"]["phases"]["go"]["tasks"][0]["units"].append("red/sappers")
    data["plan"]["phases"]["exploit"] = {
        "trigger": {"event": "obstacle-breached", "obstacle": "mf", "side": "red"},
        "tasks": [],
    }
    return data


def test_engineers_open_a_lane_in_the_breach_time(runner: Runner) -> None:
    """breach_s / b: sappers reaching a known field open a lane 900 s later; the column passes unhurt, and
    the 'obstacle breached' trigger starts its phase then."""
    data = _with_sappers(column(known_to=["red"], breach_s=900.0))
    result = runner.run(data, reps=3)
    reach = (EDGE_X - 200.0) / SPEED
    lane = result.first("ObstacleBreached", detail="lane")
    assert np.all(np.abs(lane - (reach + 900.0)) <= DT)
    assert np.all(result.measure("mine-losses") == 0.0)
    assert np.all(np.abs(result.first("PhaseStarted", detail="exploit") - lane) <= 1e-6)
    assert np.all(_last_arrivals(result, 3) >= lane + (4000.0 - EDGE_X) / SPEED - DT)


def test_better_engineers_breach_faster(runner: Runner) -> None:
    """b = 2 opens the lane in half the time of b = 1."""
    one = runner.run(_with_sappers(column(known_to=["red"], breach_s=900.0)), reps=1)
    two = runner.run(_with_sappers(column(known_to=["red"], breach_s=900.0), breaching=2.0), reps=1)
    reach = (EDGE_X - 200.0) / SPEED
    assert abs(float(one.first("ObstacleBreached", detail="lane")[0]) - (reach + 900.0)) <= DT
    assert abs(float(two.first("ObstacleBreached", detail="lane")[0]) - (reach + 450.0)) <= DT


def test_a_block_on_a_line_only_delays(runner: Runner) -> None:
    """A block along a line stops the column unawares for halt_s and causes no casualties."""
    data = column()
    data["lines"] = {"ditch": {"kind": "boundary", "points": [at(EDGE_X, -3000), at(EDGE_X, 3000)]}}
    data["obstacles"] = {
        "mf": {"kind": "block", "side": "blue", "line": "ditch", "depth_m": 20, "halt_s": 600}
    }
    result = runner.run(data, reps=2)
    assert np.all(result.measure("mine-losses") == 0.0)
    assert np.all(result.count("ObstacleEncountered") >= 1)
    assert np.all(_last_arrivals(result, 2) >= 4000.0 / SPEED + 120.0 - DT)


def test_reconnaissance_finds_the_field_before_the_column(runner: Runner) -> None:
    """A reconnaissance team posted 200 m short of the field finds it (rate 1/s within 300 m), so the column
    knows it and forces it: nobody meets it unawares."""
    data = column(detect_rate_per_s=1.0, detect_range_m=300.0)
    data["catalogue"]["unit_types"]["scouts"] = {
        "category": "reconnaissance",
        "echelon": "team",
        "personnel": 4,
        "speed_mps": {"open": SPEED},
    }
    data["units"]["red/scouts"] = {"type": "scouts", "nation": "R", "at": at(EDGE_X - 200, 500)}
    result = runner.run(data, reps=5)
    assert np.all(result.count("ObstacleDetected", detail="reconnaissance") == 1)
    assert int(result.count("ObstacleEncountered").sum()) == 0


# --- the pure formulas -----------------------------------------------------------------------------------


def test_model_formulas() -> None:
    """breach time = breach_s / b; a hit costs min(c, strength); detection 1 - exp(-rate dt)."""
    assert float(breach_time_s(900.0, 2.0)) == 450.0
    assert np.array_equal(mine_casualties([True, False, True], 2.0, [5.0, 5.0, 1.0]), [2.0, 0.0, 1.0])
    assert np.isclose(float(detection_probability(0.01, 10.0)), 1 - math.exp(-0.1))


def test_obstacle_trigger_keys_read_the_right_first_times() -> None:
    """Obstacle trigger events are keyed events: each (side, obstacle) key, with "any" for either, reads
    the first time over exactly the sides and obstacles it names."""
    first = np.full((1, 2, 3), np.inf)
    first[0, 0, 2] = 50.0  # side 0 at obstacle 2
    first[0, 1, 0] = 20.0  # side 1 at obstacle 0
    table = obstacle_event_table(first)

    def at(side: int, obstacle: int) -> float:
        return float(table[0, obstacle_event_key(side, obstacle, 2, 3)])

    assert at(0, 2) == 50.0
    assert at(0, 0) == np.inf
    assert at(0, -1) == 50.0
    assert at(-1, 0) == 20.0
    assert at(-1, 1) == np.inf
    assert at(-1, -1) == 20.0
    assert table.min() == 20.0  # a key of -1 (the kernel's "any") reads the same as any side, any obstacle
