"""A seeded corpus of hostile scenario files, and a harness that loads each one and counts what went wrong.

Every file is an example scenario with one to three mutations: structural edits (lines deleted, duplicated,
swapped, re-indented, truncated), type swaps, huge and non-finite numbers, binary junk, invalid UTF-8 and
UTF-16, deep nesting, alias bombs and recursive aliases, Python and other tags, duplicate keys, long
values, bad ``extends:`` (other files' secrets, ``/etc/passwd``, long names, NUL bytes, loops) and bad
``area.elevation``/``area.geodata`` paths (the same, and geodata sets whose layers leak or escape).

File ``i`` of seed ``s`` is the same on every machine, so a failure is reproduced by its number. The
harness loads every file with ``load_scenario`` and checks it with ``validate`` (all problems), under a
per-file time limit, and counts:

- tracebacks: anything raised that is not a ``UserError``;
- slow files: loading took longer than the time limit;
- leaks: a message quotes a planted secret or ``/etc/passwd``;
- long messages: a message (one problem) over 2,000 characters;
- unlocated messages: a message that does not start with ``file:line:column:``.

The test suite runs a few hundred files (tests/scenario/test_fuzz_corpus.py). The long run, from the
repository root::

    python -m tests.scenario.fuzz_corpus --files 10000 --seed 1

prints the counts (all should be zero) and the first few offending file numbers of each kind; rerun one
with ``--only N --keep DIR`` to get the file.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import drillsim
from drillsim.core.errors import MAX_MESSAGE_CHARS, AllProblemsError
from drillsim.scenario import load_scenario, validate

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples"
BASE_NAME = "crossing-defence.yaml"
VARIANT_NAME = "crossing-defence-night.yaml"
SECRET = "SECRET-6f1d93"
"""Planted in files next to and outside the work folder; no error message may ever contain it."""
PASSWD_LINE = re.compile(r"\w+:x?:\d+:\d+:")
LOCATED = re.compile(r"^.+?:\d+:\d+: ")

Mutation = Callable[[random.Random, bytes], bytes]


# --- mutations ----------------------------------------------------------------------------------------------


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _value_lines(data: bytes) -> list[int]:
    """Indexes of lines of the form ``key: value``."""
    return [i for i, line in enumerate(_lines(data)) if re.match(rb"^\s*[\w/-]+: \S", line)]


def _replace_value(rng: random.Random, data: bytes, new: bytes) -> bytes:
    lines = _lines(data)
    candidates = _value_lines(data) or [0]
    i = rng.choice(candidates)
    key = lines[i].split(b":", 1)[0]
    lines[i] = key + b": " + new
    return b"\n".join(lines)


def delete_lines(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    del lines[i : i + rng.randint(1, 4)]
    return b"\n".join(lines)


def duplicate_lines(rng: random.Random, data: bytes) -> bytes:
    """Duplicate a run of lines in place: duplicate keys, repeated list items."""
    lines = _lines(data)
    i = rng.randrange(len(lines))
    run = lines[i : i + rng.randint(1, 6)]
    return b"\n".join(lines[: i + len(run)] + run + lines[i + len(run) :])


def swap_lines(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


def reindent(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    lines[i] = (
        b" " * rng.choice([0, 1, 3, 5, 8]) + lines[i].lstrip() if rng.random() < 0.8 else b"\t" + lines[i]
    )
    return b"\n".join(lines)


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def swap_type(rng: random.Random, data: bytes) -> bytes:
    new = rng.choice(
        [b"[1, 2, 3]", b"{a: 1}", b"'text'", b"true", b"null", b"~", b"[]", b"{}", b"-", b"''", b"[[], {}]"]
    )
    return _replace_value(rng, data, new)


def huge_number(rng: random.Random, data: bytes) -> bytes:
    digits = rng.choice([20, 40, 309, 400, 4300, 5000])
    new = rng.choice(
        [
            b"9" * digits,
            b"-" + b"9" * digits,
            b"0x7fffffffffffffffffff",
            b"0o7777777777777777777777777",
            b"1.0e+400",
            b"-1.0e+999",
            b".inf",
            b"-.inf",
            b".nan",
            b"1.0e+300",
            b"10000000",
            b"-0.0",
            b"1_000_000_000_000",
            b"4.9e-324",
            b"190:20:30",
        ]
    )
    lines = _lines(data)
    numeric = [i for i, line in enumerate(lines) if re.match(rb"^\s*[\w/-]+: -?[0-9.]+\s*$", line)]
    if numeric and rng.random() < 0.8:
        i = rng.choice(numeric)
        lines[i] = lines[i].split(b":", 1)[0] + b": " + new
        return b"\n".join(lines)
    return _replace_value(rng, data, new)


def binary_junk(rng: random.Random, data: bytes) -> bytes:
    junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 40)))
    i = rng.randrange(len(data) + 1)
    return data[:i] + junk + data[i:]


def invalid_utf8(rng: random.Random, data: bytes) -> bytes:
    kind = rng.randrange(5)
    if kind == 0:
        return b"\xff\xfe" + data  # a bare UTF-16 byte-order mark
    if kind == 1:
        return data.decode("utf-8", errors="replace").encode("utf-16")
    bad = rng.choice([b"\xff", b"\xc3", b"\xe2\x82", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"])
    i = rng.randrange(len(data) + 1)
    return data[:i] + bad + data[i:]


def deep_nesting(rng: random.Random, data: bytes) -> bytes:
    depth = rng.choice([50, 63, 64, 65, 100, 500, 5000])
    kind = rng.randrange(4)
    if kind == 0:
        value = b"[" * depth  # unclosed
    elif kind == 1:
        value = b"[" * depth + b"1" + b"]" * depth
    elif kind == 2:
        value = b"{a: " * depth + b"1" + b"}" * depth
    else:
        block = b"".join(b"  " * k + b"k:\n" for k in range(min(depth, 400)))
        return data + b"\nextra:\n" + b"\n".join(b"  " + line for line in block.split(b"\n"))
    return _replace_value(rng, data, value)


def alias_bomb(rng: random.Random, data: bytes) -> bytes:
    kind = rng.randrange(4)
    if kind == 0:
        width, levels = rng.choice([(9, 7), (10, 9), (2, 40), (100, 3)])
        text = [f"b0: &b0 [{', '.join(['x'] * width)}]"]
        text += [f"b{i}: &b{i} [{', '.join([f'*b{i - 1}'] * width)}]" for i in range(1, levels)]
        return "\n".join(text).encode() + b"\n" + data
    if kind == 1:
        return _replace_value(rng, data, b"&r [1, *r]")
    if kind == 2:
        return _replace_value(rng, data, b"&m {a: *m}")
    chain = [b"c0: &c0 {k: 1}"] + [f"c{i}: &c{i} {{<<: *c{i - 1}, k{i}: 1}}".encode() for i in range(1, 600)]
    return b"\n".join(chain) + b"\n" + data


def tag(rng: random.Random, data: bytes) -> bytes:
    new = rng.choice(
        [
            b'!!python/object/apply:os.system ["echo hi"]',
            b"!!python/name:os.system",
            b"!!python/object:builtins.object {}",
            b"!!binary aGVsbG8=",
            b"!!binary not-base64!",
            b"!!set {a, b}",
            b"!!omap [a: 1, b: 2]",
            b"!custom 12",
            b"!!timestamp 2015-02-30",
            b"!!int 'x'",
            b"!!float 'y'",
            b"!!str 12",
            b"!!map [1]",
            b"2015-02-30T25:61:00Z",
        ]
    )
    return _replace_value(rng, data, new)


def long_value(rng: random.Random, data: bytes) -> bytes:
    size = rng.choice([3_000, 30_000, 300_000])
    if rng.random() < 0.5:
        return _replace_value(rng, data, b"x" * size)
    lines = _lines(data)
    i = rng.randrange(len(lines))
    return b"\n".join([*lines[:i], b"k" * size + b": 1", *lines[i:]])


def bad_extends(rng: random.Random, data: bytes) -> bytes:
    ref = rng.choice(
        [
            b"/etc/passwd",
            b"/etc/hostname",
            b"../outside/secret.yaml",
            b"../outside/../outside/secret.yml",
            b"secret.txt",
            b"secrets.yaml",
            b"a" * 300 + b".yaml",
            b"sub/" * 400 + b"x.yaml",
            b'"a\\0b.yaml"',
            b"[1, 2]",
            b"''",
            b".",
            b"/",
            BASE_NAME.encode(),
            b"folder.yaml",
            b"~/.bashrc",
            b"khatlon-2015-v1x",
            b"ABSOLUTE_SECRET",
        ]
    )
    line = b"extends: " + ref + b"\nname: fuzzed-v1\n"
    if rng.random() < 0.3:
        line = b"catalogue:\n  extends: [core-v1, " + ref + b"]\n"
        data = re.sub(rb"(?m)^catalogue:.*\n", b"", data)
    else:
        data = re.sub(rb"(?m)^(extends|name):.*\n", b"", data)
    return line + data


def bad_file_field(rng: random.Random, data: bytes) -> bytes:
    """An elevation or geodata path: outside the folder, another file's secrets, a wrong kind, junk."""
    name = rng.choice([b"elevation", b"geodata"])
    ref = rng.choice(
        [
            b"/etc/passwd",
            b"/etc/passwd.tif",
            b"../outside/secret.yaml",
            b"../outside/secret.tif",
            b"secret.txt",
            b"secret.tif",
            b"geo-secret",
            b"geo-escape",
            b"folder.yaml",
            b".",
            b"/",
            b"a" * 300 + b".tif",
            b'"a\\0b.tif"',
            b"[1, 2]",
            b"khatlon",
            b"khatlonx",
            b"ABSOLUTE_SECRET",
        ]
    )
    line = b"  " + name + b": " + ref + b"\n"
    return re.sub(rb"(?m)^area:[^\n]*\n", lambda m: m.group(0) + line, data, count=1)


