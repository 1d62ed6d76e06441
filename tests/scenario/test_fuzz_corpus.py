"""The seeded hostile corpus: a few hundred mutated files, none of which may crash, stall or leak.

The long run (10,000 files) is ``python -m tests.scenario.fuzz_corpus --files 10000``; see fuzz_corpus.py.
"""

from __future__ import annotations

import fuzz_corpus
import pytest

FILES = 200
SEED = 20260


@pytest.fixture(scope="module")
def tally() -> fuzz_corpus.Tally:
    """The harness's counts over the first files of the corpus."""
    return fuzz_corpus.run(SEED, FILES, time_limit=10.0)


def test_corpus_is_reproducible() -> None:
    """The same seed gives the same files, byte for byte; another seed gives others."""
    first = [case.data for case in fuzz_corpus.corpus(SEED, 20)]
    assert first == [case.data for case in fuzz_corpus.corpus(SEED, 20)]
    assert first != [case.data for case in fuzz_corpus.corpus(SEED + 1, 20)]


def test_corpus_uses_every_mutation() -> None:
    """The files checked in the suite cover every kind of mutation."""
    used = {name for case in fuzz_corpus.corpus(SEED, FILES) for name in case.mutations}
    assert used == set(fuzz_corpus.MUTATIONS)


def test_harness_counts_a_leak(tmp_path: fuzz_corpus.Path) -> None:
    """The harness is not blind: a message quoting the planted secret is counted as a leak."""
    tally = fuzz_corpus.Tally()
    case = fuzz_corpus.Case(0, ("by-hand",), b"")
    fuzz_corpus._check_message(tally, case, f"x.yaml:1:1: found '{fuzz_corpus.SECRET}'.")
    fuzz_corpus._check_message(tally, case, "no location here")
    assert tally.counts() == {"traceback": 0, "slow": 0, "leak": 1, "long": 0, "unlocated": 1}


def test_no_file_crashes_stalls_or_leaks(tally: fuzz_corpus.Tally) -> None:
    """No traceback, no file over 10 s, no quoted secret, no message over 2 KB or without a location."""
    assert tally.counts() == dict.fromkeys(tally.failures, 0), tally.report()


def test_corpus_exercises_both_outcomes(tally: fuzz_corpus.Tally) -> None:
    """Some mutated files still load and most are refused, so the corpus is neither trivial nor all junk."""
    assert tally.files == FILES
    assert 0 < tally.loaded < tally.user_errors
