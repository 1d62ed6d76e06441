"""The Simulation: one object owns the clock, the batched state, the random streams and the recorder.

A step runs the mechanics in a fixed order: command (phases, orders, re-aiming, aircraft endurance), airlift
landings, mounting and dismounting, movement, obstacles, sensing (and reconnaissance of obstacles), reports,
ambushes, direct fire, fire support (requests, firing, impacts), air strikes, morale and capture, close
assaults on positions, objectives. Replications of a batch advance in lock-step; each one's random numbers
depend only on the root seed and its own replication index, so a replication's outcome and events are the same
alone or in any batch.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from drillsim._version import __version__
from drillsim.core.compiled import CompileAhead, compile_ahead, is_cached, watch_compilation
from drillsim.core.display import Rows, html_block, short_repr, units_of, with_units
from drillsim.core.manifest import mark_incomplete, remove_stale, write_manifest
from drillsim.core.random import Streams, root_seed
from drillsim.events.recorder import (
    EVENTS_FILE,
    EventLog,
    EventSpool,
    NullRecorder,
    Recorder,
    write_event_log,
)
from drillsim.events.types import UnitMoved
from drillsim.mechanics.air.step import AirStrikes, enforce_endurance
from drillsim.mechanics.air_defence.step import AirDefence
from drillsim.mechanics.assault.step import resolve_assaults
from drillsim.mechanics.casualties import evacuate_wounded
from drillsim.mechanics.direct_fire.step import DirectFire
from drillsim.mechanics.direct_fire.supply import resupply
from drillsim.mechanics.friction import Friction
from drillsim.mechanics.indirect_fire.step import IndirectFire
from drillsim.mechanics.morale.digging import dig_in
from drillsim.mechanics.morale.step import capture_and_flight, update_morale
from drillsim.mechanics.movement.emplacement import Emplacement
from drillsim.mechanics.obstacles.step import Obstacles
from drillsim.mechanics.orders.ambush import run_ambushes
from drillsim.mechanics.orders.command import (
    ROAD_LEG_POINTS,
    ROAD_TASKS,
    activate_orders,
    aim_dynamic_tasks,
    start_phases,
)
from drillsim.mechanics.orders.initiative import follow_behaviours
from drillsim.mechanics.orders.triggers import TriggerState
from drillsim.mechanics.outcomes.step import Scorekeeper
from drillsim.mechanics.sensing.passes import detect_pairs
from drillsim.mechanics.sensing.step import Sensing, contact_lives, deliver_reports, located_fractions
from drillsim.mechanics.supply.step import deliver_supplies
from drillsim.mechanics.transport import Carriers, Transport
from drillsim.scenario.io import content_hash, load_scenario, scenario_to_yaml
from drillsim.scenario.models import Scenario, measure_units
from drillsim.state.batch import ACTIVE, BatchState, initial_state, start_lanes
from drillsim.state.context import StepContext
from drillsim.world.build import World, build_world
from drillsim.world.forces import element_vehicles
from drillsim.world.lanes import LANE_TABLES, lane_key, lane_tables_differ

_ROUTE_EXTRA = 4


def _replication_indices(replications: int | Sequence[int], *, repeats: bool = False) -> np.ndarray:
    if isinstance(replications, int | np.integer):
        if replications < 1:
            raise ValueError(f"replications must be at least 1, got {replications}")
        return np.arange(int(replications), dtype=np.int64)
    reps = np.asarray(list(replications), dtype=np.int64)
    if reps.ndim != 1 or len(reps) == 0 or (reps < 0).any():
        raise ValueError("replications must be non-negative integers")
    if not repeats and len(np.unique(reps)) != len(reps):
        raise ValueError("replications must be distinct non-negative integers")
    return reps


@dataclass
class Outcomes:
    """Per-replication results of a run, plus the event log when one was recorded.

    Attributes
    ----------
    scenario_name, scenario_hash
        The scenario run, and the content hash of its merged form.
    seed
        The root seed: the same seed and replication indices give the same results.
    replications
        The replication indices run.
    measures
        Measure name -> one value per replication (NaN: the measure had no value in that replication).
    duration_s
        Simulated time at the end of the run, in seconds.
    events
        The event log (one row per event) when the run had an ``EventLog`` recorder, else None.
    spool
        The event log kept on disk instead, when :func:`record` ran the replications a batch at a time
        (``events`` is then None; :meth:`event_table` reads either).

    ``to_pandas()`` gives one row per replication, ``summary()`` one row per measure; in Jupyter the
    object shows as the summary table.
    """

    scenario_name: str
    scenario_hash: str
    seed: int
    replications: np.ndarray
    measures: dict[str, np.ndarray]
    duration_s: float
    events: pa.Table | None = None
    header: dict[str, Any] = field(default_factory=dict)
    scenario: Scenario | None = None
    spool: EventSpool | None = None

    def event_table(self) -> pa.Table | None:
        """The event log as one table, whether kept in memory or spooled on disk; None when not recorded."""
        return self.spool.table() if self.spool is not None else self.events

    def to_arrow(self) -> pa.Table:
        """One row per replication: its index, the root seed, then every measure."""
        n = len(self.replications)
        columns: dict[str, Any] = {
            "replication": pa.array(self.replications, type=pa.int64()),
            "seed": pa.array([self.seed] * n, type=pa.uint64()),
        }
        for name, values in self.measures.items():
            columns[name] = pa.array(np.asarray(values, dtype=np.float64))
        table = pa.table(columns)
        return table if self.scenario is None else with_units(table, measure_units(self.scenario))

    def units(self) -> dict[str, str]:
        """The unit of each measure's values (``s``, ``m``, ``1`` for a 0/1 indicator or a fraction,
        ``people``...), as the Parquet files and :meth:`to_pandas` (``DataFrame.attrs["units"]``) carry it."""
        return units_of(self.to_arrow())

    def to_pandas(self) -> Any:
        """The same table as a pandas DataFrame (needs pandas); ``attrs["units"]`` holds the units."""
        table = self.to_arrow()
        frame = table.to_pandas()
        frame.attrs["units"] = units_of(table)
        return frame

    def rows(self) -> Rows:
        """One dict per replication (the rows of :meth:`to_arrow`)."""
        return Rows(self.to_arrow().to_pylist())

    def _facts(self) -> dict[str, Any]:
        facts: dict[str, Any] = {
            "scenario": self.scenario_name,
            "seed": self.seed,
            "replications": len(self.replications),
            "measures": len(self.measures),
            "duration_s": self.duration_s,
        }
        if self.events is not None:
            facts["events"] = self.events.num_rows
        elif self.spool is not None:
            facts["events"] = self.spool.num_rows
        return facts

    def __repr__(self) -> str:
        return short_repr("Outcomes", self._facts())

    def _repr_html_(self) -> str:
        return html_block("drillsim outcomes", self._facts(), self.summary()._repr_html_())

    def write(self, directory: str | Path) -> Path:
        """Write ``outcomes.parquet``, ``events.parquet`` (when recorded), ``run.json`` and the fully merged
        ``scenario.yaml`` into a directory, then ``manifest.json`` listing them.

        The directory is marked incomplete first and the files of an earlier result in it are removed;
        each file is written to a temporary name and renamed, and the manifest comes last, so an
        interrupted write leaves a directory that readers refuse, never a half-written or mixed one.
        """
        out = Path(directory)
        mark_incomplete(out, "run")
        remove_stale(out)
        write_manifest(out, "run", self.write_files(out))
        return out

    def write_files(self, out: Path) -> list[str]:
        """Write this run's files into ``out`` (no manifest); returns their names."""
        out.mkdir(parents=True, exist_ok=True)
        names = ["outcomes.parquet", "run.json"]
        table = self.to_arrow()
        table = table.replace_schema_metadata(
            {
                **(table.schema.metadata or {}),
                b"drillsim.header": json.dumps(self.header, sort_keys=True).encode("utf-8"),
            }
        )
        tmp = out / "outcomes.parquet.tmp"
        try:
            pq.write_table(table, tmp, compression="zstd")
            os.replace(tmp, out / "outcomes.parquet")
            events = self.spool if self.spool is not None else self.events
            if events is not None:
                write_event_log(events, out / EVENTS_FILE, header=self.header)
                names.append(EVENTS_FILE)
            if self.scenario is not None:
                tmp = out / "scenario.yaml.tmp"
                tmp.write_text(scenario_to_yaml(self.scenario), encoding="utf-8")
                os.replace(tmp, out / "scenario.yaml")
                names.append("scenario.yaml")
            tmp = out / "run.json.tmp"
            tmp.write_text(json.dumps(self.header, indent=2, sort_keys=True) + "\n", encoding="utf-8")
            os.replace(tmp, out / "run.json")
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return names

    def summary(self) -> Rows:
        """Per measure: how many replications had a value, mean, median, 5th and 95th percentiles.

        Returns
        -------
        Rows
            A list of dicts (keys ``measure``, ``n``, ``of``, ``mean``, ``median``, ``p05``, ``p95``) with
            ``to_pandas()`` and ``to_arrow()``.
        """
        rows = Rows()
        for name, values in self.measures.items():
            v = np.asarray(values, dtype=np.float64)
            ok = v[np.isfinite(v)]
            row: dict[str, Any] = {"measure": name, "n": len(ok), "of": len(v)}
            if len(ok):
                row.update(
                    mean=float(ok.mean()),
                    median=float(np.median(ok)),
                    p05=float(np.quantile(ok, 0.05)),
                    p95=float(np.quantile(ok, 0.95)),
                )
            else:
                row.update(mean=float("nan"), median=float("nan"), p05=float("nan"), p95=float("nan"))
            rows.append(row)
        return rows

    def mean(self, measure: str) -> float:
        values = np.asarray(self.measures[measure], dtype=np.float64)
        return float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")


