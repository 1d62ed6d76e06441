"""The engine: a batch of replications advanced in lock-step over structure-of-arrays state."""

from drillsim.engine.simulation import Outcomes, Simulation, run
from drillsim.events.recorder import EventLog, NullRecorder, Recorder, read_event_log, write_event_log
from drillsim.events.types import EVENT_CLASSES, EVENT_LOG_VERSION, EVENT_SCHEMA, Event, iter_events
from drillsim.world.build import World, build_world

__all__ = [
    "EVENT_CLASSES",
    "EVENT_LOG_VERSION",
    "EVENT_SCHEMA",
    "Event",
    "EventLog",
    "NullRecorder",
    "Outcomes",
    "Recorder",
    "Simulation",
    "World",
    "build_world",
    "iter_events",
    "read_event_log",
    "run",
    "write_event_log",
]
