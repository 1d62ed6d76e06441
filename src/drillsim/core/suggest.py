"""'Did you mean' suggestions for misspelt keys and names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest_match(word: str, candidates: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """The candidate most similar to ``word``, or None when nothing is close enough.

    Comparison ignores case; ties go to the candidate that sorts first, so the answer is stable.
    """
    pool = sorted(set(candidates))
    if not pool:
        return None
    lowered = {c.lower(): c for c in reversed(pool)}
    matcher = difflib.SequenceMatcher(b=word.lower())
    best: tuple[float, str] | None = None
    for candidate in sorted(lowered):
        matcher.set_seq1(candidate)
        score = matcher.ratio()
        # difflib.get_close_matches breaks ties towards the candidate that sorts last; we want the first.
        if score >= cutoff and (best is None or score > best[0]):
            best = (score, candidate)
    return lowered[best[1]] if best is not None else None
