"""The after-action report: one self-contained HTML file for a result directory.

Everything is inside the file: Leaflet, milsymbol and the map kit as inline scripts, the data as an inline
JSON block, the elevation image as a data URI, charts as inline SVG. It opens from disk on a machine with
no network and loads nothing from anywhere.

Sections: summary and outcome with a written account of the replication shown
(:mod:`drillsim.report.story`), a map per phase zoomed to where its action was (and one of the whole run),
timeline of phases and the key events grouped and ranked, losses by side and nation over time, the kill
chain (fire missions and strikes grouped by shooter, with their links and durations), measures of
effectiveness with their distributions (many replications), and the pedigree of every parameter.

A Monte Carlo result (``drillsim mc``) is reported over all its replications where the numbers come from
the measures (the outcome table with confidence intervals, the distributions), and over its recorded
replications where they come from the event log (maps, timeline, losses, kill chain).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from markupsafe import Markup

from drillsim.core.figures import figure_svg, inline_svg
from drillsim.core.pages import render_page, trusted_svg, write_page
from drillsim.events.chains import CHAIN_KINDS
from drillsim.experiments.montecarlo import MeasureStatistics, summarize
from drillsim.report import charts
from drillsim.report.layers import elevation_png, map_layers
from drillsim.report.plots import distribution_figure
from drillsim.report.results import Result, load_result
from drillsim.report.story import (
    KeyEvent,
    action_bounds,
    group_key_events,
    phase_windows,
    story_sentences,
)
from drillsim.report.timeline import EVENT_LABELS, KEY_EVENT_KINDS, kill_chains, replay_data
from drillsim.scenario.pedigree import is_sourced
from drillsim.study.quantities import format_duration, format_quantity, measure_quantity, quantity_unit

__all__ = [
    "REPORT_FILE",
    "chain_groups",
    "content_security_policy",
    "render_report",
    "timeline_marks",
    "write_report",
]

REPORT_FILE = "report.html"

_TIMELINE_KINDS = tuple(k for k in KEY_EVENT_KINDS if k not in ("PhaseStarted", "ContactLost", "UnitHit"))
"""The kinds of event the timeline chart marks (its rows are labelled by :data:`EVENT_LABELS`): the
viewer's key kinds but phases (drawn as their own bands), lost contacts and hits (too many to read)."""
_MAX_EVENT_ROWS = 300
_TOP_EVENTS = 30
"""Rows of the key-events table: the highest ranked grouped events (all of them are in a folded list)."""
_TOP_CHAINS = 14
"""Rows of the kill-chain chart: the shooters with the most missions; the rest share one row."""
_SCRIPTS = ("vendor/leaflet/leaflet", "vendor/milsymbol/milsymbol", "mapkit", "report")
"""The report's scripts, inlined in this order; the only scripts its Content-Security-Policy lets run."""

Statistics = tuple[dict[str, MeasureStatistics], dict[str, np.ndarray]]
"""Every measure's statistics and per-replication values, over all replications of a result."""


def _static(name: str) -> str:
    return resources.files("drillsim.report").joinpath("static", *name.split("/")).read_text(encoding="utf-8")


def _static_bytes(name: str) -> bytes:
    return resources.files("drillsim.report").joinpath("static", *name.split("/")).read_bytes()


def _script_body(source: str) -> str:
    return source.replace("</script", "<\\/script")


