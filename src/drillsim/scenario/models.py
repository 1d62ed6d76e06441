"""The scenario language: frozen, typed declarations loaded from YAML.

Every class here is a ``...Spec``: immutable data that describes a scenario and never points at a running
model. Keys in files are ``snake_case``; enumerated values are ``kebab-case``. Numeric parameters are
:class:`~drillsim.scenario.pedigree.Param` values that may carry a source and a confidence.
"""

from __future__ import annotations

import ast
import functools
import inspect
import itertools
import sys
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    model_validator,
)
from pydantic_core import PydanticCustomError

from drillsim.core.display import html_block, html_table, short_repr
from drillsim.core.suggest import closest_match
from drillsim.scenario.pedigree import (
    Altitude,
    Angle,
    Bounds,
    Count,
    Distance,
    Duration,
    Factor,
    Fuel,
    Mils,
    Param,
    ParameterRecord,
    PositiveDistance,
    PositiveDuration,
    PositiveSpeed,
    Probability,
    RatePerMin,
    RatePerS,
    Speed,
    Stock,
    assumed,
    iter_parameters,
)

SCHEMA_VERSION = 1
"""Version of the scenario language this release reads and writes."""

_ID = r"[a-z0-9][a-z0-9_-]*"
UnitId = Annotated[str, StringConstraints(pattern=rf"^{_ID}(/{_ID})*$")]
"""A stable, readable unit id such as ``arm/sof-coy/1``: lowercase words joined by ``/``."""
Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")]
"""The id of a side, nation, phase, place, weapon, sensor, unit type, objective or measure."""
ScenarioName = Annotated[str, StringConstraints(pattern=rf"^{_ID}-v[0-9]+$")]
"""A versioned scenario name such as ``khatlon-2015-v1``; the number goes up when results could change."""

TerrainClass = Literal[
    "road", "track", "open", "irrigated", "foothills", "mountain", "urban", "forest", "water"
]
"""Terrain classes that movement speeds, cover and concealment are given for."""
TERRAIN_CLASSES: tuple[str, ...] = get_args(TerrainClass)

Posture = Literal["moving", "halted", "hasty-defence", "prepared-defence", "hidden", "mounted"]
POSTURES: tuple[str, ...] = get_args(Posture)
Armour = Literal["soft", "light"]
"""Vehicle classes by protection: soft-skinned (trucks, pickups, cars) or light armour (armoured carriers)."""
ARMOUR_CLASSES: tuple[str, ...] = get_args(Armour)

Relation = Literal["hostile", "allied", "neutral"]
Light = Literal["auto", "day", "twilight", "night"]
Weather = Literal["clear", "haze", "rain", "snow", "dust", "fog"]
Domain = Literal["ground", "air"]
Role = Literal[
    "field-commander", "headquarters", "observer", "fire-direction", "forward-air-controller", "guard"
]
Echelon = Literal[
    "team",
    "squad",
    "section",
    "platoon",
    "company",
    "battalion",
    "brigade",
    "battery",
    "flight",
    "squadron",
    "group",
]


@functools.cache
def _module_attribute_docstrings(module: str) -> dict[str, dict[str, str]]:
    """For every class of ``module``: the docstring written under each annotated attribute, by name."""
    tree = ast.parse(inspect.getsource(sys.modules[module]))
    found: dict[str, dict[str, str]] = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        docs = found.setdefault(node.name, {})
        for before, after in itertools.pairwise(node.body):
            if (
                isinstance(before, ast.AnnAssign)
                and isinstance(before.target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                docs[before.target.id] = inspect.cleandoc(after.value.value)
    return found


def _describe_fields(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Give each property of a model's JSON schema the docstring written under its field.

    Read from the source only when a schema is made (``drillsim schema``, the reference), not when the
    models are imported: pydantic's ``use_attribute_docstrings`` re-reads the source for every class at
    import, a tenth of the time ``drillsim run`` takes to refuse a scenario too large to run.
    """
    docs: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        if cls.__module__ in sys.modules and cls.__module__.startswith("drillsim."):
            docs.update(_module_attribute_docstrings(cls.__module__).get(cls.__name__, {}))
    properties = schema.get("properties", {})
    for name, info in model.model_fields.items():
        prop = properties.get(info.alias or name)
        text = docs.get(name)
        if isinstance(prop, dict) and text and info.description is None:
            prop["description"] = text


class Spec(BaseModel):
    """Base of every scenario declaration: frozen, and strict about unknown keys."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, json_schema_extra=_describe_fields
    )

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            allowed = set(cls.model_fields)
            allowed |= {f.alias for f in cls.model_fields.values() if f.alias}
            for key in data:
                if key not in allowed:
                    raise PydanticCustomError(
                        "unknown_field",
                        "unknown field '{key}'",
                        {
                            "key": str(key),
                            "suggestion": closest_match(str(key), allowed) or "",
                            "expected": "one of " + ", ".join(sorted(allowed)),
                        },
                    )
        return data


# --- metadata and time -------------------------------------------------------------------------------------


class SourceSpec(Spec):
    """A reference that parameters can cite by its key."""

    citation: str
    """Author, title, outlet and date, as a reader would cite it."""
    url: str | None = None
    accessed: str | None = None
    notes: str | None = None


MAX_STEPS = 10_000_000
"""Most time steps in a run (about a year at 3 s steps)."""


class TimeSpec(Spec):
    """When the scenario starts, how long it runs and how finely time is stepped."""

    start: AwareDatetime
    """Start time, ISO 8601 with a time zone, e.g. ``2015-05-14T05:00:00+05:00``."""
    duration_s: PositiveDuration
    """Length of the simulated period in seconds."""
    dt_s: Annotated[
        Param,
        Bounds(gt=0, le=86_400),
        Field(description="Fixed time step for movement and attrition, seconds."),
    ] = assumed(10.0)

    @model_validator(mode="after")
    def _step_fits(self) -> TimeSpec:
        if self.dt_s <= 0 or self.dt_s > self.duration_s:
            raise PydanticCustomError(
                "time_step",
                "the time step must be positive and no longer than the duration",
                {
                    "expected": f"0 < dt_s <= duration_s ({float(self.duration_s):g})",
                    "found": f"{float(self.dt_s):g}",
                },
            )
        if self.duration_s / self.dt_s > MAX_STEPS:
            raise PydanticCustomError(
                "time_step",
                "the time step is too short for the duration",
                {
                    "expected": f"at most {MAX_STEPS:,} steps (duration_s / dt_s)",
                    "found": f"{float(self.duration_s) / float(self.dt_s):,.0f} steps",
                },
            )
        return self


# --- geography ---------------------------------------------------------------------------------------------


class LatLon(Spec):
    """A point in WGS 84 degrees, optionally with its pedigree."""

    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]
    source: str | None = None
    confidence: Literal["low", "medium", "high"] | None = None


LocationRef = LatLon | Name
"""A point: ``{lat: .., lon: ..}``, or the name of a place or site (from the scenario or its geodata)."""


class BoundsSpec(Spec):
    """A lat/lon box."""

    west: Annotated[float, Field(ge=-180, le=180)]
    south: Annotated[float, Field(ge=-90, le=90)]
    east: Annotated[float, Field(ge=-180, le=180)]
    north: Annotated[float, Field(ge=-90, le=90)]

    @model_validator(mode="after")
    def _ordered(self) -> BoundsSpec:
        if not (self.west < self.east and self.south < self.north):
            raise PydanticCustomError(
                "bounds_order",
                "the box is empty",
                {
                    "expected": "west < east and south < north",
                    "found": f"west={self.west}, east={self.east}, south={self.south}, north={self.north}",
                },
            )
        return self

    def contains(self, point: LatLon) -> bool:
        return self.west <= point.lon <= self.east and self.south <= point.lat <= self.north


GeodataLayer = Literal[
    "borders", "rivers", "crossings", "roads", "places", "airfields", "sections", "elevation", "terrain"
]


class AreaOfOperationsSpec(Spec):
    """The playing area and the geodata it uses."""

    bounds: BoundsSpec
    geodata: str | None = None
    """Name of an embedded geodata set (``drillsim scenarios`` lists them), or the path of a set's folder
    (holding manifest.json) relative to this file, in its folder or below unless --allow-outside; none for
    a flat synthetic area."""
    layers: list[GeodataLayer] = Field(default_factory=list)
    """Geodata layers the scenario uses."""
    elevation: str | None = None
    """Path of a GeoTIFF elevation model (.tif or .tiff) to use instead of the geodata set's own (e.g. SRTM
    tiles), relative to this file, in its folder or below unless --allow-outside."""
    default_terrain: TerrainClass = "open"
    """Terrain class used where no geodata says otherwise."""


class PlaceSpec(Spec):
    """A named point the scenario adds to (or corrects in) the geodata."""

    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]
    kind: Literal[
        "town", "village", "crossing", "bridge", "ford", "ferry", "airfield", "range", "pass", "point"
    ] = "point"
    name: str | None = None
    source: str | None = None
    confidence: Literal["low", "medium", "high"] | None = None

    def point(self) -> LatLon:
        return LatLon(lat=self.lat, lon=self.lon, source=self.source, confidence=self.confidence)


