"""monte_carlo on executors: the same rows whatever the worker count, the batch size or the stopping point."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest

from drillsim.core.errors import UserError
from drillsim.engine.simulation import Simulation
from drillsim.experiments import executors
from drillsim.experiments.executors import ChunkTask, run_chunk
from drillsim.experiments.montecarlo import (
    MonteCarloResult,
    monte_carlo,
    record_replications,
    sample_replications,
    summarize,
)
from drillsim.scenario.io import load_scenario

Cli = Callable[..., Any]


def test_the_default_executor_is_a_process_pool_of_every_cpu(mc_result: MonteCarloResult) -> None:
    """Without executor options the replications run on a local process pool with one worker per CPU."""
    assert mc_result.executor == f"process pool, {os.cpu_count()} worker(s)"


def test_rows_do_not_depend_on_workers_or_batch_size(
    mc_result: MonteCarloResult, example: Path, seed: int
) -> None:
    """One worker with batches of 20, two workers with batches of 7: the same rows as the default run."""
    one = monte_carlo(str(example), replications=40, rng=seed, batch=20, executor=1, progress=False)
    two = monte_carlo(str(example), replications=40, rng=seed, batch=7, executor=2, progress=False)
    assert one.executor == "process pool, 1 worker(s)"
    assert two.executor == "process pool, 2 worker(s)"
    assert (one.batches, two.batches) == (2, 6)
    assert one.to_arrow().equals(two.to_arrow())
    assert one.to_arrow().equals(mc_result.to_arrow().slice(0, 40))


def test_sequential_stopping_does_not_depend_on_workers(
    mc_result: MonteCarloResult, example: Path, seed: int
) -> None:
    """A target first met after the third batch of 20 stops there on one worker and on two (whose fourth
    batch, run alongside the third, is discarded)."""
    losses = mc_result.measures["losses-raiders"]
    half = {n: summarize(losses[:n], kind="losses").half_width for n in (20, 40, 60)}
    target = half[60]
    assert target < min(half[20], half[40]), f"half-widths {half}: pick a measure that narrows by 60 runs"
    runs = [
        monte_carlo(
            str(example),
            rng=seed,
            precision={"losses-raiders": target},
            batch=20,
            executor=workers,
            progress=False,
        )
        for workers in (1, 2)
    ]
    for result in runs:
        assert (result.stopped, result.n, result.batches) == ("precision", 60, 3)
    assert runs[0].to_arrow().equals(runs[1].to_arrow())
    assert runs[0].precision == runs[1].precision


def test_a_dask_cluster_gives_the_rows_of_the_process_pool(
    mc_result: MonteCarloResult, example: Path, seed: int, tmp_path: Path
) -> None:
    """``drillsim mc --dask-local 2`` (in its own process, as a user runs it) writes the pool's rows."""
    done = subprocess.run(
        [
            *(sys.executable, "-m", "drillsim", "mc", str(example), "-n", "40", "--batch", "20"),
            *("--seed", str(seed), "--dask-local", "2", "--record", "1", "--out", str(tmp_path)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Dask LocalCluster, 2 worker(s)" in done.stdout
    rows = pq.read_table(tmp_path / "replications.parquet").replace_schema_metadata(None)
    assert rows.equals(mc_result.to_arrow().slice(0, 40))


def test_recorded_replications_give_the_rows_they_were_chosen_by(example: Path, seed: int) -> None:
    """``record=3`` runs the lowest, median and highest replication of the first measure again, median
    first, and each gives exactly its row of the table (re-running by index is deterministic)."""
    result = monte_carlo(
        str(example), replications=30, rng=seed, batch=10, executor=2, record=3, progress=False
    )
    assert result.recorded is not None
    first = next(iter(result.statistics))
    values = result.measures[first]
    chosen = [int(r) for r in result.recorded.replications]
    ordered = np.sort(values[np.isfinite(values)])
    assert values[chosen[0]] == ordered[len(ordered) // 2]
    assert values[chosen[1]] == ordered[0]
    assert values[chosen[2]] == ordered[-1]
    events = result.recorded.event_table()  # spooled to disk, a batch at a time
    assert events is not None
    assert set(events.column("replication").to_pylist()) == set(chosen)
    for name in result.statistics:
        np.testing.assert_array_equal(result.recorded.measures[name], result.measures[name][chosen])


def test_recording_afterwards_equals_recording_in_the_run(example: Path, seed: int) -> None:
    """``record_replications`` (what ``drillsim mc`` runs in a process of its own while it draws the plots)
    records the replications ``record=`` would, and refuses a scenario other than the one that ran."""
    plain = monte_carlo(str(example), replications=12, rng=seed, batch=6, executor=1, progress=False)
    assert plain.recorded is None
    later = record_replications(str(example), plain, 2, sample_s=None)
    at_once = monte_carlo(
        str(example), replications=12, rng=seed, batch=6, executor=1, record=2, sample_s=None, progress=False
    )
    assert later.recorded is not None
    assert at_once.recorded is not None
    np.testing.assert_array_equal(later.recorded.replications, at_once.recorded.replications)
    later_events, at_once_events = later.recorded.event_table(), at_once.recorded.event_table()
    assert later_events is not None
    assert at_once_events is not None
    assert later_events.to_pandas().equals(at_once_events.to_pandas())  # NaN == NaN
    assert later.to_json()["recorded"] == at_once.to_json()["recorded"]
    other = load_scenario(str(example)).model_copy(update={"name": "someone-else"})
    with pytest.raises(UserError, match="not the one these replications ran"):
        record_replications(other, plain, 1)


def test_three_recorded_replications_run_as_one_batch(
    example: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``record_replications`` of 3 advances them together in one simulation: each step's fixed cost once."""
    plain = monte_carlo(str(example), replications=6, rng=seed, batch=6, executor=1, progress=False)
    batches: list[int] = []

    class Counted(Simulation):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            batches.append(len(self.replication_indices))

    monkeypatch.setattr("drillsim.engine.simulation.Simulation", Counted)
    recorded = record_replications(str(example), plain, 3, sample_s=None).recorded
    assert recorded is not None
    assert batches == [3]
    for name in plain.statistics:
        np.testing.assert_array_equal(recorded.measures[name], plain.measures[name][recorded.replications])


def test_sample_replications_spreads_picks_over_the_distribution() -> None:
    """Lowest, median and highest by value, median first; replications without a value fill in last."""
    assert sample_replications([5.0, 1.0, 3.0, np.nan, 2.0], 3) == [(2, 0.5), (1, 0.0), (0, 1.0)]
    assert sample_replications([np.nan, 1.0, np.nan], 3) == [(1, 0.5), (0, None), (2, None)]
    assert [row for row, _ in sample_replications([1.0, 0.0, 1.0, 1.0, 0.0], 3)] == [0, 1, 3]


def test_bad_worker_count_is_a_user_error(example: Path, tmp_path: Path, cli: Cli) -> None:
    """``--workers 0`` is one error line naming the option, exit code 2, no traceback."""
    result = cli("mc", str(example), "-n", "2", "--workers", "0", "--out", str(tmp_path))
    assert result.code == 2
    assert "option '--workers'" in result.err
    assert "Traceback" not in result.err


def test_workers_and_dask_exclude_each_other(example: Path, tmp_path: Path, cli: Cli) -> None:
    """``--workers`` with ``--dask-local`` is a user error: the pool size does not apply to Dask."""
    result = cli("mc", str(example), "-n", "2", "--workers", "2", "--dask-local", "1", "--out", str(tmp_path))
    assert result.code == 2
    assert "'--workers' sets the local process pool" in result.err


def test_fixed_runs_are_spread_evenly_over_the_workers(example: Path, seed: int) -> None:
    """40 replications with batches of at most 30 on two workers: two batches of 20, not 30 and 10."""
    from drillsim.experiments.montecarlo import _balanced_blocks

    assert _balanced_blocks(0, 40, 30, 2) == [(0, 20), (20, 40)]
    assert _balanced_blocks(0, 1000, 200, 2) == [(k, k + 167) for k in range(0, 835, 167)] + [(835, 1000)]
    assert _balanced_blocks(0, 3, 200, 4) == [(0, 1), (1, 2), (2, 3)]
    result = monte_carlo(str(example), replications=40, rng=seed, batch=30, executor=2, progress=False)
    assert result.batches == 2


def test_a_worker_reuses_the_world_of_a_design_point(example: Path, seed: int) -> None:
    """Chunks of one scenario (each arriving as its own unpickled copy) share the worker's world, and a
    chunk on the reused world gives the rows of one run fresh; another scenario gets its own world."""
    scenario = load_scenario(str(example))
    tasks = [
        pickle.loads(pickle.dumps(ChunkTask(0, (k,), (k,), scenario, seed, 1800.0)))  # as a worker gets them
        for k in (0, 1)
    ]
    first, second = (run_chunk(t) for t in tasks)
    fresh = Simulation(scenario, rng=seed, replications=[1]).run(until_s=1800.0)
    for name, values in second.measures.items():
        np.testing.assert_array_equal(values, np.asarray(fresh.measures[name], dtype=np.float64))
    world = executors._world(tasks[0].scenario)
    assert executors._world(tasks[1].scenario) is world
    other = scenario.model_copy(update={"name": scenario.name + "-other"})
    assert executors._world(other) is not world
    assert first.task.replications == (0,)


def test_a_process_pool_takes_tasks_only_as_slots_free_up(example: Path, seed: int) -> None:
    """Tasks are drawn from the iterable as workers free up (two per worker in flight), so a caller can make
    each task only when it is needed, and every task is run once."""
    from drillsim.experiments.executors import ProcessPool

    scenario = load_scenario(str(example))
    drawn: list[int] = []

    def tasks() -> Iterator[ChunkTask]:
        for point in range(5):
            drawn.append(point)
            yield ChunkTask(point, (0,), (0,), scenario, seed, 600.0)

    pool = ProcessPool(1)
    try:
        results = pool.run(tasks())
        first = next(results)
        assert len(drawn) == 2
        points = [first.task.point] + [r.task.point for r in results]
    finally:
        pool.close()
    assert sorted(points) == list(range(5))
    assert drawn == list(range(5))


def test_an_executor_passed_in_is_used_and_left_open(example: Path) -> None:
    """``executor=ProcessPool(1)`` runs the replications on that pool and leaves it for its owner to close."""
    from drillsim.experiments.executors import ProcessPool

    pool = ProcessPool(1)
    try:
        first = monte_carlo(str(example), replications=4, rng=3, batch=2, executor=pool, progress=False)
        again = monte_carlo(str(example), replications=4, rng=3, batch=2, executor=pool, progress=False)
    finally:
        pool.close()
    assert first.executor == pool.description
    assert first.to_arrow().equals(again.to_arrow())


def test_executor_of_another_type_is_a_user_error(example: Path) -> None:
    """``executor=`` takes an Executor, a worker count or None; anything else is a user error."""
    with pytest.raises(UserError, match="executor must be an Executor"):
        monte_carlo(str(example), replications=2, executor="2 workers", progress=False)  # type: ignore[arg-type]
