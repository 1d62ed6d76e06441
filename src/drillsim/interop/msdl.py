"""Reading a Military Scenario Definition Language file (MSDL, SISO-STD-007-2008) safely.

The XML is parsed with defusedxml: a document that declares entities (the "billion laughs" expansion bomb,
an external entity that would read a local file or a URL) or that refers to an external resource is
refused with a :class:`~drillsim.core.errors.InputError` before anything is expanded. Elements are matched
by local name, so files with or without the MSDL namespace (or a later draft's namespace) read the same.

What is read: the scenario's name and time, its area of interest, the force sides and forces with their
associations, the units (handle, name, symbol identifier, echelon, command superior or force side,
location) and the equipment items (handle, name, symbol, quantity, equipment type, holding unit or force,
location). Locations in GDC (latitude, longitude), GCC (geocentric X, Y, Z on WGS84) and UTM are read; an
MGRS location is reported as not read.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from drillsim.core.errors import InputError, Location, UserError
from drillsim.geo.projection import WGS84_A_M, WGS84_F, LocalProjection

__all__ = ["MsdlEquipment", "MsdlForce", "MsdlPoint", "MsdlScenario", "MsdlUnit", "read_msdl"]

UTM_SCALE = 0.9996
UTM_FALSE_EASTING_M = 500_000.0
UTM_FALSE_NORTHING_SOUTH_M = 10_000_000.0


@dataclass(frozen=True)
class MsdlPoint:
    """A location read from the file, in WGS84 degrees."""

    lat: float
    lon: float


@dataclass(frozen=True)
class MsdlForce:
    """A ForceSide element: a side when its allegiance is itself, otherwise a force of another side."""

    handle: str
    name: str
    allegiance: str
    associations: dict[str, str]
    line: int | None


@dataclass(frozen=True)
class MsdlUnit:
    """A Unit element."""

    handle: str
    name: str
    symbol: str
    echelon: str
    superior: str | None
    force: str | None
    point: MsdlPoint | None
    location_problem: str | None
    line: int | None


@dataclass(frozen=True)
class MsdlEquipment:
    """An EquipmentItem element."""

    handle: str
    name: str
    symbol: str
    quantity: int
    equipment_type: str
    owner_unit: str | None
    owner_force: str | None
    point: MsdlPoint | None
    location_problem: str | None
    line: int | None


@dataclass(frozen=True)
class MsdlScenario:
    """The parts of an MSDL file that drillsim imports."""

    path: Path
    name: str
    time: datetime | None
    area: tuple[MsdlPoint, MsdlPoint] | None
    """Lower-left and upper-right corners of the area of interest."""
    forces: list[MsdlForce]
    units: list[MsdlUnit]
    equipment: list[MsdlEquipment]
    ignored: list[str] = field(default_factory=list)
    """Top-level sections present in the file that drillsim does not import."""


class _LineBuilder(ET.TreeBuilder):
    """A tree builder that stamps each element with the line it starts on (as ``_line``)."""

    def __init__(self) -> None:
        super().__init__()
        self.expat: Any = None
        self.lines: dict[int, int] = {}

    def start(self, tag: Any, attrs: Any) -> ET.Element:
        element = super().start(tag, attrs)
        if self.expat is not None:
            self.lines[id(element)] = int(self.expat.CurrentLineNumber)
        return element


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: ET.Element | None, name: str) -> list[ET.Element]:
    if element is None:
        return []
    return [c for c in element if _local(c.tag) == name]


def _child(element: ET.Element | None, *path: str) -> ET.Element | None:
    for name in path:
        found = _children(element, name)
        element = found[0] if found else None
    return element


def _text(element: ET.Element | None, *path: str) -> str:
    found = _child(element, *path) if path else element
    return (found.text or "").strip() if found is not None else ""


def _parse(path: Path) -> tuple[ET.Element, dict[int, int]]:
    try:
        import defusedxml
        from defusedxml.ElementTree import DefusedXMLParser
    except ImportError:
        raise UserError(
            "reading MSDL needs defusedxml; install it with: pip install 'drillsim[interop]'"
        ) from None
    builder = _LineBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    builder.expat = parser.parser
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the MSDL file: {exc.strerror}", location=Location(str(path))) from None
    try:
        parser.feed(data)
        root = parser.close()
    except defusedxml.DefusedXmlException as exc:
        line = getattr(builder.expat, "CurrentLineNumber", None)
        raise InputError(
            "the XML declares entities or refers to an external resource, which drillsim refuses to "
            f"expand or fetch ({type(exc).__name__}: an entity-expansion bomb or an external entity)",
            location=Location(str(path), line),
            expected="an MSDL file without <!ENTITY> declarations or external references",
        ) from None
    except ET.ParseError as exc:
        row, column = getattr(exc, "position", (None, None))
        raise InputError(
            f"not well-formed XML: {exc}",
            location=Location(str(path), row, None if column is None else column + 1),
            expected="an MSDL (SISO-STD-007-2008) XML file",
        ) from None
    return root, builder.lines


def _number(text: str, path: Path, line: int | None, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(
            "not a number",
            location=Location(str(path), line),
            path=what,
            expected="a decimal number",
            found=repr(text),
        ) from None
    if not math.isfinite(value):
        raise InputError("not a finite number", location=Location(str(path), line), path=what, found=text)
    return value


def _geocentric(x: float, y: float, z: float) -> MsdlPoint:
    """WGS84 latitude and longitude of an earth-centred, earth-fixed point (Bowring's method, iterated)."""
    e2 = WGS84_F * (2.0 - WGS84_F)
    p = math.hypot(x, y)
    lat = math.atan2(z, p * (1.0 - e2))
    for _ in range(6):
        n = WGS84_A_M / math.sqrt(1.0 - e2 * math.sin(lat) ** 2)
        height = p / math.cos(lat) - n
        lat = math.atan2(z, p * (1.0 - e2 * n / (n + height)))
    return MsdlPoint(math.degrees(lat), math.degrees(math.atan2(y, x)))


def _utm(zone_text: str, easting: float, northing: float) -> MsdlPoint | None:
    """WGS84 latitude and longitude of a UTM coordinate (zone and latitude band, like ``33V``): drillsim's own
    transverse Mercator, centred on the zone's meridian, with the UTM scale and false origins removed."""
    digits = "".join(ch for ch in zone_text if ch.isdigit())
    band = "".join(ch for ch in zone_text if ch.isalpha()).upper()
    if not digits or not 1 <= int(digits) <= 60:
        return None
    meridian = -183.0 + 6.0 * int(digits)
    south = band != "" and band[0] < "N"  # latitude bands C to M lie south of the equator
    if south:
        northing -= UTM_FALSE_NORTHING_SOUTH_M
    proj = LocalProjection(0.0, meridian)
    lat, lon = proj.to_latlon((easting - UTM_FALSE_EASTING_M) / UTM_SCALE, northing / UTM_SCALE)
    return MsdlPoint(float(lat), float(lon))


def _location(
    element: ET.Element | None, path: Path, line: int | None, what: str
) -> tuple[MsdlPoint | None, str | None]:
    """The point of a Disposition/Location (or a corner) element, or why there is none."""
    if element is None:
        return None, "no location"
    data = _child(element, "CoordinateData")
    choice = _text(element, "CoordinateChoice").upper()
    if choice == "GDC" or (not choice and _child(data, "GDC") is not None):
        gdc = _child(data, "GDC")
        lat = _number(_text(gdc, "Latitude"), path, line, f"{what}.GDC.Latitude")
        lon = _number(_text(gdc, "Longitude"), path, line, f"{what}.GDC.Longitude")
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
            raise InputError(
                "latitude or longitude out of range",
                location=Location(str(path), line),
                path=f"{what}.GDC",
                expected="latitude in [-90, 90] and longitude in [-180, 180]",
                found=f"{lat}, {lon}",
            )
        return MsdlPoint(lat, lon), None
    if choice == "GCC":
        gcc = _child(data, "GCC")
        xyz = [_number(_text(gcc, axis), path, line, f"{what}.GCC.{axis}") for axis in ("X", "Y", "Z")]
        return _geocentric(*xyz), None
    if choice == "UTM":
        utm = _child(data, "UTM")
        east = _number(_text(utm, "UTMEasting"), path, line, f"{what}.UTM.UTMEasting")
        north = _number(_text(utm, "UTMNorthing"), path, line, f"{what}.UTM.UTMNorthing")
        point = _utm(_text(utm, "UTMGridZone"), east, north)
        return (point, None) if point is not None else (None, "a UTM location with an unreadable zone")
    return None, f"coordinate choice {choice or '(none)'} (drillsim reads GDC, GCC and UTM)"


def _forces(root: ET.Element, path: Path, lines: dict[int, int]) -> list[MsdlForce]:
    forces = []
    for element in _children(_child(root, "ForceSides"), "ForceSide"):
        handle = _text(element, "ObjectHandle")
        associations = {
            _text(a, "AffiliateHandle"): _text(a, "Relationship").upper()
            for a in _children(_child(element, "Associations"), "Association")
        }
        forces.append(
            MsdlForce(
                handle=handle,
                name=_text(element, "ForceSideName") or handle,
                allegiance=_text(element, "AllegianceHandle") or handle,
                associations=associations,
                line=lines.get(id(element)),
            )
        )
    return forces


def _units(root: ET.Element, path: Path, lines: dict[int, int]) -> list[MsdlUnit]:
    units = []
    for element in _children(_child(root, "Organizations", "Units"), "Unit"):
        line = lines.get(id(element))
        relation = _child(element, "Relations", "ForceRelation")
        choice = _text(relation, "ForceRelationChoice").upper()
        data = _child(relation, "ForceRelationData")
        superior = _text(data, "CommandRelation", "CommandingSuperiorHandle") if choice == "UNIT" else ""
        force = _text(data, "ForceSideHandle") if choice == "FORCE_SIDE" else ""
        point, problem = _location(_child(element, "Disposition", "Location"), path, line, "Unit.Disposition")
        units.append(
            MsdlUnit(
                handle=_text(element, "ObjectHandle"),
                name=_text(element, "Name"),
                symbol=_text(element, "SymbolIdentifier").upper(),
                echelon=_text(element, "UnitSymbolModifiers", "Echelon").upper(),
                superior=superior or None,
                force=force or None,
                point=point,
                location_problem=problem,
                line=line,
            )
        )
    return units


def _equipment(root: ET.Element, path: Path, lines: dict[int, int]) -> list[MsdlEquipment]:
    items = []
    for element in _children(_child(root, "Organizations", "Equipment"), "EquipmentItem"):
        line = lines.get(id(element))
        modifiers = _child(element, "EquipmentSymbolModifiers")
        quantity_text = _text(modifiers, "Quantity") or "1"
        quantity = _number(quantity_text, path, line, "EquipmentItem.EquipmentSymbolModifiers.Quantity")
        if quantity < 1 or quantity != int(quantity):
            raise InputError(
                "not a whole positive quantity",
                location=Location(str(path), line),
                path="EquipmentItem.EquipmentSymbolModifiers.Quantity",
                found=quantity_text,
            )
        holder = _child(element, "Relations", "HoldingOrganization")
        owner = _child(holder, "OwnerData")
        owner_unit = _text(owner, "UnitOwnerHandle") or _text(element, "Relations", "OrganicSuperiorHandle")
        point, problem = _location(
            _child(element, "Disposition", "Location"), path, line, "EquipmentItem.Disposition"
        )
        items.append(
            MsdlEquipment(
                handle=_text(element, "ObjectHandle"),
                name=_text(element, "Name"),
                symbol=_text(element, "SymbolIdentifier").upper(),
                quantity=int(quantity),
                equipment_type=_text(modifiers, "EquipmentType"),
                owner_unit=owner_unit or None,
                owner_force=_text(owner, "ForceOwnerHandle") or None,
                point=point,
                location_problem=problem,
                line=line,
            )
        )
    return items


def _time(root: ET.Element, path: Path, lines: dict[int, int]) -> datetime | None:
    element = _child(root, "Environment", "ScenarioTime")
    text = _text(element)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            "not an ISO 8601 date-time",
            location=Location(str(path), lines.get(id(element)) if element is not None else None),
            path="Environment.ScenarioTime",
            expected="a date-time such as 2008-11-20T06:00:00Z",
            found=text,
        ) from None
    return moment