def _check_lanes(world: World, starts: Sequence[World]) -> None:
    """Every lane's world may differ from the batch's only in the tables read to set the starting state."""
    key = lane_key(world.scenario)
    for i, other in enumerate(starts):
        if other is world:
            continue
        if lane_key(other.scenario) != key:
            raise ValueError(f"lane {i}: its scenario differs from the batch's in more than its lane inputs")
        extra = [t for t in lane_tables_differ(world, other) if tuple(t.split(".")) not in LANE_TABLES]
        if extra:
            raise ValueError(f"lane {i}: its world differs from the batch's in {', '.join(extra)}")


class Simulation:
    """A batch of replications of one scenario, advanced step by step.

    ``rng`` is the root seed (an int), a numpy Generator to draw it from, or None for fresh entropy (the
    seed used is in ``seed`` and in every output). ``replications`` is a count (indices 0..n-1) or the
    indices to run. ``stochastic=False`` replaces random attrition draws by their expected values.

    ``starts`` (one world per replication, in order) runs design points as lanes of one batch: row ``i``
    starts from ``starts[i]``, a world whose scenario differs from ``scenario`` only in
    :data:`~drillsim.world.lanes.LANE_INPUTS` (the same :func:`~drillsim.world.lanes.lane_key`); rows may
    then repeat a replication index (common random numbers), and each row gives what its world gives alone.
    """

    def __init__(
        self,
        scenario: Scenario | str,
        *,
        rng: int | np.random.Generator | None = None,
        replications: int | Sequence[int] = 1,
        recorder: Recorder | None = None,
        stochastic: bool = True,
        world: World | None = None,
        starts: Sequence[World] | None = None,
    ) -> None:
        self.scenario = load_scenario(scenario) if isinstance(scenario, str) else scenario
        self.world = world if world is not None else build_world(self.scenario)
        self.seed = root_seed(rng)
        self.replication_indices = _replication_indices(replications, repeats=starts is not None)
        self.recorder: Recorder = recorder if recorder is not None else NullRecorder()
        capacity = max((t.waypoints.shape[1] for t in self.world.plan.tasks), default=1) * 2 + _ROUTE_EXTRA
        if self.world.roads is not None:  # a road leg takes up to ROAD_LEG_POINTS waypoints, plus its ends
            legs = max(
                (t.waypoints.shape[1] for t in self.world.plan.tasks if t.kind in ROAD_TASKS or t.via_roads),
                default=0,
            )
            capacity = max(capacity, max(legs, 1) * (ROAD_LEG_POINTS + 2) + _ROUTE_EXTRA)
        self.state: BatchState = initial_state(self.world, self.replication_indices, capacity)
        if starts is not None:
            _check_lanes(self.world, starts)
            start_lanes(self.state, starts)
        f = self.world.forces
        self.ctx = StepContext(
            world=self.world,
            state=self.state,
            streams=Streams(self.seed),
            recorder=self.recorder,
            stochastic=stochastic,
            ids=np.array(f.ids, dtype=object),
            sides=np.array(f.side_names, dtype=object),
            sensor_names=np.array(f.s_name, dtype=object),
        )
        self.triggers = TriggerState(self.world.plan, len(self.replication_indices))
        self.obstacles = Obstacles(self.ctx)
        self.friction = Friction(self.ctx)
        self.transport = Transport(self.ctx)
        self.transport.schedule(self.ctx)
        self.carriers = Carriers(self.ctx)
        self.sensing = Sensing(self.ctx)
        self._contact_lives = contact_lives(self.ctx)
        self.direct = DirectFire(self.ctx)
        self.fires = IndirectFire(self.ctx)
        self.emplacement = Emplacement(self.ctx)
        self.strikes = AirStrikes(self.ctx)
        self.air_defence = AirDefence(self.ctx)
        self.score = Scorekeeper(self.ctx)
        self._located = np.zeros((len(self.replication_indices), len(f.side_names), len(f.side_names)))
        self._finished = False
        self.mechanics = self._step_calls()
        """The calls of one step, in order, each named ``package/function`` (``benchmarks.step_cost`` times
        them apart)."""

    @property
    def time_s(self) -> float:
        return self.state.time_s

    @property
    def done(self) -> bool:
        return self.state.time_s >= self.world.duration_s - 1e-9

    def step(self) -> None:
        """Advance every replication by one time step."""
        ctx = self.ctx
        s = self.state
        ctx.t0 = s.time_s
        ctx.t1 = min(s.time_s + self.world.dt_s, self.world.duration_s)
        for _, mechanic in self.mechanics:
            mechanic(ctx)
        s.time_s = ctx.t1
        s.step += 1

    def _step_calls(self) -> list[tuple[str, Callable[[StepContext], None]]]:
        return [
            ("orders/start_phases", lambda ctx: start_phases(ctx, self.triggers, self._located)),
            ("orders/activate_orders", activate_orders),
            ("orders/aim_dynamic_tasks", aim_dynamic_tasks),
            ("orders/follow_behaviours", follow_behaviours),
            ("air/enforce_endurance", enforce_endurance),
            ("state/remember_positions", self._remember_positions),
            ("transport/land", self.transport.land),
            ("transport/mount_and_dismount", self.carriers.mount_and_dismount),
            ("movement/march_order", self.emplacement.march_order),
            ("movement/move", self.emplacement.move),
            ("movement/halt_batteries", self.emplacement.halt),
            ("indirect_fire/leave_fall_of_shot", self.fires.leave_fall_of_shot),
            ("friction/break_down", self.friction.break_down),
            ("friction/stray", self.friction.stray),
            ("obstacles/cross", self.obstacles.cross),
            ("air_defence/fly_clear", self.air_defence.fly_clear),
            ("sensing/detect", self.sensing.detect),
            ("obstacles/reconnoitre", self.obstacles.reconnoitre),
            ("sensing/deliver_reports", lambda ctx: deliver_reports(ctx, self._contact_lives)),
            ("sensing/located_fractions", self._locate),
            ("direct_fire/resupply", resupply),
            ("supply/deliver_supplies", deliver_supplies),
            ("orders/run_ambushes", run_ambushes),
            ("direct_fire/fire", self.direct.fire),
            ("indirect_fire/request_missions", self.fires.request_missions),
            ("indirect_fire/fire_missions", self.fires.fire_missions),
            ("indirect_fire/land_rounds", self.fires.land_rounds),
            ("air/fly_strikes", self.strikes.fly_strikes),
            ("air_defence/engage", self.air_defence.engage),
            ("morale/update_morale", update_morale),
            ("morale/dig_in", dig_in),
            ("morale/capture_and_flight", capture_and_flight),
            ("assault/resolve_assaults", resolve_assaults),
            ("casualties/evacuate_wounded", evacuate_wounded),
            ("outcomes/step", self.score.step),
            ("engine/sample_positions", self._sample_positions),
        ]

    def _remember_positions(self, ctx: StepContext) -> None:
        """Before the move: where every element stands, for the mechanics that need the distance moved
        (sensing estimates a sighted target's velocity from it)."""
        if self.obstacles.enabled or self.friction.remembers_positions or len(self.sensing.observers):
            ctx.state.remember_positions()

    def _locate(self, ctx: StepContext) -> None:
        self._located = located_fractions(ctx)

    def _sample_positions(self, ctx: StepContext) -> None:
        s = self.state
        sample = self.recorder.sample_s
        if not self.recorder.enabled or sample is None:
            return
        if ctx.t1 - s.last_sample_s < sample - 1e-9 and not (s.step == 0 or self.done):
            return
        s.last_sample_s = ctx.t1
        rows, elems = np.nonzero(s.status == ACTIVE)
        ctx.emit(
            UnitMoved,
            rows,
            ctx.t1,
            unit=ctx.ids[elems],
            x_m=s.x[rows, elems],
            y_m=s.y[rows, elems],
            strength=s.strength[rows, elems],
        )

    def run(self, *, until_s: float | None = None) -> Outcomes:
        """Step until ``until_s`` (default: the scenario's duration) and return the outcomes."""
        end = self.world.duration_s if until_s is None else min(float(until_s), self.world.duration_s)
        while self.state.time_s < end - 1e-9:
            self.step()
        return self.outcomes()

    def outcomes(self, *, events: bool = True) -> Outcomes:
        """Measures for every replication at the current time (hold objectives decided now); with
        ``events=False``, without the recorder's event table (:func:`record` takes the events itself)."""
        if not self._finished:
            self.score.finish(self.ctx)
            self._finished = True
        table = self.recorder.table() if events and isinstance(self.recorder, EventLog) else None
        return Outcomes(
            scenario_name=self.scenario.name,
            scenario_hash=content_hash(self.scenario),
            seed=self.seed,
            replications=self.replication_indices.copy(),
            measures=self.score.measures(self.ctx),
            duration_s=self.state.time_s,
            events=table,
            header=self.header(),
            scenario=self.scenario,
        )

    def header(self) -> dict[str, Any]:
        """What every output records about the run that produced it, including what a replay needs to draw
        the units (side, nation, type, symbol) without the engine."""
        sc = self.scenario
        f = self.world.forces
        units = []
        for i, eid in enumerate(f.ids):
            spec = sc.units[f.group_of[i]]
            utype = sc.catalogue.unit_types[spec.type]
            units.append(
                {
                    "id": eid,
                    "group": f.group_of[i],
                    "side": f.side_names[f.side[i]],
                    "nation": spec.nation,
                    "type": spec.type,
                    "category": utype.category,
                    "domain": utype.domain,
                    "echelon": utype.echelon,
                    "symbol": utype.symbol,
                    "designation": spec.designation or eid,
                    "name": spec.name or utype.name,
                    "strength": float(f.strength0[i]),
                    "vehicles": element_vehicles(spec, utype, float(f.strength0[i])),
                    "parent": spec.parent,
                    "capturable": bool(spec.capturable),
                }
            )
        sides = {
            name: {
                "name": side.name or name,
                "relations": dict(side.relations),
                "colour": side.colour,
                "irregular": side.irregular,
            }
            for name, side in sc.sides.items()
        }
        b = sc.area.bounds
        return {
            "drillsim_version": __version__,
            "scenario": sc.name,
            "title": sc.title,
            "scenario_hash": content_hash(sc),
            "seed": self.seed,
            "replications": [int(r) for r in self.replication_indices],
            "dt_s": self.world.dt_s,
            "duration_s": self.world.duration_s,
            "start": sc.time.start.isoformat(),
            "projection": {"lat0": self.world.projection.lat0_deg, "lon0": self.world.projection.lon0_deg},
            "bounds": {"west": b.west, "south": b.south, "east": b.east, "north": b.north},
            "geodata": sc.area.geodata,
            "sides": sides,
            "units": units,
            "phases": list(sc.plan.phases),
            "objectives": list(sc.objectives),
            "measures": {name: m.kind for name, m in sc.measures.items()},
        }


