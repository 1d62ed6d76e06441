"""``export_result``: a result directory's tracks, events and scenario features as a geographic file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from drillsim.core.errors import UserError
from drillsim.interop.delimited import write_csv
from drillsim.interop.geojson import write_geojson
from drillsim.interop.geopackage import write_geopackage
from drillsim.interop.kml import write_kml
from drillsim.interop.layers import geo_content
from drillsim.report.results import load_result

__all__ = ["EXPORT_FORMATS", "ExportSummary", "export_result"]

EXPORT_FORMATS = {"geojson": ".geojson", "kml": ".kml", "csv": ".csv", "gpkg": ".gpkg"}
"""The formats :func:`export_result` writes, with the file suffix each gets by default."""


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote."""

    path: Path
    file_format: str
    replications: list[int]
    tracks: int
    samples: int
    events: int
    features: int
    unplaced_events: int
    layers: list[str]


def export_result(
    result_dir: str | Path,
    *,
    file_format: str = "geojson",
    out: str | Path | None = None,
    replication: int | None = None,
) -> ExportSummary:
    """Write the tracks, located events and scenario features of a result directory in WGS84
    longitude/latitude as GeoJSON, KML, CSV or GeoPackage (``file_format``; the command's ``--format``).

    ``out`` defaults to ``RESULT_DIR/<scenario>-seed<seed>.<suffix>``; ``replication`` picks one recorded
    replication (default: all of them). Bad input (no result there, an unknown format or replication)
    raises :class:`~drillsim.core.errors.UserError`.
    """
    if file_format not in EXPORT_FORMATS:
        raise UserError(
            f"unknown export format '{file_format}'; expected one of {', '.join(EXPORT_FORMATS)}."
        )
    result = load_result(result_dir)
    content = geo_content(result, replication=replication)
    target = (
        Path(out)
        if out is not None
        else Path(result_dir) / f"{content.scenario}-seed{content.seed}{EXPORT_FORMATS[file_format]}"
    )
    if target.is_dir():
        raise UserError(f"{target}: is a directory; '--out' takes the path of the file to write.")
    if not target.parent.is_dir():
        raise UserError(f"{target}: its folder {target.parent} does not exist.")
    layers: list[str] = []
    if file_format == "geojson":
        write_geojson(content, target)
    elif file_format == "kml":
        write_kml(content, target, sides=[str(s) for s in result.header.get("sides", {})])
    elif file_format == "csv":
        write_csv(content, target)
    else:
        layers = write_geopackage(content, target)
    return ExportSummary(
        path=target,
        file_format=file_format,
        replications=sorted(
            {t.replication for t in content.tracks} | {e.replication for e in content.events}
        ),
        tracks=len(content.tracks),
        samples=sum(len(t.time_s) for t in content.tracks),
        events=len(content.events),
        features=len(content.features),
        unplaced_events=content.unplaced_events,
        layers=layers,
    )
