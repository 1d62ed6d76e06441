"""Reference implementation of drillsim's core loop in Mesa 3, for the speed comparison only.

The model is written the way the Mesa 3 documentation and its own examples (Boids flockers) write a
continuous-space model: one :class:`mesa.experimental.continuous_space.ContinuousSpaceAgent` subclass per
unit, created with ``Agent.create_agents``, stepped through ``model.agents.do(...)``, neighbours found with
``get_neighbors_in_radius`` (NumPy distances over the space's position array) and randomness from
``model.rng``. Optionally (``neighbours="kdtree"``) the model builds a SciPy ``cKDTree`` once per phase
instead, which is what a Mesa user chasing speed would do next.

Mechanics (same formulas and parameters as drillsim; see docs/mechanics/):

- movement: straight toward the unit's destination at its open-ground speed, a quarter of it while
  suppressed; a unit that breaks heads back to where it started;
- detection: each unit with sensors looks at every active hostile unit within its longest sensor range;
  the hazard is ``sum(count * rate * exp(-(r / r_s)**2))`` over its sensors within their range, times
  signature, posture detectability and ``0.5 + 0.5 * training``; ``p = 1 - exp(-hazard * dt)``; a
  detection puts the target's position plus a normal error (sd from the best sensor) into the side's
  picture at once;
- direct fire: each able unit takes the nearest target its side's picture holds (live contact, believed
  range within reach; candidates within reach + 300 m true range) and inflicts casualties at
  ``n * f * P_k(r) * q * S/S0 * (1 - 0.7 * sigma) * e_posture * (1 - cover)`` summed over its loaded
  weapons, consuming ammunition; per target the summed expectation is drawn once as a binomial, and
  suppression as ``1 - exp(-sum(n * f * P_s * S/S0) * dt)``;
- morale: a unit at zero strength is removed; one past its break-losses fraction stops firing and
  withdraws.

Omitted here although drillsim computes them every step (so drillsim does strictly more work): reports
and the shared ``known`` picture with latency, contact ageing events, located fractions, triggers and
phases, suppression-driven breaking, fire support and air, objectives and measures, and events.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from mesa import Model
from mesa.experimental.continuous_space import ContinuousSpace, ContinuousSpaceAgent
from scipy.spatial import cKDTree

SUPPRESSION_S = 60.0
BELIEF_MARGIN_M = 300.0
SUPPRESSED_SPEED_FACTOR = 0.25
SUPPRESSED_FIRE_FACTOR = 0.3
# Posture "moving" (every unit of the benchmark moves): drillsim's tables give 1.0 for both.
POSTURE_DETECTABILITY = {"moving": 1.0, "halted": 0.6}
POSTURE_EXPOSURE = {"moving": 1.0, "halted": 0.8}


@dataclass(frozen=True)
class Weapon:
    count: float
    rate_per_s: float
    ammunition: float
    band_range: tuple[float, ...]
    band_pkill: tuple[float, ...]
    band_psupp: tuple[float, ...]

    @property
    def reach(self) -> float:
        return self.band_range[-1]

    def band(self, r: float) -> int:
        for k, top in enumerate(self.band_range):
            if r <= top:
                return k
        return -1


@dataclass(frozen=True)
class Sensor:
    count: float
    rate_per_s: float
    range_scale_m: float
    max_range_m: float
    position_error_m: float


@dataclass(frozen=True)
class UnitKind:
    """What a unit type brings to the core loop (read from a drillsim catalogue)."""

    personnel: float
    speed_mps: float
    signature: float
    cover: float
    break_losses: float
    weapons: tuple[Weapon, ...]
    sensors: tuple[Sensor, ...]

    @property
    def reach(self) -> float:
        return max((w.reach for w in self.weapons), default=0.0)

    @property
    def sensor_range(self) -> float:
        return max((s.max_range_m for s in self.sensors), default=0.0)


def unit_kind(scenario: Any, type_name: str) -> UnitKind:
    """A :class:`UnitKind` from a loaded drillsim scenario's catalogue (direct-fire weapons only)."""
    cat = scenario.catalogue
    t = cat.unit_types[type_name]
    weapons = []
    for mount in t.weapons:
        w = cat.weapons[mount.weapon]
        if w.kind != "direct":
            continue
        weapons.append(
            Weapon(
                count=float(mount.count),
                rate_per_s=float(w.rate_per_min) / 60.0,
                ammunition=math.inf if mount.ammunition is None else float(mount.ammunition),
                band_range=tuple(float(b.max_range_m) for b in w.bands),
                band_pkill=tuple(float(b.p_kill) for b in w.bands),
                band_psupp=tuple(float(b.p_suppress) for b in w.bands),
            )
        )
    sensors = []
    for mount in t.sensors:
        s = cat.sensors[mount.sensor]
        sensors.append(
            Sensor(
                count=float(mount.count),
                rate_per_s=float(s.rate_per_s),
                range_scale_m=float(s.range_scale_m),
                max_range_m=float(s.max_range_m),
                position_error_m=float(s.position_error_m),
            )
        )
    return UnitKind(
        personnel=float(t.personnel),
        speed_mps=float(t.speed_mps.get("open", 0.0)),
        signature=float(t.signature),
        cover=float(t.cover),
        break_losses=float(t.break_losses),
        weapons=tuple(weapons),
        sensors=tuple(sensors),
    )