def _script_hash(source: str) -> str:
    """The CSP source expression that allows exactly this inline script (and nothing else)."""
    digest = hashlib.sha256(_script_body(source).encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy(scripts: Iterable[str]) -> str:
    """The report's policy: nothing loads from anywhere; only the listed inline scripts run (by hash), so
    no injected ``<script>`` element and no inline event handler (``onerror=``) can run."""
    hashes = " ".join(_script_hash(s) for s in scripts)
    return (
        f"default-src 'none'; script-src {hashes}; script-src-attr 'none'; style-src 'unsafe-inline'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def _leaflet_css() -> str:
    """Leaflet's stylesheet with its images as data URIs (so the file needs nothing beside it)."""

    def inline(match: re.Match[str]) -> str:
        data = base64.b64encode(_static_bytes(f"vendor/leaflet/{match.group(1)}")).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return re.sub(r"url\((images/[\w.-]+\.png)\)", inline, _static("vendor/leaflet/leaflet.css"))


def _text(value: Any) -> str:
    """A header value as text ("" for none); the template escapes it."""
    return "" if value is None else str(value)


def _clock(seconds: float | None) -> str:
    """A time since the start of the run, labelled as such: ``T+24:40`` (hours and minutes)."""
    if seconds is None or not math.isfinite(seconds):
        return "-"
    m = round(seconds / 60)
    return f"T+{m // 60}:{m % 60:02d}"


def _duration(seconds: float | None) -> str:
    """A duration with its unit (``42 s``, ``12.5 min``, ``24.7 h``)."""
    return format_duration(math.nan if seconds is None else seconds)


def _value(kind: str, value: float, unit: tuple[float, str] | None = None) -> str:
    """A measure's value with its unit, by the units policy (:mod:`drillsim.study.quantities`)."""
    return format_quantity(measure_quantity(kind or None), value, unit=unit)


def _row_unit(kind: str, typical: float) -> tuple[float, str] | None:
    """One unit for a row of a measure's statistics (times and distances), from a typical value."""
    quantity = measure_quantity(kind or None)
    return quantity_unit(quantity, typical) if quantity in ("time", "distance") else None


def _trusted_asset(text: str) -> Markup:
    """A stylesheet, script or JSON block that drillsim built or ships, inlined unescaped. Scripts and
    the data block pass through :func:`_script_body` first (no ``</script`` can close them early)."""
    return Markup(text)


# ------------------------------------------------------------------------------------------ sections


def _facts(result: Result, replay: dict[str, Any]) -> dict[str, str]:
    """The summary: the scenario's facts, as text."""
    h = result.header
    sc = result.scenario
    reps = result.replications
    shown = replay["meta"]["replication"]
    mc = result.monte_carlo
    if mc is not None:
        rep_note = (
            f"{mc.n:,} replications (Monte Carlo, {_stopped_text(mc.stopped)}); {len(reps)} recorded with "
            f"their event log ({_picks_text(result)}); maps, timeline and kill chain show replication {shown}"
        )
    elif len(reps) > 1:
        rep_note = f"{len(reps)} replications; maps, timeline and kill chain show replication {shown}"
    else:
        rep_note = "1 replication"
    return {
        "title": _text(h.get("title")),
        "scenario": _text(h["scenario"]),
        "start": _text(h.get("start")),
        "duration": _duration(h["duration_s"]) + f" (time step {h.get('dt_s')} s)",
        "geodata": _text(h.get("geodata") or "none (flat synthetic terrain)"),
        "runs": rep_note,
        "seed": _text(h["seed"]),
        "hash": _text(h.get("scenario_hash")),
        "version": _text(h.get("drillsim_version")),
        "description": _text(sc.description) if sc is not None else "",
    }


def _forces(result: Result, statistics: Statistics | None) -> dict[str, Any]:
    """The forces-and-outcome section: a row per side, the objectives and the outcome."""
    h = result.header
    sc = result.scenario
    units_by_side: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for u in h["units"]:
        units_by_side[u["side"]].append(u)
    sides = []
    for name, side in h["sides"].items():
        units = units_by_side.get(name, [])
        sides.append(
            [
                side.get("name") or name,
                ", ".join(sorted({u["nation"] for u in units})),
                str(len(units)),
                f"{sum(u['strength'] for u in units):,.0f}",
                ", ".join(f"{k}: {v}" for k, v in (side.get("relations") or {}).items()),
            ]
        )
    objectives = [(name, o.kind, o.side) for name, o in sc.objectives.items()] if sc is not None else []
    return {"sides": sides, "objectives": objectives, "outcome": _outcome(result, statistics)}


def _stopped_text(stopped: str) -> str:
    return {
        "fixed": "the number asked for",
        "precision": "stopped with every precision target met",
        "cap": "stopped at the cap with a precision target not met",
    }.get(stopped, stopped)


def _picks_text(result: Result) -> str:
    """The recorded replications of a Monte Carlo result and why each was chosen."""
    recorded = result.recorded
    if recorded is None:
        return ", ".join(str(r) for r in result.replications)
    names = {0.0: "lowest", 0.5: "median", 1.0: "highest"}
    items = []
    for pick in recorded["picks"]:
        q = pick["quantile"]
        why = "no value" if q is None else names.get(q, f"{q * 100:.0f} % quantile")
        items.append(f"{pick['replication']}: {why}")
    return f"by {recorded['measure']}: " + "; ".join(items)


def _replication_statistics(result: Result) -> Statistics | None:
    """Every measure's statistics and values over all replications (a Monte Carlo result's, or an
    ensemble's with 95 % intervals); None for a single replication."""
    if result.monte_carlo is not None:
        return result.monte_carlo.statistics, result.monte_carlo.measures
    if not result.is_ensemble:
        return None
    kinds = result.header.get("measures", {})
    values = result.measures()
    return {name: summarize(v, measure=name, kind=kinds.get(name)) for name, v in values.items()}, values


def _outcome(result: Result, statistics: Statistics | None) -> dict[str, Any] | None:
    """The outcome table: a value per measure for one replication (no ``title``), else each measure's
    statistics over the replications with its precision target, if any."""
    kinds = result.header.get("measures", {})
    measures = result.measures()
    if not measures:
        return None
    if statistics is None:
        return {
            "title": None,
            "rows": [[n, _value(kinds.get(n, ""), float(v[0]))] for n, v in measures.items()],
        }
    by_measure, _ = statistics
    mc = result.monte_carlo
    level = f"{next(iter(by_measure.values())).confidence * 100:g} %" if by_measure else ""
    head = ["Measure", "Runs with a value", "Mean", "Median", "5 %", "95 %", f"{level} CI of the mean"]
    targets = mc.precision if mc is not None else {}
    if targets:
        head.append("Target ±")
    rows = []
    for name, st in by_measure.items():
        kind = kinds.get(name, "")
        unit = _row_unit(kind, st.mean)
        finite = math.isfinite(st.ci_low) and math.isfinite(st.ci_high)
        ci = f"{_value(kind, st.ci_low, unit)} – {_value(kind, st.ci_high, unit)}" if finite else "-"
        cells = [
            name,
            f"{st.n:,}/{st.of:,}",
            *(_value(kind, x, unit) for x in (st.mean, st.median, st.p05, st.p95)),
            ci,
        ]
        check = targets.get(name)
        target = (
            None
            if check is None
            else {"value": _value(kind, check.required_half_width, unit), "met": check.met}
        )
        rows.append({"cells": cells, "target": target})
    title = (
        f"Outcome over {mc.n:,} replications (Monte Carlo)"
        if mc is not None
        else "Outcome over all replications"
    )
    return {"title": title, "head": head, "targets": bool(targets), "rows": rows}


def _moments(replay: dict[str, Any], whole: list[list[float]]) -> list[dict[str, Any]]:
    """A map per phase, at its end, zoomed to where its action was, with tracks drawn from its start;
    then the whole run (``whole``: bounds of every track) when there was more than one phase."""
    windows = phase_windows(replay)
    end = float(replay["meta"]["duration_s"])
    moments = []
    for w in windows:
        label = f"Phase {w['name']}" if w["name"] else "The run"
        moments.append(
            {
                "label": label,
                "time_s": w["end_s"],
                "from_s": w["start_s"],
                "span": f"{_clock(w['start_s'])} to {_clock(w['end_s'])}",
                "bounds": action_bounds(replay, w["start_s"], w["end_s"]) or whole,
            }
        )
    if len(windows) > 1:
        moments.append(
            {
                "label": "The whole run",
                "time_s": end,
                "from_s": 0.0,
                "span": f"to {_clock(end)}",
                "bounds": whole,
            }
        )
    return moments


def _key_event_row(row: KeyEvent) -> list[str]:
    return [_clock(row.time_s), _text(row.phase), row.text, f"{row.count:,}"]


def timeline_marks(replay: Mapping[str, Any]) -> list[tuple[str, float]]:
    """The timeline chart's marks: (the row's label in plain words, time) for each key event of a
    replication's :func:`replay_data`."""
    return [(EVENT_LABELS[e["kind"]], e["time_s"]) for e in replay["events"] if e["kind"] in _TIMELINE_KINDS]


def _timeline(replay: dict[str, Any], have_charts: bool) -> dict[str, Any]:
    chart = ""
    if have_charts:
        chart = charts.timeline_chart(
            [(p["name"], p["time_s"]) for p in replay["phases"]],
            timeline_marks(replay),
            float(replay["meta"]["duration_s"]),
        )
    grouped, used = group_key_events(replay)
    ranked = sorted(grouped, key=lambda r: (-r.score, r.time_s))[:_TOP_EVENTS]
    top = sorted(ranked, key=lambda r: r.time_s)
    return {
        "chart": trusted_svg(chart),
        "rows": [_key_event_row(r) for r in top],
        "all": [_key_event_row(r) for r in grouped[:_MAX_EVENT_ROWS]],
        "grouped": len(grouped),
        "events": used,
        "more": max(len(grouped) - _MAX_EVENT_ROWS, 0),
        "rows_list": grouped,
    }


def _loss_series(
    result: Result,
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]]:
    """Cumulative losses per 'side / nation' line: a single run as steps, an ensemble as mean and 5-95 %.
    Losses as the ``losses-<side>`` measures count them: people hit (killed and wounded) and people gone
    missing who were not already counted as wounded."""
    hits = result.scan(
        kinds=("UnitHit", "CasualtiesMissing"),
        columns=("replication", "time_s", "kind", "unit", "count", "value"),
    )
    units = {u["id"]: u for u in result.header["units"]}
    labels = sorted({f"{u['side']} / {u['nation']}" for u in units.values()})
    side_totals = sorted({u["side"] for u in units.values()})
    reps = hits.column("replication").to_numpy()
    times = hits.column("time_s").to_numpy()
    counts = hits.column("count").to_numpy().astype(np.float64)
    missing = np.array([k == "CasualtiesMissing" for k in hits.column("kind").to_pylist()], dtype=bool)
    wounded_before = np.nan_to_num(hits.column("value").to_numpy(zero_copy_only=False).astype(np.float64))
    counts = np.where(missing, counts - wounded_before, counts)  # a missing event's wounded were hit before
    who = hits.column("unit").to_pylist()
    line_of = np.array(
        [f"{units[u]['side']} / {units[u]['nation']}" if u in units else "?" for u in who], dtype=object
    )
    side_of = np.array([units[u]["side"] if u in units else "?" for u in who], dtype=object)
    duration = float(result.header["duration_s"])
    grid = np.linspace(0.0, duration, 241)
    rep_list = result.replications
    index = {r: i for i, r in enumerate(rep_list)}
    out: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]] = {}
    groups = [(label, line_of == label) for label in labels]
    if len(side_totals) < len(labels):
        groups += [(f"{side} (all)", side_of == side) for side in side_totals]
    for label, mask in groups:
        cum = np.zeros((len(rep_list), len(grid)))
        for r, t, c in zip(reps[mask], times[mask], counts[mask], strict=True):
            cum[index[int(r)], np.searchsorted(grid, t, side="left") :] += c
        if len(rep_list) == 1:
            out[label] = (grid, cum[0], None, None)
        else:
            out[label] = (
                grid,
                cum.mean(axis=0),
                np.quantile(cum, 0.05, axis=0),
                np.quantile(cum, 0.95, axis=0),
            )
    return out


