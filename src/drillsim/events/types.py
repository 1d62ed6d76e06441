"""Events: typed, past-tense facts the engine records, and their flat columnar form.

The engine emits events in columns (one array per field, many events at once) so that recording a batch
of replications costs a few array operations. On disk and in memory the event log is one Arrow table with
the columns of :data:`EVENT_SCHEMA`; each kind uses the columns as its class below documents.
:func:`iter_events` turns rows back into the typed classes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import pyarrow as pa

EVENT_LOG_VERSION = 1
"""Version of the event-log format; it goes up whenever a column or a kind's meaning changes."""

EVENT_SCHEMA = pa.schema(
    [
        pa.field("replication", pa.int64()),
        pa.field("time_s", pa.float64()),
        pa.field("kind", pa.string()),
        pa.field("side", pa.string()),
        pa.field("unit", pa.string()),
        pa.field("other", pa.string()),
        pa.field("x_m", pa.float64()),
        pa.field("y_m", pa.float64()),
        pa.field("value", pa.float64()),
        pa.field("count", pa.int64()),
        pa.field("detail", pa.string()),
    ]
)
"""Columns of the event log. Unused columns of a kind are null (strings) or NaN / 0 (numbers)."""


@dataclass(frozen=True)
class Event:
    """Base of all events: when and in which replication."""

    KIND: ClassVar[str] = ""
    replication: int
    time_s: float


@dataclass(frozen=True)
class PhaseStarted(Event):
    """A phase of the plan started; ``phase`` is its name."""

    KIND: ClassVar[str] = "PhaseStarted"
    phase: str


@dataclass(frozen=True)
class PhaseSkipped(Event):
    """A phase of the plan was passed over when its trigger fired, because its ``unless`` condition held
    already; ``reason`` says which condition (a plain description of the ``unless`` trigger)."""

    KIND: ClassVar[str] = "PhaseSkipped"
    phase: str
    reason: str


@dataclass(frozen=True)
class OrderReceived(Event):
    """A unit received and began a task of a phase."""

    KIND: ClassVar[str] = "OrderReceived"
    unit: str
    task: str
    phase: str


@dataclass(frozen=True)
class UnitArrived(Event):
    """A unit reached the destination of its task at (x_m, y_m)."""

    KIND: ClassVar[str] = "UnitArrived"
    unit: str
    x_m: float
    y_m: float


@dataclass(frozen=True)
class UnitMoved(Event):
    """A sampled position of a unit (written every ``sample_s`` seconds when the recorder asks for tracks)."""

    KIND: ClassVar[str] = "UnitMoved"
    unit: str
    x_m: float
    y_m: float
    strength: float


@dataclass(frozen=True)
class ContactDetected(Event):
    """A unit of ``side`` detected ``target`` (a new contact for that side), believed at (x_m, y_m) with a
    position error of ``error_m`` (standard deviation per axis), using ``sensor``."""

    KIND: ClassVar[str] = "ContactDetected"
    side: str
    observer: str
    target: str
    x_m: float
    y_m: float
    error_m: float
    sensor: str


@dataclass(frozen=True)
class CarrierSighted(Event):
    """A unit of ``side`` sighted the carriers of ``target`` parked away from its people (a new contact of
    kind vehicle for that side), believed at (x_m, y_m) with a position error of ``error_m`` (standard
    deviation per axis), using ``sensor`` (docs/mechanics/sensing.md, "Parked carriers")."""

    KIND: ClassVar[str] = "CarrierSighted"
    side: str
    observer: str
    target: str
    x_m: float
    y_m: float
    error_m: float
    sensor: str


@dataclass(frozen=True)
class ContactReported(Event):
    """A contact entered the side's shared picture (after communications latency)."""

    KIND: ClassVar[str] = "ContactReported"
    side: str
    target: str
    x_m: float
    y_m: float
    error_m: float


@dataclass(frozen=True)
class ContactLost(Event):
    """A contact aged out of the side's picture."""

    KIND: ClassVar[str] = "ContactLost"
    side: str
    target: str


