"""Process CPU time of ``drillsim run`` for two source trees, alternating A B A B.

Wall time on a shared machine measures the other users; the CPU time the child process (and any process it
starts) spends is what a change costs. Each tree is run with ``PYTHONPATH=<tree>/src`` in this interpreter, so
both use the same installed dependencies; each tree keeps its own numba cache, warmed by one untimed run
of the same size. The reference tree is any checkout beside this one, e.g. ``git worktree add ../reference
main``:

    python -m benchmarks.cpu_ab --a ../reference --b . --scenario khatlon-2015-v1 -n 20 --rounds 2
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["cpu_seconds"]


def cpu_seconds(tree: Path, scenario: str, replications: int, seed: int) -> float:
    """User plus system CPU seconds of one ``drillsim run`` of ``scenario`` with the code of ``tree``."""
    env = dict(os.environ, PYTHONPATH=str(tree.resolve() / "src"))
    with tempfile.TemporaryDirectory() as out:
        code = "import sys; from drillsim.cli import run_main; sys.argv[0] = 'drillsim'; run_main()"
        command = [sys.executable, "-c", code, "run", scenario, "-n", str(replications)]
        command += ["--seed", str(seed), "--out", out, "--force"]
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(
                f"{tree}: drillsim run failed: {process.stderr.read().decode() if process.stderr else ''}"
            )
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    """Parse the command line, warm both trees' caches, then time A B A B ... and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--a", type=Path, required=True, help="source tree A (the reference)")
    parser.add_argument("--b", type=Path, required=True, help="source tree B (the change)")
    parser.add_argument("--scenario", default="khatlon-2015-v1")
    parser.add_argument("-n", "--replications", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    for tree in (args.a, args.b):
        # Untimed, with the timed replication count: a one-replication run can leave a kernel's signature
        # uncompiled (a layout that only a batch gives), which the first timed run would then compile.
        cpu_seconds(tree, args.scenario, args.replications, args.seed)
    ratios = []
    for k in range(args.rounds):
        a = cpu_seconds(args.a, args.scenario, args.replications, args.seed)
        b = cpu_seconds(args.b, args.scenario, args.replications, args.seed)
        ratios.append(b / a)
        print(f"round {k + 1}: A {a:7.2f} s  B {b:7.2f} s  B/A {b / a:.3f}", flush=True)
    print(f"B/A per round: {', '.join(f'{r:.3f}' for r in ratios)}")


if __name__ == "__main__":
    main()
