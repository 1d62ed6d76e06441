"""Orders: the plan compiled into phases, triggers and tasks, and trigger evaluation over a batch."""

from drillsim.orders.plan import TASK_CODE, TASK_KINDS, CompiledPlan, CompiledTask, TriggerNode, compile_plan
from drillsim.orders.triggers import Facts, TriggerState

__all__ = [
    "TASK_CODE",
    "TASK_KINDS",
    "CompiledPlan",
    "CompiledTask",
    "Facts",
    "TriggerNode",
    "TriggerState",
    "compile_plan",
]