@dataclass(frozen=True)
class ReportExpired(Event):
    """A report reached the side's shared picture already older than the contact's life (``age_s`` since
    the sighting it carries) and was discarded."""

    KIND: ClassVar[str] = "ReportExpired"
    side: str
    target: str
    age_s: float


@dataclass(frozen=True)
class UnitHit(Event):
    """``unit`` lost ``casualties`` people in one step to fire of kind ``weapon`` (direct, indirect, air);
    ``shooter`` is the main firer. ``killed`` of them were killed, the rest wounded."""

    KIND: ClassVar[str] = "UnitHit"
    unit: str
    shooter: str
    casualties: int
    weapon: str
    killed: float


@dataclass(frozen=True)
class Fratricide(Event):
    """``unit`` lost ``casualties`` people to fire of kind ``weapon`` from ``shooter``, a unit of its own
    or an allied side (the same casualties are also in a ``UnitHit``)."""

    KIND: ClassVar[str] = "Fratricide"
    unit: str
    shooter: str
    casualties: int
    weapon: str


@dataclass(frozen=True)
class AmmunitionExhausted(Event):
    """``unit`` fired the last round of its ``weapon`` mount."""

    KIND: ClassVar[str] = "AmmunitionExhausted"
    unit: str
    weapon: str


@dataclass(frozen=True)
class AmmunitionResupplied(Event):
    """``unit``'s empty ``weapon`` mount got ``rounds`` from the supply point ``site``."""

    KIND: ClassVar[str] = "AmmunitionResupplied"
    unit: str
    weapon: str
    site: str
    rounds: float


@dataclass(frozen=True)
class FuelExhausted(Event):
    """``unit`` ran out of fuel at (x_m, y_m): its vehicles stop there (docs/mechanics/movement.md)."""

    KIND: ClassVar[str] = "FuelExhausted"
    unit: str
    x_m: float
    y_m: float


@dataclass(frozen=True)
class FuelResupplied(Event):
    """``unit`` got ``litres`` of fuel from ``source``: a supply point (when its tanks were empty) or a
    carrier of a resupply task (every delivery with fuel)."""

    KIND: ClassVar[str] = "FuelResupplied"
    unit: str
    source: str
    litres: float


@dataclass(frozen=True)
class SupplyDispatched(Event):
    """The carrier ``unit`` set off from its depot with ``rounds`` for ``client``, which had asked."""

    KIND: ClassVar[str] = "SupplyDispatched"
    unit: str
    client: str
    rounds: float


@dataclass(frozen=True)
class SupplyDelivered(Event):
    """The carrier ``unit`` handed ``rounds`` over to ``client`` and turned back for its depot."""

    KIND: ClassVar[str] = "SupplyDelivered"
    unit: str
    client: str
    rounds: float


@dataclass(frozen=True)
class CasualtiesEvacuated(Event):
    """``casualties`` wounded of ``unit`` were evacuated out of it."""

    KIND: ClassVar[str] = "CasualtiesEvacuated"
    unit: str
    casualties: int


@dataclass(frozen=True)
class CasualtiesMissing(Event):
    """``casualties`` people of ``unit`` went missing (captured or lost): ``reason`` is ``overrun``,
    ``captured`` (a raid), ``routed`` (stragglers) or ``destroyed`` (its wounded left behind). ``wounded``
    of them were wounded already (counted in a ``UnitHit``) and waiting for evacuation."""

    KIND: ClassVar[str] = "CasualtiesMissing"
    unit: str
    casualties: int
    reason: str
    wounded: float


@dataclass(frozen=True)
class UnitDestroyed(Event):
    """A unit has no one left fighting."""

    KIND: ClassVar[str] = "UnitDestroyed"
    unit: str


@dataclass(frozen=True)
class UnitBroke(Event):
    """A unit's morale broke (losses or suppression past its threshold); it withdraws."""

    KIND: ClassVar[str] = "UnitBroke"
    unit: str
    reason: str


@dataclass(frozen=True)
class UnitRallied(Event):
    """A broken unit, out of fire long enough, rallied: it fights again."""

    KIND: ClassVar[str] = "UnitRallied"
    unit: str


