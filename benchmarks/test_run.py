"""The benchmark suite runs end to end (quick mode) and its results hold together."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from benchmarks.run import main, run_suite


@pytest.mark.benchmark
def test_quick_suite_measures_every_engine_and_size() -> None:
    """A quick run times drillsim and both Mesa variants at each size and fits a scaling exponent."""
    doc = run_suite(sizes=[100, 300], quick=True, examples=False)
    assert [row["n_units"] for row in doc["synthetic"]] == [100, 300]
    for row in doc["synthetic"]:
        for engine in ("drillsim", "mesa-space", "mesa-kdtree"):
            assert row[engine]["per_unit_step_s"] > 0
        assert row["ratio"] > 0
    assert math.isfinite(doc["scaling_exponent"]["drillsim"])


@pytest.mark.benchmark
def test_command_line_writes_json(tmp_path: Path) -> None:
    """``python -m benchmarks.run --quick --out FILE`` writes the results document."""
    out = tmp_path / "bench.json"
    assert main(["--quick", "--sizes", "100", "--no-examples", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("{")


@pytest.mark.benchmark
def test_startup_is_measured_for_help_and_version() -> None:
    """``python -m benchmarks.startup`` times both commands, and the refusal of a scenario too large to run,
    and reports positive medians."""
    from benchmarks.startup import measure

    doc = measure(repeat=2)
    commands = [row["command"] for row in doc["commands"]]
    assert commands[:2] == ["drillsim --help", "drillsim --version"]
    assert len(commands) == 3
    assert commands[2].startswith("drillsim run ")
    assert commands[2].endswith("huge.yaml --out refused-run")
    for row in doc["commands"]:
        assert row["median_cpu_s"] > 0
        assert row["median_wall_s"] > 0
        assert row["min_wall_s"] <= row["median_wall_s"]


@pytest.mark.benchmark
def test_step_cost_times_every_mechanic_of_the_step(tmp_path: Path) -> None:
    """``python -m benchmarks.step_cost`` gives each call of a step its share, and the shares add up to
    no more than the whole step."""
    from benchmarks.step_cost import main as step_cost_main

    out = tmp_path / "cost.json"
    example = str(Path(__file__).resolve().parent.parent / "examples" / "crossing-defence.yaml")
    assert step_cost_main([example, "-n", "2", "--until", "600", "--json", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["steps"] == 60
    assert {"sensing/detect", "direct_fire/fire", "air_defence/engage"} <= set(doc["mechanics"])
    assert all(ms >= 0 for ms in doc["mechanics"].values())
    assert sum(doc["mechanics"].values()) <= doc["ms_per_step"] * 1.0001


@pytest.mark.benchmark
def test_step_cost_times_only_the_passes_asked_for(tmp_path: Path) -> None:
    """``--pass`` times the named passes (a package's all with ``package/``) and no others; a name that is
    no pass is refused with the list of passes."""
    from benchmarks.step_cost import main as step_cost_main

    out = tmp_path / "cost.json"
    example = str(Path(__file__).resolve().parent.parent / "examples" / "crossing-defence.yaml")
    argv = [example, "-n", "2", "--until", "300", "--json", str(out)]
    assert step_cost_main([*argv, "--pass", "sensing/", "--pass", "movement/move"]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    names = set(doc["mechanics"])
    assert "movement/move" in names
    assert "sensing/detect" in names
    assert all(name == "movement/move" or name.startswith("sensing/") for name in names)
    with pytest.raises(SystemExit, match=r"no pass 'sensing/nothing'; the passes are: .*movement/move"):
        step_cost_main([*argv, "--pass", "sensing/nothing"])
