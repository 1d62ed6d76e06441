"""The after-action report: one self-contained HTML file for a result directory.

Everything is inside the file: Leaflet, milsymbol and the map kit as inline scripts, the data as an inline
JSON block, the elevation image as a data URI, charts as inline SVG. It opens from disk on a machine with
no network and loads nothing from anywhere.

Sections: summary and outcome, the map at key moments (each phase start and the end), timeline of phases
and key events, losses by side and nation over time, the kill chain (every fire mission and strike with its
links and durations), measures of effectiveness with their distributions (many replications), and the
pedigree of every parameter.

A Monte Carlo result (``drillsim mc``) is reported over all its replications where the numbers come from
the measures (the outcome table with confidence intervals, the distributions), and over its recorded
replications where they come from the event log (maps, timeline, losses, kill chain).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from drillsim.core.figures import figure_svg
from drillsim.core.files import write_text_atomically
from drillsim.events.chains import CHAIN_KINDS
from drillsim.experiments.montecarlo import MeasureStatistics, summarize
from drillsim.report import charts
from drillsim.report.layers import elevation_png, map_layers
from drillsim.report.plots import distribution_figure
from drillsim.report.results import Result, load_result
from drillsim.report.timeline import kill_chains, replay_data
from drillsim.scenario.models import TIME_MEASURE_KINDS
from drillsim.scenario.pedigree import is_sourced

__all__ = ["REPORT_FILE", "content_security_policy", "render_report", "write_report"]

REPORT_FILE = "report.html"

_KEY_KINDS = (
    "ContactDetected",
    "FireMissionRequested",
    "FireMissionRefused",
    "RoundsImpacted",
    "StrikeRequested",
    "WeaponsReleased",
    "StrikeAborted",
    "UnitBroke",
    "UnitDestroyed",
    "UnitFled",
    "UnitCaptured",
    "UnitEscaped",
    "ObjectiveAchieved",
    "AssaultResolved",
    "PositionSeized",
)
_MAX_EVENT_ROWS = 300
_SCRIPTS = ("vendor/leaflet/leaflet", "vendor/milsymbol/milsymbol", "mapkit", "report")
"""The report's scripts, inlined in this order; the only scripts its Content-Security-Policy lets run."""

Statistics = tuple[dict[str, MeasureStatistics], dict[str, np.ndarray]]
"""Every measure's statistics and per-replication values, over all replications of a result."""


def _static(name: str) -> str:
    return resources.files("drillsim.report").joinpath("static", *name.split("/")).read_text(encoding="utf-8")


def _static_bytes(name: str) -> bytes:
    return resources.files("drillsim.report").joinpath("static", *name.split("/")).read_bytes()


