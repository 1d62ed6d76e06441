"""The report's story: key events grouped and ranked, maps zoomed to each phase's action, border and river
crossings, a written summary, and charts laid out so that nothing overprints."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from drillsim.report import load_result
from drillsim.report.charts import label_lanes
from drillsim.report.html import chain_groups, render_report, timeline_marks
from drillsim.report.layers import _shaded_relief, relief_upsample
from drillsim.report.story import (
    action_bounds,
    border_crossings,
    group_key_events,
    story_sentences,
)
from drillsim.report.timeline import objective_terms, replay_data
from drillsim.scenario import load_scenario


def _unit(uid: str, side: str, group: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"id": uid, "side": side, "group": group or uid, "parent": None, "strength": 10.0, **extra}


def _event(kind: str, t: float, **fields: Any) -> dict[str, Any]:
    event = {"kind": kind, "time_s": t, "side": None, "unit": None, "other": None, "detail": None}
    event |= {"count": None, "lat": None, "lon": None, "text": kind}
    return event | fields


def _replay(events: list[dict[str, Any]], units: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    replay = {
        "meta": {"duration_s": 36_000.0, "replication": 0},
        "sides": {"blue": {"name": "Blue force (a remark)"}, "red": {"name": "Red"}},
        "units": units,
        "events": events,
        "phases": [{"name": "one", "time_s": 0.0}, {"name": "two", "time_s": 18_000.0}],
        "tracks": {},
    }
    return replay | extra


UNITS = [
    _unit("blue/hq", "blue", category="headquarters"),
    _unit("blue/post", "blue"),
    *(_unit(f"red/grp/{i}", "red", "red/grp") for i in range(1, 5)),
    _unit("red/boss", "red", type="commander"),
]


def test_detections_of_a_group_are_one_row_and_the_first_sighting_ranks_first() -> None:
    """Repeated detections of a group's units by one side make one row (the first); the first sighting of
    the other side outranks a later first detection of another group."""
    events = [
        _event("ContactDetected", 100.0, side="blue", unit="blue/post", other="red/grp/1", detail="eyes"),
        _event("ContactDetected", 200.0, side="blue", unit="blue/post", other="red/grp/2", detail="eyes"),
        _event("ContactDetected", 300.0, side="blue", unit="blue/post", other="red/grp/1", detail="radar"),
        _event("ContactDetected", 400.0, side="blue", unit="blue/post", other="red/boss", detail="eyes"),
    ]
    rows, used = group_key_events(_replay(events, UNITS))
    assert used == 4
    assert [r.time_s for r in rows] == [100.0, 400.0]
    assert "first sight the enemy" in rows[0].text
    assert "red/grp (4 units)" in rows[0].text
    assert rows[0].text.startswith("Blue force ")  # the side's name without its bracketed remark
    assert rows[0].score > rows[1].score


def test_ends_of_a_group_within_an_hour_share_a_row() -> None:
    """Three units of one group destroyed within an hour are one row; a fourth, two hours later, its own."""
    events = [_event("UnitDestroyed", t, unit=f"red/grp/{i}") for i, t in ((1, 0.0), (2, 600.0), (3, 1200.0))]
    events.append(_event("UnitDestroyed", 8000.0, unit="red/grp/4"))
    rows, _ = group_key_events(_replay(events, UNITS))
    assert [(r.count, len(r.units)) for r in rows] == [(3, 3), (1, 1)]
    assert rows[0].text.startswith("3 units of red/grp destroyed")
    assert rows[0].score > rows[1].score


def test_a_captured_headquarters_outranks_a_captured_post() -> None:
    events = [
        _event("UnitCaptured", 10.0, unit="blue/post", other="red/grp/1"),
        _event("UnitCaptured", 20.0, unit="blue/hq", other="red/grp/1"),
    ]
    rows, _ = group_key_events(_replay(events, UNITS))
    assert rows[1].score > rows[0].score


def test_a_phase_map_is_zoomed_to_its_fight_not_to_a_far_sighting() -> None:
    """Hits clustered near (37.0, 68.0) in the second phase and a detection 1 degree away: the second
    phase's bounds hold the hits and not the detection; the first phase (only sightings) holds those."""
    rng = np.random.default_rng(1)
    events = [
        _event("UnitHit", 20_000.0 + i, unit="red/grp/1", lat=37.0 + d[0], lon=68.0 + d[1], count=1)
        for i, d in enumerate(rng.normal(0, 0.01, size=(20, 2)))
    ]
    events.append(_event("ContactDetected", 20_500.0, side="blue", other="red/grp/2", lat=38.0, lon=69.0))
    sightings = [
        _event("ContactDetected", 100.0 * i, side="blue", other="red/boss", lat=36.5 + 0.01 * i, lon=67.5)
        for i in range(1, 4)
    ]
    replay = _replay(events + sightings, UNITS)
    (south, west), (north, east) = action_bounds(replay, 18_000.0, 36_000.0) or [[0, 0], [0, 0]]
    assert south < 37.0 < north
    assert west < 68.0 < east
    assert north < 37.5
    assert east < 68.5
    (south, west), (north, east) = action_bounds(replay, 0.0, 18_000.0) or [[0, 0], [0, 0]]
    assert south < 36.52
    assert 36.53 < north < 37.0


