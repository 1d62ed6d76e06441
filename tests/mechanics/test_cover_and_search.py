"""A covering force that stands in the way and a raid that searches (docs/mechanics/orders.md, "Covering a
withdrawal" and "Search for a target"): pursuers on a withdrawing company's track meet the covering force's
blocking position before they reach the company; a raid whose target has gone out of its side's sight
searches around the last known position and finds it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from effects_kit import Result, Runner, at, base, eye, rifle

REPS = 8


def pursuit() -> dict[str, Any]:
    """A blue company (2 m/s, no sensor: it withdraws blind) halted at the centre is pursued by a red band
    5 km north of it (3 m/s, an eye reaching 8 km), which attacks it from 300 s; at 300 s the company
    withdraws 12 km south. A blue covering force (4 m/s, an eye reaching 1.5 km) waits 3 km east of the
    company's way, 3 km south of it, and covers its withdrawal from 300 s. Everyone carries rifles reaching
    1 km."""
    data = base(duration_s=7200.0)
    cat = data["catalogue"]
    cat["sensors"]["eye"] = eye(1.0, range_scale_m=4000.0, max_range_m=8000.0) | {"position_error_m": 20.0}
    cat["sensors"]["short-eye"] = eye(1.0, range_scale_m=1500.0, max_range_m=1500.0) | {
        "position_error_m": 20.0
    }
    cat["weapons"]["rifle"] = rifle(0.01, p_suppress=0.2)
    rifles = [{"weapon": "rifle", "count": 10}]
    cat["unit_types"]["company"] = {
        "category": "infantry",
        "personnel": 30,
        "speed_mps": {"open": 2.0},
        "weapons": rifles,
    }
    cat["unit_types"]["cover"] = {
        "category": "infantry",
        "personnel": 30,
        "speed_mps": {"open": 4.0},
        "weapons": rifles,
        "sensors": [{"sensor": "short-eye"}],
    }
    cat["unit_types"]["band"] = {
        "category": "irregular",
        "personnel": 30,
        "speed_mps": {"open": 3.0},
        "weapons": rifles,
        "sensors": [{"sensor": "eye"}],
    }
    data["units"] = {
        "blue/company": {"type": "company", "nation": "B", "at": at(0, 0)},
        "blue/cover": {"type": "cover", "nation": "B", "at": at(3000, -3000)},
        "red/band": {"type": "band", "nation": "R", "at": at(0, 5000)},
    }
    tasks: list[dict[str, Any]] = [
        {"task": "withdraw", "units": ["blue/company"], "to": at(0, -12000)},
        {"task": "attack", "units": ["red/band"], "target_unit": "blue/company"},
        {"task": "cover-withdrawal", "units": ["blue/cover"], "of": ["blue/company"]},
    ]
    data["plan"]["phases"] = {"withdraw": {"trigger": {"at_s": 300}, "tasks": tasks}}
    return data


def closing(runner: Runner) -> tuple[np.ndarray, np.ndarray]:
    """Per replication, stepping the pursuit: when the band first comes within its rifles' 1 km of the
    covering force (inf: never), and how far it then is from the company."""
    sim = runner.simulation(pursuit(), reps=REPS)
    f, s = sim.world.forces, sim.state
    band, cover, company = (f.ids.index(u) for u in ("red/band", "blue/cover", "blue/company"))
    met = np.full(REPS, np.inf)
    gap = np.full(REPS, np.nan)
    while s.time_s < sim.world.duration_s - 1e-9:
        sim.step()
        to_cover = np.hypot(s.x[:, band] - s.x[:, cover], s.y[:, band] - s.y[:, cover])
        new = np.isinf(met) & (to_cover <= 1000.0)
        met[new] = s.time_s
        gap[new] = np.hypot(s.x[new, band] - s.x[new, company], s.y[new, band] - s.y[new, company])
    return met, gap


def test_pursuers_meet_the_covering_force_first(runner: Runner) -> None:
    """The covering force takes a blocking position on the company's withdrawal route, the first point of
    it that the force reaches no later than the company: 1.7 km south of the company's start, 850 s'
    walk for the company, about 810 s' run for the force. The band, following the company, comes within
    rifle range of the covering force in every replication while the company is more than twice that
    range beyond (about 3 km: the company passed the position some 1,000 s before). Aimed 500 m from
    the company toward the nearest contact it knows (none, until the band is within 1.5 km of its eye),
    a covering force would march with the company and the band would reach both together."""
    met, gap = closing(runner)
    assert np.isfinite(met).all()
    assert (gap > 2000.0).all()


def vanished_chief() -> dict[str, Any]:
    """A blue lookout at the centre (an eye reaching 3 km) sees red's field commander 2 km north of it;
    at once he walks north at 2 m/s, out of its sight at about 3 km, and halts 7 km north of the lookout
    (at 2,500 s). The side drops him from its picture 1,800 s after its last sighting. At 3,000 s blue
    raiders (3 m/s; an eye of range scale 1 km reaching 2 km; rifles that only suppress) 2 km south of
    the lookout raid him, to capture him."""
    data = base(duration_s=12_600.0)
    cat = data["catalogue"]
    cat["sensors"]["eye"] = eye(1.0, range_scale_m=2000.0, max_range_m=3000.0) | {"position_error_m": 20.0}
    cat["sensors"]["short-eye"] = eye(1.0, range_scale_m=1000.0, max_range_m=2000.0) | {
        "position_error_m": 20.0
    }
    cat["weapons"]["stun-rifle"] = rifle(0.0, p_suppress=1.0, max_range_m=300.0)
    cat["unit_types"]["lookout"] = {"category": "infantry", "personnel": 3, "sensors": [{"sensor": "eye"}]}
    cat["unit_types"]["raiders"] = {
        "category": "special-forces",
        "personnel": 8,
        "weapons": [{"weapon": "stun-rifle", "count": 8}],
        "sensors": [{"sensor": "short-eye"}],
        "speed_mps": {"open": 3.0},
    }
    cat["unit_types"]["chief"] = {"category": "headquarters", "personnel": 1, "speed_mps": {"open": 2.0}}
    data["sides"]["blue"] |= {"contact_timeout_s": 1800}
    data["units"] = {
        "blue/lookout": {"type": "lookout", "nation": "B", "at": at(0, 0)},
        "blue/raiders": {"type": "raiders", "nation": "B", "at": at(0, -2000)},
        "red/chief": {"type": "chief", "nation": "R", "at": at(0, 2000), "capturable": True},
    }
    walk = {"task": "move", "units": ["red/chief"], "to": at(0, 7000)}
    raid = {"task": "raid", "units": ["blue/raiders"], "target_unit": "red/chief"}
    data["plan"]["phases"] = {
        "walk": {"trigger": {"at_s": 0}, "tasks": [walk]},
        "raid": {"trigger": {"at_s": 3000}, "tasks": [raid]},
    }
    data["objectives"] = {"grab": {"kind": "capture-unit", "side": "blue", "unit": "red/chief"}}
    data["measures"] = {"grabbed": {"kind": "objective-achieved", "objective": "grab"}}
    return data


def test_a_raid_searches_for_a_target_gone_out_of_sight(runner: Runner) -> None:
    """When the raid begins the side has not seen the commander for about 2,500 s and has dropped him: the
    raiders search around his last known position carried forward (``SearchBegun``, last-known), find him
    with their own eyes (``SearchEnded``, found) and capture him, in every replication. Without a search
    they would stay at their start, 9 km from him, beyond their eyes' 2 km."""
    result = runner.run(vanished_chief(), reps=REPS)
    begun = result.select("SearchBegun", unit="blue/raiders", other="red/chief")
    assert set(begun["detail"].to_pylist()) == {"last-known"}
    assert (result.count("SearchBegun", unit="blue/raiders") >= 1).all()
    assert (result.count("SearchEnded", unit="blue/raiders", detail="found") >= 1).all()
    assert (result.count("ContactDetected", unit="blue/raiders", other="red/chief") >= 1).all()
    assert (result.measure("grabbed") == 1.0).all()


