"""The sensor-to-shooter chain: calls for fire, air strikes, and targeting that reads only the picture."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from drillsim.engine import EventLog, run
from drillsim.scenario import Scenario
from synthetic_scenarios import at, base_scenario, lanchester_scenario

CHAIN_KINDS = (
    "FireMissionRequested",
    "FireMissionRefused",
    "RoundsFired",
    "RoundsImpacted",
    "FireMissionCompleted",
)
FIRED = ("FireMissionRequested", "RoundsFired", "RoundsImpacted", "FireMissionCompleted")
ADJUSTED = (
    "FireMissionRequested",
    "RoundsFired",
    "RoundsImpacted",
    "RoundsFired",
    "RoundsImpacted",
    "FireMissionCompleted",
)
"""Adjusting rounds fired and landed, then fire for effect fired and landed."""
REFUSED = ("FireMissionRequested", "FireMissionRefused")


def _missions(events: pa.Table) -> dict[tuple[int, int], list[dict[str, Any]]]:
    """Each (replication, mission id)'s call-for-fire events, in log order."""
    rows = events.filter(pc.is_in(events["kind"], value_set=pa.array(CHAIN_KINDS))).to_pylist()
    out: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        out[(row["replication"], int(row["value"]))].append(row)
    return out


def _kinds(events: pa.Table) -> list[str]:
    return list(events["kind"].to_pylist())


def test_example_calls_for_fire(example_events: pa.Table) -> None:
    """The example exercises the chain: missions are requested, fired and completed."""
    chains = [tuple(e["kind"] for e in chain) for chain in _missions(example_events).values()]
    assert chains.count(FIRED) + chains.count(ADJUSTED) >= 10


def test_every_fire_mission_request_is_answered(example: Scenario, example_events: pa.Table) -> None:
    """Each request is refused, or fired, impacted and completed (after adjusting rounds fired and
    impacted, or not), unless the run ends before its next link."""
    fdc_delay = next(
        float(t.fire_direction_delay_s)
        for p in example.plan.phases.values()
        for t in p.tasks
        if t.task == "fire-support"
    )
    end = float(example.time.duration_s)
    missions = _missions(example_events)
    for key, chain in missions.items():
        kinds = tuple(e["kind"] for e in chain)
        if kinds in (FIRED, ADJUSTED, REFUSED):
            continue
        if kinds == ADJUSTED[: len(kinds)] and len(kinds) > 1:
            # Fired but not finished when the run ended: its battery, busy until then, took no later request.
            battery = chain[0]["detail"]
            start = chain[0]["time_s"]
            later = [
                k
                for k, other in missions.items()
                if k[0] == key[0] and other[0]["detail"] == battery and other[0]["time_s"] > start
            ]
            assert not later, (key, kinds)
            continue
        assert kinds == ("FireMissionRequested",), (key, kinds)
        assert chain[0]["time_s"] + fdc_delay > end, key


def test_fire_mission_links_are_in_time_order(example_events: pa.Table) -> None:
    """Within a mission, each link happens no earlier than the one before it."""
    for key, chain in _missions(example_events).items():
        times = [e["time_s"] for e in chain]
        assert times == sorted(times), key


def test_fire_mission_links_name_the_same_battery_and_target(example_events: pa.Table) -> None:
    """Every link of a mission names the battery and target of the request."""
    for key, chain in _missions(example_events).items():
        battery, target = chain[0]["detail"], chain[0]["other"]
        for e in chain[1:]:
            assert e["unit"] == battery, key
            if e["kind"] != "RoundsFired":
                assert e["other"] == target, key


def test_mission_ids_are_unique_per_replication(example_events: pa.Table) -> None:
    """No replication reuses a mission id for a second request."""
    requests = example_events.filter(pc.equal(example_events["kind"], "FireMissionRequested")).to_pylist()
    keys = [(r["replication"], r["value"]) for r in requests]
    assert len(keys) == len(set(keys))