class ResupplySpec(Spec):
    """Ammunition and fuel a site hands out to the units of its side near it (see
    docs/mechanics/direct-fire.md and docs/mechanics/supply.md, "Fuel")."""

    radius_m: PositiveDistance = assumed(300.0)
    """Units within this distance of the site draw ammunition from it."""
    refill_s: PositiveDuration = assumed(3600.0)
    """Time to bring an empty weapon back to its full load: each step a weapon gets ``dt / refill_s`` of its
    load, up to the full load (distribution, carrying and loading belts and magazines)."""
    stock_rounds: Stock | None = None
    """Rounds the site holds in all; none means as much as is asked for."""
    stock_fuel_l: Fuel | None = None
    """Litres of fuel the site holds in all; none means as much as is asked for, 0 that it gives no fuel.
    Fuel flows as rounds do: each step an element's tanks get ``dt / refill_s`` of their capacity."""


class SiteSpec(Spec):
    """A military facility: airbase, garrison, artillery position, observation post, depot."""

    kind: Literal["airbase", "garrison", "artillery-position", "observation-post", "depot", "landing-zone"]
    at: LocationRef
    nation: Name | None = None
    name: str | None = None
    resupply: ResupplySpec | None = None
    """A supply point: the site refills the ammunition of its nation's side (and allies) nearby. Needs
    ``nation``."""

    @model_validator(mode="after")
    def _resupply_has_nation(self) -> SiteSpec:
        if self.resupply is not None and self.nation is None:
            raise PydanticCustomError(
                "resupply_nation",
                "a site that resupplies needs a nation",
                {"expected": "nation: the nation whose side the site supplies", "found": "none"},
            )
        return self


class LineSpec(Spec):
    """A named line: border section, phase line, boundary, route or road.

    Lines of kind ``route`` and ``road`` join the road network that ground routes follow (driven at the
    unit type's road speed), and a task's ``via`` may name them to make units take that way."""

    kind: Literal["border-section", "phase-line", "boundary", "route", "road", "limit-of-advance"]
    points: list[LocationRef] = Field(default_factory=list)
    """The line's vertices; or leave empty and name a line of the geodata in ``geodata_line``."""
    geodata_line: str | None = None
    name: str | None = None

    @model_validator(mode="after")
    def _has_geometry(self) -> LineSpec:
        if len(self.points) < 2 and self.geodata_line is None:
            raise PydanticCustomError(
                "line_geometry",
                "a line needs geometry",
                {
                    "expected": "at least two points, or geodata_line naming a line of the geodata",
                    "found": f"{len(self.points)} point(s)",
                },
            )
        return self


class AreaSpec(Spec):
    """A named area: a polygon, or a circle around a point."""

    kind: Literal[
        "objective", "assembly", "engagement", "restricted", "district", "named-area-of-interest", "no-fire"
    ] = "named-area-of-interest"
    """``no-fire``: no indirect fire or air strike may be aimed inside the area (the mission is refused, the
    strike held; see docs/mechanics/indirect-fire.md)."""
    polygon: list[LocationRef] = Field(default_factory=list)
    center: LocationRef | None = None
    radius_m: PositiveDistance | None = None
    name: str | None = None

    @model_validator(mode="after")
    def _has_geometry(self) -> AreaSpec:
        circle = self.center is not None and self.radius_m is not None
        if len(self.polygon) < 3 and not circle:
            raise PydanticCustomError(
                "area_geometry",
                "an area needs geometry",
                {
                    "expected": "a polygon of at least three points, or center and radius_m",
                    "found": f"{len(self.polygon)} polygon point(s)",
                },
            )
        return self


# --- obstacles ---------------------------------------------------------------------------------------------


class ObstacleSpec(Spec):
    """A minefield or a block (abatis, wire, crater, roadblock) on an area or along a line (see
    docs/mechanics/obstacles.md)."""

    kind: Literal["minefield", "block"]
    """A minefield delays and causes casualties; a block only delays."""
    side: Name
    """The side that emplaced it: its picture knows the obstacle from the start."""
    area: Name | None = None
    """An area of the scenario the obstacle covers."""
    line: Name | None = None
    """A line of the scenario the obstacle runs along (``depth_m`` deep, centred on the line)."""
    depth_m: PositiveDistance = assumed(100.0)
    """Depth of an obstacle along a line, metres."""
    known_to: list[Name] = Field(default_factory=list)
    """Other sides that know the obstacle from the start (a marked field, a reported block)."""
    p_encounter: Probability = assumed(0.5)
    """Minefield: probability that one element crossing without a lane sets off a mine; a block stops
    every element that meets it unawares."""
    casualties_per_encounter: Factor = assumed(1.0)
    """Minefield: people an element loses when it sets off a mine."""
    halt_s: Duration = assumed(300.0)
    """Halt of an element that meets the obstacle unawares, before it breaches or forces it."""
    breach_s: PositiveDuration = assumed(1800.0)
    """Time for one engineer element of ``breaching`` 1 to open a lane; the lane then serves everyone."""
    force_s: Duration = assumed(120.0)
    """Time for an element without engineers to force its way through a known obstacle (at the
    minefield's risk of casualties)."""
    detect_range_m: Distance = assumed(150.0)
    """Reconnaissance elements closer than this may find the obstacle."""
    detect_rate_per_s: RatePerS = assumed(1.0 / 300.0)
    """Hazard rate at which a reconnaissance element within ``detect_range_m`` finds the obstacle."""

    @model_validator(mode="after")
    def _one_place(self) -> ObstacleSpec:
        given = [k for k in ("area", "line") if getattr(self, k) is not None]
        if len(given) != 1:
            raise PydanticCustomError(
                "obstacle_place",
                "an obstacle needs exactly one place",
                {"expected": "exactly one of area, line", "found": ", ".join(given) or "none"},
            )
        return self


# --- sides and nations -------------------------------------------------------------------------------------


class SideSpec(Spec):
    """A side: the unit of perception. Each side has one picture of the battlefield."""

    name: str | None = None
    relations: dict[Name, Relation] = Field(default_factory=dict)
    """How this side regards the others; unnamed sides are neutral. Relations must agree both ways."""
    irregular: bool = False
    """Irregular forces draw on local population support for concealment, resupply and intelligence."""
    comms_latency_s: Duration = assumed(60.0)
    """Delay before a contact one unit reports reaches the rest of the side's picture."""
    contact_timeout_s: PositiveDuration = assumed(1800.0)
    """A contact not refreshed for this long is dropped from the picture."""
    colour: str | None = None


class NationSpec(Spec):
    """A nation (or organisation) that fields units, with its own command parameters."""

    side: Name
    name: str | None = None
    training: Probability = assumed(0.7)
    """Training and proficiency, 0-1; scales weapon effectiveness and sensor performance."""
    c2_delay_s: Duration = assumed(600.0)
    """Time from an order or trigger to units of this nation acting on it."""
    liaison_delay_s: dict[Name, Duration] = Field(default_factory=dict)
    """Extra delay for information and requests passed to another nation's units, by nation."""
    default_liaison_delay_s: Duration = assumed(900.0)
    """Liaison delay with nations not listed in ``liaison_delay_s``."""


# --- catalogue: weapons, sensors, unit types --------------------------------------------------------------


class RangeBandSpec(Spec):
    """Effect of one aimed shot (or burst) out to ``max_range_m``."""

    max_range_m: PositiveDistance
    p_kill: Probability
    """Probability that one engagement puts one target out of action, against an exposed target."""
    p_suppress: Probability = assumed(0.5)
    """Probability that one engagement suppresses the target element."""


class VehicleEffectSpec(Spec):
    """A weapon's effect on carriers by vehicle class (docs/mechanics/direct-fire.md, "Carriers destroyed
    by fire")."""

    def by_class(self) -> tuple[float, ...]:
        """The values in the order of :data:`ARMOUR_CLASSES`."""
        return tuple(float(getattr(self, name)) for name in ARMOUR_CLASSES)


class VehicleKillSpec(VehicleEffectSpec):
    """Probability that one engagement destroys one carrier, by vehicle class (0: never)."""

    soft: Probability = assumed(0.0)
    """Against soft-skinned vehicles (trucks, pickups)."""
    light: Probability = assumed(0.0)
    """Against light armour (armoured personnel carriers)."""


class VehicleRadiusSpec(VehicleEffectSpec):
    """Distance from a burst at which a carrier is destroyed with probability 0.5, by vehicle class (0:
    never)."""

    soft: Distance = assumed(0.0)
    """Soft-skinned vehicles (trucks, pickups)."""
    light: Distance = assumed(0.0)
    """Light armour (armoured personnel carriers)."""


class AntiAirSpec(Spec):
    """How a weapon engages aircraft: its envelope and the outcome of one engagement
    (docs/mechanics/air-defence.md)."""

    max_range_m: PositiveDistance
    """Greatest slant range at which it engages an aircraft."""
    min_range_m: Distance = assumed(0.0)
    max_altitude_m: PositiveDistance
    """Greatest height of an aircraft above the ground that it can engage."""
    min_altitude_m: Distance = assumed(0.0)
    engagements_per_min: RatePerMin = assumed(1.0)
    """Engagements (a missile, or a burst) one weapon makes per minute at a tracked aircraft in range."""
    p_kill: Probability
    """Probability that one engagement brings the aircraft down (lost)."""
    p_damage: Probability = assumed(0.0)
    """Probability that one engagement damages the aircraft without bringing it down (it aborts)."""
    rounds_per_engagement: Count = assumed(1)
    """Rounds (or missiles) of the mount's ammunition one engagement uses."""

    @model_validator(mode="after")
    def _outcomes(self) -> AntiAirSpec:
        if float(self.p_kill) + float(self.p_damage) > 1.0 + 1e-12:
            raise PydanticCustomError(
                "anti_air_outcomes",
                "p_kill + p_damage must not exceed 1",
                {
                    "expected": "p_kill + p_damage <= 1",
                    "found": f"{float(self.p_kill):g} + {float(self.p_damage):g}",
                },
            )
        if float(self.min_altitude_m) >= float(self.max_altitude_m):
            raise PydanticCustomError(
                "anti_air_envelope",
                "min_altitude_m must be below max_altitude_m",
                {
                    "expected": "min_altitude_m < max_altitude_m",
                    "found": f"{float(self.min_altitude_m):g} >= {float(self.max_altitude_m):g}",
                },
            )
        return self


