"""The compiled world a simulation runs in: projection, terrain, forces and plan, built once per scenario.

Compiling is deterministic and independent of the random seed; every replication of every batch shares
the same :class:`World`.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import cached_property, partial
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from drillsim.geo.geodata import Geodata, geodata_names, load_geodata
from drillsim.geo.projection import LocalProjection
from drillsim.geo.roads import RoadNetwork, build_road_network
from drillsim.geo.terrain import TERRAIN_CLASS_NAMES, Terrain, load_geotiff_dem, terrain_from_geodata
from drillsim.scenario.gazetteer import Gazetteer, gazetteer_for
from drillsim.scenario.models import LatLon, Scenario
from drillsim.world.behaviours import BehaviourTable, compile_behaviours
from drillsim.world.forces import TERRAIN_INDEX, ForceTable, compile_forces
from drillsim.world.friction import FrictionTable, compile_friction
from drillsim.world.obstacles import ObstacleTable, compile_obstacles, line_points
from drillsim.world.plan import RESERVED_FOR, CompiledPlan, compile_plan
from drillsim.world.positions import PositionTable, compile_positions
from drillsim.world.support import SupportTable, compile_support
from drillsim.world.transport import Airlift, CarrierTable, compile_airlifts, compile_carriers

# How the geo layer's terrain classes map onto the catalogue's movement classes. Water maps to open
# ground: rivers are obstacles crossed only at crossings (routes go through them), not a speed.
_GEO_TO_MOVEMENT = {"water": "open", "plain": "open", "foothills": "foothills", "mountain": "mountain"}


@dataclass(frozen=True)
class World:
    """Everything static about a run."""

    scenario: Scenario
    projection: LocalProjection
    gazetteer: Gazetteer
    terrain: Terrain
    class_lut: NDArray[np.int64]
    """Terrain code of the geo layer -> index into the catalogue's terrain classes."""
    forces: ForceTable
    plan: CompiledPlan
    light_by_hour: NDArray[np.int64]
    """Light level (0 day, 1 twilight, 2 night) for each hour since the start, for 'auto' light."""
    roads: RoadNetwork | None = None
    """The geodata's road network (None without geodata or roads); ground routes may follow it."""
    support: SupportTable = field(default_factory=SupportTable.empty)
    """Supply points and no-fire areas."""
    obstacles: ObstacleTable = field(default_factory=ObstacleTable.empty)
    """Minefields and blocks (docs/mechanics/obstacles.md)."""
    positions: PositionTable = field(default_factory=PositionTable.empty)
    """Ground held by a side that close assaults may seize."""
    behaviours: BehaviourTable | None = None
    """The rules each element follows on its own (None: every rule off for every element)."""
    friction: FrictionTable | None = None
    """Pace variation and breakdowns (None: none)."""
    airlifts: tuple[Airlift, ...] = ()
    """Units flown in sortie by sortie (docs/mechanics/transport.md)."""
    carriers: CarrierTable | None = None
    """Each element's own ground carriers (None: none; docs/mechanics/transport.md)."""

    @property
    def dt_s(self) -> float:
        return float(self.scenario.time.dt_s)

    @property
    def duration_s(self) -> float:
        return float(self.scenario.time.duration_s)

    def movement_class(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.int64]:
        return self.class_lut[self.terrain.terrain_class_at(x, y)]

    @cached_property
    def route_plans(
        self,
    ) -> dict[tuple[int, bool, bytes], tuple[NDArray[np.float64], NDArray[np.bool_], NDArray[np.int64]]]:
        """Route plans made so far (:func:`drillsim.mechanics.orders.command.plan_routes`), by element, road
        use and the bytes of its start and destinations: waypoints, road flags, each leg's width. The world
        never changes during a run, so a plan with the same inputs is the same plan."""
        return {}

    @cached_property
    def held_for(self) -> NDArray[np.bool_]:
        """(phases, elements): the elements an attack or raid of each phase names, which wait in reserve
        until the phase starts (docs/mechanics/behaviour.md, "Reserves wait"); made once a world."""
        named = np.zeros((len(self.plan.phase_names), self.forces.n), dtype=bool)
        for task in self.plan.tasks:
            if task.kind in RESERVED_FOR:
                named[task.phase, task.elements] = True
        return named


