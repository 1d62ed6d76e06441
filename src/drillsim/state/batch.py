"""The batched state of a simulation: structure of arrays with the replication as leading axis.

Axis names in shapes: R replications, N elements, S sides, W weapon mounts, P phases, O objectives.
Times are seconds since the scenario start; +inf means "not (yet)". Ground truth lives here; each side's
picture (what it believes) is kept apart in :class:`Picture`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from drillsim.world.build import World

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

# Element status codes.
ACTIVE = 0
DESTROYED = 1
CAPTURED = 2
ESCAPED = 3

# Position status, from the view of the side that held it at the start.
POSITION_HELD = 0
POSITION_CONTESTED = 1
POSITION_LOST = 2
POSITION_RETAKEN = 3

# What a behaviour has an element doing.
BEHAVIOUR_NONE = 0
BEHAVIOUR_COVER = 1
BEHAVIOUR_WITHDRAW = 2
BEHAVIOUR_PROBE = 3
BEHAVIOUR_ASSAULT = 4
BEHAVIOUR_AMBUSH = 5
BEHAVIOUR_PURSUE = 6

# Air element phases, in order; an aircraft is flying from AIR_OUTBOUND to AIR_INBOUND inclusive.
AIR_READY = 0
AIR_WAITING = 1
AIR_OUTBOUND = 2
AIR_ON_STATION = 3
AIR_INBOUND = 4
AIR_TURNAROUND = 5
SUPPLY_NONE = -1
SUPPLY_RETURNING = 0
SUPPLY_LOADING = 1
SUPPLY_READY = 2
SUPPLY_OUTBOUND = 3
SUPPLY_HANDING_OVER = 4

INF = np.inf


def _waypoint_major(r: int, n: int, capacity: int, dtype: Any) -> Any:
    """Zeros indexed (row, element, waypoint) but laid out waypoint by waypoint: movement reads each
    element's current waypoint, and neighbouring elements' waypoints then share cache lines (2x faster
    than each element's route in a line of its own)."""
    return np.zeros((capacity, r, n), dtype=dtype).transpose(1, 2, 0)


def _full(shape: tuple[int, ...], value: float) -> FloatArray:
    return np.full(shape, value, dtype=np.float64)


class ContactLayer(NamedTuple):
    """One layer of the pictures (``seen`` or ``known``), (R, S, N) each: when each element was last
    located by each side, where and with what error; what compiled kernels take."""

    t: FloatArray
    x: FloatArray
    y: FloatArray
    err: FloatArray


class Routes(NamedTuple):
    """The routes as compiled passes take them: (R, N, capacity) points and per point whether the leg to
    it follows a road; per (R, N) the route's length, the next point and whether it loops."""

    x: FloatArray
    y: FloatArray
    road: BoolArray
    length: IntArray
    i: IntArray
    loop: BoolArray


@dataclass
class Picture:
    """What each side believes about every element (R, S, N).

    Two layers: ``seen`` is what the side's units in contact know at once (used for direct fire);
    ``known`` is the shared picture after communications latency (used by orders, fire missions, strikes
    and raids). A contact is live while its age is under the side's contact timeout.
    """

    seen_t: FloatArray
    seen_x: FloatArray
    seen_y: FloatArray
    seen_err: FloatArray
    seen_by: IntArray
    """Element that made the latest detection (-1 none)."""
    identified: BoolArray
    episode_t: FloatArray
    """When the current contact was first detected (its episode began)."""
    due_t: FloatArray
    """When the pending report reaches the shared picture (+inf: nothing pending)."""
    due_from: IntArray
    """Side whose detection the pending report carries."""
    known_t: FloatArray
    known_x: FloatArray
    known_y: FloatArray
    known_err: FloatArray
    known_live: BoolArray
    seen_vx: FloatArray
    seen_vy: FloatArray
    """The velocity estimated at the last sighting (m/s; 0 when the target was still, heard, or told of
    by informants)."""
    known_vx: FloatArray
    known_vy: FloatArray
    """The velocity the shared picture holds, copied from the report with the position."""
    carrier_t: FloatArray
    carrier_x: FloatArray
    carrier_y: FloatArray
    carrier_err: FloatArray
    carrier_seen_by: IntArray
    """The side's own sightings of each element's carriers parked away from its people (a contact of
    their own, of kind vehicle: docs/mechanics/sensing.md, "Parked carriers"): when last seen, where,
    with what error, by which observer (-1: never seen). Not reported to allies; live while younger than
    the side's contact timeout."""
    ground_t: FloatArray
    """When a ground element of the side last saw the target (-inf: never); the contact is confirmed on
    the ground while this is not before its episode began (``episode_t``)."""

    def believed(
        self, rows: IntArray | int, side: IntArray | int, targets: IntArray, now: float | FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Where the shared picture believes each target is at ``now``, and with what error: its last
        sighting carried along its estimated velocity (:func:`~drillsim.state.reckoning.reckoned`,
        :func:`~drillsim.state.reckoning.reckoned_error`)."""
        from drillsim.state.reckoning import reckoned, reckoned_error  # compiled: loads Numba on first use

        age = now - self.known_t[rows, side, targets]
        vx = self.known_vx[rows, side, targets]
        vy = self.known_vy[rows, side, targets]
        return (
            reckoned(self.known_x[rows, side, targets], vx, age),
            reckoned(self.known_y[rows, side, targets], vy, age),
            reckoned_error(self.known_err[rows, side, targets], vx, vy, age),
        )

    def believed_layer(self, now: float) -> ContactLayer:
        """The ``known`` layer as the side believes it at ``now``: every contact's position and error
        dead-reckoned as :meth:`believed` does, its time that of its last sighting. When no contact carries
        a velocity it is the ``known`` layer itself (views), so readers of a still picture are unchanged bit
        for bit; otherwise new arrays."""
        if not (self.known_vx.any() or self.known_vy.any()):
            return self.known_layer()
        from drillsim.state.reckoning import reckoned, reckoned_error  # compiled: loads Numba on first use

        age = now - self.known_t
        return ContactLayer(
            self.known_t,
            reckoned(self.known_x, self.known_vx, age),
            reckoned(self.known_y, self.known_vy, age),
            reckoned_error(self.known_err, self.known_vx, self.known_vy, age),
        )

    def is_confirmed(self) -> BoolArray:
        """(R, S, N) whether each side's current contact on each element has been seen by one of the side's
        ground elements since the contact began (not only by aircraft, hearing or informants)."""
        return np.asarray(self.ground_t >= self.episode_t)

    def seen_layer(self) -> ContactLayer:
        """The ``seen`` layer's arrays (views, not copies)."""
        return ContactLayer(self.seen_t, self.seen_x, self.seen_y, self.seen_err)

    def carrier_layer(self) -> ContactLayer:
        """The sightings of parked carriers (views, not copies), indexed by the carriers' element."""
        return ContactLayer(self.carrier_t, self.carrier_x, self.carrier_y, self.carrier_err)

    def known_layer(self) -> ContactLayer:
        """The ``known`` layer's arrays (views, not copies)."""
        return ContactLayer(self.known_t, self.known_x, self.known_y, self.known_err)

    @classmethod
    def empty(cls, r: int, s: int, n: int) -> Picture:
        shape = (r, s, n)
        return cls(
            seen_t=_full(shape, -INF),
            seen_x=_full(shape, np.nan),
            seen_y=_full(shape, np.nan),
            seen_err=_full(shape, np.nan),
            seen_by=np.full(shape, -1, dtype=np.int64),
            identified=np.zeros(shape, dtype=bool),
            episode_t=_full(shape, INF),
            due_t=_full(shape, INF),
            due_from=np.full(shape, -1, dtype=np.int64),
            known_t=_full(shape, -INF),
            known_x=_full(shape, np.nan),
            known_y=_full(shape, np.nan),
            known_err=_full(shape, np.nan),
            known_live=np.zeros(shape, dtype=bool),
            seen_vx=np.zeros(shape),
            seen_vy=np.zeros(shape),
            known_vx=np.zeros(shape),
            known_vy=np.zeros(shape),
            carrier_t=_full(shape, -INF),
            carrier_x=_full(shape, np.nan),
            carrier_y=_full(shape, np.nan),
            carrier_err=_full(shape, np.nan),
            carrier_seen_by=np.full(shape, -1, dtype=np.int64),
            ground_t=_full(shape, -INF),
        )


@dataclass
class Missions:
    """Fire missions and strikes in flight, as a flat table (one row per mission, any replication)."""

    rep: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    mission_id: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    firer: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Battery element (indirect fire) or aircraft element (strike)."""
    mount: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    target: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    observer: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    detected_t: FloatArray = field(default_factory=lambda: np.zeros(0))
    requested_t: FloatArray = field(default_factory=lambda: np.zeros(0))
    fire_t: FloatArray = field(default_factory=lambda: np.zeros(0))
    impact_t: FloatArray = field(default_factory=lambda: np.zeros(0))
    aim_x: FloatArray = field(default_factory=lambda: np.zeros(0))
    aim_y: FloatArray = field(default_factory=lambda: np.zeros(0))
    rounds: FloatArray = field(default_factory=lambda: np.zeros(0))
    stage: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """0 requested (at the fire direction centre), 1 fired (rounds in the air), 2 done."""
    fire_phase: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """What the rounds in the air are: 0 fire for effect, 1 adjusting rounds, 2 fire for effect after
    adjusting rounds (docs/mechanics/indirect-fire.md, "Adjusting rounds")."""

    def append(self, **columns: NDArray[np.generic]) -> None:
        """Add rows; a column not given is filled with zeros."""
        n = len(np.asarray(columns["rep"]))
        for name in self.__dataclass_fields__:
            current = getattr(self, name)
            values = columns[name] if name in columns else np.zeros(n, dtype=current.dtype)
            setattr(self, name, np.concatenate([current, np.asarray(values, dtype=current.dtype)]))

    def keep(self, mask: BoolArray) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name)[mask])

    def __len__(self) -> int:
        return int(self.rep.shape[0])


@dataclass
class BatchState:
    """Ground truth for R replications."""

    replications: IntArray
    """Replication index of each row (its random numbers depend on this, not on the row)."""
    time_s: float
    step: int
    x: FloatArray
    y: FloatArray
    strength: FloatArray
    status: IntArray
    broken: BoolArray
    fled: BoolArray
    posture: IntArray
    suppressed_until: FloatArray
    suppression_avg: FloatArray
    """Exponential average of the time the element spent suppressed (10-minute time constant)."""
    morale_base: FloatArray
    """(R, N) strength the element's losses are counted from for breaking: its starting strength, or its
    strength when it last rallied."""
    broken_since: FloatArray
    """(R, N) when the element last broke (+inf: not broken)."""
    ammo: FloatArray
    """(R, W) engagements or rounds left per weapon mount."""
    task: IntArray
    """Index of the element's current task (-1: none)."""
    task_since: FloatArray
    pending_task: IntArray
    pending_at: FloatArray
    route_x: FloatArray
    """(R, N, K) waypoints of the current route; K grows as longer routes are set, up to ``route_limit``
    (:meth:`make_room_for_routes`)."""
    route_y: FloatArray
    route_len: IntArray
    route_i: IntArray
    route_loop: BoolArray
    route_road: BoolArray
    """(R, N, K) True where the leg to that waypoint follows a road (driven at the type's road speed)."""
    speed_factor: FloatArray
    arrival_posture: IntArray
    arrived_at: FloatArray
    """When the element reached the end of its current route (+inf: not yet, or a new route since)."""
    first_arrived_at: FloatArray
    """When the element first reached the end of any route (for "forces in place" measures)."""
    # air
    air_phase: IntArray
    air_until: FloatArray
    """End of the current waiting, turnaround or time on station."""
    airborne_since: FloatArray
    sorties_left: IntArray
    strike_target: IntArray
    strike_mission: IntArray
    air_pass_at: FloatArray
    """(R, N) earliest time an aircraft on station can make its next attack pass (docs/mechanics/air.md)."""
    air_altitude: FloatArray
    """(R, N) height above the ground each aircraft flies at now (2 m for ground elements)."""
    air_damaged: BoolArray
    """(R, N) aircraft damaged by air defence: they abort, fly home and do not fly again."""
    # air defence
    aa_tracking: BoolArray
    """(R, A, K) air-defence mount a (those that can engage aircraft, in mount order) has detected
    aircraft k (aircraft in element order) and tracks it while it stays within its sensors' reach."""
    threat_t: FloatArray
    """(R, S, A) when side s learnt that air-defence mount a threatens its aircraft (+inf: not yet)."""
    threat_x: FloatArray
    threat_y: FloatArray
    """(R, S, A) where side s believes that mount is."""
    # fire support
    battery_task: IntArray
    """Fire-support task a battery element is under (-1 none)."""
    battery_busy_until: FloatArray
    missions_left: FloatArray
    # perception
    picture: Picture
    # first occurrences, for triggers and measures
    detected_at: FloatArray
    reported_at: FloatArray
    destroyed_at: FloatArray
    broke_at: FloatArray
    captured_at: FloatArray
    escaped_at: FloatArray
    captor: IntArray
    detected_by_side: FloatArray
    reported_by_side: FloatArray
    lost_by_side: FloatArray
    mission_by_side: FloatArray
    strike_by_side: FloatArray
    phase_start: FloatArray
    objective_at: FloatArray
    # tallies per side (R, S)
    rounds_fired: FloatArray
    killed: FloatArray
    """(R, N) people of each element killed."""
    wounded: FloatArray
    """(R, N) people of each element wounded (evacuated or still waiting)."""
    awaiting_evacuation: FloatArray
    """(R, N) wounded of each element not yet evacuated."""
    evacuated: FloatArray
    """(R, N) wounded of each element evacuated."""
    missing: FloatArray
    """(R, N) people of each element missing (captured or lost); killed + wounded + missing is its loss."""
    casualties_by_side: FloatArray
    """(R, S, S) casualties inflicted by the firer's side (second axis) on the target's side (third)."""
    depot_stock: FloatArray
    """(R, D) rounds left at each supply point (+inf: unlimited)."""
    depot_fuel: FloatArray
    """(R, D) litres of fuel left at each supply point (+inf: unlimited)."""
    sorties_flown: FloatArray
    aircraft_lost: FloatArray
    """(R, S) aircraft each side lost to air defence."""
    sorties_aborted: FloatArray
    """(R, S) sorties each side aborted because air defence damaged the aircraft."""
    missions_fired: FloatArray
    chain_time_sum: FloatArray
    chain_count: FloatArray
    next_mission_id: IntArray
    """(R, S) each side's next mission number: a side numbers its fire missions and strikes on its own
    (docs/mechanics/indirect-fire.md, "Mission ids")."""
    missions: Missions
    located_first: FloatArray
    """(R, S, S, 10) first time side a held 10 %, 20 %, ... 100 % of side b's live elements as contacts."""
    max_depth: FloatArray
    """(R, N) deepest penetration of each element past its side's border line, metres."""
    last_sample_s: float = -INF
    # obstacles (O obstacles) and ambushes
    held_until: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """(R, N) the element is held in place (at an obstacle) until then; movement waits."""
    in_action: BoolArray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    """(R, N) a battery that keeps emplacement times stands halted in a firing position (emplaced, or
    emplacing until ``emplaced_at``); False while it packs up or moves (docs/mechanics/indirect-fire.md,
    "Emplacement and displacement"). True for every other element."""
    emplaced_at: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """(R, N) when the battery can fire from where it stands (-inf: from the start; +inf: packing up or
    on the move)."""
    obstacle_known_at: FloatArray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    """(R, S, O) since when each side's picture holds each obstacle (+inf: unknown)."""
    obstacle_passing: IntArray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    """(R, N) the obstacle an element is crossing, free to go on (-1: none)."""
    obstacle_inside: BoolArray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    """(R, N) whether the element has been inside the obstacle it is crossing."""
    obstacle_lane_due: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """(R, O) when the lane engineers are opening through each obstacle will be open (+inf: none)."""
    obstacle_breacher: IntArray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    """(R, O) the engineer element opening the lane (-1: none)."""
    obstacle_lane_at: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """(R, O) since when a lane through the obstacle is open to every side (+inf: none)."""
    obstacle_encountered_at: FloatArray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    """(R, S, O) first time an element of the side met the obstacle unawares."""
    obstacle_breached_at: FloatArray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    """(R, S, O) first time an element of the side got through the obstacle by a lane or by force."""
    obstacle_casualties: FloatArray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    """(R, S, O) people of each side lost to each obstacle."""
    hold_fire: BoolArray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    """(R, N) an ambush element holding its fire until an enemy enters its kill zone."""
    surprise_until: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """(R, N) an ambush element's fire has the surprise advantage until then."""
    ambush_fired_at: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """(R, N) when the element's ambush opened fire (+inf: not yet)."""
    task_strength: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """(R, N) the element's strength when it began its current task (for losses on a task)."""
    # positions (R, positions) and behaviour (R, N): docs/mechanics/assault.md, behaviour.md
    position_owner: IntArray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    """Side holding each position."""
    position_status: IntArray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    """POSITION_HELD, POSITION_CONTESTED, POSITION_LOST or POSITION_RETAKEN."""
    assault_since: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """When the current close assault on each position began (+inf: none under way)."""
    position_lost_at: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """First time the side holding a position at the start lost it."""
    position_retaken_at: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """First time that side took it back."""
    behaviour_mode: IntArray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    """What a behaviour has an element doing (BEHAVIOUR_NONE: its task)."""
    behaviour_since: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    behaviour_target: IntArray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    """Contact an element's behaviour attacks or ambushes (-1 none)."""
    ambush_x: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    ambush_y: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """Centre of the kill zone of an ambush a behaviour laid (NaN: none)."""
    pursuit_x: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    pursuit_y: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """Where the element's current or last pursuit began (NaN: none)."""
    pursuit_ended_at: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """When the element's last pursuit ended (-inf: never)."""
    leave_x: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    leave_y: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """Where an element leaving the fall of shot is heading (NaN: it is not leaving; docs/mechanics/
    indirect-fire.md, "Leaving the fall of shot")."""
    block_x: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    block_y: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """Where a covering element holds its blocking position on the covered units' route (NaN: none chosen;
    docs/mechanics/orders.md, "Covering a withdrawal")."""
    search_x: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    search_y: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """The datum a raiding or attacking element searches around (NaN: none; docs/mechanics/orders.md,
    "Search for a target")."""
    search_leg: IntArray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    """The leg of the raiding element's search pattern it is on (-1: not searching; past the last leg:
    waiting for a new report)."""
    dig_s: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """Time an element has spent digging in where it stands, halted on foot since it came under fire
    (docs/mechanics/morale.md, "Digging in under fire"); 0 when it is not digging."""
    vehicle_dig_s: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """Time an element's carriers have spent digging vehicle fighting positions where they stand beside
    its people (docs/mechanics/transport.md, "Vehicle fighting positions"); 0 when they are not."""
    air_seen_at: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """Last time the element's side's picture held a hostile aircraft within its air radius."""
    # resupply by carriers (R, N) and its measures (R, S): docs/mechanics/supply.md
    supply_phase: IntArray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    """What a carrier on a resupply task is doing (SUPPLY_NONE: not started)."""
    supply_client: IntArray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    """The element a carrier is bringing ammunition to (-1 none)."""
    supply_rounds: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """Rounds a carrier has on board."""
    supply_until: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """When a carrier's loading or hand-over is done."""
    supplies_delivered: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """(R, S) deliveries each side's carriers made."""
    rounds_delivered: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """(R, S) rounds each side's carriers handed over."""
    supply_fuel: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """Litres of fuel a carrier has on board for the elements it serves (not its own tank)."""
    # fuel (docs/mechanics/movement.md, "Fuel")
    fuel: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """(R, N) litres in the element's tanks (+inf: fuel not modelled for it)."""
    fuel_waiting: BoolArray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    """(R, N) whether the element ran out of fuel and waits for it: until its tanks are full at a supply
    point (or the point's fuel runs out) or a carrier has handed over its load."""
    fuel_exhausted: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """(R, S) times each side's elements ran out of fuel."""
    cover_level: IntArray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    """How many times in a row an element went to ground again soon after an all-clear (doubles its hold)."""
    cleared_at: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """When an element last came out of cover (-inf: never)."""
    pace: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """Each element's march pace for the replication (docs/mechanics/friction.md); empty until drawn."""
    landed_at: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """When the sortie bringing the last of an airlifted element lands (+inf: not airlifted)."""
    # ground carriers (R, N): docs/mechanics/transport.md
    mounted: BoolArray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    """Whether the element's people are in its carriers."""
    carriers_left: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """Carriers the element still has."""
    dismounted_at: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """When the element first dismounted (+inf: never)."""
    stay_on_foot: IntArray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    """The task during which the element dismounted for the enemy and stays on foot (-1: none)."""
    parked_x: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """Where the element's carriers stand while its people are on foot (NaN: with the element, mounted or
    without carriers); :func:`drillsim.mechanics.transport.carrier_positions` reads it."""
    parked_y: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    x_before_move: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """Where each element stood before this step's move (:meth:`remember_positions`; empty until then)."""
    y_before_move: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))

    route_limit: int = 0
    """The most waypoints a route may hold (longer routes keep their destination as the last one); the
    route arrays hold fewer until a route needs them (0: their size)."""

    @property
    def r(self) -> int:
        return int(self.x.shape[0])

    def make_room_for_routes(self, width: int) -> None:
        """Widen the route arrays so that routes of ``width`` waypoints fit with one to spare, within
        ``route_limit``; the waypoints held are kept.

        The arrays start small and grow with the longest route the batch has held, not with the longest
        any task could plan, so the memory a replication takes does not follow the largest capacity. One
        waypoint to spare (past the longest route written) keeps every read at ``min(route_i, K - 1)`` on
        the same waypoint as in arrays of the full capacity: a finished route's ``route_i`` (its length)
        stays below K, and the waypoints beyond what any route wrote hold zeros in both."""
        held = self.route_x.shape[2]
        limit = self.route_limit or held
        wanted = min(limit, width + 1)
        if wanted <= held:
            return
        r, n = self.route_x.shape[:2]
        for name in ("route_x", "route_y", "route_road"):
            old = getattr(self, name)
            new = _waypoint_major(r, n, wanted, old.dtype)
            new[:, :, :held] = old
            setattr(self, name, new)

    def routes(self) -> Routes:
        """The route arrays as compiled passes take them (the arrays themselves, not copies)."""
        return Routes(
            self.route_x, self.route_y, self.route_road, self.route_len, self.route_i, self.route_loop
        )

    @property
    def active(self) -> BoolArray:
        return np.asarray(self.status == ACTIVE)

    def remember_positions(self) -> None:
        """Keep where every element stands now in ``x_before_move`` and ``y_before_move`` (one copy a step,
        read by every mechanic that needs the distance moved)."""
        if self.x_before_move.shape != self.x.shape:
            self.x_before_move = self.x.copy()
            self.y_before_move = self.y.copy()
        else:
            np.copyto(self.x_before_move, self.x)
            np.copyto(self.y_before_move, self.y)


