"""Damaged compiled files: an import that fails on a ``.pyc`` in a ``__pycache__`` folder, explained.

Python reads a module's compiled file instead of its source when the file's header matches the source (its
size and time); a file cut short or overwritten after the header (a full disk while it was written, a copy
interrupted) then fails on every import with ``EOFError: marshal data too short`` or ``ValueError: bad
marshal data``. The command line would show only that, or (where the import happens inside a command) the
command-line library's ``Aborted!``; :func:`damaged_bytecode` turns it into one paragraph naming the file.
"""

from __future__ import annotations

from pathlib import Path

from drillsim.core.errors import UserError

__all__ = ["damaged_bytecode"]

_LOADER_FRAMES = frozenset({"_compile_bytecode", "get_code"})
"""Functions of Python's import machinery that read a compiled file (``importlib._bootstrap_external``)."""


def _bytecode_path(exc: BaseException) -> tuple[bool, str | None]:
    """Whether ``exc`` was raised while Python read a compiled file, and that file's path when known."""
    tb = exc.__traceback__
    found, path = False, None
    while tb is not None:
        frame = tb.tb_frame
        code = frame.f_code
        if code.co_name in _LOADER_FRAMES and code.co_filename.startswith("<frozen importlib"):
            where = frame.f_locals.get("bytecode_path")
            if code.co_name == "_compile_bytecode":
                found = True
            if isinstance(where, str):
                path = where
        tb = tb.tb_next
    return found, path


def damaged_bytecode(exc: BaseException) -> UserError | None:
    """A clear error when ``exc`` comes from reading a damaged compiled file (``.pyc``), else None."""
    found, path = _bytecode_path(exc)
    if not found:
        return None
    package = Path(__file__).resolve().parents[1]
    what = f"the file {path}" if path is not None else f"a .pyc file in a __pycache__ folder under {package}"
    return UserError(
        f"a compiled Python file of drillsim is damaged ({type(exc).__name__}: {exc}): {what}. Python reads "
        "it instead of its source, so every command that loads it fails (a disk that filled up, or a copy "
        f"cut short, while it was written). Delete it, or every __pycache__ folder under {package} "
        f"(find {package} -name __pycache__ -prune -exec rm -rf {{}} +), and run the command again: Python "
        "compiles the sources anew."
    )
