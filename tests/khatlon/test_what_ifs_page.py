"""The what-ifs table of the scenario page: ``scripts/whatifs.py`` covers every v2 what-if, measures the
noise as ``test_what_ifs.py`` does, and keeps the page's table between its markers. (Running the what-ifs
takes about 20 min of CPU time: the check that the page is not stale is ``python scripts/whatifs.py``.)"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from test_what_ifs import T_95_ONE_SIDED

from drillsim import load_scenario
from drillsim.experiments.compare import paired_difference
from drillsim.scenario import library_entries

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def whatifs() -> ModuleType:
    """The script, loaded as a module."""
    spec = importlib.util.spec_from_file_location("whatifs", ROOT / "scripts" / "whatifs.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("whatifs", module)  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


def test_every_v2_what_if_has_a_row(whatifs: ModuleType) -> None:
    """Each embedded scenario that extends v2, but the exercise as reported, is a row of the table."""
    extending = {
        e.name
        for e in library_entries()
        if e.kind == "scenario" and load_scenario(e.name).extends == whatifs.BASE
    }
    assert {w.name for w in whatifs.WHAT_IFS} == extending - {"khatlon-2015-exercise-v2"}


def test_the_page_holds_one_row_per_what_if(whatifs: ModuleType) -> None:
    """The generated block sits between the markers, one row per what-if and the Badakhshan row."""
    text = whatifs.PAGE.read_text(encoding="utf-8")
    block = text[text.index(whatifs.BEGIN) : text.index(whatifs.END)]
    for w in whatifs.WHAT_IFS:
        assert block.count(f"| `{w.name}` |") == 1, w.name
    assert "| the incursion at Badakhshan |" in block


def test_the_noise_is_the_bound_the_direction_tests_use(whatifs: ModuleType) -> None:
    """The table's noise is the one-sided 95 % t bound on the mean paired difference of test_what_ifs."""
    base = np.array([10.0, 12.0, 9.0, 15.0, 11.0, 8.0, 14.0, 10.0])
    variant = base + np.array([3.0, -1.0, 4.0, 2.0, 0.0, 5.0, 1.0, 2.0])
    d = paired_difference("m", "losses", "b", "v", base, variant, whatifs.NOISE_CONFIDENCE)
    diff = variant - base
    expected = T_95_ONE_SIDED[7] * float(np.std(diff, ddof=1)) / np.sqrt(8)
    assert d.half_width == pytest.approx(expected, rel=1e-3)


def test_a_time_never_reached_counts_as_the_reading(whatifs: ModuleType) -> None:
    """A replication without the time measure by the reading gets the reading's time (a lower bound), as
    in test_what_ifs; a count measure keeps its missing values."""
    kept = {
        "measures": {"30": {"first-detection": [3600.0, float("nan")], "losses-csto": [1.0, float("nan")]}}
    }
    times = whatifs._values(kept, "first-detection", 30, "time-to-first-detection")
    assert times.tolist() == [3600.0, 30 * 3600.0]
    losses = whatifs._values(kept, "losses-csto", 30, "losses")
    assert np.isnan(losses[1])


def test_replace_block_keeps_the_rest_of_the_page(whatifs: ModuleType) -> None:
    """Only the text between the markers changes."""
    page = f"before\n{whatifs.BEGIN}\nold\n{whatifs.END}\nafter\n"
    new = whatifs.replace_block(page, f"{whatifs.BEGIN}\nnew\n{whatifs.END}")
    assert new == f"before\n{whatifs.BEGIN}\nnew\n{whatifs.END}\nafter\n"