class Unit(ContinuousSpaceAgent):
    """One manoeuvre element."""

    def __init__(
        self,
        model: Engagement,
        space: ContinuousSpace,
        position: np.ndarray,
        destination: np.ndarray,
        side: str,
        kind: UnitKind,
        strength: float,
        training: float,
    ) -> None:
        super().__init__(space, model)
        self.position = position
        self.home = np.array(position, dtype=float)
        self.destination = np.array(destination, dtype=float)
        self.side = side
        self.kind = kind
        self.strength0 = strength
        self.strength = strength
        self.training = training
        self.posture = "moving"
        self.ammo = [w.ammunition for w in kind.weapons]
        self.suppressed_until = -math.inf
        self.broken = False
        self.incoming = 0.0
        self.incoming_suppression = 0.0

    # -- helpers ----------------------------------------------------------------------------------------

    def is_suppressed(self) -> bool:
        return self.suppressed_until > self.model.time_s

    def hostile_neighbours(self, radius: float) -> tuple[list[Unit], np.ndarray]:
        agents, dists = self.model.neighbours_of(self, radius)
        keep = [a.side != self.side for a in agents]
        return [a for a, k in zip(agents, keep, strict=True) if k], dists[np.asarray(keep, dtype=bool)]

    # -- the step's phases ------------------------------------------------------------------------------

    def move(self) -> None:
        model = self.model
        speed = self.kind.speed_mps * (SUPPRESSED_SPEED_FACTOR if self.is_suppressed() else 1.0)
        step = speed * model.dt_s
        delta = self.destination - self.position
        dist = float(np.hypot(delta[0], delta[1]))
        if dist <= 1.0:
            return
        if dist <= step + 1.0:
            self.position = self.destination.copy()
            self.posture = "halted"
        else:
            self.position = self.position + delta * (step / dist)

    def sense(self) -> None:
        kind = self.kind
        if not kind.sensors:
            return
        model = self.model
        targets, r = self.hostile_neighbours(kind.sensor_range)
        if not targets:
            return
        common = np.array([t.kind.signature * POSTURE_DETECTABILITY[t.posture] for t in targets])
        common *= 0.5 + 0.5 * self.training
        rates = np.stack(
            [
                np.where(
                    r <= s.max_range_m,
                    s.count * s.rate_per_s * common * np.exp(-((r / s.range_scale_m) ** 2)),
                    0.0,
                )
                for s in kind.sensors
            ],
            axis=1,
        )
        rates[r > model.visibility_m] = 0.0
        p = -np.expm1(-rates.sum(axis=1) * model.dt_s)
        hits = np.flatnonzero(model.rng.random(len(targets)) < p)
        if not len(hits):
            return
        best = np.argmax(rates[hits], axis=1)
        picture = model.pictures[self.side]
        t1 = model.time_s + model.dt_s
        for h, b in zip(hits, best, strict=True):
            s = kind.sensors[b]
            sd = s.position_error_m * max(0.25, r[h] / s.range_scale_m)
            target = targets[h]
            seen = picture.get(target.unique_id)
            if seen is not None and seen[0] == t1 and seen[3] <= sd:
                continue  # a more precise report of this step already holds
            err = model.rng.normal(0.0, sd, size=2)
            pos = target.position
            picture[target.unique_id] = (t1, pos[0] + err[0], pos[1] + err[1], sd)

    def fire(self) -> None:
        kind = self.kind
        if self.broken or not kind.weapons:
            return
        model = self.model
        candidates, true_r = self.hostile_neighbours(kind.reach + BELIEF_MARGIN_M)
        if not candidates:
            return
        picture = model.pictures[self.side]
        t1 = model.time_s + model.dt_s
        best, best_d, best_r = None, math.inf, 0.0
        x, y = self.position
        for target, r in zip(candidates, true_r, strict=True):
            seen = picture.get(target.unique_id)
            if seen is None or t1 - seen[0] > model.contact_timeout_s:
                continue
            bd = math.hypot(seen[1] - x, seen[2] - y)
            if bd <= kind.reach and bd < best_d:
                best, best_d, best_r = target, bd, float(r)
        if best is None:
            return
        fighting = min(max(self.strength / self.strength0, 0.0), 1.0)
        fire = 1.0 - (1.0 - SUPPRESSED_FIRE_FACTOR) * self.is_suppressed()
        exposure = POSTURE_EXPOSURE[best.posture] * (1.0 - best.kind.cover)
        lam = supp = 0.0
        for k, w in enumerate(kind.weapons):
            if self.ammo[k] <= 0:
                continue
            band = w.band(best_r)
            shots = w.count * w.rate_per_s
            if band >= 0:
                lam += shots * w.band_pkill[band] * fighting * self.training * fire * exposure
                supp += shots * w.band_psupp[band] * fighting
            self.ammo[k] = max(self.ammo[k] - shots * model.dt_s * fighting, 0.0)
        best.incoming += lam
        best.incoming_suppression += supp

    def take_fire(self) -> None:
        model = self.model
        if self.incoming > 0 and self.strength > 0:
            n = round(self.strength)
            p = -math.expm1(-self.incoming * model.dt_s / max(self.strength, 1e-9))
            self.strength -= float(model.rng.binomial(n, min(max(p, 0.0), 1.0)))
        p_suppress = -math.expm1(-self.incoming_suppression * model.dt_s)
        if p_suppress > 0 and model.rng.random() < p_suppress:
            self.suppressed_until = max(self.suppressed_until, model.time_s + model.dt_s + SUPPRESSION_S)
        self.incoming = self.incoming_suppression = 0.0
        if self.strength < 0.5:
            self.model.pictures_forget(self)
            self.remove()
        elif not self.broken and 1.0 - self.strength / self.strength0 >= self.kind.break_losses:
            self.broken = True
            self.destination = self.home


