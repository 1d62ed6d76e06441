"""Named points a scenario can use as locations: its own places and sites, and its geodata's places."""

from __future__ import annotations

from collections.abc import Mapping

from drillsim.core.errors import UserError
from drillsim.geo.geodata import Geodata, load_geodata
from drillsim.scenario.models import LatLon, Scenario


class Gazetteer:
    """Resolves location references (a name or a point) to points.

    Names are looked up among the scenario's places and sites first, then among the geodata set's place
    ids, names and aliases (any listed transliteration: ``Pyanj`` finds Panj).
    """

    def __init__(
        self,
        points: Mapping[str, LatLon],
        lines: Mapping[str, list[LatLon]] | None = None,
        geodata: Geodata | None = None,
    ) -> None:
        self._points = dict(points)
        self.lines: dict[str, list[LatLon]] = dict(lines or {})
        self._geodata = geodata

    def _from_geodata(self, name: str) -> LatLon | None:
        if self._geodata is None:
            return None
        try:
            place = self._geodata.place(name)
        except UserError:
            return None
        return LatLon(
            lat=place.lat,
            lon=place.lon,
            source=place.source or None,
            confidence=place.confidence if place.confidence in ("low", "medium", "high") else None,
        )

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name in self._points or self._from_geodata(name) is not None)

    def names(self) -> list[str]:
        return sorted(self._points)

    def resolve(self, ref: LatLon | str) -> LatLon:
        """The point a reference names; a KeyError for an unknown name (references are checked at load)."""
        if isinstance(ref, LatLon):
            return ref
        if ref in self._points:
            return self._points[ref]
        found = self._from_geodata(ref)
        if found is None:
            raise KeyError(ref)
        return found


def gazetteer_for(scenario: Scenario) -> Gazetteer:
    """The scenario's places and sites over the places and lines of its geodata set (scenario names win)."""
    points: dict[str, LatLon] = {}
    lines: dict[str, list[LatLon]] = {}
    geodata = load_geodata(scenario.area.geodata) if scenario.area.geodata is not None else None
    if geodata is not None:
        for pid, place in geodata.places.items():
            points[pid] = LatLon(lat=place.lat, lon=place.lon)
        for lid, line in geodata.lines.items():
            lines[lid] = [LatLon(lat=float(lat), lon=float(lon)) for lon, lat in line.vertices()]
    points.update({name: place.point() for name, place in scenario.places.items()})
    partial = Gazetteer(points, lines, geodata)
    pending = dict(scenario.sites)
    # Sites may sit at places or at other sites; resolve in as many passes as the chain is long.
    while pending:
        progressed = False
        for name, site in list(pending.items()):
            if isinstance(site.at, LatLon) or site.at in partial:
                points[name] = partial.resolve(site.at)
                partial = Gazetteer(points, lines, geodata)
                del pending[name]
                progressed = True
        if not progressed:
            break
    return Gazetteer(points, lines, geodata)
