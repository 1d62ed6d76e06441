"""Determinism, batch invariance and worker invariance of the engine, and ``check_determinism``."""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from drillsim import testing
from drillsim.engine import EventLog, Outcomes, Simulation, run, write_event_log
from drillsim.scenario import Param, Scenario, load_scenario
from drillsim.state.context import StepContext
from synthetic_scenarios import EXAMPLE, lanchester_scenario


def _log_bytes(outcome: Outcomes, path: Path) -> bytes:
    assert outcome.events is not None
    return write_event_log(outcome.events, path, header=outcome.header).read_bytes()


def _rows(events: pa.Table | None, k: int) -> list[dict[str, Any]]:
    """Event rows of replication ``k``, NaN written as text so rows compare equal."""
    assert events is not None
    rows = events.filter(pc.equal(events["replication"], k)).to_pylist()
    return [{c: "nan" if isinstance(v, float) and math.isnan(v) else v for c, v in r.items()} for r in rows]


def _measures(outcome: Outcomes, k: int) -> dict[str, float]:
    i = int(np.flatnonzero(outcome.replications == k)[0])
    return {name: float(v[i]) for name, v in outcome.measures.items()}


def _same_measures(a: dict[str, float], b: dict[str, float]) -> bool:
    return a.keys() == b.keys() and all(a[n] == b[n] or (math.isnan(a[n]) and math.isnan(b[n])) for n in a)


def _recorded(scenario: Scenario, reps: Sequence[int], *, rng: int = 1) -> Outcomes:
    return run(scenario, rng=rng, replications=list(reps), recorder=EventLog())


def test_same_seed_gives_byte_identical_event_log(example: Scenario, tmp_path: Path) -> None:
    """Two runs of the example with seed 5 write the same Parquet file, byte for byte."""
    first = _log_bytes(_recorded(example, range(4), rng=5), tmp_path / "first.parquet")
    again = _log_bytes(_recorded(example, range(4), rng=5), tmp_path / "again.parquet")
    assert first == again


def test_different_seed_gives_different_event_log(
    example: Scenario, example_run: Outcomes, tmp_path: Path
) -> None:
    """Seed 2 gives a different log from seed 1, in the events themselves and not only in the header."""
    other = _recorded(example, range(12), rng=2)
    assert _log_bytes(other, tmp_path / "b.parquet") != _log_bytes(example_run, tmp_path / "a.parquet")
    assert any(_rows(other.events, k) != _rows(example_run.events, k) for k in range(12))


def test_replication_alone_equals_replication_in_batch(example: Scenario, example_run: Outcomes) -> None:
    """Replication 7 run alone has the same measures and event rows as inside the batch 0..11."""
    alone = _recorded(example, [7])
    assert _same_measures(_measures(alone, 7), _measures(example_run, 7))
    assert _rows(alone.events, 7) == _rows(example_run.events, 7)


def test_differently_split_batches_agree_on_shared_replications(
    example: Scenario, example_run: Outcomes
) -> None:
    """Batches 0..11 and 6..17 agree, measure for measure and event for event, on replications 6..11."""
    shifted = _recorded(example, range(6, 18))
    for k in range(6, 12):
        assert _same_measures(_measures(shifted, k), _measures(example_run, k))
        assert _rows(shifted.events, k) == _rows(example_run.events, k)


def test_batch_order_does_not_matter(example: Scenario, example_run: Outcomes) -> None:
    """The batch 11, 10, ..., 0 gives each replication the same results as 0, 1, ..., 11."""
    backwards = _recorded(example, range(11, -1, -1))
    for k in range(12):
        assert _same_measures(_measures(backwards, k), _measures(example_run, k))
        assert _rows(backwards.events, k) == _rows(example_run.events, k)


def test_two_worker_processes_equal_one_batch(example: Scenario) -> None:
    """Replications 0..7 split between two worker processes equal one in-process batch (first 40 min)."""
    until = 2400.0
    batch = run(example, rng=1, replications=8, recorder=EventLog(), until_s=until)
    parts = [[0, 2, 4], [1, 3, 5, 6, 7]]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        futures = [
            pool.submit(run, example, rng=1, replications=part, recorder=EventLog(), until_s=until)
            for part in parts
        ]
        results = [f.result() for f in futures]
    assert batch.events is not None
    assert "RoundsImpacted" in batch.events["kind"].to_pylist()
    for part, outcome in zip(parts, results, strict=True):
        for k in part:
            assert _same_measures(_measures(outcome, k), _measures(batch, k))
            assert _rows(outcome.events, k) == _rows(batch.events, k)


