"""Build the historical data sets shipped in src/drillsim/validation/data/ from vendored public sources.

Run from the repository root:  python scripts/build_history.py

Inputs are the verbatim excerpts in scripts/history/raw/ (each names its origin repository, path and
commit in its header, or, for the CDB90 files copied byte for byte, in scripts/history/raw/cdb90/SOURCE.md);
there is no network access at build time. Outputs are clean CSV files; every number in them is parsed from
the raw text, none is typed in here.
"""

from __future__ import annotations

import csv
import math
import re
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "scripts" / "history" / "raw"
OUT = ROOT / "src" / "drillsim" / "validation" / "data"


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


# --------------------------------------------------------------------------------------------- CDB90

CDB90_COLUMNS = (
    "id",
    "name",
    "war",
    "campaign",
    "location",
    "start",
    "end",
    "year",
    "duration_days",
    "attacker",
    "defender",
    "attacker_strength",
    "defender_strength",
    "attacker_initial_strength",
    "defender_initial_strength",
    "attacker_strength_code",
    "defender_strength_code",
    "attacker_casualties",
    "defender_casualties",
    "attacker_tanks",
    "defender_tanks",
    "attacker_artillery",
    "defender_artillery",
    "attacker_aircraft",
    "defender_aircraft",
    "winner",
    "attacker_advance_km",
    "posture_type",
    "defender_posture",
    "defender_posture_2",
    "terrain_relief",
    "terrain_vegetation",
    "terrain_special",
    "weather_moisture",
    "weather_precipitation",
    "weather_temperature",
    "weather_season",
    "weather_climate",
    "part_of",
)
"""Columns of data/cdb90/cdb90_battles.csv, one row per battle; docs in data/cdb90/README.md."""

_WINNER = {"1": "attacker", "-1": "defender", "0": "draw"}


def _cdb90_table(name: str, fields: int) -> list[dict[str, str]]:
    """One raw CDB90 file as rows; every line must have the header's number of fields."""
    path = RAW / "cdb90" / name
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    if not rows or len(rows[0]) != fields:
        raise SystemExit(f"build_history: {path}: expected a header of {fields} fields")
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != fields:
            raise SystemExit(f"build_history: {path}:{number}: {len(row)} fields, expected {fields}")
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def _count(value: str, *, where: str) -> str:
    """A non-negative whole number as text, or empty when the source has none."""
    text = value.strip()
    if not text:
        return ""
    number = float(text)
    if number < 0 or number != math.floor(number):
        raise SystemExit(f"build_history: {where}: expected a count, found {value!r}")
    return str(int(number))


def _elapsed_days(start: str, end: str) -> str:
    if not start or not end:
        return ""
    seconds = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    return repr(round(seconds / 86400.0, 4))


def build_cdb90() -> None:
    """CDB90 battles (CAA 1991, jrnold/CDB90 transcription): one tidy row per battle."""
    (OUT / "cdb90").mkdir(parents=True, exist_ok=True)
    battles = _cdb90_table("cdb90_battles.csv", 46)
    sides = _cdb90_table("belligerents.csv", 34)
    durations = {r["isqno"]: r for r in _cdb90_table("battle_durations.csv", 6)}
    terrain = {r["isqno"]: r for r in _cdb90_table("cdb90_terrain.csv", 5) if r["terrano"] == "1"}
    weather = {r["isqno"]: r for r in _cdb90_table("cdb90_weather.csv", 7) if r["wxno"] == "1"}
    by_role: dict[tuple[str, str], dict[str, str]] = {}
    for side in sides:
        key = (side["isqno"], "attacker" if side["attacker"] == "1" else "defender")
        if key in by_role or side["attacker"] not in ("0", "1"):
            raise SystemExit(f"build_history: belligerents.csv: battle {side['isqno']} has two {key[1]}s")
        by_role[key] = side
    with (OUT / "cdb90" / "cdb90_battles.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(CDB90_COLUMNS)
        for battle in battles:
            isqno = battle["isqno"]
            att, dfd = by_role[(isqno, "attacker")], by_role[(isqno, "defender")]
            span = durations[isqno]
            start, end = span["datetime_min"], span["datetime_max"]
            year = (start or end)[:4]
            ground = terrain.get(isqno, {})
            sky = weather.get(isqno, {})
            advance = battle["kmda"].strip()

            def both(
                field: str, att: dict[str, str] = att, dfd: dict[str, str] = dfd, isqno: str = isqno
            ) -> list[str]:
                return [_count(s[field], where=f"battle {isqno} {field}") for s in (att, dfd)]

            writer.writerow(
                [
                    isqno,
                    battle["name"].strip(),
                    battle["war"].strip(),
                    battle["campgn"].strip(),
                    battle["locn"].strip(),
                    start,
                    end,
                    year,
                    _elapsed_days(start, end),
                    att["nam"].strip(),
                    dfd["nam"].strip(),
                    *both("str"),
                    *both("intst"),
                    att["code"],
                    dfd["code"],
                    *both("cas"),
                    *both("tank"),
                    *both("arty"),
                    *both("fly"),
                    _WINNER.get(battle["wina"], ""),
                    "" if advance in ("", "-9999") else advance,
                    battle["postype"],
                    battle["post1"],
                    battle["post2"],
                    ground.get("terra1", ""),
                    ground.get("terra2", ""),
                    ground.get("terra3", ""),
                    *(sky.get(f"wx{k}", "") for k in range(1, 6)),
                    battle["parent"],
                ]
            )


def main() -> int:
    build_iwo_jima()
    build_ardennes()
    build_cdb90()
    print(f"wrote data sets to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