class Engagement(Model):
    """Two hostile sides closing on a flat plane."""

    def __init__(
        self,
        positions: np.ndarray,
        destinations: np.ndarray,
        sides: list[str],
        kinds: list[UnitKind],
        strengths: np.ndarray,
        training: np.ndarray,
        *,
        dt_s: float = 10.0,
        visibility_m: float = 20_000.0,
        contact_timeout_s: float = 1800.0,
        neighbours: str = "space",
        rng: int | None = None,
    ) -> None:
        super().__init__(rng=rng)
        if neighbours not in ("space", "kdtree"):
            raise ValueError(f"neighbours must be 'space' or 'kdtree', got {neighbours!r}")
        self.dt_s = dt_s
        self.time_s = 0.0
        self.visibility_m = visibility_m
        self.contact_timeout_s = contact_timeout_s
        self.neighbours = neighbours
        self._tree: cKDTree | None = None
        lo = np.minimum(positions.min(axis=0), destinations.min(axis=0)) - 10_000.0
        hi = np.maximum(positions.max(axis=0), destinations.max(axis=0)) + 10_000.0
        self.space = ContinuousSpace(
            np.stack([lo, hi], axis=1), torus=False, random=self.random, n_agents=len(positions)
        )
        self.pictures: dict[str, dict[int, tuple[float, float, float, float]]] = {s: {} for s in set(sides)}
        Unit.create_agents(
            self,
            len(positions),
            self.space,
            position=list(positions),
            destination=list(destinations),
            side=sides,
            kind=kinds,
            strength=list(strengths),
            training=list(training),
        )

    def neighbours_of(self, agent: Unit, radius: float) -> tuple[list[Unit], np.ndarray]:
        """Other agents within ``radius`` of ``agent`` and their distances."""
        if self.neighbours == "space":
            return agent.get_neighbors_in_radius(radius=radius)
        if self._tree is None:
            self._tree = cKDTree(self.space.agent_positions)
        idx = self._tree.query_ball_point(agent.position, radius)
        others = [self.space.active_agents[i] for i in idx]
        keep = [a is not agent for a in others]
        others = [a for a, k in zip(others, keep, strict=True) if k]
        idx = np.asarray(idx, dtype=np.int64)[np.asarray(keep, dtype=bool)]
        pos = self.space.agent_positions[idx] if len(idx) else np.zeros((0, 2))
        return others, np.hypot(pos[:, 0] - agent.position[0], pos[:, 1] - agent.position[1])

    def pictures_forget(self, agent: Unit) -> None:
        for picture in self.pictures.values():
            picture.pop(agent.unique_id, None)

    def step(self) -> None:
        self.agents.do("move")
        self._tree = None
        self.agents.do("sense")
        self.agents.do("fire")
        self.agents.do("take_fire")
        self._tree = None
        self.time_s += self.dt_s

    def strength_by_side(self) -> dict[str, float]:
        out = dict.fromkeys(self.pictures, 0.0)
        for a in self.agents:
            out[a.side] += a.strength
        return out


