"""Commands for sensitivity, kill-chain attribution and the "how realistic?" study.

``drillsim study [SCENARIO]`` calls :func:`drillsim.study.study.run_study`; ``drillsim sensitivity STORE``
calls :func:`drillsim.study.sensitivity.analyze_results`; ``drillsim attribution RESULT_DIR`` calls
:func:`drillsim.study.attribution.attribute_run`; ``drillsim screen [SCENARIO]`` calls
:func:`drillsim.study.screening.screen_scenario`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from drillsim.cli.options import WorkersOption

_console = Console(highlight=False, soft_wrap=True)
_err = Console(stderr=True, highlight=False, soft_wrap=True)


def study(
    scenario: Annotated[
        str, typer.Argument(help="Scenario file or embedded scenario name.", show_default=True)
    ] = "khatlon-2015",
    replications: Annotated[
        int,
        typer.Option("--replications", "-n", min=2, help="Replications (the batch size with --precision)."),
    ] = 30,
    precision: Annotated[
        float | None,
        typer.Option("--precision", help="Target CI half-width of each step probability (e.g. 0.05)."),
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Root seed; a fresh one when omitted.")] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Directory for report.html and study.json (default runs/study-NAME)."),
    ] = None,
    screen: Annotated[
        int,
        typer.Option(
            "--screen",
            min=0,
            help="Low-confidence inputs to screen one at a time; every number is also screened in groups "
            "(0: no screening).",
        ),
    ] = 4,
    until_s: Annotated[
        float | None, typer.Option("--until-s", help="Stop every run at this time (quick looks).")
    ] = None,
    groups: Annotated[
        str, typer.Option("--groups", help="Grouping of the Morris screening: none, entry, field or kind.")
    ] = "kind",
    trajectories: Annotated[
        int, typer.Option("--trajectories", min=2, help="Trajectories of the Morris screening.")
    ] = 10,
    workers: WorkersOption = None,
    battle_replications: Annotated[
        int,
        typer.Option(
            "--battle-replications",
            min=0,
            help="Replications of each public validation battle for the realism section (0: skip them).",
        ),
    ] = 100,
) -> None:
    """Run a scenario and its what-if variants and write the "how realistic?" report (HTML, offline)."""
    from drillsim.experiments.montecarlo import progress_bar
    from drillsim.scenario.io import load_scenario
    from drillsim.study.study import run_study, write_study
    from drillsim.validation.battles import BATTLES, compare_battle, run_battle
    from drillsim.validation.realism import assess_realism

    target = out if out is not None else Path("runs") / f"study-{Path(scenario).stem}"
    terminal = sys.stderr.isatty()
    with progress_bar(terminal, "study", unit="") as update:

        def say(message: str) -> None:
            """Each stage names itself in the bar on a terminal (its counts are the bar's), else a line."""
            if not terminal:
                _err.print(message, markup=False, emoji=False)
            elif not message.startswith(" "):
                update(0, None, description=message)

        result = run_study(
            scenario,
            replications=replications,
            precision=precision,
            rng=seed,
            out=None,
            until_s=until_s,
            screen=screen,
            screen_groups=groups,
            screen_trajectories=trajectories,
            executor=workers,
            progress=say,
            advance=update,
        )
        battles = []
        if battle_replications:
            say(f"running the public validation battles ({battle_replications} replications each)")
            battles = [
                compare_battle(run_battle(name, replications=battle_replications, rng=result.seed % 2**31))
                for name in BATTLES
            ]
    realism = assess_realism(result, load_scenario(scenario), battles=battles, duration_s=until_s)
    result.realism = realism.to_json()
    write_study(result, target)
    for s in (s for s in result.steps if s.scenario == result.scenario):
        _console.print(f"{s.measure:28s} {s.text()}", markup=False, emoji=False)
    for d in result.differences:
        if d.is_significant:
            _console.print(d.sentence(), markup=False, emoji=False)
    if result.morris is not None:
        top = ", ".join(f"{g.name} {g.influence:.2f}" for g in result.morris.ranked()[:3])
        _console.print(
            f"{result.morris.coverage_text()} (most influential: {top})", markup=False, emoji=False
        )
    _console.print("\n".join(realism.lines()), markup=False, emoji=False)
    _console.print(
        f"{result.replications} replications x {1 + len(result.variants)} scenarios in "
        f"{result.elapsed_s:.0f} s; "
        f"report written to {result.report_path}",
        markup=False,
        emoji=False,
    )


def sensitivity(
    store: Annotated[
        Path, typer.Argument(help="Results store directory of an experiment.", show_default=False)
    ],
    measure: Annotated[
        list[str] | None, typer.Option("--measure", "-m", help="Measures to analyse (default: all).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write sensitivity.json and tornado plots (SVG) here.")
    ] = None,
) -> None:
    """Main effects, interactions, partition tree (and Sobol indices for Sobol designs) of an experiment."""
    from drillsim.study.sensitivity import analyze_results, plot_effects

    report = analyze_results(store, measures=measure)
    _console.print(report.text(), markup=False, emoji=False)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "sensitivity.json").write_text(json.dumps(report.to_json(), indent=2, default=str) + "\n")
        for m in report.measures:
            plot_effects(report, m, out / f"tornado-{m}")
        _console.print(f"written to {out}", markup=False, emoji=False)


