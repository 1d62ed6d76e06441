"""Bad obstacle, ambush and via input: each mistake gets one located error and exit code 2.

Each test writes the teaching example (examples/crossing-defence.yaml) with an ``obstacles:`` section or a
task changed, so the change is the whole story of the test.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from test_bad_input import assert_rejected

import drillsim
from drillsim.engine import build_world

Edit = Callable[..., Path]
Cli = Callable[..., Any]

_LINES = "\nlines:\n  river:\n"


def test_obstacle_on_an_unknown_area(edit: Edit, cli: Cli) -> None:
    """An obstacle over an area the scenario lacks is an error at the area name, with a suggestion."""
    path = edit(_LINES, "\nobstacles:\n  mf: {kind: minefield, side: defenders, area: bridgehed}\n" + _LINES)
    assert_rejected(
        path,
        cli,
        line=56,
        column=48,
        field="obstacles.mf.area",
        match=r"unknown area 'bridgehed'.*Did you mean 'bridgehead'\?",
    )


def test_obstacle_needs_exactly_one_place(edit: Edit, cli: Cli) -> None:
    """An obstacle with both an area and a line is refused."""
    path = edit(
        _LINES, "\nobstacles:\n  mf: {kind: block, side: defenders, area: bridgehead, line: river}\n" + _LINES
    )
    assert_rejected(
        path, cli, line=56, column=7, field="obstacles.mf", match=r"an obstacle needs exactly one place"
    )


def test_ambush_is_a_task_kind(edit: Edit) -> None:
    """`task: ambush` loads (it used to be refused as an unknown kind) and compiles with its kill zone."""
    path = edit(
        "{task: withdraw, units: [mil/grp, mil/technical, mil/commander], to: far-bank}",
        "{task: ambush, units: [mil/grp], at: crossing, kill_zone: bridgehead}",
    )
    world = build_world(drillsim.load_scenario(path))
    ambush = [t for t in world.plan.tasks if t.kind == "ambush"]
    assert len(ambush) == 1
    assert ambush[0].kill_zone is not None


def test_ambush_kill_zone_must_exist(edit: Edit, cli: Cli) -> None:
    """An ambush's kill zone must name an area or a line of the scenario."""
    path = edit(
        "{task: withdraw, units: [mil/grp, mil/technical, mil/commander], to: far-bank}",
        "{task: ambush, units: [mil/grp], at: crossing, kill_zone: bridgehed}",
    )
    assert_rejected(
        path,
        cli,
        line=122,
        column=69,
        field="plan.phases.fall-back.tasks[0].kill_zone",
        match=r"unknown kill zone 'bridgehed'.*Did you mean 'bridgehead'\?",
    )