class WeaponSpec(Spec):
    """A weapon: direct fire (range-band table), indirect fire (lethal area), air-delivered munition, or
    air defence (a weapon that engages only aircraft)."""

    kind: Literal["direct", "indirect", "air", "air-defence"]
    name: str | None = None
    bands: list[RangeBandSpec] = Field(default_factory=list)
    """Direct fire: range bands in increasing range."""
    rate_per_min: RatePerMin = assumed(2.0)
    """Engagements (aimed shots or bursts for direct fire, rounds for indirect fire) per minute."""
    min_range_m: Distance = assumed(0.0)
    max_range_m: PositiveDistance | None = None
    """Indirect and air: greatest range; direct fire takes it from the last band."""
    lethal_radius_m: Distance = assumed(0.0)
    """Indirect and air: radius within which an exposed person is a casualty with probability 0.5."""
    dispersion_m: Distance = assumed(0.0)
    """Indirect and air: circular error probable of an aimed round about its aim point."""
    projectile_speed_mps: PositiveSpeed = assumed(300.0)
    """Average speed over the trajectory, for time of flight."""
    rounds_per_mission: Count = assumed(6)
    """Indirect fire: rounds a fire mission uses per tube; air: weapons one aircraft carries a sortie
    (unless its mount's ``ammunition`` says otherwise)."""
    rounds_per_pass: Count | None = None
    """Air: weapons one aircraft releases in one attack pass; an aircraft with weapons left stays on
    station and attacks again (docs/mechanics/air.md, "On station"). None: the whole load in one pass."""
    sustained_rounds_per_min: RatePerMin | None = None
    """Direct fire: rounds one weapon fires per minute while engaging a target that is already suppressed
    (the sustained rate of fire); none means one round per engagement (``rate_per_min``)."""
    rapid_rounds_per_min: RatePerMin | None = None
    """Direct fire: rounds one weapon fires per minute while engaging a target that is not yet suppressed
    (the rapid rate, to suppress it quickly); none means the sustained rate."""
    aim_error_mil: Mils | None = None
    """Direct fire: the standard deviation per axis, in mils, of where one aimed round or burst strikes
    about the target's centre in combat. With it, a target's posture protects it by the share of the hit
    probability its presented height keeps at the range (docs/mechanics/direct-fire.md, "Exposure by
    posture"); without it, by the posture's exposure to fragments."""
    safe_distance_m: Distance | None = None
    """Indirect and air: the minimum safe distance from friendly troops (the risk-estimate distance at
    0.1 % probability of incapacitation). A mission or strike whose aim point is closer to a friendly ground
    unit is refused unless its task accepts danger-close fire; none means no clearance check."""
    anti_air: AntiAirSpec | None = None
    """Air defence: the envelope and engagement outcomes against aircraft. Required for kind
    ``air-defence``; a direct-fire weapon with it (a heavy machine gun) also engages aircraft."""
    vehicle_p_kill: VehicleKillSpec | None = None
    """Direct fire: probability that one engagement destroys one carrier of a mounted target, by vehicle
    class, in the weapon's first range band (farther bands scale it as they scale ``p_kill``); none: the
    weapon destroys no vehicle (small arms)."""
    vehicle_lethal_radius_m: VehicleRadiusSpec | None = None
    """Indirect and air: the distance from a burst at which a carrier of each vehicle class is destroyed
    with probability 0.5 (the ``lethal_radius_m`` of people, for vehicles); none: no vehicle is destroyed."""
    wounds: Literal["bullets", "fragments"] = "bullets"
    """Direct fire: what wounds the people the weapon hits, which sets the share of them killed
    (docs/mechanics/casualties.md): ``bullets``, or ``fragments`` (the blast and fragments of a warhead,
    as an RPG's rocket: indirect fire's share)."""
    fires_at: Literal["all", "vehicles-and-cover"] = "all"
    """Direct fire: the targets the weapon is used on: ``all`` in reach, or ``vehicles-and-cover`` (an
    anti-armour weapon): carriers, ridden or beside their people, and troops in dug positions or under a
    unit type's ``cover`` (buildings), never troops in the open (docs/mechanics/direct-fire.md, "Anti-armour
    weapons")."""
    emplace_s: Duration = assumed(0.0)
    """Indirect fire: after a move, the time from halting until the battery can fire (emplacement:
    weapons off their carriers or trucks, laid and ready; docs/mechanics/indirect-fire.md, "Emplacement
    and displacement"). 0: it fires as soon as it halts."""
    displace_s: Duration = assumed(0.0)
    """Indirect fire: the time a halted battery takes to pack up (march order, displacement) before it
    can move off. 0: it moves off at once."""
    crew: Count = assumed(0)
    """People who serve one weapon in full (a mortar's or a gun's detachment); 0: not given (a weapon one
    person carries). Documentation of the catalogue; the model reads ``min_crew``."""
    min_crew: Count = assumed(0)
    """Indirect fire: the fewest people who keep one weapon firing. An element with ``S`` people fires at
    most ``floor(S / min_crew)`` of its weapons of this kind (none when ``S < min_crew``): fewer tubes a
    volley, fewer rounds a minute (docs/mechanics/indirect-fire.md, "Crews"). 0: no minimum."""

    @model_validator(mode="after")
    def _consistent(self) -> WeaponSpec:
        if self.kind == "air-defence":
            if self.anti_air is None:
                raise PydanticCustomError(
                    "weapon_anti_air",
                    "an air-defence weapon needs anti_air",
                    {"expected": "anti_air: {max_range_m, max_altitude_m, p_kill}", "found": "none"},
                )
        elif self.kind == "direct":
            if not self.bands:
                raise PydanticCustomError(
                    "weapon_bands",
                    "a direct-fire weapon needs range bands",
                    {"expected": "bands: a list of {max_range_m, p_kill}", "found": "none"},
                )
            ranges = [float(b.max_range_m) for b in self.bands]
            if ranges != sorted(ranges) or len(set(ranges)) != len(ranges):
                raise PydanticCustomError(
                    "weapon_bands",
                    "range bands must be in increasing range",
                    {
                        "expected": "strictly increasing max_range_m",
                        "found": ", ".join(f"{r:g}" for r in ranges),
                    },
                )
        elif self.max_range_m is None:
            raise PydanticCustomError(
                "weapon_range",
                "an indirect-fire or air weapon needs max_range_m",
                {"expected": "max_range_m: a positive number", "found": "none"},
            )
        return self

    @property
    def reach_m(self) -> float:
        """The greatest range at which the weapon has any effect."""
        if self.kind == "direct":
            return float(self.bands[-1].max_range_m)
        if self.kind == "air-defence" and self.anti_air is not None:
            return float(self.anti_air.max_range_m)
        return float(self.max_range_m or 0.0)


class SensorSpec(Spec):
    """A sensor. Detection is a hazard rate that falls with range (see docs/mechanics/sensing.md)."""

    kind: Literal["eye", "optical", "thermal", "radar", "signals"]
    name: str | None = None
    max_range_m: PositiveDistance
    range_scale_m: PositiveDistance
    """Range at which the detection rate has fallen to 1/e of its close-range value."""
    rate_per_s: RatePerS
    """Close-range detection hazard against a reference target (signature 1, exposed, daylight)."""
    night_factor: Factor = assumed(0.3)
    """Multiplier on the rate at night (twilight takes the mean of day and night)."""
    needs_line_of_sight: bool = True
    position_error_m: Distance = assumed(100.0)
    """Standard deviation of the reported position per axis at ``range_scale_m``; it scales with range."""
    identifies: bool = False
    """Whether a detection by this sensor also identifies the target's type and strength."""


class WeaponMountSpec(Spec):
    """A weapon carried by a unit type."""

    weapon: Name
    count: Count = assumed(1)
    ammunition: Stock | None = None
    """Rounds carried per weapon (its basic load; the mount holds ``count`` times this); none means
    unlimited for the scenario's length. Air weapons: the weapons one aircraft carries a sortie (none:
    the weapon's ``rounds_per_mission``)."""
    per_person: bool = False
    """Whether the weapon is carried one per person (a rifle): its count scales with a unit's
    ``strength`` against the type's ``personnel``. A crew-served weapon (false) keeps its count."""
    on_carrier: bool = False
    """Whether the weapon is mounted on the unit type's carriers (a pickup's machine gun, a carrier's
    turret gun): ``count`` is spread over the carriers, fires from where they stand and only while they
    are ridden or their ``crew`` stays with them, and is lost with them (docs/mechanics/transport.md,
    "Carriers' guns"). Needs ``carriers``; not with ``per_person``."""


class SensorMountSpec(Spec):
    """A sensor carried by a unit type."""

    sensor: Name
    count: Count = assumed(1)


