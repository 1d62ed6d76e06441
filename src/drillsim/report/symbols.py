"""MIL-STD-2525 symbol identification codes (SIDCs) for units, as milsymbol draws them.

A unit type's ``symbol`` is either a 2525D entity code of six digits (``121100`` infantry) or a 2525C
function id of six characters (``MFQ---`` drone). The affiliation comes from how the viewing side relates to
the unit's side (its own side is friend; ``hostile``, ``allied`` and ``neutral`` relations map to hostile,
friend and neutral; no relation is unknown). The echelon and a headquarters flag are added; a unit type
without a symbol gets one from its category.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["affiliation", "unit_sidc"]

# 2525D standard identity digit and 2525C affiliation letter.
_IDENTITY = {"friend": ("3", "F"), "hostile": ("6", "H"), "neutral": ("4", "N"), "unknown": ("1", "U")}
_RELATION = {"hostile": "hostile", "allied": "friend", "neutral": "neutral"}

# 2525D amplifier (echelon) digits and the 2525C echelon letter (position 12).
_ECHELON = {
    "team": ("11", "A"),
    "squad": ("12", "B"),
    "section": ("13", "C"),
    "platoon": ("14", "D"),
    "company": ("15", "E"),
    "battery": ("15", "E"),
    "battalion": ("16", "F"),
    "squadron": ("16", "F"),
    "group": ("17", "G"),
    "brigade": ("18", "H"),
    "flight": ("00", "-"),
}

# A 2525D entity code (symbol set, entity) for a category without an explicit symbol.
_CATEGORY = {
    "infantry": ("10", "121100"),
    "special-forces": ("10", "121700"),
    "reconnaissance": ("10", "121300"),
    "motorised": ("10", "121104"),
    "mechanised": ("10", "121102"),
    "armour": ("10", "120500"),
    "artillery": ("10", "130300"),
    "mortar": ("10", "130800"),
    "air-defence": ("10", "130100"),
    "headquarters": ("10", "110000"),
    "irregular": ("10", "121100"),
    "logistics": ("10", "160000"),
    "aircraft": ("01", "110100"),
    "helicopter": ("01", "110200"),
    "uav": ("01", "110300"),
}


def affiliation(viewer: str, side: str, sides: Mapping[str, Any]) -> str:
    """How ``viewer`` sees units of ``side``: friend, hostile, neutral or unknown."""
    if viewer == side:
        return "friend"
    relations = (sides.get(viewer) or {}).get("relations") or {}
    relation = relations.get(side)
    if relation is None:
        relation = ((sides.get(side) or {}).get("relations") or {}).get(viewer)
    return _RELATION.get(str(relation), "unknown")


def unit_sidc(unit: Mapping[str, Any], ident: str, *, anticipated: bool = False) -> str:
    """The SIDC of a unit (a header ``units`` entry) seen with affiliation ``ident``.

    ``anticipated`` marks a contact (a believed, not a known, position): milsymbol draws its frame dashed.
    """
    identity_d, identity_c = _IDENTITY.get(ident, _IDENTITY["unknown"])
    echelon_d, echelon_c = _ECHELON.get(str(unit.get("echelon")), ("00", "-"))
    headquarters = unit.get("category") == "headquarters"
    air = unit.get("domain") == "air"
    code = str(unit.get("symbol") or "")
    if len(code) == 6 and not code.isdigit():
        # 2525C: scheme, affiliation, dimension, status, function id (6), size (2), country (2), OB.
        status = "A" if anticipated else "P"
        dimension = "A" if air else "G"
        modifier = "A" if headquarters and not air else "-"
        size = "" if air else echelon_c
        return f"S{identity_c}{dimension}{status}{code.upper()}{modifier}{size or '-'}---"[:15].ljust(15, "-")
    if len(code) == 6:
        symbol_set = "01" if air else "10"
        entity = code
    else:
        symbol_set, entity = _CATEGORY.get(str(unit.get("category")), ("10", "121100"))
    if symbol_set == "01":
        echelon_d = "00"
    status = "1" if anticipated else "0"
    hq = "2" if headquarters and symbol_set == "10" else "0"
    # 2525D: version 10, context 0 (reality), identity, symbol set, status, HQ/TF/dummy, amplifier,
    # entity (6), modifier 1 (2), modifier 2 (2).
    return f"100{identity_d}{symbol_set}{status}{hq}{echelon_d}{entity}0000"