MUTATIONS: dict[str, Mutation] = {
    "delete": delete_lines,
    "duplicate": duplicate_lines,
    "swap-lines": swap_lines,
    "reindent": reindent,
    "truncate": truncate,
    "type-swap": swap_type,
    "huge-number": huge_number,
    "binary-junk": binary_junk,
    "invalid-utf8": invalid_utf8,
    "deep-nesting": deep_nesting,
    "alias-bomb": alias_bomb,
    "tag": tag,
    "long-value": long_value,
    "bad-extends": bad_extends,
    "bad-file-field": bad_file_field,
}


@dataclass(frozen=True)
class Case:
    """One corpus file: its number, the mutations applied, and its bytes."""

    index: int
    mutations: tuple[str, ...]
    data: bytes


def corpus(seed: int, files: int, *, start: int = 0) -> Iterator[Case]:
    """Files ``start`` .. ``start + files - 1`` of the corpus of ``seed``."""
    sources = {name: (EXAMPLES / name).read_bytes() for name in (BASE_NAME, VARIANT_NAME)}
    for index in range(start, start + files):
        rng = random.Random(f"{seed}:{index}")
        data = sources[rng.choice(sorted(sources))]
        applied = []
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            name = rng.choice(sorted(MUTATIONS))
            data = MUTATIONS[name](rng, data)
            applied.append(name)
        yield Case(index, tuple(applied), data)