class AirSpec(Spec):
    """Flight parameters of aircraft and drones."""

    cruise_speed_mps: PositiveSpeed
    endurance_s: PositiveDuration
    altitude_m: Altitude = assumed(3000.0)
    turnaround_s: Duration = assumed(3600.0)
    """Time on the ground between sorties."""
    signature_class: Literal["rotary", "jet", "propeller", "small-uav"] = "jet"
    """How far away ground observers notice it, against the sky and by its noise (the unit type's
    ``signature`` scales the rate): see docs/mechanics/air-defence.md."""
    audible_range_m: Distance = assumed(0.0)
    """Ground elements hostile to it hear it in flight within this slant range, by day or night and behind
    hills (see docs/mechanics/sensing.md, "Hearing"); 0: it is not heard."""
    attack_altitude_m: Altitude | None = None
    """Height on station over a strike's target (the attack run); none means ``altitude_m``."""
    threat_altitude_m: Altitude | None = None
    """Height flown while the side knows of enemy air defence (it climbs to trade sight for safety); none
    means it keeps its altitudes and only keeps out of the rings it knows."""


class CarrierSpec(Spec):
    """The unit's own carriers (trucks, pickups, armoured carriers) that lift its people: it rides at the
    carriers' speeds and dismounts to fight (see docs/mechanics/transport.md, "Ground carriers")."""

    vehicle: Name
    """Which of the unit type's ``vehicles`` carry it; their count is the unit's (a unit's ``vehicles``
    override included)."""
    seats: Count
    """People one carrier takes: its passengers, plus its crew when the unit's ``personnel`` counts the
    crews."""
    speed_mps: dict[TerrainClass, Speed] = Field(min_length=1)
    """Mounted speed by terrain class; a class not listed is impassable mounted."""
    mount_s: Duration = assumed(60.0)
    """Time to mount (embus) before the unit rides off."""
    dismount_s: Duration = assumed(30.0)
    """Time to dismount (debus) and deploy before the unit moves or fights on foot."""
    dismount_range_m: Distance = assumed(1000.0)
    """The unit dismounts when its side's picture holds an enemy within this distance, or, on an attack,
    when its objective is this close."""
    fire_exposure: Factor = assumed(1.0)
    """Direct-fire effect on the people while mounted, relative to the same people dismounted: above 1 for
    troops bunched in soft vehicles, below 1 behind armour."""
    mine_casualties: Factor = assumed(2.7)
    """People hurt when one carrier sets off a mine (at most the carrier's load); the carrier is lost."""
    armour: Armour = "soft"
    """The carriers' class against fire: ``soft`` (trucks, pickups) or ``light`` (armoured carriers); the
    weapons' ``vehicle_p_kill`` and ``vehicle_lethal_radius_m`` give their effect on each class."""
    fragment_exposure: Factor = assumed(1.0)
    """Blast and fragment effect of indirect fire and bombs on the people while mounted, relative to men
    standing in the open (it replaces the posture's exposure): 1 in soft vehicles, low behind armour."""
    rider_casualty_share: Probability = assumed(0.5)
    """Share of the people on board a carrier who are hit when fire destroys it."""
    crew: Count = assumed(0)
    """People who stay with each carrier when the unit dismounts (driver, gunner): with a crew a parked
    carrier's guns (``on_carrier`` weapons) keep firing from where it stands; with none they fall silent.
    The crews stay counted in the unit's strength."""
    signature: Factor = assumed(1.0)
    """Detectability of the unit's carriers parked away from its people (a contact of their own), relative
    to a dismounted squad in the open (1); they are seen halted."""


class UnitTypeSpec(Spec):
    """A kind of unit: people, vehicles, weapons, sensors, mobility and signature."""

    name: str | None = None
    category: Literal[
        "infantry",
        "special-forces",
        "reconnaissance",
        "motorised",
        "mechanised",
        "armour",
        "artillery",
        "mortar",
        "air-defence",
        "aircraft",
        "uav",
        "helicopter",
        "headquarters",
        "irregular",
        "logistics",
    ]
    domain: Domain = "ground"
    echelon: Echelon = "squad"
    symbol: str | None = None
    """MIL-STD-2525 function code for maps (e.g. ``121100`` infantry)."""
    personnel: Count
    vehicles: dict[Name, Count] = Field(default_factory=dict)
    vehicles_per_person: bool = False
    """Whether the vehicle counts scale with a unit's ``strength`` against ``personnel`` (each vehicle
    carries a share of the people); false keeps them."""
    weapons: list[WeaponMountSpec] = Field(default_factory=list)
    sensors: list[SensorMountSpec] = Field(default_factory=list)
    speed_mps: dict[TerrainClass, Speed] = Field(default_factory=dict)
    """Ground speed by terrain class; a class not listed is impassable."""
    slope_limit_deg: Annotated[Angle, Field(description="Steepest slope the unit can move on, degrees.")] = (
        assumed(35.0)
    )
    slope_slowdown: Factor = assumed(0.5)
    """Fraction of speed lost at half the slope limit (speed falls linearly with slope)."""
    signature: Factor = assumed(1.0)
    """Detectability relative to a dismounted squad in the open (1)."""
    cover: Probability = assumed(0.0)
    """Fraction of incoming direct-fire effect that the unit's own protection stops (armour, vehicles)."""
    fuel_l: Fuel | None = None
    """Fuel in the tanks of an element's vehicles together, litres, full at the start; none: fuel is not
    modelled (nor for aircraft, whose endurance is their airborne time). See docs/mechanics/movement.md."""
    fuel_per_km_l: Fuel = assumed(0.0)
    """Fuel the element's vehicles together burn per kilometre driven on roads (off roads times
    ``OFF_ROAD_FUEL_FACTOR``); a type with ``carriers`` burns it only while mounted."""
    idle_fuel_per_h_l: Fuel = assumed(0.0)
    """Fuel the element's vehicles together burn per hour halted with their engines running (a type with
    ``carriers``: halted with its people on board; one without: halted in posture ``halted`` or
    ``mounted``); 0: engines are switched off when halted. See docs/mechanics/movement.md, "Idling"."""
    breaching: Factor = assumed(0.0)
    """Engineer breaching capability: an element of ``breaching`` b opens a lane through an obstacle in the
    obstacle's ``breach_s / b``; 0 cannot breach (it forces known obstacles)."""
    break_losses: Probability = Param(0.4, "helmbold-1971-breakpoints", "low")
    """Fraction of personnel lost at which the unit breaks and withdraws."""
    break_suppression: Probability = assumed(0.8)
    """Fraction of time suppressed over the last ten minutes at which the unit breaks."""
    air: AirSpec | None = None
    carriers: CarrierSpec | None = None
    """Vehicles of the unit that carry its people (ground units): mounted, the unit moves at their speeds;
    its own ``speed_mps`` is then its people's speed on foot."""

    @model_validator(mode="after")
    def _domain_fits(self) -> UnitTypeSpec:
        if self.domain == "air" and self.air is None:
            raise PydanticCustomError(
                "air_params",
                "an air unit type needs flight parameters",
                {"expected": "air: {cruise_speed_mps, endurance_s}", "found": "none"},
            )
        for mount in self.weapons:
            if mount.on_carrier and (self.carriers is None or mount.per_person):
                raise PydanticCustomError(
                    "carrier_weapon",
                    "weapon {weapon} is on_carrier, which needs the type's carriers and is not per person",
                    {
                        "weapon": mount.weapon,
                        "expected": "carriers: {vehicle, ...} and per_person: false",
                        "found": "per_person: true" if mount.per_person else "no carriers",
                    },
                )
        return self


# --- catalogue: behaviours (docs/mechanics/behaviour.md) ---------------------------------------------------

BehaviourRule = Literal["take-cover", "withdraw", "attack", "probe", "ambush", "pursue"]
BEHAVIOUR_RULES: tuple[str, ...] = get_args(BehaviourRule)


def _all_rules() -> list[BehaviourRule]:
    return ["take-cover", "withdraw", "attack", "probe"]


