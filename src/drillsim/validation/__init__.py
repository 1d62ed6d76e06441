"""Validation against history and theory: the Lanchester toolkit, historical data sets and published fits,
CDB90, casualties per round of the area weapons, and the checks that ``drillsim validate-models`` runs.
Submodules are imported on use."""

__all__ = ["cdb90", "checks", "history", "lanchester", "lethality"]
