"""Events: typed, past-tense facts of a run, the recorder that keeps them in columns, and the event-log file.

Replay, reports and analysis read events through this package; it never imports the engine.
"""

from drillsim.events.recorder import (
    EventLog,
    EventSpool,
    NullRecorder,
    Recorder,
    read_event_log,
    read_event_log_schema,
    scan_event_log,
    write_event_log,
)
from drillsim.events.types import EVENT_CLASSES, EVENT_LOG_VERSION, EVENT_SCHEMA, Event, iter_events

__all__ = [
    "EVENT_CLASSES",
    "EVENT_LOG_VERSION",
    "EVENT_SCHEMA",
    "Event",
    "EventLog",
    "EventSpool",
    "NullRecorder",
    "Recorder",
    "iter_events",
    "read_event_log",
    "read_event_log_schema",
    "scan_event_log",
    "write_event_log",
]
