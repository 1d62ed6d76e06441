"""The ``drillsim`` command line: a thin layer over the public Python API."""

from drillsim.cli.app import app, main

__all__ = ["app", "main", "run_main"]


def run_main() -> None:
    """Console-script entry point."""
    raise SystemExit(main())