class BehaviourSpec(Spec):
    """A rule set by which a unit decides for itself from its side's picture (see
    docs/mechanics/behaviour.md). An ambush under way holds first; then the rules are tried in the order
    take-cover, withdraw, ambush, attack, pursue; the first whose condition holds decides, and a unit none
    applies to carries on with its task."""

    rules: list[BehaviourRule] = Field(default_factory=_all_rules)
    """The rules in force; ``probe`` shapes ``attack`` (halt short of the target to look first)."""
    radius_m: PositiveDistance = assumed(1500.0)
    """Radius of the local force ratio: friendly strength and known enemy strength within it."""
    withdraw_below: Factor = assumed(0.33)
    """Withdraw when friendly strength / known enemy strength within ``radius_m`` falls below this."""
    attack_above: Factor = Param(3.0, "mearsheimer-3-1", "low")
    """Attack the weakest known contact within ``reach_m`` when friendly strength near the unit is at least
    this many times the contact's estimated strength."""
    reach_m: PositiveDistance = assumed(3000.0)
    """Contacts farther than this are not attacked (nor pursued)."""
    probe_distance_m: PositiveDistance = assumed(500.0)
    """Probe: halt this far short of the target's believed position before closing."""
    probe_s: Duration = assumed(300.0)
    """Probe: time spent watching from the halt before the assault."""
    air_radius_m: PositiveDistance = assumed(5000.0)
    """Take cover when the picture holds a hostile aircraft within this distance."""
    cover_s: Duration = assumed(600.0)
    """Stay down this long after the last sight of a hostile aircraft within ``air_radius_m``."""
    wary_s: Duration = assumed(3600.0)
    """Hysteresis: a unit sent to ground again within this long of its last all-clear stays down twice as
    long as the time before (``cover_s``, then 2, 4, ... times it); 0 turns the doubling off."""
    max_cover_s: Duration = assumed(7200.0)
    """The longest the doubled hold may grow."""
    unidentified_strength: Count = assumed(10)
    """Strength assumed for a contact whose type is not identified."""
    ambush_offset_m: PositiveDistance = assumed(100.0)
    """Ambush (a rule named in ``rules`` only, not on by default): the party lies this far beside the road,
    at the road point nearest to it."""
    ambush_zone_m: PositiveDistance = assumed(150.0)
    """Ambush: radius of the kill zone around that road point; a contact this close to a road vertex is on
    the road."""
    ambush_lead_s: Duration = assumed(300.0)
    """Ambush: the party must be at its place this long before the column is expected there."""
    ambush_wait_s: Duration = assumed(3600.0)
    """Ambush: the party gives up when no enemy has entered the kill zone this long after it set out."""
    ambush_withdraw_s: Duration = assumed(600.0)
    """Ambush: the party withdraws this long after opening fire."""
    column_speed_mps: PositiveSpeed = Param(11.1, "fm-11-43", "low")
    """Ambush: road speed assumed for a column whose type is not identified (40 km/h)."""
    ambush_lookout_m: PositiveDistance = assumed(10000.0)
    """Ambush: the look-out distance. A column the side's picture believes (dead-reckoned) within this
    distance of the party's road point is weighed for an ambush, however far it is from the party itself."""
    pursue_above: Factor = assumed(1.0)
    """Pursue (a rule named in ``rules`` only, not on by default): follow a contact seen moving away
    within ``reach_m`` while friendly strength near the unit is at least this many times the estimated
    strength of the enemy the pursuit faces (the known enemy within ``radius_m``, with the contact)."""
    pursue_distance_m: PositiveDistance = assumed(3000.0)
    """Pursue: break off this far from where the pursuit began."""
    pursue_s: Duration = assumed(1800.0)
    """Pursue: break off this long after the pursuit began; no new pursuit for this long after one ends."""


class _CatalogueSections(Spec):
    weapons: dict[Name, WeaponSpec] = Field(default_factory=dict)
    sensors: dict[Name, SensorSpec] = Field(default_factory=dict)
    unit_types: dict[Name, UnitTypeSpec] = Field(default_factory=dict)
    behaviours: dict[Name, BehaviourSpec] = Field(default_factory=dict)
    """Rule sets units may follow (``units.<id>.behaviour``)."""


class CatalogueFile(_CatalogueSections):
    """A catalogue file: named, versioned weapons, sensors and unit types that scenarios extend."""

    schema_version: Literal[1]
    catalogue: Name
    """The catalogue's versioned name, e.g. ``core-v1``; also its file name in the library."""
    title: str = ""
    description: str = ""
    extends: list[str] = Field(default_factory=list)
    sources: dict[Name, SourceSpec] = Field(default_factory=dict)


class CatalogueSpec(_CatalogueSections):
    """Weapons, sensors and unit types. A scenario's catalogue extends embedded catalogues by id."""

    extends: list[str] = Field(default_factory=lambda: ["core-v1"])
    """Embedded catalogues (or paths) merged first, in order; entries here add to or override them."""


# --- units -------------------------------------------------------------------------------------------------


class UnitSpec(Spec):
    """A unit: the smallest manoeuvre element the scenario names (or a group of identical ones)."""

    type: Name
    nation: Name
    name: str | None = None
    designation: str | None = None
    """Short label for map symbols (e.g. ``1/ARM SOF``)."""
    parent: UnitId | None = None
    """The unit this one reports to, for the command hierarchy."""
    count: Count = assumed(1)
    """Number of identical elements. With ``count > 1`` the elements get ids ``<id>/1``, ``<id>/2``, ...
    and the unit's own id names the group."""
    strength: Count | None = None
    """Personnel per element; the unit type's ``personnel`` when omitted. The counts of the type's
    per-person weapons (and vehicles, if the type says so) scale with it."""
    weapons: list[WeaponMountSpec] | None = None
    """Weapons per element, replacing the unit type's (counts as given, not scaled by ``strength``)."""
    ammunition: dict[Name, Stock] = Field(default_factory=dict)
    """Rounds carried per weapon, by weapon id, replacing the basic load of the mounts of that weapon."""
    vehicles: dict[Name, Count] | None = None
    """Vehicles per element, replacing the unit type's (not scaled by ``strength``)."""
    at: LocationRef
    """Start location."""
    spread_m: Distance = assumed(0.0)
    """Elements of a group start scattered uniformly within this radius of ``at``."""
    posture: Posture = "halted"
    roles: list[Role] = Field(default_factory=list)
    capturable: bool = False
    """Whether the unit can be captured by a raid (a field commander, say)."""
    escape_to: LocationRef | None = None
    """Where a capturable unit flees when it learns that raiders are near; reaching it is an escape."""
    readiness_s: Duration = assumed(0.0)
    """Time after the start before the unit can act (alert and preparation of a snap deployment)."""
    home: Name | None = None
    """Site the unit belongs to: an airbase for aircraft (sorties start there), a garrison otherwise."""
    behaviour: Name | None = None
    """A rule set of the catalogue's ``behaviours`` the unit follows on top of its tasks (it decides for
    itself from its side's picture); none: it does only what the plan orders."""
    mounted: bool = True
    """A unit whose type has ``carriers``: whether it starts in them (false: on foot beside them)."""


# --- plan: triggers and tasks -------------------------------------------------------------------------------

EventKind = Literal[
    "contact-detected",
    "contact-reported",
    "contact-lost",
    "unit-arrived",
    "unit-destroyed",
    "unit-broke",
    "unit-captured",
    "unit-escaped",
    "unit-landed",
    "unit-dismounted",
    "fire-mission-completed",
    "strike-completed",
    "objective-achieved",
    "obstacle-encountered",
    "obstacle-breached",
    # positions (docs/mechanics/assault.md)
    "position-lost",
    "position-retaken",
]
EVENT_KINDS: tuple[str, ...] = get_args(EventKind)


class _TriggerBase(Spec):
    delay_s: Duration = assumed(0.0)
    """Extra wait after the trigger's condition first holds."""


class AtTimeTrigger(_TriggerBase):
    """Fires at a time after the scenario start."""

    at_s: Duration


class AfterPhaseTrigger(_TriggerBase):
    """Fires when another phase has started (plus ``delay_s``)."""

    after_phase: Name


class EventTrigger(_TriggerBase):
    """Fires on the first event of a kind, optionally restricted to a side, a unit, or the enemy side."""

    event: EventKind
    side: Name | None = None
    """The side whose event it must be (the side that detected, lost a unit, achieved an objective...)."""
    unit: UnitId | None = None
    objective: Name | None = None
    obstacle: Name | None = None
    """obstacle-encountered / obstacle-breached: the obstacle; any obstacle when omitted."""
    position: Name | None = None
    """position-lost / position-retaken: the position; any position when omitted."""


class LossesTrigger(_TriggerBase):
    """Fires when the sides, nations and units named, taken together, have lost more than a fraction of
    their personnel. Each of ``side``, ``nation`` and ``unit`` is one name or a list of names."""

    losses_above: Probability
    side: Name | list[Name] | None = None
    nation: Name | list[Name] | None = None
    unit: UnitId | list[UnitId] | None = None

    def names(self, key: Literal["side", "nation", "unit"]) -> list[str]:
        """The names given for ``key``, as a list (empty when none)."""
        value = getattr(self, key)
        if value is None:
            return []
        return [value] if isinstance(value, str) else list(value)


class LocatedTrigger(_TriggerBase):
    """Fires when a side's picture holds at least a fraction of the enemy elements as live contacts."""

    located_fraction: Probability
    side: Name
    of_side: Name


class ObjectiveTrigger(_TriggerBase):
    """Fires when an objective is achieved."""

    objective_achieved: Name


class ArrivedTrigger(_TriggerBase):
    """Fires when all the named units have reached their task destination."""

    arrived: list[UnitId]


class AllOfTrigger(_TriggerBase):
    all_of: list[Trigger]


class AnyOfTrigger(_TriggerBase):
    any_of: list[Trigger]


_TRIGGER_KEYS = {
    "at_s": "AtTimeTrigger",
    "after_phase": "AfterPhaseTrigger",
    "event": "EventTrigger",
    "losses_above": "LossesTrigger",
    "located_fraction": "LocatedTrigger",
    "objective_achieved": "ObjectiveTrigger",
    "arrived": "ArrivedTrigger",
    "all_of": "AllOfTrigger",
    "any_of": "AnyOfTrigger",
}


def _trigger_tag(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        for key, tag in _TRIGGER_KEYS.items():
            if key in type(value).model_fields:
                return tag
        return None
    if isinstance(value, dict):
        for key, tag in _TRIGGER_KEYS.items():
            if key in value:
                return tag
    return None


class _HashableContext(dict[str, str]):
    """An error context that ``typing`` can hash, so that ``Trigger`` can be a member of a union
    (``Trigger | None``)."""

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items())))


