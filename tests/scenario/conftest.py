"""Fixtures for the scenario tests: writing a file and catching the error its loading raises."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import drillsim
from drillsim.scenario import load_scenario


@pytest.fixture
def write() -> Callable[..., Path]:
    """Write ``text`` to ``folder/name`` (``scenario.yaml`` by default) and return the path."""

    def write_file(folder: Path, text: str, name: str = "scenario.yaml") -> Path:
        path = folder / name
        path.write_text(text, encoding="utf-8")
        return path

    return write_file


@pytest.fixture
def message_of() -> Callable[..., str]:
    """The message of the UserError that loading a path raises (the test fails if the file loads)."""

    def load_error(path: Path, **options: Any) -> str:
        with pytest.raises(drillsim.UserError) as info:
            load_scenario(path, **options)
        return str(info.value)

    return load_error