@dataclass(frozen=True)
class UnitFled(Event):
    """A capturable unit learnt of a threat and began to flee."""

    KIND: ClassVar[str] = "UnitFled"
    unit: str


@dataclass(frozen=True)
class UnitCaptured(Event):
    """A capturable unit was seized by ``captor``."""

    KIND: ClassVar[str] = "UnitCaptured"
    unit: str
    captor: str


@dataclass(frozen=True)
class UnitEscaped(Event):
    """A capturable unit reached its escape point."""

    KIND: ClassVar[str] = "UnitEscaped"
    unit: str


@dataclass(frozen=True)
class FireMissionRequested(Event):
    """An observer's call for fire on ``target`` reached the fire direction centre of ``battery``."""

    KIND: ClassVar[str] = "FireMissionRequested"
    mission: int
    side: str
    observer: str
    target: str
    battery: str
    x_m: float
    y_m: float


@dataclass(frozen=True)
class BatteryHalted(Event):
    """A battery that had moved halted at (x_m, y_m) and began to emplace; it can fire from ``ready_at_s``
    (docs/mechanics/indirect-fire.md, "Emplacement and displacement")."""

    KIND: ClassVar[str] = "BatteryHalted"
    battery: str
    x_m: float
    y_m: float
    ready_at_s: float


@dataclass(frozen=True)
class BatteryMarchOrdered(Event):
    """A halted battery began to pack up (march order) at (x_m, y_m) to move; it moves off at
    ``moves_at_s`` and cannot fire until it has halted and emplaced again."""

    KIND: ClassVar[str] = "BatteryMarchOrdered"
    battery: str
    x_m: float
    y_m: float
    moves_at_s: float


@dataclass(frozen=True)
class FireMissionRefused(Event):
    """A fire mission was refused (``reason``: out-of-range, no-ammunition, busy, target-lost,
    battery-out-of-action, no-crew: too few people left to serve one weapon, danger-close: friendly
    troops inside the weapon's safe distance of the aim point, no-fire-area: the aim point inside a
    no-fire area)."""

    KIND: ClassVar[str] = "FireMissionRefused"
    mission: int
    battery: str
    target: str
    reason: str


@dataclass(frozen=True)
class RoundsFired(Event):
    """A battery fired ``rounds`` at the aim point (x_m, y_m)."""

    KIND: ClassVar[str] = "RoundsFired"
    mission: int
    battery: str
    rounds: int
    x_m: float
    y_m: float


@dataclass(frozen=True)
class RoundsImpacted(Event):
    """A mission's rounds (or a sortie's weapons) landed; ``casualties`` among all units nearby."""

    KIND: ClassVar[str] = "RoundsImpacted"
    mission: int
    firer: str
    target: str
    casualties: int
    x_m: float
    y_m: float


@dataclass(frozen=True)
class UnitReactedToFire(Event):
    """``unit`` came under the rounds of mission ``mission`` fired by ``firer`` and went to ground;
    ``reaction`` says what it did next: ``left`` (it heads for (x_m, y_m), out of the impact area) or
    ``stayed`` (a defending or dug-in unit, or one held at an obstacle, stays where it is, at (x_m, y_m))."""

    KIND: ClassVar[str] = "UnitReactedToFire"
    mission: int
    unit: str
    firer: str
    reaction: str
    x_m: float
    y_m: float


@dataclass(frozen=True)
class UnitDugIn(Event):
    """``unit``, halted on foot under fire, has dug hasty fighting positions where it stands, at (x_m,
    y_m): its posture is now ``hasty-defence`` (docs/mechanics/morale.md, "Digging in under fire")."""

    KIND: ClassVar[str] = "UnitDugIn"
    unit: str
    x_m: float
    y_m: float


@dataclass(frozen=True)
class FireMissionCompleted(Event):
    """The assessment after impact: the mission is over; ``casualties`` it caused."""

    KIND: ClassVar[str] = "FireMissionCompleted"
    mission: int
    battery: str
    target: str
    casualties: int


