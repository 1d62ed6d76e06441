"""The shortcuts of command, triggers and morale give exactly what a plain computation gives."""

from __future__ import annotations

import numpy as np
import pytest

from drillsim.engine.simulation import Simulation
from drillsim.mechanics.morale.step import _morale_scan
from drillsim.mechanics.orders.command import _due_orders, _nearest_contacts_kernel, _on_task, facts_of
from drillsim.mechanics.orders.triggers import TriggerState
from drillsim.scenario import load_scenario
from drillsim.state.batch import ACTIVE, DESTROYED, ContactLayer
from drillsim.world.forces import Belligerents

HOSTILE = np.array([[False, True, True], [True, False, False], [True, False, False]])


def _brute_nearest(px, py, rows, sides, live, kx, ky, status, require_active, candidate, side):
    best = np.full(len(rows), -1)
    dist = np.full(len(rows), np.inf)
    for k, (r, mine) in enumerate(zip(rows, sides, strict=True)):
        ok = candidate & HOSTILE[mine, side] & live[r, mine]
        if require_active:
            ok &= status[r] == ACTIVE
        d = np.where(ok, np.hypot(kx[r, mine] - px[k], ky[r, mine] - py[k]), np.inf)
        if ok.any() and np.isfinite(d.min()):
            best[k] = int(np.argmin(d))  # the first of equal distances
            dist[k] = d[best[k]]
    return best, dist