def run(
    scenario: Scenario | str,
    *,
    rng: int | np.random.Generator | None = None,
    replications: int | Sequence[int] = 1,
    recorder: Recorder | None = None,
    until_s: float | None = None,
    stochastic: bool = True,
) -> Outcomes:
    """Run a scenario (an object, a file path or a library name) and return per-replication outcomes.

    Parameters
    ----------
    scenario
        A :class:`Scenario` (from :func:`load_scenario`), the path of a scenario file, or the name of an
        embedded scenario (``drillsim scenarios`` lists them), such as ``"khatlon-2015-v1"``.
    rng
        The root seed (an int), a ``numpy.random.Generator`` to draw one from, or None for a fresh one.
        The seed used is in ``Outcomes.seed`` and in every file written.
    replications
        How many replications to run (indices 0 to n-1), or the indices to run. A replication's results
        depend only on the seed and its index, never on the others run with it.
    recorder
        Where events go: ``EventLog()`` keeps them (``Outcomes.events``, written as ``events.parquet``);
        None (the default) keeps only the measures, which is faster.
    until_s
        Stop after this much simulated time, in seconds (default: the scenario's duration).
    stochastic
        False replaces random attrition draws by their expected values (for checks against equations).

    Returns
    -------
    Outcomes
        One value of every measure per replication; ``summary()`` and ``to_pandas()`` tabulate them.

    Examples
    --------
    >>> import drillsim
    >>> outcomes = drillsim.run("khatlon-2015-v1", rng=1, replications=4, until_s=3600)  # doctest: +SKIP
    >>> outcomes.summary().to_pandas()  # doctest: +SKIP
    """
    sim = Simulation(scenario, rng=rng, replications=replications, recorder=recorder, stochastic=stochastic)
    return sim.run(until_s=until_s)


