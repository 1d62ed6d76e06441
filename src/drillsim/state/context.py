"""What every mechanic of a step gets: the world, the batch state, random streams and the recorder."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from drillsim.core.random import Streams
from drillsim.events.recorder import Recorder
from drillsim.events.types import Event, columns_of
from drillsim.state.batch import BatchState
from drillsim.world.build import World

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass
class StepContext:
    """One simulation's context; ``t0``/``t1`` bound the step being computed."""

    world: World
    state: BatchState
    streams: Streams
    recorder: Recorder
    stochastic: bool
    ids: NDArray[Any]
    """Element ids as an object array, for event columns."""
    sides: NDArray[Any]
    sensor_names: NDArray[Any]
    t0: float = 0.0
    t1: float = 0.0

    @property
    def dt(self) -> float:
        return self.t1 - self.t0

    @property
    def step(self) -> int:
        return self.state.step

    def rep(self, rows: IntArray) -> IntArray:
        """Replication indices of state rows (random numbers and events use these, never the row)."""
        return self.state.replications[rows]

    def emit(self, event: type[Event], rows: IntArray, time_s: Any, **fields: Any) -> None:
        """Record events of one kind for the given state rows, if the recorder wants them.

        ``fields`` are the event class's own fields (``observer=``, ``target=``, ``mission=``, ...), each one
        value or one value per row; they are put in the event log's columns by the class's column map
        (:func:`drillsim.events.types.columns_of`). A field the class does not have is an error.
        """
        if self.recorder.enabled and len(rows):
            self.recorder.emit(event.KIND, self.rep(rows), time_s, **columns_of(event, fields))

    def key(self, elems: Any) -> IntArray:
        """The draw keys of elements (by id, :attr:`drillsim.world.forces.ForceTable.draw_key`): what random
        numbers that belong to an element are keyed by, never its index."""
        keys: IntArray = self.world.forces.draw_key[elems]
        return keys

    def weapon_key(self, mounts: Any) -> IntArray:
        """The draw keys of weapon mounts (their element's id and ordinal), as :meth:`key` for elements."""
        keys: IntArray = self.world.forces.w_draw_key[mounts]
        return keys

    def uniform(self, stream: str, rows: IntArray, *keys: Any) -> FloatArray:
        """Counter-based uniforms keyed by (stream, step, replication, *keys); an element among the keys is
        given by its draw key (:meth:`key`), so its numbers do not depend on the order of battle."""
        return self.streams.uniform(stream, self.state.step, self.rep(rows), *keys)
