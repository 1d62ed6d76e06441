"""Result directories record what they hold (``manifest.json``), and readers refuse anything else.

A mixed, incomplete or corrupt directory gives ``report`` and ``view`` a one-paragraph error naming the
file (exit 2), never a traceback; ``mc --out`` does not write over another result without ``--force``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from drillsim.core.manifest import MANIFEST_FILE, RESULT_FILES, file_sha256, mark_incomplete
from drillsim.experiments.montecarlo import monte_carlo

Cli = Callable[..., Any]


@pytest.fixture(scope="module")
def mc_dirs(example: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two Monte Carlo results of the example (4 and 6 replications, one recorded each)."""
    base = tmp_path_factory.mktemp("manifest")
    out = {}
    for name, n in (("four", 4), ("six", 6)):
        result = monte_carlo(
            str(example), replications=n, rng=3, batch=2, executor=1, record=1, progress=False
        )
        out[name] = result.write(base / name)
    return out


def copy_of(directory: Path, tmp_path: Path) -> Path:
    """A copy of a result directory to spoil."""
    target = tmp_path / "copy"
    shutil.copytree(directory, target)
    return target


def assert_refused(cli: Cli, directory: Path, *words: str) -> None:
    """``report`` and ``view`` both exit 2 with one paragraph holding ``words``, and no traceback."""
    for command in (("report", str(directory)), ("view", str(directory), "--no-browser")):
        result = cli(*command)
        assert result.code == 2, (command, result.err)
        assert "Traceback" not in result.err
        for word in words:
            assert word in result.err, (command, result.err)


def test_manifest_lists_every_file_with_rows_and_hash(mc_dirs: dict[str, Path]) -> None:
    """The manifest is complete and lists each result file with its size, rows and SHA-256."""
    directory = mc_dirs["four"]
    manifest = json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest["complete"] is True
    present = sorted(name for name in RESULT_FILES if (directory / name).is_file())
    assert sorted(manifest["files"]) == present
    assert manifest["files"]["replications.parquet"]["rows"] == 4
    for name, entry in manifest["files"].items():
        assert entry["sha256"] == file_sha256(directory / name)
        assert entry["bytes"] == (directory / name).stat().st_size


def test_mixed_directory_is_refused(mc_dirs: dict[str, Path], tmp_path: Path, cli: Cli) -> None:
    """Rows of 6 replications beside the summary and recorded run of 4: refused, naming the file."""
    target = copy_of(mc_dirs["four"], tmp_path)
    shutil.copy(mc_dirs["six"] / "replications.parquet", target / "replications.parquet")
    assert_refused(cli, target, "replications.parquet", "does not belong")


def test_interrupted_write_is_refused(mc_dirs: dict[str, Path], tmp_path: Path, cli: Cli) -> None:
    """A directory a writer marked incomplete (and never finished) is refused as incomplete."""
    target = copy_of(mc_dirs["four"], tmp_path)
    mark_incomplete(target, "monte-carlo")
    assert_refused(cli, target, "incomplete", MANIFEST_FILE)


def test_unlisted_result_file_is_refused(mc_dirs: dict[str, Path], tmp_path: Path, cli: Cli) -> None:
    """A result file the manifest does not list (left by another run) makes the directory mixed."""
    target = copy_of(mc_dirs["four"], tmp_path)
    manifest = json.loads((target / MANIFEST_FILE).read_text(encoding="utf-8"))
    del manifest["files"]["events.parquet"]
    (target / MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")
    assert_refused(cli, target, "mixed", "events.parquet")


def test_directory_without_manifest_is_refused(mc_dirs: dict[str, Path], tmp_path: Path, cli: Cli) -> None:
    """Without a manifest the directory was never finished: refused, naming manifest.json."""
    target = copy_of(mc_dirs["four"], tmp_path)
    (target / MANIFEST_FILE).unlink()
    assert_refused(cli, target, MANIFEST_FILE)


@pytest.mark.parametrize("name", [*RESULT_FILES, MANIFEST_FILE])
@pytest.mark.parametrize("spoil", ["truncate", "empty", "garbage", "delete"])
def test_spoiled_file_is_refused(
    mc_dirs: dict[str, Path], tmp_path: Path, cli: Cli, name: str, spoil: str
) -> None:
    """Each file truncated, emptied, overwritten or deleted: exit 2 with one paragraph, no traceback."""
    target = copy_of(mc_dirs["four"], tmp_path)
    path = target / name
    data = path.read_bytes()
    if spoil == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif spoil == "empty":
        path.write_bytes(b"")
    elif spoil == "garbage":
        path.write_bytes(b"\x00garbage: [" + data[20:])
    else:
        path.unlink()
    assert_refused(cli, target, name if spoil != "delete" or name != MANIFEST_FILE else MANIFEST_FILE)


def test_mc_out_refuses_a_directory_holding_a_result(
    mc_dirs: dict[str, Path], example: Path, tmp_path: Path, cli: Cli
) -> None:
    """``mc --out`` into another result exits 2 and changes nothing; with --force it replaces it."""
    target = copy_of(mc_dirs["six"], tmp_path)
    before = {p.name: p.read_bytes() for p in target.iterdir() if p.is_file()}
    args = ("mc", str(example), "-n", "2", "--batch", "2", "--seed", "3", "--workers", "1", "--record", "1")
    refused = cli(*args, "--out", str(target))
    assert refused.code == 2
    assert "--force" in refused.err
    assert {p.name: p.read_bytes() for p in target.iterdir() if p.is_file()} == before
    forced = cli(*args, "--out", str(target), "--force")
    assert forced.code == 0, forced.err
    manifest = json.loads((target / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest["files"]["replications.parquet"]["rows"] == 2