def test_a_raid_on_a_target_never_seen_waits_for_a_report(runner: Runner) -> None:
    """Without the lookout the side never places the commander: the raiders say so (``SearchBegun``,
    no-report, once) and wait where they are, in every replication."""
    data = vanished_chief()
    del data["units"]["blue/lookout"]
    data["time"]["duration_s"] = 3600.0
    result = runner.run(data, reps=2)
    begun = result.select("SearchBegun", unit="blue/raiders")
    assert begun["detail"].to_pylist() == ["no-report", "no-report"]
    assert (result.count("SearchBegun", unit="blue/raiders") == 1).all()
    s, f = result.sim.state, result.sim.world.forces
    raiders = f.ids.index("blue/raiders")
    assert np.allclose(s.y[:, raiders] - s.y[:, f.ids.index("red/chief")], -9000.0, atol=10.0)


def attack_on_a_vanished_chief() -> dict[str, Any]:
    """``vanished_chief`` with the raiders on an ``attack`` of the commander (a target unit) instead of a
    raid: the same eyes, the same last sighting."""
    data = vanished_chief()
    data["plan"]["phases"]["raid"]["tasks"] = [
        {"task": "attack", "units": ["blue/raiders"], "target_unit": "red/chief"}
    ]
    return data


def test_an_attack_on_a_target_unit_out_of_sight_searches_and_finds_it(runner: Runner) -> None:
    """An attack on a target unit its side no longer places searches as a raid does: it begins an
    expanding square about the commander's last known position carried forward (``SearchBegun``,
    last-known) and the attackers' own eyes find him again (``SearchEnded``, found; ``ContactDetected``),
    in every replication, no later than the walk from their start to the datum and the whole pattern
    (1 + 1 + 2 + 2 + 3 + 3 + 4 + 4 = 20 track spacings of 1 km) take at 3 m/s. Without the search the
    attackers stay at their start, 9 km from him, beyond their eyes' 2 km, and never see him."""
    result = runner.run(attack_on_a_vanished_chief(), reps=REPS)
    begun = result.select("SearchBegun", unit="blue/raiders", other="red/chief")
    assert set(begun["detail"].to_pylist()) == {"last-known"}
    start = result.first("SearchBegun", unit="blue/raiders")
    seen = result.first("ContactDetected", unit="blue/raiders", other="red/chief")
    found = result.first("SearchEnded", unit="blue/raiders", detail="found")
    assert np.isfinite(found).all()
    rows = np.asarray(begun["replication"].to_numpy(), dtype=np.int64)
    datum_y = np.full(REPS, np.nan)
    datum_y[rows] = begun["y_m"].to_numpy()
    walk_s = (np.abs(datum_y - (-2000.0)) + 20 * 1000.0) / 3.0
    assert (seen <= start + walk_s).all()


