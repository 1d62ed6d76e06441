"""Version 2 of the Khatlon 2015 scenario: forces as reported, the airlift, positions, the second line behind
the border, the deciding enemy, and the exercise as reported beside it."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from drillsim import Scenario, Simulation, load_scenario
from drillsim.geo import load_geodata
from drillsim.mechanics.outcomes.step import signed_offsets

SECTIONS = ("shakhritus", "pyanj", "khamadoni", "farkhor", "shuroabad", "darvaza")
AIRLIFTED = {"rus/sof", "rus/vdv/ulyanovsk", "rus/vdv/ivanovo", "blr/sof", "kaz/airmobile", "arm/sof-coy"}
# The real-world second line and border posts (article: a preventive measure), outside the exercise's 2,500.
OUTSIDE_THE_EXERCISE = ("tjk/line/", "tjk/border/")
V2_VARIANTS = (
    "khatlon-2015-airfield-closed-v2",
    "khatlon-2015-early-drones-v2",
    "khatlon-2015-exercise-v2",
    "khatlon-2015-incursion-7000-v2",
    "khatlon-2015-local-support-v2",
    "khatlon-2015-night-v2",
    "khatlon-2015-no-air-recon-v2",
    "khatlon-2015-no-drones-v2",
    "khatlon-2015-no-second-line-v2",
    "khatlon-2015-one-drone-v2",
)


@pytest.fixture(scope="module")
def v2() -> Scenario:
    """The default scenario, by its unversioned name."""
    return load_scenario("khatlon-2015")


@pytest.fixture(scope="module")
def exercise() -> Scenario:
    """The exercise as reported."""
    return load_scenario("khatlon-2015-exercise-v2")


def _exercise_units(s: Scenario, side: str = "csto") -> list[tuple[str, float, int]]:
    """(unit id, people per element, elements) of the side's units that took part in the exercise."""
    rows = []
    for uid, unit in s.units.items():
        if s.nations[unit.nation].side != side or uid.startswith(OUTSIDE_THE_EXERCISE):
            continue
        per = unit.strength if unit.strength is not None else s.catalogue.unit_types[unit.type].personnel
        rows.append((uid, float(per), int(unit.count)))
    return rows


def test_the_default_name_is_version_2_and_version_1_still_loads(v2: Scenario) -> None:
    """``khatlon-2015`` is v2; v1 keeps its own name and its scripted clearing attack."""
    assert v2.name == "khatlon-2015-v2"
    assert "clearing" in load_scenario("khatlon-2015-v1").plan.phases


def test_every_v2_variant_extends_version_2() -> None:
    """The exercise and the what-ifs are small files on top of v2."""
    for name in V2_VARIANTS:
        scenario = load_scenario(name)
        assert (scenario.name, scenario.extends) == (name, "khatlon-2015-v2")


def test_exercise_troops_are_about_2500_and_russians_about_500(v2: Scenario) -> None:
    """Exercise force 2,500 within 10 % (TASS 14 May 2015); Russians 500 within 10 % (Russian MoD)."""
    rows = _exercise_units(v2)
    assert 2250 <= sum(per * n for _, per, n in rows) <= 2750
    russians = sum(per * n for uid, per, n in rows if v2.units[uid].nation == "RUS")
    assert 450 <= russians <= 550


def test_equipment_is_about_200_and_russian_vehicles_about_60(v2: Scenario) -> None:
    """About 200 pieces of equipment (TASS, Sputnik) and Russia's 60 vehicles (Russian MoD), within 25 %."""
    by_nation: dict[str, int] = {}
    for uid, _, n in _exercise_units(v2):
        unit = v2.units[uid]
        vehicles = sum(int(c) for c in (v2.catalogue.unit_types[unit.type].vehicles or {}).values())
        by_nation[unit.nation] = by_nation.get(unit.nation, 0) + n * vehicles
    assert 150 <= sum(by_nation.values()) <= 250
    assert 45 <= by_nation["RUS"] <= 75


