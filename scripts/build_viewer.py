"""Copy the pinned browser libraries from viewer/node_modules into the package's static assets.

Run ``npm ci --prefix viewer`` first (it installs exactly the versions in viewer/package-lock.json), then
``python scripts/build_viewer.py``. The script copies Leaflet's and milsymbol's distribution files and
licences into ``src/drillsim/report/static/vendor/`` and writes ``vendor/versions.json`` with each
library's version and the lockfile's integrity hash, which a test compares with the lockfile. The copied
files are committed, so installing drillsim never needs npm. ``--check`` only reports whether the committed
files match node_modules (exit 1 if not).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VIEWER = ROOT / "viewer"
VENDOR = ROOT / "src" / "drillsim" / "report" / "static" / "vendor"

# Library -> (source file in node_modules/<library>, destination under vendor/<library>/).
FILES: dict[str, list[tuple[str, str]]] = {
    "leaflet": [
        ("dist/leaflet.js", "leaflet.js"),
        ("dist/leaflet.css", "leaflet.css"),
        ("dist/images/layers.png", "images/layers.png"),
        ("dist/images/layers-2x.png", "images/layers-2x.png"),
        ("dist/images/marker-icon.png", "images/marker-icon.png"),
        ("dist/images/marker-icon-2x.png", "images/marker-icon-2x.png"),
        ("dist/images/marker-shadow.png", "images/marker-shadow.png"),
        ("LICENSE", "LICENSE"),
    ],
    "milsymbol": [
        ("dist/milsymbol.js", "milsymbol.js"),
        ("LICENSE", "LICENSE"),
    ],
}


def locked_versions() -> dict[str, dict[str, str]]:
    """Version and integrity of each vendored library, from viewer/package-lock.json."""
    lock = json.loads((VIEWER / "package-lock.json").read_text(encoding="utf-8"))
    out = {}
    for name in FILES:
        entry = lock["packages"][f"node_modules/{name}"]
        out[name] = {"version": entry["version"], "integrity": entry["integrity"]}
    return out


def build(*, check: bool) -> int:
    modules = VIEWER / "node_modules"
    versions = locked_versions()
    stale: list[str] = []
    for name, files in FILES.items():
        installed = json.loads((modules / name / "package.json").read_text(encoding="utf-8"))["version"]
        if installed != versions[name]["version"]:
            print(
                f"{name}: node_modules has {installed}, the lockfile {versions[name]['version']}; run npm ci"
            )
            return 1
        for src, dst in files:
            source = modules / name / src
            target = VENDOR / name / dst
            if target.is_file() and target.read_bytes() == source.read_bytes():
                continue
            stale.append(f"{name}/{dst}")
            if not check:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
    manifest = json.dumps(versions, indent=2, sort_keys=True) + "\n"
    manifest_path = VENDOR / "versions.json"
    if not manifest_path.is_file() or manifest_path.read_text(encoding="utf-8") != manifest:
        stale.append("versions.json")
        if not check:
            manifest_path.write_text(manifest, encoding="utf-8")
    if check:
        for item in stale:
            print(f"out of date: {item}")
        return 1 if stale else 0
    names = ", ".join(f"{name} {info['version']}" for name, info in versions.items())
    print(f"vendored {names} into {VENDOR}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if out of date")
    args = parser.parse_args(argv)
    return build(check=args.check)


if __name__ == "__main__":
    sys.exit(main())