def _tile(a: FloatArray, r: int) -> FloatArray:
    return np.tile(np.asarray(a, dtype=np.float64), (r, 1))


ROUTE_START = 3
"""Waypoints the route arrays hold at first (routes of two and one to spare, what re-aiming writes);
:meth:`BatchState.make_room_for_routes` widens them."""


def initial_state(world: World, replications: IntArray, route_capacity: int) -> BatchState:
    """The state at time zero for the given replication indices, whose routes may hold up to
    ``route_capacity`` waypoints (the arrays hold :data:`ROUTE_START` until longer routes are set)."""
    held = min(route_capacity, ROUTE_START)
    f = world.forces
    r, n, s = len(replications), f.n, len(f.side_names)
    p, o = len(world.plan.phase_names), len(world.plan.objective_names)
    ob = world.obstacles.n
    n_aa = len(f.air_defence_mounts())
    return BatchState(
        replications=np.asarray(replications, dtype=np.int64),
        time_s=0.0,
        step=0,
        x=_tile(f.x0, r),
        y=_tile(f.y0, r),
        strength=_tile(f.strength0, r),
        status=np.zeros((r, n), dtype=np.int64),
        broken=np.zeros((r, n), dtype=bool),
        fled=np.zeros((r, n), dtype=bool),
        posture=np.tile(f.posture0, (r, 1)),
        suppressed_until=_full((r, n), -INF),
        suppression_avg=np.zeros((r, n)),
        morale_base=_tile(f.strength0, r),
        broken_since=_full((r, n), INF),
        ammo=_tile(f.w_ammo0, r) if len(f.w_ammo0) else np.zeros((r, 0)),
        task=np.full((r, n), -1, dtype=np.int64),
        task_since=_full((r, n), INF),
        pending_task=np.full((r, n), -1, dtype=np.int64),
        pending_at=_full((r, n), INF),
        route_x=_waypoint_major(r, n, held, np.float64),
        route_y=_waypoint_major(r, n, held, np.float64),
        route_len=np.zeros((r, n), dtype=np.int64),
        route_i=np.zeros((r, n), dtype=np.int64),
        route_loop=np.zeros((r, n), dtype=bool),
        route_road=_waypoint_major(r, n, held, np.bool_),
        route_limit=route_capacity,
        speed_factor=np.ones((r, n)),
        arrival_posture=np.tile(f.posture0, (r, 1)),
        arrived_at=_full((r, n), INF),
        first_arrived_at=_full((r, n), INF),
        air_phase=np.zeros((r, n), dtype=np.int64),
        air_until=_full((r, n), INF),
        airborne_since=_full((r, n), INF),
        sorties_left=np.zeros((r, n), dtype=np.int64),
        strike_target=np.full((r, n), -1, dtype=np.int64),
        strike_mission=np.full((r, n), -1, dtype=np.int64),
        air_pass_at=_full((r, n), -INF),
        air_altitude=_tile(f.altitude_m, r),
        air_damaged=np.zeros((r, n), dtype=bool),
        aa_tracking=np.zeros((r, n_aa, int(f.is_air.sum())), dtype=bool),
        threat_t=_full((r, s, n_aa), INF),
        threat_x=np.zeros((r, s, n_aa)),
        threat_y=np.zeros((r, s, n_aa)),
        battery_task=np.full((r, n), -1, dtype=np.int64),
        battery_busy_until=_full((r, n), -INF),
        missions_left=np.zeros((r, n)),
        picture=Picture.empty(r, s, n),
        detected_at=_full((r, n), INF),
        reported_at=_full((r, n), INF),
        destroyed_at=_full((r, n), INF),
        broke_at=_full((r, n), INF),
        captured_at=_full((r, n), INF),
        escaped_at=_full((r, n), INF),
        captor=np.full((r, n), -1, dtype=np.int64),
        detected_by_side=_full((r, s), INF),
        reported_by_side=_full((r, s), INF),
        lost_by_side=_full((r, s), INF),
        mission_by_side=_full((r, s), INF),
        strike_by_side=_full((r, s), INF),
        phase_start=_full((r, p), INF),
        objective_at=_full((r, o), INF),
        rounds_fired=np.zeros((r, s)),
        killed=np.zeros((r, n)),
        wounded=np.zeros((r, n)),
        awaiting_evacuation=np.zeros((r, n)),
        evacuated=np.zeros((r, n)),
        missing=np.zeros((r, n)),
        casualties_by_side=np.zeros((r, s, s)),
        depot_stock=_tile(world.support.stock0, r),
        depot_fuel=_tile(world.support.fuel_stock0, r),
        sorties_flown=np.zeros((r, s)),
        aircraft_lost=np.zeros((r, s)),
        sorties_aborted=np.zeros((r, s)),
        missions_fired=np.zeros((r, s)),
        chain_time_sum=np.zeros((r, s)),
        chain_count=np.zeros((r, s)),
        next_mission_id=np.ones((r, s), dtype=np.int64),
        missions=Missions(),
        located_first=_full((r, s, s, 10), INF),
        max_depth=np.zeros((r, n)),
        held_until=_full((r, n), -INF),
        in_action=np.ones((r, n), dtype=bool),
        emplaced_at=_full((r, n), -INF),
        obstacle_known_at=np.where(world.obstacles.known0[None, :, :], 0.0, INF) * np.ones((r, 1, 1)),
        obstacle_passing=np.full((r, n), -1, dtype=np.int64),
        obstacle_inside=np.zeros((r, n), dtype=bool),
        obstacle_lane_due=_full((r, ob), INF),
        obstacle_breacher=np.full((r, ob), -1, dtype=np.int64),
        obstacle_lane_at=_full((r, ob), INF),
        obstacle_encountered_at=_full((r, s, ob), INF),
        obstacle_breached_at=_full((r, s, ob), INF),
        obstacle_casualties=np.zeros((r, s, ob)),
        hold_fire=np.zeros((r, n), dtype=bool),
        surprise_until=_full((r, n), -INF),
        ambush_fired_at=_full((r, n), INF),
        task_strength=_tile(f.strength0, r),
        position_owner=np.tile(world.positions.owner0, (r, 1)),
        position_status=np.zeros((r, len(world.positions)), dtype=np.int64),
        assault_since=_full((r, len(world.positions)), INF),
        position_lost_at=_full((r, len(world.positions)), INF),
        position_retaken_at=_full((r, len(world.positions)), INF),
        behaviour_mode=np.zeros((r, n), dtype=np.int64),
        behaviour_since=_full((r, n), INF),
        behaviour_target=np.full((r, n), -1, dtype=np.int64),
        ambush_x=_full((r, n), np.nan),
        ambush_y=_full((r, n), np.nan),
        pursuit_x=_full((r, n), np.nan),
        pursuit_y=_full((r, n), np.nan),
        pursuit_ended_at=_full((r, n), -INF),
        leave_x=_full((r, n), np.nan),
        leave_y=_full((r, n), np.nan),
        block_x=_full((r, n), np.nan),
        block_y=_full((r, n), np.nan),
        search_x=_full((r, n), np.nan),
        search_y=_full((r, n), np.nan),
        search_leg=np.full((r, n), -1, dtype=np.int64),
        dig_s=np.zeros((r, n)),
        vehicle_dig_s=np.zeros((r, n)),
        air_seen_at=_full((r, n), -INF),
        supply_phase=np.full((r, n), SUPPLY_NONE, dtype=np.int64),
        supply_client=np.full((r, n), -1, dtype=np.int64),
        supply_rounds=np.zeros((r, n)),
        supply_until=_full((r, n), INF),
        supplies_delivered=np.zeros((r, s)),
        rounds_delivered=np.zeros((r, s)),
        supply_fuel=np.zeros((r, n)),
        fuel=_tile(f.fuel0, r),
        fuel_waiting=np.zeros((r, n), dtype=bool),
        fuel_exhausted=np.zeros((r, s)),
        cover_level=np.zeros((r, n), dtype=np.int64),
        cleared_at=_full((r, n), -INF),
        landed_at=_full((r, n), INF),
        mounted=np.tile(world.carriers.mounted0, (r, 1)) if world.carriers else np.zeros((r, n), dtype=bool),
        carriers_left=_tile(world.carriers.vehicles0, r) if world.carriers else np.zeros((r, n)),
        dismounted_at=_full((r, n), INF),
        stay_on_foot=np.full((r, n), -1, dtype=np.int64),
        parked_x=_parked(world, f.x0, r),
        parked_y=_parked(world, f.y0, r),
    )