def _area(root: ET.Element, path: Path, lines: dict[int, int]) -> tuple[MsdlPoint, MsdlPoint] | None:
    area = _child(root, "Environment", "AreaOfInterest")
    if area is None:
        return None
    line = lines.get(id(area))
    corners = []
    for corner in ("LowerLeft", "UpperRight"):
        point, _ = _location(_child(area, corner), path, line, f"Environment.AreaOfInterest.{corner}")
        if point is None:
            return None
        corners.append(point)
    return corners[0], corners[1]


_IMPORTED_SECTIONS = {"ScenarioID", "Options", "Environment", "ForceSides", "Organizations"}


def read_msdl(path: str | Path) -> MsdlScenario:
    """Read the sides, forces, units and equipment of an MSDL file; bad XML, entity declarations and
    external references raise :class:`~drillsim.core.errors.InputError` with the file and line."""
    file = Path(path)
    root, lines = _parse(file)
    if _local(root.tag) != "MilitaryScenario":
        raise InputError(
            "not an MSDL scenario",
            location=Location(str(file), lines.get(id(root))),
            expected="a <MilitaryScenario> root element (SISO-STD-007-2008)",
            found=f"<{_local(root.tag)}>",
        )
    scenario_id = _child(root, "ScenarioID")
    ignored = sorted(
        {
            _local(c.tag)
            for c in root
            if _local(c.tag) not in _IMPORTED_SECTIONS and (len(c) or (c.text or "").strip())
        }
    )
    return MsdlScenario(
        path=file,
        name=_text(scenario_id, "name") or file.stem,
        time=_time(root, file, lines),
        area=_area(root, file, lines),
        forces=_forces(root, file, lines),
        units=_units(root, file, lines),
        equipment=_equipment(root, file, lines),
        ignored=ignored,
    )
