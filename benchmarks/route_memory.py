"""Memory of a worker's batch: the route arrays and the peak resident memory, compact against full routes.

Each case is a fresh process that builds a batch of R replications of a scenario and steps it to ``--until``
(what one chunk of ``drillsim mc`` does in a worker), with the route arrays as they are now (they start at
a few waypoints and widen with the longest route held, :meth:`BatchState.make_room_for_routes`) or, with
``full``, widened to the full capacity at the start, as they were before. Reported per case: the waypoints
the arrays hold and their capacity, the route arrays' bytes per replication, and the process's peak
resident memory (``ru_maxrss``). Kernels should be in the cache (run any ``drillsim run`` first).

    python -m benchmarks.route_memory                      # khatlon-2015, batches 100 and 250, to 6 h
    python -m benchmarks.route_memory --batches 250 --until 43200
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

__all__ = ["measure"]

_CASE = """
import json, resource, sys
from drillsim.engine.simulation import Simulation
scenario, r, until, full = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4] == "full"
sim = Simulation(scenario, rng=1, replications=r)
s = sim.state
if full:
    s.make_room_for_routes(s.route_limit)
sim.run(until_s=until)
route_bytes = s.route_x.nbytes + s.route_y.nbytes + s.route_road.nbytes
print(json.dumps({
    "held": int(s.route_x.shape[2]), "limit": int(s.route_limit),
    "route_bytes_per_replication": route_bytes / r,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def measure(scenario: str, replications: int, until_s: float, *, full: bool) -> dict[str, float]:
    """One case in a fresh process: waypoints held, capacity, route bytes per replication, peak RSS."""
    command = [sys.executable, "-c", _CASE, scenario, str(replications), str(until_s)]
    done = subprocess.run(
        [*command, "full" if full else "compact"], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="khatlon-2015")
    parser.add_argument("--batches", type=int, nargs="+", default=[100, 250])
    parser.add_argument("--until", type=float, default=21_600.0, help="simulated seconds (default 6 h)")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()}")
    for r in args.batches:
        for full in (True, False):
            row = measure(args.scenario, r, args.until, full=full)
            print(
                f"batch {r}, {'full' if full else 'compact'} routes: "
                f"{row['held']} of {row['limit']} waypoints, "
                f"{row['route_bytes_per_replication'] / 1e3:.0f} kB of routes a replication, "
                f"peak {row['peak_rss_mb']:.0f} MB",
                flush=True,
            )
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