def test_crossing_a_river_counts_only_when_the_unit_ends_beyond_it() -> None:
    """A river along latitude 37.0: a unit that crosses and ends 5 km north has crossed; one that steps
    over and back has not; one that ends 500 m beyond (the river drawn at small scale) has not; a
    helicopter that flies over first and ends 10 km beyond is not a crossing (aircraft overfly)."""
    layers = {
        "geodata": {
            "lines": {
                "river": [
                    {
                        "id": "r",
                        "name": "Big river",
                        "obstacle": True,
                        "parts": [[[37.0, 67.0], [37.0, 69.0]]],
                    }
                ]
            }
        }
    }
    tracks = {
        "red/grp/1": [[0.0, 36.9, 68.0, 10], [600.0, 36.95, 68.0, 10], [1200.0, 37.045, 68.0, 10]],
        "red/grp/2": [[0.0, 36.9, 68.1, 10], [600.0, 37.02, 68.1, 10], [1200.0, 36.9, 68.1, 10]],
        "red/grp/3": [[0.0, 36.9, 68.2, 10], [300.0, 37.0045, 68.2, 10]],
        "red/heli": [[0.0, 36.9, 68.3, 2], [300.0, 37.09, 68.3, 2]],
    }
    units = [*UNITS, _unit("red/heli", "red", category="helicopter", domain="air")]
    crossed = border_crossings(_replay([], units, tracks=tracks), layers)
    assert crossed["red"]["units"] == 1
    assert crossed["red"]["unit"] == "red/grp/1"
    assert crossed["red"]["line"] == "Big river"
    assert 600.0 < crossed["red"]["time_s"] <= 1200.0
    assert "blue" not in crossed


def test_labels_take_a_new_lane_only_when_they_would_overprint() -> None:
    """Labels starting at 0, 1 and 10, 3 long: the second overlaps the first (lane 1), the third fits
    after both (lane 0)."""
    assert label_lanes([0.0, 1.0, 10.0], [3.0, 3.0, 3.0]) == [0, 1, 0]
    assert label_lanes([0.0, 1.0, 2.0], [3.0, 3.0, 3.0]) == [0, 1, 2]


def test_kill_chain_groups_by_shooter_keep_the_top_and_pool_the_rest() -> None:
    """Five shooters, top 2: the two with the most missions, then one row for the other three; a strike
    without a named aircraft is labelled by its side, never '?' or 'None'."""
    missions = [{"type": "fire mission", "battery": "b1", "start_s": float(i)} for i in range(4)]
    missions += [{"type": "fire mission", "battery": "b2", "start_s": 10.0 + i} for i in range(3)]
    missions += [{"type": "fire mission", "battery": f"b{k}", "start_s": 20.0 + k} for k in (3, 4)]
    missions += [{"type": "strike", "aircraft": None, "side": "blue", "start_s": 30.0}]
    groups = chain_groups(missions, 2)
    assert [label for label, _ in groups] == [
        "fire missions by b1 (4)",
        "fire missions by b2 (3)",
        "3 other shooters (3)",
    ]
    assert len(groups[-1][1]) == 3
    assert chain_groups(missions[-1:], 5)[0][0] == "strikes by blue (no shooter named) (1)"


def test_relief_is_smooth_at_the_cells_edges() -> None:
    """A smooth hill on a coarse grid: the upsampled relief is at least about 1,200 pixels wide and its
    shading changes little from one pixel to the next (a linear upsampling makes steps at cell edges)."""
    y, x = np.mgrid[0:20, 0:30]
    z = 1000.0 * np.exp(-((x - 15.0) ** 2 + (y - 10.0) ** 2) / 40.0)
    image = _shaded_relief(z)
    assert image.shape[1] >= 1200
    assert image.shape[0] == 20 * relief_upsample(z.shape)
    rgb = image[..., :3].astype(np.int16)
    # Between neighbouring pixels of a smooth hill the shade moves by a few levels at most; measured
    # 1 with the cubic spline and 12 with linear interpolation of the same grid.
    assert np.abs(np.diff(rgb, axis=1)).max() <= 3


def test_story_of_the_example_names_sightings_phases_and_losses(single_result: Path) -> None:
    """The example's summary: each side's first sighting, a sentence per phase with events, whole-number
    losses, and the objectives; the report shows it and lists losses as whole numbers."""
    result = load_result(single_result)
    replay = replay_data(result)
    rows, _ = group_key_events(replay)
    sentences = story_sentences(replay, {}, rows, dict.fromkeys(replay["sides"], 3.0))
    text = " ".join(sentences)
    assert "first located" in text
    for phase in {r.phase for r in rows if r.kind != "PhaseStarted"}:
        assert f"Phase {phase} (" in text
    lost = next(s for s in sentences if s.startswith("People hit by fire by the end: "))
    assert " 3" in lost
    assert "3.0" not in lost
    page = render_report(result)
    assert "What happened in replication 0" in page
    losses = re.search(r'<section id="losses">.*?<tbody>(.*?)</tbody>', page, flags=re.S)
    assert losses is not None
    cells = re.findall(r"<tr><td>[^<]+</td><td>([^<]+)</td></tr>", losses.group(1))
    assert cells
    assert all(re.fullmatch(r"\d[\d,]*", c) for c in cells), cells
    assert "T+T+" not in page


