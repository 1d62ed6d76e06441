"""Frontage (docs/mechanics/direct-fire.md): only the elements that fit on their side's contact line fire.

The rule is checked on the pure function, then in the engine: a column of squads, one behind the other,
hurts a target exactly as much as its front squad alone (the others are masked), while the same squads
abreast hurt it more.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from effects_kit import Runner, assert_paired_greater, at, base, eye, rifle

from drillsim.mechanics.direct_fire.frontage import (
    FRONTAGE_BY_ECHELON_M,
    engaged_on_frontage,
    frontage_taken_before,
)

F = 100.0


def engagements(shooters: list[tuple[float, float]], targets: list[tuple[float, float]]) -> np.ndarray:
    """Elements 0.. are blue shooters, then red targets; shooter k engages target k modulo the number of
    targets; one row. Returns which engagements fit on the line."""
    pos = np.array(shooters + targets, dtype=np.float64)
    n_s = len(shooters)
    x, y = pos[None, :, 0], pos[None, :, 1]
    side = np.array([0] * n_s + [1] * len(targets))
    shooter = np.arange(n_s)
    target = n_s + np.arange(n_s) % len(targets)
    rng = np.hypot(x[0, shooter] - x[0, target], y[0, shooter] - y[0, target])
    frontage = np.full(len(pos), F)
    return engaged_on_frontage(np.zeros(n_s, dtype=np.int64), shooter, target, rng, x, y, side, frontage)


def test_a_line_abreast_all_fits() -> None:
    """Five shooters a frontage apart facing five targets: the line is as wide as they are; all fire."""
    keep = engagements([(k * F, 0.0) for k in range(5)], [(k * F, 300.0) for k in range(5)])
    assert keep.all()


def test_a_column_fires_with_its_front_element_only() -> None:
    """Five shooters one behind the other at one target: the line is one frontage wide; the nearest fires."""
    keep = engagements([(0.0, -k * F) for k in (3, 0, 4, 1, 2)], [(0.0, 300.0)])
    assert keep.tolist() == [False, True, False, False, False]


def test_a_block_fires_with_its_front_row() -> None:
    """Three rows of four against a line of four: the front row (nearest) fills the line, the rest wait."""
    shooters = [(c * F, -r * F) for r in range(3) for c in range(4)]
    keep = engagements(shooters, [(c * F, 300.0) for c in range(4)])
    assert keep.tolist() == [True] * 4 + [False] * 8


def test_rows_and_sides_are_separate_lines() -> None:
    """Each (row, side) has its own line: a lone shooter in each always fires."""
    x = np.array([[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    y = np.array([[0.0, 300.0, -50.0, 600.0], [0.0, 300.0, -50.0, 600.0]])
    rows = np.array([0, 0, 1, 1])
    shooter = np.array([0, 1, 0, 1])
    target = np.array([1, 0, 1, 0])
    side = np.array([0, 1, 0, 1])
    keep = engaged_on_frontage(rows, shooter, target, np.full(4, 300.0), x, y, side, np.full(4, F))
    assert keep.all()


def test_frontages_grow_with_echelon() -> None:
    """Team < squad < platoon < company < battalion < brigade (platoon 400 yards, Waldron)."""
    order = ["team", "squad", "platoon", "company", "battalion", "brigade"]
    widths = [FRONTAGE_BY_ECHELON_M[e] for e in order]
    assert widths == sorted(widths)
    assert len(set(widths)) == len(widths)
    assert abs(FRONTAGE_BY_ECHELON_M["platoon"] - 365.76) < 1e-9


def fight(offsets: list[tuple[float, float]]) -> dict[str, Any]:
    """Blue squads at ``offsets`` (metres) fire at one red squad 300 m north of the first; nobody moves."""
    data = base(duration_s=600.0, dt_s=10.0)
    cat = data["catalogue"]
    cat["sensors"]["eye"] = eye(10.0) | {"position_error_m": 0.0}
    cat["weapons"]["rifle"] = rifle(0.02, max_range_m=2000.0)
    for name, personnel in (("squad", 9), ("target", 200)):
        cat["unit_types"][name] = {
            "category": "infantry",
            "echelon": "squad",
            "personnel": personnel,
            "weapons": [{"weapon": "rifle", "count": 9}] if name == "squad" else [],
            "sensors": [{"sensor": "eye"}],
            "break_losses": 1.0,
            "break_suppression": 1.0,
        }
    # The target first, so it is element 0 in every variant and its casualty draws are the same.
    data["units"] = {"red/target": {"type": "target", "nation": "R", "at": at(0, 300)}}
    for k, xy in enumerate(offsets):
        data["units"][f"blue/{k}"] = {"type": "squad", "nation": "B", "at": at(*xy)}
    return data


def test_a_column_hurts_like_its_front_squad_and_a_line_hurts_more(runner: Runner) -> None:
    """Masked squads do not fire: a column of four equals one squad exactly; four abreast inflict more."""
    one = runner.run(fight([(0, 0)]), reps=40).losses("red")
    column = runner.run(fight([(0, -k * 120.0) for k in range(4)]), reps=40).losses("red")
    line = runner.run(fight([(k * 120.0 - 180.0, 0) for k in range(4)]), reps=40).losses("red")
    assert np.array_equal(column, one)
    assert_paired_greater(line, one)


def test_a_group_s_frontage_taken_does_not_depend_on_the_rest_of_the_batch() -> None:
    """The frontage taken before each engagement is summed within its own group: a group after one with
    frontages of 1e16 m gets the same sums as alone (a batch-wide running sum less the group's start would
    lose them to rounding, and a replication's fire would depend on its batch)."""
    own = np.array([1e16, 1.0, 0.1, 0.2, 0.3])
    group = np.array([0, 0, 1, 1, 1])
    alone = frontage_taken_before(own[2:], np.zeros(3, dtype=np.int64))
    np.testing.assert_array_equal(frontage_taken_before(own, group)[2:], alone)
    np.testing.assert_array_equal(alone, [0.0, 0.1, 0.1 + 0.2])