# --- the harness --------------------------------------------------------------------------------------------


def prepare(root: Path) -> Path:
    """A work folder holding the base example, with secrets planted beside it and outside it."""
    work = root / "work"
    (work / "folder.yaml").mkdir(parents=True)
    (root / "outside").mkdir()
    (work / BASE_NAME).write_bytes((EXAMPLES / BASE_NAME).read_bytes())
    (work / "secret.txt").write_text(f"token: {SECRET}\n", encoding="utf-8")
    (work / "secrets.yaml").write_text(f"- {SECRET}\n- {SECRET}\n", encoding="utf-8")
    (root / "outside" / "secret.yaml").write_text(f"password: {SECRET}\n", encoding="utf-8")
    (root / "outside" / "secret.yml").write_text(f"{SECRET}: [1]\n", encoding="utf-8")
    (work / "secret.tif").write_text(f"{SECRET}\n", encoding="utf-8")
    (root / "outside" / "secret.tif").write_text(f"{SECRET}\n", encoding="utf-8")
    layers = {"places": {"kind": "points", "file": "places.geojson"}}
    manifest = {"name": "x", "bounds": {}, "origin": {}, "layers": layers}
    for name, layer_file in (("geo-secret", "places.geojson"), ("geo-escape", "../secret.txt")):
        (work / name).mkdir()
        layers["places"]["file"] = layer_file
        (work / name / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (work / "geo-secret" / "places.geojson").write_text(f"{SECRET}\n", encoding="utf-8")
    return work


@dataclass
class Tally:
    """Counts over a run, and the first few file numbers of each kind of failure."""

    files: int = 0
    loaded: int = 0
    user_errors: int = 0
    seconds: float = 0.0
    slowest: float = 0.0
    failures: dict[str, list[int]] = field(
        default_factory=lambda: {k: [] for k in ("traceback", "slow", "leak", "long", "unlocated")}
    )
    details: dict[int, str] = field(default_factory=dict)

    def fail(self, kind: str, case: Case, detail: str) -> None:
        self.failures[kind].append(case.index)
        if len(self.details) < 50:
            self.details[case.index] = f"{kind} {'+'.join(case.mutations)}: {detail[:300]}"

    def counts(self) -> dict[str, int]:
        return {kind: len(indexes) for kind, indexes in self.failures.items()}

    def report(self) -> str:
        c = self.counts()
        lines = [
            f"files {self.files}: loaded {self.loaded}, user errors {self.user_errors}, "
            f"{self.seconds:.0f} s in all, slowest {self.slowest:.2f} s",
            f"tracebacks: {c['traceback']}",
            f"files over the time limit: {c['slow']}",
            f"errors quoting another file: {c['leak']}",
            f"errors over {MAX_MESSAGE_CHARS:,} characters: {c['long']}",
            f"errors without file:line:column: {c['unlocated']}",
        ]
        lines += [f"  file {index}: {text}" for index, text in sorted(self.details.items())[:20]]
        return "\n".join(lines)


class _TimeLimitError(Exception):
    pass


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: object) -> None:
        raise _TimeLimitError

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _check_message(tally: Tally, case: Case, message: str) -> None:
    if SECRET in message or PASSWD_LINE.search(message):
        tally.fail("leak", case, message)
    if len(message) > MAX_MESSAGE_CHARS:
        tally.fail("long", case, f"{len(message):,} characters: {message[:200]}")
    if not LOCATED.match(message):
        tally.fail("unlocated", case, message)