AHEAD_FREE_CORE = 0.5
""":func:`compile_steps_ahead` starts no helper when the load average exceeds the cores less this much (the
run itself counts about 1): on 2 cores at load 5 a helper made the first run 1.22x slower by the clock."""

AHEAD_QUIET_STEPS = 100
"""The helper of :func:`compile_steps_ahead` ends after this many steps in a row that compiled nothing."""


def compile_steps_ahead(sim: Simulation) -> CompileAhead | None:
    """When the step kernels are not in the on-disk cache (the first run after an install or a change of
    the code), a forked helper that steps a copy of ``sim`` with its mechanics in reverse order, so that
    it compiles the kernels of the last mechanics of a step while this process compiles those of the
    first; each process loads from the cache what the other has compiled (docs/architecture.md,
    "Compiled code"). The helper's results are thrown away; it stops when told, when ``sim`` ends or after
    :data:`AHEAD_QUIET_STEPS` steps that compiled nothing. None when the kernels are cached or no core is
    free (:data:`AHEAD_FREE_CORE`).

    A mechanic that fails in the helper (out of order, its inputs are not what a step leaves) is skipped:
    the order changes what the helper computes, never which kernels exist or their types.
    """
    if is_cached(detect_pairs):  # the kernel every step calls first where there are sensors
        return None
    if hasattr(os, "getloadavg") and os.getloadavg()[0] > (os.cpu_count() or 1) - AHEAD_FREE_CORE:
        return None  # no core to spare: the helper's CPU would slow the run down

    def work(is_stopped: Callable[[], bool]) -> None:
        calls = [call for _, call in reversed(sim.mechanics)]
        compiled = [0]
        quiet = 0

        def count(name: str) -> None:
            compiled[0] += 1

        with watch_compilation(count):
            while not sim.done and quiet < AHEAD_QUIET_STEPS:
                before = compiled[0]
                ctx, s = sim.ctx, sim.state
                ctx.t0 = s.time_s
                ctx.t1 = min(s.time_s + sim.world.dt_s, sim.world.duration_s)
                for call in calls:
                    if is_stopped():
                        return
                    try:
                        call(ctx)
                    except Exception:  # out of order, it may fail; its kernels may still have compiled
                        continue
                s.time_s = ctx.t1
                s.step += 1
                quiet = quiet + 1 if compiled[0] == before else 0

    return compile_ahead(work)