@pytest.mark.parametrize("require_active", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nearest_contacts_match_brute_force(seed: int, require_active: bool) -> None:
    """Nearest contact per query equals an argmin over every element, ties to the first element, -1/inf
    when no contact qualifies; queries in any row order."""
    rng = np.random.default_rng(seed)
    r, n, q = 6, 40, 300
    side = rng.integers(0, 3, n)
    kx = rng.uniform(0, 20_000, (r, 3, n)).round(-3)  # coarse grid: many equal distances
    ky = rng.uniform(0, 20_000, (r, 3, n)).round(-3)
    kx[:, :, 5] = kx[:, :, 9]  # two contacts believed at the same spot
    ky[:, :, 5] = ky[:, :, 9]
    live = rng.random((r, 3, n)) < 0.4
    live[0] = False  # a row with no contact at all
    status = np.where(rng.random((r, n)) < 0.8, ACTIVE, DESTROYED)
    candidate = rng.random(n) < 0.8
    rows = np.sort(rng.integers(0, r, q))
    rows[-20:] = rng.integers(0, r, 20)  # and some out of order
    sides = rng.integers(0, 3, q)
    px = rng.uniform(0, 20_000, q).round(-3)
    py = rng.uniform(0, 20_000, q).round(-3)
    best = np.empty(q, dtype=np.int64)
    dist = np.empty(q)
    known = ContactLayer(np.zeros_like(kx), kx, ky, np.zeros_like(kx))
    forces = Belligerents(side, np.zeros(n, dtype=bool), HOSTILE, np.ones(n))
    _nearest_contacts_kernel(
        px, py, rows, sides, live, known, status, require_active, candidate, forces, best, dist
    )
    want_best, want_dist = _brute_nearest(
        px, py, rows, sides, live, kx, ky, status, require_active, candidate, side
    )
    np.testing.assert_array_equal(best, want_best)
    np.testing.assert_array_equal(dist, want_dist)
    assert (best == -1).any()
    assert (best >= 0).any()


@pytest.mark.parametrize("seed", [0, 1])
def test_morale_scan_matches_whole_array_expressions(seed: int) -> None:
    """Deaths, the suppression average (bit for bit) and breaks equal the plain whole-array computation,
    in row-major order; the just-dead do not also break."""
    rng = np.random.default_rng(seed)
    r, n = 7, 25
    status = np.where(rng.random((r, n)) < 0.85, ACTIVE, DESTROYED)
    strength0 = rng.integers(0, 40, n).astype(np.float64)
    strength = np.minimum(rng.integers(0, 40, (r, n)) * rng.random((r, n)), strength0)
    # Losses count from the strength at the start or at the last rally, which differs by replication.
    morale_base = np.where(rng.random((r, n)) < 0.3, np.minimum(strength + 5.0, strength0), strength0)
    broken = rng.random((r, n)) < 0.1
    suppressed_until = rng.uniform(0, 200, (r, n))
    avg = rng.random((r, n))
    is_air = rng.random(n) < 0.15
    break_losses = rng.uniform(0.2, 0.8, n)
    break_suppression = rng.uniform(0.3, 0.9, n)
    t0, w = 100.0, float(-np.expm1(-60.0 / 600.0))

    dead = (status == ACTIVE) & (strength < 0.5) & ~is_air[None, :]
    want_dead = np.nonzero(dead)
    after = np.where(dead, DESTROYED, status)
    want_avg = avg.copy()
    want_avg += ((suppressed_until > t0).astype(np.float64) - want_avg) * w
    lost = 1.0 - np.where(dead, 0.0, strength) / np.maximum(morale_base, 1e-9) >= break_losses[None, :]
    breaking = (
        (after == ACTIVE) & ~broken & ~is_air[None, :] & (lost | (want_avg >= break_suppression[None, :]))
    )
    want_break = np.nonzero(breaking)

    got_avg = avg.copy()
    dr, de, br, be, by_losses = _morale_scan(
        status,
        strength,
        broken,
        suppressed_until,
        got_avg,
        t0,
        w,
        morale_base,
        is_air,
        break_losses,
        break_suppression,
    )
    np.testing.assert_array_equal(got_avg, want_avg)
    np.testing.assert_array_equal(dr, want_dead[0])
    np.testing.assert_array_equal(de, want_dead[1])
    np.testing.assert_array_equal(br, want_break[0])
    np.testing.assert_array_equal(be, want_break[1])
    np.testing.assert_array_equal(by_losses, lost[want_break])
    assert len(dr)
    assert len(br)


def test_due_orders_match_the_whole_array_test() -> None:
    """Orders due by t1 for elements in action, neither broken nor fled, in np.nonzero's order."""
    rng = np.random.default_rng(3)
    r, n = 9, 30
    pending_task = np.where(rng.random((r, n)) < 0.5, rng.integers(0, 5, (r, n)), -1)
    pending_at = np.where(rng.random((r, n)) < 0.9, rng.uniform(0, 200, (r, n)), np.inf)
    status = np.where(rng.random((r, n)) < 0.8, ACTIVE, DESTROYED)
    broken = rng.random((r, n)) < 0.1
    fled = rng.random((r, n)) < 0.1
    want = np.nonzero((pending_task >= 0) & (pending_at <= 100.0) & (status == ACTIVE) & ~broken & ~fled)
    rows, elems = _due_orders(pending_task, pending_at, status, broken, fled, 100.0)
    np.testing.assert_array_equal(rows, want[0])
    np.testing.assert_array_equal(elems, want[1])
    assert len(rows)


def test_triggers_of_waiting_phases_fire_as_when_every_node_is_evaluated() -> None:
    """Evaluating only the nodes of the phases still waiting gives those phases' roots the same fire times,
    step after step (condition memory included), as evaluating every node."""
    sim = Simulation(load_scenario("khatlon-2015-v1"), rng=5, replications=3)
    plan = sim.world.plan
    full = TriggerState(plan, 3)
    some = TriggerState(plan, 3)
    roots = np.array(plan.phase_root)
    assert any(plan.nodes[r].children for r in roots)  # the plan has all/any trees
    partly = False  # some phases started, some still waiting: the case the subset exists for
    for _ in range(2200):
        sim.step()
        facts = facts_of(sim.ctx, sim._located)
        waiting = np.isinf(sim.state.phase_start).any(axis=0)
        partly |= 0 < waiting.sum() < len(roots)
        want = full.evaluate(facts)
        got = some.evaluate(facts, waiting)
        np.testing.assert_array_equal(got[:, roots[waiting]], want[:, roots[waiting]])
        assert np.isinf(got[:, ~some.phase_nodes[waiting].any(axis=0)]).all()
    assert partly


def test_on_task_matches_the_whole_array_test() -> None:
    """A task's elements on it, in action and not broken, in np.nonzero's order over (rows, elements)."""
    rng = np.random.default_rng(4)
    r, n = 8, 30
    task = rng.integers(-1, 3, (r, n))
    status = np.where(rng.random((r, n)) < 0.8, ACTIVE, DESTROYED)
    broken = rng.random((r, n)) < 0.1
    elements = np.array([2, 3, 7, 11, 12, 29])
    want = np.nonzero((task[:, elements] == 1) & (status[:, elements] == ACTIVE) & ~broken[:, elements])
    rows, cols = _on_task(task, status, broken, elements, 1)
    np.testing.assert_array_equal(rows, want[0])
    np.testing.assert_array_equal(cols, want[1])
    assert len(rows)
