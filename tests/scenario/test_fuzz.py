"""Property: whatever is done to a valid file, loading it works or raises a UserError that names the file."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import drillsim
from drillsim.scenario import load_scenario

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples"
SOURCES = {
    name: (EXAMPLES / name).read_text(encoding="utf-8")
    for name in ("crossing-defence.yaml", "crossing-defence-night.yaml")
}
TREES = {name: yaml.safe_load(text) for name, text in SOURCES.items()}


def field_paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path below the root of a YAML data tree."""
    out: list[tuple[Any, ...]] = []
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, value in children:
        out.append((*path, key))
        out += field_paths(value, (*path, key))
    return out


PATHS = {name: field_paths(tree) for name, tree in TREES.items()}
KEYS = sorted({p[-1] for paths in PATHS.values() for p in paths if isinstance(p[-1], str)})

text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**12), 10**12), st.floats(), text, st.sampled_from(KEYS)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(text | st.sampled_from(KEYS), inner, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def mutants(draw: st.DrawFn) -> tuple[str, str]:
    """(file name, text): one of the examples with one random change to its data or its text."""
    name = draw(st.sampled_from(sorted(SOURCES)))
    kind = draw(st.sampled_from(["delete", "replace", "rename", "duplicate", "truncate", "insert"]))
    source = SOURCES[name]
    if kind in ("duplicate", "truncate", "insert"):
        i = draw(st.integers(0, len(source)))
        if kind == "truncate":
            return name, source[:i]
        if kind == "insert":
            return name, source[:i] + draw(st.text(min_size=1, max_size=6)) + source[i:]
        j = draw(st.integers(i, min(len(source), i + 200)))
        return name, source[:j] + source[i:j] + source[j:]
    tree = copy.deepcopy(TREES[name])
    path = draw(st.sampled_from(PATHS[name]))
    parent = tree
    for part in path[:-1]:
        parent = parent[part]
    key = path[-1]
    if kind == "delete":
        del parent[key]
    elif kind == "rename" and isinstance(parent, dict):
        new = draw(text | st.sampled_from(KEYS))
        parent[new] = parent.pop(key)
    else:
        parent[key] = draw(values)
    return name, yaml.safe_dump(tree, sort_keys=False, allow_unicode=True)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the unchanged examples, so mutated variants still find their base."""
    folder = tmp_path_factory.mktemp("fuzz")
    for name in SOURCES:
        shutil.copy(EXAMPLES / name, folder / name)
    return folder


@settings(
    max_examples=120,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(mutant=mutants())
def test_mutated_file_loads_or_fails_cleanly(workdir: Path, mutant: tuple[str, str]) -> None:
    """A mutated example loads, or raises a UserError whose message names the file; never anything else."""
    name, content = mutant
    path = workdir / f"mutant-{name}"
    path.write_text(content, encoding="utf-8")
    try:
        load_scenario(path)
    except drillsim.UserError as exc:
        message = str(exc)
    else:
        return
    assert str(path) in message, message