def strong_post_on_the_square() -> dict[str, Any]:
    """``vanished_chief`` with the commander halting 8 km north of the lookout (beyond the eyes of raiders
    on the first legs of their square) and a red post of 30 (prepared defence, rifles reaching 800 m that
    harm no one) 1 km east of his path, 3.2 km north: on the third and fourth legs of the square about
    the datum (about 4.2 km north, +-0.3 km with the velocity error). A blue watcher 800 m east of the post
    (an eye reaching 1 km: it never sees the commander's path) keeps the post in blue's picture."""
    data = vanished_chief()
    cat = data["catalogue"]
    cat["sensors"]["near-eye"] = eye(1.0, range_scale_m=500.0, max_range_m=1000.0) | {
        "position_error_m": 20.0
    }
    cat["weapons"]["post-rifle"] = rifle(0.0, max_range_m=800.0)
    cat["unit_types"]["watcher"] = {
        "category": "infantry",
        "personnel": 3,
        "sensors": [{"sensor": "near-eye"}],
    }
    cat["unit_types"]["post"] = {
        "category": "infantry",
        "personnel": 30,
        "weapons": [{"weapon": "post-rifle", "count": 10}],
    }
    data["units"]["blue/watcher"] = {"type": "watcher", "nation": "B", "at": at(1800, 3200)}
    data["units"]["red/post"] = {
        "type": "post",
        "nation": "R",
        "at": at(1000, 3200),
        "posture": "prepared-defence",
    }
    data["plan"]["phases"]["walk"]["tasks"][0]["to"] = at(0, 8000)
    return data


def _closest_to(runner: Runner, data: dict[str, Any], unit: str, other: str) -> tuple[np.ndarray, Any]:
    """Stepping the run: per replication the least distance from ``unit`` to ``other``, and the event
    log."""
    sim = runner.simulation(data, reps=REPS)
    f, s = sim.world.forces, sim.state
    a, b = f.ids.index(unit), f.ids.index(other)
    least = np.full(REPS, np.inf)
    steps = round(sim.world.duration_s / sim.world.dt_s)
    for k in range(1, steps + 1):
        outcomes = sim.run(until_s=k * sim.world.dt_s)
        least = np.minimum(least, np.hypot(s.x[:, a] - s.x[:, b], s.y[:, a] - s.y[:, b]))
    return least, Result(outcomes, sim, REPS)


def test_a_search_skips_the_legs_across_a_strong_position(runner: Runner) -> None:
    """The raiders (8) skip the legs of their square that pass within the 800 m reach of the post's rifles,
    a position stronger than they are and dug in that their side knows of (``SearchLegSkipped`` naming the
    post, in every replication), and so never come within its reach, while they walk the rest of the
    square (the search ends, found or exhausted). Walking every leg, they came within 800 m of the post
    in every replication of the seed (as close as 40 m)."""
    least, result = _closest_to(runner, strong_post_on_the_square(), "blue/raiders", "red/post")
    skipped = result.select("SearchLegSkipped", unit="blue/raiders")
    assert set(skipped["detail"].to_pylist()) == {"red/post"}
    assert (result.count("SearchLegSkipped", unit="blue/raiders") >= 1).all()
    assert (result.count("SearchEnded", unit="blue/raiders") >= 1).all()  # found, or the square walked
    assert (least > 800.0).all()
