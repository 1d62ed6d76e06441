"""Explaining results: screening and sensitivity of inputs, kill-chain attribution, and the "how realistic?"
study. Submodules are imported on use (``from drillsim.study.study import run_study``)."""

__all__ = ["attribution", "sensitivity", "study"]
