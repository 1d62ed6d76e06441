"""Check, or rewrite, the command outputs quoted in the docs, so that they cannot go stale.

A ``console`` block preceded by the marker ``<!-- output: checked -->`` is run: each ``$ drillsim ...`` line
in it is run in a fresh folder holding the page's files, and the lines that follow it, up to the next
``$`` line, must be what the command prints (standard output, then standard error). The marker may ask
for one edit of a file first, to show an error: ``<!-- output: checked, with 'NEW' for 'OLD' in FILE -->``.
A block that cannot be run here (it needs a Ctrl-C or a full disk) says so and names the test that checks
what it shows: ``<!-- output: not run: REASON -->``. A ``console`` block with neither marker is an error.

A page's files are the fenced blocks it marks as files (:data:`PAGE_FILES`); the repository's
``examples`` folder is there too. Tables are printed 100 columns wide. Timings (``3.2 s, 314.4
replications/s``, ``after 100 replications (2.4 s)``) vary from run to run and are not compared.

    python scripts/doc_outputs.py                     # check every page; exit 1 with a diff if one differs
    python scripts/doc_outputs.py --update            # rewrite the quoted outputs with what drillsim prints
    python scripts/doc_outputs.py docs/tutorial.md    # one page
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

PAGE_FILES: dict[str, dict[str, str]] = {
    "tutorial.md": {
        "ford-watch.yaml": "tutorial: final scenario",
        "ford-watch-night.yaml": "tutorial: variant",
    },
}
"""Per page: file name -> the marker of the fenced block that holds the file's text."""

MARKER = re.compile(
    r"<!-- output: checked(?:, with '(?P<new>[^']*)' for '(?P<old>[^']*)' in (?P<file>\S+))? -->\n"
    r"```console\n(?P<body>.*?)```",
    flags=re.DOTALL,
)
NOT_RUN = re.compile(r"<!-- output: not run: [^\n>]*[^\s>][^\n>]* -->\n```console\n")
CONSOLE = re.compile(r"^```console$", flags=re.MULTILINE)
WIDTH = "100"
TIMING = re.compile(
    r"\d[\d,]*(\.\d+)? s, [\d,]+(\.\d+)? replications/s|(?<=replications \()\d[\d,]*(\.\d+)? s(?=\))"
)


def _comparable(text: str) -> str:
    return TIMING.sub("(time)", text)


@dataclass(frozen=True)
class Quoted:
    """One checked block: where its body is in the page, and the edit to make first."""

    start: int
    end: int
    body: str
    edit: tuple[str, str, str] | None


def block_after(marker: str, text: str) -> str:
    """The fenced block that follows an HTML comment marker."""
    match = re.search(rf"<!-- {re.escape(marker)} -->\n```\w+\n(.*?)```", text, flags=re.DOTALL)
    if match is None:
        raise SystemExit(f"no block after the marker '{marker}'")
    return match.group(1)


def quoted_blocks(text: str) -> list[Quoted]:
    """The checked blocks of a page, in order."""
    found = []
    for m in MARKER.finditer(text):
        edit = (m["file"], m["old"], m["new"]) if m["file"] else None
        found.append(Quoted(m.start("body"), m.end("body"), m["body"], edit))
    return found


def unmarked_blocks(text: str) -> list[int]:
    """Line numbers of the ``console`` blocks that are neither checked nor marked as not run."""
    fence = len("```console\n")
    marked = {m.start("body") - fence for m in MARKER.finditer(text)}
    marked |= {m.end() - fence for m in NOT_RUN.finditer(text)}
    return [text.count("\n", 0, m.start()) + 1 for m in CONSOLE.finditer(text) if m.start() not in marked]


def _program() -> list[str]:
    script = Path(sys.executable).with_name("drillsim")
    return [str(script)] if script.exists() else [sys.executable, "-m", "drillsim"]


def _workspace(page: Path, text: str, edit: tuple[str, str, str] | None) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="drillsim-docs-"))
    for name, marker in PAGE_FILES.get(page.name, {}).items():
        (folder / name).write_text(block_after(marker, text), encoding="utf-8")
    (folder / "examples").symlink_to(ROOT / "examples")
    if edit is not None:
        name, old, new = edit
        path = folder / name
        original = path.read_text(encoding="utf-8")
        if old not in original:
            raise SystemExit(f"{page.name}: '{old}' is not in {name}")
        path.write_text(original.replace(old, new, 1), encoding="utf-8")
    return folder


def run_block(page: Path, text: str, block: Quoted) -> str:
    """The block as drillsim prints it now: each ``$`` line followed by its output."""
    folder = _workspace(page, text, block.edit)
    env = {**os.environ, "COLUMNS": WIDTH, "NO_COLOR": "1", "TERM": "dumb"}
    lines: list[str] = []
    for line in block.body.splitlines():
        if not line.startswith("$ "):
            continue
        words = shlex.split(line[2:])
        if words[0] != "drillsim":
            raise SystemExit(f"{page.name}: only drillsim commands are run, not: {line}")
        done = subprocess.run(
            [*_program(), *words[1:]], cwd=folder, env=env, capture_output=True, text=True, check=False
        )
        lines.append(line)
        output = (done.stdout.rstrip("\n") + "\n" + done.stderr.rstrip("\n")).strip("\n")
        lines += [out.rstrip() for out in output.splitlines()]
    return "\n".join(lines) + "\n"


def check_page(page: Path, *, update: bool = False) -> list[str]:
    """The differences between the page's quoted outputs and what drillsim prints (rewritten: ``update``)."""
    text = page.read_text(encoding="utf-8")
    problems: list[str] = [
        f"{page.relative_to(ROOT)}:{line}: a console block neither checked nor marked "
        "'<!-- output: not run: REASON -->'"
        for line in unmarked_blocks(text)
    ]
    pieces: list[str] = []
    last = 0
    for block in quoted_blocks(text):
        now = run_block(page, text, block)
        if _comparable(now) != _comparable(block.body):
            diff = difflib.unified_diff(
                block.body.splitlines(), now.splitlines(), "in the docs", "printed now", lineterm=""
            )
            problems.append(f"{page.relative_to(ROOT)}:\n" + "\n".join(diff))
        pieces += [text[last : block.start], now if update else block.body]
        last = block.end
    if update and problems:
        page.write_text("".join([*pieces, text[last:]]), encoding="utf-8")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", type=Path, help="Pages to check (default: every page of docs/).")
    parser.add_argument("--update", action="store_true", help="Rewrite the quoted outputs.")
    options = parser.parse_args(argv)
    pages = [p.resolve() for p in options.pages] or sorted(DOCS.rglob("*.md"))
    problems = [p for page in pages for p in check_page(page, update=options.update)]
    for problem in problems:
        print(problem)
    if problems and not options.update:
        print(f"{len(problems)} quoted output(s) differ; run 'python scripts/doc_outputs.py --update'.")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
