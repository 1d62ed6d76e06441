"""Plots: distribution, comparison, tornado and tipping-point figures as PNG and SVG."""

from __future__ import annotations

from pathlib import Path

import matplotlib

from drillsim.cli.analysis import DistributionPlots
from drillsim.experiments.montecarlo import MonteCarloResult, monte_carlo
from drillsim.report.plots import plot_distributions
from drillsim.study.plots import plot_tipping_point, plot_tornado, tipping_point

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_distribution_plots_are_written_for_each_measure(mc_result: MonteCarloResult, tmp_path: Path) -> None:
    """One PNG and one SVG per requested measure, both real image files."""
    paths = plot_distributions(mc_result, tmp_path, measures=["first-detection", "crossing-held"])
    assert sorted(p.name for p in paths) == [
        "distribution-crossing-held.png",
        "distribution-crossing-held.svg",
        "distribution-first-detection.png",
        "distribution-first-detection.svg",
    ]
    assert (tmp_path / "distribution-first-detection.png").read_bytes().startswith(PNG_MAGIC)
    assert "<svg" in (tmp_path / "distribution-crossing-held.svg").read_text(encoding="utf-8")


def test_plotting_changes_no_global_matplotlib_state(mc_result: MonteCarloResult, tmp_path: Path) -> None:
    """Drawing uses the Agg canvas directly: the backend and rcParams are as they were."""
    backend = matplotlib.get_backend()
    params = dict(matplotlib.rcParams)
    plot_distributions(mc_result, tmp_path, measures=["losses-raiders"], formats=["png"])
    assert matplotlib.get_backend() == backend
    assert dict(matplotlib.rcParams) == params


def test_plots_drawn_while_the_recorded_runs_go_are_those_drawn_after(
    mc_result: MonteCarloResult, tmp_path: Path
) -> None:
    """``drillsim mc`` draws its plots in a thread while the recorded replications run: the same files
    and the same SVG documents for the report as drawing them afterwards."""
    beside = DistributionPlots(tmp_path / "beside")
    beside.start(mc_result)
    after = DistributionPlots(tmp_path / "after")
    assert (
        beside.finish(mc_result) == after.finish(mc_result) == f"{2 * len(mc_result.statistics)} plot files"
    )
    assert beside.drawn == after.drawn
    assert sorted(beside.drawn) == sorted(mc_result.statistics)
    assert sorted(p.name for p in (tmp_path / "beside").iterdir()) == sorted(
        p.name for p in (tmp_path / "after").iterdir()
    )


def test_the_summary_is_handed_over_before_the_recorded_runs(example: Path, seed: int) -> None:
    """``on_summary`` gets every replication's rows before the recorded replications run again."""
    seen: list[MonteCarloResult] = []
    result = monte_carlo(
        str(example),
        replications=6,
        rng=seed,
        batch=3,
        executor=1,
        record=1,
        progress=False,
        on_summary=seen.append,
    )
    assert len(seen) == 1
    assert seen[0].recorded is None
    assert result.recorded is not None
    assert seen[0].table.equals(result.table)


def test_tornado_plot_is_written(tmp_path: Path) -> None:
    """The tornado helper takes names and low/high effects and writes both formats."""
    paths = plot_tornado(["drones", "support", "night"], [-2.0, 1.0, -0.5], [3.0, 1.5, 0.5], tmp_path / "t")
    assert [p.suffix for p in paths] == [".png", ".svg"]
    assert all(p.stat().st_size > 1000 for p in paths)


def test_tipping_point_curve_marks_the_crossing(tmp_path: Path) -> None:
    """The curve helper writes the figure; the crossing of 0.5 between x=2 (0.4) and x=3 (0.6) is x=2.5."""
    x, y = [1, 2, 3, 4], [0.2, 0.4, 0.6, 0.8]
    paths = plot_tipping_point(
        x, y, [v - 0.1 for v in y], [v + 0.1 for v in y], tmp_path / "tip", threshold=0.5
    )
    assert len(paths) == 2
    assert tipping_point(x, y, 0.5) == 2.5


def test_every_format_of_a_figure_keeps_the_first_drawings_layout(tmp_path: Path) -> None:
    """The layout is solved once, by the first format drawn: the SVG's axes stand where the PNG's did, and
    every label of both lies inside the figure."""
    from drillsim.core.figures import new_figure, save_figure

    fig = new_figure(6.0, 3.0)
    ax = fig.add_subplot(1, 2, 1)
    ax.hist([1.0, 2.0, 2.0, 3.0, 3.0, 3.0])
    ax.set_xlabel("time to first detection (h)")
    ax.set_ylabel("replications")
    fig.add_subplot(1, 2, 2).plot([0.0, 1.0], [0.0, 1.0])
    positions = []
    original = fig.savefig

    def savefig(*args: object, **kwargs: object) -> None:
        original(*args, **kwargs)
        positions.append([tuple(a.get_position().bounds) for a in fig.axes])
        renderer = fig.canvas.get_renderer()
        for a in fig.axes:
            box = a.get_tightbbox(renderer)
            assert box.x0 >= -1, box  # nothing cut at the left edge
            assert box.y0 >= -1, box  # nor at the bottom

    fig.savefig = savefig
    save_figure(fig, tmp_path / "figure", ("png", "svg"))
    assert len(positions) == 2
    assert positions[0] == positions[1]
    assert positions[0][0][0] > 0.05  # the layout made room for the y label (the default would be 0.125)
