"""``python -m drillsim`` runs the command line."""

from drillsim.cli import main

raise SystemExit(main())
