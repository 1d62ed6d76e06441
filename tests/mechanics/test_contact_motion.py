"""Contacts with a velocity and reports that come too late (docs/mechanics/sensing.md, "Dead reckoning" and
"Communications"): a moving target's believed position runs ahead of its last sighting along its track,
and a report older than the contact's life when it arrives never enters the shared picture.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from effects_kit import Runner, at, base, eye

from drillsim.state.batch import Picture
from drillsim.state.reckoning import DEAD_RECKONING_S, VELOCITY_ERROR_SHARE

REPS = 6


def walker_past_a_watcher(
    *, reach_m: float, speed_mps: float, north_m: float, duration_s: float
) -> dict[str, Any]:
    """A red watcher (a quick eye, 20 m error, range scale 3 km, reach ``reach_m``) at the centre; a blue
    walker starts ``north_m`` north of it at x = -``reach_m`` and goes east at ``speed_mps`` for 40 km."""
    data = base(duration_s=duration_s)
    cat = data["catalogue"]
    cat["sensors"]["eye"] = eye(1.0, max_range_m=reach_m) | {"position_error_m": 20.0}
    cat["unit_types"]["watcher"] = {"category": "infantry", "personnel": 3, "sensors": [{"sensor": "eye"}]}
    cat["unit_types"]["walker"] = {"category": "infantry", "personnel": 8, "speed_mps": {"open": speed_mps}}
    data["units"] = {
        "red/watcher": {"type": "watcher", "nation": "R", "at": at(0, 0)},
        "blue/walker": {"type": "walker", "nation": "B", "at": at(-reach_m, north_m)},
    }
    walk = {"task": "move", "units": ["blue/walker"], "to": at(40_000 - reach_m, north_m)}
    data["plan"]["phases"] = {"go": {"trigger": {"at_s": 0}, "tasks": [walk]}}
    return data


def test_a_moving_target_is_believed_ahead_along_its_track(runner: Runner) -> None:
    """The walker (2 m/s east, 1 km north, from 6 km west) leaves the eye's 6 km reach after about
    5,960 s; at 6,250 s, some 290 s later, the side still holds it (timeout 1,800 s) and believes it about
    580 m east of its last sighting, much nearer where it is than the last sighting. Bounds: the believed
    shift is the age times the estimated velocity, whose error is 25 % of 2 m/s per axis (0.5 m/s, about
    145 m over 290 s): a shift below 0 is 4 standard errors away; the believed position misses by more
    than the 580 m the walker went with odds of about exp(-8) a replication (a two-axis normal of 145 m
    beyond 4 of them)."""
    end = 6250.0
    result = runner.run(
        walker_past_a_watcher(reach_m=6000.0, speed_mps=2.0, north_m=1000.0, duration_s=end), reps=REPS
    )
    f = result.sim.world.forces
    pic = result.sim.state.picture
    s = result.sim.state
    walker, red = f.ids.index("blue/walker"), f.side_names.index("red")
    rows = np.arange(REPS)
    assert pic.known_live[:, red, walker].all()
    age = end - pic.known_t[:, red, walker]
    assert (age > 200.0).all()  # seen last well before the end: the walker is out of reach
    bx, by, err = pic.believed(rows, red, np.full(REPS, walker), end)
    last_x, last_y = pic.known_x[:, red, walker], pic.known_y[:, red, walker]
    assert (bx > last_x).all()
    assert (pic.known_vx[:, red, walker] > 0).all()
    missed_by = np.hypot(bx - s.x[:, walker], by - s.y[:, walker])
    last_missed_by = np.hypot(last_x - s.x[:, walker], last_y - s.y[:, walker])
    assert (missed_by < last_missed_by).all()
    assert (err > pic.known_err[:, red, walker]).all()  # the error grows with the age


def test_a_report_older_than_the_contact_life_never_enters_the_picture(runner: Runner) -> None:
    """Red's reports take 600 s and its contacts live 300 s. A walker at 10 m/s crosses the eye's 1 km reach
    500 m north of it (a 1.7 km chord: in sight about 175 s), so the first report arrives about 425 s after
    the last sighting: it is discarded (``ReportExpired``), red's shared picture never holds the walker, and
    no report or loss of it is recorded. With latency 0 the same sightings enter the picture."""
    data = walker_past_a_watcher(reach_m=1000.0, speed_mps=10.0, north_m=500.0, duration_s=1800.0)
    data["sides"]["red"] |= {"comms_latency_s": 600, "contact_timeout_s": 300}
    late = runner.run(data, reps=REPS)
    data["sides"]["red"]["comms_latency_s"] = 0
    prompt = runner.run(data, reps=REPS)
    f = late.sim.world.forces
    walker, red = f.ids.index("blue/walker"), f.side_names.index("red")
    assert (late.count("ContactDetected", side="red", other="blue/walker") > 0).all()
    expired = late.select("ReportExpired", side="red", other="blue/walker")
    assert set(expired["replication"].to_pylist()) == set(range(REPS))
    assert (np.asarray(expired["value"].to_pylist()) > 300.0).all()
    assert late.count("ContactReported", side="red", other="blue/walker").sum() == 0
    assert late.count("ContactLost", side="red", other="blue/walker").sum() == 0
    assert not np.isfinite(late.sim.state.reported_at[:, walker]).any()
    assert (prompt.count("ContactReported", side="red", other="blue/walker") > 0).all()
    assert len(prompt.select("ReportExpired")) == 0
    assert not late.sim.state.picture.known_live[:, red, walker].any()


def test_dead_reckoning_arithmetic() -> None:
    """The believed position moves with the estimated velocity for at most DEAD_RECKONING_S, and its error
    adds VELOCITY_ERROR_SHARE of the speed times the age in quadrature; a still contact stays put."""
    pic = Picture.empty(1, 1, 3)
    pic.known_t[0, 0] = 100.0
    pic.known_x[0, 0] = [0.0, 0.0, 500.0]
    pic.known_y[0, 0] = [0.0, 0.0, 500.0]
    pic.known_err[0, 0] = 30.0
    pic.known_vx[0, 0] = [3.0, 3.0, 0.0]
    pic.known_vy[0, 0] = [4.0, 4.0, 0.0]
    now = np.array([200.0, 100.0 + 3 * DEAD_RECKONING_S, 5000.0])
    x, y, err = pic.believed(np.zeros(3, dtype=np.int64), 0, np.arange(3), now)
    np.testing.assert_allclose(x, [300.0, 3 * DEAD_RECKONING_S, 500.0])
    np.testing.assert_allclose(y, [400.0, 4 * DEAD_RECKONING_S, 500.0])
    drift = VELOCITY_ERROR_SHARE * 5.0 * np.array([100.0, 3 * DEAD_RECKONING_S])
    np.testing.assert_allclose(err, [*np.hypot(30.0, drift), 30.0])