def test_combat_aircraft_include_the_russian_four_and_four(v2: Scenario) -> None:
    """Russia's 4 strike aircraft and 4 helicopters (Russian MoD) are there; about 20 in all, 16 placed."""
    per_pair = {"bomber-flight": 2, "attack-helicopter-pair": 2, "recon-helicopter": 1}
    count: dict[tuple[str, str], int] = {}
    for unit in v2.units.values():
        if unit.type in per_pair:
            key = (unit.nation, v2.catalogue.unit_types[unit.type].category)
            count[key] = count.get(key, 0) + int(unit.count) * per_pair[unit.type]
    assert count[("RUS", "helicopter")] == 4
    assert sum(n for (nation, _), n in count.items() if nation == "RUS") == 8
    assert 14 <= sum(count.values()) <= 22


def test_airlifted_contingents_fly_in_on_30_aircraft_with_no_fixed_readiness(v2: Scenario) -> None:
    """The flown-in contingents arrive by the airlift (30 aircraft, TASS), not at a fixed readiness time;
    the landing interval, an assumption, is marked low so the screening varies it."""
    lift = v2.airlifts["csto-airlift"]
    assert set(lift.units) == AIRLIFTED
    assert int(lift.aircraft) == 30
    assert lift.landing_interval_s.confidence == "low"
    assert lift.landing_interval_s > 0
    assert all(float(v2.units[u].readiness_s) == 0.0 for u in AIRLIFTED)


def _border_offset():
    geo = load_geodata("khatlon")
    proj = geo.projection()
    pts = np.vstack([np.column_stack(proj.to_xy(p[:, 1], p[:, 0])) for p in geo.line("border/tj-af").parts])
    x0, y0 = proj.to_xy(38.5358, 68.779)  # Dushanbe
    sign = float(np.sign(signed_offsets(np.array([x0]), np.array([y0]), pts)[0]))

    def offset(lat: float, lon: float) -> float:
        x, y = proj.to_xy(lat, lon)
        return sign * float(signed_offsets(np.array([x]), np.array([y]), pts)[0])

    return offset


def test_second_line_stands_behind_the_border_on_all_six_sections(v2: Scenario) -> None:
    """Each section's platoons defend a held position 3-10 km inside Tajikistan, not the river bank."""
    offset = _border_offset()
    tasks = [t for t in v2.plan.phases["snap-deployment"].tasks if t.task == "defend"]
    for section in SECTIONS:
        (task,) = [t for t in tasks if t.units == [f"tjk/line/{section}"]]
        area = v2.areas[task.area]
        place = v2.places[area.center]
        assert 3000 <= offset(place.lat, place.lon) <= 10_000, section
        assert v2.positions[task.area].held_by == "csto"


def test_border_posts_hold_the_crossings_the_incursion_uses(v2: Scenario) -> None:
    """A held, fortified border post stands on each crossing the militants cross at."""
    crossings = {
        v for t in v2.plan.phases["incursion"].tasks for v in t.via if isinstance(v, str) and "_" in v
    } - {"shahritus"}
    posts = {v2.sites[p.site].at for p in v2.positions.values() if p.site is not None and p.fortified}
    assert crossings <= posts


def test_no_phase_beyond_the_article_decides_the_outcome(v2: Scenario) -> None:
    """No scripted clearing attack: no CSTO task attacks contacts; the militants' groups decide."""
    attacks = [t for p in v2.plan.phases.values() for t in p.tasks if t.task == "attack"]
    assert attacks == []
    deciding = {uid for uid, u in v2.units.items() if u.behaviour is not None}
    assert {"mil/west/grp", "mil/centre/grp", "mil/east/grp"} <= deciding


ARTICLE_ORDER = (
    "incursion",
    "aerial-reconnaissance",
    "ground-reconnaissance",
    "special-forces-raid",
    "air-strikes",
    "drones-and-artillery",
)


def _waits_for(trigger: object) -> set[str]:
    """The phases a trigger cannot fire before: its own ``after_phase``, or that of a member of its
    ``all_of`` (an ``any_of`` branch may fire without it)."""
    own = getattr(trigger, "after_phase", None)
    found = {own} if own is not None else set()
    for member in getattr(trigger, "all_of", None) or []:
        found |= _waits_for(member)
    return found


def test_each_article_phase_waits_for_the_one_before(v2: Scenario) -> None:
    """The response runs in the article's order whatever happens first: each phase's trigger needs the phase
    before it (a commander killed by a border post does not bring the strikes ahead of the reconnaissance)."""
    for earlier, later in itertools.pairwise(ARTICLE_ORDER):
        assert earlier in _waits_for(v2.plan.phases[later].trigger), (earlier, later)


