"""The command line as a new user meets it: quick help, readable placeholders, whole names, completion,
no silent overwrite, a helpful word for the wrong kind of file, and a schema with a real ``$id``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import drillsim
from drillsim.cli.app import app, readable_placeholders

Cli = Callable[..., Any]


def _all_commands() -> list[list[str]]:
    """Every command and sub-command of the program, as the words a user types."""
    import typer

    found: list[list[str]] = []

    def walk(command: Any, words: list[str]) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            found.append([*words, name])
            walk(sub, [*words, name])

    walk(readable_placeholders(typer.main.get_command(app)), [])
    return found


def test_help_loads_neither_the_engine_nor_numba() -> None:
    """``drillsim --help`` imports no engine, Numba, NumPy or pydantic: that is what makes it start fast."""
    code = (
        "import sys; from drillsim.cli import main; main(['--help']); "
        "heavy = ('numba', 'numpy', 'pydantic', 'pyarrow', 'drillsim.engine', 'drillsim.scenario.models'); "
        "print(','.join(m for m in heavy if m in sys.modules), file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert "Commands" in done.stdout
    assert done.stderr.strip() == ""


def test_a_run_too_large_is_refused_before_the_engine_loads(tmp_path: Path) -> None:
    """``drillsim run`` refuses a file of 10^12 elements with the memory estimate, read from the file,
    before it imports the scenario models, the engine, Numba or SciPy: that is what makes it quick (the
    benchmark's own scenario, ``benchmarks.startup.huge_scenario``)."""
    from benchmarks.startup import huge_scenario

    scenario = huge_scenario(tmp_path)
    code = (
        "import sys; from drillsim.cli import main; "
        "code = main(['run', sys.argv[1], '--out', sys.argv[2]]); "
        "heavy = ('numba', 'scipy', 'drillsim.scenario.models', 'drillsim.engine.simulation', "
        "'drillsim.mechanics', 'drillsim.report'); "
        "print('loaded:' + ','.join(m for m in heavy if m in sys.modules), file=sys.stderr); sys.exit(code)"
    )
    out = tmp_path / "refused"
    done = subprocess.run(
        [sys.executable, "-c", code, str(scenario), str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "needs about" in done.stderr
    assert re.search(r"1,000,000,000,0\d\d elements x 1 replications", done.stderr), done.stderr
    assert done.stderr.strip().endswith("loaded:"), done.stderr
    assert not out.exists()


def test_every_help_page_has_readable_placeholders(cli: Cli) -> None:
    """No command's help shows a Python annotation such as ``<list[str]>`` as a placeholder."""
    commands = _all_commands()
    assert ["results", "query"] in commands
    for words in commands:
        result = cli(*words, "--help")
        assert result.code == 0, words
        assert "list[" not in result.out, (words, result.out)
    assert "--measure MEASURE" in cli("mc", "--help").out
    assert "VARIANT..." in cli("compare", "--help").out
    assert " range>" not in cli("mc", "--help").out  # a bounded number reads as <int>, bounds after it


def test_usage_lines_show_arguments_bare_or_in_brackets(cli: Cli) -> None:
    """A required argument is shown bare in the usage line and an optional one in brackets, never in
    braces (which read as a set of choices)."""
    assert "Usage: drillsim compare [OPTIONS] BASE VARIANT..." in cli("compare", "--help").out
    assert "Usage: drillsim run [OPTIONS] [SCENARIO]" in cli("run", "--help").out
    for words in _all_commands():
        usage = cli(*words, "--help").out.splitlines()[0]
        assert "{" not in usage, usage


def test_scenarios_shows_every_name_whole_at_80_columns(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """At 80 columns every embedded name, and the name each extends, is printed whole on one line and no
    line is wider than 80."""
    monkeypatch.setenv("COLUMNS", "80")
    result = cli("scenarios")
    assert result.code == 0
    lines = result.out.splitlines()
    assert max(len(line) for line in lines) <= 80
    for entry in drillsim.library_entries():
        assert any(f" {entry.name} " in line for line in lines), entry.name
        if entry.extends:
            assert any(f" {entry.name} " in line and f" {entry.extends} " in line for line in lines), entry
    assert "…" not in result.out


def test_completion_is_on() -> None:
    """The shell asks ``drillsim`` for completions and gets the command names back."""
    env = {
        **os.environ,
        "_DRILLSIM_COMPLETE": "complete_bash",
        "COMP_WORDS": "drillsim scen",
        "COMP_CWORD": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", "from drillsim.cli import run_main; run_main()"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "scenarios" in done.stdout.split()


def test_help_offers_to_install_completion(cli: Cli) -> None:
    """``drillsim --help`` lists ``--install-completion``."""
    assert "--install-completion" in cli("--help").out


def test_run_refuses_to_replace_a_result_without_force(example_path: Path, tmp_path: Path, cli: Cli) -> None:
    """``drillsim run --out DIR`` refuses a DIR holding a result, and replaces it with ``--force``."""
    out = tmp_path / "out"
    first = cli("run", str(example_path), "--seed", "1", "--out", str(out))
    assert first.code == 0, first.err
    written = (out / "outcomes.parquet").stat().st_mtime_ns
    again = cli("run", str(example_path), "--seed", "2", "--out", str(out))
    assert again.code == 2
    assert "already holds a result" in again.err
    assert "--force" in again.err
    assert (out / "outcomes.parquet").stat().st_mtime_ns == written
    forced = cli("run", str(example_path), "--seed", "2", "--out", str(out), "--force")
    assert forced.code == 0, forced.err
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["seed"] == 2


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (None, "a scenario file"),
        ("schema_version: 1\ncatalogue: extra-v1\nunit_types: {}\n", "a catalogue file"),
        ("experiment: e\nscenario: khatlon-2015-v1\n", "an experiment file"),
    ],
)
def test_check_names_the_kind_of_file_it_was_given(
    text: str | None, kind: str, example_path: Path, tmp_path: Path, cli: Cli
) -> None:
    """``drillsim check`` given a scenario (or catalogue, or experiment) file says so, and what it takes."""
    path = example_path
    if text is not None:
        path = tmp_path / "other.yaml"
        path.write_text(text, encoding="utf-8")
    result = cli("check", str(path))
    assert result.code == 2
    assert f"this is {kind}, not an assertion file" in result.err
    assert "Did you mean" not in result.err
    assert "Traceback" not in result.err


def test_schema_id_names_the_kind_and_schema_version(cli: Cli) -> None:
    """Each schema has an ``$id`` URN naming its kind and ``schema_version``; every ``$ref`` is local."""
    from drillsim.scenario.models import SCHEMA_VERSION

    ids = set()
    for kind in ("scenario", "catalogue"):
        text = cli("schema", "--kind", kind).out
        schema = json.loads(text)
        assert schema["$id"].startswith("urn:drillsim:schema:")
        assert schema["$id"].endswith(f":{kind}:v{SCHEMA_VERSION}")
        assert ".invalid" not in text
        ids.add(schema["$id"])
        refs = [part.split('"')[0] for part in text.split('"$ref": "')[1:]]
        assert refs
        assert all(ref.startswith("#/") for ref in refs)
    assert len(ids) == 2


def _damage_compiled(package: Path, module: str) -> Path:
    """Compile ``module`` of the copied ``package`` and cut its .pyc short after the header, as a full
    disk would; Python still takes it for the source's (the header matches) and fails to read it."""
    import compileall
    import importlib.util

    source = package.joinpath(*module.split(".")[1:]).with_suffix(".py")
    assert compileall.compile_file(str(source), quiet=1)
    compiled = Path(importlib.util.cache_from_source(str(source)))
    compiled.write_bytes(compiled.read_bytes()[:40])
    return compiled


@pytest.mark.parametrize(
    ("module", "args"),
    [
        ("drillsim.scenario.io", ["validate"]),  # loaded inside the command
        ("drillsim.cli.console", ["--help"]),  # loaded before any command
    ],
)
def test_a_damaged_compiled_file_is_named_not_aborted(
    tmp_path: Path, example_path: Path, module: str, args: list[str]
) -> None:
    """A .pyc cut short, in a copy of the package: one paragraph naming the file and how to mend it, exit
    2, neither a traceback nor a bare 'Aborted!'."""
    import shutil

    package = tmp_path / "drillsim"
    shutil.copytree(Path(drillsim.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    compiled = _damage_compiled(package, module)
    argv = [*args, str(example_path)] if args == ["validate"] else args
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "drillsim", *argv], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 2, done.stderr
    assert "Aborted" not in done.stderr
    assert "Traceback" not in done.stderr
    assert str(compiled) in done.stderr
    assert "marshal data" in done.stderr
    assert "__pycache__" in done.stderr
    assert done.stderr.startswith("error: ")


def test_ctrl_c_during_a_run_leaves_no_spooled_events(tmp_path: Path, example_path: Path) -> None:
    """Ctrl-C while ``run -n 10`` spools its events: exit 130, 'interrupted', the temporary event file
    removed, and no result directory claiming to be whole."""
    import signal
    import time

    spool_root = tmp_path / "tmp"
    spool_root.mkdir()
    out = tmp_path / "run"
    env = {**os.environ, "TMPDIR": str(spool_root)}
    args = ["run", str(example_path), "-n", "10", "--seed", "1", "--out", str(out)]
    with subprocess.Popen(
        [sys.executable, "-m", "drillsim", *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    ) as child:
        deadline = time.monotonic() + 600
        while not list(spool_root.glob("drillsim-events-*/events.parquet")):
            assert child.poll() is None, child.stderr.read() if child.stderr else ""
            assert time.monotonic() < deadline, "the run never started spooling its events"
            time.sleep(0.05)
        child.send_signal(signal.SIGINT)
        _, stderr = child.communicate(timeout=120)
    assert child.returncode == 130, stderr
    assert "interrupted" in stderr
    assert "Traceback" not in stderr
    assert list(spool_root.iterdir()) == []
    assert not (out / "manifest.json").exists()
