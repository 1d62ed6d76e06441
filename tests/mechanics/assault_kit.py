"""A small close-assault scenario for the assault and behaviour tests: a position held by blue, red closing
with it, and no fire unless a test adds it (so the assault rule alone decides)."""

from __future__ import annotations

from typing import Any

from effects_kit import at, base, eye


def hill_assault(
    *,
    attackers: int = 3,
    defenders: int = 1,
    posture: str = "prepared-defence",
    fortified: bool = False,
    duration_s: float = 3600.0,
) -> dict[str, Any]:
    """Blue's squads (8 people each) hold the position ``hill`` (a site at the centre, 300 m of ground);
    ``attackers`` red squads 2 km north are ordered at once to attack the site. Everyone sees everyone;
    nobody carries a weapon. Measures: when blue lost the hill, whether blue holds it at the end."""
    data = base(duration_s=duration_s)
    cat = data["catalogue"]
    cat["sensors"]["eye"] = eye()
    for name in ("blue-squad", "red-squad"):
        cat["unit_types"][name] = {
            "category": "infantry",
            "personnel": 8,
            "sensors": [{"sensor": "eye"}],
            "speed_mps": {"open": 1.5},
        }
    data["sites"] = {"hill-top": {"kind": "observation-post", "at": at(0, 0)}}
    data["positions"] = {"hill": {"site": "hill-top", "held_by": "blue", "fortified": fortified}}
    data["units"] = {
        "blue/squad": {
            "type": "blue-squad",
            "nation": "B",
            "at": at(0, 0),
            "count": defenders,
            "posture": posture,
        },
        "red/squad": {"type": "red-squad", "nation": "R", "at": at(0, 2000), "count": attackers},
    }
    data["plan"]["phases"] = {
        "assault": {
            "trigger": {"at_s": 0},
            "tasks": [{"task": "attack", "units": ["red/squad"], "target": "hill-top"}],
        }
    }
    data["measures"] = {
        "lost": {"kind": "time-lost", "position": "hill"},
        "held": {"kind": "held-at-end", "position": "hill"},
    }
    return data
