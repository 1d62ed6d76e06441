/* drillsim replay viewer: reads JSON from the local drillsim server (never anything else) and draws one
 * replication over time, or the whole ensemble. Exposes window.drillsimViewer for scripted use and tests. */
(function () {
  "use strict";
  var DM = window.DrillsimMap;
  var $ = function (id) { return document.getElementById(id); };

  var S = {
    meta: null, layers: null, replay: null, ensemble: null,
    t: 0, labels: true, playing: false, mode: "replay", viewMode: "truth", viewSide: null, selected: null,
    markers: {}, contactCircles: null, eventLayer: null, missionLayer: null, traceLayer: null,
    unitLayer: null, ensembleLayer: null, lastFrame: null, ready: false, unitById: {},
  };

  function getJSON(url) {
    return fetch(url, { cache: "no-store" }).then(function (r) {
      if (!r.ok) throw new Error(url + ": HTTP " + r.status);
      return r.json();
    });
  }

  function option(sel, value, text) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = text;
    sel.appendChild(o);
    return o;
  }

  // ------------------------------------------------------------------------------------------ boot

  function boot() {
    return Promise.all([getJSON("/api/meta.json"), getJSON("/api/layers.json")]).then(function (res) {
      S.meta = res[0];
      S.layers = res[1];
      document.title = S.meta.title + " - drillsim replay";
      $("title").textContent = S.meta.title + " (" + S.meta.scenario + ", seed " + S.meta.seed + ")";
      S.map = DM.createMap("map");
      var groups = DM.drawLayers(S.map, S.layers, { elevationUrl: S.meta.elevation ? "/api/elevation.png" : null });
      L.control.layers(null, groups, { collapsed: true }).addTo(S.map);
      L.control.scale({ imperial: false }).addTo(S.map);
      S.map.fitBounds(S.layers.bounds);
      S.unitLayer = L.layerGroup().addTo(S.map);
      S.contactCircles = L.layerGroup().addTo(S.map);
      S.eventLayer = L.layerGroup().addTo(S.map);
      S.missionLayer = L.layerGroup().addTo(S.map);
      S.traceLayer = L.layerGroup().addTo(S.map);
      S.meta.replications.forEach(function (r) { option($("replication"), r, "replication " + r); });
      Object.keys(S.meta.sides).forEach(function (side, i) {
        if (i === 0) S.viewSide = side;
        option($("view"), "truth:" + side, "Ground truth (as " + S.meta.sides[side] + " sees affiliation)");
      });
      Object.keys(S.meta.sides).forEach(function (side) {
        option($("view"), "picture:" + side, S.meta.sides[side] + "'s picture");
      });
      if (S.meta.ensemble) $("tab-ensemble").hidden = false;
      wire();
      return loadReplication(S.meta.replications[0]);
    }).then(function () {
      var focus = DM.trackBounds(S.replay);
      if (focus) S.map.fitBounds(focus, { animate: false });
      S.ready = true;
      document.body.dataset.ready = "1";
    });
  }

  function wire() {
    $("replication").addEventListener("change", function (e) { loadReplication(Number(e.target.value)); });
    $("view").addEventListener("change", function (e) {
      var v = e.target.value.split(":");
      S.viewMode = v[0];
      S.viewSide = v[1];
      render();
    });
    $("labels").addEventListener("change", function (e) { S.labels = e.target.checked; render(); });
    $("scrubber").addEventListener("input", function (e) { setTime(Number(e.target.value)); });
    $("play").addEventListener("click", function () { setPlaying(!S.playing); });
    $("jump-next").addEventListener("click", function () { jumpNext($("jump-kind").value); });
    $("unit-close").addEventListener("click", function () { selectUnit(null); });
    $("tab-replay").addEventListener("click", function () { setMode("replay"); });
    $("tab-ensemble").addEventListener("click", function () { setMode("ensemble"); });
    $("measure").addEventListener("change", function () { defaultBetter(); drawHistogram(); });
    Array.prototype.forEach.call(document.querySelectorAll("[data-pick]"), function (b) {
      b.addEventListener("click", function () { pick(b.dataset.pick); });
    });
    ["show-density", "show-tracks", "show-markers"].forEach(function (id) {
      $(id).addEventListener("change", drawEnsemble);
    });
    document.addEventListener("keydown", function (e) {
      if (e.target.tagName === "INPUT" || e.target.tagName === "SELECT") return;
      if (e.key === " ") { e.preventDefault(); setPlaying(!S.playing); }
    });
  }

  // ------------------------------------------------------------------------------- replication

  function loadReplication(rep) {
    return getJSON("/api/replay/" + rep + ".json").then(function (replay) {
      if (!S.replay) {
        S.labels = replay.units.length <= 40;
        $("labels").checked = S.labels;
      }
      S.replay = replay;
      S.unitById = {};
      replay.units.forEach(function (u) { S.unitById[u.id] = u; });
      $("replication").value = String(rep);
      S.unitLayer.clearLayers();
      S.markers = {};
      replay.units.forEach(function (u) {
        var m = L.marker([0, 0], { pane: "units", keyboard: false, title: u.designation });
        m.on("click", function () { selectUnit(u.id); });
        m.unitId = u.id;
        S.markers[u.id] = m;
      });
      var sc = $("scrubber");
      sc.max = String(Math.ceil(replay.meta.duration_s));
      sc.step = String(replay.meta.dt_s || 1);
      var jk = $("jump-kind");
      jk.innerHTML = "";
      var labels = replay.event_labels || {};
      replay.event_kinds.forEach(function (k) { option(jk, k, labels[k] || k); });
      if (replay.event_kinds.indexOf("ContactDetected") >= 0) jk.value = "ContactDetected";
      buildStrip();
      buildEventList();
      var selected = S.selected;
      S.selected = null;
      if (selected && S.unitById[selected]) selectUnit(selected);
      setTime(0);
    });
  }

  function buildStrip() {
    var strip = $("event-strip");
    strip.innerHTML = "";
    var d = S.replay.meta.duration_s || 1;
    S.replay.phases.forEach(function (p) {
      var el = document.createElement("div");
      el.className = "phase";
      el.style.left = (100 * p.time_s / d) + "%";
      el.textContent = p.name;
      strip.appendChild(el);
    });
    S.replay.events.forEach(function (e) {
      if (e.kind === "OrderReceived" || e.kind === "ContactReported" || e.kind === "PhaseStarted") return;
      var el = document.createElement("div");
      el.className = "tick kind-" + e.kind;
      el.style.left = (100 * e.time_s / d) + "%";
      el.style.background = DM.kindColour(e.kind);
      el.title = DM.fmtTime(e.time_s) + " " + e.text;
      el.addEventListener("click", function () { setTime(e.time_s); });
      strip.appendChild(el);
    });
  }

  function eventItem(e) {
    var li = document.createElement("li");
    li.innerHTML = '<span class="kind-dot" style="background:' + DM.escapeHtml(DM.kindColour(e.kind)) + '"></span><span class="t">' +
      DM.fmtTime(e.time_s) + "</span> " + DM.escapeHtml(e.text);
    li.dataset.time = e.time_s;
    li.addEventListener("click", function () { setTime(e.time_s); });
    return li;
  }

  // A numbered list's left padding holds its widest number ("12." needs more room than "9."), so no
  // number is clipped however long the list.
  function fitNumbers(ol) {
    ol.style.paddingLeft = (String(ol.children.length).length + 2) + "ch";
  }

  function buildEventList() {
    var ol = $("event-list");
    ol.innerHTML = "";
    S.replay.events.forEach(function (e) {
      if (e.kind === "OrderReceived" || e.kind === "ContactReported") return;
      ol.appendChild(eventItem(e));
    });
    fitNumbers(ol);
  }

  // The events list follows the clock: the last event at or before the time is marked current and
  // scrolled into the middle of the list (the list scrolls, never the page).
  function followEvents(t) {
    var ol = $("event-list");
    var current = null;
    Array.prototype.forEach.call(ol.children, function (li) {
      var past = Number(li.dataset.time) <= t;
      li.classList.toggle("past", past);
      li.classList.remove("current");
      if (past) current = li;
    });
    if (current) current.classList.add("current");
    var target = current || ol.children[0];
    if (!target) return;
    var top = target.offsetTop - (ol.clientHeight - target.offsetHeight) / 2;  // the list is positioned: offsets are within it
    ol.scrollTop = Math.max(0, top);
  }

  // ---------------------------------------------------------------------------------------- time

  function setTime(t) {
    var d = S.replay ? S.replay.meta.duration_s : 0;
    S.t = Math.max(0, Math.min(d, t));
    $("scrubber").value = String(S.t);
    render();
  }

  function setPlaying(on) {
    S.playing = on && S.t < S.replay.meta.duration_s;
    $("play").innerHTML = S.playing ? "&#10074;&#10074;" : "&#9654;";
    S.lastFrame = null;
    if (S.playing) requestAnimationFrame(tick);
  }

  function tick(now) {
    if (!S.playing) return;
    if (S.lastFrame !== null) {
      var speed = Number($("speed").value);
      setTime(S.t + (now - S.lastFrame) / 1000 * speed);
      if (S.t >= S.replay.meta.duration_s) { setPlaying(false); return; }
    }
    S.lastFrame = now;
    requestAnimationFrame(tick);
  }

  function jumpNext(kind) {
    var evs = S.replay.events;
    for (var i = 0; i < evs.length; i++) {
      if (evs[i].kind === kind && evs[i].time_s > S.t + 1e-6) { setTime(evs[i].time_s); return evs[i]; }
    }
    return null;
  }

  // -------------------------------------------------------------------------------------- render

  function setMarker(m, latlng, icon, key, visible) {
    if (!visible) {
      if (S.unitLayer.hasLayer(m)) S.unitLayer.removeLayer(m);
      return;
    }
    m.setLatLng(latlng);
    if (m.iconKey !== key) { m.setIcon(icon); m.iconKey = key; }
    if (!S.unitLayer.hasLayer(m)) S.unitLayer.addLayer(m);
    var el = m.getElement();
    if (el) {
      el.dataset.unit = m.unitId;
      el.classList.toggle("selected", S.selected === m.unitId);
    }
  }

  function render() {
    if (!S.replay) return;
    var t = S.t;
    var R = S.replay;
    var picture = S.viewMode === "picture" ? DM.pictureAt(R.pictures[S.viewSide] || [], t) : null;
    S.contactCircles.clearLayers();
    R.units.forEach(function (u) {
      var m = S.markers[u.id];
      var p = DM.positionAt(R.tracks[u.id], t);
      var ended = !!(u.end && u.end.time_s <= t);
      if (!p) { setMarker(m, null, null, null, false); return; }
      if (picture && u.side !== S.viewSide) {
        var c = picture[u.id];
        if (!c || c.lat === null) { setMarker(m, null, null, null, false); return; }
        var ci = DM.symbolIcon(u.contact[S.viewSide], S.labels ? u.designation : "", { className: "contact" });
        setMarker(m, [c.lat, c.lon], ci, "c|" + S.viewSide + "|" + S.labels, true);
        if (c.error_m) {
          L.circle([c.lat, c.lon], { radius: c.error_m * 2, color: "#c0392b", weight: 1, dashArray: "3 3", fillOpacity: 0.05, interactive: false })
            .addTo(S.contactCircles);
        }
        return;
      }
      var icon = DM.symbolIcon(u.sidc[S.viewSide], S.labels ? u.designation : "", { className: ended ? "ended" : "" });
      setMarker(m, [p[0], p[1]], icon, "u|" + S.viewSide + "|" + ended + "|" + S.labels, true);
    });
    drawEventMarkers(t);
    drawMissions(t);
    drawTrace(t);
    var clock = DM.clockTime(R.meta.start, t);
    $("clock").textContent = "T+" + DM.fmtTime(t) + (clock ? "  " + clock : "");
    followEvents(t);
    if (S.selected) updateUnitPanel(t);
  }

  function drawEventMarkers(t) {
    S.eventLayer.clearLayers();
    var window_s = Math.max(600, S.replay.meta.duration_s / 30);
    S.replay.events.forEach(function (e) {
      if (e.lat === null || e.time_s > t || e.time_s < t - window_s) return;
      if (e.kind === "OrderReceived" || e.kind === "ContactReported" || e.kind === "PhaseStarted") return;
      var age = (t - e.time_s) / window_s;
      L.circleMarker([e.lat, e.lon], {
        radius: e.kind === "RoundsImpacted" || e.kind === "WeaponsReleased" ? 9 : 6,
        color: DM.kindColour(e.kind), weight: 2, fillOpacity: 0.35 * (1 - age), opacity: 1 - 0.7 * age,
        className: "event-marker kind-" + e.kind,
      }).bindTooltip(DM.fmtTime(e.time_s) + " " + DM.escapeHtml(e.text)).addTo(S.eventLayer);
    });
  }

  function drawMissions(t) {
    S.missionLayer.clearLayers();
    var R = S.replay;
    R.missions.forEach(function (m) {
      if (m.start_s === null || t < m.start_s || t > (m.end_s || m.start_s) + 300) return;
      var obs = DM.positionAt(R.tracks[m.observer], m.start_s);
      var bat = DM.positionAt(R.tracks[m.battery], m.start_s);
      var aim = m.impact || m.aim;
      if (!aim || aim[0] === null) return;
      var tip = "Fire mission " + m.mission + ": " + m.links.map(function (l) {
        return l.link + " " + DM.fmtTime(l.duration_s);
      }).join(", ") + " - " + m.outcome;
      if (obs) L.polyline([[obs[0], obs[1]], aim], { color: "#ff7f0e", weight: 2, dashArray: "4 4", className: "chain-link" }).bindTooltip(DM.escapeHtml("call for fire: " + tip)).addTo(S.missionLayer);
      if (bat && (m.times.RoundsFired || 0) <= t && m.times.RoundsFired !== undefined) {
        L.polyline([[bat[0], bat[1]], aim], { color: "#d62728", weight: 2, className: "chain-link" }).bindTooltip(DM.escapeHtml("rounds: " + tip)).addTo(S.missionLayer);
      }
    });
    R.strikes.forEach(function (m) {
      if (m.start_s === null || t < m.start_s || t > (m.end_s || m.start_s) + 300 || !m.impact) return;
      var ac = DM.positionAt(R.tracks[m.aircraft], t);
      if (!ac) return;
      L.polyline([[ac[0], ac[1]], m.impact], { color: "#9467bd", weight: 2, dashArray: "6 3", className: "chain-link" })
        .bindTooltip(DM.escapeHtml("Strike " + m.mission + ": " + m.outcome)).addTo(S.missionLayer);
    });
  }

  function drawTrace(t) {
    S.traceLayer.clearLayers();
    if (!S.selected) return;
    var tr = S.replay.tracks[S.selected] || [];
    var all = tr.map(function (q) { return [q[1], q[2]]; });
    var past = tr.filter(function (q) { return q[0] <= t; }).map(function (q) { return [q[1], q[2]]; });
    var p = DM.positionAt(tr, t);
    if (p) past.push([p[0], p[1]]);
    if (all.length > 1) L.polyline(all, { color: "#ffb300", weight: 2, opacity: 0.5, dashArray: "2 4", interactive: false, className: "unit-trace" }).addTo(S.traceLayer);
    if (past.length > 1) L.polyline(past, { color: "#ff6f00", weight: 3, opacity: 0.9, interactive: false, className: "unit-trace" }).addTo(S.traceLayer);
  }

  // ---------------------------------------------------------------------------------- unit panel

  function selectUnit(id) {
    S.selected = id;
    var panel = $("unit-panel");
    if (!id) { panel.hidden = true; render(); return; }
    var u = S.unitById[id];
    panel.hidden = false;
    $("unit-title").textContent = u.designation + " - " + u.name;
    $("unit-symbol").innerHTML = new ms.Symbol(u.sidc[S.viewSide], { size: 40, uniqueDesignation: u.designation }).asSVG();
    var ol = $("unit-orders");
    ol.innerHTML = "";
    u.orders.forEach(function (o) {
      var li = document.createElement("li");
      li.innerHTML = '<span class="t">' + DM.fmtTime(o.time_s) + "</span> " + DM.escapeHtml(o.task + " (phase " + o.phase + ")");
      li.addEventListener("click", function () { setTime(o.time_s); });
      ol.appendChild(li);
    });
    if (!u.orders.length) ol.innerHTML = "<li>none</li>";
    fitNumbers(ol);
    var ev = $("unit-events");
    ev.innerHTML = "";
    u.events.forEach(function (i) { ev.appendChild(eventItem(S.replay.events[i])); });
    if (!u.events.length) ev.innerHTML = "<li>none</li>";
    fitNumbers(ev);
    drawStrength(u);
    render();
  }

  function updateUnitPanel(t) {
    var u = S.unitById[S.selected];
    if (!u) return;
    var now = DM.strengthAt(S.replay.strength[u.id], t);
    var status = u.end && u.end.time_s <= t ? u.end.status + " at " + DM.fmtTime(u.end.time_s) : "active";
    var facts = [
      ["id", u.id], ["side", u.side], ["nation", u.nation], ["type", u.type], ["category", u.category],
      ["echelon", u.echelon], ["SIDC", u.sidc[S.viewSide]], ["strength", now + " of " + u.strength], ["status", status],
    ];
    $("unit-facts").innerHTML = facts.map(function (f) {
      return "<dt>" + DM.escapeHtml(f[0]) + "</dt><dd>" + DM.escapeHtml(f[1]) + "</dd>";
    }).join("");
    var cursor = document.getElementById("strength-cursor");
    if (cursor) {
      var x = 30 + 260 * t / (S.replay.meta.duration_s || 1);
      cursor.setAttribute("x1", x);
      cursor.setAttribute("x2", x);
    }
  }

  function drawStrength(u) {
    var svg = $("unit-strength");
    var W = 260, H = 70, X0 = 30, Y0 = 8;
    var d = S.replay.meta.duration_s || 1;
    var s = S.replay.strength[u.id] || [[0, u.strength]];
    var max = Math.max(1, u.strength);
    var pts = [];
    s.forEach(function (p, i) {
      if (i > 0) pts.push([p[0], s[i - 1][1]]);
      pts.push(p);
    });
    pts.push([d, s[s.length - 1][1]]);
    var path = pts.map(function (p) {
      return (X0 + W * p[0] / d).toFixed(1) + "," + (Y0 + H - H * p[1] / max).toFixed(1);
    }).join(" ");
    svg.innerHTML =
      '<line x1="' + X0 + '" y1="' + (Y0 + H) + '" x2="' + (X0 + W) + '" y2="' + (Y0 + H) + '" stroke="#999"/>' +
      '<text x="0" y="' + (Y0 + 8) + '" font-size="10">' + max + '</text><text x="0" y="' + (Y0 + H) + '" font-size="10">0</text>' +
      '<polyline class="strength-line" fill="none" stroke="#1f5fbf" stroke-width="2" points="' + path + '"/>' +
      '<line id="strength-cursor" x1="' + X0 + '" y1="' + Y0 + '" x2="' + X0 + '" y2="' + (Y0 + H) + '" stroke="#ff6f00"/>';
  }

  // ------------------------------------------------------------------------------------ ensemble

  function setMode(mode) {
    S.mode = mode;
    $("tab-replay").classList.toggle("active", mode === "replay");
    $("tab-ensemble").classList.toggle("active", mode === "ensemble");
    $("ensemble-panel").hidden = mode !== "ensemble";
    [S.unitLayer, S.contactCircles, S.eventLayer, S.missionLayer, S.traceLayer].forEach(function (l) {
      if (mode === "replay") S.map.addLayer(l);
      else S.map.removeLayer(l);
    });
    if (mode === "replay") {
      if (S.ensembleLayer) S.map.removeLayer(S.ensembleLayer);
      return Promise.resolve();
    }
    var ready = S.ensemble ? Promise.resolve(S.ensemble) : getJSON("/api/ensemble.json").then(function (e) {
      S.ensemble = e;
      var sel = $("measure");
      Object.keys(e.measures).forEach(function (name) { option(sel, name, name); });
      defaultBetter();
      return e;
    });
    return ready.then(function () { drawEnsemble(); drawHistogram(); });
  }

  function densityImage(grid, rows, cols, colour) {
    var canvas = document.createElement("canvas");
    canvas.width = cols;
    canvas.height = rows;
    var ctx = canvas.getContext("2d");
    var img = ctx.createImageData(cols, rows);
    var r = parseInt(colour.slice(1, 3), 16), g = parseInt(colour.slice(3, 5), 16), b = parseInt(colour.slice(5, 7), 16);
    for (var y = 0; y < rows; y++) {
      for (var x = 0; x < cols; x++) {
        var v = grid[y][x];
        var k = 4 * (y * cols + x);
        img.data[k] = r; img.data[k + 1] = g; img.data[k + 2] = b;
        img.data[k + 3] = v ? Math.min(230, 40 + v) : 0;
      }
    }
    ctx.putImageData(img, 0, 0);
    return canvas.toDataURL("image/png");
  }

  function drawEnsemble() {
    var E = S.ensemble;
    if (!E || S.mode !== "ensemble") return;
    if (S.ensembleLayer) S.map.removeLayer(S.ensembleLayer);
    S.ensembleLayer = L.layerGroup().addTo(S.map);
    if ($("show-density").checked) {
      Object.keys(E.density.grids).forEach(function (side) {
        var url = densityImage(E.density.grids[side], E.density.rows, E.density.cols, E.sides[side].colour);
        L.imageOverlay(url, E.bounds, { pane: "density", opacity: 0.75, className: "density-overlay", interactive: false })
          .addTo(S.ensembleLayer);
      });
    }
    if ($("show-tracks").checked) {
      E.tracks.forEach(function (tr) {
        if (tr.points.length < 2) return;
        L.polyline(tr.points, { color: (E.sides[tr.side] || {}).colour || "#555", weight: 1, opacity: 0.25, interactive: false, className: "ensemble-track" })
          .addTo(S.ensembleLayer);
      });
    }
    if ($("show-markers").checked) {
      E.markers.forEach(function (m) {
        L.circleMarker([m.lat, m.lon], { radius: 4, color: DM.kindColour(m.kind), weight: 1.5, fillOpacity: 0.6, className: "outcome-marker" })
          .bindTooltip(DM.escapeHtml("run " + m.replication + ": " + m.unit + " " + m.kind.replace("Unit", "").toLowerCase() + " at " + DM.fmtTime(m.time_s)))
          .on("click", function () { openReplication(m.replication, m.time_s); })
          .addTo(S.ensembleLayer);
      });
    }
    var n = E.replications.length;
    $("ensemble-summary").textContent = n + " replications; tracks of " + E.tracks_of + " drawn; " + E.markers.length +
      " outcome markers (destroyed, captured, escaped, broke). Click a marker to open its run.";
  }

  function defaultBetter() {
    var name = $("measure").value;
    var kind = (S.meta.measure_kinds || {})[name] || "";
    var lower = /^time|losses|lost/.test(kind) || /time|detection/.test(name);
    $("better").value = lower ? "lower" : "higher";
  }

  function drawHistogram() {
    var E = S.ensemble;
    var svg = $("measure-hist");
    if (!E) return;
    var vals = (E.measures[$("measure").value] || { values: [] }).values.filter(function (v) { return v !== null; });
    if (!vals.length) { svg.innerHTML = '<text x="4" y="20">no values</text>'; return; }
    var lo = Math.min.apply(null, vals), hi = Math.max.apply(null, vals);
    var bins = Math.min(20, Math.max(1, new Set(vals).size));
    var counts = new Array(bins).fill(0);
    vals.forEach(function (v) {
      var i = hi > lo ? Math.min(bins - 1, Math.floor((v - lo) / (hi - lo) * bins)) : 0;
      counts[i] += 1;
    });
    var top = Math.max.apply(null, counts);
    var W = 280, H = 80, bw = W / bins;
    svg.innerHTML = counts.map(function (c, i) {
      var h = H * c / top;
      return '<rect class="hist-bar" x="' + (10 + i * bw) + '" y="' + (10 + H - h) + '" width="' + Math.max(1, bw - 1) + '" height="' + h + '" fill="#607d8b"/>';
    }).join("") + '<text x="10" y="105" font-size="10">' + lo.toPrecision(3) + '</text><text x="240" y="105" font-size="10">' + hi.toPrecision(3) + "</text>";
  }

  function pick(which) {
    var measure = $("measure").value;
    var url = "/api/choose.json?measure=" + encodeURIComponent(measure) + "&pick=" + which + "&better=" + $("better").value;
    return getJSON(url).then(function (res) {
      var v = S.ensemble.measures[measure].values[S.ensemble.replications.indexOf(res.replication)];
      return openReplication(res.replication, 0).then(function () {
        var out = $("pick-result");
        out.textContent = which + " run for " + measure + ": replication " + res.replication + " (" + v + ")";
        out.dataset.replication = String(res.replication);
      });
    });
  }

  function openReplication(rep, t) {
    setMode("replay");
    return loadReplication(rep).then(function () { setTime(t || 0); });
  }

  window.drillsimViewer = {
    state: S,
    setTime: setTime,
    jumpNext: jumpNext,
    selectUnit: selectUnit,
    setMode: setMode,
    pick: pick,
    loadReplication: loadReplication,
  };

  boot().catch(function (err) {
    document.body.dataset.ready = "error";
    console.error(err);
  });
})();
