"""Analysis of simulation output and of history: Lanchester attrition models and historical validation.

The Lanchester toolkit lives in :mod:`drillsim.analysis.lanchester`; the shipped historical data sets and the
reproductions of published fits live in :mod:`drillsim.analysis.history`.
"""

__all__ = ["history", "lanchester"]
