"""``python -m drillsim`` runs the command line."""

from drillsim.cli import run_main

run_main()
