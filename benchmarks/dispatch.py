"""What a call from Python into a compiled function costs, by how its arrays are passed.

numba types every argument on every call from Python before it runs the machine code. A NamedTuple of
arrays is typed more slowly than the same arrays passed one by one, or as a plain tuple; this measures by
how much, for groups of 3, 6 and 12 arrays (process CPU per call, best of 7 rounds).

    python -m benchmarks.dispatch
"""

from __future__ import annotations

import time
from collections import namedtuple
from collections.abc import Callable
from functools import partial
from typing import Any

import numba
import numpy as np

__all__ = ["per_call_us"]


def per_call_us(call: Callable[[], Any], calls: int = 100_000, rounds: int = 7) -> float:
    """Process CPU microseconds per ``call()``, the best of ``rounds``."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(calls):
            call()
        best = min(best, (time.process_time() - start) / calls)
    return best * 1e6


def main() -> None:
    """Print the per-call cost of k arrays passed flat, as a NamedTuple and as a plain tuple."""
    empty = per_call_us(lambda: None)
    print(f"{'arrays':>6} {'flat':>8} {'NamedTuple':>11} {'tuple':>8}  (us per call, loop cost removed)")
    for k in (3, 6, 12):
        group = namedtuple(f"Group{k}", [f"a{i}" for i in range(k)])  # type: ignore[misc]
        arrays = [np.zeros((20, 300)) for _ in range(k)]
        names = ", ".join(f"a{i}" for i in range(k))
        space: dict[str, Any] = {}
        exec(f"def flat({names}):\n    return a0[0, 0]", space)
        flat = numba.njit(space["flat"])
        first = numba.njit(lambda g: g[0][0, 0])
        named, plain = group(*arrays), tuple(arrays)
        flat(*arrays), first(named), first(plain)  # compile each signature, untimed
        t_flat = per_call_us(partial(flat, *arrays)) - empty
        t_named = per_call_us(partial(first, named)) - empty
        t_plain = per_call_us(partial(first, plain)) - empty
        print(f"{k:>6} {t_flat:8.2f} {t_named:11.2f} {t_plain:8.2f}")


if __name__ == "__main__":
    main()