def test_check_determinism_passes_the_example(example: Scenario) -> None:
    """The shipped checker passes the example (its first 40 minutes) and returns the outcomes."""
    short = example.model_copy(update={"time": example.time.model_copy(update={"duration_s": Param(2400.0)})})
    outcome = testing.check_determinism(short, rng=4, replications=2)
    assert list(outcome.replications) == [0, 1]


@pytest.fixture
def small_battle(make_scenario: Callable[[dict[str, Any]], Scenario]) -> Scenario:
    """A short stochastic firefight (the Lanchester set-up, 10 minutes)."""
    data = lanchester_scenario(blue=20, red=20, blue_pk=0.05, red_pk=0.05)
    data["time"]["duration_s"] = 600
    return make_scenario(data)


def test_check_determinism_catches_a_batch_dependent_stream(
    small_battle: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Random numbers keyed by the row in the batch rather than the replication index are caught."""
    monkeypatch.setattr(StepContext, "rep", lambda self, rows: np.asarray(rows, dtype=np.int64))
    with pytest.raises(AssertionError, match=r"replication 1 .* differs when run alone"):
        testing.check_determinism(small_battle, rng=0, replications=[0, 1])


def test_check_determinism_catches_a_log_that_changes_between_runs(
    small_battle: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A header that differs between two runs (here a run counter) makes the logs differ."""
    original = Simulation.header
    calls = iter(range(100))

    def header(self: Simulation) -> dict[str, Any]:
        return {**original(self), "run": next(calls)}

    monkeypatch.setattr(Simulation, "header", header)
    with pytest.raises(AssertionError, match=r"wrote different event logs"):
        testing.check_determinism(small_battle, rng=0, replications=1)


RESERVE = "tjk/reserve"


def _with_reserve(folder: Path) -> Scenario:
    """The example with two more rifle squads declared first (so every other element's index moves by
    two), standing 15 km from the crossing, out of every sensor's reach, with no task."""
    text = EXAMPLE.read_text(encoding="utf-8")
    reserve = (
        "units:\n"
        f"  {RESERVE}:\n"
        "    type: rifle-squad\n"
        "    nation: TJK\n"
        "    count: 2\n"
        "    at: {lat: 37.295, lon: 68.505}\n"
        "    spread_m: 250\n"
        "    posture: prepared-defence\n"
    )
    assert text.count("\nunits:\n") == 1
    path = folder / "crossing-defence-reserve.yaml"
    path.write_text(text.replace("\nunits:\n", "\n" + reserve, 1), encoding="utf-8")
    return load_scenario(path)


def _without(rows: list[dict[str, Any]], unit: str) -> list[dict[str, Any]]:
    """Rows that name no element of ``unit`` in any column."""
    return [r for r in rows if not any(isinstance(v, str) and v.startswith(unit) for v in r.values())]


def test_a_unit_added_away_from_the_fight_leaves_every_other_event_paired(
    example: Scenario, tmp_path: Path
) -> None:
    """Random numbers belong to an element's id, not its place in the order of battle: a unit declared
    first, which shifts every other element's index, leaves every other event of every replication as it
    was, draw for draw (keyed by index, the layout, the march paces and the first detections would all
    move). So a variant that adds or removes units keeps the common random numbers of the rest."""
    short = example.model_copy(update={"time": example.time.model_copy(update={"duration_s": Param(2400.0)})})
    variant = _with_reserve(tmp_path)
    variant = variant.model_copy(update={"time": short.time})
    assert next(iter(variant.units)) == RESERVE
    base = _recorded(short, range(4), rng=3)
    other = _recorded(variant, range(4), rng=3)
    kinds: set[str] = set()
    for k in range(4):
        rows = _rows(base.events, k)
        kinds |= {r["kind"] for r in rows}
        assert _without(_rows(other.events, k), RESERVE) == rows
    assert {"UnitHit", "ContactDetected", "RoundsImpacted"} <= kinds  # a fight, with draws in it


def test_importing_drillsim_keeps_numpy_off_its_avx512_kernels() -> None:
    """A fresh process that imports drillsim, then NumPy, runs NumPy's AVX2 kernels, not its AVX-512 ones.

    NumPy's AVX-512 ``exp``/``log``/``sin`` round differently in the last bit, which changed whole runs of one
    seed between machines; on a CPU without AVX-512 the request must still be made, for one that has it.
    """
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "NPY_DISABLE_CPU_FEATURES"}
    code = (
        "import os, platform, drillsim, numpy\n"
        "from drillsim.core.arithmetic import AVX512_GROUPS, simd_pinned\n"
        "asked = os.environ.get('NPY_DISABLE_CPU_FEATURES', '').split()\n"
        "x86 = platform.machine().lower() in ('x86_64', 'amd64')\n"
        "print(simd_pinned(), (not x86) or asked == list(AVX512_GROUPS))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"], out.stdout + out.stderr
