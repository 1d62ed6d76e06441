"""Force tables: the scenario's units, unit types, weapons and sensors compiled into flat arrays.

Everything here is static for a run (it does not change as the simulation advances) and shared by every
replication of a batch. Elements are the scenario's units with groups expanded (``count: 3`` gives three
elements ``<id>/1``, ``<id>/2``, ``<id>/3``), in the order the scenario declares them. Weapon and sensor
*mounts* are flattened into their own tables with the element they belong to, so model code works on
arrays rather than per-unit objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from drillsim.core.random import Streams, draw_key_of, draw_keys_of
from drillsim.geo.projection import LocalProjection
from drillsim.scenario.gazetteer import Gazetteer
from drillsim.scenario.models import (
    ARMOUR_CLASSES,
    POSTURES,
    TERRAIN_CLASSES,
    Scenario,
    UnitSpec,
    UnitTypeSpec,
    WeaponMountSpec,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

WEAPON_KINDS = ("direct", "indirect", "air", "air-defence")
POSTURE_INDEX = {name: i for i, name in enumerate(POSTURES)}
TERRAIN_INDEX = {name: i for i, name in enumerate(TERRAIN_CLASSES)}
CRAWL_SPEED_MPS = 0.1
"""Speed of a ground element (or of parked carriers driving back) on ground it cannot cross (speed 0
there): it crawls rather than sticks."""


class Mobility(NamedTuple):
    """Per element: whether it flies, when it is ready (s), its speed by movement class (m/s), and its type's
    slope limit (degrees) and slope slowdown: what compiled movement reads."""

    is_air: BoolArray
    readiness_s: FloatArray
    speed_by_class: FloatArray
    slope_limit_deg: FloatArray
    slope_slowdown: FloatArray


class Belligerents(NamedTuple):
    """Per element its side, whether it flies and its strength at the start; which sides are hostile (C
    order): what compiled passes that sort friend from foe read."""

    side: IntArray
    is_air: BoolArray
    hostile: BoolArray
    strength0: FloatArray


@dataclass(frozen=True)
class ForceTable:
    """Static per-element data, per-mount data and the lookup tables model code needs."""

    ids: tuple[str, ...]
    """Element ids, in element order."""
    group_of: tuple[str, ...]
    """The declared unit id each element comes from (itself unless it is part of a group)."""
    side_names: tuple[str, ...]
    nation_names: tuple[str, ...]
    type_names: tuple[str, ...]
    side: IntArray
    nation: IntArray
    unit_type: IntArray
    is_air: BoolArray
    capturable: BoolArray
    is_guard: BoolArray
    strength0: FloatArray
    signature: FloatArray
    cover: FloatArray
    fuel0: FloatArray
    """Fuel in the element's vehicles' tanks at the start, litres (the type's ``fuel_l``); +inf for an
    element whose fuel is not modelled (no ``fuel_l``, or an aircraft: docs/mechanics/movement.md)."""
    fuel_per_m: FloatArray
    """Fuel the element's vehicles burn per metre driven on roads, litres (``fuel_per_km_l`` / 1000); 0
    where fuel is not modelled."""
    idle_fuel_per_s: FloatArray
    """Fuel the element's vehicles burn per second halted with engines running, litres (the type's
    ``idle_fuel_per_h_l`` / 3600); 0 where fuel is not modelled."""
    break_losses: FloatArray
    break_suppression: FloatArray
    training: FloatArray
    c2_delay_s: FloatArray
    readiness_s: FloatArray
    speed_by_class: FloatArray
    """(elements, terrain classes) ground speed in m/s; 0 where impassable. Air elements: cruise speed."""
    slope_limit_deg: FloatArray
    slope_slowdown: FloatArray
    endurance_s: FloatArray
    turnaround_s: FloatArray
    footprint_m: FloatArray
    """Radius over which an element's people are spread, for area weapons."""
    x0: FloatArray
    y0: FloatArray
    """Start position, metres in the scenario's projection (each element; groups scattered)."""
    offset_x: FloatArray
    offset_y: FloatArray
    """Each element's start offset from its group's centre (zero for single units), kept in formation when
    the group is sent to one point."""
    escape_x: FloatArray
    escape_y: FloatArray
    """Where a capturable element flees (NaN when it has no escape point)."""
    posture0: IntArray
    home_x: FloatArray
    home_y: FloatArray
    # side relations and communications
    hostile: BoolArray
    """(sides, sides): True where the sides are hostile."""
    allied: BoolArray
    """(sides, sides): True for the same side or allied sides."""
    comms_latency_s: FloatArray
    contact_timeout_s: FloatArray
    irregular: BoolArray
    liaison_s: FloatArray
    """(nations, nations) liaison delay; 0 on the diagonal."""
    # weapon mounts
    w_elem: IntArray
    w_kind: IntArray
    """0 direct, 1 indirect, 2 air, 3 air defence (engages aircraft only)."""
    w_name: tuple[str, ...]
    w_count: FloatArray
    w_rate_per_s: FloatArray
    w_ammo0: FloatArray
    """Rounds the mount carries (its weapons' count times each weapon's load); +inf for unlimited."""
    w_sustained_per_s: FloatArray
    """Direct fire: rounds per second of one weapon at the sustained rate (against a suppressed target)."""
    w_rapid_per_s: FloatArray
    """Direct fire: rounds per second of one weapon at the rapid rate (against a target not suppressed)."""
    w_safe_distance: FloatArray
    """Indirect and air: minimum safe distance of the aim point from friendly troops (0: no check)."""
    w_band_range: FloatArray
    """(mounts, max bands) upper range of each band, +inf padding."""
    w_band_pkill: FloatArray
    w_band_psupp: FloatArray
    w_min_range: FloatArray
    w_max_range: FloatArray
    w_lethal_radius: FloatArray
    w_dispersion: FloatArray
    w_aim_error_mil: FloatArray
    """Direct fire: the combat aiming error of one weapon (standard deviation per axis, mils); 0 when the
    weapon gives none."""
    w_speed: FloatArray
    w_rounds_per_mission: FloatArray
    w_emplace_s: FloatArray
    """Indirect fire: time from halting after a move until the battery can fire (emplacement)."""
    w_displace_s: FloatArray
    """Indirect fire: time a halted battery takes to pack up before it moves off (displacement)."""
    w_min_crew: FloatArray
    """Indirect fire: the fewest people who keep one weapon of the mount firing (``min_crew``); 0: no
    minimum (see :func:`crewed_weapons`)."""
    w_rounds_per_pass: FloatArray
    """Air: weapons one aircraft releases in one attack pass (its sortie load when the weapon gives none)."""
    w_aa_rate_per_s: FloatArray
    """Air defence: engagements per second of the mount (its weapons' count included); 0 for a mount that
    cannot engage aircraft."""
    w_aa_min_range: FloatArray
    w_aa_max_range: FloatArray
    """Air defence: slant-range envelope."""
    w_aa_min_altitude: FloatArray
    w_aa_max_altitude: FloatArray
    """Air defence: height envelope above the ground."""
    w_aa_p_kill: FloatArray
    w_aa_p_damage: FloatArray
    w_aa_rounds: FloatArray
    """Air defence: rounds of the mount's ammunition one engagement uses."""
    w_vehicle_p_kill: FloatArray
    """(mounts, vehicle classes) direct fire: probability that one engagement in the first range band
    destroys one carrier of each class (``ARMOUR_CLASSES``); 0: never."""
    w_vehicle_radius: FloatArray
    """(mounts, vehicle classes) indirect and air: distance from a burst at which a carrier of each class
    is destroyed with probability 0.5; 0: never."""
    w_fragments: FloatArray
    """Direct fire: 1 where the weapon wounds by blast and fragments (``wounds: fragments``), else 0."""
    w_covered_only: BoolArray
    """Direct fire: whether the weapon fires at troops only in dug positions or under cover (``fires_at:
    vehicles-and-cover``); it fires at carriers either way."""
    w_on_carrier: BoolArray
    """Whether the mount is on its element's carriers (``on_carrier``): it fires from where they stand,
    only while they are ridden or crewed, and is lost with them."""
    # sensor mounts
    s_elem: IntArray
    s_name: tuple[str, ...]
    s_count: FloatArray
    s_max_range: FloatArray
    s_range_scale: FloatArray
    s_rate: FloatArray
    s_night_factor: FloatArray
    s_needs_los: BoolArray
    s_position_error: FloatArray
    s_identifies: BoolArray
    altitude_m: FloatArray
    """Height of the sensor or target above ground: 2 m for people on foot, flight altitude for aircraft."""
    attack_altitude_m: FloatArray
    """Aircraft: height on station over a strike's target (``altitude_m`` when the type gives none)."""
    threat_altitude_m: FloatArray
    """Aircraft: height flown while the side knows of enemy air defence (NaN: keeps its altitudes)."""
    signature_class: tuple[str, ...]
    """Aircraft: signature class (``AirSpec.signature_class``); empty for ground elements."""
    audible_range_m: FloatArray
    """Aircraft: slant range within which hostile ground elements hear it (0: not heard; 0 on the ground)."""

    @property
    def n(self) -> int:
        return len(self.ids)

    def direct_reach_m(self) -> FloatArray:
        """(N,) each element's greatest direct-fire range (0: no direct-fire weapon)."""
        out = np.zeros(self.n)
        direct = np.flatnonzero(self.w_kind == WEAPON_KINDS.index("direct"))
        np.maximum.at(out, self.w_elem[direct], self.w_max_range[direct])
        return out

    def battery_mounts(self) -> IntArray:
        """(N,) each element's first indirect-fire mount (-1: none): the mount it fires as a battery."""
        mount = np.full(self.n, -1, dtype=np.int64)
        for m in np.flatnonzero(self.w_kind == 1)[::-1]:
            mount[self.w_elem[m]] = m
        return mount

    def air_defence_mounts(self) -> IntArray:
        """The weapon mounts that can engage aircraft and belong to a side hostile to some side with
        aircraft, in mount order (the air-defence axis of the state)."""
        air_sides = np.unique(self.side[self.is_air])
        if not len(self.w_elem) or not len(air_sides):
            return np.zeros(0, dtype=np.int64)
        threat = self.hostile[self.side[self.w_elem]][:, air_sides].any(axis=1)
        return np.flatnonzero((self.w_aa_rate_per_s > 0) & threat)

    def index(self, element_id: str) -> int:
        return self.ids.index(element_id)

    @cached_property
    def fuel_modelled(self) -> BoolArray:
        """Whether each element's fuel is modelled (a finite ``fuel0``; built once)."""
        return np.isfinite(self.fuel0)

    @cached_property
    def batteries(self) -> BoolArray:
        """Whether each element has an indirect-fire weapon (a battery, a mortar section; built once)."""
        out = np.zeros(self.n, dtype=bool)
        out[self.w_elem[self.w_kind == WEAPON_KINDS.index("indirect")]] = True
        return out

    @cached_property
    def idlers(self) -> IntArray:
        """The elements that burn fuel halted with engines running (``idle_fuel_per_s`` > 0; built once)."""
        return np.flatnonzero(self.idle_fuel_per_s > 0)

    @cached_property
    def any_fuel(self) -> bool:
        """Whether any element's fuel is modelled (without any, the fuel passes do nothing)."""
        return bool(self.fuel_modelled.any())

    @cached_property
    def group(self) -> IntArray:
        """Each element's group: the index, in declaration order, of the declared unit it comes from
        (``group_of``; elements of one unit with ``count > 1`` share it; built once)."""
        first: dict[str, int] = {}
        return np.array([first.setdefault(g, len(first)) for g in self.group_of], dtype=np.int64)

    @cached_property
    def in_group(self) -> BoolArray:
        """Whether each element shares its group with another element (its unit has ``count > 1``)."""
        return np.bincount(self.group)[self.group] > 1

    @cached_property
    def belligerents(self) -> Belligerents:
        """Sides, hostility, aircraft and starting strengths for compiled passes (built once)."""
        return Belligerents(self.side, self.is_air, np.ascontiguousarray(self.hostile), self.strength0)

    @cached_property
    def mobility(self) -> Mobility:
        """The per-element tables compiled movement reads (built once)."""
        return Mobility(
            self.is_air, self.readiness_s, self.speed_by_class, self.slope_limit_deg, self.slope_slowdown
        )

    @cached_property
    def draw_key(self) -> IntArray:
        """Each element's draw key (:func:`drillsim.core.random.draw_key_of` of its id, that is of its unit's
        id and its ordinal in the unit): the coordinate its random numbers use in place of its index."""
        return draw_keys_of(self.ids)

    @cached_property
    def w_draw_key(self) -> IntArray:
        """Each weapon mount's draw key: its element's id and its ordinal among that element's mounts."""
        ordinal: dict[int, int] = {}
        names = []
        for e in self.w_elem.tolist():
            k = ordinal.get(e, 0)
            ordinal[e] = k + 1
            names.append(f"{self.ids[e]}#weapon{k}")
        return draw_keys_of(names)

    @cached_property
    def enemy_ground(self) -> BoolArray:
        """(sides, elements): the ground elements hostile to each side, what its fire missions, strikes
        and informants may name."""
        return self.hostile[:, self.side] & ~self.is_air[None, :]

    @cached_property
    def _members_by_id(self) -> dict[str, list[int]]:
        table: dict[str, list[int]] = {}
        for i, (eid, gid) in enumerate(zip(self.ids, self.group_of, strict=True)):
            table.setdefault(eid, []).append(i)
            if gid != eid:
                table.setdefault(gid, []).append(i)
        return table

    def members(self, unit_id: str) -> list[int]:
        """Elements a unit id names: the element itself, or every element of a group."""
        return list(self._members_by_id.get(unit_id, []))


