"""After-action review: replay data from a result directory, the web viewer and the offline HTML report.

The replay reads only what ``drillsim run`` writes (``events.parquet``, ``outcomes.parquet``, ``run.json``,
``scenario.yaml``); it never needs the engine. :func:`view` serves the viewer on 127.0.0.1;
:func:`write_report` writes one self-contained HTML file.
"""

from drillsim.replay.ensemble import choose_replication, ensemble_data
from drillsim.replay.layers import elevation_png, map_layers
from drillsim.replay.report import write_report
from drillsim.replay.results import Result, load_result
from drillsim.replay.server import ReplayServer, view
from drillsim.replay.timeline import replay_data

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