def test_the_raid_is_passed_over_when_the_commander_is_dead(v2: Scenario) -> None:
    """The raid, whose purpose is the commander's capture, is passed over if he is already destroyed or has
    escaped; the Armenians' covered withdrawal follows the raid's turn either way."""
    raid = v2.plan.phases["special-forces-raid"]
    assert [t.task for t in raid.tasks] == ["raid"]
    assert raid.unless is not None
    assert {(m.event, m.unit) for m in raid.unless.any_of} == {  # type: ignore[union-attr]
        ("unit-destroyed", "mil/commander"),
        ("unit-escaped", "mil/commander"),
    }
    covered = v2.plan.phases["covered-withdrawal"]
    assert _waits_for(covered.trigger) == {"special-forces-raid"}
    assert {t.task for t in covered.tasks} == {"withdraw", "cover-withdrawal"}


def test_the_exercise_differs_from_the_incursion_in_the_script_and_the_calendar(
    v2: Scenario, exercise: Scenario
) -> None:
    """Same forces, places and CSTO tasks; the militants' own decisions are switched off, and the
    exercise keeps its own calendar: the airlift's rate and order, the live-fire phase's start, the length."""
    assert set(exercise.units) == set(v2.units)
    changed = {uid for uid in v2.units if exercise.units[uid] != v2.units[uid]}
    assert changed == {uid for uid, u in v2.units.items() if u.behaviour is not None}
    assert all(exercise.units[uid].behaviour is None for uid in changed)
    assert exercise.plan.phases.keys() == v2.plan.phases.keys()
    for name, phase in v2.plan.phases.items():
        assert exercise.plan.phases[name].tasks == phase.tasks
    retimed = {n for n, p in v2.plan.phases.items() if exercise.plan.phases[n].trigger != p.trigger}
    assert retimed == {"incursion"}
    lift, lift_v2 = exercise.airlifts["csto-airlift"], v2.airlifts["csto-airlift"]
    assert set(lift.units) == set(lift_v2.units)
    assert lift.aircraft == lift_v2.aircraft
    assert exercise.time.duration_s > v2.time.duration_s


def test_second_line_positions_are_far_apart(v2: Scenario) -> None:
    """The six positions are distinct: no two within 10 km (each covers its own section)."""
    places = [v2.places[v2.areas[f"second-line-{s}"].center] for s in SECTIONS]
    for i, a in enumerate(places):
        for b in places[i + 1 :]:
            d = 6371.0 * math.hypot(
                math.radians(b.lat - a.lat), math.radians(b.lon - a.lon) * math.cos(math.radians(a.lat))
            )
            assert d > 10.0


@pytest.mark.parametrize(
    ("variant", "flying"),
    [("khatlon-2015-no-drones-v2", []), ("khatlon-2015-one-drone-v2", ["rus/201/uav/1"])],
)
def test_the_drone_variants_change_only_the_drones(v2: Scenario, variant: str, flying: list[str]) -> None:
    """The drones stay declared (each element keeps its index, so its random numbers) and only those named
    fly; the batteries keep the base's fire-clearance rule (the drones' reports); nothing else differs."""
    scenario = load_scenario(variant)
    assert list(scenario.units) == list(v2.units)
    assert all(scenario.units[uid] == unit for uid, unit in v2.units.items())
    changed = {n for n, p in v2.plan.phases.items() if scenario.plan.phases[n] != p}
    assert changed == {"drones-and-artillery"}
    base_tasks = v2.plan.phases["drones-and-artillery"].tasks
    tasks = scenario.plan.phases["drones-and-artillery"].tasks
    assert [t for t in tasks if t.task == "fire-support"] == [
        t for t in base_tasks if t.task == "fire-support"
    ]
    tasked = [
        u
        for p in scenario.plan.phases.values()
        for t in p.tasks
        for u in t.units
        if u.startswith("rus/201/uav")
    ]
    assert tasked == flying