def _script(source: str) -> str:
    return "<script>" + _script_body(source) + "</script>"


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


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _hms(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "-"
    s = round(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _value(kind: str, value: float) -> str:
    if not math.isfinite(value):
        return "-"
    if kind in TIME_MEASURE_KINDS:
        return _hms(value)
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _table(head: Iterable[str], rows: Iterable[Iterable[str]], *, cls: str = "") -> str:
    out = [
        f'<table class="{cls}"><thead><tr>' + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>"
    ]
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


# ------------------------------------------------------------------------------------------ sections


def _summary(result: Result, replay: dict[str, Any], statistics: Statistics | None) -> tuple[str, str]:
    """The summary (scenario facts) and the forces-and-outcome section."""
    h = result.header
    sc = result.scenario
    units_by_side: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for u in h["units"]:
        units_by_side[u["side"]].append(u)
    side_rows = []
    for name, side in h["sides"].items():
        units = units_by_side.get(name, [])
        nations = sorted({u["nation"] for u in units})
        side_rows.append(
            [
                _e(side.get("name") or name),
                _e(", ".join(nations)),
                str(len(units)),
                f"{sum(u['strength'] for u in units):,.0f}",
                _e(", ".join(f"{k}: {v}" for k, v in (side.get("relations") or {}).items())),
            ]
        )
    desc = f"<p>{_e(sc.description)}</p>" if sc is not None and sc.description else ""
    objectives = ""
    if sc is not None and sc.objectives:
        items = "".join(
            f"<li><b>{_e(name)}</b>: {_e(o.kind)} for {_e(o.side)}</li>" for name, o in sc.objectives.items()
        )
        objectives = f"<h3>Objectives</h3><ul>{items}</ul>"
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
    facts = [
        ("Scenario", f"{_e(h.get('title'))} (<code>{_e(h['scenario'])}</code>)"),
        ("Start", _e(h.get("start"))),
        ("Duration", _hms(h["duration_s"]) + f" (time step {h.get('dt_s')} s)"),
        ("Geodata", _e(h.get("geodata") or "none (flat synthetic terrain)")),
        ("Runs", _e(rep_note)),
        ("Seed", _e(h["seed"])),
        ("Scenario hash", f"<code>{_e(h.get('scenario_hash'))}</code>"),
        ("drillsim", _e(h.get("drillsim_version"))),
    ]
    dl = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
    return f'<section id="summary"><h2>Summary</h2><dl class="facts">{dl}</dl>{desc}</section>', (
        '<section id="forces"><h2>Forces and outcome</h2>'
        + _table(["Side", "Nations", "Units", "People", "Relations"], side_rows)
        + objectives
        + _outcome_table(result, statistics)
        + "</section>"
    )


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


def _outcome_table(result: Result, statistics: Statistics | None) -> str:
    kinds = result.header.get("measures", {})
    measures = result.measures()
    if not measures:
        return ""
    if statistics is None:
        rows = [[_e(n), _value(kinds.get(n, ""), float(v[0]))] for n, v in measures.items()]
        return "<h3>Outcome</h3>" + _table(["Measure", "Value"], rows, cls="num")
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
        finite = math.isfinite(st.ci_low) and math.isfinite(st.ci_high)
        ci = f"{_value(kind, st.ci_low)} – {_value(kind, st.ci_high)}" if finite else "-"
        row = [
            _e(name),
            f"{st.n:,}/{st.of:,}",
            *(_value(kind, x) for x in (st.mean, st.median, st.p05, st.p95)),
            ci,
        ]
        if targets:
            check = targets.get(name)
            row.append(
                ""
                if check is None
                else _value(kind, check.required_half_width) + (" met" if check.met else " <b>not met</b>")
            )
        rows.append(row)
    title = (
        f"Outcome over {mc.n:,} replications (Monte Carlo)"
        if mc is not None
        else "Outcome over all replications"
    )
    note = (
        '<p class="note">Mean and median over the replications with a value; 5 % and 95 % are empirical '
        "quantiles (90 % of runs fall between them); the interval is for the mean (Wilson's for 0/1 "
        "measures, Student's t otherwise) and narrows as replications are added.</p>"
    )
    return f"<h3>{title}</h3>" + _table(head, rows, cls="num measures-table") + note


def _moments(replay: dict[str, Any]) -> list[dict[str, Any]]:
    moments = [{"label": f"Phase {p['name']} starts", "time_s": p["time_s"]} for p in replay["phases"]]
    end = float(replay["meta"]["duration_s"])
    if not moments or moments[-1]["time_s"] < end:
        moments.append({"label": "End of the run", "time_s": end})
    return moments


def _maps_section(moments: list[dict[str, Any]], start: str | None) -> str:
    cells = []
    for i, m in enumerate(moments):
        cells.append(
            f'<figure class="moment"><div class="moment-map" id="moment-{i}" data-time="{m["time_s"]}"></div>'
            f"<figcaption><b>{_e(m['label'])}</b> T+{_hms(m['time_s'])}</figcaption></figure>"
        )
    return (
        '<section id="maps"><h2>The map at key moments</h2><p class="note">Ground truth, symbols by '
        "MIL-STD-2525 with affiliation as the first side sees it; lines are each unit's track so far; "
        "faded symbols are units destroyed, captured or escaped. Hover a symbol for its id.</p>"
        f'<div class="moments">{"".join(cells)}</div></section>'
    )


def _timeline_section(replay: dict[str, Any], have_charts: bool) -> str:
    events = [e for e in replay["events"] if e["kind"] in _KEY_KINDS or e["kind"] == "PhaseStarted"]
    chart = ""
    if have_charts:
        chart = charts.timeline_chart(
            [(p["name"], p["time_s"]) for p in replay["phases"]],
            [(e["kind"], e["time_s"]) for e in events if e["kind"] != "PhaseStarted"],
            float(replay["meta"]["duration_s"]),
        )
    rows = [[_hms(e["time_s"]), _e(e["kind"]), _e(e["text"])] for e in events[:_MAX_EVENT_ROWS]]
    more = (
        f"<p class='note'>{len(events) - _MAX_EVENT_ROWS} more events not listed.</p>"
        if len(events) > _MAX_EVENT_ROWS
        else ""
    )
    return (
        '<section id="timeline"><h2>Timeline of phases and key events</h2>'
        f'<div class="chart">{chart}</div>'
        "<details open><summary>Key events</summary>"
        + _table(["T+", "Kind", "What"], rows)
        + more
        + "</details></section>"
    )


def _loss_series(
    result: Result,
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]]:
    """Cumulative losses per 'side / nation' line: a single run as steps, an ensemble as mean and 5-95 %."""
    events = result.events
    hits = events.filter(pc.equal(events.column("kind"), "UnitHit"))
    units = {u["id"]: u for u in result.header["units"]}
    labels = sorted({f"{u['side']} / {u['nation']}" for u in units.values()})
    side_totals = sorted({u["side"] for u in units.values()})
    reps = hits.column("replication").to_numpy()
    times = hits.column("time_s").to_numpy()
    counts = hits.column("count").to_numpy().astype(np.float64)
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


def _losses_section(result: Result, have_charts: bool) -> str:
    series = _loss_series(result)
    which = "the recorded replications" if result.monte_carlo is not None else "replications"
    title = f"mean over {which}, band 5-95 %" if result.is_ensemble else "one replication"
    chart = charts.losses_chart(series, title=title) if have_charts else ""
    rows = [[_e(label), f"{float(s[1][-1]):.1f}"] for label, s in series.items()]
    head = [
        "Side / nation",
        "Mean people lost by the end" if result.is_ensemble else "People lost by the end",
    ]
    return (
        '<section id="losses"><h2>Losses by side and nation over time</h2>'
        f'<div class="chart">{chart}</div>' + _table(head, rows, cls="num") + "</section>"
    )


def _all_chains(result: Result) -> list[dict[str, Any]]:
    """Fire missions and strikes of every replication (each with ``replication`` and ``type``)."""
    events = result.events
    table = events.filter(pc.is_in(events.column("kind"), value_set=pa.array(CHAIN_KINDS)))
    lat, lon = result.to_latlon(table.column("x_m").to_numpy(), table.column("y_m").to_numpy())
    rows = table.to_pylist()
    by_rep: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row, la, lo in zip(rows, lat.tolist(), lon.tolist(), strict=True):
        row["lat"] = la if math.isfinite(la) else None
        row["lon"] = lo if math.isfinite(lo) else None
        by_rep[int(row["replication"])].append(row)
    out = []
    for rep in sorted(by_rep):
        missions, strikes = kill_chains(by_rep[rep])
        out += [{**m, "replication": rep, "type": "fire mission"} for m in missions]
        out += [{**m, "replication": rep, "type": "strike"} for m in strikes]
    return out


def _killchain_section(result: Result, replay: dict[str, Any], have_charts: bool) -> str:
    rep = replay["meta"]["replication"]
    shown = [{**m, "type": "fire mission"} for m in replay["missions"]] + [
        {**m, "type": "strike"} for m in replay["strikes"]
    ]
    shown.sort(key=lambda m: (m["start_s"] is None, m["start_s"] or 0.0))
    for m in shown:
        shooter = m.get("battery") or m.get("aircraft") or "?"
        m["label"] = (
            f"{'FM' if m['type'] == 'fire mission' else 'ST'} {m['mission']}: {shooter} on {m.get('target')}"
        )
    rows = []
    for m in shown:
        links = "; ".join(f"{link['link']} {_hms(link['duration_s'])}" for link in m["links"]) or "-"
        total = (m["end_s"] - m["start_s"]) if m["start_s"] is not None and m["end_s"] is not None else None
        rows.append(
            [
                _e(m["type"]),
                _e(m["mission"]),
                _e(m.get("observer") or m.get("side") or ""),
                _e(m.get("battery") or m.get("aircraft")),
                _e(m.get("target")),
                _hms(m["start_s"]),
                _e(links),
                _hms(total),
                _e(m["outcome"]),
            ]
        )
    chart = charts.killchain_chart(shown, title=f"replication {rep}") if have_charts and shown else ""
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
    body = (
        _table(
            [
                "Type",
                "No.",
                "Requested by",
                "Shooter",
                "Target",
                "Requested at",
                "Links (duration)",
                "Total",
                "Outcome",
            ],
            rows,
        )
        if rows
        else "<p>No fire missions or strikes in this replication.</p>"
    )
    return (
        '<section id="killchain"><h2>Kill chain</h2><p class="note">Each fire mission: request, '
        "fire direction (request to rounds fired), time of flight, assessment. Each strike: request, "
        "tasking (to take-off), transit (to weapons release or abort), return.</p>"
        f'<div class="chart">{chart}</div>{body}<div class="chart">{dist}</div></section>'
    )


def _distribution_svg(values: Any, stats: Any, scenario: str) -> str:
    """A measure's distribution plot, drawn now from the values. Never the SVG file beside the result:
    a file in a result directory is data, and an SVG taken verbatim could carry script into the report."""
    return figure_svg(distribution_figure(values, stats, scenario=scenario))


def _measures_section(result: Result, statistics: Statistics | None, have_charts: bool) -> str:
    if statistics is None:
        return ""
    by_measure, values = statistics
    scenario = str(result.header.get("scenario", ""))
    figures = "".join(
        f'<figure class="chart distribution" data-measure="{_e(name)}">'
        + _distribution_svg(values[name], st, scenario)
        + "</figure>"
        for name, st in by_measure.items()
        if have_charts
    )
    n = next(iter(by_measure.values())).of if by_measure else 0
    return (
        '<section id="measures"><h2>Measures of effectiveness: distributions</h2>'
        f'<p class="note">Over {n:,} replications. Left, the histogram with the mean (black line), its '
        "confidence interval (grey band) and the 5 % and 95 % quantiles (dashed); right, the fraction of "
        "replications at or below each value. A 0/1 measure is shown as the fraction of replications in "
        "which it happened, with its interval.</p>"
        f"{figures}</section>"
    )


def _pedigree_section(result: Result) -> str:
    sc = result.scenario
    if sc is None:
        return (
            '<section id="pedigree"><h2>Pedigree of the inputs</h2>'
            "<p>No scenario.yaml in the result directory; the pedigree cannot be listed.</p></section>"
        )
    params = sc.parameters()
    weak = [p for p in params if not is_sourced(p)]
    rows = []
    for p in params:
        is_weak = not is_sourced(p)
        cite = sc.sources[p.source].citation if p.source and p.source in sc.sources else p.source
        flag = '<span class="weak">weak</span>' if is_weak else ""
        rows.append(
            [f"<code>{_e(p.path)}</code>", f"{p.value:g}", _e(cite or "-"), _e(p.confidence or "-"), flag]
        )
    return (
        '<section id="pedigree"><h2>Pedigree of the inputs</h2>'
        f"<p>{len(params)} numeric parameters; {len(params) - len(weak)} sourced, "
        f"<b>{len(weak)} weakly sourced</b> (no source, or confidence low or unstated), flagged below.</p>"
        + _table(["Parameter", "Value", "Source", "Confidence", ""], rows, cls="pedigree")
        + "</section>"
    )


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


def render_report(result: Result, *, replication: int | None = None) -> str:
    """The report of a loaded result as one HTML document (text)."""
    replay = replay_data(result, replication)
    layers = map_layers(result)
    png = elevation_png(result)
    have_charts = charts.has_matplotlib()
    moments = _moments(replay)
    statistics = _replication_statistics(result)
    summary, forces = _summary(result, replay, statistics)
    payload = {
        "replay": replay,
        "layers": layers,
        "moments": moments,
        "focus": _focus(replay, layers),
        "elevation": "data:image/png;base64," + base64.b64encode(png).decode("ascii") if png else None,
    }
    data = json.dumps(payload, separators=(",", ":"), allow_nan=False).replace("<", "\\u003c")
    h = result.header
    title = f"{h.get('title') or h['scenario']}: after-action report"
    no_charts = (
        ""
        if have_charts
        else '<p class="note">Charts need matplotlib: install drillsim[plot] and write the report again.</p>'
    )
    nav = "".join(
        f'<a href="#{a}">{t}</a>'
        for a, t in (
            ("summary", "Summary"),
            ("maps", "Maps"),
            ("forces", "Forces and outcome"),
            ("timeline", "Timeline"),
            ("losses", "Losses"),
            ("killchain", "Kill chain"),
            ("measures", "Measures"),
            ("pedigree", "Pedigree"),
        )
        if a != "measures" or statistics is not None
    )
    scripts = [_static(f"{name}.js") for name in _SCRIPTS]
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # Nothing may load from anywhere: no network; only our inline scripts (by hash), styles, data: images.
        f'<meta http-equiv="Content-Security-Policy" content="{_e(content_security_policy(scripts))}">',
        f"<title>{_e(title)}</title>",
        '<link rel="icon" href="data:,">',
        f"<style>{_leaflet_css()}</style><style>{_static('report.css')}</style></head><body>",
        f"<header><h1>{_e(title)}</h1><nav>{nav}</nav></header>",
        no_charts,
        summary,
        _maps_section(moments, h.get("start")),
        forces,
        _timeline_section(replay, have_charts),
        _losses_section(result, have_charts),
        _killchain_section(result, replay, have_charts),
        _measures_section(result, statistics, have_charts),
        _pedigree_section(result),
        f"<footer>Written by drillsim {_e(h.get('drillsim_version'))} from {_e(result.directory.name)}; "
        "Leaflet and milsymbol are inlined (see their licences in the drillsim package). "
        "This file loads nothing from the network.</footer>",
        f'<script type="application/json" id="report-data">{data}</script>',
        *(_script(s) for s in scripts),
        "</body></html>",
    ]
    return "\n".join(parts)


def write_report(
    result_dir: str | Path, *, out: str | Path | None = None, replication: int | None = None
) -> Path:
    """Write the self-contained HTML report of a result directory; returns its path.

    ``out`` defaults to ``report.html`` inside the result directory. ``replication`` picks the run the maps,
    timeline and kill chain show (default: the first). The file is written atomically.
    """
    result = load_result(result_dir)
    text = render_report(result, replication=replication)
    target = Path(out) if out is not None else Path(result_dir) / REPORT_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_text_atomically(target, text)
