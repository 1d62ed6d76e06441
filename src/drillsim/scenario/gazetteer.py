"""Named points a scenario can use as locations: its own places and sites, and its geodata's places."""

from __future__ import annotations

from collections.abc import Mapping

from drillsim.scenario.models import LatLon, Scenario


class Gazetteer:
    """Resolves location references (a name or a point) to points."""

    def __init__(self, points: Mapping[str, LatLon], lines: Mapping[str, list[LatLon]] | None = None) -> None:
        self._points = dict(points)
        self.lines: dict[str, list[LatLon]] = dict(lines or {})

    def __contains__(self, name: object) -> bool:
        return name in self._points

    def names(self) -> list[str]:
        return sorted(self._points)

    def resolve(self, ref: LatLon | str) -> LatLon:
        """The point a reference names; a KeyError for an unknown name (references are checked at load)."""
        if isinstance(ref, LatLon):
            return ref
        return self._points[ref]


def gazetteer_for(scenario: Scenario) -> Gazetteer:
    """The scenario's places and sites over the places of its geodata set (scenario names win)."""
    points: dict[str, LatLon] = {}
    lines: dict[str, list[LatLon]] = {}
    points.update({name: place.point() for name, place in scenario.places.items()})
    pending = dict(scenario.sites)
    # Sites may sit at places or at other sites; resolve in as many passes as the chain is long.
    while pending:
        progressed = False
        for name, site in list(pending.items()):
            if isinstance(site.at, LatLon):
                points[name] = site.at
            elif site.at in points:
                points[name] = points[site.at]
            else:
                continue
            del pending[name]
            progressed = True
        if not progressed:
            break
    return Gazetteer(points, lines)
