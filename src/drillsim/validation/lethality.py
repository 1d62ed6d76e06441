"""Casualties per round of the catalogue's area weapons, measured with the engine on a generic target.

A blue observer who locates the target exactly (position error 0) calls one mission of **one round**
(``rounds_per_mission: 1``, one tube or one aircraft with one bomb) from a weapon of the catalogue
``core-v1`` onto a generic target: an infantry platoon of :data:`TARGET_PERSONNEL` people (footprint of a
platoon, never breaking) in one of the :data:`TARGETS`. The casualties per round are the target's losses
over the replications (stochastic mode, seed :data:`SEED`), with their standard error. Everything else is
the catalogue's and the engine's own: lethal radius, dispersion, exposure by posture, cover.

``python -m drillsim.validation.lethality`` prints the table of docs/mechanics/indirect-fire.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import numpy as np
import yaml

__all__ = [
    "BUILDING_COVER",
    "FIRING_RANGES_M",
    "TARGETS",
    "RoundEffect",
    "casualties_per_round",
    "per_round_scenario_data",
]

SEED = 7
REPLICATIONS = 2000
TARGET_PERSONNEL = 30
"""A rifle platoon (three squads of nine and a headquarters)."""
BUILDING_COVER = 0.5
"""Share of fragments a masonry building stops (assumption, confidence low: no source at hand)."""
TARGETS: dict[str, tuple[str, float]] = {
    "open": ("moving", 0.0),
    "prone": ("halted", 0.0),
    "dug in": ("prepared-defence", 0.0),
    "in buildings": ("halted", BUILDING_COVER),
}
"""Target states: (posture, cover). Standing in the open, lying prone, in foxholes or trenches, inside
buildings (lying, behind walls)."""
FIRING_RANGES_M: dict[str, float] = {
    "mortar-82": 3000.0,
    "mortar-120": 5000.0,
    "howitzer-122": 10000.0,
    "mlrs-122": 12000.0,
    "bomb-250": 0.0,
}
"""Distance from the firing unit to the target (the bomb's aircraft starts at an airbase 15 km away)."""
_AIRBASE_M = 15_000.0
_LAT0, _LON0, _M_PER_DEG = 37.20, 68.60, 111_000.0


def _at(dx_m: float, dy_m: float) -> dict[str, float]:
    lat = _LAT0 + dy_m / _M_PER_DEG
    lon = _LON0 + dx_m / (_M_PER_DEG * math.cos(math.radians(_LAT0)))
    return {"lat": round(lat, 9), "lon": round(lon, 9)}


def _core_weapon(name: str) -> dict[str, Any]:
    text = (files("drillsim.scenario") / "library" / "catalogues" / "core-v1.yaml").read_text(
        encoding="utf-8"
    )
    weapon: dict[str, Any] = dict(yaml.safe_load(text)["weapons"][name])
    return weapon


def per_round_scenario_data(weapon: str, *, posture: str, cover: float) -> dict[str, Any]:
    """Scenario data: one round (or one bomb) of ``weapon`` of core-v1 on the generic platoon target."""
    gun = _core_weapon(weapon) | {"rounds_per_mission": 1}
    air = gun["kind"] == "air"
    catalogue: dict[str, Any] = {
        "extends": ["core-v1"],
        "weapons": {weapon: gun},
        "sensors": {
            "survey-eye": {
                "kind": "eye",
                "max_range_m": 6000,
                "range_scale_m": 3000,
                "rate_per_s": 10.0,
                "position_error_m": 0.0,
                "needs_line_of_sight": False,
            }
        },
        "unit_types": {
            "observer": {
                "category": "reconnaissance",
                "echelon": "team",
                "personnel": 3,
                "sensors": [{"sensor": "survey-eye"}],
            },
            "target": {
                "category": "infantry",
                "echelon": "platoon",
                "personnel": TARGET_PERSONNEL,
                "cover": cover,
                "break_losses": 1.0,
                "break_suppression": 1.0,
            },
        },
    }
    if air:
        catalogue["unit_types"]["firer"] = {
            "category": "aircraft",
            "domain": "air",
            "echelon": "flight",
            "personnel": 1,
            "weapons": [{"weapon": weapon}],
            "air": {"cruise_speed_mps": 200, "endurance_s": 7200, "turnaround_s": 1200},
        }
        firer_at = _at(0, -_AIRBASE_M)
        task: dict[str, Any] = {
            "task": "strike",
            "units": ["blue/firer"],
            "tasking_delay_s": 60,
            "sorties": 1,
        }
    else:
        catalogue["unit_types"]["firer"] = {
            "category": "artillery",
            "echelon": "battery",
            "personnel": 10,
            "weapons": [{"weapon": weapon, "count": 1}],
        }
        firer_at = _at(0, -FIRING_RANGES_M[weapon])
        task = {
            "task": "fire-support",
            "units": ["blue/firer"],
            "fire_direction_delay_s": 60,
            "max_missions": 1,
        }
    data: dict[str, Any] = {
        "schema_version": 1,
        "name": "lethality-per-round-v1",
        "title": "One round of an area weapon on a generic platoon",
        "time": {"start": "2015-05-14T12:00:00+05:00", "duration_s": 3600.0, "dt_s": 10.0},
        "area": {"bounds": {"west": 68.40, "south": 37.04, "east": 68.80, "north": 37.36}},
        "sides": {
            "blue": {"relations": {"red": "hostile"}, "comms_latency_s": 0},
            "red": {"relations": {"blue": "hostile"}, "comms_latency_s": 0},
        },
        "nations": {
            "B": {"side": "blue", "training": 1.0, "c2_delay_s": 0, "default_liaison_delay_s": 0},
            "R": {"side": "red", "training": 1.0, "c2_delay_s": 0, "default_liaison_delay_s": 0},
        },
        "catalogue": catalogue,
        "units": {
            "blue/observer": {"type": "observer", "nation": "B", "at": _at(-1000, 0)},
            "blue/firer": {"type": "firer", "nation": "B", "at": firer_at},
            "red/target": {"type": "target", "nation": "R", "at": _at(0, 0), "posture": posture},
        },
        "plan": {"phases": {"fire": {"trigger": {"at_s": 0}, "tasks": [task]}}},
        "environment": {"light": "day"},
    }
    if air:
        data["sites"] = {"field": {"kind": "airbase", "at": firer_at, "nation": "B"}}
        data["units"]["blue/firer"]["home"] = "field"
    return data


@dataclass(frozen=True, slots=True)
class RoundEffect:
    """Casualties per round of one weapon on one target state, over the replications."""

    weapon: str
    target: str
    mean: float
    se: float
    rounds: float
    """Mean rounds (or bombs) that landed per replication (1 when every mission fired)."""
    per_replication: np.ndarray
    """Each replication's casualties (for paired comparisons: replication k shares its fall of shot)."""


def casualties_per_round(
    weapon: str, target: str = "open", *, replications: int = REPLICATIONS, rng: int = SEED
) -> RoundEffect:
    """Run one round of ``weapon`` on the generic platoon in state ``target`` (a key of :data:`TARGETS`)."""
    import tempfile
    from pathlib import Path

    from drillsim.engine import Simulation
    from drillsim.scenario import load_scenario

    posture, cover = TARGETS[target]
    data = per_round_scenario_data(weapon, posture=posture, cover=cover)
    with tempfile.TemporaryDirectory(prefix="drillsim-lethality-") as folder:
        path = Path(folder) / "lethality.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        scenario = load_scenario(path)
    sim = Simulation(scenario, rng=rng, replications=replications, stochastic=True)
    red = sim.world.forces.ids.index("red/target")
    start = np.array(sim.state.strength[:, red], dtype=np.float64)
    sim.run(until_s=1800.0)
    lost = start - np.array(sim.state.strength[:, red], dtype=np.float64)
    rounds = float(np.asarray(sim.state.rounds_fired).sum() / replications)
    if FIRING_RANGES_M[weapon] == 0.0:
        rounds = 1.0  # one sortie, one bomb: strikes are not counted as rounds fired
    return RoundEffect(
        weapon=weapon,
        target=target,
        mean=float(lost.mean()),
        se=float(lost.std(ddof=1) / math.sqrt(replications)),
        rounds=rounds,
        per_replication=lost,
    )


def main() -> None:
    """Print casualties per round of every area weapon on every target state."""
    header = "| weapon (core-v1) | " + " | ".join(TARGETS) + " |"
    print(header)
    print("|---" * (len(TARGETS) + 1) + "|")
    for weapon in FIRING_RANGES_M:
        cells = []
        for target in TARGETS:
            e = casualties_per_round(weapon, target)
            cells.append(f"{e.mean:.3f} ± {e.se:.3f}")
        print(f"| {weapon} | " + " | ".join(cells) + " |")
    print(
        f"(platoon of {TARGET_PERSONNEL}, aimed at its true centre; {REPLICATIONS} replications, seed {SEED})"
    )


if __name__ == "__main__":
    main()