def _losses(result: Result, have_charts: bool) -> dict[str, Any]:
    series = _loss_series(result)
    which = "the recorded replications" if result.monte_carlo is not None else "replications"
    title = f"mean over {which}, band 5-95 %" if result.is_ensemble else "one replication"
    return {
        "chart": trusted_svg(charts.losses_chart(series, title=title) if have_charts else ""),
        "column": "Mean people lost by the end" if result.is_ensemble else "People lost by the end",
        "rows": [[label, _people(float(s[1][-1]), mean=result.is_ensemble)] for label, s in series.items()],
    }


def _people(value: float, *, mean: bool) -> str:
    """People lost: a whole number for one replication, a mean with one decimal over several."""
    return f"{value:,.1f}" if mean else f"{round(value):,}"


def _all_chains(result: Result) -> list[dict[str, Any]]:
    """Fire missions and strikes of every replication (each with ``replication`` and ``type``), read a
    replication at a time (its events are dicts only while its chains are made)."""
    out = []
    for rep in sorted(result.replications):
        table = result.scan(replication=rep, kinds=CHAIN_KINDS)
        lat, lon = result.to_latlon(table.column("x_m").to_numpy(), table.column("y_m").to_numpy())
        rows = table.to_pylist()
        for row, la, lo in zip(rows, lat.tolist(), lon.tolist(), strict=True):
            row["lat"] = la if math.isfinite(la) else None
            row["lon"] = lo if math.isfinite(lo) else None
        missions, strikes = kill_chains(rows)
        out += [{**m, "replication": rep, "type": "fire mission"} for m in missions]
        out += [{**m, "replication": rep, "type": "strike"} for m in strikes]
    return out


