"""Counter-based random numbers: a draw is a pure function of its coordinates.

Every random number drillsim uses is ``uniform(root seed, replication, stream, step, a, b)``: a hash of
those integers, not the next value of a sequential generator. So replication 17 draws the same numbers
whether it runs alone or in a batch of 1,000, on one worker or many, and an extra draw in one subsystem
(stream) never shifts another: common random numbers across alternatives come for free.

The hash is the SplitMix64 finaliser (Steele, Lea and Flood, "Fast splittable pseudorandom number
generators", OOPSLA 2014) applied in a chain over the coordinates, with each coordinate first spread by
a distinct odd constant (as in Salmon et al.'s counter-based generators, SC 2011). SplitMix64 over a
counter passes BigCrush; the test suite checks uniformity, independence between neighbouring counters and
between streams.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TO_UNIT = 1.0 / float(1 << 53)
# One odd multiplier per coordinate, so (a, b) and (b, a) hash differently.
_LANES = tuple(
    np.uint64(c)
    for c in (
        0xD6E8FEB86659FD93,
        0xA0761D6478BD642F,
        0xE7037ED1A0B428DB,
        0x8EBC6AF09C88C6E3,
        0x589965CC75374CC3,
    )
)

UIntArray = NDArray[np.uint64]
FloatArray = NDArray[np.float64]


def _mix(z: UIntArray) -> UIntArray:
    """SplitMix64 finaliser (a bijection on 64-bit integers with full avalanche)."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def stream_id(name: str) -> int:
    """A stable 32-bit number for a stream name (CRC-32, so it never depends on Python's hash seed)."""
    return zlib.crc32(name.encode("utf-8"))


def hash_counters(seed: int, *coords: ArrayLike) -> UIntArray:
    """Hash a root seed and up to five integer coordinate arrays (broadcast together) to 64-bit words."""
    if len(coords) > len(_LANES):
        raise ValueError(f"at most {len(_LANES)} coordinates, got {len(coords)}")
    with np.errstate(over="ignore"):
        h = _mix(np.asarray(np.uint64(seed & 0xFFFFFFFFFFFFFFFF) + _GOLDEN, dtype=np.uint64))
        for lane, coord in zip(_LANES, coords, strict=False):
            c = np.asarray(coord).astype(np.int64).astype(np.uint64)
            h = _mix(h ^ (c * lane + _GOLDEN))
    return np.asarray(h, dtype=np.uint64)


def uniform_from_hash(h: UIntArray) -> FloatArray:
    """Map 64-bit words to uniforms in the open interval (0, 1) using their top 53 bits."""
    top = (h >> _S11).astype(np.float64)
    return (top + 0.5) * _TO_UNIT


@dataclass(frozen=True)
class Streams:
    """The random numbers of one simulation: a root seed, read through named streams.

    ``uniform("sensors", step, rep, i, j)`` is the same number wherever and whenever it is asked for.
    """

    seed: int

    def uniform(self, stream: str, *coords: ArrayLike) -> FloatArray:
        """Uniform draws in (0, 1), one per broadcast element of ``coords``."""
        return uniform_from_hash(hash_counters(self.seed, stream_id(stream), *coords))

    def normal(self, stream: str, *coords: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Two independent standard normal draws per element (Box-Muller on two counter lanes)."""
        u1 = self.uniform(stream + "/n1", *coords)
        u2 = self.uniform(stream + "/n2", *coords)
        radius = np.sqrt(-2.0 * np.log(u1))
        angle = 2.0 * np.pi * u2
        return radius * np.cos(angle), radius * np.sin(angle)

    def bernoulli(self, stream: str, p: ArrayLike, *coords: ArrayLike) -> NDArray[np.bool_]:
        """True with probability ``p`` for each element."""
        return self.uniform(stream, *coords) < np.asarray(p, dtype=np.float64)

    def binomial(self, stream: str, n: ArrayLike, p: ArrayLike, *coords: ArrayLike) -> FloatArray:
        """Binomial(n, p) draws by inversion of the CDF: each is a function of one counter-based uniform."""
        from scipy.stats import binom  # scipy is a core dependency; imported here to keep startup light

        u = self.uniform(stream, *coords)
        n_arr = np.asarray(n, dtype=np.float64)
        p_arr = np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0)
        draws = binom.ppf(u, n_arr, p_arr)
        return np.nan_to_num(np.asarray(draws, dtype=np.float64), nan=0.0)


def root_seed(rng: int | np.random.Generator | None) -> int:
    """The root seed from the ``rng`` argument: an int as given, a Generator's next integer, or fresh entropy.

    A ``None`` seed is drawn from the operating system and recorded in every output, so a run can always be
    repeated.
    """
    if rng is None:
        return int(np.random.SeedSequence().entropy) & 0xFFFFFFFFFFFFFFFF  # type: ignore[arg-type]
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(0, 2**63 - 1))
    if isinstance(rng, bool) or not isinstance(rng, int | np.integer):
        raise TypeError(f"rng must be an int seed, a numpy Generator or None, not {type(rng).__name__}")
    return int(rng) & 0xFFFFFFFFFFFFFFFF