def test_timeline_rows_are_labelled_in_plain_words(single_result: Path) -> None:
    """The timeline chart's rows of the example's replication read as the rest of the report does
    ("units broke", "rounds landed"), never as event class names (``UnitBroke``)."""
    replay = replay_data(load_result(single_result))
    labels = {label for label, _ in timeline_marks(replay)}
    assert labels
    for label in labels:
        assert re.fullmatch(r"[a-z]+( [a-z]+)*", label), label


def test_the_summary_says_how_each_headquarters_ended_in_plain_words() -> None:
    """A headquarters that escaped "escaped" (not "was escaped"); one captured "was captured"."""
    units = [
        _unit("blue/hq", "blue", category="headquarters", end={"status": "captured", "time_s": 3600.0}),
        _unit("red/boss", "red", type="commander", end={"status": "escaped", "time_s": 7200.0}),
    ]
    text = " ".join(story_sentences(_replay([], units), {}, [], {}))
    assert "(red/boss) escaped at T+2:00." in text
    assert "(blue/hq) was captured at T+1:00." in text
    assert "was escaped" not in text


def test_an_objective_achieved_says_what_met_it() -> None:
    """An objective's name says what it is for, not how it is judged: the key-event row and the summary
    say what met it (the default scenario's commander fates)."""
    terms = objective_terms(load_scenario("khatlon-2015-v2"))
    assert terms["commander-escaped"] == "mil/commander escaped before it was captured"
    assert terms["commander-captured"] == "mil/commander captured before it escaped"
    assert terms["commander-at-large"] == "mil/commander neither captured, killed nor escaped by the end"
    units = [_unit("red/boss", "red", type="commander")]
    achieved = _event("ObjectiveAchieved", 7200.0, side="red", detail="commander-escaped")
    replay = _replay([achieved], units, objectives=terms)
    rows, _ = group_key_events(replay)
    assert rows[0].text == f"Red achieved commander-escaped ({terms['commander-escaped']})"
    text = " ".join(story_sentences(replay, {}, rows, {}))
    assert f"({terms['commander-escaped']}) at T+2:00" in text


def test_the_pedigree_opens_with_its_sources_and_folds_the_full_list(single_result: Path) -> None:
    """The pedigree section first counts the parameters by source and confidence (the counts add up to
    every parameter), then lists every parameter inside a folded ``<details>``."""
    result = load_result(single_result)
    page = render_report(result)
    section = re.search(r'<section id="pedigree">(.*?)</section>', page, flags=re.S)
    assert section is not None
    overview, _, folded = section.group(1).partition('<details class="pedigree-all">')
    counts = re.findall(r"<tr><td>(\d+)</td>", overview.split('class="pedigree-sources"', 1)[1])
    total = len(result.scenario.parameters())  # type: ignore[union-attr]
    assert sum(int(c) for c in counts) == total > 0
    assert f"<summary>All {total} parameters</summary>" in folded
    assert folded.count("<tr><td><code>") == total


def test_a_fight_at_one_spot_is_shown_with_the_ground_around_it() -> None:
    """Three hits within 100 m give a phase map about 10 km across (never a 2 km map of nothing), centred
    on them."""
    events = [
        _event("UnitHit", 20_000.0 + i, unit="red/grp/1", lat=37.0 + 0.0005 * i, lon=68.0, count=1)
        for i in range(3)
    ]
    bounds = action_bounds(_replay(events, UNITS), 18_000.0, 36_000.0)
    assert bounds is not None
    (south, west), (north, east) = bounds
    assert 9.5 < (north - south) * 111.2 < 11.0
    assert 9.5 < (east - west) * 111.2 * np.cos(np.radians(37.0)) < 11.0
    assert south < 37.0005 < north
    assert west < 68.0 < east


def test_losses_chart_ends_at_the_runs_losses_measures(ensemble_result: Path) -> None:
    """Each side's lines of the losses chart (one a nation) end at the mean over the replications of its
    ``losses-<side>`` measure: the missing count as the measure counts them, not only the people hit."""
    from drillsim.report.html import _loss_series

    result = load_result(ensemble_result)
    missing = result.scan(kinds=("CasualtiesMissing",), columns=("count",))
    assert missing.num_rows > 0  # the example's raids leave people missing: the case this test is about
    series = _loss_series(result)
    for side in result.header["sides"]:
        expected = np.mean(result.outcomes.column(f"losses-{side}").to_numpy())
        ends = [line[1][-1] for label, line in series.items() if label.startswith(f"{side} / ")]
        assert sum(ends) == pytest.approx(expected), side
