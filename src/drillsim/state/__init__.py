"""The batched state of a run (structure of arrays, replication as the leading axis) and the step context
through which mechanics read and write it."""

from drillsim.state.batch import ACTIVE, BatchState, Missions, Picture, initial_state
from drillsim.state.context import StepContext

__all__ = ["ACTIVE", "BatchState", "Missions", "Picture", "StepContext", "initial_state"]
