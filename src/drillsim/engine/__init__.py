"""The engine: a batch of replications advanced in lock-step over structure-of-arrays state."""

import typing as _typing

from drillsim.core.exports import lazy_exports as _lazy_exports

if _typing.TYPE_CHECKING:  # names load on first use (drillsim.core.exports)
    from drillsim.engine.simulation import Outcomes, Simulation, record, run
    from drillsim.events.recorder import (
        EventLog,
        EventSpool,
        NullRecorder,
        Recorder,
        read_event_log,
        write_event_log,
    )
    from drillsim.events.types import EVENT_CLASSES, EVENT_LOG_VERSION, EVENT_SCHEMA, Event, iter_events
    from drillsim.world.build import World, build_world

__all__ = [
    "EVENT_CLASSES",
    "EVENT_LOG_VERSION",
    "EVENT_SCHEMA",
    "Event",
    "EventLog",
    "EventSpool",
    "NullRecorder",
    "Outcomes",
    "Recorder",
    "Simulation",
    "World",
    "build_world",
    "iter_events",
    "read_event_log",
    "record",
    "run",
    "write_event_log",
]

_HOME = {
    "EVENT_CLASSES": "drillsim.events.types",
    "EVENT_LOG_VERSION": "drillsim.events.types",
    "EVENT_SCHEMA": "drillsim.events.types",
    "Event": "drillsim.events.types",
    "EventLog": "drillsim.events.recorder",
    "EventSpool": "drillsim.events.recorder",
    "NullRecorder": "drillsim.events.recorder",
    "Outcomes": "drillsim.engine.simulation",
    "Recorder": "drillsim.events.recorder",
    "Simulation": "drillsim.engine.simulation",
    "World": "drillsim.world.build",
    "build_world": "drillsim.world.build",
    "iter_events": "drillsim.events.types",
    "read_event_log": "drillsim.events.recorder",
    "record": "drillsim.engine.simulation",
    "run": "drillsim.engine.simulation",
    "write_event_log": "drillsim.events.recorder",
}
"""Where each public name is defined."""

__getattr__, __dir__ = _lazy_exports(__name__, _HOME, globals(), subpackages=True)