@dataclass(frozen=True)
class StrikeRequested(Event):
    """A strike on ``target`` was requested for ``aircraft`` (also each further attack pass of an aircraft
    staying on station, on the target it found there)."""

    KIND: ClassVar[str] = "StrikeRequested"
    mission: int
    side: str
    aircraft: str
    target: str


@dataclass(frozen=True)
class SortieLaunched(Event):
    """Aircraft took off from ``airbase`` for a strike."""

    KIND: ClassVar[str] = "SortieLaunched"
    mission: int
    aircraft: str
    airbase: str


@dataclass(frozen=True)
class StrikeAborted(Event):
    """A sortie returned without releasing weapons (``reason``: target-lost; danger-close or no-fire-area
    when clearance was refused until its time on station ran out)."""

    KIND: ClassVar[str] = "StrikeAborted"
    mission: int
    aircraft: str
    reason: str


@dataclass(frozen=True)
class WeaponsReleased(Event):
    """Aircraft released ``weapons`` at the aim point (x_m, y_m)."""

    KIND: ClassVar[str] = "WeaponsReleased"
    mission: int
    aircraft: str
    target: str
    weapons: int
    x_m: float
    y_m: float


@dataclass(frozen=True)
class SortieRecovered(Event):
    """Aircraft landed back at their airbase."""

    KIND: ClassVar[str] = "SortieRecovered"
    mission: int
    aircraft: str


@dataclass(frozen=True)
class AircraftEngaged(Event):
    """Air defence of ``unit`` fired ``weapon`` (one missile or burst) at ``aircraft`` at slant range
    ``range_m``. An ``AircraftLost`` or ``AircraftDamaged`` at the same time follows a hit; nothing
    follows a miss."""

    KIND: ClassVar[str] = "AircraftEngaged"
    unit: str
    aircraft: str
    weapon: str
    range_m: float


@dataclass(frozen=True)
class AircraftDamaged(Event):
    """``aircraft`` was damaged by fire from ``shooter``: it aborts its sortie and flies home."""

    KIND: ClassVar[str] = "AircraftDamaged"
    aircraft: str
    shooter: str


@dataclass(frozen=True)
class AircraftLost(Event):
    """``aircraft`` was brought down by fire from ``shooter`` at (x_m, y_m)."""

    KIND: ClassVar[str] = "AircraftLost"
    aircraft: str
    shooter: str
    x_m: float
    y_m: float


@dataclass(frozen=True)
class SortieAborted(Event):
    """``aircraft`` broke off its sortie (mission 0 for tasks other than strikes) and turned for home;
    ``reason``: damaged."""

    KIND: ClassVar[str] = "SortieAborted"
    mission: int
    aircraft: str
    reason: str


@dataclass(frozen=True)
class ObjectiveAchieved(Event):
    """``side`` achieved ``objective``."""

    KIND: ClassVar[str] = "ObjectiveAchieved"
    side: str
    objective: str


# --- obstacles and ambushes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ObstacleDetected(Event):
    """``side`` learnt of ``obstacle`` through ``unit`` (``how``: reconnaissance or encounter)."""

    KIND: ClassVar[str] = "ObstacleDetected"
    side: str
    unit: str
    obstacle: str
    how: str


@dataclass(frozen=True)
class UnitLanded(Event):
    """The sortie of ``airlift`` bringing the last of ``unit`` landed; the unit was set down at (x_m, y_m)
    (docs/mechanics/transport.md)."""

    KIND: ClassVar[str] = "UnitLanded"
    unit: str
    airlift: str
    x_m: float
    y_m: float


@dataclass(frozen=True)
class UnitMounted(Event):
    """``unit`` mounted its carriers at (x_m, y_m); it rides off once mounted
    (docs/mechanics/transport.md)."""

    KIND: ClassVar[str] = "UnitMounted"
    unit: str
    x_m: float
    y_m: float