Trigger = Annotated[
    Annotated[AtTimeTrigger, Tag("AtTimeTrigger")]
    | Annotated[AfterPhaseTrigger, Tag("AfterPhaseTrigger")]
    | Annotated[EventTrigger, Tag("EventTrigger")]
    | Annotated[LossesTrigger, Tag("LossesTrigger")]
    | Annotated[LocatedTrigger, Tag("LocatedTrigger")]
    | Annotated[ObjectiveTrigger, Tag("ObjectiveTrigger")]
    | Annotated[ArrivedTrigger, Tag("ArrivedTrigger")]
    | Annotated[AllOfTrigger, Tag("AllOfTrigger")]
    | Annotated[AnyOfTrigger, Tag("AnyOfTrigger")],
    Discriminator(
        _trigger_tag,
        custom_error_type="trigger_kind",
        custom_error_message="not a known trigger",
        custom_error_context=_HashableContext(
            expected="a mapping with one of the keys " + ", ".join(_TRIGGER_KEYS)
        ),
    ),
]
"""When a phase starts: a time, another phase, an event, or a condition (and combinations)."""

AllOfTrigger.model_rebuild()
AnyOfTrigger.model_rebuild()


class _TaskBase(Spec):
    units: list[UnitId] = Field(min_length=1)
    """Units (or groups) that carry out the task."""
    with_subordinates: bool = False
    """Also give the task to every unit below those named in the command hierarchy."""
    delay_s: Duration = assumed(0.0)
    """Wait after the phase starts, on top of the units' command delays."""
    stagger_s: Duration = assumed(0.0)
    """Successive elements start the task this many seconds apart, in the order the task names them (group
    members in order): relief on station for aircraft on a patrol, waves for ground units."""


def _listed(value: Any) -> Any:
    """A single name (``via: north-road``) is a list of one."""
    return [value] if isinstance(value, str) else value


class _KeepTogether(Spec):
    """Options of the tasks whose elements march to a destination (docs/mechanics/movement.md, "Keeping
    together")."""

    together: bool = False
    """The task's elements march as one body: none gets more than ``max_gap_m`` ahead of the last along its
    route, so the body goes at the pace of its slowest element and the leaders halt for the laggards. Off:
    each element at its own pace."""
    max_gap_m: PositiveDistance = assumed(1000.0)
    """With ``together``: the most route distance an element may lead the last element of the task by
    (an assumption: about the depth of a company in open column, docs/mechanics/movement.md)."""


Via = Annotated[list[LocationRef], BeforeValidator(_listed)]
"""Where a route must pass, in order: places, points, or lines of kind route or road (followed along their
length, from the end nearer the unit); one name alone is a list of one."""


class MoveTask(_TaskBase, _KeepTogether):
    task: Literal["move"]
    to: LocationRef
    via: Via = Field(default_factory=list)
    posture_on_arrival: Posture = "halted"
    speed_factor: Factor = assumed(1.0)
    mounted: bool | None = None
    """Units with carriers: ride (true) or walk (false); when omitted they ride where riding is faster
    (docs/mechanics/transport.md, "Ground carriers")."""


class ReconnoitreTask(_TaskBase, _KeepTogether):
    task: Literal["reconnoitre"]
    to: LocationRef | None = None
    """A place to reconnoitre; with ``toward: contacts``, where to go while the side's picture holds no
    contact to reconnoitre (the elements stay where they are when omitted)."""
    toward: Literal["contacts"] | None = None
    """``contacts``: go to confirm the side's reported enemy contacts (nearest unconfirmed first), stopping
    ``standoff_m`` short of each (docs/mechanics/orders.md, "Reconnaissance toward contacts")."""
    area: Name | None = None
    """With ``toward: contacts``: only contacts believed inside this area of the scenario."""
    standoff_m: PositiveDistance | None = None
    """With ``toward: contacts``: how far short of a contact each element stops; when omitted, half the
    range scale of its farthest-seeing sensor."""
    via: Via = Field(default_factory=list)
    report_to: UnitId | None = None
    speed_factor: Factor = assumed(0.6)
    """Reconnaissance moves slower than a road march: a fraction of full speed."""
    mounted: bool | None = None
    """Units with carriers: ride (true) or walk (false); when omitted they ride where riding is faster
    (docs/mechanics/transport.md, "Ground carriers")."""

    @model_validator(mode="after")
    def _one_aim(self) -> ReconnoitreTask:
        if self.to is None and self.toward is None:
            raise PydanticCustomError(
                "reconnoitre_aim",
                "a reconnoitre task needs a place to go to or toward: contacts",
                {"expected": "to, toward or both", "found": "neither"},
            )
        if self.toward is None:
            given = [k for k in ("area", "standoff_m") if getattr(self, k) is not None]
            if given:
                raise PydanticCustomError(
                    "reconnoitre_aim",
                    "area and standoff_m apply only to a reconnoitre toward contacts",
                    {"expected": "toward: contacts with area or standoff_m", "found": ", ".join(given)},
                )
        elif self.via:
            raise PydanticCustomError(
                "reconnoitre_aim",
                "a reconnoitre toward contacts takes no via points",
                {"expected": "no via with toward: contacts", "found": "via"},
            )
        return self


class ScreenTask(_TaskBase):
    task: Literal["screen"]
    line: Name


class DefendTask(_TaskBase, _KeepTogether):
    task: Literal["defend"]
    at: LocationRef | None = None
    line: Name | None = None
    area: Name | None = None
    posture: Posture = "prepared-defence"

    @model_validator(mode="after")
    def _one_place(self) -> DefendTask:
        given = [k for k in ("at", "line", "area") if getattr(self, k) is not None]
        if len(given) != 1:
            raise PydanticCustomError(
                "defend_place",
                "a defend task needs exactly one place to defend",
                {"expected": "exactly one of at, line, area", "found": ", ".join(given) or "none"},
            )
        return self


class AttackTask(_TaskBase, _KeepTogether):
    task: Literal["attack"]
    target: LocationRef | None = None
    """A point or place to attack; when omitted, the nearest enemy contact in the side's picture."""
    target_unit: UnitId | None = None
    """An enemy unit to attack, engaged through the side's picture of it; searched for about its last known
    position when the picture no longer places it (docs/mechanics/orders.md, "Search for a target")."""
    via: Via = Field(default_factory=list)
    """With ``target``: where the approach must pass first."""
    mounted: bool | None = None
    """Units with carriers: ride (true) or walk (false); when omitted they ride where riding is faster
    (docs/mechanics/transport.md, "Ground carriers")."""


class RaidTask(_TaskBase):
    task: Literal["raid"]
    target_unit: UnitId
    capture: bool = True
    """Seize the target alive (it must be capturable); otherwise destroy it."""
    then_to: LocationRef | None = None
    """Where to go once the raid is over."""


class WithdrawTask(_TaskBase, _KeepTogether):
    task: Literal["withdraw"]
    to: LocationRef
    together: bool = True
    """The withdrawing elements fall back as one body to the rally point ``to``, at the pace of the
    slowest, none more than ``max_gap_m`` ahead of the last (docs/mechanics/orders.md, "Withdrawal");
    false: each element at its own pace."""
    mounted: bool | None = None
    """Units with carriers: ride (true) or walk (false); when omitted they ride where riding is faster
    (docs/mechanics/transport.md, "Ground carriers")."""


class CoverWithdrawalTask(_TaskBase):
    task: Literal["cover-withdrawal"]
    of: list[UnitId] = Field(min_length=1)
    """The units whose withdrawal is covered."""
    to: LocationRef | None = None
    """Where the covering force withdraws last; the covered units' destination when omitted."""


class StrikeTask(_TaskBase):
    task: Literal["strike"]
    target: LocationRef | None = None
    """A fixed aim point; when omitted, the side's best-located enemy contacts."""
    sorties: Count = assumed(1)
    weapon: Name | None = None
    """Weapon to use; the aircraft type's first air weapon when omitted."""
    tasking_delay_s: Duration = assumed(1800.0)
    """Time from the strike request to take-off."""
    time_on_station_s: Duration = assumed(900.0)
    danger_close: bool = False
    """Release even when friendly troops are inside the weapon's ``safe_distance_m`` of the aim point."""


class FireSupportTask(_TaskBase):
    task: Literal["fire-support"]
    observers: list[UnitId] = Field(default_factory=list)
    """Units whose reports may call fire; any unit of the side when empty."""
    supports: list[UnitId] = Field(default_factory=list)
    """Units the batteries follow, by bounds: a battery standing displaces once they are farther than
    ``reach`` plus a sixth of its range, and goes to ``reach`` of its range from where they will be a
    sixth of its range farther on (docs/mechanics/movement.md, "Supporting batteries"); the batteries
    stay where they are when empty."""
    reach: Probability = assumed(0.5)
    """With ``supports``: the fraction of the battery's greatest range a bound leaves between itself and
    the supported units, so that its fire reaches the rest of its range beyond them (an assumption)."""
    fire_direction_delay_s: Duration = assumed(180.0)
    """Time for the fire direction centre to turn a request into firing data."""
    max_missions: Stock | None = None
    danger_close: bool = False
    """Fire even when friendly troops are inside the weapon's ``safe_distance_m`` of the aim point."""


class PatrolTask(_TaskBase):
    task: Literal["patrol"]
    waypoints: list[LocationRef] = Field(min_length=2)
    loop: bool = True
    speed_factor: Factor = assumed(0.5)
    mounted: bool | None = None
    """Units with carriers: ride (true) or walk (false); when omitted they ride where riding is faster
    (docs/mechanics/transport.md, "Ground carriers")."""


