"""Golden results: each example and each embedded Khatlon variant, run at a fixed seed, keeps its digest.

A digest covers every measure and every event of a few replications (see ``drillsim.testing.result_digest``).
A refactoring must leave every digest as it is. A deliberate change of the model updates them, with a line in
the changelog saying which mechanic changed and why:

    python -m pytest tests/golden --update-golden

and the diff of ``digests.json`` is reviewed like code.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drillsim.engine import EventLog, Simulation
from drillsim.scenario import library_entries, load_scenario
from drillsim.testing import result_digest

ROOT = Path(__file__).resolve().parents[2]
DIGESTS = Path(__file__).with_name("digests.json")
SEED = 20261206

# (scenario, replications, until_s): the examples run to their end; the Khatlon variants to 40 h, past the
# first contacts, strikes, fire missions, the raid and (v1) the clearing attack (the last hours add time, not
# mechanics).
CASES: list[tuple[str, int, float | None]] = [
    *[(f"examples/{p.name}", 4, None) for p in sorted((ROOT / "examples").glob("*.yaml"))],
    *[(e.name, 2, 40 * 3600.0) for e in library_entries() if e.kind == "scenario"],
]


def _digest(source: str, replications: int, until_s: float | None) -> str:
    scenario = load_scenario(ROOT / source if source.startswith("examples/") else source)
    sim = Simulation(scenario, rng=SEED, replications=replications, recorder=EventLog())
    return result_digest(sim.run(until_s=until_s))


def _stored() -> dict[str, str]:
    return json.loads(DIGESTS.read_text(encoding="utf-8")) if DIGESTS.exists() else {}


@pytest.mark.parametrize(("source", "replications", "until_s"), CASES, ids=[c[0] for c in CASES])
def test_digest_is_unchanged(
    source: str, replications: int, until_s: float | None, request: pytest.FixtureRequest
) -> None:
    """The scenario's results at the fixed seed are bit for bit those recorded in digests.json."""
    digest = _digest(source, replications, until_s)
    if request.config.getoption("--update-golden"):
        stored = _stored()
        stored[source] = digest
        DIGESTS.write_text(json.dumps(stored, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return
    stored = _stored()
    assert source in stored, f"no golden digest for {source}: run pytest tests/golden --update-golden"
    assert digest == stored[source], (
        f"the results of {source} changed (seed {SEED}, {replications} replications); if the change is "
        "deliberate, update the digests with --update-golden and say why in the changelog"
    )


def test_every_case_has_a_digest_and_no_digest_is_stale() -> None:
    """digests.json holds exactly the cases above: a removed scenario leaves no orphan digest."""
    assert sorted(_stored()) == sorted(c[0] for c in CASES)


def test_digest_tells_runs_apart() -> None:
    """Another seed, or one replication fewer, gives another digest (the digest sees the results)."""
    scenario = load_scenario(ROOT / "examples/crossing-defence.yaml")
    runs = [
        Simulation(scenario, rng=seed, replications=n, recorder=EventLog()).run()
        for seed, n in ((SEED, 2), (SEED + 1, 2), (SEED, 1))
    ]
    digests = {result_digest(r) for r in runs}
    assert len(digests) == 3