def _shooter(m: Mapping[str, Any]) -> str:
    """Who fired a mission or flew a strike; the requesting side when the event log names no one."""
    return str(
        m.get("battery") or m.get("aircraft") or f"{m.get('side') or 'unknown side'} (no shooter named)"
    )


def chain_groups(missions: list[dict[str, Any]], top: int) -> list[tuple[str, list[dict[str, Any]]]]:
    """Fire missions and strikes grouped by chain and shooter, the ``top`` groups with the most missions
    first (ties by first request), and the rest in one group of their own: ``(label, missions)``."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for m in missions:
        groups[(m["type"], _shooter(m))].append(m)

    def first(ms: list[dict[str, Any]]) -> float:
        return min((m["start_s"] for m in ms if m["start_s"] is not None), default=math.inf)

    ranked = sorted(groups.items(), key=lambda kv: (-len(kv[1]), first(kv[1]), kv[0]))
    shown = [(f"{kind}s by {who} ({len(ms)})", ms) for (kind, who), ms in ranked[:top]]
    rest = ranked[top:]
    if rest:
        pooled = [m for _, ms in rest for m in ms]
        shown.append((f"{len(rest)} other shooters ({len(pooled)})", pooled))
    return shown


def _killchain(result: Result, replay: dict[str, Any], have_charts: bool) -> dict[str, Any]:
    rep = replay["meta"]["replication"]
    shown = [{**m, "type": "fire mission"} for m in replay["missions"]] + [
        {**m, "type": "strike"} for m in replay["strikes"]
    ]
    shown.sort(key=lambda m: (m["start_s"] is None, m["start_s"] or 0.0))
    rows = []
    for m in shown:
        links = "; ".join(f"{link['link']} {_duration(link['duration_s'])}" for link in m["links"]) or "-"
        total = (m["end_s"] - m["start_s"]) if m["start_s"] is not None and m["end_s"] is not None else None
        rows.append(
            [
                m["type"],
                _text(m["mission"]),
                _text(m.get("observer") or m.get("side") or ""),
                _shooter(m),
                _text(m.get("target") or "none named"),
                _clock(m["start_s"]),
                links,
                _duration(total),
                _text(m["outcome"]),
            ]
        )
    groups = chain_groups(shown, _TOP_CHAINS)
    summary = [
        [
            label,
            f"{len(ms):,}",
            _clock(min((m["start_s"] for m in ms if m["start_s"] is not None), default=None)),
            _median_link(ms, ("fire direction", "tasking")),
            _median_link(ms, ("time of flight", "transit", "transit (aborted)")),
            f"{sum(int(m.get('casualties') or 0) for m in ms):,}",
            f"{sum(1 for m in ms if m.get('refused') or m.get('aborted')):,}",
        ]
        for label, ms in groups
    ]
    chart = (
        charts.killchain_chart(groups, title=f"replication {rep}: fire missions and strikes by shooter")
        if have_charts and shown
        else ""
    )
    dist = ""
    if result.is_ensemble and have_charts:
        durations: dict[str, list[float]] = defaultdict(list)
        for m in _all_chains(result):
            for link in m["links"]:
                if link["duration_s"] is not None:
                    durations[f"{m['type']}: {link['link']}"].append(float(link["duration_s"]))
        if durations:
            dist = charts.link_duration_chart(
                dict(sorted(durations.items())),
                title=f"link durations over {len(result.replications)} "
                + ("recorded replications" if result.monte_carlo is not None else "replications"),
            )
    return {"chart": trusted_svg(chart), "rows": rows, "summary": summary, "durations": trusted_svg(dist)}


def _median_link(missions: list[dict[str, Any]], names: tuple[str, ...]) -> str:
    """The median duration of the named links over missions ("-" when none has one)."""
    values = [
        float(link["duration_s"])
        for m in missions
        for link in m["links"]
        if link["link"] in names and link["duration_s"] is not None
    ]
    return _duration(float(np.median(values))) if values else "-"


def _distribution_svg(values: Any, stats: Any, scenario: str) -> str:
    """A measure's distribution plot, drawn now from the values. Never the SVG file beside the result:
    a file in a result directory is data, and an SVG taken verbatim could carry script into the report."""
    return figure_svg(distribution_figure(values, stats, scenario=scenario))


def _measures(
    result: Result,
    statistics: Statistics | None,
    have_charts: bool,
    drawn: Mapping[str, str] | None = None,
) -> dict[str, Any] | None:
    """Each measure's distribution plot, over every replication; None for a single replication. ``drawn``
    holds SVG documents this process has just drawn of the same distributions (by measure), reused."""
    if statistics is None:
        return None
    by_measure, values = statistics
    scenario = str(result.header.get("scenario", ""))
    drawn = drawn or {}
    figures = [
        (
            name,
            trusted_svg(
                inline_svg(drawn[name]) if name in drawn else _distribution_svg(values[name], st, scenario)
            ),
        )
        for name, st in by_measure.items()
        if have_charts
    ]
    n = next(iter(by_measure.values())).of if by_measure else 0
    return {"replications": f"{n:,}", "figures": figures}


def _pedigree(result: Result) -> dict[str, Any] | None:
    """Every numeric parameter of the scenario with its source and confidence, the weakly sourced flagged;
    None when the result directory holds no scenario."""
    sc = result.scenario
    if sc is None:
        return None
    params = sc.parameters()
    rows = []
    for p in params:
        cite = sc.sources[p.source].citation if p.source and p.source in sc.sources else p.source
        rows.append(
            {
                "path": p.path,
                "value": f"{p.value:g}",
                "source": cite or "-",
                "confidence": p.confidence or "-",
                "weak": not is_sourced(p),
            }
        )
    weak = sum(not is_sourced(p) for p in params)
    return {
        "count": len(params),
        "sourced": len(params) - weak,
        "weak": weak,
        "rows": rows,
        "by_source": _pedigree_by_source(rows),
    }


def _pedigree_by_source(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The parameters counted by source and confidence, most parameters first: the pedigree's overview
    (a large scenario has over a thousand parameters, listed in full below it)."""
    counts: dict[tuple[str, str, bool], int] = {}
    for r in rows:
        key = (r["source"], r["confidence"], r["weak"])
        counts[key] = counts.get(key, 0) + 1
    return [
        {"source": source, "confidence": confidence, "weak": weak, "count": n}
        for (source, confidence, weak), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def _side_losses(replay: dict[str, Any]) -> dict[str, float]:
    """People of each side hit by fire in the replication shown (from its hits)."""
    side_of = {u["id"]: u["side"] for u in replay["units"]}
    out = dict.fromkeys(replay["sides"], 0.0)
    for e in replay["events"]:
        if e["kind"] == "UnitHit" and side_of.get(e["unit"]) in out:
            out[side_of[e["unit"]]] += float(e["count"] or 0)
    return out


def _focus(replay: dict[str, Any], layers: dict[str, Any]) -> list[list[float]]:
    """Bounds that hold every track (padded), or the scenario bounds when there are none."""
    lats = [p[1] for tr in replay["tracks"].values() for p in tr if p[1] is not None]
    lons = [p[2] for tr in replay["tracks"].values() for p in tr if p[2] is not None]
    if not lats:
        bounds: list[list[float]] = layers["bounds"]
        return bounds
    pad_lat = max((max(lats) - min(lats)) * 0.15, 0.01)
    pad_lon = max((max(lons) - min(lons)) * 0.15, 0.01)
    return [[min(lats) - pad_lat, min(lons) - pad_lon], [max(lats) + pad_lat, max(lons) + pad_lon]]


def render_report(
    result: Result, *, replication: int | None = None, distributions: Mapping[str, str] | None = None
) -> str:
    """The report of a loaded result as one HTML document (text). ``distributions``: SVG documents of
    the measures' distribution plots already drawn in this process (:func:`plot_distributions`'s
    ``drawn``), used instead of drawing them again."""
    replay = replay_data(result, replication)
    layers = map_layers(result)
    png = elevation_png(result)
    have_charts = charts.has_matplotlib()
    focus = _focus(replay, layers)
    moments = _moments(replay, focus)
    statistics = _replication_statistics(result)
    timeline = _timeline(replay, have_charts)
    story = story_sentences(replay, layers, timeline.pop("rows_list"), _side_losses(replay))
    payload = {
        "replay": replay,
        "layers": layers,
        "moments": moments,
        "focus": focus,
        "elevation": "data:image/png;base64," + base64.b64encode(png).decode("ascii") if png else None,
    }
    data = json.dumps(payload, separators=(",", ":"), allow_nan=False).replace("<", "\\u003c")
    h = result.header
    nav = [
        (anchor, text)
        for anchor, text in (
            ("summary", "Summary"),
            ("maps", "Maps"),
            ("forces", "Forces and outcome"),
            ("timeline", "Timeline"),
            ("losses", "Losses"),
            ("killchain", "Kill chain"),
            ("measures", "Measures"),
            ("pedigree", "Pedigree"),
        )
        if anchor != "measures" or statistics is not None
    ]
    scripts = [_static(f"{name}.js") for name in _SCRIPTS]
    forces = _forces(result, statistics)
    return render_page(
        "drillsim.report",
        "report.html",
        # Nothing may load from anywhere: no network; only our inline scripts (by hash), styles, data: images.
        policy=content_security_policy(scripts),
        title=f"{h.get('title') or h['scenario']}: after-action report",
        styles={"leaflet": _trusted_asset(_leaflet_css()), "report": _trusted_asset(_static("report.css"))},
        nav=nav,
        have_charts=have_charts,
        facts=_facts(result, replay),
        moments=moments,
        story=story,
        story_replication=replay["meta"]["replication"],
        forces=forces,
        outcome=forces["outcome"],
        timeline=timeline,
        losses=_losses(result, have_charts),
        killchain=_killchain(result, replay, have_charts),
        measures=_measures(result, statistics, have_charts, distributions),
        pedigree=_pedigree(result),
        directory=result.directory.name,
        data=_trusted_asset(data),
        scripts=[_trusted_asset(_script_body(s)) for s in scripts],
    )


def write_report(
    result_dir: str | Path,
    *,
    out: str | Path | None = None,
    replication: int | None = None,
    distributions: Mapping[str, str] | None = None,
) -> Path:
    """Write the self-contained HTML report of a result directory; returns its path.

    ``out`` defaults to ``report.html`` inside the result directory. ``replication`` picks the run the maps,
    timeline and kill chain show (default: the first). ``distributions`` (from :func:`plot_distributions`
    in the same process) saves drawing the distribution plots twice. The file is written atomically.
    """
    result = load_result(result_dir)
    text = render_report(result, replication=replication, distributions=distributions)
    return write_page(Path(out) if out is not None else Path(result_dir) / REPORT_FILE, text)
