"""Geography: a local metric projection, packaged geodata, and the terrain the engine moves and sees on.

``drillsim.geo`` depends only on ``drillsim.core`` and numpy; reading a user's GeoTIFF needs the optional
``rasterio`` (imported only when :func:`load_geotiff_dem` is called).

>>> from drillsim.geo import load_geodata, terrain_from_geodata
>>> khatlon = load_geodata("khatlon")
>>> khatlon.place("Pyanj").name
'Panj'
"""

from drillsim.geo.geodata import Bounds, Geodata, GeoGrid, Line, Place, geodata_names, load_geodata
from drillsim.geo.projection import LocalProjection
from drillsim.geo.roads import RoadNetwork, build_road_network
from drillsim.geo.terrain import (
    FOOTHILLS,
    MOUNTAIN,
    PLAIN,
    TERRAIN_CLASS_NAMES,
    WATER,
    Terrain,
    classify_terrain,
    load_geotiff_dem,
    terrain_from_geodata,
)

__all__ = [
    "FOOTHILLS",
    "MOUNTAIN",
    "PLAIN",
    "TERRAIN_CLASS_NAMES",
    "WATER",
    "Bounds",
    "GeoGrid",
    "Geodata",
    "Line",
    "LocalProjection",
    "Place",
    "RoadNetwork",
    "Terrain",
    "build_road_network",
    "classify_terrain",
    "geodata_names",
    "load_geodata",
    "load_geotiff_dem",
    "terrain_from_geodata",
]