def screen(
    scenario: Annotated[
        str, typer.Argument(help="Scenario file or embedded scenario name.", show_default=True)
    ] = "khatlon-2015",
    groups: Annotated[
        str,
        typer.Option(
            "--groups",
            help="Group the numbers: none (each alone), entry (catalogue entry, unit, nation, phase...), "
            "field (one field across entries), kind (sensors, weapons, unit types, units, plan...).",
        ),
    ] = "kind",
    trajectories: Annotated[
        int, typer.Option("--trajectories", "-r", min=2, help="Morris trajectories.")
    ] = 10,
    fraction: Annotated[
        float, typer.Option("--range", help="Relative range: each number moves over +-this share.")
    ] = 0.25,
    replications: Annotated[
        int, typer.Option("--replications", "-n", min=1, help="Replications per design point.")
    ] = 1,
    measure: Annotated[
        list[str] | None, typer.Option("--measure", "-m", help="Measures (default: the scenario's).")
    ] = None,
    refine: Annotated[
        int,
        typer.Option(
            "--refine", min=0, help="Second stage: screen the members of the K most influential groups."
        ),
    ] = 0,
    refine_groups: Annotated[
        str, typer.Option("--refine-groups", help="Grouping of the second stage (none, entry, field, kind).")
    ] = "none",
    seed: Annotated[int | None, typer.Option("--seed", help="Root seed; a fresh one when omitted.")] = None,
    workers: WorkersOption = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write screening.json here.")] = None,
    progress: Annotated[
        bool | None,
        typer.Option("--progress/--no-progress", help="Progress bar on stderr (default: when a terminal)."),
    ] = None,
) -> None:
    """Screen every number of a scenario and its catalogue: Morris elementary effects with groups."""
    from drillsim.experiments.executors import ProcessPool
    from drillsim.experiments.montecarlo import progress_bar
    from drillsim.study.screening import refine_screening, screen_scenario

    runner = ProcessPool(workers)
    try:
        with progress_bar(progress, "screening") as update:
            result = screen_scenario(
                scenario,
                groups=groups,
                trajectories=trajectories,
                fraction=fraction,
                replications=replications,
                measures=measure,
                rng=seed,
                executor=runner,
                progress=update,
            )
        if refine:
            with progress_bar(progress, "second stage") as update:
                result = refine_screening(
                    result, scenario, top=refine, groups=refine_groups, executor=runner, progress=update
                )
    finally:
        runner.close()
    _console.print(result.text(), markup=False, emoji=False)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "screening.json").write_text(json.dumps(result.to_json(), indent=2, default=str) + "\n")
        _console.print(f"written to {out / 'screening.json'}", markup=False, emoji=False)


def attribution(
    result_dir: Annotated[
        Path, typer.Argument(help="Directory of a recorded run (drillsim run --out).", show_default=False)
    ],
    side: Annotated[
        str | None,
        typer.Option("--side", help="Side whose kill chain to analyse, or 'all' (default: the first side)."),
    ] = None,
    measure: Annotated[
        list[str] | None, typer.Option("--measure", "-m", help="Measures to attribute (default: all).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
    progress: Annotated[
        bool | None,
        typer.Option("--progress/--no-progress", help="Progress bar on stderr (default: when a terminal)."),
    ] = None,
) -> None:
    """Kill-chain attribution of a recorded run: each link's duration and its share (Shapley, of R^2) of each
    measure's variance across replications."""
    from drillsim.experiments.montecarlo import progress_bar
    from drillsim.study.attribution import attribute_run, attribute_sides

    with progress_bar(progress, "attributing") as update:
        if side == "all":
            results = attribute_sides(result_dir, measures=measure, progress=update)
        else:
            results = [attribute_run(result_dir, side=side, measures=measure, progress=update)]
    if as_json:
        data = [r.to_json() for r in results]
        _console.print_json(json.dumps(data if side == "all" else data[0], default=str))
    else:
        _console.print("\n\n".join(r.text() for r in results), markup=False, emoji=False)


def register(app: typer.Typer) -> None:
    """Add ``study``, ``sensitivity`` and ``attribution`` to the program."""
    app.command()(study)
    app.command()(sensitivity)
    app.command()(screen)
    app.command()(attribution)