def engagement_from_scenario(
    scenario: Any, *, neighbours: str = "space", rng: int | None = None
) -> Engagement:
    """The Mesa model with the units, start positions, orders and parameters of a drillsim scenario.

    Start positions come from drillsim's compiled force table (groups scattered the same way); each unit's
    destination is its move task's point plus its offset in the group, as drillsim keeps formations.
    Only ground units and move orders are carried over: this is the synthetic benchmark's vocabulary.
    """
    from drillsim.world.build import build_world

    world = build_world(scenario)
    f = world.forces
    dest = np.stack([f.x0, f.y0], axis=1).astype(float)
    for task in world.plan.tasks:
        if task.kind == "move" and task.waypoints.shape[1]:
            dest[task.elements, 0] = task.waypoints[:, -1, 0] + f.offset_x[task.elements]
            dest[task.elements, 1] = task.waypoints[:, -1, 1] + f.offset_y[task.elements]
    kinds = {
        name: unit_kind(scenario, name) for name in f.type_names if name in scenario.catalogue.unit_types
    }
    side_names = list(f.side_names)
    contact_timeout = float(next(iter(scenario.sides.values())).contact_timeout_s)
    return Engagement(
        np.stack([f.x0, f.y0], axis=1),
        dest,
        [side_names[s] for s in f.side],
        [kinds[f.type_names[t]] for t in f.unit_type],
        f.strength0.copy(),
        f.training.copy(),
        dt_s=float(world.dt_s),
        visibility_m=float(scenario.environment.visibility_m),
        contact_timeout_s=contact_timeout,
        neighbours=neighbours,
        rng=rng,
    )
