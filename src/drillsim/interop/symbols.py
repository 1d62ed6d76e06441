"""MIL-STD-2525 symbol identification codes to the unit types of drillsim's core catalogue.

MSDL (SISO-STD-007-2008) carries MIL-STD-2525B symbol identification codes: 15 characters, of which
position 3 is the battle dimension (G ground, A air, F special operations), positions 5-10 the function
identifier (``UCI---`` infantry) and position 11 the headquarters modifier (A to D), position 12 the
echelon (A team ... M region). 2525C uses the same letters. The map below goes from the longest matching
function prefix to a catalogue type; what it does not list is reported as not mapped, never guessed.
A 2525D code (20 digits) is matched by its six-digit entity code against the catalogue's own ``symbol``
fields.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ECHELON_LEVELS",
    "FUNCTION_TYPES",
    "SymbolMatch",
    "echelon_level",
    "match_symbol",
]

FUNCTION_TYPES: dict[tuple[str, str], tuple[str, str]] = {
    # (battle dimension, function prefix): (catalogue type, how close the match is)
    ("G", "UCIZ"): ("motor-rifle-platoon", "motorised infantry"),
    ("G", "UCIM"): ("motor-rifle-platoon", "mechanised infantry, carried as wheeled motor rifles"),
    ("G", "UCI"): ("rifle-squad", "infantry"),
    ("G", "UCFM"): ("mortar-section-82", "mortar"),
    ("G", "UCFRM"): ("mlrs-battery-122", "multiple rocket launcher"),
    ("G", "UCFH"): ("howitzer-battery-122", "howitzer"),
    ("G", "UCF"): ("howitzer-battery-122", "field artillery, as towed 122 mm howitzers"),
    ("G", "UCVU"): ("recon-uav", "unmanned aerial vehicle unit"),
    ("G", "UCVRA"): ("attack-helicopter-pair", "attack helicopter unit"),
    ("A", "MFQ"): ("recon-uav", "unmanned aerial vehicle"),
    ("A", "MFB"): ("bomber-flight", "bomber"),
    ("A", "MFA"): ("bomber-flight", "attack aircraft"),
    ("A", "MFR"): ("recon-aircraft", "reconnaissance aircraft"),
    ("A", "MHA"): ("attack-helicopter-pair", "attack helicopter"),
    ("F", ""): ("sof-team", "special operations forces"),
}
"""2525B/C battle dimension and function-identifier prefix -> (catalogue unit type, what the code means)."""

ECHELON_LEVELS: dict[str, int] = {
    "team": 0,
    "crew": 0,
    "squad": 1,
    "section": 1,
    "platoon": 2,
    "detachment": 2,
    "company": 3,
    "battery": 3,
    "troop": 3,
    "flight": 3,
    "battalion": 4,
    "squadron": 4,
    "regiment": 5,
    "group": 5,
    "brigade": 5,
    "division": 6,
    "corps": 7,
    "army": 8,
}
"""Command levels: each level holds about three of the level below (the rule of three the import uses to
turn an echelon into a number of catalogue elements)."""

_ECHELON_LETTERS = {
    "A": "team",
    "B": "squad",
    "C": "section",
    "D": "platoon",
    "E": "company",
    "F": "battalion",
    "G": "regiment",
    "H": "brigade",
    "I": "division",
    "J": "corps",
    "K": "army",
}


@dataclass(frozen=True)
class SymbolMatch:
    """What a symbol code says: the catalogue type (None when not mapped), why, and the echelon."""

    unit_type: str | None
    meaning: str
    echelon: str | None
    is_headquarters: bool


def echelon_level(name: str | None) -> int | None:
    """The command level of an MSDL or catalogue echelon name (``COMPANY_BATTERY_TROOP`` -> 3)."""
    if not name:
        return None
    first = name.lower().replace("-", "_").split("_")[0]
    return ECHELON_LEVELS.get(first)


def match_symbol(symbol: str, catalogue_symbols: dict[str, str] | None = None) -> SymbolMatch:
    """Map a 2525B/C letter code, or a 2525D numeric code through ``catalogue_symbols`` (entity code ->
    type), to a catalogue unit type."""
    code = symbol.strip().upper()
    if len(code) == 20 and code.isdigit():
        entity = code[10:16]
        found = (catalogue_symbols or {}).get(entity)
        meaning = f"2525D entity {entity}" + ("" if found else ", not in the catalogue")
        return SymbolMatch(found, meaning, None, False)
    if len(code) < 10:
        return SymbolMatch(None, "no readable symbol code", None, False)
    dimension = code[2]
    function = code[4:10].rstrip("-")
    modifier = code[10:12] if len(code) >= 12 else "--"
    echelon = _ECHELON_LETTERS.get(modifier[1]) if len(modifier) == 2 else None
    is_hq = modifier[0] in "ABCD"
    best: tuple[str, str] | None = None
    best_len = -1
    for (dim, prefix), target in FUNCTION_TYPES.items():
        if dim == dimension and function.startswith(prefix) and len(prefix) > best_len:
            best, best_len = target, len(prefix)
    if best is None:
        return SymbolMatch(
            None, f"2525 function '{function or '-'}' in battle dimension '{dimension}'", echelon, is_hq
        )
    return SymbolMatch(best[0], best[1], echelon, is_hq)