def _sun_elevation_deg(
    when_utc_hours: NDArray[np.float64], day_of_year: int, lat: float, lon: float
) -> NDArray[np.float64]:
    """Approximate solar elevation (NOAA low-accuracy formulae; within about 1 degree)."""
    gamma = 2 * np.pi / 365.0 * (day_of_year - 1 + (when_utc_hours - 12) / 24)
    decl = (
        0.006918
        - 0.399912 * np.cos(gamma)
        + 0.070257 * np.sin(gamma)
        - 0.006758 * np.cos(2 * gamma)
        + 0.000907 * np.sin(2 * gamma)
        - 0.002697 * np.cos(3 * gamma)
        + 0.00148 * np.sin(3 * gamma)
    )
    eqtime = 229.18 * (
        0.000075
        + 0.001868 * np.cos(gamma)
        - 0.032077 * np.sin(gamma)
        - 0.014615 * np.cos(2 * gamma)
        - 0.040849 * np.sin(2 * gamma)
    )
    solar_minutes = when_utc_hours * 60 + eqtime + 4 * lon
    hour_angle = np.radians(solar_minutes / 4 - 180)
    phi = np.radians(lat)
    cos_zenith = np.sin(phi) * np.sin(decl) + np.cos(phi) * np.cos(decl) * np.cos(hour_angle)
    return np.asarray(90 - np.degrees(np.arccos(np.clip(cos_zenith, -1, 1))), dtype=np.float64)


def _light_table(scenario: Scenario, lat: float, lon: float) -> NDArray[np.int64]:
    hours = int(np.ceil(float(scenario.time.duration_s) / 3600.0)) + 2
    fixed = scenario.environment.light
    if fixed != "auto":
        return np.full(hours, {"day": 0, "twilight": 1, "night": 2}[fixed], dtype=np.int64)
    start = scenario.time.start
    utc = start - (start.utcoffset() or timedelta(0))
    base = utc.hour + utc.minute / 60.0 + 0.5
    day = utc.timetuple().tm_yday
    elevations = _sun_elevation_deg(base + np.arange(hours, dtype=np.float64) % 24 + 0.0, day, lat, lon)
    # Civil twilight: sun between -6 and 0 degrees.
    return np.where(elevations > 0, 0, np.where(elevations > -6, 1, 2)).astype(np.int64)


@dataclass(frozen=True)
class Ground:
    """The part of a world that only the scenario's area, places, sites and lines decide: its projection,
    gazetteer, terrain (with the scenario's crossings) and road network. Read-only during a run."""

    projection: LocalProjection
    gazetteer: Gazetteer
    terrain: Terrain
    class_lut: NDArray[np.int64]
    roads: RoadNetwork | None


GROUND_SECTIONS = ("area", "places", "sites", "lines")
"""The sections of a scenario that :class:`Ground` is made from (and that key :func:`ground_for`)."""
GROUNDS_KEPT = 2
_GROUNDS: OrderedDict[str, Ground] = OrderedDict()
"""The grounds this process made lately, by :func:`ground_key`: the variants of one scenario that a
screening or an experiment runs (numbers moved, the map the same) share one."""


def ground_key(scenario: Scenario) -> str:
    """A hash of everything :class:`Ground` is made from: the scenario's :data:`GROUND_SECTIONS`, and the
    size and modification time of the files an elevation file or a geodata folder (not a shipped set) names,
    so a file changed on disk is read again."""
    data: dict[str, object] = scenario.model_dump(mode="json", include=set(GROUND_SECTIONS))
    data["files"] = file_stamps(scenario)
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def file_stamps(scenario: Scenario) -> list[tuple[str, int, int]]:
    """Name, size and modification time (ns) of the area's elevation file and of a geodata folder's files."""
    paths: list[Path] = []
    if scenario.area.elevation is not None:
        paths.append(Path(scenario.area.elevation))
    geodata = scenario.area.geodata
    if geodata is not None and str(geodata) not in geodata_names() and Path(geodata).is_dir():
        paths.extend(sorted(p for p in Path(geodata).iterdir() if p.is_file()))
    stamps = []
    for path in paths:
        with suppress(OSError):  # a missing file is reported where it is read
            stat = path.stat()
            stamps.append((str(path), stat.st_size, stat.st_mtime_ns))
    return stamps


def ground_for(scenario: Scenario) -> Ground:
    """The scenario's :class:`Ground`, made once for every scenario of the same area, places, sites and
    lines in this process (the last :data:`GROUNDS_KEPT` kept)."""
    key = ground_key(scenario)
    ground = _GROUNDS.pop(key, None)
    if ground is None:
        ground = _make_ground(scenario)
    _GROUNDS[key] = ground
    while len(_GROUNDS) > GROUNDS_KEPT:
        _GROUNDS.popitem(last=False)
    return ground


def _point_xy(gazetteer: Gazetteer, projection: LocalProjection, ref: LatLon | str) -> tuple[float, float]:
    """Where a place, site or point lies in the world's metres."""
    point = gazetteer.resolve(ref)
    x, y = projection.to_xy(point.lat, point.lon)
    return float(x), float(y)


