"""Reconnoitre input: a reconnoitre task names a place (``to``), ``toward: contacts``, or both (the place
then for when there is no contact), and the options of ``toward`` only with it; each mistake gets one
located error and exit code 2.

Each test writes the teaching example (examples/crossing-defence.yaml) with its last task changed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from test_bad_input import assert_rejected

import drillsim
from drillsim.engine import build_world

Edit = Callable[..., Path]
Cli = Callable[..., Any]

_LAST = "{task: withdraw, units: [mil/grp, mil/technical, mil/commander], to: far-bank}"


def test_reconnoitre_toward_contacts_compiles(edit: Edit) -> None:
    """`toward: contacts` with an area, a stand-off and a place to go without contacts loads and compiles to
    a task aimed at run time."""
    path = edit(
        _LAST,
        "{task: reconnoitre, units: [mil/grp], toward: contacts, area: bridgehead, standoff_m: 800,"
        " to: far-bank}",
    )
    world = build_world(drillsim.load_scenario(path))
    (task,) = [t for t in world.plan.tasks if t.kind == "reconnoitre"]
    assert task.toward_contacts
    assert task.search_area is not None
    assert task.waypoints.shape[1] == 0
    assert (task.standoff_m == 800.0).all()
    assert np.isfinite(task.then_to).all()


def test_reconnoitre_needs_an_aim(edit: Edit, cli: Cli) -> None:
    """A reconnoitre with neither `to` nor `toward` is refused at the task."""
    path = edit(_LAST, "{task: reconnoitre, units: [mil/grp]}")
    assert_rejected(
        path,
        cli,
        line=122,
        column=11,
        field="plan.phases.fall-back.tasks[0]",
        match=r"a reconnoitre task needs a place to go to or toward: contacts",
    )


def test_reconnoitre_area_needs_toward(edit: Edit, cli: Cli) -> None:
    """`area` on a reconnoitre to a place is refused: it applies only toward contacts."""
    path = edit(_LAST, "{task: reconnoitre, units: [mil/grp], to: far-bank, area: bridgehead}")
    assert_rejected(
        path,
        cli,
        line=122,
        column=11,
        field="plan.phases.fall-back.tasks[0]",
        match=r"area and standoff_m apply only to a reconnoitre toward contacts",
    )


def test_reconnoitre_area_must_exist(edit: Edit, cli: Cli) -> None:
    """The area of a reconnoitre toward contacts must be one of the scenario's areas."""
    path = edit(_LAST, "{task: reconnoitre, units: [mil/grp], toward: contacts, area: bridgehed}")
    assert_rejected(
        path,
        cli,
        line=122,
        column=11 + len("{task: reconnoitre, units: [mil/grp], toward: contacts, area: "),
        field="plan.phases.fall-back.tasks[0].area",
        match=r"unknown area 'bridgehed'.*Did you mean 'bridgehead'\?",
    )
