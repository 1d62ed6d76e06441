"""The vendored browser libraries match viewer/package-lock.json and ship inside the wheel's package."""

from __future__ import annotations

import json
from pathlib import Path

from drillsim.report.server import static_files

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "src" / "drillsim" / "report" / "static" / "vendor"
LOCK = ROOT / "viewer" / "package-lock.json"


def locked(name: str) -> dict[str, str]:
    """The lockfile entry of one npm package."""
    entry: dict[str, str] = json.loads(LOCK.read_text(encoding="utf-8"))["packages"][f"node_modules/{name}"]
    return entry


def test_versions_json_matches_the_lockfile() -> None:
    """vendor/versions.json records the lockfile's version and integrity of Leaflet and milsymbol."""
    versions = json.loads((VENDOR / "versions.json").read_text(encoding="utf-8"))
    for name in ("leaflet", "milsymbol"):
        assert versions[name] == {"version": locked(name)["version"], "integrity": locked(name)["integrity"]}
    assert locked("leaflet")["version"].startswith("1.9.")


def test_vendored_files_carry_the_locked_versions() -> None:
    """The committed leaflet.js and milsymbol.js announce the versions the lockfile pins."""
    leaflet = (VENDOR / "leaflet" / "leaflet.js").read_text(encoding="utf-8")
    assert f"Leaflet {locked('leaflet')['version']}" in leaflet[:300]
    milsymbol = (VENDOR / "milsymbol" / "milsymbol.js").read_text(encoding="utf-8")
    assert f'"{locked("milsymbol")["version"]}"' in milsymbol


def test_vendored_files_equal_the_installed_packages() -> None:
    """Each committed vendor file is byte-identical to its source in viewer/node_modules (npm ci first)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_viewer", ROOT / "scripts" / "build_viewer.py")
    assert spec is not None
    assert spec.loader is not None
    build_viewer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_viewer)
    modules = ROOT / "viewer" / "node_modules"
    assert modules.is_dir(), "run 'npm ci --prefix viewer' first"
    for name, files in build_viewer.FILES.items():
        for src, dst in files:
            assert (VENDOR / name / dst).read_bytes() == (modules / name / src).read_bytes(), f"{name}/{dst}"


def test_static_assets_are_package_resources() -> None:
    """The viewer page, map kit and vendored libraries are found through importlib.resources."""
    files = static_files()
    for name in (
        "index.html",
        "viewer.js",
        "mapkit.js",
        "vendor/leaflet/leaflet.js",
        "vendor/milsymbol/milsymbol.js",
    ):
        assert name in files
