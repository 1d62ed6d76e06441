"""What a result directory holds: ``manifest.json``, written last and atomically.

A writer first marks the directory incomplete (a manifest with ``complete: false``), then writes its files,
then the manifest that lists each file with its size, row count (Parquet) and SHA-256. A reader checks
the manifest before it trusts any file: a directory that is incomplete (a writer was interrupted), mixed
(a data file the manifest does not list, or one listed but gone) or corrupt (a file whose hash differs)
is refused with a :class:`~drillsim.core.errors.InputError` naming the file.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from drillsim.core.errors import InputError, Location, UserError
from drillsim.core.files import write_atomically

__all__ = [
    "MANIFEST_FILE",
    "RESULT_FILES",
    "check_manifest",
    "check_writable",
    "holds_result",
    "mark_incomplete",
    "remove_stale",
    "write_manifest",
]

MANIFEST_FILE = "manifest.json"
MANIFEST_FORMAT = "drillsim-result"
MANIFEST_VERSION = 1
RESULT_FILES = (
    "events.parquet",
    "outcomes.parquet",
    "run.json",
    "scenario.yaml",
    "replications.parquet",
    "summary.json",
)
"""The files a result directory may hold; each one present must be listed in the manifest (other files,
such as a person's notes, are left alone)."""
_CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _rows(path: Path) -> int | None:
    if path.suffix != ".parquet":
        return None
    import pyarrow.parquet as pq

    return int(pq.read_metadata(path).num_rows)


def _write_atomic(path: Path, data: dict[str, Any]) -> None:
    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(json.dumps(data, indent=2, sort_keys=True) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    write_atomically(path, write)


def mark_incomplete(directory: Path, kind: str, **extra: Any) -> None:
    """Say that a writer is at work in ``directory``: readers refuse it until :func:`write_manifest`.

    ``extra`` (such as the plan of a run, for resuming it) is kept; without it, the ``plan`` of an
    incomplete manifest already there is kept."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / MANIFEST_FILE
    if not extra and path.is_file():
        try:
            earlier = json.loads(path.read_text(encoding="utf-8"))
            if earlier.get("complete") is False and "plan" in earlier:
                extra = {"plan": earlier["plan"]}
        except (OSError, ValueError, AttributeError):
            pass
    _write_atomic(
        path,
        {
            "format": MANIFEST_FORMAT,
            "version": MANIFEST_VERSION,
            "kind": kind,
            "complete": False,
            "files": {},
            **extra,
        },
    )


def remove_stale(directory: Path, keep: Iterable[str] = ()) -> list[str]:
    """Delete the result files (:data:`RESULT_FILES`, and ``*.tmp`` leftovers) of an earlier result in
    ``directory``, except ``keep``; returns the names removed. No other file is touched."""
    kept = set(keep)
    removed: list[str] = []
    if not directory.is_dir():
        return removed
    for path in sorted(directory.iterdir()):
        if not path.is_file() or path.name in kept or path.name == MANIFEST_FILE:
            continue
        if path.name in RESULT_FILES or path.name.endswith(".tmp"):
            path.unlink()
            removed.append(path.name)
    return removed


def write_manifest(directory: Path, kind: str, files: Iterable[str], **extra: Any) -> Path:
    """List ``files`` of ``directory`` (size, rows, SHA-256) in its manifest, atomically; the directory
    is complete from then on."""
    listed: dict[str, dict[str, Any]] = {}
    for name in sorted(set(files)):
        path = directory / name
        listed[name] = {"bytes": path.stat().st_size, "rows": _rows(path), "sha256": file_sha256(path)}
    target = directory / MANIFEST_FILE
    data = {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "kind": kind,
        "complete": True,
        "files": listed,
        **extra,
    }
    _write_atomic(target, data)
    return target


def _bad(path: Path, message: str, *, expected: str, found: str | None = None) -> InputError:
    return InputError(message, location=Location(str(path)), expected=expected, found=found)


def read_manifest(directory: Path) -> dict[str, Any]:
    """The manifest of ``directory`` as written; an :class:`InputError` when absent or unreadable."""
    path = directory / MANIFEST_FILE
    if not path.is_file():
        raise _bad(
            path,
            "no manifest: this directory was not finished by drillsim (interrupted, or written by an older "
            "version)",
            expected="the manifest.json that 'drillsim run' and 'drillsim mc' write last; run again",
            found="no such file",
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
        complete = data["complete"]
        if data.get("format") != MANIFEST_FORMAT or not isinstance(files, dict):
            raise ValueError("not a drillsim manifest")
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise _bad(
            path, f"not a readable manifest: {exc}", expected="a manifest written by drillsim"
        ) from None
    if complete is not True:
        raise _bad(
            path,
            "incomplete result: the run that wrote this directory did not finish",
            expected="a finished result; resume it ('drillsim mc --resume DIR') or run it again",
            found="a manifest that says complete: false",
        )
    out: dict[str, Any] = data
    return out


def check_manifest(directory: Path) -> dict[str, Any]:
    """Check ``directory`` against its manifest (every listed file present with its size and SHA-256,
    no unlisted data file); returns the manifest. Raises :class:`InputError` naming the first bad file."""
    manifest = read_manifest(directory)
    files: dict[str, Any] = manifest["files"]
    for name, entry in sorted(files.items()):
        path = directory / name
        if Path(name).name != name:
            raise _bad(directory / MANIFEST_FILE, f"the manifest lists {name!r}", expected="plain file names")
        if not path.is_file():
            raise _bad(
                path,
                "a file of this result is missing",
                expected=f"{name} as the manifest lists it",
                found="no such file",
            )
        try:
            size, sha = int(entry["bytes"]), str(entry["sha256"])
        except (KeyError, TypeError, ValueError):
            raise _bad(
                directory / MANIFEST_FILE, f"the entry of {name} is malformed", expected="bytes, sha256"
            ) from None
        if path.stat().st_size != size or file_sha256(path) != sha:
            raise _bad(
                path,
                "the file does not belong with the others: it changed after the result was written "
                "(size or SHA-256 differs from manifest.json)",
                expected=f"{size:,} bytes with SHA-256 {sha[:16]}...",
                found=f"{path.stat().st_size:,} bytes",
            )
    strays = [
        p.name
        for p in sorted(directory.iterdir())
        if p.is_file() and p.name in RESULT_FILES and p.name not in files
    ]
    if strays:
        raise _bad(
            directory / strays[0],
            "a mixed result directory: this file is not part of the result the manifest describes",
            expected="only the files manifest.json lists: " + ", ".join(sorted(files)),
            found=", ".join(strays),
        )
    return manifest


def holds_result(directory: Path) -> bool:
    """True when ``directory`` holds (part of) a result: a manifest or any of :data:`RESULT_FILES`."""
    if not directory.is_dir():
        return False
    return any((directory / name).exists() for name in (MANIFEST_FILE, *RESULT_FILES))


MIN_FREE_BYTES = 64 * 1024 * 1024
"""An output location with less free space than this is refused before any work starts."""


def check_writable(directory: Path, *, min_free: int = MIN_FREE_BYTES) -> None:
    """Refuse, before work starts, an output directory that cannot be created or written, or whose file
    system is nearly full: a :class:`~drillsim.core.errors.UserError` naming the path."""
    import shutil
    import tempfile

    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".drillsim-probe-") as fh:
            fh.write(b"x")
            fh.flush()
            os.fsync(fh.fileno())
        free = shutil.disk_usage(directory).free
    except OSError as exc:
        raise UserError(
            f"cannot write to {directory}: {exc.strerror or exc}; choose another output directory."
        ) from None
    if free < min_free:
        raise UserError(
            f"not enough free space at {directory}: {free / 1e6:,.1f} MB free, at least "
            f"{min_free / 1e6:,.0f} MB needed; free some space or choose another output directory."
        )