def check(case: Case, work: Path, tally: Tally, *, time_limit: float) -> None:
    """Load one file (first problem, then all problems) and record what went wrong."""
    path = work / f"fuzz-{case.index}.yaml"
    path.write_bytes(
        case.data.replace(b"ABSOLUTE_SECRET", str(work.parent / "outside" / "secret.yaml").encode())
    )
    tally.files += 1
    started = time.monotonic()
    try:
        with _time_limit(time_limit):
            try:
                load_scenario(path)
                tally.loaded += 1
            except drillsim.UserError as exc:
                tally.user_errors += 1
                _check_message(tally, case, str(exc))
            try:
                validate(path)
            except AllProblemsError as exc:
                for problem in exc.problems:
                    _check_message(tally, case, str(problem))
            except drillsim.UserError as exc:
                _check_message(tally, case, str(exc))
    except _TimeLimitError:
        tally.fail("slow", case, f"over {time_limit} s")
    except Exception as exc:  # anything else escaping the loader is what this harness looks for
        tally.fail("traceback", case, f"{type(exc).__name__}: {exc}")
    finally:
        elapsed = time.monotonic() - started
        tally.seconds += elapsed
        tally.slowest = max(tally.slowest, elapsed)
        path.unlink()


def run(
    seed: int, files: int, *, start: int = 0, time_limit: float = 10.0, root: Path | None = None
) -> Tally:
    """Generate and check ``files`` corpus files in a temporary folder (or under ``root``)."""
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="drillsim-fuzz-") as tmp:
        work = prepare(root if root is not None else Path(tmp))
        for case in corpus(seed, files, start=start):
            check(case, work, tally, time_limit=time_limit)
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Load a seeded corpus of hostile scenario files.")
    parser.add_argument("--files", type=int, default=1000, help="how many files (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    parser.add_argument("--start", type=int, default=0, help="number of the first file")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per file (default 10)")
    parser.add_argument("--only", type=int, help="write file N of the corpus to --keep and check only it")
    parser.add_argument("--keep", type=Path, help="folder to write the --only file into")
    args = parser.parse_args(argv)
    if args.only is not None:
        case = next(corpus(args.seed, 1, start=args.only))
        if args.keep is not None:
            args.keep.mkdir(parents=True, exist_ok=True)
            (args.keep / f"fuzz-{case.index}.yaml").write_bytes(case.data)
            print(f"wrote {args.keep / f'fuzz-{case.index}.yaml'} ({'+'.join(case.mutations)})")
        args.start, args.files = args.only, 1
    tally = run(args.seed, args.files, start=args.start, time_limit=args.time_limit)
    print(tally.report())
    return 1 if any(tally.counts().values()) else 0


if __name__ == "__main__":
    sys.exit(main())
