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

Per measure, the variance across replications is attributed to the links by regressing the measure on each
replication's mean link durations and failure counts (standardised), and splitting R^2 among the links with
Shapley values over all subsets of links (the LMG decomposition, Lindeman, Merenda and Gold 1980; Gromping
2007), so the shares add up to the R^2 of the full regression. Each link also gets its standardised
coefficient and its partial R^2. Equations: docs/sensitivity.md.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import ArrayLike, NDArray

from drillsim.core.errors import UserError
from drillsim.experiments.montecarlo import TIME_KINDS

__all__ = [
    "LINKS",
    "Attribution",
    "KillChain",
    "LinkShare",
    "MeasureAttribution",
    "attribute",
    "attribute_run",
    "kill_chains",
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

_CHAIN_KINDS = (
    "ContactDetected",
    "ContactReported",
    "ContactLost",
    "FireMissionRequested",
    "FireMissionRefused",
    "RoundsFired",
    "RoundsImpacted",
    "FireMissionCompleted",
    "StrikeRequested",
    "SortieLaunched",
    "WeaponsReleased",
    "StrikeAborted",
    "UnitMoved",
)
_HIGHER_IS_WORSE = TIME_KINDS | {"penetration-depth"}


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
            rows.append(
                {
                    "link": key,
                    "name": name,
                    "n": len(ok),
                    "median": float(np.median(ok)) if len(ok) else math.nan,
                    "mean": float(ok.mean()) if len(ok) else math.nan,
                    "p95": float(np.quantile(ok, 0.95)) if len(ok) else math.nan,
                }
            )
        return rows


def _col(table: pa.Table, name: str) -> list[Any]:
    return list(table.column(name).to_pylist())


def _last_before(times: list[float], t: float) -> float:
    """The latest of sorted ``times`` at or before ``t`` (NaN when none)."""
    i = int(np.searchsorted(np.asarray(times), t + 1e-9, side="right"))
    return times[i - 1] if i > 0 else math.nan


def kill_chains(events: pa.Table, *, side: str | None = None) -> KillChain:  # noqa: C901
    """Rebuild every fire mission and air strike of ``side`` from an event log, link by link.

    ``side`` defaults to the side that asked for the most fire missions and strikes.
    """
    if "kind" not in events.column_names:
        raise UserError("not an event log: no 'kind' column")
    ev = events.filter(pc.is_in(events["kind"], pa.array(_CHAIN_KINDS)))
    ev = ev.sort_by([("replication", "ascending"), ("time_s", "ascending")])
    rows = ev.to_pylist()
    replications = np.unique(np.asarray(events.column("replication").to_numpy(), dtype=np.int64))
    if side is None:
        counts: dict[str, int] = {}
        for r in rows:
            if r["kind"] in ("FireMissionRequested", "StrikeRequested") and r["side"]:
                counts[r["side"]] = counts.get(r["side"], 0) + 1
        side = max(sorted(counts), key=lambda s: counts[s]) if counts else ""
    detected: dict[tuple[int, str], list[float]] = {}
    reported: dict[tuple[int, str], list[tuple[float, float]]] = {}
    tracks: dict[tuple[int, str], list[tuple[float, float, float]]] = {}
    missions: dict[tuple[int, str, int], dict[str, Any]] = {}
    requested_targets: dict[tuple[int, str], list[float]] = {}
    failures: list[dict[str, Any]] = []
    lost: list[tuple[int, str, float]] = []
    for r in rows:
        kind, rep, t = r["kind"], int(r["replication"]), float(r["time_s"])
        if kind == "UnitMoved":
            tracks.setdefault((rep, r["unit"]), []).append((t, r["x_m"], r["y_m"]))
            continue
        if kind in ("ContactDetected", "ContactReported", "ContactLost") and r["side"] != side:
            continue
        if kind == "ContactDetected":
            detected.setdefault((rep, r["other"]), []).append(t)
        elif kind == "ContactReported":
            reported.setdefault((rep, r["other"]), []).append((t, float(r["value"])))
        elif kind == "ContactLost":
            lost.append((rep, r["other"], t))
        elif kind in ("FireMissionRequested", "StrikeRequested"):
            if r["side"] != side:
                continue
            chain = "fire-mission" if kind == "FireMissionRequested" else "air-strike"
            key = (rep, chain, int(r["value"]))
            missions[key] = {
                "replication": rep,
                "chain": chain,
                "mission": int(r["value"]),
                "observer": r["unit"] if chain == "fire-mission" else None,
                "shooter": r["detail"] if chain == "fire-mission" else r["unit"],
                "target": r["other"],
                "t_requested": t,
                "aim": (r["x_m"], r["y_m"]),
                "outcome": "pending",
                "rounds": 0,
                "casualties": 0,
            }
            if r["other"]:
                requested_targets.setdefault((rep, r["other"]), []).append(t)
        else:
            chain = (
                "air-strike"
                if kind in ("SortieLaunched", "WeaponsReleased", "StrikeAborted")
                else ("fire-mission")
            )
            m = missions.get((rep, chain, int(r["value"])))
            if m is None:
                continue
            if kind == "RoundsFired":
                m.setdefault("t_fired", t)
                m["rounds"] += int(r["count"] or 0)
                m["aim"] = (r["x_m"], r["y_m"])
            elif kind == "RoundsImpacted":
                m.setdefault("t_impact", t)
                m["casualties"] += int(r["count"] or 0)
                m["impact_aim"] = (r["x_m"], r["y_m"])
            elif kind == "FireMissionCompleted":
                m["outcome"] = "completed"
            elif kind == "FireMissionRefused":
                m["outcome"] = f"refused: {r['detail']}"
                failures.append(
                    {
                        "replication": rep,
                        "link": "refusals",
                        "what": m["outcome"],
                        "time_s": t,
                        "target": m["target"],
                    }
                )
            elif kind == "SortieLaunched":
                m.setdefault("t_launched", t)
            elif kind == "WeaponsReleased":
                m.setdefault("t_fired", t)
                m.setdefault("t_impact", t)
                m["rounds"] += int(r["count"] or 0)
                m["impact_aim"] = (r["x_m"], r["y_m"])
                m["outcome"] = "completed"
            elif kind == "StrikeAborted":
                m["outcome"] = f"aborted: {r['detail']}"
                failures.append(
                    {
                        "replication": rep,
                        "link": "aborts",
                        "what": m["outcome"],
                        "time_s": t,
                        "target": m["target"],
                    }
                )
    # Contacts lost after a report and before any request on them.
    for rep, target, t in lost:
        reps = reported.get((rep, target), [])
        t_rep = _last_before([x[0] for x in reps], t)
        if not math.isfinite(t_rep):
            continue
        asked = requested_targets.get((rep, target), [])
        if not any(t_rep <= a <= t for a in asked):
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
    for key in sorted(missions):
        m = missions[key]
        rep, target = m["replication"], m["target"]
        t_req = m["t_requested"]
        reps = reported.get((rep, target), [])
        rep_times = [x[0] for x in reps]
        t_rep = _last_before(rep_times, t_req)
        err = nan
        if math.isfinite(t_rep):
            err = reps[rep_times.index(t_rep)][1]
        t_det = _last_before(detected.get((rep, target), []), t_rep) if math.isfinite(t_rep) else nan
        t_fired = m.get("t_fired", nan)
        t_impact = m.get("t_impact", nan)
        t_launch = m.get("t_launched", nan)
        is_fire = m["chain"] == "fire-mission"
        miss = nan
        track = tracks.get((rep, target))
        aim = m.get("impact_aim", m["aim"])
        if track and math.isfinite(t_impact) and aim[0] is not None and math.isfinite(aim[0]):
            times = [p[0] for p in track]
            i = int(np.argmin(np.abs(np.asarray(times) - t_impact)))
            miss = math.hypot(aim[0] - track[i][1], aim[1] - track[i][2])
        rounds = m["rounds"]
        values = {
            "replication": rep,
            "chain": m["chain"],
            "mission": m["mission"],
            "observer": m["observer"],
            "shooter": m["shooter"],
            "target": target,
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
            "casualties": m["casualties"],
            "casualties_per_round": m["casualties"] / rounds if rounds and math.isfinite(t_impact) else nan,
            "miss_m": miss,
            "report_error_m": err,
            "outcome": m["outcome"],
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
    """Shapley share of R^2 (the shares of all links add up to the full model's R^2)."""
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
    n: int
    r2: float
    shares: tuple[LinkShare, ...]
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
        top = self.top()
        if top is None or not math.isfinite(self.r2):
            head = f"'{self.measure}': the kill chain's links do not vary enough to explain it"
        else:
            head = (
                f"'{self.measure}': the chain's links explain {self.r2:.0%} of its variance across "
                f"{self.n} replications; the largest part is {top.name} ({top.share:.0%})"
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
        return head + tail + "."


@dataclass(frozen=True)
class Attribution:
    """Kill-chain attribution of every measure of a set of replications."""

    chain: KillChain
    measures: tuple[MeasureAttribution, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "side": self.chain.side,
            "replications": len(self.chain.replications),
            "missions": self.chain.table.num_rows,
            "links": self.chain.link_summary(),
            "failures": _count(self.chain.failures.column("what").to_pylist()),
            "measures": [m.as_dict() for m in self.measures],
        }

    def text(self) -> str:
        lines = [
            f"kill chain of side '{self.chain.side}': {self.chain.table.num_rows} missions in "
            f"{len(self.chain.replications)} replications"
        ]
        for row in self.chain.link_summary():
            if row["n"]:
                lines.append(
                    f"  {row['name']:60s} median {row['median']:.4g}  mean {row['mean']:.4g}  "
                    f"(n = {row['n']})"
                )
        for m in self.measures:
            lines.append(m.sentence())
            for s in sorted(m.shares, key=lambda s: -s.share):
                lines.append(
                    f"    {s.name:60s} share {s.share:6.1%}  partial R^2 {s.partial_r2:.3f}  "
                    f"std coef {s.standardized:+.3f}"
                )
        return "\n".join(lines)


def _count(items: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for it in items:
        out[it] = out.get(it, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


def _r2(x: FloatArray, y: FloatArray) -> float:
    design = np.column_stack([np.ones(len(y)), x]) if x.size else np.ones((len(y), 1))
    beta, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ beta
    sst = float(((y - y.mean()) ** 2).sum())
    return 1.0 - float(resid @ resid) / sst if sst > 0 else 0.0


def _shapley_r2(x: FloatArray, y: FloatArray) -> tuple[FloatArray, float]:
    """Shapley (LMG) decomposition of R^2 over the columns of ``x``; the values sum to the full R^2."""
    k = x.shape[1]
    cache: dict[tuple[int, ...], float] = {}

    def r2(subset: tuple[int, ...]) -> float:
        if subset not in cache:
            cache[subset] = _r2(x[:, list(subset)], y) if subset else 0.0
        return cache[subset]

    shares = np.zeros(k)
    for j in range(k):
        others = [i for i in range(k) if i != j]
        for size in range(k):
            weight = math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k)
            for subset in itertools.combinations(others, size):
                with_j = tuple(sorted((*subset, j)))
                shares[j] += weight * (r2(with_j) - r2(subset))
    return shares, r2(tuple(range(k)))


def _losing(values: FloatArray, kind: str | None) -> tuple[NDArray[np.bool_], str]:
    finite = np.isfinite(values)
    if kind == "objective-achieved" or (finite.any() and set(np.unique(values[finite])) <= {0.0, 1.0}):
        return values == 0.0, "objective not achieved"
    if kind in TIME_KINDS:
        med = float(np.nanmedian(values)) if finite.any() else math.nan
        return (~finite) | (values > med), "later than the median, or never"
    med = float(np.nanmedian(values)) if finite.any() else math.nan
    if kind in _HIGHER_IS_WORSE:
        return finite & (values > med), "above the median"
    return finite & (values < med), "below the median"


def attribute(  # noqa: C901
    chain: KillChain,
    measures: Mapping[str, ArrayLike],
    *,
    kinds: Mapping[str, str | None] | None = None,
    max_links: int = 10,
) -> Attribution:
    """Attribute each measure's variance across replications to the kill chain's links.

    ``measures`` maps a name to per-replication values in the order of ``chain.replications``. Links that do
    not vary are left out; a replication without a link (no mission of that kind) gets the link's mean over
    the others. Time measures with no value (the event never happened) take the largest observed value.
    """
    n = len(chain.replications)
    feats: list[tuple[str, FloatArray, int]] = []
    for key, v in chain.per_replication.items():
        if key not in LINKS:
            continue
        missing = ~np.isfinite(v)
        if missing.all():
            continue
        filled = np.where(missing, float(np.nanmean(v)), v)
        if float(filled.std()) > 0.0:
            feats.append((key, filled, int(missing.sum())))
    feats = feats[:max_links]
    kinds = kinds or {}
    results: list[MeasureAttribution] = []
    x = np.column_stack([f[1] for f in feats]) if feats else np.zeros((n, 0))
    if x.size:
        x = (x - x.mean(axis=0)) / x.std(axis=0)
    for name, raw in measures.items():
        y_all = np.asarray(raw, dtype=np.float64)
        if len(y_all) != n:
            raise UserError(f"measure '{name}' has {len(y_all)} values for {n} replications")
        kind = kinds.get(name)
        y = y_all.copy()
        if kind in TIME_KINDS and np.isfinite(y).any():
            y = np.where(np.isfinite(y), y, float(np.nanmax(y)))
        ok = np.isfinite(y)
        shares_rows: list[LinkShare] = []
        r2 = math.nan
        if ok.sum() > len(feats) + 2 and float(y[ok].std()) > 0.0 and feats:
            xs, ys = x[ok], y[ok]
            shapley, r2 = _shapley_r2(xs, ys)
            design = np.column_stack([np.ones(len(ys)), xs])
            beta, *_ = np.linalg.lstsq(design, ys, rcond=None)
            sse_full = float(((ys - design @ beta) ** 2).sum())
            for j, (key, _, imputed) in enumerate(feats):
                reduced = np.delete(xs, j, axis=1)
                rd = np.column_stack([np.ones(len(ys)), reduced])
                rb, *_ = np.linalg.lstsq(rd, ys, rcond=None)
                sse_red = float(((ys - rd @ rb) ** 2).sum())
                partial = (sse_red - sse_full) / sse_red if sse_red > 0 else 0.0
                shares_rows.append(
                    LinkShare(
                        link=key,
                        name=LINKS[key],
                        share=float(shapley[j]),
                        partial_r2=float(max(partial, 0.0)),
                        standardized=float(beta[j + 1] / ys.std()),
                        imputed=imputed,
                    )
                )
        losing, rule = _losing(y_all, kind)
        lose_reps = set(chain.replications[losing].tolist())
        what = chain.failures.column("what").to_pylist()
        frep = chain.failures.column("replication").to_pylist()
        lost_f = _count([w for w, r in zip(what, frep, strict=True) if r in lose_reps])
        win_f = _count([w for w, r in zip(what, frep, strict=True) if r not in lose_reps])
        most = None
        if lost_f:
            top = next(iter(lost_f))
            link = next(
                (
                    lk
                    for w, lk in zip(what, chain.failures.column("link").to_pylist(), strict=True)
                    if w == top
                ),
                "",
            )
            most = f"'{top}' ({lost_f[top]} times; link: {LINKS.get(link, link)})"
        slowest = None
        if losing.any() and (~losing).any():
            best = 0.0
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
                        slowest = f"{LINKS[key]} ({ma:.0f} s vs {mb:.0f} s)"
        results.append(
            MeasureAttribution(
                measure=name,
                n=int(ok.sum()),
                r2=float(r2),
                shares=tuple(shares_rows),
                losing_rule=rule,
                losing_runs=int(losing.sum()),
                failures_losing=lost_f,
                failures_winning=win_f,
                most_failed=most,
                slowest_link=slowest,
            )
        )
    return Attribution(chain=chain, measures=tuple(results))


def attribute_run(
    source: str | Path | Any,
    *,
    side: str | None = None,
    measures: Sequence[str] | None = None,
) -> Attribution:
    """Kill-chain attribution of a recorded run: a result directory (``events.parquet`` and
    ``outcomes.parquet``, as ``drillsim run --out`` writes) or an
    :class:`~drillsim.engine.simulation.Outcomes` with events."""
    if isinstance(source, str | Path):
        import pyarrow.parquet as pq

        directory = Path(source)
        if not (directory / "events.parquet").exists() or not (directory / "outcomes.parquet").exists():
            raise UserError(f"{directory} holds no events.parquet and outcomes.parquet (run with --out)")
        events = pq.read_table(directory / "events.parquet")
        outcomes = pq.read_table(directory / "outcomes.parquet")
        meta = outcomes.schema.metadata or {}
        kinds: dict[str, str | None] = {}
        if b"drillsim.header" in meta:
            import json

            kinds = dict(json.loads(meta[b"drillsim.header"]).get("measures", {}))
        reps = outcomes.column("replication").to_pylist()
        values = {
            c: np.asarray(outcomes.column(c).to_numpy(zero_copy_only=False), dtype=np.float64)
            for c in outcomes.column_names
            if c not in ("replication", "seed")
        }
    else:
        if source.events is None:
            raise UserError("attribution needs the event log: run with recorder=EventLog(...)")
        events = source.events
        reps = [int(r) for r in source.replications]
        values = {k: np.asarray(v, dtype=np.float64) for k, v in source.measures.items()}
        kinds = dict(source.header.get("measures", {}))
    chain = kill_chains(events, side=side)
    order = {int(r): i for i, r in enumerate(reps)}
    idx = np.asarray([order[int(r)] for r in chain.replications if int(r) in order], dtype=np.int64)
    if len(idx) != len(chain.replications):
        raise UserError("the event log and the outcomes hold different replications")
    names = (
        list(measures) if measures is not None else [k for k in values if not k.startswith("personnel_lost.")]
    )
    return attribute(chain, {k: values[k][idx] for k in names}, kinds=kinds)
