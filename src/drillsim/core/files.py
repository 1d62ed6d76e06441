"""Files written whole or not at all: each under a temporary name in its folder, then renamed into place.

A write that fails (a full disk, a file-size limit, a read-only file system) removes its temporary file
and raises an ``OSError`` that names the file meant, with the system's error number, so the command line
can say what happened in one paragraph (see :func:`storage_errno`).
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Callable
from pathlib import Path

__all__ = ["STORAGE_ERRORS", "storage_errno", "write_atomically", "write_text_atomically"]

TMP_SUFFIX = ".tmp"
STORAGE_ERRORS = frozenset({errno.ENOSPC, errno.EACCES, errno.EROFS, errno.EDQUOT, errno.EPERM, errno.EFBIG})
"""Errors of the output location (full, read-only, forbidden, over a size limit): the user's to fix."""
_ERRNO_IN_TEXT = re.compile(r"\[errno (\d+)\]", flags=re.I)


def storage_errno(exc: OSError) -> int | None:
    """The error number of ``exc``; for libraries that put it only in the message (Arrow's "[errno 28]
    ..."), read from there."""
    if exc.errno is not None:
        return exc.errno
    match = _ERRNO_IN_TEXT.search(str(exc))
    return int(match.group(1)) if match else None


def write_atomically(path: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` for a temporary file beside ``path``, then rename it to ``path``; returns ``path``.

    On failure the temporary file is removed; an ``OSError`` is raised again naming ``path``.
    """
    tmp = path.with_name(path.name + TMP_SUFFIX)
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        number = storage_errno(exc)
        if number is None:
            raise
        raise OSError(number, os.strerror(number), str(path)) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_text_atomically(path: Path, text: str) -> Path:
    """Write UTF-8 text to ``path`` whole or not at all (see :func:`write_atomically`)."""
    return write_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
