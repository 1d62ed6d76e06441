"""``drillsim mc`` on an empty compiled-code cache: how many times its processes compile each kernel.

Each round starts ``drillsim mc SCENARIO -n N --record 1`` with a local pool of ``--workers`` processes, as
a fresh process with ``NUMBA_CACHE_DIR`` pointing at an empty temporary folder and ``NUMBA_DEBUG_CACHE`` set,
so that every process of the tree logs each cache entry it saves (one per compilation). Reported: the
compilations saved, the distinct entries among them (a kernel's signature compiled by two workers is
saved twice to the same entry; the difference is the work done twice), the kernels they belong to, and the
CPU time of the whole tree (user + system, the operating system's
accounting of the child and the workers it waited for). With ``--reference TREE`` the same is done with
the code of another source tree (``PYTHONPATH=TREE/src``) first, for a before-and-after in one process.

    python -m benchmarks.cold_mc                                   # khatlon-2015, n = 2, 2 workers
    python -m benchmarks.cold_mc --reference ../reference -n 2    # a checkout of the code before
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["cold_mc"]

_SAVED = re.compile(r"\[cache\] data saved to '([^']+)'")


def cold_mc(scenario: str, n: int, workers: int, tree: Path | None) -> dict[str, float]:
    """One cold ``drillsim mc``: compilations saved, distinct entries and kernels, CPU and wall seconds."""
    with tempfile.TemporaryDirectory(prefix="drillsim-cold-mc-") as folder:
        env = dict(os.environ, NUMBA_CACHE_DIR=str(Path(folder) / "cache"), NUMBA_DEBUG_CACHE="1")
        if tree is not None:
            env["PYTHONPATH"] = str(tree / "src")
        command = [sys.executable, "-m", "drillsim", "mc", scenario, "-n", str(n), "--seed", "1"]
        command += ["--record", "1", "--workers", str(workers), "--out", str(Path(folder) / "out")]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    saved = _SAVED.findall(done.stdout + done.stderr)
    kernels = {re.sub(r"\.\d+\.nbc$", "", path) for path in saved}
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "saved": len(saved),
        "entries": len(set(saved)),
        "kernels": len(kernels),
        "cpu_s": cpu,
        "wall_s": wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("scenario", nargs="?", default="khatlon-2015")
    parser.add_argument("-n", type=int, default=2, help="replications (default 2)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reference", type=Path, help="a source tree to run first, for comparison")
    args = parser.parse_args()
    trees: list[tuple[str, Path | None]] = [("this tree", None)]
    if args.reference is not None:
        trees.insert(0, (f"reference {args.reference}", args.reference))
    print(f"load average at start: {os.getloadavg()}")
    for name, tree in trees:
        row = cold_mc(args.scenario, args.n, args.workers, tree)
        print(
            f"{name}: {row['saved']} compilations saved to {row['entries']} entries of "
            f"{row['kernels']} kernels, "
            f"CPU {row['cpu_s']:.1f} s (wall {row['wall_s']:.1f} s)",
            flush=True,
        )
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
