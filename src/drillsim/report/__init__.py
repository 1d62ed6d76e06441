"""Reports: the after-action review (replay data from a result directory, the web viewer, the offline HTML
report) and the plots of analysis results.

The replay reads only what ``drillsim run`` writes (``events.parquet``, ``outcomes.parquet``, ``run.json``,
``scenario.yaml``); it never needs the engine. :func:`view` serves the viewer on 127.0.0.1;
:func:`write_report` writes one self-contained HTML file.
"""

from drillsim.report.ensemble import choose_replication, ensemble_data
from drillsim.report.html import write_report
from drillsim.report.layers import elevation_png, map_layers
from drillsim.report.results import Result, load_result
from drillsim.report.server import ReplayServer, view
from drillsim.report.timeline import replay_data

__all__ = [
    "ReplayServer",
    "Result",
    "choose_replication",
    "elevation_png",
    "ensemble_data",
    "load_result",
    "map_layers",
    "replay_data",
    "view",
    "write_report",
]