def _make_ground(scenario: Scenario) -> Ground:
    b = scenario.area.bounds
    lat0, lon0 = (b.south + b.north) / 2, (b.west + b.east) / 2
    projection = LocalProjection(lat0, lon0)
    gazetteer = gazetteer_for(scenario)
    terrain: Terrain
    geodata: Geodata | None = None
    lut = np.zeros(len(TERRAIN_CLASS_NAMES), dtype=np.int64)
    if scenario.area.elevation is not None:
        terrain = load_geotiff_dem(scenario.area.elevation, projection=projection)
        for code, name in enumerate(TERRAIN_CLASS_NAMES):
            lut[code] = TERRAIN_INDEX[_GEO_TO_MOVEMENT[name]]
    elif scenario.area.geodata is not None:
        geodata = load_geodata(scenario.area.geodata)
        terrain = terrain_from_geodata(geodata, projection=projection)
        for code, name in enumerate(TERRAIN_CLASS_NAMES):
            lut[code] = TERRAIN_INDEX[_GEO_TO_MOVEMENT[name]]
    else:
        xs, ys = projection.to_xy([b.south, b.north, b.south, b.north], [b.west, b.west, b.east, b.east])
        x_min, x_max, y_min, y_max = float(xs.min()), float(xs.max()), float(ys.min()), float(ys.max())
        terrain = Terrain.flat(x_max - x_min, y_max - y_min, cell_m=1000.0, x0_m=x_min, y0_m=y_min)
        lut[:] = TERRAIN_INDEX[scenario.area.default_terrain]
    terrain = _with_scenario_crossings(terrain, scenario, projection)

    xy = partial(_point_xy, gazetteer, projection)

    scenario_roads = [
        line_points(scenario, name, xy, gazetteer.lines)
        for name, line in scenario.lines.items()
        if line.kind in ("route", "road")
    ]
    roads = _road_network(geodata, terrain, projection, scenario_roads)
    return Ground(projection, gazetteer, terrain, lut, roads)


def build_world(scenario: Scenario) -> World:
    """Compile a scenario: projection at the area's centre, terrain, forces and plan.

    The projection, gazetteer, terrain and roads come from :func:`ground_for` (made once for all the
    scenarios of one map in a process); the rest is compiled from the scenario each time.
    """
    ground = ground_for(scenario)
    projection, gazetteer = ground.projection, ground.gazetteer

    xy = partial(_point_xy, gazetteer, projection)

    forces = compile_forces(scenario, projection, gazetteer)
    plan = compile_plan(scenario, forces, projection, gazetteer)
    return World(
        scenario,
        projection,
        gazetteer,
        ground.terrain,
        ground.class_lut,
        forces,
        plan,
        _light_table(scenario, projection.lat0_deg, projection.lon0_deg),
        ground.roads,
        compile_support(scenario, projection, gazetteer),
        compile_obstacles(scenario, forces, xy, gazetteer.lines),
        positions=compile_positions(scenario, projection, gazetteer),
        behaviours=compile_behaviours(scenario, forces),
        friction=compile_friction(scenario, forces),
        airlifts=compile_airlifts(scenario, forces, projection, gazetteer),
        carriers=compile_carriers(scenario, forces),
    )


_CROSSING_KINDS = ("crossing", "bridge", "ford", "ferry")


def _with_scenario_crossings(terrain: Terrain, scenario: Scenario, projection: LocalProjection) -> Terrain:
    """The terrain with the scenario's own crossings (places of kind crossing, bridge, ford, ferry) added.

    Places are taken in name order; a name the terrain already has as a crossing is not added twice.
    """
    extra = [
        (name, p)
        for name, p in sorted(scenario.places.items())
        if p.kind in _CROSSING_KINDS and name not in terrain.crossing_ids
    ]
    if not extra:
        return terrain
    x, y = projection.to_xy([p.lat for _, p in extra], [p.lon for _, p in extra])
    xy = np.vstack([terrain.crossings_xy, np.column_stack([x, y]).reshape(-1, 2)])
    ids = terrain.crossing_ids + tuple(name for name, _ in extra)
    return replace(terrain, crossings_xy=xy, crossing_ids=ids)


def _road_network(
    geodata: Geodata | None,
    terrain: Terrain,
    projection: LocalProjection,
    scenario_roads: list[NDArray[np.float64]],
) -> RoadNetwork | None:
    """The geodata's roads and the scenario's route and road lines (after them, in the scenario's order)
    as a graph; a road edge cutting a river away from any crossing is dropped."""
    lines = []
    if geodata is not None:
        lines = [part for line in geodata.lines_of_kind("road").values() for part in line.to_xy(projection)]
    lines += scenario_roads
    if not lines:
        return None
    net = build_road_network(lines, blocked=terrain.crosses_obstacle if len(terrain.obstacles) else None)
    return net if len(net.edges) else None
