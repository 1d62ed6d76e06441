"""Write the generated scenario-language reference in docs/reference/ from the models.

Run from anywhere:  python scripts/build_reference.py          (writes the files)
                    python scripts/build_reference.py --check  (exit 1 and list the stale files)

Outputs: docs/reference/scenario.md (from drillsim.scenario.reference_markdown()),
docs/reference/scenario.schema.json and docs/reference/catalogue.schema.json (from scenario_schema()).
The test suite runs the --check form, so the committed files never drift from the code.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from drillsim.scenario import reference_markdown, scenario_schema

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "reference"


def outputs() -> dict[Path, str]:
    """Each generated file and the text it should hold."""
    return {
        OUT / "scenario.md": reference_markdown(),
        OUT / "scenario.schema.json": json.dumps(scenario_schema("scenario"), indent=2, ensure_ascii=False)
        + "\n",
        OUT / "catalogue.schema.json": json.dumps(scenario_schema("catalogue"), indent=2, ensure_ascii=False)
        + "\n",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale files instead of writing them")
    args = parser.parse_args(argv)
    stale = []
    for path, text in outputs().items():
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        stale.append(path.relative_to(ROOT))
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if args.check and stale:
        print("out of date: " + ", ".join(map(str, stale)), file=sys.stderr)
        print("run: python scripts/build_reference.py", file=sys.stderr)
        return 1
    for path in stale:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