@dataclass(frozen=True)
class UnitDismounted(Event):
    """``unit`` dismounted from its carriers at (x_m, y_m); ``reason``: order (its task is fought or made on
    foot), contact (an enemy in its side's picture within its dismount range, or fire), objective (its
    attack's objective within that range), seats (shuttling slower than walking), carrier-lost (fire
    destroyed one of its carriers), fuel (its carriers ran out of fuel) (docs/mechanics/transport.md)."""

    KIND: ClassVar[str] = "UnitDismounted"
    unit: str
    reason: str
    x_m: float
    y_m: float


@dataclass(frozen=True)
class CarrierLost(Event):
    """``vehicles`` carriers of ``unit`` were lost (``cause``: mine, or the weapon that destroyed them,
    fired by ``shooter``) with ``casualties`` among the people on board (docs/mechanics/transport.md,
    docs/mechanics/direct-fire.md)."""

    KIND: ClassVar[str] = "CarrierLost"
    unit: str
    cause: str
    casualties: int
    shooter: str | None = None
    vehicles: float = 1.0


@dataclass(frozen=True)
class VehicleBrokeDown(Event):
    """A vehicle of ``unit`` broke down at (x_m, y_m); the unit is halted until ``until_s``
    (docs/mechanics/friction.md)."""

    KIND: ClassVar[str] = "VehicleBrokeDown"
    unit: str
    x_m: float
    y_m: float
    until_s: float


@dataclass(frozen=True)
class UnitLostWay(Event):
    """``unit`` made a navigation error at (x_m, y_m) and is halted until ``until_s`` finding its way again
    (docs/mechanics/friction.md)."""

    KIND: ClassVar[str] = "UnitLostWay"
    unit: str
    x_m: float
    y_m: float
    until_s: float


@dataclass(frozen=True)
class ObstacleEncountered(Event):
    """``unit`` met ``obstacle`` at (x_m, y_m) without knowing of it and halted; ``casualties`` lost to a
    mine."""

    KIND: ClassVar[str] = "ObstacleEncountered"
    unit: str
    obstacle: str
    casualties: int
    x_m: float
    y_m: float


@dataclass(frozen=True)
class ObstacleBreached(Event):
    """``unit`` got through ``obstacle``: ``how`` is lane (engineers opened a lane every side may use) or
    forced (the unit forced its own way, at the obstacle's risk); ``casualties`` lost forcing it."""

    KIND: ClassVar[str] = "ObstacleBreached"
    unit: str
    obstacle: str
    how: str
    casualties: int


@dataclass(frozen=True)
class AmbushSprung(Event):
    """``unit``'s ambush opened fire: ``how`` is kill-zone (on ``target``, seen in its kill zone at (x_m,
    y_m), with surprise) or compromised (fired on first; no target, no surprise)."""

    KIND: ClassVar[str] = "AmbushSprung"
    unit: str
    target: str | None
    x_m: float
    y_m: float
    how: str


# --- positions (docs/mechanics/assault.md)


@dataclass(frozen=True)
class AssaultResolved(Event):
    """A close assault by ``side`` on ``position`` was decided: ``outcome`` is ``repulsed`` (the defenders
    held) or how the defenders left (``withdrew``, ``surrendered``, ``overrun``); ``force_ratio`` is the
    attackers' combat power over the defenders'; ``unit`` is the leading attacker."""

    KIND: ClassVar[str] = "AssaultResolved"
    side: str
    position: str
    unit: str
    outcome: str
    force_ratio: float


@dataclass(frozen=True)
class PositionSeized(Event):
    """``side`` took ``position`` from ``from_side``; ``status`` is the position's new status from the
    view of the side that held it at the start: ``lost`` or ``retaken``."""

    KIND: ClassVar[str] = "PositionSeized"
    side: str
    position: str
    from_side: str
    status: str


@dataclass(frozen=True)
class InitiativeTaken(Event):
    """A unit's behaviour (docs/mechanics/behaviour.md) changed what it does: ``action`` is ``take-cover``,
    ``withdraw``, ``probe``, ``assault`` (against ``target``) or ``resume`` (back to its task)."""

    KIND: ClassVar[str] = "InitiativeTaken"
    unit: str
    action: str
    target: str | None


