"""Running many replications: Monte Carlo with confidence intervals and sequential stopping, what-if
comparisons under common random numbers, statistical assertions, designs of experiments, executors (a
process pool or a Dask cluster) and the results store.

The function ``compare`` is not re-exported here: it would hide the submodule of the same name.
"""

from drillsim.experiments import assertions, compare, designs, executors, experiment, montecarlo, store
from drillsim.experiments.assertions import (
    AssertionReport,
    Verdict,
    check_assertions,
    load_assertions,
)
from drillsim.experiments.compare import Comparison, Difference
from drillsim.experiments.montecarlo import (
    MeasureStatistics,
    MonteCarloResult,
    monte_carlo,
    summarize,
)

__all__ = [
    "AssertionReport",
    "Comparison",
    "Difference",
    "MeasureStatistics",
    "MonteCarloResult",
    "Verdict",
    "assertions",
    "check_assertions",
    "compare",
    "designs",
    "executors",
    "experiment",
    "load_assertions",
    "monte_carlo",
    "montecarlo",
    "store",
    "summarize",
]
