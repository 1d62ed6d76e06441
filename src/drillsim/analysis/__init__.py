"""Analysis of simulation output and of history: Lanchester attrition models and historical validation.

The Lanchester toolkit lives in :mod:`drillsim.analysis.lanchester`; the shipped historical data sets and the
reproductions of published fits live in :mod:`drillsim.analysis.history`; the CDB90 battle database and the
out-of-sample tests of force-ratio and Lanchester-style predictions on it in :mod:`drillsim.analysis.cdb90`.
"""

__all__ = ["cdb90", "designs", "executors", "experiment", "history", "lanchester", "store"]

# Monte Carlo, comparisons, statistical assertions and plots (issue 5, items 1, 2, 6, 7). The function
# ``compare`` is not re-exported here: it would hide the submodule of the same name.
from drillsim.analysis import assertions, compare, montecarlo, plots
from drillsim.analysis.assertions import (
    AssertionReport,
    Verdict,
    check_assertions,
    load_assertions,
)
from drillsim.analysis.compare import Comparison, Difference
from drillsim.analysis.montecarlo import (
    MeasureStatistics,
    MonteCarloResult,
    monte_carlo,
    summarize,
)

__all__ += [
    "AssertionReport",
    "Comparison",
    "Difference",
    "MeasureStatistics",
    "MonteCarloResult",
    "Verdict",
    "assertions",
    "check_assertions",
    "compare",
    "load_assertions",
    "monte_carlo",
    "montecarlo",
    "plots",
    "summarize",
]

# Sensitivity, kill-chain attribution and the "how realistic?" study (issue 5, items 5 and 8): submodules,
# imported on use (``from drillsim.analysis.study import run_study``).
__all__ += ["attribution", "sensitivity", "study"]
__all__ += ["validation"]
