"""The batched state of a run (structure of arrays, replication as the leading axis) and the step context
through which mechanics read and write it."""

import typing as _typing

from drillsim.core.exports import lazy_exports as _lazy_exports

if _typing.TYPE_CHECKING:  # names load on first use (drillsim.core.exports)
    from drillsim.state.batch import ACTIVE, BatchState, Missions, Picture, initial_state, start_lanes
    from drillsim.state.context import StepContext

__all__ = ["ACTIVE", "BatchState", "Missions", "Picture", "StepContext", "initial_state", "start_lanes"]

_HOME = {
    "ACTIVE": "drillsim.state.batch",
    "BatchState": "drillsim.state.batch",
    "Missions": "drillsim.state.batch",
    "Picture": "drillsim.state.batch",
    "StepContext": "drillsim.state.context",
    "initial_state": "drillsim.state.batch",
    "start_lanes": "drillsim.state.batch",
}
"""Where each public name is defined."""

__getattr__, __dir__ = _lazy_exports(__name__, _HOME, globals(), subpackages=True)
