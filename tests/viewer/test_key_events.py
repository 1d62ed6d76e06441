"""The report's key-events table lists each side's first detection of each unit, not every report."""

from __future__ import annotations

from typing import Any

from drillsim.report.html import first_detections


def _event(kind: str, side: str | None, other: str | None, t: float) -> dict[str, Any]:
    return {"kind": kind, "side": side, "other": other, "time_s": t}


def test_only_the_first_detection_of_each_unit_by_each_side_is_listed() -> None:
    """Repeated detections of a unit already detected by the same side are left out and counted; other
    events, and the other side's detections, are kept in order."""
    events = [
        _event("PhaseStarted", None, None, 0.0),
        _event("ContactDetected", "blue", "red/1", 10.0),
        _event("ContactDetected", "blue", "red/1", 20.0),
        _event("ContactDetected", "red", "blue/1", 25.0),
        _event("ContactDetected", "blue", "red/2", 30.0),
        _event("UnitHit", None, "red/1", 35.0),
        _event("ContactDetected", "blue", "red/1", 40.0),
    ]
    listed, repeats = first_detections(events)
    assert [e["time_s"] for e in listed] == [0.0, 10.0, 25.0, 30.0, 35.0]
    assert repeats == 2
