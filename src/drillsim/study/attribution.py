"""Kill-chain attribution: which link of the sensor-to-shooter chain decides a measure.

From the event log of many replications, every fire mission and air strike is rebuilt link by link:

- **reporting**: sensor detection of the target to the report reaching the side's picture;
- **calling for fire**: the report to the fire-mission (or strike) request;
- **fire direction**: the request to the first rounds fired (the battery's decision and laying);
- **time of flight**: rounds fired to impact;
- **accuracy**: casualties per round on impact, and the miss distance of the aim point from the target's true
  position when the log holds the target's track (``EventLog(sample_s=...)``); otherwise the reported
  position error of the contact the mission fired on;
- for air strikes, **tasking and launch** (request to take-off) and **transit and attack** (take-off to
  weapons release).

Failures are counted per replication: missions refused (by reason), strikes aborted (by reason), and
contacts lost before anyone asked for fire on them.

One side's chain is analysed at a time: the side asked for (default: the scenario's first side), or each
side in turn (:func:`attribute_sides`).

Per measure, the variance across replications is attributed to the links by regressing the measure on each
replication's mean link durations and failure counts (standardised), and splitting R^2 among the links with
Shapley values over all subsets of links (the LMG decomposition, Lindeman, Merenda and Gold 1980; Gromping
2006, 2007), so every share lies in [0, 1] and the shares add up to the R^2 of the full regression. A measure
that does not vary across replications is skipped and said to be so; links that do not vary are left out.
Each link also gets its standardised coefficient and its partial R^2. Equations: docs/sensitivity.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import ArrayLike, NDArray

from drillsim.core.errors import UserError
from drillsim.core.suggest import closest_match
from drillsim.events.chains import CHAIN_KINDS, missions
from drillsim.experiments.montecarlo import BINARY_KINDS, TIME_KINDS
from drillsim.scenario.models import Scenario, renamed_measure
from drillsim.study.quantities import (
    Quantity,
    describe_values,
    duration_unit,
    format_duration,
    is_constant,
    measure_quantity,
)

__all__ = [
    "LINKS",
    "Attribution",
    "KillChain",
    "LinkShare",
    "MeasureAttribution",
    "attribute",
    "attribute_run",
    "attribute_sides",
    "chain_sides",
    "format_link_value",
    "kill_chains",
    "shapley_r2",
]

FloatArray = NDArray[np.float64]

LINKS: dict[str, str] = {
    "reporting_s": "reporting (detection to report)",
    "calling_for_fire_s": "calling for fire (report to request)",
    "fire_direction_s": "fire direction (request to rounds fired)",
    "time_of_flight_s": "time of flight (rounds fired to impact)",
    "accuracy": "accuracy (casualties per round)",
    "tasking_s": "strike tasking and launch (request to take-off)",
    "transit_s": "strike transit and attack (take-off to weapons release)",
    "refusals": "fire missions refused",
    "aborts": "strikes aborted",
    "contacts_lost": "contacts lost before a request",
}
"""Per-replication link features and their names in plain words."""

_CHAIN_KINDS = ("ContactDetected", "ContactReported", "ContactLost", *CHAIN_KINDS, "UnitMoved")
"""What a kill chain is rebuilt from: the side's contacts, its missions' events, and the targets' tracks."""
_HIGHER_IS_WORSE = TIME_KINDS | {"penetration-depth", "kill-chain-time"}


@dataclass(frozen=True)
class KillChain:
    """All fire missions and strikes of one side, one row each, with each link's duration."""

    side: str
    table: pa.Table
    """Columns: replication, chain, mission, observer, shooter, target, t_detected, t_reported, t_requested,
    t_fired, t_impact, reporting_s, calling_for_fire_s, fire_direction_s, time_of_flight_s, tasking_s,
    transit_s, rounds, casualties, casualties_per_round, miss_m, report_error_m, outcome."""
    per_replication: dict[str, FloatArray]
    """Per replication (in ``replications`` order): the mean of each link and the failure counts."""
    replications: NDArray[np.int64]
    failures: pa.Table
    """One row per failure: replication, link, what (e.g. ``refused: out-of-range``), time_s, target."""

    def link_summary(self) -> list[dict[str, Any]]:
        """Per link over all missions: how many had it, median and mean duration (or value)."""
        rows: list[dict[str, Any]] = []
        for key in (
            "reporting_s",
            "calling_for_fire_s",
            "fire_direction_s",
            "time_of_flight_s",
            "tasking_s",
            "transit_s",
            "casualties_per_round",
            "miss_m",
            "report_error_m",
        ):
            v = np.asarray(self.table.column(key).to_numpy(zero_copy_only=False), dtype=np.float64)
            ok = v[np.isfinite(v)]
            name = LINKS.get(
                key,
                {
                    "casualties_per_round": LINKS["accuracy"],
                    "miss_m": "accuracy (miss distance, m)",
                    "report_error_m": "accuracy (reported position error, m)",
                }.get(key, key),
            )
            median = float(np.median(ok)) if len(ok) else math.nan
            mean = float(ok.mean()) if len(ok) else math.nan
            p95 = float(np.quantile(ok, 0.95)) if len(ok) else math.nan
            rows.append(
                {
                    "link": key,
                    "name": name,
                    "n": len(ok),
                    "median": median,
                    "mean": mean,
                    "p95": p95,
                    "unit": "s" if key.endswith("_s") else "m" if key.endswith("_m") else "",
                    "median_text": format_link_value(key, median, median),
                    "mean_text": format_link_value(key, mean, median),
                    "p95_text": format_link_value(key, p95, median),
                }
            )
        return rows


