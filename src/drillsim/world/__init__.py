"""The world: static tables compiled once from a scenario (forces, plan, terrain, roads), shared by every
replication of a run and never changed by it."""

from drillsim.world.build import Ground, World, build_world, ground_for
from drillsim.world.forces import ForceTable, compile_forces
from drillsim.world.plan import TASK_CODE, TASK_KINDS, CompiledPlan, CompiledTask, TriggerNode, compile_plan

__all__ = [
    "TASK_CODE",
    "TASK_KINDS",
    "CompiledPlan",
    "CompiledTask",
    "ForceTable",
    "Ground",
    "TriggerNode",
    "World",
    "build_world",
    "compile_forces",
    "compile_plan",
    "ground_for",
]
