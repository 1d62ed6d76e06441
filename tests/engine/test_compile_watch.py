"""Long first runs say that they compile: :func:`drillsim.core.compiled.watch_compilation`."""

from __future__ import annotations

import numba

from drillsim.core.compiled import watch_compilation


def test_watch_names_each_compilation_and_not_a_second_call() -> None:
    """A function compiled inside the block is named once per new signature; a repeated call is silent."""

    @numba.njit
    def add_one(x: float) -> float:
        return x + 1

    seen: list[str] = []
    with watch_compilation(seen.append):
        add_one(1)
        add_one(2)
        add_one(1.5)
    assert seen == ["test_watch_names_each_compilation_and_not_a_second_call.<locals>.add_one"] * 2


def test_watch_ends_with_its_block() -> None:
    """After the block, compilations are no longer reported."""

    @numba.njit
    def twice(x: int) -> int:
        return 2 * x

    seen: list[str] = []
    with watch_compilation(seen.append):
        pass
    twice(3)
    assert seen == []
