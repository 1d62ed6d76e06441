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

import hashlib
import zlib
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from drillsim.core.compiled import jit

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


@jit
def mix_word(z: np.uint64) -> np.uint64:
    """SplitMix64 finaliser of one word (a bijection on 64-bit integers with full avalanche); compiled, so
    kernels hash inside their loops. Multiplications wrap modulo 2**64."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@jit
def _chain_head(seed: np.uint64, leading: IntArray, lanes: UIntArray) -> np.uint64:
    """The start of :func:`_hash_chain`: the seed, then the scalar ``leading`` coordinates."""
    h0 = mix_word(seed + _GOLDEN)
    for k in range(leading.shape[0]):
        h0 = mix_word(h0 ^ (np.uint64(leading[k]) * lanes[k] + _GOLDEN))
    return h0


@jit
def _chain_rest(h0: np.uint64, rest: IntArray, lanes: UIntArray, lead: int, out: UIntArray) -> None:
    """Each element's chain from the head ``h0`` through its column of ``rest`` (lanes after ``lead``).
    One coordinate at a time over all elements, so the compiler vectorises the loop over elements."""
    out[:] = h0
    for k in range(rest.shape[0]):
        lane = lanes[lead + k]
        column = rest[k]
        for i in range(out.shape[0]):
            out[i] = mix_word(out[i] ^ (np.uint64(column[i]) * lane + _GOLDEN))


@jit
def _hash_chain(seed: np.uint64, leading: IntArray, rest: IntArray, lanes: UIntArray, out: UIntArray) -> None:
    """The chain of :func:`hash_counters`: the seed, then the scalar ``leading`` coordinates (hashed once),
    then per element the columns of ``rest`` (coordinates after the leading ones, flattened)."""
    _chain_rest(_chain_head(seed, leading, lanes), rest, lanes, leading.shape[0], out)


@jit
def _uniform_chains(
    seed: np.uint64, leading: IntArray, rest: IntArray, lanes: UIntArray, out: FloatArray
) -> None:
    """Uniforms of several chains at once: chain c has the leading coordinates ``leading[c]`` (e.g. its own
    stream) and every chain the same ``rest``; ``out[c, i]`` is :func:`uniform_from_hash` of chain c's word
    for element i."""
    words = np.empty(out.shape[1], dtype=np.uint64)
    for c in range(leading.shape[0]):
        _chain_rest(_chain_head(seed, leading[c], lanes), rest, lanes, leading.shape[1], words)
        for i in range(words.shape[0]):
            out[c, i] = (float(words[i] >> _SHIFT) + 0.5) * UNIFORM_SCALE


def stream_id(name: str) -> int:
    """A stable 32-bit number for a stream name (CRC-32, so it never depends on Python's hash seed)."""
    return zlib.crc32(name.encode("utf-8"))


KEY_BASE = 1 << 61
"""Draw keys of named things lie in [2**61, 2**62): never equal to a small index or counter used as a
coordinate beside them."""


def draw_key_of(name: str) -> int:
    """A stable draw key for a named thing, e.g. an element by its id: 61 bits of its name's BLAKE2b digest
    above :data:`KEY_BASE`.

    Random numbers that belong to an element are keyed by this, not by the element's index, so a variant
    that adds or removes a unit leaves every other element's draws, and so their common random numbers,
    as they were. (Two names meet with probability about n**2 / 2**62: nil for any order of battle.)
    """
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return KEY_BASE | (int.from_bytes(digest, "little") & (KEY_BASE - 1))


def draw_keys_of(names: tuple[str, ...] | list[str]) -> IntArray:
    """:func:`draw_key_of` of each name, as an int64 array."""
    return np.array([draw_key_of(name) for name in names], dtype=np.int64)


def _counter_columns(coords: tuple[ArrayLike, ...]) -> tuple[IntArray, IntArray, tuple[int, ...]]:
    """Coordinates as :func:`_hash_chain` takes them: the leading scalars, the rest broadcast together and
    flattened (one row per coordinate), and the broadcast shape."""
    if len(coords) > len(_LANES):
        raise ValueError(f"at most {len(_LANES)} coordinates, got {len(coords)}")
    arrays = [np.asarray(c) for c in coords]
    arrays = [a if a.dtype == np.int64 else a.astype(np.int64) for a in arrays]
    lead = 0
    while lead < len(arrays) and arrays[lead].ndim == 0:
        lead += 1
    tail = arrays[lead:]
    shape: tuple[int, ...] = ()
    if tail:
        shape = tail[0].shape
        if any(a.shape != shape for a in tail[1:]):
            shape = np.broadcast_shapes(*(a.shape for a in tail))
    size = 1
    for extent in shape:
        size *= extent
    rest = np.empty((len(tail), size), dtype=np.int64)
    for k, a in enumerate(tail):
        rest[k] = (a if a.shape == shape else np.broadcast_to(a, shape)).ravel()
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
        draws: FloatArray = self._uniforms((stream,), coords)[0]
        return draws

    def _uniforms(self, streams: tuple[str, ...], coords: tuple[ArrayLike, ...]) -> FloatArray:
        """Uniforms of the same coordinates in several streams, (streams, *shape), in one compiled pass
        (each equal to ``uniform_from_hash(hash_counters(seed, stream_id(stream), *coords))``)."""
        leading, rest, shape = _counter_columns((0, *coords))
        leads = np.repeat(leading[None, :], len(streams), axis=0)
        leads[:, 0] = [stream_id(name) for name in streams]
        out = np.empty((len(streams), rest.shape[1]))
        _uniform_chains(np.uint64(self.seed & 0xFFFFFFFFFFFFFFFF), leads, rest, _LANE_WORDS, out)
        return out.reshape((len(streams), *shape))

    def normal(self, stream: str, *coords: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Two independent standard normal draws per element (Box-Muller on two counter lanes)."""
        u1, u2 = self._uniforms((stream + "/n1", stream + "/n2"), coords)
        radius = np.sqrt(-2.0 * np.log(u1))
        angle = 2.0 * np.pi * u2
        return radius * np.cos(angle), radius * np.sin(angle)

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
        # Sum the mass term by term, each step only over the draws still open (their k not yet found).
        live = np.flatnonzero(u_ > cdf)
        n_o, u_o, ratio, pmf, cdf = n_[live], u_[live], ratio[live], pmf[live], cdf[live]
        step = 0
        while len(live):
            step += 1
            pmf = pmf * (n_o - step + 1) / step * ratio
            cdf = cdf + pmf
            k[live] = step
            going = (u_o > cdf) & (step < n_o)
            live = live[going]
            n_o, u_o, ratio, pmf, cdf = n_o[going], u_o[going], ratio[going], pmf[going], cdf[going]
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


# Compiled forms of the hash, for kernels that draw per pair or per element: the part that depends on
# (stream, step, replication) is hashed once per replication, then one coordinate at a time.
_U_GOLDEN = np.uint64(_GOLDEN)
_U_LANE = tuple(np.uint64(v) for v in _LANES)


class DrawKey(NamedTuple):
    """The coordinates a compiled kernel's draws share: root seed, stream and step, and each row's
    replication (see :func:`hash_prefix`), and each element's draw key (:func:`draw_key_of` of its id),
    which its draws use in place of its index."""

    seed: np.uint64
    stream: np.int64
    step: np.int64
    reps: NDArray[np.int64]
    elements: NDArray[np.int64]


def draw_key(
    seed: int, stream: str, step: int, reps: NDArray[np.int64], elements: NDArray[np.int64]
) -> DrawKey:
    """The :class:`DrawKey` of a named stream at a step (the seed reduced to 64 bits)."""
    return DrawKey(
        np.uint64(seed & 0xFFFFFFFFFFFFFFFF), np.int64(stream_id(stream)), np.int64(step), reps, elements
    )


@jit
def uniform_of(h: np.uint64) -> float:
    """The uniform of a finished hash word (as :func:`drillsim.core.random.uniform_from_hash`)."""
    return (float(h >> np.uint64(UNIFORM_SHIFT)) + 0.5) * UNIFORM_SCALE


@jit
def hash_prefix(seed: np.uint64, stream: np.int64, step: np.int64, rep: np.int64) -> np.uint64:
    """The hash of ``drillsim.core.random`` after its first three coordinates (stream, step, replication)."""
    h = mix_word(seed + _U_GOLDEN)
    h = mix_word(h ^ (np.uint64(stream) * _U_LANE[0] + _U_GOLDEN))
    h = mix_word(h ^ (np.uint64(step) * _U_LANE[1] + _U_GOLDEN))
    return mix_word(h ^ (np.uint64(rep) * _U_LANE[2] + _U_GOLDEN))


@jit
def uniform_after(prefix: np.uint64, a: np.int64, b: np.int64) -> float:
    """The uniform for coordinates (stream, step, replication, a, b), given their :func:`hash_prefix`."""
    return uniform_last(hash_fourth(prefix, a), b)


@jit
def hash_fourth(prefix: np.uint64, a: np.int64) -> np.uint64:
    """The hash after the fourth coordinate ``a``, given the :func:`hash_prefix` of the first three."""
    return mix_word(prefix ^ (np.uint64(a) * _U_LANE[3] + _U_GOLDEN))


@jit
def uniform_last(h: np.uint64, b: np.int64) -> float:
    """The uniform for the fifth coordinate ``b``, given :func:`hash_fourth` of the first four."""
    return uniform_of(mix_word(h ^ (np.uint64(b) * _U_LANE[4] + _U_GOLDEN)))