def _parked(world: World, start: FloatArray, r: int) -> FloatArray:
    """Where the carriers of elements that start on foot stand at the start (their start position; NaN for
    the rest)."""
    c = world.carriers
    if c is None:
        return _full((r, len(start)), np.nan)
    return _tile(np.where(c.has & ~c.mounted0, start, np.nan), r)


def start_lanes(state: BatchState, worlds: Sequence[World]) -> None:
    """Make row ``i`` of a state at time zero start from ``worlds[i]`` instead of the batch's world: the
    arrays that :data:`~drillsim.world.lanes.LANE_TABLES` start are taken from each row's own world.

    Every world must differ from the batch's only in those tables (scenarios with the same
    :func:`~drillsim.world.lanes.lane_key`); :class:`~drillsim.engine.simulation.Simulation` checks it.
    """
    if len(worlds) != len(state.replications):
        raise ValueError(f"one world per row: {len(state.replications)} rows, {len(worlds)} worlds")
    from drillsim.world.lanes import LANE_TABLES  # the world loads the scenario models and Numba

    fields = sorted({name for names in LANE_TABLES.values() for name in names})
    starts: dict[int, BatchState] = {}
    for row, world in enumerate(worlds):
        own = starts.get(id(world))
        if own is None:
            own = initial_state(world, state.replications[row : row + 1], state.route_limit)
            starts[id(world)] = own
        for name in fields:
            getattr(state, name)[row] = getattr(own, name)[0]