def _strike_scenario(*, with_observer: bool) -> dict[str, Any]:
    """Blue bombers with a strike task on 'the best-located contact'; red's truck sits 2 km north.

    Blue's only possible sensor is an observation post (``with_observer``); the bombers carry none.
    """
    data = base_scenario(duration_s=5400.0, dt_s=10.0)
    cat = data["catalogue"]
    cat["weapons"]["bomb"] = {
        "kind": "air",
        "max_range_m": 4000,
        "lethal_radius_m": 45,
        "dispersion_m": 80,
        "rounds_per_mission": 4,
    }
    cat["sensors"]["post-eye"] = {
        "kind": "eye",
        "max_range_m": 5000,
        "range_scale_m": 3000,
        "rate_per_s": 0.05,
        "needs_line_of_sight": False,
    }
    cat["unit_types"]["bomber"] = {
        "category": "aircraft",
        "domain": "air",
        "echelon": "flight",
        "personnel": 2,
        "weapons": [{"weapon": "bomb", "count": 2}],
        "air": {"cruise_speed_mps": 200, "endurance_s": 7200, "altitude_m": 3000, "turnaround_s": 3600},
    }
    cat["unit_types"]["post"] = {
        "category": "reconnaissance",
        "echelon": "team",
        "personnel": 3,
        "sensors": [{"sensor": "post-eye"}],
    }
    cat["unit_types"]["truck"] = {"category": "logistics", "echelon": "team", "personnel": 3, "signature": 3}
    data["sites"] = {"base": {"kind": "airbase", "at": at(-8000, -8000), "nation": "B"}}
    data["units"] = {
        "blue/bombers": {"type": "bomber", "nation": "B", "at": at(-8000, -8000), "home": "base"},
        "red/truck": {"type": "truck", "nation": "R", "at": at(0, 2000)},
    }
    if with_observer:
        data["units"]["blue/post"] = {"type": "post", "nation": "B", "at": at(0, 0)}
    data["plan"]["phases"] = {
        "strike": {
            "trigger": {"at_s": 0},
            "tasks": [
                {
                    "task": "strike",
                    "units": ["blue/bombers"],
                    "tasking_delay_s": 300,
                    "time_on_station_s": 600,
                }
            ],
        }
    }
    return data


def test_strike_needs_a_located_target(make_scenario: Callable[[dict[str, Any]], Scenario]) -> None:
    """Bombers whose side never detects anyone never request a strike, launch or release weapons."""
    outcome = run(
        make_scenario(_strike_scenario(with_observer=False)), rng=1, replications=4, recorder=EventLog()
    )
    assert outcome.events is not None
    kinds = set(_kinds(outcome.events))
    assert not kinds & {"ContactDetected", "StrikeRequested", "SortieLaunched", "WeaponsReleased"}


def test_strike_happens_once_the_target_is_located(
    make_scenario: Callable[[dict[str, Any]], Scenario],
) -> None:
    """With an observation post watching the truck, the same bombers request, launch, release and recover."""
    outcome = run(
        make_scenario(_strike_scenario(with_observer=True)), rng=1, replications=4, recorder=EventLog()
    )
    assert outcome.events is not None
    for k in range(4):
        rep = outcome.events.filter(pc.equal(outcome.events["replication"], k))
        kinds = _kinds(rep)
        order = [
            kinds.index(x)
            for x in ("ContactReported", "StrikeRequested", "SortieLaunched", "WeaponsReleased")
        ]
        assert order == sorted(order)
        assert "SortieRecovered" in kinds


def test_strike_waits_for_the_tasking_delay(make_scenario: Callable[[dict[str, Any]], Scenario]) -> None:
    """Each sortie takes off exactly the tasking delay (300 s) after its strike was requested."""
    outcome = run(
        make_scenario(_strike_scenario(with_observer=True)), rng=2, replications=4, recorder=EventLog()
    )
    assert outcome.events is not None
    rows = outcome.events.filter(
        pc.is_in(outcome.events["kind"], value_set=pa.array(["StrikeRequested", "SortieLaunched"]))
    ).to_pylist()
    requested = {(r["replication"], r["value"]): r["time_s"] for r in rows if r["kind"] == "StrikeRequested"}
    launched = {(r["replication"], r["value"]): r["time_s"] for r in rows if r["kind"] == "SortieLaunched"}
    assert launched
    for key, t in launched.items():
        assert t - requested[key] == pytest.approx(300.0)


def test_a_side_that_never_detects_never_fires(make_scenario: Callable[[dict[str, Any]], Scenario]) -> None:
    """Blue without sensors, face to face with red, hits nobody; red, which sees blue, does hit it."""
    data = lanchester_scenario(blue=30, red=30, blue_pk=0.05, red_pk=0.05)
    data["catalogue"]["unit_types"]["blue-force"]["sensors"] = []
    data["time"]["duration_s"] = 900
    outcome = run(make_scenario(data), rng=3, replications=6, recorder=EventLog())
    assert outcome.events is not None
    hits = outcome.events.filter(pc.equal(outcome.events["kind"], "UnitHit")).to_pylist()
    shooters = {h["other"] for h in hits}
    assert shooters == {"red/force"}
    assert float(outcome.measures["losses-red"].sum()) == 0.0