@dataclass(frozen=True)
class PursuitEnded(Event):
    """``unit`` broke off its pursuit of ``target`` (docs/mechanics/behaviour.md, "Pursue"): ``reason`` is
    ``time`` (``pursue_s`` since it set out), ``distance`` (``pursue_distance_m`` from where it set out),
    ``lost`` (the contact left the side's picture or is out of action), ``outmatched`` (the odds against
    it no longer hold), ``reserve`` (the plan holds the unit back), or the rule that took over
    (``take-cover``, ``withdraw``, ``ambush``, ``attack``)."""

    KIND: ClassVar[str] = "PursuitEnded"
    unit: str
    target: str
    reason: str


# --- searches of raids and attacks (docs/mechanics/orders.md, "Search for a target")


@dataclass(frozen=True)
class SearchBegun(Event):
    """``unit``, raiding ``target`` that its side's picture no longer places (no live report, or a stale
    one where the unit has come to look), began to look for it: ``how`` is ``last-known`` (a search pattern
    around the datum (x_m, y_m), the target's last known position carried forward) or ``no-report`` (its
    side never placed the target: it waits at (x_m, y_m) for a report)."""

    KIND: ClassVar[str] = "SearchBegun"
    unit: str
    target: str
    x_m: float
    y_m: float
    how: str


@dataclass(frozen=True)
class SearchEnded(Event):
    """``unit``'s search for ``target`` ended: ``how`` is ``found`` (a fresh report places the target
    again, and the raid goes for it) or ``exhausted`` (the pattern is done; the unit waits there for a new
    report)."""

    KIND: ClassVar[str] = "SearchEnded"
    unit: str
    target: str
    how: str


@dataclass(frozen=True)
class SearchLegSkipped(Event):
    """``unit``, searching for ``target``, skipped the leg of its pattern to the corner (x_m, y_m): its
    straight line passes within the threat area of ``threat``, a strong enemy position its side knows of
    (docs/mechanics/orders.md, "Search for a target")."""

    KIND: ClassVar[str] = "SearchLegSkipped"
    unit: str
    target: str
    threat: str
    x_m: float
    y_m: float