RECORD_BATCH = 2
"""Replications :func:`record` runs at once: its memory holds the events of this many."""


def record(
    scenario: Scenario | str,
    *,
    rng: int | np.random.Generator | None = None,
    replications: int | Sequence[int] = 1,
    sample_s: float | None = 300.0,
    batch: int = RECORD_BATCH,
    world: World | None = None,
    on_step: Callable[[int, int], None] | None = None,
    sink: Callable[[pa.RecordBatch], None] | None = None,
    ahead: bool = False,
) -> Outcomes:
    """Run replications with an event log, ``batch`` at a time, keeping the log on disk as each batch ends.

    The result is that of ``run(scenario, rng=rng, replications=replications, recorder=EventLog(...))``
    value for value (a replication's events depend only on the seed and its index), but memory holds one
    batch's events instead of every replication's: the log is in ``Outcomes.spool``, written into the
    result directory by :meth:`Outcomes.write`.

    Parameters
    ----------
    scenario
        A :class:`Scenario`, a scenario file or an embedded scenario's name.
    rng
        The root seed, a ``numpy.random.Generator`` to draw one from, or None for a fresh one.
    replications
        How many replications (indices 0 to n-1), or the indices (measures come in this order).
    sample_s
        Log every unit's position every so many seconds, for replays (``EventLog(sample_s=...)``).
    batch
        Replications run at once (at least 1).
    world
        The scenario's world, when already built.
    on_step
        Called after every step with (steps done, steps in all batches), for a progress bar.
    sink
        Given every batch of events as it is recorded (``EventLog(sink=...)``).
    ahead
        When the kernels are not cached, compile them with a helper process alongside
        (:func:`compile_steps_ahead`; not with a ``sink``, which the helper would feed).

    Returns
    -------
    Outcomes
        One value of every measure per replication, with the event log in ``spool``.
    """
    scen = load_scenario(scenario) if isinstance(scenario, str) else scenario
    world = world if world is not None else build_world(scen)
    seed = root_seed(rng)
    indices = _replication_indices(replications)
    if batch < 1:
        raise ValueError(f"batch must be at least 1, got {batch}")
    order = np.argsort(indices, kind="stable")  # batches run in increasing order, as the log keeps them
    ordered = indices[order]
    spool = EventSpool()
    parts: list[Outcomes] = []
    steps = math.ceil(world.duration_s / world.dt_s - 1e-9)
    total = steps * math.ceil(len(indices) / batch)
    helper: CompileAhead | None = None
    try:
        for start in range(0, len(ordered), batch):
            log = EventLog(sample_s=sample_s, sink=sink)
            chunk = [int(r) for r in ordered[start : start + batch]]
            sim = Simulation(scen, rng=seed, replications=chunk, recorder=log, world=world)
            if ahead and sink is None and start == 0:
                helper = compile_steps_ahead(sim)
            while not sim.done:
                sim.step()
                if on_step is not None:
                    on_step(len(parts) * steps + sim.state.step, total)
            parts.append(sim.outcomes(events=False))  # may record the last events
            spool.add(log)
            del log, sim
            # A finished batch's simulation is held in reference cycles that the collector's young
            # generations do not reach: without a full collection here, every batch's state stays.
            gc.collect()
    except BaseException:
        spool.close()
        raise
    finally:
        if helper is not None:
            helper.stop()
    first = parts[0]
    back = np.argsort(order)  # measures in the order the replications were given
    return dataclasses.replace(
        first,
        replications=indices.copy(),
        measures={name: np.concatenate([p.measures[name] for p in parts])[back] for name in first.measures},
        header={**first.header, "replications": [int(r) for r in indices]},
        spool=spool,
    )