def test_drones_from_first_contact_change_only_when_the_drones_fly(v2: Scenario) -> None:
    """The what-if keeps every unit and the drones' tasks; only the drones' phase starts otherwise: at the
    first CSTO contact report after the crossing (the aerial reconnaissance's event), not with the strikes."""
    scenario = load_scenario("khatlon-2015-early-drones-v2")
    assert list(scenario.units) == list(v2.units)
    assert all(scenario.units[uid] == unit for uid, unit in v2.units.items())
    changed = {n for n, p in v2.plan.phases.items() if scenario.plan.phases[n] != p}
    assert changed == {"drones-and-artillery"}
    phase, base = scenario.plan.phases["drones-and-artillery"], v2.plan.phases["drones-and-artillery"]
    assert phase.tasks == base.tasks
    assert getattr(phase.trigger, "after_phase", None) is None
    incursion, contact = phase.trigger.all_of
    assert incursion.after_phase == "incursion"
    assert (contact.event, contact.side, contact.unit) == ("contact-reported", "csto", None)


def _tasked(scenario: Scenario, prefix: str) -> list[str]:
    """Units whose id starts with ``prefix`` and that some phase gives a task."""
    return [
        u for p in scenario.plan.phases.values() for t in p.tasks for u in t.units if u.startswith(prefix)
    ]


def test_no_second_line_leaves_out_the_six_companies_and_nothing_else(v2: Scenario) -> None:
    """The what-if fields no second-line company and gives none a task; every other unit and every other
    task of the deployment are the base's."""
    scenario = load_scenario("khatlon-2015-no-second-line-v2")
    line = {f"tjk/line/{s}" for s in SECTIONS}
    assert line <= set(v2.units)
    assert list(scenario.units) == [u for u in v2.units if u not in line]
    assert all(scenario.units[uid] == v2.units[uid] for uid in scenario.units)
    assert _tasked(scenario, "tjk/line/") == []
    base_tasks = v2.plan.phases["snap-deployment"].tasks
    assert scenario.plan.phases["snap-deployment"].tasks == [t for t in base_tasks if not line & set(t.units)]
    changed = {n for n, p in v2.plan.phases.items() if scenario.plan.phases[n] != p}
    assert changed == {"snap-deployment"}


def test_no_air_recon_keeps_the_helicopters_on_the_ground(v2: Scenario) -> None:
    """The Tajik reconnaissance helicopters stay declared (so every element keeps its random numbers) but no
    phase tasks them, so they never fly; the phase stays, empty, and the ground reconnaissance still
    follows it."""
    scenario = load_scenario("khatlon-2015-no-air-recon-v2")
    assert _tasked(v2, "tjk/air/") == ["tjk/air/recon-west", "tjk/air/recon-east"]
    assert _tasked(scenario, "tjk/air/") == []
    assert list(scenario.units) == list(v2.units)
    assert all(scenario.units[uid] == unit for uid, unit in v2.units.items())
    changed = {n for n, p in v2.plan.phases.items() if scenario.plan.phases[n] != p}
    assert changed == {"aerial-reconnaissance"}
    assert (
        scenario.plan.phases["aerial-reconnaissance"].trigger
        == v2.plan.phases["aerial-reconnaissance"].trigger
    )


def _landing_times(name: str) -> np.ndarray:
    """When each airlifted element lands, in each of 8 replications (the schedule is drawn at the start)."""
    sim = Simulation(load_scenario(name), rng=20261206, replications=8)
    lift = sim.world.airlifts[0]
    return np.asarray(sim.state.landed_at[:, lift.elements])


def test_airfield_closed_lands_nothing_before_48_h(v2: Scenario) -> None:
    """With the airhead closed for the airlift's first day no aircraft lands before 48 h after the alert;
    in the base most of the airlift has landed by then. Only the first landing differs."""
    scenario = load_scenario("khatlon-2015-airfield-closed-v2")
    lift, base_lift = scenario.airlifts["csto-airlift"], v2.airlifts["csto-airlift"]
    assert lift.model_copy(update={"first_landing_s": base_lift.first_landing_s}) == base_lift
    assert scenario.units == v2.units
    assert scenario.plan == v2.plan
    closed, base = _landing_times("khatlon-2015-airfield-closed-v2"), _landing_times("khatlon-2015-v2")
    assert float(closed.min()) >= 48 * 3600.0
    assert float(np.mean(base < 48 * 3600.0)) > 0.5
