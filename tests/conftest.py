"""Fixtures shared by the whole suite: the examples, small bad files, and the command line run in-process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from drillsim.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@dataclass(frozen=True)
class CliResult:
    """What one run of the command line gave back."""

    code: int
    out: str
    err: str


@pytest.fixture
def examples_dir() -> Path:
    """The repository's examples folder."""
    return EXAMPLES


@pytest.fixture
def example_path() -> Path:
    """The teaching example every bad-input test starts from."""
    return EXAMPLES / "crossing-defence.yaml"


@pytest.fixture
def example_text(example_path: Path) -> str:
    """The text of the teaching example."""
    return example_path.read_text(encoding="utf-8")


@pytest.fixture
def edit(tmp_path: Path, example_text: str) -> Callable[..., Path]:
    """Write the example with one change into ``tmp_path``; the old text must occur exactly once."""

    def write(old: str, new: str, *, name: str = "scenario.yaml") -> Path:
        assert example_text.count(old) == 1, f"{old!r} occurs {example_text.count(old)} times in the example"
        path = tmp_path / name
        path.write_text(example_text.replace(old, new), encoding="utf-8")
        return path

    return write


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run ``drillsim ARGS...`` in this process; returns the exit code and what it printed."""

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def scenario_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, example_text: str) -> Path:
    """An embedded library holding the real catalogues and the example as ``crossing-defence-v1``."""
    from drillsim.scenario import library

    real = library._root()
    root = tmp_path / "library"
    (root / "catalogues").mkdir(parents=True)
    for item in real.joinpath("catalogues").iterdir():
        if item.name.endswith(".yaml"):
            (root / "catalogues" / item.name).write_text(item.read_text(encoding="utf-8"), encoding="utf-8")
    (root / "crossing-defence-v1.yaml").write_text(example_text, encoding="utf-8")
    monkeypatch.setattr(library, "_root", lambda: root)
    return root


# Speed is measured by the benchmark suite, never by tests: no Hypothesis deadlines (a first call may also
# load compiled kernels from numba's cache, which would trip a deadline for reasons unrelated to the test).
settings.register_profile("drillsim", deadline=None)
settings.load_profile("drillsim")


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--update-golden`` rewrites tests/golden/digests.json instead of checking it."""
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="record the golden digests anew (a deliberate model change; say why in the changelog)",
    )
