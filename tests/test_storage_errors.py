"""Writing onto a full disk or into a read-only directory: one paragraph naming the path, exit 2, and
nothing half-written (no ``*.tmp`` file, no half of the plots).

Both conditions are produced for real, in a child process, without privileges:

- a full disk: the child's ``RLIMIT_FSIZE`` (``resource.setrlimit``) caps the size of any file it writes,
  with SIGXFSZ ignored, so a write past the cap fails with EFBIG, as a write onto a full disk fails with
  ENOSPC: the same path through the code (an ``OSError`` in the middle of a file);
- a read-only directory: mode 0555. Root passes over permission bits, and CI runs as root in a
  container, so the child also drops the capabilities that let it (``CAP_DAC_OVERRIDE``,
  ``CAP_DAC_READ_SEARCH``, ``CAP_FOWNER``) from its bounding set before it starts drillsim: after
  ``exec`` it is a root without them, refused with EACCES like any user. As another user no drop is
  needed (and none is possible).
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

Cli = Callable[..., Any]
PR_CAPBSET_DROP = 24
PERMISSION_CAPABILITIES = (1, 2, 3)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER


def _restricted(file_size: int | None) -> Callable[[], None]:
    """What the child does before it starts drillsim: cap its file sizes, and heed permission bits."""

    def setup() -> None:
        if file_size is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
        if os.geteuid() == 0:
            libc = ctypes.CDLL(None, use_errno=True)
            for capability in PERMISSION_CAPABILITIES:
                if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
                    os._exit(99)  # the test's premise fails: seen as exit code 99, never as a pass

    return setup


def drillsim_child(*args: str, file_size: int | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``drillsim ARGS`` in a child process under the restrictions above."""
    return subprocess.run(
        [sys.executable, "-m", "drillsim", *args],
        preexec_fn=_restricted(file_size),  # runs in the child between fork and exec
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def assert_one_paragraph(result: subprocess.CompletedProcess[str], path: Path) -> None:
    """Exit 2, no traceback, one paragraph on stderr that names ``path``."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert str(path) in result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr


def leftovers(directory: Path) -> list[str]:
    """Temporary files and folders anywhere under ``directory``."""
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.name.endswith(".tmp"))


def small_experiment(folder: Path, scenario: Path) -> Path:
    """A one-factor experiment of one minute per replication, written into ``folder``."""
    path = folder / "experiment.yaml"
    path.write_text(
        f"experiment: e\nscenario: {scenario}\nseed: 1\nreplications: 1\nuntil_s: 60\n"
        "design: {kind: nolh}\nfactors:\n  environment.population.level: {low: 0.0, high: 0.6}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    """A directory with mode 0555 (given back its write bit afterwards, for clean-up)."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)


@pytest.mark.parametrize("command", ["run", "mc", "experiment"])
def test_read_only_output_is_refused_before_work(
    command: str, read_only: Path, example_path: Path, tmp_path: Path
) -> None:
    """run, mc and experiment into a read-only directory: refused at once, exit 2, the path named."""
    out = read_only / "out"
    if command == "experiment":
        experiment = small_experiment(tmp_path, example_path)
        result = drillsim_child("experiment", str(experiment), "--workers", "1", "--out", str(out))
    else:
        result = drillsim_child(command, str(example_path), "--seed", "1", "--out", str(out))
    assert_one_paragraph(result, out)
    assert "Permission denied" in result.stderr
    assert list(read_only.iterdir()) == []


def test_report_into_a_read_only_directory(
    read_only: Path, example_path: Path, tmp_path: Path, cli: Cli
) -> None:
    """report --out into a read-only directory: exit 2 naming it, before the report is drawn."""
    result_dir = tmp_path / "result"
    assert cli("run", str(example_path), "--seed", "1", "--out", str(result_dir)).code == 0
    result = drillsim_child("report", str(result_dir), "--out", str(read_only / "report.html"))
    assert_one_paragraph(result, read_only)
    assert list(read_only.iterdir()) == []


def test_full_disk_during_mc_leaves_no_half_plots(tmp_path: Path) -> None:
    """mc with files capped just above the size of the result's largest file: the result is written, the
    plots fail on the first one larger than the cap: exit 2 naming the plots; no plot at all is left, no
    temporary file.

    The square-law battle is used because its plots are larger than its result files (its saved scenario,
    two unit types and their weapons and sensor, is smaller than the teaching example's); an uncapped run
    measures both first, and the test fails, never skips, if that premise stops holding.
    """
    import yaml
    from tests.synthetic_scenarios import lanchester_scenario

    scenario = tmp_path / "square-law.yaml"
    scenario.write_text(yaml.safe_dump(lanchester_scenario(), sort_keys=False), encoding="utf-8")
    # 200 replications: their distribution plots (56 kB) outgrow every result file (saved scenario: 18 kB).
    args = ("mc", str(scenario), "-n", "200", "--batch", "50", "--workers", "1", "--record", "1")
    args = (*args, "--seed", "1")
    free = tmp_path / "free"
    assert drillsim_child(*args, "--out", str(free)).returncode == 0
    result_files = [f for f in free.iterdir() if f.is_file() and f.name != "report.html"]
    cap = max(f.stat().st_size for f in result_files) + 1
    assert max(f.stat().st_size for f in (free / "plots").iterdir()) > cap  # the premise

    out = tmp_path / "mc"
    result = drillsim_child(*args, "--out", str(out), file_size=cap)
    assert_one_paragraph(result, out / "plots")
    assert "File too large" in result.stderr
    assert leftovers(tmp_path) == []
    assert not (out / "plots").exists()
    assert not (out / "report.html").exists()
    assert (out / "manifest.json").is_file()


def test_full_disk_during_run_leaves_a_complete_result(example_path: Path, tmp_path: Path, cli: Cli) -> None:
    """run with files capped at 200 kB: the report (larger) fails, exit 2 naming report.html; no
    temporary file; the result itself is complete and its report can be written later."""
    out = tmp_path / "run"
    result = drillsim_child("run", str(example_path), "--seed", "1", "--out", str(out), file_size=200_000)
    assert_one_paragraph(result, out / "report.html")
    assert leftovers(tmp_path) == []
    assert not (out / "report.html").exists()
    assert cli("report", str(out)).code == 0


def test_full_disk_for_an_experiment_store(example_path: Path, tmp_path: Path) -> None:
    """experiment with files capped at 1 kB: the store's first file fails; exit 2, no temporary file."""
    experiment = small_experiment(tmp_path, example_path)
    out = tmp_path / "store"
    result = drillsim_child(
        "experiment", str(experiment), "--workers", "1", "--out", str(out), file_size=1_000
    )
    assert_one_paragraph(result, out)
    assert "File too large" in result.stderr
    assert leftovers(tmp_path) == []