def _one_mortar_mission() -> dict[str, Any]:
    """A post spots a red squad (20 people, in the open) 1.5 km away; a mortar section fires one mission.

    Four rounds of lethal radius 20 m and CEP 50 m: each replication's casualty fraction is large.
    """
    data = base_scenario(duration_s=600.0, dt_s=10.0)
    cat = data["catalogue"]
    cat["weapons"]["tube"] = {
        "kind": "indirect",
        "max_range_m": 6000,
        "min_range_m": 100,
        "rate_per_min": 12,
        "lethal_radius_m": 20,
        "dispersion_m": 50,
        "projectile_speed_mps": 200,
        "rounds_per_mission": 2,
    }
    cat["sensors"]["post-eye"] = {
        "kind": "eye",
        "max_range_m": 5000,
        "range_scale_m": 4000,
        "rate_per_s": 0.05,
        "needs_line_of_sight": False,
        "position_error_m": 10,
    }
    cat["unit_types"]["battery"] = {
        "category": "mortar",
        "echelon": "section",
        "personnel": 6,
        "weapons": [{"weapon": "tube", "count": 2}],
    }
    cat["unit_types"]["post"] = {
        "category": "reconnaissance",
        "echelon": "team",
        "personnel": 2,
        "sensors": [{"sensor": "post-eye"}],
    }
    cat["unit_types"]["squad"] = {
        "category": "infantry",
        "echelon": "squad",
        "personnel": 20,
        "break_losses": 1.0,
        "break_suppression": 1.0,
    }
    data["units"] = {
        "blue/battery": {"type": "battery", "nation": "B", "at": at(0, -2000)},
        "blue/post": {"type": "post", "nation": "B", "at": at(0, 0)},
        "red/squad": {"type": "squad", "nation": "R", "at": at(0, 1500), "posture": "moving"},
    }
    fire = {
        "task": "fire-support",
        "units": ["blue/battery"],
        "max_missions": 1,
        "fire_direction_delay_s": 60,
    }
    data["plan"]["phases"] = {"fire": {"trigger": {"at_s": 0}, "tasks": [fire]}}
    return data


def test_deterministic_area_fire_equals_the_mean_of_the_draw(
    make_scenario: Callable[[dict[str, Any]], Scenario],
) -> None:
    """With stochastic=False a mission inflicts the expected casualties of the stochastic draw, n * p.

    Replication k lands the same rounds in both modes (the fall of shot has its own stream), so the
    stochastic loss is Binomial(20, p_k) and the deterministic one must be 20 p_k: the paired
    differences have mean 0. Tolerance: 3.29 standard errors (alpha = 0.001, two-sided). Regression
    test: the deterministic branch used to inflict -ln(1 - p_k) * 20, about 30 % too many here.
    """
    scenario = make_scenario(_one_mortar_mission())
    reps = 2000
    noisy = run(scenario, rng=1, replications=reps).measures["losses-red"]
    exact = run(scenario, rng=1, replications=reps, stochastic=False).measures["losses-red"]
    diff = noisy - exact
    assert exact.mean() > 1.0
    assert abs(diff.mean()) < 3.29 * diff.std(ddof=1) / math.sqrt(reps)


def test_one_reader_gives_every_consumer_the_same_missions() -> None:
    """The replay's and the attribution's kill chains are the same missions, read by events.chains."""
    import drillsim
    from drillsim.engine import EventLog, Simulation
    from drillsim.events.chains import missions
    from drillsim.report.timeline import kill_chains as replay_chains
    from drillsim.study.attribution import chain_sides
    from drillsim.study.attribution import kill_chains as attribution_chains

    scenario = drillsim.load_scenario("khatlon-2015-v1")
    events = Simulation(scenario, rng=5, replications=1, recorder=EventLog()).run(until_s=40 * 3600.0).events
    assert events is not None
    rows = events.to_pylist()
    for row in rows:
        row["lat"], row["lon"] = row["x_m"], row["y_m"]
    fire, strikes = replay_chains(rows)
    found = missions(rows)
    assert {m["mission"] for m in fire} == {k[1] for k, m in found.items() if m.chain == "fire-mission"}
    assert {m["mission"] for m in strikes} == {k[1] for k, m in found.items() if m.chain == "air-strike"}
    assert strikes, "the bombers strike within 40 h"
    assert all(m["mission"] >= 1 for m in fire + strikes), "endurance sorties (mission 0) join no chain"
    for side in chain_sides(events):
        table = attribution_chains(events, side=side).table
        assert table.num_rows == sum(1 for m in found.values() if m.side == side)
    struck = [m for m in found.values() if m.chain == "air-strike" and "WeaponsReleased" in m.first]
    assert struck, "the bombers release within 40 h"
    # Bombs' impacts count as the strike's casualties (at this seed they may all miss: the helicopters that
    # would have refreshed the contacts are damaged by air defence first).
    impacts = {m.mission: 0 for m in struck}
    for row in rows:
        if row["kind"] == "RoundsImpacted" and row["value"] in impacts:
            impacts[row["value"]] += row["count"]
    assert [m.casualties for m in struck] == [impacts[m.mission] for m in struck]
