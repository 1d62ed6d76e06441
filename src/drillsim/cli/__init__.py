"""The ``drillsim`` command line: a thin layer over the public Python API."""

import sys as _sys
import typing as _typing

from drillsim.core.exports import lazy_exports as _lazy_exports

if _typing.TYPE_CHECKING:  # names load on first use (drillsim.core.exports)
    from drillsim.cli.app import app, main

__all__ = ["app", "main", "run_main"]

_HOME = {"app": "drillsim.cli.app", "main": "drillsim.cli.app"}
"""Where each public name is defined."""

__getattr__, __dir__ = _lazy_exports(__name__, _HOME, globals(), subpackages=True)


def run_main() -> None:
    """Console-script entry point (and ``python -m drillsim``).

    The command line is imported here, so that a damaged compiled file among the modules it loads first
    is reported as clearly as one a command loads later (:func:`drillsim.core.bytecode.damaged_bytecode`).
    """
    try:
        from drillsim.cli.app import main
    except Exception as exc:
        from drillsim.core.bytecode import damaged_bytecode

        error = damaged_bytecode(exc)
        if error is None:
            raise
        _sys.stderr.write(f"error: {error}\n")
        raise SystemExit(error.exit_code) from None
    raise SystemExit(main())
