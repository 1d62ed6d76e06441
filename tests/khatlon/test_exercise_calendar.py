"""The exercise as reported replays its calendar: the airlift lands the Russian airborne within the
reported deployment, and the live-fire phase follows once the force is in place, no later than the
reported live-fire days.

Reporting (sources in khatlon-2015-exercise-v2.yaml): alert on 12 May 2015; 24 transport landings in the
24 hours before midday on 14 May; the Russian airborne landed at Dushanbe on Friday 15 May, with the
redeployment to be complete that day; live firing at the range on Sunday 17 May, the exercise proper
dated from Monday 18 May by the Russian MoD. The scenario starts at the alert, 12 May 05:00 (Dushanbe
time), so 13 May 00:00 is 19 h and each later day adds 24 h.

The band of the replications (here the least and greatest of a few) must fall inside the windows and
have spread (the trip delays and the march are random), so a fixed schedule could not pass. The
live-fire window's lower bound is the force being in place, not 17 May: the replay starts live fire on
15 May, a day and a half before the reported Sunday (docs/scenarios/khatlon-2015.md says why), so this
test holds the replay to "no slower than the exercise", and the page gives the gap.
"""

from __future__ import annotations

import numpy as np
import pytest

from drillsim import Simulation, load_scenario

SEED = 20261206
REPLICATIONS = 4
HOUR = 3600.0
# Hours after the alert (12 May 05:00) of midnight at the start of each day of May 2015.
MIDNIGHT = {day: (19.0 + 24.0 * (day - 13)) * HOUR for day in range(13, 21)}
# The first landings were by midday on 13 May; the redeployment was complete on 15 May.
AIRBORNE_WINDOW = (MIDNIGHT[13], MIDNIGHT[16])
# Live firing on 17 May (CSTO via Sputnik), the exercise proper from 18 May (Russian MoD).
LIVE_FIRE_LAST = MIDNIGHT[19]


@pytest.mark.slow
def test_the_replay_lands_the_airborne_and_starts_live_fire_in_the_reported_order() -> None:
    """Run to the end of the live-fire window: the airborne land within the reported deployment, every
    contingent is in place before live fire, and live fire starts by the end of the reported days."""
    scenario = load_scenario("khatlon-2015-exercise-v2")
    out = Simulation(scenario, rng=SEED, replications=REPLICATIONS).run(until_s=LIVE_FIRE_LAST)
    landed = np.asarray(out.measures["vdv-landed"], dtype=np.float64)
    in_place = np.asarray(out.measures["time-in-place"], dtype=np.float64)
    live = np.asarray(out.measures["live-fire-start"], dtype=np.float64)
    assert not np.isnan(landed).any(), "an airborne platoon never landed"
    assert not np.isnan(live).any(), "the live-fire phase never started"
    assert landed.min() >= AIRBORNE_WINDOW[0], landed / HOUR
    assert landed.max() < AIRBORNE_WINDOW[1], landed / HOUR
    assert (landed < in_place).all(), (landed, in_place)
    assert (in_place < live).all(), (in_place, live)
    assert live.max() < LIVE_FIRE_LAST, live / HOUR
    # The replay is not a fixed schedule: the trip delays spread the landings.
    assert landed.max() > landed.min()