_FOOTPRINT_BY_ECHELON = {
    "team": 30.0,
    "squad": 50.0,
    "section": 60.0,
    "platoon": 120.0,
    "company": 250.0,
    "battalion": 600.0,
    "brigade": 1500.0,
    "battery": 150.0,
    "flight": 50.0,
    "squadron": 100.0,
    "group": 150.0,
}


def crewed_weapons(count: ArrayLike, strength: ArrayLike, min_crew: ArrayLike) -> FloatArray:
    """The weapons of a mount that its element's ``strength`` people can serve: ``count``, but no more
    than ``floor(strength / min_crew)`` where ``min_crew`` > 0 (none when fewer than ``min_crew`` are
    left). Every mount of an element draws on all its people (docs/mechanics/indirect-fire.md,
    "Crews")."""
    count = np.asarray(count, dtype=np.float64)
    crew = np.asarray(min_crew, dtype=np.float64)
    served = np.floor(np.asarray(strength, dtype=np.float64) / np.where(crew > 0, crew, 1.0) + 1e-9)
    return np.where(crew > 0, np.minimum(count, served), count)


def scaled_count(count: float, strength: float, personnel: float) -> float:
    """A per-person count for an element of ``strength`` people whose type has ``count`` for
    ``personnel``: in proportion, rounded, and at least one while anyone is left."""
    if personnel <= 0 or strength == personnel:
        return float(count)
    return float(max(round(count * strength / personnel), 1 if strength > 0 else 0))