def _col(table: pa.Table, name: str) -> list[Any]:
    return list(table.column(name).to_pylist())


def _last_before(times: FloatArray, t: float) -> float:
    """The latest of sorted ``times`` at or before ``t`` (NaN when none)."""
    i = int(np.searchsorted(times, t + 1e-9, side="right"))
    return float(times[i - 1]) if i > 0 else math.nan


def _sorted_times(groups: Mapping[tuple[int, str], list[float]]) -> dict[tuple[int, str], FloatArray]:
    return {k: np.asarray(v, dtype=np.float64) for k, v in groups.items()}


def _tracks(
    events: pa.Table, targets: set[str]
) -> dict[tuple[int, str], tuple[FloatArray, FloatArray, FloatArray]]:
    """Position samples (time, x, y) of the given units, per (replication, unit), in time order."""
    if not targets:
        return {}
    moved = events.filter(
        pc.and_(
            pc.equal(events["kind"], "UnitMoved"),
            pc.is_in(events["unit"], pa.array(sorted(targets), type=events.schema.field("unit").type)),
        )
    )
    if moved.num_rows == 0:
        return {}
    units = pc.dictionary_encode(moved["unit"]).combine_chunks()
    codes = np.asarray(units.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    names = units.dictionary.to_pylist()
    rep = np.asarray(moved["replication"].to_numpy(), dtype=np.int64)
    t = np.asarray(moved["time_s"].to_numpy(), dtype=np.float64)
    x = np.asarray(moved["x_m"].to_numpy(zero_copy_only=False), dtype=np.float64)
    y = np.asarray(moved["y_m"].to_numpy(zero_copy_only=False), dtype=np.float64)
    order = np.lexsort((t, codes, rep))  # stable: ties keep the log's order
    rep, codes, t, x, y = rep[order], codes[order], t[order], x[order], y[order]
    starts = np.flatnonzero(np.r_[True, (np.diff(rep) != 0) | (np.diff(codes) != 0)])
    stops = np.r_[starts[1:], len(rep)]
    return {
        (int(rep[a]), str(names[codes[a]])): (t[a:b], x[a:b], y[a:b])
        for a, b in zip(starts.tolist(), stops.tolist(), strict=True)
    }


def chain_sides(events: pa.Table) -> list[str]:
    """The sides that asked for a fire mission or strike in an event log, in sorted order."""
    asked = events.filter(pc.is_in(events["kind"], pa.array(["FireMissionRequested", "StrikeRequested"])))
    return sorted({s for s in asked.column("side").to_pylist() if s})


def kill_chains(events: pa.Table, *, side: str) -> KillChain:  # noqa: C901
    """Rebuild every fire mission and air strike of ``side`` from an event log, link by link."""
    if "kind" not in events.column_names:
        raise UserError("not an event log: no 'kind' column")
    kinds = [k for k in _CHAIN_KINDS if k != "UnitMoved"]
    ev = events.filter(pc.is_in(events["kind"], pa.array(kinds)))
    ev = ev.sort_by([("replication", "ascending"), ("time_s", "ascending")])
    rows = ev.to_pylist()
    replications = np.unique(np.asarray(events.column("replication").to_numpy(), dtype=np.int64))
    detected_lists: dict[tuple[int, str], list[float]] = {}
    reported: dict[tuple[int, str], list[tuple[float, float]]] = {}
    lost: list[tuple[int, str, float]] = []
    for r in rows:
        kind = r["kind"]
        if kind not in ("ContactDetected", "ContactReported", "ContactLost") or r["side"] != side:
            continue
        rep, t = int(r["replication"]), float(r["time_s"])
        if kind == "ContactDetected":
            detected_lists.setdefault((rep, r["other"]), []).append(t)
        elif kind == "ContactReported":
            reported.setdefault((rep, r["other"]), []).append((t, float(r["value"])))
        else:
            lost.append((rep, r["other"], t))
    found = missions(rows, side=side)
    requested_lists: dict[tuple[int, str], list[float]] = {}
    failures: list[dict[str, Any]] = []
    for m in found.values():
        target = m.target
        if target:
            requested_lists.setdefault((m.replication, target), []).append(float(m.request["time_s"]))
        link = (
            "refusals" if "FireMissionRefused" in m.first else "aborts" if "StrikeAborted" in m.first else ""
        )
        if link:
            ended = m.first["FireMissionRefused" if link == "refusals" else "StrikeAborted"]
            failures.append(
                {
                    "replication": m.replication,
                    "link": link,
                    "what": m.outcome,
                    "time_s": float(ended["time_s"]),
                    "target": target,
                }
            )
    failures.sort(key=lambda f: (f["replication"], f["time_s"]))
    # Rows are in time order, so every list of times below is sorted.
    detected = _sorted_times(detected_lists)
    requested_targets = _sorted_times(requested_lists)
    report_times = {k: np.asarray([x[0] for x in v], dtype=np.float64) for k, v in reported.items()}
    tracks = _tracks(events, {m.target for m in found.values() if m.target})
    empty = np.zeros(0)
    # Contacts lost after a report and before any request on them.
    for rep, target, t in lost:
        t_rep = _last_before(report_times.get((rep, target), empty), t)
        if not math.isfinite(t_rep):
            continue
        asked = requested_targets.get((rep, target), empty)
        i = int(np.searchsorted(asked, t_rep, side="left"))
        if not (i < len(asked) and asked[i] <= t):
            failures.append(
                {
                    "replication": rep,
                    "link": "contacts_lost",
                    "what": "contact lost before a request",
                    "time_s": t,
                    "target": target,
                }
            )
    # Links of each mission.
    out: dict[str, list[Any]] = {
        k: []
        for k in (
            "replication",
            "chain",
            "mission",
            "observer",
            "shooter",
            "target",
            "t_detected",
            "t_reported",
            "t_requested",
            "t_fired",
            "t_impact",
            "reporting_s",
            "calling_for_fire_s",
            "fire_direction_s",
            "time_of_flight_s",
            "tasking_s",
            "transit_s",
            "rounds",
            "casualties",
            "casualties_per_round",
            "miss_m",
            "report_error_m",
            "outcome",
        )
    }
    nan = math.nan
    for m in sorted(found.values(), key=lambda m: (m.replication, m.chain, m.mission)):
        rep, target = m.replication, m.target or ""
        t_req = float(m.request["time_s"])
        reps = reported.get((rep, target), [])
        rep_times = report_times.get((rep, target), empty)
        t_rep = _last_before(rep_times, t_req)
        err = nan
        if math.isfinite(t_rep):
            err = reps[int(np.flatnonzero(rep_times == t_rep)[0])][1]
        t_det = _last_before(detected.get((rep, target), empty), t_rep) if math.isfinite(t_rep) else nan
        is_fire = m.chain == "fire-mission"
        fired = m.first.get("RoundsFired" if is_fire else "WeaponsReleased")
        landed = m.first.get("RoundsImpacted" if is_fire else "WeaponsReleased")
        t_fired = nan if fired is None else float(fired["time_s"])
        t_impact = nan if landed is None else float(landed["time_s"])
        t_launch = m.time("SortieLaunched")
        t_launch = nan if t_launch is None else t_launch
        miss = nan
        track = tracks.get((rep, target))
        aim_row = landed if landed is not None else (fired if fired is not None else m.request)
        aim = (aim_row["x_m"], aim_row["y_m"])
        if track is not None and math.isfinite(t_impact) and aim[0] is not None and math.isfinite(aim[0]):
            times, xs, ys = track
            i = int(np.argmin(np.abs(times - t_impact)))
            miss = math.hypot(aim[0] - float(xs[i]), aim[1] - float(ys[i]))
        rounds = m.rounds
        values = {
            "replication": rep,
            "chain": m.chain,
            "mission": m.mission,
            "observer": m.observer,
            "shooter": m.shooter,
            "target": m.target,
            "t_detected": t_det,
            "t_reported": t_rep,
            "t_requested": t_req,
            "t_fired": t_fired,
            "t_impact": t_impact,
            "reporting_s": t_rep - t_det,
            "calling_for_fire_s": t_req - t_rep,
            "fire_direction_s": (t_fired - t_req) if is_fire else nan,
            "time_of_flight_s": (t_impact - t_fired) if is_fire else nan,
            "tasking_s": nan if is_fire else t_launch - t_req,
            "transit_s": nan if is_fire else t_fired - t_launch,
            "rounds": rounds,
            "casualties": m.casualties,
            "casualties_per_round": m.casualties / rounds if rounds and math.isfinite(t_impact) else nan,
            "miss_m": miss,
            "report_error_m": err,
            "outcome": m.outcome,
        }
        for k, v in values.items():
            out[k].append(v)
    table = (
        pa.table(out)
        if out["replication"]
        else pa.table(
            {
                k: pa.array(
                    [],
                    type=pa.string()
                    if k in ("chain", "observer", "shooter", "target", "outcome")
                    else pa.float64(),
                )
                for k in out
            }
        )
    )
    per_rep = _per_replication(out, failures, replications)
    fail_table = pa.table(
        {
            "replication": pa.array([f["replication"] for f in failures], type=pa.int64()),
            "link": pa.array([f["link"] for f in failures], type=pa.string()),
            "what": pa.array([f["what"] for f in failures], type=pa.string()),
            "time_s": pa.array([f["time_s"] for f in failures], type=pa.float64()),
            "target": pa.array([f["target"] for f in failures], type=pa.string()),
        }
    )
    return KillChain(
        side=side, table=table, per_replication=per_rep, replications=replications, failures=fail_table
    )


def _per_replication(
    out: Mapping[str, list[Any]], failures: list[dict[str, Any]], replications: NDArray[np.int64]
) -> dict[str, FloatArray]:
    index = {int(r): i for i, r in enumerate(replications)}
    n = len(replications)
    reps = np.asarray([index[int(r)] for r in out["replication"]], dtype=np.int64)
    features: dict[str, FloatArray] = {}
    for key, column in (
        ("reporting_s", "reporting_s"),
        ("calling_for_fire_s", "calling_for_fire_s"),
        ("fire_direction_s", "fire_direction_s"),
        ("time_of_flight_s", "time_of_flight_s"),
        ("accuracy", "casualties_per_round"),
        ("tasking_s", "tasking_s"),
        ("transit_s", "transit_s"),
    ):
        v = np.asarray(out[column], dtype=np.float64)
        sums = np.zeros(n)
        counts = np.zeros(n)
        ok = np.isfinite(v)
        np.add.at(sums, reps[ok], v[ok])
        np.add.at(counts, reps[ok], 1.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            features[key] = np.where(counts > 0, sums / np.maximum(counts, 1.0), np.nan)
    for link in ("refusals", "aborts", "contacts_lost"):
        c = np.zeros(n)
        for f in failures:
            if f["link"] == link:
                c[index[int(f["replication"])]] += 1.0
        features[link] = c
    features["missions"] = np.bincount(reps, minlength=n).astype(np.float64)
    return features


# --- attribution --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkShare:
    """One link's part in one measure's variance across replications."""

    link: str
    name: str
    share: float
    """Shapley share of R^2, in [0, 1] (the shares of all links add up to the full model's R^2)."""
    partial_r2: float
    """Share of the variance left by the other links that this link explains."""
    standardized: float
    """Standardised coefficient: SDs of the measure per SD of the link, the others held fixed."""
    imputed: int
    """Replications without this link (no mission of the kind) that got the mean of the others."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class MeasureAttribution:
    """How a measure's variance splits among the chain's links, and what failed in the losing runs."""

    measure: str
    quantity: Quantity
    """What the measure's numbers are: time, probability, count, fraction, distance or value."""
    summary: str
    """The measure's values across replications in words, with units."""
    n: int
    r2: float
    shares: tuple[LinkShare, ...]
    skipped: str | None
    """Why no shares were computed (the measure does not vary, too few replications...), else None."""
    losing_rule: str
    losing_runs: int
    failures_losing: dict[str, int]
    """Failure (``refused: out-of-range``, ...) -> count in the losing runs."""
    failures_winning: dict[str, int]
    most_failed: str | None
    """The failure that occurred most often in the losing runs, with its link in plain words."""
    slowest_link: str | None
    """The link whose mean duration is most longer in losing than in winning runs (relative)."""

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["shares"] = [s.as_dict() for s in self.shares]
        out["sentence"] = self.sentence()
        return out

    def top(self) -> LinkShare | None:
        return max(self.shares, key=lambda s: s.share) if self.shares else None

    def sentence(self) -> str:
        head = f"'{self.measure}' ({self.quantity}; {self.summary})"
        top = self.top()
        if self.skipped is not None:
            return f"{head}: {self.skipped}."
        if top is None:
            body = "no link of the kill chain varies, so none explains it"
        else:
            body = (
                f"the chain's links explain {self.r2:.0%} of its variance across {self.n} replications; "
                f"the largest part is {top.name} ({top.share:.0%})"
            )
        tail = ""
        if self.losing_runs:
            tail = f"; in the {self.losing_runs} losing runs ({self.losing_rule})"
            if self.most_failed:
                tail += f" the most frequent failure was {self.most_failed}"
            else:
                tail += " no link failed outright"
            if self.slowest_link:
                tail += f", and {self.slowest_link} was slower than in the other runs"
        return f"{head}: {body}{tail}."


@dataclass(frozen=True)
class Attribution:
    """Kill-chain attribution of every measure of a set of replications, for one side."""

    chain: KillChain
    measures: tuple[MeasureAttribution, ...]
    constant_links: tuple[str, ...] = ()
    """Links that took the same value in every replication (left out of the regression)."""
    note: str | None = None
    """Why there is nothing to attribute (the side asked for no fire), when that is so."""

    def to_json(self) -> dict[str, Any]:
        return {
            "side": self.chain.side,
            "replications": len(self.chain.replications),
            "missions": self.chain.table.num_rows,
            "links": self.chain.link_summary(),
            "constant_links": list(self.constant_links),
            "failures": _count(self.chain.failures.column("what").to_pylist()),
            "note": self.note,
            "measures": [m.as_dict() for m in self.measures],
        }

    def text(self) -> str:
        lines = [
            f"kill chain of side '{self.chain.side}': {self.chain.table.num_rows} fire missions and strikes "
            f"in {len(self.chain.replications)} replications"
        ]
        if self.note:
            lines.append(self.note)
        for row in self.chain.link_summary():
            if row["n"]:
                lines.append(
                    f"  {row['name']:58s} median {row['median_text']}, mean {row['mean_text']} "
                    f"(n = {row['n']})"
                )
        if self.constant_links:
            lines.append(
                "  the same in every replication, so left out: "
                + ", ".join(LINKS.get(k, k) for k in self.constant_links)
            )
        for m in self.measures:
            lines.append(m.sentence())
            for s in sorted(m.shares, key=lambda s: -s.share):
                lines.append(
                    f"    {s.name:58s} share {s.share:6.1%}  partial R^2 {s.partial_r2:.3f}  "
                    f"std coef {s.standardized:+.3f}"
                )
        return "\n".join(lines)


def format_link_value(link: str, value: float, typical: float) -> str:
    """A link's value with its unit: durations in s, min or h; distances in m; casualties per round."""
    if not math.isfinite(value):
        return "-"
    if link.endswith("_s"):
        return format_duration(value, unit=duration_unit(typical))
    if link.endswith("_m"):
        return f"{value:,.0f} m"
    if link == "casualties_per_round":
        return f"{value:.3g} per round"
    return f"{value:.3g}"


def _count(items: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for it in items:
        out[it] = out.get(it, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


def shapley_r2(x: ArrayLike, y: ArrayLike) -> tuple[FloatArray, float]:
    """Shapley (LMG) shares of the R^2 of the least-squares regression of ``y`` on the columns of ``x``.

    ``share_j = sum over subsets S of the other columns of |S|! (k - |S| - 1)! / k! (R^2(S + j) - R^2(S))``.
    Each share lies in [0, 1] and the shares add up to the R^2 of the full regression (returned second).
    Columns that do not vary get 0; a constant ``y`` gives all zeros and R^2 = 0. R^2 of a subset is computed
    on centred, unit-norm columns and made monotone in the subset (adding a column never lowers R^2 in exact
    arithmetic; rounding could), so no increment is negative.
    """
    xa = np.asarray(x, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    if xa.ndim != 2 or xa.shape[0] != ya.shape[0]:
        raise UserError(f"shapley_r2: x has shape {xa.shape} for {ya.shape[0]} values of y")
    n, k = xa.shape
    if k == 0 or n < 2 or is_constant(ya):
        return np.zeros(k), 0.0
    varying = [j for j in range(k) if not is_constant(xa[:, j])]
    if len(varying) < k:
        # Columns that do not vary get exactly 0: left out of every regression, not regressed as zeros
        # (least squares with a zero column can round differently by the BLAS kernel the CPU picks).
        shares = np.zeros(k)
        if not varying:
            return shares, 0.0
        sub, total = shapley_r2(xa[:, varying], ya)
        shares[varying] = sub
        return shares, total
    yc = ya - ya.mean()
    yc = yc / math.sqrt(float(yc @ yc))
    xc = xa - xa.mean(axis=0)
    for j in range(k):
        xc[:, j] /= math.sqrt(float(xc[:, j] @ xc[:, j]))
    size = 1 << k
    r2 = np.zeros(size)
    for mask in range(1, size):
        cols = [j for j in range(k) if mask >> j & 1]
        beta, *_ = np.linalg.lstsq(xc[:, cols], yc, rcond=None)
        resid = yc - xc[:, cols] @ beta
        r2[mask] = min(max(1.0 - float(resid @ resid), 0.0), 1.0)
        for j in cols:  # monotone: never below the R^2 of a subset (already final: smaller masks come first)
            r2[mask] = max(r2[mask], r2[mask ^ (1 << j)])
    masks = np.arange(size)
    popcount = np.zeros(size, dtype=np.int64)
    for j in range(k):
        popcount += (masks >> j) & 1
    weight = np.array(
        [math.factorial(s) * math.factorial(k - s - 1) / math.factorial(k) for s in range(k)] + [0.0]
    )
    shares = np.zeros(k)
    for j in range(k):
        without = masks[(masks >> j) & 1 == 0]
        shares[j] = float((weight[popcount[without]] * (r2[without | (1 << j)] - r2[without])).sum())
    return np.clip(shares, 0.0, 1.0), float(r2[size - 1])


def _losing(
    values: FloatArray, kind: str | None, quantity: Quantity, higher_is_worse: bool | None
) -> tuple[NDArray[np.bool_], str]:
    finite = np.isfinite(values)
    if quantity == "probability":
        rule = "objective not achieved" if kind in BINARY_KINDS else "the indicator is 0"
        return values == 0.0, rule
    med = float(np.nanmedian(values)) if finite.any() else math.nan
    if kind in TIME_KINDS:
        return (~finite) | (values > med), "later than the median, or never"
    worse_high = higher_is_worse if higher_is_worse is not None else kind in _HIGHER_IS_WORSE
    if worse_high:
        return finite & (values > med), "above the median"
    return finite & (values < med), "below the median"


def _features(chain: KillChain, max_links: int) -> tuple[list[tuple[str, FloatArray, int]], list[str]]:
    """The links that vary across replications (missing ones filled with the mean) and those that do not."""
    feats: list[tuple[str, FloatArray, int]] = []
    constant: list[str] = []
    for key, v in chain.per_replication.items():
        if key not in LINKS:
            continue
        missing = ~np.isfinite(v)
        if missing.all():
            continue
        filled = np.where(missing, float(np.nanmean(v)), v)
        if is_constant(filled):
            constant.append(key)
        else:
            feats.append((key, filled, int(missing.sum())))
    return feats[:max_links], constant


def attribute(
    chain: KillChain,
    measures: Mapping[str, ArrayLike],
    *,
    kinds: Mapping[str, str | None] | None = None,
    higher_is_worse: Mapping[str, bool] | None = None,
    max_links: int = 10,
    progress: Callable[[int, int], None] | None = None,
) -> Attribution:
    """Attribute each measure's variance across replications to the kill chain's links.

    ``measures`` maps a name to per-replication values in the order of ``chain.replications``; ``kinds``
    gives each measure's kind (from the scenario) so times, probabilities and counts are told apart, and
    ``higher_is_worse`` overrides which side of the median the losing runs are on. Links that do not vary are
    left out; a replication without a link (no mission of that kind) gets the link's mean over the others.
    Time measures with no value (the event never happened) take the largest observed value. A measure that
    does not vary is skipped (there is no variance to share). ``progress(done, total)`` is called after each
    measure.
    """
    n = len(chain.replications)
    feats, constant = _features(chain, max_links)
    kinds = kinds or {}
    directions = higher_is_worse or {}
    results: list[MeasureAttribution] = []
    x = np.column_stack([f[1] for f in feats]) if feats else np.zeros((n, 0))
    if x.size:
        x = (x - x.mean(axis=0)) / x.std(axis=0)
    what = chain.failures.column("what").to_pylist()
    frep = chain.failures.column("replication").to_pylist()
    flink = chain.failures.column("link").to_pylist()
    for done, (name, raw) in enumerate(measures.items(), start=1):
        y_all = np.asarray(raw, dtype=np.float64)
        if len(y_all) != n:
            raise UserError(f"measure '{name}' has {len(y_all)} values for {n} replications")
        kind = kinds.get(name)
        quantity = measure_quantity(kind, y_all)
        y = y_all.copy()
        if kind in TIME_KINDS and np.isfinite(y).any():
            y = np.where(np.isfinite(y), y, float(np.nanmax(y)))
        ok = np.isfinite(y)
        shares_rows: list[LinkShare] = []
        r2 = math.nan
        skipped: str | None = None
        if is_constant(y[ok]):
            skipped = (
                f"it has no value in any of the {n} replications, so there is nothing to attribute"
                if not ok.any()
                else f"it does not vary across the {int(ok.sum())} replications with a value, so there is no "
                "variance to attribute"
            )
        elif feats and ok.sum() <= len(feats) + 2:
            skipped = (
                f"{int(ok.sum())} replications with a value are too few to split among {len(feats)} links; "
                "run more replications"
            )
        elif feats:
            xs, ys = x[ok], y[ok]
            shapley, r2 = shapley_r2(xs, ys)
            design = np.column_stack([np.ones(len(ys)), xs])
            beta, *_ = np.linalg.lstsq(design, ys, rcond=None)
            sse_full = float(((ys - design @ beta) ** 2).sum())
            for j, (key, _, imputed) in enumerate(feats):
                reduced = np.delete(xs, j, axis=1)
                rd = np.column_stack([np.ones(len(ys)), reduced])
                rb, *_ = np.linalg.lstsq(rd, ys, rcond=None)
                sse_red = float(((ys - rd @ rb) ** 2).sum())
                # When the other links already explain everything, nothing is left for this one.
                sst = float(((ys - ys.mean()) ** 2).sum())
                partial = (sse_red - sse_full) / sse_red if sse_red > 1e-9 * sst else 0.0
                shares_rows.append(
                    LinkShare(
                        link=key,
                        name=LINKS[key],
                        share=float(shapley[j]),
                        partial_r2=float(min(max(partial, 0.0), 1.0)),
                        standardized=float(beta[j + 1] / ys.std()),
                        imputed=imputed,
                    )
                )
        if skipped is None:
            losing, rule = _losing(y_all, kind, quantity, directions.get(name))
        else:  # a measure that does not vary has no losing runs to compare with winning ones
            losing, rule = np.zeros(n, dtype=np.bool_), ""
        lose_reps = set(chain.replications[losing].tolist())
        lost_f = _count([w for w, r in zip(what, frep, strict=True) if r in lose_reps])
        win_f = _count([w for w, r in zip(what, frep, strict=True) if r not in lose_reps])
        most = None
        if lost_f:
            top = next(iter(lost_f))
            link = next((lk for w, lk in zip(what, flink, strict=True) if w == top), "")
            most = f"'{top}' ({lost_f[top]} times; link: {LINKS.get(link, link)})"
        results.append(
            MeasureAttribution(
                measure=name,
                quantity=quantity,
                summary=describe_values(quantity, y_all),
                n=int(ok.sum()),
                r2=float(r2),
                shares=tuple(shares_rows),
                skipped=skipped,
                losing_rule=rule,
                losing_runs=int(losing.sum()),
                failures_losing=lost_f,
                failures_winning=win_f,
                most_failed=most,
                slowest_link=_slowest_link(chain, losing),
            )
        )
        if progress is not None:
            progress(done, len(measures))
    return Attribution(chain=chain, measures=tuple(results), constant_links=tuple(constant))


def _slowest_link(chain: KillChain, losing: NDArray[np.bool_]) -> str | None:
    """The duration link most (and at least 5 %) longer on average in losing than in the other runs."""
    if not (losing.any() and (~losing).any()):
        return None
    best, slowest = 0.0, None
    for key in (
        "reporting_s",
        "calling_for_fire_s",
        "fire_direction_s",
        "time_of_flight_s",
        "tasking_s",
        "transit_s",
    ):
        v = chain.per_replication[key]
        a, b = v[losing], v[~losing]
        if np.isfinite(a).any() and np.isfinite(b).any():
            ma, mb = float(np.nanmean(a)), float(np.nanmean(b))
            if mb > 0 and (ma - mb) / mb > max(best, 0.05):
                best = (ma - mb) / mb
                unit = duration_unit(mb)
                slowest = (
                    f"{LINKS[key]} ({format_duration(ma, unit=unit)} vs {format_duration(mb, unit=unit)})"
                )
    return slowest


# --- recorded runs ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Recorded:
    """What attribution reads from a recorded run."""

    events: pa.Table
    values: dict[str, FloatArray]
    replications: list[int]
    kinds: dict[str, str | None]
    sides: list[str]
    """In the scenario's order (sorted when only the run's header is at hand)."""
    scenario: Scenario | None


def _recorded(source: str | Path | Any) -> _Recorded:
    scenario: Scenario | None = None
    if isinstance(source, str | Path):
        import json

        import pyarrow.parquet as pq

        directory = Path(source)
        if not (directory / "events.parquet").exists() or not (directory / "outcomes.parquet").exists():
            raise UserError(f"{directory} holds no events.parquet and outcomes.parquet (run with --out)")
        events = pq.read_table(directory / "events.parquet")
        outcomes = pq.read_table(directory / "outcomes.parquet")
        meta = outcomes.schema.metadata or {}
        header: dict[str, Any] = json.loads(meta[b"drillsim.header"]) if b"drillsim.header" in meta else {}
        if (directory / "scenario.yaml").exists():
            from drillsim.scenario.io import load_scenario

            scenario = load_scenario(str(directory / "scenario.yaml"))
        reps = [int(r) for r in outcomes.column("replication").to_pylist()]
        values = {
            c: np.asarray(outcomes.column(c).to_numpy(zero_copy_only=False), dtype=np.float64)
            for c in outcomes.column_names
            if c not in ("replication", "seed")
        }
    else:
        table = source.event_table()
        if table is None:
            raise UserError("attribution needs the event log: run with recorder=EventLog(...)")
        events = table
        header = dict(source.header)
        scenario = source.scenario
        reps = [int(r) for r in source.replications]
        values = {k: np.asarray(v, dtype=np.float64) for k, v in source.measures.items()}
    kinds: dict[str, str | None] = dict(header.get("measures", {}))
    if scenario is not None:
        kinds.update({name: spec.kind for name, spec in scenario.measures.items()})
        sides = list(scenario.sides)
    else:
        sides = sorted(header.get("sides", {})) or chain_sides(events)
    return _Recorded(events, values, reps, kinds, sides, scenario)


def _higher_is_worse(scenario: Scenario | None, side: str) -> dict[str, bool]:
    """Loss measures, seen from ``side``: its own losses are worse when higher, the enemy's when lower."""
    if scenario is None:
        return {}
    out: dict[str, bool] = {}
    for name, spec in scenario.measures.items():
        if spec.kind != "losses":
            continue
        owner = spec.side or (scenario.nations[spec.nation].side if spec.nation in scenario.nations else None)
        if owner is not None:
            out[name] = owner == side
    return out


def _check_side(side: str, sides: Sequence[str]) -> None:
    if side not in sides:
        hint = closest_match(side, sides)
        raise UserError(
            f"no side '{side}' in this run; sides: {', '.join(sides)}"
            + (f" (did you mean '{hint}'?)" if hint else "")
        )


def attribute_sides(
    source: str | Path | Any,
    *,
    sides: Sequence[str] | None = None,
    measures: Sequence[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Attribution]:
    """Kill-chain attribution of a recorded run for each of ``sides`` (default: every side, in the scenario's
    order). ``source`` is a result directory (``events.parquet``, ``outcomes.parquet`` and ``scenario.yaml``,
    as ``drillsim run --out`` writes) or an :class:`~drillsim.engine.simulation.Outcomes` with events.
    ``progress(done, total)`` counts the sides' chains and measures."""
    return _attribute_recorded(_recorded(source), sides, measures, progress)


def _attribute_recorded(
    rec: _Recorded,
    sides: Sequence[str] | None,
    measures: Sequence[str] | None,
    progress: Callable[[int, int], None] | None,
) -> list[Attribution]:
    chosen = list(sides) if sides is not None else list(rec.sides)
    for side in chosen:
        _check_side(side, rec.sides)
    names = (
        list(measures)
        if measures is not None
        else [k for k in rec.values if k in rec.kinds]  # the scenario's own measures, not the standard
    )
    unknown = [m for m in names if m not in rec.values]
    if unknown:
        hint = renamed_measure(unknown[0]) or closest_match(unknown[0], rec.values)
        raise UserError(
            f"no measure '{unknown[0]}' in this run" + (f" (did you mean '{hint}'?)" if hint else "")
        )
    total = len(chosen) * (1 + len(names))
    done = 0
    out: list[Attribution] = []
    for side in chosen:
        chain = kill_chains(rec.events, side=side)
        done += 1
        if progress is not None:
            progress(done, total)
        order = {r: i for i, r in enumerate(rec.replications)}
        idx = np.asarray([order[int(r)] for r in chain.replications if int(r) in order], dtype=np.int64)
        if len(idx) != len(chain.replications):
            raise UserError("the event log and the outcomes hold different replications")
        if chain.table.num_rows == 0:
            others = [s for s in chain_sides(rec.events) if s != side]
            note = f"side '{side}' asked for no fire missions or strikes in these runs: nothing to attribute"
            if others:
                note += f" (sides that did: {', '.join(others)}; use --side)"
            out.append(Attribution(chain=chain, measures=(), note=note))
            done += len(names)
            if progress is not None:
                progress(done, total)
            continue
        start = done

        def step(k: int, _total: int, start: int = start) -> None:
            if progress is not None:
                progress(start + k, total)

        out.append(
            attribute(
                chain,
                {k: rec.values[k][idx] for k in names},
                kinds=rec.kinds,
                higher_is_worse=_higher_is_worse(rec.scenario, side),
                progress=step,
            )
        )
        done += len(names)
    return out


def attribute_run(
    source: str | Path | Any,
    *,
    side: str | None = None,
    measures: Sequence[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Attribution:
    """Kill-chain attribution of a recorded run for one side (default: the scenario's first side); see
    :func:`attribute_sides`."""
    rec = _recorded(source)
    if side is None:
        if not rec.sides:
            raise UserError("the run names no sides")
        side = rec.sides[0]
    return _attribute_recorded(rec, [side], measures, progress)[0]
