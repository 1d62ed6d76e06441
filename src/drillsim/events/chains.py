"""Kill chains read from an event log: every fire mission and air strike, with the events of each link.

One reader serves every consumer: the replay and the report (one replication, with map positions) and the
kill-chain attribution (many replications, link durations). A mission is keyed by (replication, mission id);
ids are unique within a replication across fire missions and strikes, so each event of a mission
(``RoundsImpacted`` of a bomb as much as of a shell) joins the chain its request opened. Ids start at 1;
mission 0 marks the sorties an aircraft flies for its own endurance (``SortieLaunched``, ``SortieRecovered``),
which belong to no chain.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["CHAIN_KINDS", "FIRE_MISSION_KINDS", "STRIKE_KINDS", "Mission", "missions"]

FIRE_MISSION_KINDS = (
    "FireMissionRequested",
    "FireMissionRefused",
    "RoundsFired",
    "RoundsImpacted",
    "FireMissionCompleted",
)
"""The events of a fire mission's links, in chain order."""
STRIKE_KINDS = (
    "StrikeRequested",
    "SortieLaunched",
    "WeaponsReleased",
    "RoundsImpacted",
    "StrikeAborted",
    "SortieRecovered",
)
"""The events of an air strike's links, in chain order."""
CHAIN_KINDS = tuple(dict.fromkeys(FIRE_MISSION_KINDS + STRIKE_KINDS))
"""Every event kind that belongs to a fire mission or a strike."""

Chain = Literal["fire-mission", "air-strike"]
Row = Mapping[str, Any]


@dataclass
class Mission:
    """One fire mission or air strike: the first event of each kind, and what it added up to."""

    replication: int
    mission: int
    chain: Chain
    first: dict[str, Row] = field(default_factory=dict)
    """The first row of each event kind of the mission (the event log's columns, plus whatever the caller
    added to its rows, such as map positions)."""
    rounds: int = 0
    """Rounds fired (fire mission) or weapons released (strike)."""
    casualties: int = 0
    """Casualties of every impact of the mission."""

    @property
    def request(self) -> Row:
        return self.first["FireMissionRequested" if self.chain == "fire-mission" else "StrikeRequested"]

    @property
    def side(self) -> str | None:
        value = self.request["side"]
        return None if value is None else str(value)

    @property
    def target(self) -> str | None:
        """The requested target, or the one the impacts or release name when the request named none."""
        for kind in ("FireMissionRequested", "StrikeRequested", "WeaponsReleased", "RoundsImpacted"):
            row = self.first.get(kind)
            if row is not None and row["other"]:
                return str(row["other"])
        return None

    @property
    def observer(self) -> str | None:
        """The observer whose report the fire mission answers (strikes have none)."""
        unit = self.request["unit"] if self.chain == "fire-mission" else None
        return None if unit is None else str(unit)

    @property
    def shooter(self) -> str | None:
        """The battery of a fire mission, the aircraft of a strike."""
        refused = self.first.get("FireMissionRefused")
        if self.chain == "air-strike":
            unit = self.request["unit"]
        else:
            unit = self.request["detail"] or (refused["unit"] if refused is not None else None)
        return None if unit is None else str(unit)

    def time(self, kind: str) -> float | None:
        """When the mission's first event of ``kind`` happened (None if it did not)."""
        row = self.first.get(kind)
        return None if row is None else float(row["time_s"])

    @property
    def outcome(self) -> str:
        """``completed``, ``refused: REASON``, ``aborted: REASON`` or ``pending``."""
        if "FireMissionRefused" in self.first:
            return f"refused: {self.first['FireMissionRefused']['detail']}"
        if "StrikeAborted" in self.first:
            return f"aborted: {self.first['StrikeAborted']['detail']}"
        if "FireMissionCompleted" in self.first or "WeaponsReleased" in self.first:
            return "completed"
        return "pending"


def missions(rows: Iterable[Row], *, side: str | None = None) -> dict[tuple[int, int], Mission]:
    """Every fire mission and strike in ``rows`` (event-log rows in log order), by (replication, mission id).

    With ``side``, only the missions that side asked for. Rows of other kinds are passed over, so a whole
    event log can be given.
    """
    found: dict[tuple[int, int], Mission] = {}
    for row in rows:
        kind = row["kind"]
        if kind not in CHAIN_KINDS or row["value"] is None or row["value"] != row["value"]:
            continue
        key = (int(row["replication"]), int(row["value"]))
        if kind in ("FireMissionRequested", "StrikeRequested"):
            if side is not None and row["side"] != side:
                continue
            chain: Chain = "fire-mission" if kind == "FireMissionRequested" else "air-strike"
            found[key] = Mission(replication=key[0], mission=key[1], chain=chain, first={kind: row})
            continue
        mission = found.get(key)
        if mission is None or kind not in (
            FIRE_MISSION_KINDS if mission.chain == "fire-mission" else STRIKE_KINDS
        ):
            continue
        mission.first.setdefault(kind, row)
        if kind in ("RoundsFired", "WeaponsReleased"):
            mission.rounds += int(row["count"] or 0)
        elif kind == "RoundsImpacted":
            mission.casualties += int(row["count"] or 0)
    return found