# How each kind's fields map onto the flat columns (field -> column).
_COLUMNS: dict[str, dict[str, str]] = {
    "PhaseStarted": {"phase": "detail"},
    "PhaseSkipped": {"phase": "detail", "reason": "other"},
    "OrderReceived": {"unit": "unit", "task": "detail", "phase": "other"},
    "UnitArrived": {"unit": "unit", "x_m": "x_m", "y_m": "y_m"},
    "UnitMoved": {"unit": "unit", "x_m": "x_m", "y_m": "y_m", "strength": "value"},
    "ContactDetected": {
        "side": "side",
        "observer": "unit",
        "target": "other",
        "x_m": "x_m",
        "y_m": "y_m",
        "error_m": "value",
        "sensor": "detail",
    },
    "CarrierSighted": {
        "side": "side",
        "observer": "unit",
        "target": "other",
        "x_m": "x_m",
        "y_m": "y_m",
        "error_m": "value",
        "sensor": "detail",
    },
    "ContactReported": {"side": "side", "target": "other", "x_m": "x_m", "y_m": "y_m", "error_m": "value"},
    "ContactLost": {"side": "side", "target": "other"},
    "ReportExpired": {"side": "side", "target": "other", "age_s": "value"},
    "UnitHit": {
        "unit": "unit",
        "shooter": "other",
        "casualties": "count",
        "weapon": "detail",
        "killed": "value",
    },
    "CasualtiesEvacuated": {"unit": "unit", "casualties": "count"},
    "CasualtiesMissing": {"unit": "unit", "casualties": "count", "reason": "detail", "wounded": "value"},
    "Fratricide": {"unit": "unit", "shooter": "other", "casualties": "count", "weapon": "detail"},
    "AmmunitionExhausted": {"unit": "unit", "weapon": "detail"},
    "AmmunitionResupplied": {"unit": "unit", "weapon": "detail", "site": "other", "rounds": "value"},
    "FuelExhausted": {"unit": "unit", "x_m": "x_m", "y_m": "y_m"},
    "UnitDugIn": {"unit": "unit", "x_m": "x_m", "y_m": "y_m"},
    "FuelResupplied": {"unit": "unit", "source": "other", "litres": "value"},
    "UnitDestroyed": {"unit": "unit"},
    "UnitBroke": {"unit": "unit", "reason": "detail"},
    "UnitRallied": {"unit": "unit"},
    "UnitFled": {"unit": "unit"},
    "UnitCaptured": {"unit": "unit", "captor": "other"},
    "UnitEscaped": {"unit": "unit"},
    "FireMissionRequested": {
        "mission": "value",
        "side": "side",
        "observer": "unit",
        "target": "other",
        "battery": "detail",
        "x_m": "x_m",
        "y_m": "y_m",
    },
    "FireMissionRefused": {"mission": "value", "battery": "unit", "target": "other", "reason": "detail"},
    "RoundsFired": {"mission": "value", "battery": "unit", "rounds": "count", "x_m": "x_m", "y_m": "y_m"},
    "RoundsImpacted": {
        "mission": "value",
        "firer": "unit",
        "target": "other",
        "casualties": "count",
        "x_m": "x_m",
        "y_m": "y_m",
    },
    "FireMissionCompleted": {"mission": "value", "battery": "unit", "target": "other", "casualties": "count"},
    "UnitReactedToFire": {
        "mission": "value",
        "unit": "unit",
        "firer": "other",
        "reaction": "detail",
        "x_m": "x_m",
        "y_m": "y_m",
    },
    "StrikeRequested": {"mission": "value", "side": "side", "aircraft": "unit", "target": "other"},
    "SortieLaunched": {"mission": "value", "aircraft": "unit", "airbase": "detail"},
    "StrikeAborted": {"mission": "value", "aircraft": "unit", "reason": "detail"},
    "WeaponsReleased": {
        "mission": "value",
        "aircraft": "unit",
        "target": "other",
        "weapons": "count",
        "x_m": "x_m",
        "y_m": "y_m",
    },
    "SortieRecovered": {"mission": "value", "aircraft": "unit"},
    "AircraftEngaged": {
        "unit": "unit",
        "aircraft": "other",
        "weapon": "detail",
        "range_m": "value",
    },
    "AircraftDamaged": {"aircraft": "unit", "shooter": "other"},
    "AircraftLost": {"aircraft": "unit", "shooter": "other", "x_m": "x_m", "y_m": "y_m"},
    "SortieAborted": {"mission": "value", "aircraft": "unit", "reason": "detail"},
    "ObjectiveAchieved": {"side": "side", "objective": "detail"},
    "ObstacleDetected": {"side": "side", "unit": "unit", "obstacle": "other", "how": "detail"},
    "VehicleBrokeDown": {"unit": "unit", "x_m": "x_m", "y_m": "y_m", "until_s": "value"},
    "UnitLostWay": {"unit": "unit", "x_m": "x_m", "y_m": "y_m", "until_s": "value"},
    "UnitLanded": {"unit": "unit", "airlift": "other", "x_m": "x_m", "y_m": "y_m"},
    "UnitMounted": {"unit": "unit", "x_m": "x_m", "y_m": "y_m"},
    "UnitDismounted": {"unit": "unit", "reason": "detail", "x_m": "x_m", "y_m": "y_m"},
    "CarrierLost": {
        "unit": "unit",
        "cause": "detail",
        "casualties": "count",
        "shooter": "other",
        "vehicles": "value",
    },
    "ObstacleEncountered": {
        "unit": "unit",
        "obstacle": "other",
        "casualties": "count",
        "x_m": "x_m",
        "y_m": "y_m",
    },
    "ObstacleBreached": {"unit": "unit", "obstacle": "other", "how": "detail", "casualties": "count"},
    "AmbushSprung": {"unit": "unit", "target": "other", "x_m": "x_m", "y_m": "y_m", "how": "detail"},
    "AssaultResolved": {
        "side": "side",
        "position": "other",
        "unit": "unit",
        "outcome": "detail",
        "force_ratio": "value",
    },
    "PositionSeized": {"side": "side", "position": "other", "from_side": "unit", "status": "detail"},
    "InitiativeTaken": {"unit": "unit", "action": "detail", "target": "other"},
    "PursuitEnded": {"unit": "unit", "target": "other", "reason": "detail"},
    "SearchBegun": {"unit": "unit", "target": "other", "x_m": "x_m", "y_m": "y_m", "how": "detail"},
    "SearchEnded": {"unit": "unit", "target": "other", "how": "detail"},
    "SearchLegSkipped": {"unit": "unit", "target": "other", "threat": "detail", "x_m": "x_m", "y_m": "y_m"},
    "BatteryHalted": {"battery": "unit", "x_m": "x_m", "y_m": "y_m", "ready_at_s": "value"},
    "BatteryMarchOrdered": {"battery": "unit", "x_m": "x_m", "y_m": "y_m", "moves_at_s": "value"},
    "SupplyDispatched": {"unit": "unit", "client": "other", "rounds": "value"},
    "SupplyDelivered": {"unit": "unit", "client": "other", "rounds": "value"},
}