class AmbushTask(_TaskBase):
    """Wait concealed at a position covering a kill zone, open fire when an enemy enters it, then withdraw
    (see docs/mechanics/orders.md, "Ambush")."""

    task: Literal["ambush"]
    at: LocationRef
    """The ambush position."""
    kill_zone: Name
    """An area or a line of the scenario: fire is held until an enemy the side sees is inside it (within
    ``zone_width_m`` of a line)."""
    zone_width_m: PositiveDistance = assumed(100.0)
    """Width of a kill zone given as a line, metres."""
    withdraw_after_s: Duration = assumed(600.0)
    """Time after opening fire at which the ambush party breaks contact."""
    withdraw_losses: Probability = assumed(0.3)
    """Fraction of its personnel lost at which an ambush element breaks contact sooner."""
    withdraw_to: LocationRef | None = None
    """Where the party withdraws; its position at the start of the task when omitted."""


class RelieveTask(_TaskBase, _KeepTogether):
    """March to a friendly unit's position (by road where faster) and join its defence on arrival."""

    task: Literal["relieve"]
    unit: UnitId
    """The friendly unit to relieve; the relief goes to where its elements are when the order arrives."""
    via: Via = Field(default_factory=list)
    posture: Posture = "hasty-defence"
    """Posture taken on arrival."""
    mounted: bool | None = None
    """Units with carriers: ride (true) or walk (false); when omitted they ride where riding is faster
    (docs/mechanics/transport.md, "Ground carriers")."""


class ResupplyTask(_TaskBase):
    """Carry ammunition from a depot to the units that ask for it, hand it over and come back (see
    docs/mechanics/supply.md): the task's units are the carriers (trucks by road, or helicopters)."""

    task: Literal["resupply"]
    depot: LocationRef
    """Where the carriers load (and return to after each delivery)."""
    supplied: list[UnitId] = Field(min_length=1)
    """The units served: a unit asks when its ammunition falls below ``request_below`` of its basic load."""
    load_rounds: Stock
    """Rounds one carrier takes on each trip (of any weapon, as a supply point's ``stock_rounds``)."""
    request_below: Probability = assumed(0.5)
    """A served unit asks for resupply when the rounds it has left fall below this fraction of its basic
    load (all its weapons with a limited load together)."""
    load_s: Duration = assumed(1800.0)
    """Time to load a carrier at the depot."""
    handover_s: Duration = assumed(900.0)
    """Time a carrier spends with the unit handing the ammunition over."""
    load_fuel_l: Fuel = assumed(0.0)
    """Litres of fuel one carrier takes on each trip for the units it serves (0: none); a served unit
    also asks when its fuel falls below ``request_below`` of its tanks."""


TaskSpec = Annotated[
    MoveTask
    | ReconnoitreTask
    | ScreenTask
    | DefendTask
    | AttackTask
    | RaidTask
    | WithdrawTask
    | CoverWithdrawalTask
    | StrikeTask
    | FireSupportTask
    | PatrolTask
    | AmbushTask
    | RelieveTask
    | ResupplyTask,
    Field(discriminator="task"),
]
"""An order given to units when its phase starts."""
TASK_KINDS: tuple[str, ...] = (
    "move",
    "reconnoitre",
    "screen",
    "defend",
    "attack",
    "raid",
    "withdraw",
    "cover-withdrawal",
    "strike",
    "fire-support",
    "patrol",
    "ambush",
    "relieve",
    "resupply",
)


class PhaseSpec(Spec):
    """A phase of the plan: it starts when its trigger fires, and then issues its tasks."""

    trigger: Trigger
    unless: Trigger | None = None
    """A condition that takes away the phase's purpose (its target unit destroyed, captured or escaped;
    an objective already achieved...). If it has fired by the time ``trigger`` fires, the phase is passed
    over: it issues no tasks, a ``PhaseSkipped`` event says why, and phases ``after_phase`` it go on as if it
    had started then. Once the phase has started, ``unless`` no longer matters."""
    description: str | None = None
    tasks: list[TaskSpec] = Field(default_factory=list)


class PlanSpec(Spec):
    """The plan: phases in the order they are written (each starts at most once)."""

    phases: dict[Name, PhaseSpec] = Field(default_factory=dict)


# --- objectives, measures, environment ---------------------------------------------------------------------


REACH_RADIUS_M = 500.0
"""A ``reach`` objective is met when an element of its unit comes this close to the destination (an
assumption: a place named in a scenario is about this size)."""


class ObjectiveSpec(Spec):
    """Something a side tries to achieve."""

    kind: Literal[
        "capture-unit",
        "destroy-unit",
        "hold-line",
        "hold-area",
        "neutralise",
        "secure-withdrawal",
        "reach",
        "fate",
    ]
    side: Name
    unit: UnitId | None = None
    """capture-unit / destroy-unit: the unit; reach: the unit that must arrive; fate: the unit whose fate
    is judged."""
    fate: Literal["captured", "killed", "escaped", "at-large"] | None = None
    """fate: which of the unit's four exclusive fates meets the objective: ``captured`` (the first of its
    elements to be captured or to escape was captured), ``escaped`` (that element escaped), ``killed``
    (every element destroyed, none captured or escaped), ``at-large`` (none of these by the end or
    ``by_s``)."""
    units: list[UnitId] = Field(default_factory=list)
    """secure-withdrawal: the units that must get out."""
    line: Name | None = None
    area: Name | None = None
    of_side: Name | None = None
    """neutralise: the enemy side."""
    fraction: Probability = assumed(0.8)
    """neutralise: fraction of the enemy side's elements destroyed, captured or broken;
    secure-withdrawal: fraction of personnel that must get out."""
    to: LocationRef | None = None
    """secure-withdrawal / reach: destination."""
    by_s: Duration | None = None
    """Deadline after the start; none means by the end of the run."""

    @model_validator(mode="after")
    def _fields_for_kind(self) -> ObjectiveSpec:
        needs = {
            "capture-unit": ("unit",),
            "destroy-unit": ("unit",),
            "hold-line": ("line",),
            "hold-area": ("area",),
            "neutralise": ("of_side",),
            "secure-withdrawal": ("units",),
            "reach": ("unit", "to"),
            "fate": ("unit", "fate"),
        }[self.kind]
        missing = [k for k in needs if not getattr(self, k)]
        if missing:
            raise PydanticCustomError(
                "objective_fields",
                "objective of kind '{kind}' lacks {missing}",
                {
                    "kind": self.kind,
                    "missing": ", ".join(missing),
                    "expected": "the fields " + ", ".join(needs),
                    "found": "no " + ", ".join(missing),
                },
            )
        return self


MeasureKind = Literal[
    "time-to-first-detection",
    "time-to-locate",
    "objective-achieved",
    "objective-time",
    "losses",
    "penetration-depth",
    "fraction-neutralised",
    "rounds-fired",
    "sorties-flown",
    "time-in-place",
    "fire-missions",
    "kill-chain-time",
    "fratricide",
    "obstacle-casualties",
    "obstacle-breach-time",
    # phases, morale and positions
    "phase-start",
    "time-broken",
    "units-broken",
    "time-lost",
    "time-retaken",
    "held-at-end",
    "aircraft-lost",
    "sorties-aborted",
    "supplies-delivered",
    "rounds-delivered",
    "time-landed",
    "time-dismounted",
    "carriers-lost",
    "fuel-exhausted",
]
MEASURE_KINDS: tuple[str, ...] = get_args(MeasureKind)
TIME_MEASURE_KINDS: tuple[str, ...] = (
    "time-to-first-detection",
    "time-to-locate",
    "objective-time",
    "time-in-place",
    "kill-chain-time",
    "obstacle-breach-time",
    "phase-start",
    "time-broken",
    "time-lost",
    "time-retaken",
    "time-landed",
    "time-dismounted",
)
"""Measure kinds whose values are times in seconds (shown as hours and minutes)."""

MEASURE_UNITS: dict[str, str] = {
    **dict.fromkeys(TIME_MEASURE_KINDS, "s"),
    "penetration-depth": "m",
    "objective-achieved": "1",
    "held-at-end": "1",
    "fraction-neutralised": "1",
    "losses": "people",
    "fratricide": "people",
    "obstacle-casualties": "people",
    "rounds-fired": "rounds",
    "rounds-delivered": "rounds",
    "sorties-flown": "sorties",
    "sorties-aborted": "sorties",
    "aircraft-lost": "aircraft",
    "supplies-delivered": "deliveries",
    "fire-missions": "missions",
    "units-broken": "elements",
    "carriers-lost": "vehicles",
    "fuel-exhausted": "elements",
}
"""The unit of each measure kind's values as stored (in results, Parquet files and the Python API):
seconds, metres, ``1`` for an indicator (0 or 1) or a fraction, else what is counted."""


class MeasureSpec(Spec):
    """A named measure of effectiveness computed from each replication's events."""

    kind: MeasureKind
    description: str | None = None
    side: Name | None = None
    of_side: Name | None = None
    nation: Name | None = None
    objective: Name | None = None
    units: list[UnitId] = Field(default_factory=list)
    fraction: Probability | None = None
    """time-to-locate: the fraction of enemy elements that must be located."""
    line: Name | None = None
    """penetration-depth: the line depth is measured from (the border)."""
    obstacle: Name | None = None
    """obstacle-casualties / obstacle-breach-time: the obstacle; every obstacle when omitted."""
    phase: Name | None = None
    """phase-start: the phase."""
    position: Name | None = None
    """time-lost, time-retaken, held-at-end: the position."""
    casualties: Literal["all", "killed", "wounded", "missing"] = "all"
    """losses: which casualties to count: all of them (killed, wounded and missing), or one state."""