def element_weapons(
    unit: UnitSpec, utype: UnitTypeSpec, strength: float
) -> list[tuple[WeaponMountSpec, float, float]]:
    """Each weapon mount of one element of ``unit``: the mount, its count and its rounds per weapon
    (+inf: unlimited). The unit's own ``weapons`` replace the type's; otherwise per-person mounts scale
    with ``strength`` and mounts on the carriers with the element's carriers against the type's. The
    unit's ``ammunition`` replaces the basic load of the weapons it names."""
    own = unit.weapons is not None
    mounts = unit.weapons if unit.weapons is not None else utype.weapons
    out: list[tuple[WeaponMountSpec, float, float]] = []
    for mount in mounts:
        count = float(mount.count)
        if mount.per_person and not own:
            count = scaled_count(count, strength, float(utype.personnel))
        if mount.on_carrier and not own and utype.carriers is not None:
            vehicle = utype.carriers.vehicle
            carriers = element_vehicles(unit, utype, strength).get(vehicle, 0.0)
            count = scaled_count(count, carriers, float(utype.vehicles.get(vehicle, 0)))
        rounds = unit.ammunition.get(mount.weapon, mount.ammunition)
        out.append((mount, count, float(rounds) if rounds is not None else np.inf))
    return out


def element_vehicles(unit: UnitSpec, utype: UnitTypeSpec, strength: float) -> dict[str, float]:
    """The vehicles of one element of ``unit``: the unit's own, or the type's, scaled with ``strength``
    when the type's ``vehicles_per_person`` says so."""
    if unit.vehicles is not None:
        return {name: float(n) for name, n in unit.vehicles.items()}
    if not utype.vehicles_per_person:
        return {name: float(n) for name, n in utype.vehicles.items()}
    return {
        name: scaled_count(float(n), strength, float(utype.personnel)) for name, n in utype.vehicles.items()
    }


