"""The learning example of docs/rl.md improves the raiders' return over the scripted plan."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "rl" / "cross_entropy.py"


def test_cross_entropy_beats_the_scripted_plan_on_held_out_replications() -> None:
    spec = importlib.util.spec_from_file_location("cross_entropy", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["cross_entropy"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    curve, best = module.learn(lanes=32, iterations=3, interval_s=1200.0)
    assert best.shape == (6, 3)
    assert len(curve.population) == len(curve.elite) == 3
    # Held out, same replications for both plans: the learned plan's mean return beats the scripted plan's
    # by more than three standard errors of the difference.
    margin = 3.0 * (curve.learned_se**2 + curve.scripted_se**2) ** 0.5
    assert curve.learned - curve.scripted > margin
