"""Counter-based random streams: purity, uniformity and independence (``drillsim.core.random.Streams``).

Statistical tests use fixed seeds and a significance level ALPHA = 0.001 each: a correct generator fails one
of them with probability 0.001, and since the draws are a pure function of the seed the outcome never
changes from run to run. Correlation tests use the normal approximation: for independent uniforms the
sample correlation of n pairs has standard deviation 1 / sqrt(n).
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from scipy import stats

from drillsim.core.random import Streams, hash_counters, root_seed, stream_id, uniform_from_hash

ALPHA = 0.001
Z = float(stats.norm.ppf(1 - ALPHA / 2))
"""Two-sided normal quantile for ALPHA (3.29)."""
N = 200_000


def _chi_square_p(u: np.ndarray, bins: int) -> float:
    counts = np.histogram(u, bins=bins, range=(0.0, 1.0))[0]
    return float(stats.chisquare(counts).pvalue)


def _joint_chi_square_p(u: np.ndarray, v: np.ndarray, bins: int = 20) -> float:
    """Chi-square test that (u, v) is uniform on the unit square (so u and v are independent uniforms)."""
    counts = np.histogram2d(u, v, bins=bins, range=[[0, 1], [0, 1]])[0].ravel()
    return float(stats.chisquare(counts).pvalue)


def test_draws_lie_in_the_open_unit_interval() -> None:
    """Every draw of a large block is strictly between 0 and 1."""
    u = Streams(1).uniform("x", np.arange(N))
    assert (u > 0).all()
    assert (u < 1).all()


def test_extreme_hash_words_map_inside_the_open_unit_interval() -> None:
    """The smallest and largest 64-bit words map strictly inside (0, 1)."""
    u = uniform_from_hash(np.array([0, 1, 2**63, 2**64 - 1], dtype=np.uint64))
    assert (u > 0).all()
    assert (u < 1).all()


def test_a_draw_is_a_pure_function_of_its_coordinates() -> None:
    """The same coordinates give the same number, asked alone, in a block, or from another Streams."""
    block = Streams(42).uniform("sensors", 3, np.arange(100)[:, None], np.arange(50)[None, :])
    one = Streams(42).uniform("sensors", 3, 17, 29)
    assert block.shape == (100, 50)
    assert one == block[17, 29]


def test_uniformity_over_counters() -> None:
    """Draws over consecutive steps pass a 100-bin chi-square test at ALPHA."""
    u = Streams(2024).uniform("fires/direct", np.arange(N), 0, 0)
    assert _chi_square_p(u, 100) > ALPHA


def test_uniformity_over_replications_and_elements() -> None:
    """Draws over a (replication, element) grid at one step pass a 100-bin chi-square test at ALPHA."""
    u = Streams(7).uniform("sensors", 12, np.arange(400)[:, None], np.arange(500)[None, :]).ravel()
    assert _chi_square_p(u, 100) > ALPHA


def test_uniformity_of_small_seeds() -> None:
    """Root seeds 0..N-1 at fixed coordinates give uniform draws (small seeds are not special)."""
    u = np.array([Streams(s).uniform("movement", 0, 0)[()] for s in range(5000)])
    assert _chi_square_p(u, 20) > ALPHA


def test_named_streams_are_independent() -> None:
    """Two streams at the same coordinates are uncorrelated and jointly uniform."""
    k = np.arange(N)
    u = Streams(9).uniform("sensors", k, 1)
    v = Streams(9).uniform("fires/direct", k, 1)
    assert abs(np.corrcoef(u, v)[0, 1]) < Z / np.sqrt(N)
    assert _joint_chi_square_p(u, v) > ALPHA


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_neighbouring_counters_are_independent(axis: int) -> None:
    """Draws whose coordinates differ by one (step, replication or element) are uncorrelated."""
    i = np.arange(N)
    coords = [np.full(N, 3), np.full(N, 3), np.full(N, 3)]
    coords[axis] = 2 * (i % 1000)
    coords[(axis + 1) % 3] = i // 1000
    nxt = list(coords)
    nxt[axis] = coords[axis] + 1
    u = Streams(11).uniform("movement", *coords)
    v = Streams(11).uniform("movement", *nxt)
    assert abs(np.corrcoef(u, v)[0, 1]) < Z / np.sqrt(N)
    assert _joint_chi_square_p(u, v) > ALPHA


def test_neighbouring_seeds_are_independent() -> None:
    """Root seeds s and s + 1 give uncorrelated draws at the same coordinates."""
    k = np.arange(N)
    u = Streams(100).uniform("sensors", k)
    v = Streams(101).uniform("sensors", k)
    assert abs(np.corrcoef(u, v)[0, 1]) < Z / np.sqrt(N)


def test_swapped_coordinates_give_different_draws() -> None:
    """(a, b) and (b, a) hash to different numbers for every a != b in a grid."""
    a, b = np.meshgrid(np.arange(300), np.arange(300), indexing="ij")
    off = a != b
    first = hash_counters(5, a[off], b[off])
    swapped = hash_counters(5, b[off], a[off])
    assert not (first == swapped).any()


def test_swapped_coordinates_are_uncorrelated() -> None:
    """Draws at (a, b) and (b, a) are uncorrelated, so symmetric pairs do not share luck."""
    a = np.arange(N) % 997
    b = np.arange(N) // 997 + 1000
    u = Streams(3).uniform("sensors", a, b)
    v = Streams(3).uniform("sensors", b, a)
    assert abs(np.corrcoef(u, v)[0, 1]) < Z / np.sqrt(N)


def test_no_collisions_in_a_block_of_hashes() -> None:
    """250,000 64-bit hashes over a coordinate grid are all distinct (a collision is a ~2e-9 event)."""
    h = hash_counters(1, np.arange(500)[:, None], np.arange(500)[None, :]).ravel()
    assert len(np.unique(h)) == h.size


def test_stream_ids_do_not_depend_on_the_hash_seed() -> None:
    """Stream names map to fixed CRC-32 numbers (never Python's salted hash)."""
    assert stream_id("movement") == zlib.crc32(b"movement")
    assert stream_id("sensors") != stream_id("fires/direct")


def test_normal_draws_are_standard_normal() -> None:
    """Box-Muller pairs pass a Kolmogorov-Smirnov test against N(0, 1) at ALPHA and are uncorrelated."""
    x, y = Streams(8).normal("sensors/error", np.arange(N // 2))
    assert stats.kstest(x, "norm").pvalue > ALPHA
    assert stats.kstest(y, "norm").pvalue > ALPHA
    assert abs(np.corrcoef(x, y)[0, 1]) < Z / np.sqrt(N // 2)


def test_normal_draws_are_box_muller_on_the_two_lanes() -> None:
    """The compiled pass that draws both lanes at once gives exactly Box-Muller on the lanes' uniforms (each
    the uniform of its hash word), with scalar and broadcast coordinates mixed."""
    streams = Streams(21)
    rows, side, elems = np.arange(40) % 7, np.int64(1), (np.arange(40) * 13) % 29
    x, y = streams.normal("sensors/error", 5, rows, side, elems)
    u1 = streams.uniform("sensors/error/n1", 5, rows, side, elems)
    u2 = streams.uniform("sensors/error/n2", 5, rows, side, elems)
    words = hash_counters(21, stream_id("sensors/error/n1"), 5, rows, side, elems)
    np.testing.assert_array_equal(u1, uniform_from_hash(words))  # the uniforms' pass is the words' chain
    radius = np.sqrt(-2.0 * np.log(u1))
    np.testing.assert_array_equal(x, radius * np.cos(2.0 * np.pi * u2))
    np.testing.assert_array_equal(y, radius * np.sin(2.0 * np.pi * u2))
    grid_x, _ = streams.normal("fires/scatter", np.arange(3)[:, None], np.arange(4)[None, :])
    assert grid_x.shape == (3, 4)
    assert grid_x[2, 3] == streams.normal("fires/scatter", 2, 3)[0]


def test_binomial_draws_have_the_binomial_mean() -> None:
    """Binomial(20, 0.3) draws by inversion average 6 within Z standard errors."""
    n, p, m = 20, 0.3, N
    draws = Streams(12).binomial("fires", n, p, np.arange(m))
    se = np.sqrt(n * p * (1 - p) / m)
    assert abs(draws.mean() - n * p) < Z * se
    assert set(np.unique(draws)) <= set(range(n + 1))


def test_root_seed_accepts_ints_and_generators_only() -> None:
    """An int is the seed as given; a Generator gives a reproducible seed; a float is refused."""
    assert root_seed(17) == 17
    assert root_seed(np.random.default_rng(3)) == root_seed(np.random.default_rng(3))
    with pytest.raises(TypeError, match="rng must be"):
        root_seed(1.5)  # type: ignore[arg-type]