def compile_forces(  # noqa: C901
    scenario: Scenario, projection: LocalProjection, gazetteer: Gazetteer, *, layout_seed: int = 0
) -> ForceTable:
    """Compile the scenario's forces into a :class:`ForceTable`.

    Group members are scattered within ``spread_m`` of the group's location using ``layout_seed`` (the same
    layout for every replication, so replications differ only by what happens, not by where they start).
    """
    cat = scenario.catalogue
    sides = tuple(scenario.sides)
    nations = tuple(scenario.nations)
    types = tuple(cat.unit_types)
    side_ix = {s: i for i, s in enumerate(sides)}
    nation_ix = {n: i for i, n in enumerate(nations)}
    type_ix = {t: i for i, t in enumerate(types)}
    streams = Streams(layout_seed)

    ids: list[str] = []
    group_of: list[str] = []
    rows: list[dict[str, float]] = []
    for uid, unit in scenario.units.items():
        utype = cat.unit_types[unit.type]
        nation = scenario.nations[unit.nation]
        n = int(unit.count)
        point = gazetteer.resolve(unit.at)
        cx, cy = projection.to_xy(point.lat, point.lon)
        home = gazetteer.resolve(scenario.sites[unit.home].at) if unit.home else point
        hx, hy = projection.to_xy(home.lat, home.lon)
        if unit.escape_to is not None:
            esc = gazetteer.resolve(unit.escape_to)
            ex, ey = (float(v) for v in projection.to_xy(esc.lat, esc.lon))
        else:
            ex = ey = float("nan")
        for k in range(n):
            eid = uid if n == 1 else f"{uid}/{k + 1}"
            x, y = float(cx), float(cy)
            if n > 1 and unit.spread_m > 0:
                key = draw_key_of(eid)  # by id, not by index: a unit added or removed moves no other
                u1 = float(streams.uniform("layout", key, 1)[()])
                u2 = float(streams.uniform("layout", key, 2)[()])
                radius = float(unit.spread_m) * np.sqrt(u1)
                x += radius * np.cos(2 * np.pi * u2)
                y += radius * np.sin(2 * np.pi * u2)
            ids.append(eid)
            group_of.append(uid)
            rows.append(
                {
                    "side": side_ix[nation.side],
                    "nation": nation_ix[unit.nation],
                    "type": type_ix[unit.type],
                    "x": x,
                    "y": y,
                    "hx": float(hx),
                    "hy": float(hy),
                    "dx": x - float(cx),
                    "dy": y - float(cy),
                    "ex": ex,
                    "ey": ey,
                    "strength": float(unit.strength if unit.strength is not None else utype.personnel),
                    "posture": POSTURE_INDEX[unit.posture],
                    "readiness": float(unit.readiness_s),
                    "capturable": float(unit.capturable),
                    "guard": float("guard" in unit.roles),
                }
            )

    def col(key: str) -> FloatArray:
        return np.array([r[key] for r in rows], dtype=np.float64)

    def icol(key: str) -> IntArray:
        return np.array([int(r[key]) for r in rows], dtype=np.int64)

    elem_type = icol("type")
    utypes = [cat.unit_types[t] for t in types]

    def per_type(values: list[float]) -> FloatArray:
        return np.asarray(values, dtype=np.float64)[elem_type]

    is_air_t = [u.domain == "air" for u in utypes]
    speed_t = np.zeros((len(types), len(TERRAIN_CLASSES)))
    for ti, u in enumerate(utypes):
        if u.air is not None:
            speed_t[ti, :] = float(u.air.cruise_speed_mps)
        else:
            for cls, v in u.speed_mps.items():
                speed_t[ti, TERRAIN_INDEX[cls]] = float(v)

    # relations
    ns = len(sides)
    hostile = np.zeros((ns, ns), dtype=bool)
    allied = np.eye(ns, dtype=bool)
    for a, sa in enumerate(sides):
        for other, rel in scenario.sides[sa].relations.items():
            b = side_ix[other]
            hostile[a, b] = hostile[b, a] = hostile[a, b] or rel == "hostile"
            allied[a, b] = allied[b, a] = allied[a, b] or rel == "allied"
    nn = len(nations)
    liaison = np.zeros((nn, nn))
    for a, na in enumerate(nations):
        nspec = scenario.nations[na]
        for b, other in enumerate(nations):
            if a != b:
                liaison[a, b] = float(nspec.liaison_delay_s.get(other, nspec.default_liaison_delay_s))

    # weapon mounts
    w: dict[str, list[float]] = {
        k: []
        for k in (
            "elem",
            "kind",
            "frag",
            "covered",
            "count",
            "rate",
            "ammo",
            "min",
            "max",
            "lethal",
            "disp",
            "aim",
            "speed",
            "rpm",
            "rpp",
            "emplace",
            "displace",
            "crew",
            "sus",
            "rap",
            "safe",
            "aa_rate",
            "aa_rmin",
            "aa_rmax",
            "aa_hmin",
            "aa_hmax",
            "aa_pk",
            "aa_pd",
            "aa_rounds",
        )
    }
    w_names: list[str] = []
    no_effect = (0.0,) * len(ARMOUR_CLASSES)
    vehicle_pk: list[tuple[float, ...]] = []
    vehicle_r: list[tuple[float, ...]] = []
    on_carrier: list[bool] = []
    bands: list[list[tuple[float, float, float]]] = []
    s: dict[str, list[float]] = {
        k: [] for k in ("elem", "count", "max", "scale", "rate", "night", "los", "err", "ident")
    }
    s_names: list[str] = []
    for e, ti in enumerate(elem_type):
        u = utypes[ti]
        unit = scenario.units[group_of[e]]
        for mount, count, load in element_weapons(unit, u, rows[e]["strength"]):
            spec = cat.weapons[mount.weapon]
            w["elem"].append(e)
            w["kind"].append(WEAPON_KINDS.index(spec.kind))
            w["count"].append(count)
            w["rate"].append(float(spec.rate_per_min) / 60.0)
            w["ammo"].append(count * load)
            sustained = spec.sustained_rounds_per_min
            sustained_min = float(sustained) if sustained is not None else float(spec.rate_per_min)
            rapid = spec.rapid_rounds_per_min
            w["sus"].append(sustained_min / 60.0)
            w["rap"].append((float(rapid) if rapid is not None else sustained_min) / 60.0)
            w["safe"].append(float(spec.safe_distance_m) if spec.safe_distance_m is not None else 0.0)
            w["min"].append(float(spec.min_range_m))
            w["max"].append(spec.reach_m)
            w["lethal"].append(float(spec.lethal_radius_m))
            w["disp"].append(float(spec.dispersion_m))
            w["aim"].append(float(spec.aim_error_mil) if spec.aim_error_mil is not None else 0.0)
            w["frag"].append(1.0 if spec.wounds == "fragments" else 0.0)
            w["covered"].append(1.0 if spec.fires_at == "vehicles-and-cover" else 0.0)
            w["speed"].append(float(spec.projectile_speed_mps))
            w["rpm"].append(float(spec.rounds_per_mission))
            w["emplace"].append(float(spec.emplace_s))
            w["displace"].append(float(spec.displace_s))
            w["crew"].append(float(spec.min_crew) if spec.kind == "indirect" else 0.0)
            per_pass = spec.rounds_per_pass
            w["rpp"].append(float(per_pass) if per_pass is not None else float(spec.rounds_per_mission))
            aa = spec.anti_air
            w["aa_rate"].append(float(aa.engagements_per_min) * float(mount.count) / 60.0 if aa else 0.0)
            w["aa_rmin"].append(float(aa.min_range_m) if aa else 0.0)
            w["aa_rmax"].append(float(aa.max_range_m) if aa else 0.0)
            w["aa_hmin"].append(float(aa.min_altitude_m) if aa else 0.0)
            w["aa_hmax"].append(float(aa.max_altitude_m) if aa else 0.0)
            w["aa_pk"].append(float(aa.p_kill) if aa else 0.0)
            w["aa_pd"].append(float(aa.p_damage) if aa else 0.0)
            w["aa_rounds"].append(float(aa.rounds_per_engagement) if aa else 0.0)
            w_names.append(mount.weapon)
            on_carrier.append(bool(mount.on_carrier) and u.carriers is not None and u.domain == "ground")
            vehicle_pk.append(spec.vehicle_p_kill.by_class() if spec.vehicle_p_kill else no_effect)
            vehicle_r.append(
                spec.vehicle_lethal_radius_m.by_class() if spec.vehicle_lethal_radius_m else no_effect
            )
            bands.append([(float(b.max_range_m), float(b.p_kill), float(b.p_suppress)) for b in spec.bands])
        for smount in u.sensors:
            sspec = cat.sensors[smount.sensor]
            s["elem"].append(e)
            s["count"].append(float(smount.count))
            s["max"].append(float(sspec.max_range_m))
            s["scale"].append(float(sspec.range_scale_m))
            s["rate"].append(float(sspec.rate_per_s))
            s["night"].append(float(sspec.night_factor))
            s["los"].append(float(sspec.needs_line_of_sight))
            s["err"].append(float(sspec.position_error_m))
            s["ident"].append(float(sspec.identifies))
            s_names.append(smount.sensor)
    n_bands = max((len(b) for b in bands), default=1) or 1
    band_range = np.full((len(bands), n_bands), np.inf)
    band_pk = np.zeros((len(bands), n_bands))
    band_ps = np.zeros((len(bands), n_bands))
    for m, blist in enumerate(bands):
        for k, (r, pk, ps) in enumerate(blist):
            band_range[m, k], band_pk[m, k], band_ps[m, k] = r, pk, ps

    def arr(values: list[float]) -> FloatArray:
        return np.asarray(values, dtype=np.float64)

    def iarr(values: list[float]) -> IntArray:
        return np.asarray(values, dtype=np.int64)

    nation_of = icol("nation")
    altitude_t = [float(u.air.altitude_m) if u.air is not None else 2.0 for u in utypes]
    return ForceTable(
        ids=tuple(ids),
        group_of=tuple(group_of),
        side_names=sides,
        nation_names=nations,
        type_names=types,
        side=icol("side"),
        nation=nation_of,
        unit_type=elem_type,
        is_air=np.asarray(is_air_t, dtype=bool)[elem_type],
        capturable=col("capturable") > 0,
        is_guard=col("guard") > 0,
        strength0=col("strength"),
        signature=per_type([float(u.signature) for u in utypes]),
        cover=per_type([float(u.cover) for u in utypes]),
        fuel0=per_type([_fuel_l(u) for u in utypes]),
        fuel_per_m=per_type(
            [float(u.fuel_per_km_l) / 1000.0 if np.isfinite(_fuel_l(u)) else 0.0 for u in utypes]
        ),
        idle_fuel_per_s=per_type(
            [float(u.idle_fuel_per_h_l) / 3600.0 if np.isfinite(_fuel_l(u)) else 0.0 for u in utypes]
        ),
        break_losses=per_type([float(u.break_losses) for u in utypes]),
        break_suppression=per_type([float(u.break_suppression) for u in utypes]),
        training=np.array([float(scenario.nations[nations[i]].training) for i in nation_of]),
        c2_delay_s=np.array([float(scenario.nations[nations[i]].c2_delay_s) for i in nation_of]),
        readiness_s=col("readiness"),
        speed_by_class=speed_t[elem_type],
        slope_limit_deg=per_type([float(u.slope_limit_deg) for u in utypes]),
        slope_slowdown=per_type([float(u.slope_slowdown) for u in utypes]),
        endurance_s=per_type([float(u.air.endurance_s) if u.air else np.inf for u in utypes]),
        turnaround_s=per_type([float(u.air.turnaround_s) if u.air else 0.0 for u in utypes]),
        footprint_m=per_type([_FOOTPRINT_BY_ECHELON[u.echelon] for u in utypes]),
        x0=col("x"),
        y0=col("y"),
        offset_x=col("dx"),
        offset_y=col("dy"),
        escape_x=col("ex"),
        escape_y=col("ey"),
        posture0=icol("posture"),
        home_x=col("hx"),
        home_y=col("hy"),
        hostile=hostile,
        allied=allied,
        comms_latency_s=np.array([float(scenario.sides[x].comms_latency_s) for x in sides]),
        contact_timeout_s=np.array([float(scenario.sides[x].contact_timeout_s) for x in sides]),
        irregular=np.array([scenario.sides[x].irregular for x in sides], dtype=bool),
        liaison_s=liaison,
        w_elem=iarr(w["elem"]),
        w_kind=iarr(w["kind"]),
        w_name=tuple(w_names),
        w_count=arr(w["count"]),
        w_rate_per_s=arr(w["rate"]),
        w_ammo0=arr(w["ammo"]),
        w_sustained_per_s=arr(w["sus"]),
        w_rapid_per_s=arr(w["rap"]),
        w_safe_distance=arr(w["safe"]),
        w_band_range=band_range,
        w_band_pkill=band_pk,
        w_band_psupp=band_ps,
        w_min_range=arr(w["min"]),
        w_max_range=arr(w["max"]),
        w_lethal_radius=arr(w["lethal"]),
        w_dispersion=arr(w["disp"]),
        w_aim_error_mil=arr(w["aim"]),
        w_speed=arr(w["speed"]),
        w_rounds_per_mission=arr(w["rpm"]),
        w_emplace_s=arr(w["emplace"]),
        w_displace_s=arr(w["displace"]),
        w_min_crew=arr(w["crew"]),
        w_rounds_per_pass=arr(w["rpp"]),
        w_aa_rate_per_s=arr(w["aa_rate"]),
        w_aa_min_range=arr(w["aa_rmin"]),
        w_aa_max_range=arr(w["aa_rmax"]),
        w_aa_min_altitude=arr(w["aa_hmin"]),
        w_aa_max_altitude=arr(w["aa_hmax"]),
        w_aa_p_kill=arr(w["aa_pk"]),
        w_aa_p_damage=arr(w["aa_pd"]),
        w_aa_rounds=arr(w["aa_rounds"]),
        w_vehicle_p_kill=np.asarray(vehicle_pk, dtype=np.float64).reshape(-1, len(ARMOUR_CLASSES)),
        w_vehicle_radius=np.asarray(vehicle_r, dtype=np.float64).reshape(-1, len(ARMOUR_CLASSES)),
        w_fragments=arr(w["frag"]),
        w_covered_only=arr(w["covered"]) > 0,
        w_on_carrier=np.asarray(on_carrier, dtype=bool),
        s_elem=iarr(s["elem"]),
        s_name=tuple(s_names),
        s_count=arr(s["count"]),
        s_max_range=arr(s["max"]),
        s_range_scale=arr(s["scale"]),
        s_rate=arr(s["rate"]),
        s_night_factor=arr(s["night"]),
        s_needs_los=arr(s["los"]) > 0,
        s_position_error=arr(s["err"]),
        s_identifies=arr(s["ident"]) > 0,
        altitude_m=per_type(altitude_t),
        attack_altitude_m=per_type(
            [
                float(u.air.attack_altitude_m if u.air.attack_altitude_m is not None else u.air.altitude_m)
                if u.air is not None
                else 2.0
                for u in utypes
            ]
        ),
        signature_class=tuple(utypes[ti].air.signature_class if utypes[ti].air else "" for ti in elem_type),
        audible_range_m=per_type(
            [float(u.air.audible_range_m) if u.air is not None else 0.0 for u in utypes]
        ),
        threat_altitude_m=per_type(
            [
                float(u.air.threat_altitude_m)
                if u.air is not None and u.air.threat_altitude_m is not None
                else np.nan
                for u in utypes
            ]
        ),
    )


def _fuel_l(utype: UnitTypeSpec) -> float:
    """The fuel a unit type's element starts with, litres; +inf when fuel is not modelled for it (no
    ``fuel_l``, or an aircraft, whose endurance is its airborne time)."""
    if utype.fuel_l is None or utype.domain == "air":
        return float(np.inf)
    return float(utype.fuel_l)
