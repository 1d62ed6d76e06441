"""Measures of effectiveness read from the run."""

from __future__ import annotations

from pathlib import Path

import drillsim
from synthetic_scenarios import at, base_scenario, write_scenario


def test_time_in_place_keeps_first_arrivals_after_new_orders(tmp_path: Path) -> None:
    """Forces are in place when the last unit first arrives, even if an earlier one has since moved on."""
    data = base_scenario(duration_s=3000.0, dt_s=10.0)
    data["units"] = {
        "b/fast": {"type": "rifle-squad", "nation": "B", "at": at(0, 0)},
        "b/slow": {"type": "rifle-squad", "nation": "B", "at": at(0, 500)},
        "r/grp": {"type": "militant-group", "nation": "R", "at": at(5_000, 6_000)},
    }
    data["catalogue"] = {}
    data["plan"]["phases"] = {
        "go": {
            "trigger": {"at_s": 0},
            "tasks": [
                {"task": "move", "units": ["b/fast"], "to": at(600, 0)},
                {"task": "move", "units": ["b/slow"], "to": at(1_500, 500)},
            ],
        },
        "again": {
            "trigger": {"at_s": 700},
            "tasks": [{"task": "move", "units": ["b/fast"], "to": at(-4_000, 0)}],
        },
    }
    data["measures"] = {"in-place": {"kind": "time-in-place", "units": ["b/fast", "b/slow"]}}
    scenario = write_scenario(data, tmp_path)
    out = drillsim.run(scenario, rng=1, replications=2)
    # The slow squad covers 1,500 m at 1.2 m/s in about 1,250 s; the fast one arrived at ~500 s and left
    # again at 700 s, and is still marching at 3,000 s.
    assert ((out.measures["in-place"] > 1_200) & (out.measures["in-place"] < 1_300)).all()
