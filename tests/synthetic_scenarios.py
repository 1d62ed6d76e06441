"""Small synthetic scenarios for the engine tests, built as data and loaded like a user's file.

Synthetic scenarios are built as plain data (what a YAML file would hold), written to a temporary file and
loaded through :func:`drillsim.load_scenario`, so they pass the same validation as any user's file. Places
are given as offsets in metres from the centre of a small flat box (:func:`at`); the engine's projection
puts them within a few centimetres of those offsets.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml

from drillsim.scenario import Scenario, load_scenario
from drillsim.validation.checks import lanchester_scenario_data

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "crossing-defence.yaml"

LAT0, LON0 = 37.20, 68.60
"""Centre of the synthetic scenarios' box."""
_M_PER_DEG_LAT = 111_000.0


def at(dx_m: float, dy_m: float) -> dict[str, float]:
    """A point ``dx_m`` east and ``dy_m`` north of the box centre (approximately, in metres)."""
    lat = LAT0 + dy_m / _M_PER_DEG_LAT
    lon = LON0 + dx_m / (_M_PER_DEG_LAT * math.cos(math.radians(LAT0)))
    return {"lat": round(lat, 9), "lon": round(lon, 9)}


def base_scenario(*, duration_s: float = 3600.0, dt_s: float = 10.0) -> dict[str, Any]:
    """Two hostile sides (blue: nation B, red: nation R), no command delays, daylight, nothing else."""
    return {
        "schema_version": 1,
        "name": "engine-test-v1",
        "title": "Synthetic engine test",
        "time": {"start": "2015-05-14T12:00:00+05:00", "duration_s": duration_s, "dt_s": dt_s},
        "area": {"bounds": {"west": 68.50, "south": 37.12, "east": 68.70, "north": 37.28}},
        "sides": {
            "blue": {"relations": {"red": "hostile"}, "comms_latency_s": 0},
            "red": {"relations": {"blue": "hostile"}, "comms_latency_s": 0},
        },
        "nations": {
            "B": {"side": "blue", "training": 1.0, "c2_delay_s": 0, "default_liaison_delay_s": 0},
            "R": {"side": "red", "training": 1.0, "c2_delay_s": 0, "default_liaison_delay_s": 0},
        },
        "catalogue": {"weapons": {}, "sensors": {}, "unit_types": {}},
        "units": {},
        "plan": {"phases": {}},
        "environment": {"light": "day"},
    }


def lanchester_scenario(
    *, blue: int = 100, red: int = 80, blue_pk: float = 0.008, red_pk: float = 0.01, dt_s: float = 10.0
) -> dict[str, Any]:
    """Two immobile forces 200 m apart in the open, exchanging aimed fire; each sees the other at once.

    The package's own builder (:func:`drillsim.validation.checks.lanchester_scenario_data`, which
    ``drillsim validate-models`` runs): one weapon per person, 6 engagements a minute, so the engine's
    expected attrition is Lanchester's square law with ``a = 0.1/s * red_pk`` and ``b = 0.1/s * blue_pk``.
    """
    return lanchester_scenario_data(blue=blue, red=red, blue_pk=blue_pk, red_pk=red_pk, dt_s=dt_s)


def approach_scenario(*, dt_s: float, duration_s: float = 2400.0) -> dict[str, Any]:
    """A red walker drives straight at a blue observation post from 5 km to 0.5 km at 5 m/s.

    The post's one sensor (rate 0.01/s, range scale 2 km, reach 6 km, no line of sight needed) is the only
    sensor in the scenario; nobody carries a weapon. Measure: blue's time to first detection of red.
    """
    data = base_scenario(duration_s=duration_s, dt_s=dt_s)
    cat = data["catalogue"]
    cat["sensors"]["post-eye"] = {
        "kind": "eye",
        "max_range_m": 6000,
        "range_scale_m": 2000,
        "rate_per_s": 0.01,
        "needs_line_of_sight": False,
    }
    cat["unit_types"]["post"] = {
        "category": "reconnaissance",
        "echelon": "team",
        "personnel": 2,
        "sensors": [{"sensor": "post-eye"}],
        "speed_mps": {},
    }
    cat["unit_types"]["walker"] = {
        "category": "motorised",
        "echelon": "team",
        "personnel": 4,
        "speed_mps": {"open": 5.0},
    }
    data["units"] = {
        "blue/post": {"type": "post", "nation": "B", "at": at(0, -2500)},
        "red/walker": {"type": "walker", "nation": "R", "at": at(0, 2500)},
    }
    data["plan"]["phases"] = {
        "go": {
            "trigger": {"at_s": 0},
            "tasks": [
                {"task": "move", "units": ["red/walker"], "to": at(0, -2000), "posture_on_arrival": "moving"}
            ],
        }
    }
    data["measures"] = {
        "first-detection": {"kind": "time-to-first-detection", "side": "blue", "of_side": "red"}
    }
    return data


def write_scenario(data: dict[str, Any], folder: Path, name: str = "scenario.yaml") -> Scenario:
    """Write scenario data as YAML into ``folder`` and load it the way a user's file is loaded."""
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_scenario(path)
