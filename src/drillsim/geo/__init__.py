"""Geography: a local metric projection, packaged geodata, and the terrain the engine moves and sees on.

``drillsim.geo`` depends only on ``drillsim.core`` and numpy; reading a user's GeoTIFF needs the optional
``rasterio`` (imported only when :func:`load_geotiff_dem` is called).

>>> from drillsim.geo import load_geodata, terrain_from_geodata
>>> khatlon = load_geodata("khatlon")
>>> khatlon.place("Pyanj").name
'Panj'
"""

import typing as _typing

from drillsim.core.exports import lazy_exports as _lazy_exports

if _typing.TYPE_CHECKING:  # names load on first use (drillsim.core.exports)
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

_HOME = {
    "Bounds": "drillsim.geo.geodata",
    "FOOTHILLS": "drillsim.geo.terrain",
    "GeoGrid": "drillsim.geo.geodata",
    "Geodata": "drillsim.geo.geodata",
    "Line": "drillsim.geo.geodata",
    "LocalProjection": "drillsim.geo.projection",
    "MOUNTAIN": "drillsim.geo.terrain",
    "PLAIN": "drillsim.geo.terrain",
    "Place": "drillsim.geo.geodata",
    "RoadNetwork": "drillsim.geo.roads",
    "TERRAIN_CLASS_NAMES": "drillsim.geo.terrain",
    "Terrain": "drillsim.geo.terrain",
    "WATER": "drillsim.geo.terrain",
    "build_road_network": "drillsim.geo.roads",
    "classify_terrain": "drillsim.geo.terrain",
    "geodata_names": "drillsim.geo.geodata",
    "load_geodata": "drillsim.geo.geodata",
    "load_geotiff_dem": "drillsim.geo.terrain",
    "terrain_from_geodata": "drillsim.geo.terrain",
}
"""Where each public name is defined."""

__getattr__, __dir__ = _lazy_exports(__name__, _HOME, globals(), subpackages=True)