EVENT_CLASSES: dict[str, type[Event]] = {
    cls.KIND: cls
    for cls in (
        PhaseStarted,
        PhaseSkipped,
        OrderReceived,
        UnitArrived,
        UnitMoved,
        ContactDetected,
        CarrierSighted,
        ContactReported,
        ContactLost,
        ReportExpired,
        UnitHit,
        Fratricide,
        AmmunitionExhausted,
        AmmunitionResupplied,
        FuelExhausted,
        FuelResupplied,
        SupplyDispatched,
        SupplyDelivered,
        CasualtiesEvacuated,
        CasualtiesMissing,
        UnitDestroyed,
        UnitBroke,
        UnitRallied,
        UnitFled,
        UnitCaptured,
        UnitEscaped,
        BatteryHalted,
        BatteryMarchOrdered,
        FireMissionRequested,
        FireMissionRefused,
        RoundsFired,
        RoundsImpacted,
        FireMissionCompleted,
        UnitReactedToFire,
        UnitDugIn,
        StrikeRequested,
        SortieLaunched,
        StrikeAborted,
        WeaponsReleased,
        SortieRecovered,
        AircraftEngaged,
        AircraftDamaged,
        AircraftLost,
        SortieAborted,
        ObjectiveAchieved,
        ObstacleDetected,
        VehicleBrokeDown,
        UnitLostWay,
        UnitLanded,
        UnitMounted,
        UnitDismounted,
        CarrierLost,
        ObstacleEncountered,
        ObstacleBreached,
        AmbushSprung,
        AssaultResolved,
        PositionSeized,
        InitiativeTaken,
        PursuitEnded,
        SearchBegun,
        SearchEnded,
        SearchLegSkipped,
    )
}
"""Every event kind, by name."""


def column_for(kind: str, field: str) -> str:
    """The event-log column that holds ``field`` of events of ``kind``."""
    return _COLUMNS[kind][field]


def columns_of(event: type[Event], values: dict[str, Any]) -> dict[str, Any]:
    """The event-log columns of events of class ``event`` given by field name (``{"observer": ...}`` ->
    ``{"unit": ...}``). Raises ``TypeError`` for a field the class does not have."""
    mapping = _COLUMNS[event.KIND]
    unknown = sorted(set(values) - set(mapping))
    if unknown:
        raise TypeError(f"{event.KIND} has no field {', '.join(unknown)}; its fields: {', '.join(mapping)}")
    return {mapping[name]: value for name, value in values.items()}


def iter_events(table: pa.Table) -> Iterator[Event]:
    """Typed events from an event-log table, in its row order."""
    for row in table.to_pylist():
        cls = EVENT_CLASSES[row["kind"]]
        mapping = _COLUMNS[cls.KIND]
        values: dict[str, Any] = {"replication": row["replication"], "time_s": row["time_s"]}
        for f in fields(cls):
            if f.name in values:
                continue
            value = row[mapping[f.name]]
            if f.type in ("int", int) and value is not None:
                value = int(value)
            values[f.name] = value
        yield cls(**values)
