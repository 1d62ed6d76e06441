"""Fixtures for the effect tests: a runner that writes scenario data into the test's temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from effects_kit import Runner


@pytest.fixture
def runner(tmp_path: Path) -> Runner:
    """Loads scenario data as a user's file and runs it with the effect tests' fixed seed."""
    return Runner(tmp_path)
