"""Build the historical data sets shipped in src/drillsim/analysis/data/ from vendored public sources.

Run from the repository root:  python scripts/build_history.py

Inputs are the verbatim excerpts in scripts/history/raw/ (each names its origin repository, path and
commit in its header); there is no network access at build time. Outputs are clean CSV files; every
number in them is parsed from the raw text, none is typed in here.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "scripts" / "history" / "raw"
OUT = ROOT / "src" / "drillsim" / "analysis" / "data"


def _one(pattern: str, text: str, what: str) -> re.Match[str]:
    match = re.search(pattern, text, flags=re.MULTILINE)
    if match is None:
        raise SystemExit(f"build_history: could not find {what} in the raw source")
    return match


def build_iwo_jima() -> None:
    """Engel (1954) Iwo Jima inputs: US landings by day, strengths at the start and end of the battle."""
    (OUT / "iwo_jima").mkdir(parents=True, exist_ok=True)
    antonov = (RAW / "iwo_jima_antonov2023.md").read_text(encoding="utf-8")
    pose = (RAW / "iwo_jima_pose2009.txt").read_text(encoding="utf-8")

    piecewise = _one(
        r"growthIwoJimaX\[t_\] := Piecewise\[\{(.*)\}, 0\]", antonov, "the US landing schedule"
    ).group(1)
    landings = [
        (int(start) + 1, int(amount))  # amount lands during [start, start + 1): day start + 1, counted from 1
        for amount, start in re.findall(r"\{(\d+), (\d+) <= t < \d+\}", piecewise)
    ]
    pose_landings = [
        (int(start) + 1, int(amount))
        for start, amount in re.findall(r"if \(\s*(\d+) <= t && \d+ > t\s*\)\s*\n\s*res = (\d+);", pose)
    ]
    if sorted(landings) != sorted(pose_landings):
        raise SystemExit(
            f"build_history: the two sources disagree on US landings: {landings} vs {pose_landings}"
        )

    japanese_initial = int(
        _one(r"\[(\d+),0\],\s+#Cantidad de fuerzas", pose, "the Japanese strength").group(1)
    )
    days = int(_one(r"^days = (\d+);", pose, "the battle length").group(1))
    us_final = int(
        _one(r"\{35, (\d+)\}\}, InterpolationOrder", antonov, "the US strength at the end").group(1)
    )
    us_attrition = float(
        _one(r"fireEfficiencyY -> (0\.\d+)\n", antonov, "Engel's US attrition coefficient").group(1)
    )
    jp_attrition = float(
        _one(r"fireEfficiencyX -> (0\.\d+),", antonov, "Engel's Japanese attrition coefficient").group(1)
    )
    pose_c12 = float(_one(r"^c12 = (\.\d+);", pose, "c12").group(1))
    pose_c21 = float(_one(r"^c21 = (\.\d+);", pose, "c21").group(1))
    if (pose_c12, pose_c21) != (us_attrition, jp_attrition):
        raise SystemExit("build_history: the two sources disagree on Engel's coefficients")

    landed = dict(landings)
    with (OUT / "iwo_jima" / "iwo_jima_engel1954.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["day", "us_landed", "us_strength", "japanese_strength"])
        for day in range(days + 1):
            us = "0" if day == 0 else (str(us_final) if day == days else "")
            jp = str(japanese_initial) if day == 0 else ("0" if day == days else "")
            writer.writerow([day, landed.get(day, 0), us, jp])
    with (OUT / "iwo_jima" / "iwo_jima_engel1954_published.csv").open(
        "w", newline="", encoding="utf-8"
    ) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["parameter", "value", "meaning"])
        writer.writerow(["us_attrition_coefficient", us_attrition, "US losses per Japanese soldier per day"])
        writer.writerow(
            ["japanese_attrition_coefficient", jp_attrition, "Japanese losses per US soldier per day"]
        )


def build_ardennes() -> None:
    """Daily Allied and German strengths and casualties in the Ardennes campaign, days 2 to 33."""
    (OUT / "ardennes").mkdir(parents=True, exist_ok=True)
    lines = [
        ln
        for ln in (RAW / "ardennes_wiper2000.txt").read_text(encoding="utf-8").splitlines()
        if not ln.startswith("#")
    ]
    header = lines[0].split()
    if header != ["Day", "ForcesAllies", "CasualtiesAllies", "ForcesGermans", "CasualtiesGermans"]:
        raise SystemExit(f"build_history: unexpected Ardennes header {header}")
    with (OUT / "ardennes" / "ardennes_daily.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(
            ["day", "allied_strength", "allied_casualties", "german_strength", "german_casualties"]
        )
        for ln in lines[1:]:
            if ln.strip():
                writer.writerow([int(v) for v in ln.split()])


def main() -> int:
    build_iwo_jima()
    build_ardennes()
    print(f"wrote data sets to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
