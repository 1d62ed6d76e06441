"""IEEE 1278.1-2012 (DIS version 7) protocol data units: Entity State, Fire and Detonation, packed by hand.

Every record is big-endian (network byte order), packed with :mod:`struct` at the byte offsets of the
standard (section 7 of IEEE 1278.1-2012; the offsets are listed beside each format below). Enumerations
follow SISO-REF-010 (the values Wireshark 4.0's DIS dissector decodes): see :data:`COUNTRIES`,
:data:`UNIT_TYPE_ENTITIES` and docs/interop.md for the mapping from drillsim's catalogue and nations.

Coordinates: DIS positions are geocentric (WGS84 earth-centred, earth-fixed) metres as doubles;
orientations are the Euler angles psi, theta, phi (radians) that turn the geocentric axes into the
entity's body axes (x forward, y right, z down), in that order.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from drillsim.geo.projection import WGS84_A_M, WGS84_F

__all__ = [
    "COUNTRIES",
    "DETONATION_PDU_BYTES",
    "ENTITY_STATE_PDU_BYTES",
    "FIRE_PDU_BYTES",
    "HEADER_BYTES",
    "MUNITIONS",
    "NO_ENTITY",
    "PROTOCOL_VERSION",
    "UNIT_CATEGORY_ENTITIES",
    "UNIT_TYPE_ENTITIES",
    "WEAPON_MUNITIONS",
    "Descriptor",
    "EntityId",
    "EntityType",
    "Munition",
    "country_code",
    "detonation_pdu",
    "dis_timestamp",
    "entity_state_pdu",
    "entity_type_for",
    "euler_angles",
    "fire_pdu",
    "geocentric",
    "munition_for",
]

PROTOCOL_VERSION = 7
"""IEEE 1278.1-2012."""

PDU_ENTITY_STATE, PDU_FIRE, PDU_DETONATION = 1, 2, 3
FAMILY_ENTITY_INFORMATION, FAMILY_WARFARE = 1, 2

HEADER_BYTES = 12
ENTITY_STATE_PDU_BYTES = 144
FIRE_PDU_BYTES = 96
DETONATION_PDU_BYTES = 104

_LVC_CONSTRUCTIVE = 3 << 1
"""PDU status bits 1-2 (LVC indicator): the data come from a constructive simulation."""

# Header (12 bytes): version @0 u8, exercise @1 u8, PDU type @2 u8, family @3 u8, timestamp @4 u32,
# length @8 u16, PDU status @10 u8, padding @11 u8.
_HEADER = struct.Struct(">BBBBIHBx")
# Entity ID (6 bytes): site, application, entity (u16 each). Event ID has the same layout.
_ID = struct.Struct(">HHH")
# Entity type (8 bytes): kind u8, domain u8, country u16, category, subcategory, specific, extra (u8).
_TYPE = struct.Struct(">BBHBBBB")
# Entity State body from byte 12: entity ID @12, force ID @18 u8, variable parameters @19 u8, entity type
# @20, alternative type @28, linear velocity @36 (3 x f32), location @48 (3 x f64), orientation @72
# (3 x f32), appearance @84 u32, dead reckoning @88 (algorithm u8, 15 bytes of other parameters,
# acceleration 3 x f32, angular velocity 3 x f32), marking @128 (character set u8 + 11 bytes),
# capabilities @140 u32.
_ENTITY_STATE = struct.Struct(">6sBB8s8s3f3d3fIB15s3f3fB11sI")
# Fire body: firing entity @12, target @18, munition @24, event ID @30, fire mission index @36 u32,
# location @40 (3 x f64), munition descriptor @64 (type 8 bytes, warhead u16, fuse u16, quantity u16,
# rate u16), velocity @80 (3 x f32), range @92 f32.
_FIRE = struct.Struct(">6s6s6s6sI3d16s3ff")
# Detonation body: firing entity @12, target @18, exploding entity @24, event ID @30, velocity @36
# (3 x f32), location @48 (3 x f64), descriptor @72 (16 bytes), location in entity coordinates @88
# (3 x f32), result @100 u8, variable parameters @101 u8, padding @102 (2 bytes).
_DETONATION = struct.Struct(">6s6s6s6s3f3d16s3fBBxx")


@dataclass(frozen=True, slots=True)
class EntityId:
    """A DIS simulation address and entity (or event) number."""

    site: int
    application: int
    number: int

    def pack(self) -> bytes:
        """The 6-byte record."""
        return _ID.pack(self.site, self.application, self.number)


NO_ENTITY = EntityId(0, 0, 0)
"""An unknown target, an untracked munition (the standard's TARGET_ID_UNKNOWN / NO_ENTITY)."""


@dataclass(frozen=True, slots=True)
class EntityType:
    """A SISO-REF-010 entity type: kind, domain, country, category, subcategory, specific, extra."""

    kind: int
    domain: int
    country: int
    category: int
    subcategory: int = 0
    specific: int = 0
    extra: int = 0

    def pack(self) -> bytes:
        """The 8-byte record."""
        return _TYPE.pack(
            self.kind,
            self.domain,
            self.country,
            self.category,
            self.subcategory,
            self.specific,
            self.extra,
        )


# SISO-REF-010 values used below.
KIND_PLATFORM, KIND_MUNITION, KIND_LIFE_FORM = 1, 2, 3
DOMAIN_LAND, DOMAIN_AIR = 1, 2
# Munition descriptor warheads and fuses (SISO-REF-010 "Munition Descriptor-Warhead" and "-Fuse").
WARHEAD_HE, WARHEAD_HE_SHAPED_CHARGE, WARHEAD_KINETIC = 1000, 1600, 5000
FUSE_OTHER, FUSE_CONTACT = 0, 1000

COUNTRIES = {"ARM": 244, "BLR": 246, "KAZ": 252, "KGZ": 253, "RUS": 222, "TJK": 263}
"""SISO-REF-010 country codes of the CSTO nations, by the ISO 3166 alpha-3 code that scenarios use as
nation id: Armenia 244, Belarus 246, Kazakhstan 252, Kyrgyzstan 253, Russia 222 ("Russia (RUS)"; 260 is
deprecated), Tajikistan 263. Any other nation (militants) is 0, Other."""

_COUNTRY_NAMES = {
    "armenia": 244,
    "belarus": 246,
    "kazakhstan": 252,
    "kyrgyzstan": 253,
    "russia": 222,
    "tajikistan": 263,
}

UNIT_TYPE_ENTITIES: dict[str, tuple[int, int, int]] = {
    "rifle-squad": (KIND_LIFE_FORM, DOMAIN_LAND, 11),  # Army
    "motor-rifle-platoon": (KIND_PLATFORM, DOMAIN_LAND, 2),  # Armored Fighting Vehicle (BTR-80)
    "sof-team": (KIND_LIFE_FORM, DOMAIN_LAND, 30),  # Special Operations Forces
    "sof-mounted-patrol": (KIND_PLATFORM, DOMAIN_LAND, 6),  # Small Wheeled Utility Vehicle (pickups)
    "headquarters": (KIND_PLATFORM, DOMAIN_LAND, 39),  # Field Command Post
    "mortar-section-82": (KIND_PLATFORM, DOMAIN_LAND, 10),  # Mortar
    "howitzer-battery-122": (KIND_PLATFORM, DOMAIN_LAND, 5),  # Towed Artillery (D-30)
    "mlrs-battery-122": (KIND_PLATFORM, DOMAIN_LAND, 4),  # Self-propelled Artillery (BM-21)
    "recon-uav": (KIND_PLATFORM, DOMAIN_AIR, 50),  # Unmanned
    "recon-aircraft": (KIND_PLATFORM, DOMAIN_AIR, 7),  # Reconnaissance
    "bomber-flight": (KIND_PLATFORM, DOMAIN_AIR, 2),  # Attack/Strike (Su-24M / Su-25)
    "attack-helicopter-pair": (KIND_PLATFORM, DOMAIN_AIR, 20),  # Attack Helicopter
    "ah-64d-pair": (KIND_PLATFORM, DOMAIN_AIR, 20),  # Attack Helicopter
    "a-10c-pair": (KIND_PLATFORM, DOMAIN_AIR, 2),  # Attack/Strike
    "f-15e-pair": (KIND_PLATFORM, DOMAIN_AIR, 2),  # Attack/Strike
    "b-1b": (KIND_PLATFORM, DOMAIN_AIR, 3),  # Bomber
    "militant-group": (KIND_LIFE_FORM, DOMAIN_LAND, 100),  # Irregular Forces
    "militant-technical": (KIND_PLATFORM, DOMAIN_LAND, 6),  # Small Wheeled Utility Vehicle
    "militant-mortar": (KIND_PLATFORM, DOMAIN_LAND, 10),  # Mortar
    "militant-manpads-team": (KIND_LIFE_FORM, DOMAIN_LAND, 100),  # Irregular Forces (on foot, missiles)
    "field-commander": (KIND_LIFE_FORM, DOMAIN_LAND, 100),  # Irregular Forces
    # Types the embedded khatlon scenarios define:
    "airborne-platoon": (KIND_PLATFORM, DOMAIN_LAND, 2),  # Armored Fighting Vehicle (BMD-2 / BTR-D)
    "sof-team-motorised": (KIND_PLATFORM, DOMAIN_LAND, 6),  # Small Wheeled Utility Vehicle (Tigr / UAZ)
    "recon-helicopter": (KIND_PLATFORM, DOMAIN_AIR, 24),  # Observation Helicopter
}
"""Kind, domain and category of each core-v1 unit type and each type the embedded scenarios define
(SISO-REF-010: platform land/air categories, life form land categories). Subcategory, specific and extra
are 0: the catalogue's types are generic."""

UNIT_CATEGORY_ENTITIES: dict[str, tuple[int, int, int]] = {
    "infantry": (KIND_LIFE_FORM, DOMAIN_LAND, 11),
    "motorised": (KIND_PLATFORM, DOMAIN_LAND, 2),
    "mechanised": (KIND_PLATFORM, DOMAIN_LAND, 2),
    "special-forces": (KIND_LIFE_FORM, DOMAIN_LAND, 30),
    "headquarters": (KIND_PLATFORM, DOMAIN_LAND, 39),
    "mortar": (KIND_PLATFORM, DOMAIN_LAND, 10),
    "artillery": (KIND_PLATFORM, DOMAIN_LAND, 5),
    "uav": (KIND_PLATFORM, DOMAIN_AIR, 50),
    "aircraft": (KIND_PLATFORM, DOMAIN_AIR, 2),
    "helicopter": (KIND_PLATFORM, DOMAIN_AIR, 21),
    "irregular": (KIND_LIFE_FORM, DOMAIN_LAND, 100),
}
"""For a unit type of another catalogue: kind, domain and category by the catalogue's ``category``."""


def country_code(nation: str | None, name: str | None = None) -> int:
    """The SISO-REF-010 country of a scenario nation (its id, else its name); 0 (Other) if unknown."""
    if nation is not None and nation.upper() in COUNTRIES:
        return COUNTRIES[nation.upper()]
    return _COUNTRY_NAMES.get((name or "").strip().lower(), 0)


def entity_type_for(
    unit_type: str | None, category: str | None, domain: str | None, country: int
) -> EntityType:
    """The DIS entity type of a unit: by its core-v1 type, else by its catalogue category, else a platform
    of its domain with category 0 (Other)."""
    found = UNIT_TYPE_ENTITIES.get(unit_type or "") or UNIT_CATEGORY_ENTITIES.get(category or "")
    if found is None:
        found = (KIND_PLATFORM, DOMAIN_AIR if domain == "air" else DOMAIN_LAND, 0)
    kind, dis_domain, dis_category = found
    return EntityType(kind, dis_domain, country, dis_category)


@dataclass(frozen=True, slots=True)
class Munition:
    """A munition descriptor's fixed parts: the munition's entity type (SISO-REF-010 kind 2), warhead and
    fuse. ``country`` is the country whose enumeration defines the munition (0: the firer's country)."""

    domain: int
    category: int
    subcategory: int = 0
    specific: int = 0
    country: int = 0
    warhead: int = WARHEAD_HE
    fuse: int = FUSE_CONTACT

    def descriptor(self, country: int, quantity: int) -> Descriptor:
        """The descriptor of ``quantity`` munitions fired by a unit of ``country``."""
        return Descriptor(
            EntityType(
                KIND_MUNITION,
                self.domain,
                self.country or country,
                self.category,
                self.subcategory,
                self.specific,
            ),
            self.warhead,
            self.fuse,
            quantity,
        )


# Munition domains (SISO-REF-010 "Munition Domain") and categories.
MUNITION_ANTI_AIR, MUNITION_ANTI_ARMOR, MUNITION_ANTI_PERSONNEL, MUNITION_BATTLEFIELD_SUPPORT = 1, 2, 8, 9
MUNITION_GUIDED, MUNITION_BALLISTIC = 1, 2

MUNITIONS = {
    "direct": Munition(
        domain=MUNITION_ANTI_PERSONNEL, category=MUNITION_BALLISTIC, warhead=WARHEAD_KINETIC, fuse=FUSE_OTHER
    ),
    "air-defence": Munition(domain=MUNITION_ANTI_AIR, category=MUNITION_BALLISTIC),
    "indirect": Munition(domain=MUNITION_BATTLEFIELD_SUPPORT, category=MUNITION_BALLISTIC),
    "air": Munition(domain=MUNITION_BATTLEFIELD_SUPPORT, category=MUNITION_BALLISTIC),
}
"""The munition of a weapon that :data:`WEAPON_MUNITIONS` does not list, by its catalogue kind: direct fire
an anti-personnel ballistic round (kinetic, no fuse), air defence an anti-air ballistic round, indirect and
air an unguided battlefield-support round (HE, contact fuse); the firer's country."""

_RUS = 222
WEAPON_MUNITIONS = {
    "rifle-545": Munition(
        MUNITION_ANTI_PERSONNEL, MUNITION_BALLISTIC, 1, 0, _RUS, WARHEAD_KINETIC, FUSE_OTHER
    ),
    "mg-762": Munition(MUNITION_ANTI_PERSONNEL, MUNITION_BALLISTIC, 2, 4, _RUS, WARHEAD_KINETIC, FUSE_OTHER),
    "hmg-127": Munition(
        MUNITION_BATTLEFIELD_SUPPORT, MUNITION_BALLISTIC, 1, 0, _RUS, WARHEAD_KINETIC, FUSE_OTHER
    ),
    "rpg-7": Munition(MUNITION_ANTI_ARMOR, MUNITION_BALLISTIC, 8, 0, _RUS, WARHEAD_HE_SHAPED_CHARGE),
    "manpads-strela-2": Munition(MUNITION_ANTI_AIR, MUNITION_GUIDED, 19, 2, _RUS),
    "zu-23-2": Munition(MUNITION_ANTI_AIR, MUNITION_BALLISTIC, 3, 0, _RUS),
    "mortar-82": Munition(MUNITION_BATTLEFIELD_SUPPORT, MUNITION_BALLISTIC, 10, 0, _RUS),
    "mortar-120": Munition(MUNITION_BATTLEFIELD_SUPPORT, MUNITION_BALLISTIC, 13, 0, _RUS),
    "howitzer-122": Munition(MUNITION_BATTLEFIELD_SUPPORT, MUNITION_BALLISTIC, 14, 0, _RUS),
    "mlrs-122": Munition(MUNITION_BATTLEFIELD_SUPPORT, MUNITION_BALLISTIC, 15, 2, _RUS),
    "bomb-250": Munition(MUNITION_ANTI_PERSONNEL, MUNITION_BALLISTIC, 25, 0, _RUS),
    "rocket-80": Munition(MUNITION_BATTLEFIELD_SUPPORT, MUNITION_BALLISTIC, 40, 1, _RUS),
}
"""SISO-REF-010 munition types of the core-v1 catalogue's weapons, all in Russia's (222) enumeration (the
Soviet and Russian designs the CSTO nations and the militants field): domain, category, subcategory,
specific, country, warhead, fuse. Rifle 5.45 mm (8.2.1); PKM 7.62 mm, 7.62x54R (8.2.2.4); 12.7 mm Soviet
machine gun, 12.7x107 mm (9.2.1); RPG-7 85 mm (2.2.8, the PG-7V's warhead calibre; HE shaped charge);
Strela-2M SA-7 Grail, SA-7B (1.1.19.2); ZU-23-2 23 mm (1.2.3); 82 mm mortar (9.2.10); 120 mm mortar
(9.2.13); 122 mm (9.2.14); 122 mm rocket M-21-OF, 9M22U (9.2.15.2); FAB-250 HE (8.2.25); 80 mm rocket S-8
(9.2.40.1). Values as in SISO-REF-010 v33 (draft of 2023-12-17); docs/interop.md lists them."""


def munition_for(weapon: str | None, kind: str | None) -> Munition:
    """The munition of a catalogue weapon (by id), else of its kind, else an unguided battlefield-support
    round."""
    found = WEAPON_MUNITIONS.get(weapon or "") or MUNITIONS.get(kind or "")
    return found if found is not None else MUNITIONS["indirect"]


@dataclass(frozen=True, slots=True)
class Descriptor:
    """A munition descriptor (16 bytes): munition type, warhead, fuse, quantity and rate."""

    munition: EntityType
    warhead: int
    fuse: int
    quantity: int
    rate: int = 0

    def pack(self) -> bytes:
        """The 16-byte record (quantity and rate held to 0-65535)."""
        return self.munition.pack() + struct.pack(
            ">HHHH",
            self.warhead,
            self.fuse,
            min(max(self.quantity, 0), 0xFFFF),
            min(max(self.rate, 0), 0xFFFF),
        )


def dis_timestamp(seconds_past_hour: float) -> int:
    """An absolute DIS timestamp: time past the hour in units of 3600 s / 2**31, shifted left by one,
    with the low bit set (absolute)."""
    units = int(np.floor((seconds_past_hour % 3600.0) / 3600.0 * 2**31)) % 2**31
    return (units << 1) | 1


def _header(pdu_type: int, family: int, exercise: int, timestamp: int, length: int) -> bytes:
    return _HEADER.pack(PROTOCOL_VERSION, exercise, pdu_type, family, timestamp, length, _LVC_CONSTRUCTIVE)


def geocentric(lat_deg: ArrayLike, lon_deg: ArrayLike, height_m: ArrayLike = 0.0) -> NDArray[np.float64]:
    """WGS84 latitude, longitude (degrees) and height above the ellipsoid (metres) as geocentric
    (earth-centred, earth-fixed) x, y, z metres, stacked on the last axis."""
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    h = np.asarray(height_m, dtype=np.float64)
    e2 = WGS84_F * (2.0 - WGS84_F)
    sin_lat = np.sin(lat)
    n = WGS84_A_M / np.sqrt(1.0 - e2 * sin_lat**2)
    x = (n + h) * np.cos(lat) * np.cos(lon)
    y = (n + h) * np.cos(lat) * np.sin(lon)
    z = (n * (1.0 - e2) + h) * sin_lat
    return np.stack(np.broadcast_arrays(x, y, z), axis=-1)


def euler_angles(lat_deg: float, lon_deg: float, heading_rad: float) -> tuple[float, float, float]:
    """DIS orientation (psi, theta, phi in radians) of a level entity at (lat, lon) facing ``heading_rad``
    (clockwise from true north): the body axes x forward, y right, z down in geocentric axes."""
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    north = np.array([-np.sin(lat) * np.cos(lon), -np.sin(lat) * np.sin(lon), np.cos(lat)])
    east = np.array([-np.sin(lon), np.cos(lon), 0.0])
    down = np.array([-np.cos(lat) * np.cos(lon), -np.cos(lat) * np.sin(lon), -np.sin(lat)])
    forward = np.cos(heading_rad) * north + np.sin(heading_rad) * east
    right = -np.sin(heading_rad) * north + np.cos(heading_rad) * east
    psi = float(np.arctan2(forward[1], forward[0]))
    theta = float(-np.arcsin(np.clip(forward[2], -1.0, 1.0)))
    phi = float(np.arctan2(right[2], down[2]))
    return psi, theta, phi


def _marking(text: str) -> bytes:
    raw = text.encode("ascii", errors="replace")[:11]
    return raw.ljust(11, b"\0")


def entity_state_pdu(
    *,
    entity: EntityId,
    force: int,
    entity_type: EntityType,
    location: tuple[float, float, float],
    velocity: tuple[float, float, float],
    orientation: tuple[float, float, float],
    appearance: int,
    marking: str,
    timestamp: int,
    exercise: int = 1,
) -> bytes:
    """An Entity State PDU (144 bytes): dead reckoning DRM(F,P,W) (algorithm 2), ASCII marking."""
    body = _ENTITY_STATE.pack(
        entity.pack(),
        force,
        0,
        entity_type.pack(),
        entity_type.pack(),
        *velocity,
        *location,
        *orientation,
        appearance,
        2,
        b"",
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        1,
        _marking(marking),
        0,
    )
    return (
        _header(PDU_ENTITY_STATE, FAMILY_ENTITY_INFORMATION, exercise, timestamp, ENTITY_STATE_PDU_BYTES)
        + body
    )


def fire_pdu(
    *,
    firer: EntityId,
    target: EntityId,
    event: EntityId,
    mission: int,
    location: tuple[float, float, float],
    descriptor: Descriptor,
    velocity: tuple[float, float, float],
    range_m: float,
    timestamp: int,
    exercise: int = 1,
) -> bytes:
    """A Fire PDU (96 bytes) for an untracked munition (munition ID 0:0:0)."""
    body = _FIRE.pack(
        firer.pack(),
        target.pack(),
        NO_ENTITY.pack(),
        event.pack(),
        mission % 2**32,
        *location,
        descriptor.pack(),
        *velocity,
        range_m,
    )
    return _header(PDU_FIRE, FAMILY_WARFARE, exercise, timestamp, FIRE_PDU_BYTES) + body


def detonation_pdu(
    *,
    firer: EntityId,
    target: EntityId,
    event: EntityId,
    location: tuple[float, float, float],
    descriptor: Descriptor,
    velocity: tuple[float, float, float],
    result: int,
    timestamp: int,
    exercise: int = 1,
) -> bytes:
    """A Detonation PDU (104 bytes) without variable parameters; the location relative to the target is
    (0, 0, 0)."""
    body = _DETONATION.pack(
        firer.pack(),
        target.pack(),
        NO_ENTITY.pack(),
        event.pack(),
        *velocity,
        *location,
        descriptor.pack(),
        0.0,
        0.0,
        0.0,
        result,
        0,
    )
    return _header(PDU_DETONATION, FAMILY_WARFARE, exercise, timestamp, DETONATION_PDU_BYTES) + body
