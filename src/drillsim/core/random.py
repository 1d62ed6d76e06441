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

import numba
import numpy as np
from numpy.typing import ArrayLike, NDArray

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
UNIFORM_SHIFT = 12
"""Uniforms use the top 52 bits of a hash word: (k + 1/2) / 2**52 lies strictly inside (0, 1)."""
_SHIFT = np.uint64(UNIFORM_SHIFT)
UNIFORM_SCALE = 1.0 / float(1 << (64 - UNIFORM_SHIFT))
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
IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


_LANE_WORDS = np.array(_LANES, dtype=np.uint64)


@numba.njit(cache=True, nogil=True)  # type: ignore[misc,unused-ignore]
def mix_word(z: np.uint64) -> np.uint64:
    """SplitMix64 finaliser of one word (a bijection on 64-bit integers with full avalanche); compiled, so
    kernels hash inside their loops. Multiplications wrap modulo 2**64."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@numba.njit(cache=True, nogil=True)  # type: ignore[misc,unused-ignore]
def _chain_head(seed: np.uint64, leading: IntArray, lanes: UIntArray) -> np.uint64:
    """The start of :func:`_hash_chain`: the seed, then the scalar ``leading`` coordinates."""
    h0 = mix_word(seed + _GOLDEN)
    for k in range(leading.shape[0]):
        h0 = mix_word(h0 ^ (np.uint64(leading[k]) * lanes[k] + _GOLDEN))
    return h0


@numba.njit(cache=True, nogil=True)  # type: ignore[misc,unused-ignore]
def _hash_chain(seed: np.uint64, leading: IntArray, rest: IntArray, lanes: UIntArray, out: UIntArray) -> None:
    """The chain of :func:`hash_counters`: the seed, then the scalar ``leading`` coordinates (hashed once),
    then per element the columns of ``rest`` (coordinates after the leading ones, flattened)."""
    h0 = _chain_head(seed, leading, lanes)
    lead = leading.shape[0]
    for i in range(out.shape[0]):
        h = h0
        for k in range(rest.shape[0]):
            h = mix_word(h ^ (np.uint64(rest[k, i]) * lanes[lead + k] + _GOLDEN))
        out[i] = h


@numba.njit(cache=True, nogil=True)  # type: ignore[misc,unused-ignore]
def _uniform_pair(
    seed: np.uint64,
    leading_a: IntArray,
    leading_b: IntArray,
    rest: IntArray,
    lanes: UIntArray,
    out_a: FloatArray,
    out_b: FloatArray,
) -> None:
    """Two uniforms per element, from two chains of :func:`_hash_chain` that differ only in their leading
    coordinates (two streams), in one pass; each as :func:`uniform_from_hash` of its word."""
    head_a = _chain_head(seed, leading_a, lanes)
    head_b = _chain_head(seed, leading_b, lanes)
    lead = leading_a.shape[0]
    for i in range(out_a.shape[0]):
        ha = head_a
        hb = head_b
        for k in range(rest.shape[0]):
            spread = np.uint64(rest[k, i]) * lanes[lead + k] + _GOLDEN
            ha = mix_word(ha ^ spread)
            hb = mix_word(hb ^ spread)
        out_a[i] = (float(ha >> _SHIFT) + 0.5) * UNIFORM_SCALE
        out_b[i] = (float(hb >> _SHIFT) + 0.5) * UNIFORM_SCALE


def stream_id(name: str) -> int:
    """A stable 32-bit number for a stream name (CRC-32, so it never depends on Python's hash seed)."""
    return zlib.crc32(name.encode("utf-8"))


def _counter_columns(coords: tuple[ArrayLike, ...]) -> tuple[IntArray, IntArray, tuple[int, ...]]:
    """Coordinates as :func:`_hash_chain` takes them: the leading scalars, the rest broadcast together and
    flattened (one row per coordinate), and the broadcast shape."""
    if len(coords) > len(_LANES):
        raise ValueError(f"at most {len(_LANES)} coordinates, got {len(coords)}")
    arrays = [np.asarray(c).astype(np.int64) for c in coords]
    lead = 0
    while lead < len(arrays) and arrays[lead].ndim == 0:
        lead += 1
    shape = np.broadcast_shapes(*(a.shape for a in arrays[lead:])) if lead < len(arrays) else ()
    size = int(np.prod(shape))
    rest = np.empty((len(arrays) - lead, size), dtype=np.int64)
    for k, a in enumerate(arrays[lead:]):
        rest[k] = np.broadcast_to(a, shape).ravel()
    leading = np.array([int(a) for a in arrays[:lead]], dtype=np.int64)
    return leading, rest, shape


def hash_counters(seed: int, *coords: ArrayLike) -> UIntArray:
    """Hash a root seed and up to five integer coordinate arrays (broadcast together) to 64-bit words.

    Coordinates are taken as int64 (floats truncated) and then as their 64-bit two's-complement word. The
    leading scalar coordinates (stream, step, ...) are hashed once, the rest per element.
    """
    leading, rest, shape = _counter_columns(coords)
    out = np.empty(rest.shape[1], dtype=np.uint64)
    _hash_chain(np.uint64(seed & 0xFFFFFFFFFFFFFFFF), leading, rest, _LANE_WORDS, out)
    return out.reshape(shape)


def uniform_from_hash(h: UIntArray) -> FloatArray:
    """Map 64-bit words to uniforms strictly inside (0, 1) using their top 52 bits.

    (With 53 bits, the largest word would round to exactly 1.0.)
    """
    top = (h >> _SHIFT).astype(np.float64)
    return (top + 0.5) * UNIFORM_SCALE


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
        leading, rest, shape = _counter_columns((0, *coords))
        u1 = np.empty(rest.shape[1])
        u2 = np.empty(rest.shape[1])
        sid = (stream_id(stream + "/n1"), stream_id(stream + "/n2"))
        lead_1, lead_2 = leading.copy(), leading.copy()
        lead_1[0], lead_2[0] = sid
        _uniform_pair(np.uint64(self.seed & 0xFFFFFFFFFFFFFFFF), lead_1, lead_2, rest, _LANE_WORDS, u1, u2)
        u1, u2 = u1.reshape(shape), u2.reshape(shape)
        radius = np.sqrt(-2.0 * np.log(u1))
        angle = 2.0 * np.pi * u2
        return radius * np.cos(angle), radius * np.sin(angle)

    def bernoulli(self, stream: str, p: ArrayLike, *coords: ArrayLike) -> NDArray[np.bool_]:
        """True with probability ``p`` for each element."""
        return self.uniform(stream, *coords) < np.asarray(p, dtype=np.float64)

    def binomial(self, stream: str, n: ArrayLike, p: ArrayLike, *coords: ArrayLike) -> FloatArray:
        """Binomial(n, p) draws by inversion of the CDF: each is a function of one counter-based uniform."""
        return binomial_inverse(self.uniform(stream, *coords), n, p)


_NORMAL_APPROX_VARIANCE = 400.0
"""Above this variance n p (1 - p) the binomial is inverted through its normal approximation."""


def binomial_inverse(u: ArrayLike, n: ArrayLike, p: ArrayLike) -> FloatArray:
    """A Binomial(n, p) draw from the uniform ``u``, increasing in ``u``, vectorised.

    For p <= 1/2 it is the smallest k with P(X <= k) >= u: exact inversion by summing the probability
    mass (the first term in log space, so large ``n`` does not underflow). Where the variance exceeds 400
    the normal approximation with continuity correction is used instead (Berry-Esseen bounds its CDF
    error by about 0.5 / sqrt(variance), under 2.5 % there).
    """
    uu, nn, pp = np.broadcast_arrays(
        np.asarray(u, dtype=np.float64),
        np.floor(np.asarray(n, dtype=np.float64)),
        np.asarray(p, dtype=np.float64),
    )
    pp = np.clip(pp, 0.0, 1.0)
    out = np.zeros(uu.shape)
    var = nn * pp * (1.0 - pp)
    big = var > _NORMAL_APPROX_VARIANCE
    if big.any():
        from scipy.special import ndtri

        z = ndtri(uu[big])
        out[big] = np.clip(np.ceil(nn[big] * pp[big] + z * np.sqrt(var[big]) - 0.5), 0.0, nn[big])
    out[pp >= 1.0] = nn[pp >= 1.0]
    todo = ~big & (pp > 0.0) & (pp < 1.0) & (nn > 0)
    if todo.any():
        idx = np.flatnonzero(todo)
        n_, p_, u_ = nn.flat[idx], pp.flat[idx], uu.flat[idx]
        # For p > 1/2 draw the failures instead: n - F^-1(1 - u; n, 1 - p) is Binomial(n, p), still
        # increasing in u, and its first mass term cannot underflow.
        flip = p_ > 0.5
        p_ = np.where(flip, 1.0 - p_, p_)
        u_ = np.where(flip, 1.0 - u_, u_)
        ratio = p_ / (1.0 - p_)
        pmf = np.exp(n_ * np.log1p(-p_))
        cdf = pmf.copy()
        k = np.zeros(len(idx))
        open_ = u_ > cdf
        step = 0
        while open_.any():
            step += 1
            pmf = np.where(open_, pmf * (n_ - step + 1) / step * ratio, pmf)
            cdf = np.where(open_, cdf + pmf, cdf)
            k = np.where(open_, step, k)
            open_ &= (u_ > cdf) & (step < n_)
        out.flat[idx] = np.where(flip, n_ - k, k)
    return out


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