class PopulationSpec(Spec):
    """Local population support, which helps an irregular side."""

    supports: Name | None = None
    """The side the population supports, if any."""
    level: Probability = assumed(0.0)
    """0 = hostile or indifferent, 1 = full support: concealment, resupply and intelligence for that side."""


class FrictionSpec(Spec):
    """Friction of the march (see docs/mechanics/friction.md): every element's pace varies from run to
    run, vehicles break down with distance, night slows the march and elements lose their way. Off unless
    the scenario sets it."""

    march_speed_cv: Factor = assumed(0.0)
    """Coefficient of variation of a ground element's pace: each element keeps, for a whole replication,
    a speed factor drawn from a log-normal distribution of mean 1 and this CV (0: every element at its
    type's speeds)."""
    breakdown_distance_m: PositiveDistance | None = None
    """Mean distance a vehicle travels between breakdowns that stop it; an element with v vehicles breaks
    down at v times the rate (none: no breakdowns)."""
    repair_s: Duration = assumed(1800.0)
    """Halt of an element after one of its vehicles breaks down (repair, or cross-loading and going on)."""
    night_speed_factor: Probability = assumed(1.0)
    """Multiplier on every ground element's speeds by night (halfway to it at twilight), for each of the
    three factors below that the scenario leaves unset (1: night does not slow the march)."""
    night_road_factor: Probability | None = None
    """Multiplier on the speeds of elements on foot on a road leg by night (FM 21-18's normal rates of
    march: 0.8); when unset, ``night_speed_factor``."""
    night_cross_country_factor: Probability | None = None
    """Multiplier on the speeds of elements on foot off roads by night (FM 21-18's normal rates of march:
    0.67); when unset, ``night_speed_factor``."""
    night_vehicle_factor: Probability | None = None
    """Multiplier on the speeds of elements in vehicles (riding their carriers, or of a type with vehicles
    and no carriers) by night, on roads and off (blackout drive, FM 11-43: 8 km/h against 40 km/h on
    two-lane roads, 0.2); when unset, ``night_speed_factor``."""
    navigation_error_distance_m: PositiveDistance | None = None
    """Mean distance a ground element moves off roads by day between navigation errors (none: no errors)."""
    navigation_error_s: Duration = assumed(900.0)
    """Time an element loses to one navigation error (halting, finding where it is, going back)."""
    night_navigation_factor: Factor = assumed(2.0)
    """How many times more often elements err by night (halfway at twilight)."""


class EnvironmentSpec(Spec):
    """Light, weather and population."""

    light: Light = "auto"
    """``auto`` works out day, twilight and night from the clock and the area's position."""
    weather: Weather = "clear"
    visibility_m: PositiveDistance = assumed(20000.0)
    population: PopulationSpec = Field(default_factory=PopulationSpec)


# --- positions (docs/mechanics/assault.md) ----------------------------------------------------------------


class AirliftSpec(Spec):
    """Units flown in by transport aircraft or helicopters, sortie by sortie, through one airfield or
    landing zone that lands one aircraft at a time (see docs/mechanics/transport.md)."""

    units: list[UnitId] = Field(min_length=1)
    """Units (or groups) carried, loaded in this order; each waits where it is until its sortie lands."""
    to: LatLon | str
    """The airfield or landing zone where they land (a place, a site or a point)."""
    spread_m: Distance = assumed(200.0)
    """Elements are set down within this distance of ``to``."""
    aircraft: Annotated[Param, Bounds(ge=1, le=10_000, integer=True)] = assumed(1.0)
    """Aircraft flying the lift."""
    seats: Annotated[Param, Bounds(ge=1, le=10_000, integer=True)] = assumed(100.0)
    """People one sortie carries (an element larger than the seats left goes on the next sorties)."""
    first_landing_s: Duration = assumed(0.0)
    """When the first aircraft can land (after loading and the flight in)."""
    round_trip_s: PositiveDuration = assumed(3600.0)
    """From one landing of an aircraft to its next: unloading, the flight back, loading, the flight in."""
    landing_interval_s: Duration = assumed(0.0)
    """Throughput of the airfield: the least time between two landings (0: no limit)."""
    delay_mean_s: Duration = assumed(0.0)
    """Mean of a random delay of each trip (exponential: weather, loading, air traffic); 0: none."""


class PositionSpec(Spec):
    """A piece of ground a side holds and others may seize: a site or an area of the scenario."""

    site: Name | None = None
    """The site the position is around (within ``radius_m``)."""
    area: Name | None = None
    """The area that is the position (its polygon or circle)."""
    held_by: Name
    """The side that holds the position at the start."""
    radius_m: PositiveDistance = assumed(300.0)
    """A site's position: the ground within this distance of the site."""
    fortified: bool = False
    """Field fortifications (trenches, bunkers): defenders in a defensive posture count as in fortified
    defence."""

    @model_validator(mode="after")
    def _one_place(self) -> PositionSpec:
        given = [k for k in ("site", "area") if getattr(self, k) is not None]
        if len(given) != 1:
            raise PydanticCustomError(
                "position_place",
                "a position needs exactly one place",
                {"expected": "exactly one of site, area", "found": ", ".join(given) or "none"},
            )
        return self


# --- the scenario ------------------------------------------------------------------------------------------


class Scenario(Spec):
    """A complete, validated scenario (after ``extends`` and catalogues are merged in)."""

    schema_version: Literal[1]
    name: ScenarioName
    title: str
    description: str = ""
    extends: str | None = None
    """The scenario this one was derived from (a name from the library, or a path)."""
    sources: dict[Name, SourceSpec] = Field(default_factory=dict)
    time: TimeSpec
    area: AreaOfOperationsSpec
    sides: dict[Name, SideSpec] = Field(min_length=1)
    nations: dict[Name, NationSpec] = Field(min_length=1)
    catalogue: CatalogueSpec = Field(default_factory=CatalogueSpec)
    places: dict[Name, PlaceSpec] = Field(default_factory=dict)
    sites: dict[Name, SiteSpec] = Field(default_factory=dict)
    lines: dict[Name, LineSpec] = Field(default_factory=dict)
    areas: dict[Name, AreaSpec] = Field(default_factory=dict)
    obstacles: dict[Name, ObstacleSpec] = Field(default_factory=dict)
    positions: dict[Name, PositionSpec] = Field(default_factory=dict)
    """Ground held by a side that close assaults may seize (docs/mechanics/assault.md)."""
    airlifts: dict[Name, AirliftSpec] = Field(default_factory=dict)
    """Units flown in sortie by sortie through an airfield or landing zone (docs/mechanics/transport.md)."""
    units: dict[UnitId, UnitSpec] = Field(min_length=1)
    plan: PlanSpec = Field(default_factory=PlanSpec)
    objectives: dict[Name, ObjectiveSpec] = Field(default_factory=dict)
    measures: dict[Name, MeasureSpec] = Field(default_factory=dict)
    environment: EnvironmentSpec = Field(default_factory=EnvironmentSpec)
    friction: FrictionSpec = Field(default_factory=FrictionSpec)
    """Friction of the march: pace varying between runs, breakdowns (docs/mechanics/friction.md)."""

    def parameters(self) -> list[ParameterRecord]:
        """Every numeric parameter with its field path, value, source and confidence."""
        return iter_parameters(self)

    def _facts(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title if len(self.title) <= 80 else self.title[:77] + "...",
            "sides": len(self.sides),
            "units": len(self.units),
            "phases": len(self.plan.phases),
            "measures": len(self.measures),
            "duration_s": float(self.time.duration_s),
        }

    def __repr__(self) -> str:
        return short_repr("Scenario", self._facts())

    def __str__(self) -> str:
        return self.__repr__()

    def _repr_html_(self) -> str:
        rows = [
            {
                "side": name,
                "units": sum(1 for u in self.units.values() if self.nations[u.nation].side == name),
            }
            for name in self.sides
        ]
        facts = {k: v for k, v in self._facts().items() if k not in ("name", "title")}
        return html_block(f"{self.name}: {self.title}", facts, html_table(rows))


def side_losses_measure(side: str) -> str:
    """The name of the measure every run reports for a side's losses: ``losses-<side>``."""
    return f"losses-{side}"


def standard_measures(scenario: Scenario) -> dict[str, str]:
    """The measures every run reports beside the scenario's own, name -> kind: each side's losses
    (``losses-<side>``, all casualties), unless the scenario declares a measure of that name itself."""
    names = (side_losses_measure(side) for side in scenario.sides)
    return {name: "losses" for name in names if name not in scenario.measures}


def renamed_measure(name: str) -> str | None:
    """The current name of a measure name drillsim no longer reports (``personnel_lost.<side>`` is now
    ``losses-<side>``), or None."""
    old = "personnel_lost."
    return side_losses_measure(name[len(old) :]) if name.startswith(old) and len(name) > len(old) else None


def measure_units(scenario: Scenario) -> dict[str, str]:
    """The unit of every measure a run of the scenario reports (:data:`MEASURE_UNITS`), standard ones
    included."""
    kinds = {**{name: m.kind for name, m in scenario.measures.items()}, **standard_measures(scenario)}
    return {name: MEASURE_UNITS[kind] for name, kind in kinds.items() if kind in MEASURE_UNITS}
