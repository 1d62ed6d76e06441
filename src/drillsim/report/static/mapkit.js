/* drillsim map kit: background layers, MIL-STD-2525 unit symbols and time interpolation, shared by the
 * replay viewer (data fetched as JSON from the local server) and the offline report (data inlined as JSON).
 * Needs Leaflet (global L) and milsymbol (global ms). No network access of its own. */
(function (global) {
  "use strict";

  var KIND_COLOURS = {
    PhaseStarted: "#555555",
    ContactDetected: "#1f77b4",
    ContactReported: "#6baed6",
    ContactLost: "#9ecae1",
    FireMissionRequested: "#ff7f0e",
    FireMissionRefused: "#8c564b",
    RoundsFired: "#ff9f4a",
    RoundsImpacted: "#d62728",
    FireMissionCompleted: "#e377c2",
    StrikeRequested: "#9467bd",
    SortieLaunched: "#9467bd",
    WeaponsReleased: "#7b2d8e",
    StrikeAborted: "#bcbd22",
    SortieRecovered: "#c5b0d5",
    UnitHit: "#e6550d",
    UnitBroke: "#17becf",
    UnitDestroyed: "#000000",
    UnitFled: "#7f7f7f",
    UnitCaptured: "#2ca02c",
    UnitEscaped: "#98df8a",
    ObjectiveAchieved: "#2e8b57",
    OrderReceived: "#aaaaaa",
  };

  function kindColour(kind) {
    return KIND_COLOURS[kind] || "#444444";
  }

  function fmtTime(s) {
    if (s === null || s === undefined || !isFinite(s)) return "-";
    var neg = s < 0;
    s = Math.abs(Math.round(s));
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    var sec = s % 60;
    return (neg ? "-" : "") + h + ":" + String(m).padStart(2, "0") + ":" + String(sec).padStart(2, "0");
  }

  // The wall-clock time s seconds after the start, in the start's own time zone (the scenario's), shown
  // with its offset: "2015-05-14 04:30 UTC+05:00". A start without an offset (or "Z") is shown in UTC.
  function clockTime(startIso, s) {
    if (!startIso) return "";
    var start = new Date(startIso).getTime();
    if (isNaN(start)) return "";
    var m = /([+-])(\d\d):?(\d\d)$/.exec(startIso);
    var offsetMin = m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
    var local = new Date(start + s * 1000 + offsetMin * 60000);
    var zone = offsetMin ? "UTC" + m[1] + m[2] + ":" + m[3] : "UTC";
    return local.toISOString().replace("T", " ").slice(0, 16) + " " + zone;
  }

  // ------------------------------------------------------------------------------------ background

  function createMap(el, opts) {
    var map = L.map(el, Object.assign({ zoomSnap: 0.25, preferCanvas: false, attributionControl: false }, opts || {}));
    map.createPane("relief").style.zIndex = 150;
    map.createPane("density").style.zIndex = 350;
    map.createPane("units").style.zIndex = 650;
    return map;
  }

  function polyline(parts, style) {
    return L.polyline(parts, Object.assign({ interactive: false }, style));
  }

  /* A point with a hover label; ``label`` is plain text (escaped here: Leaflet takes tooltip strings as HTML). */
  function pointLabel(p, at, style, label) {
    var m = L.circleMarker(at, Object.assign({ radius: 3, weight: 1, fillOpacity: 0.9 }, style));
    if (label) m.bindTooltip(escapeHtml(label), { permanent: false, direction: "right" });
    return m;
  }

  /* Draw geodata and scenario layers; returns {name: L.LayerGroup} (each already on the map). */
  function drawLayers(map, layers, opts) {
    opts = opts || {};
    var groups = {};
    function group(name) {
      if (!groups[name]) groups[name] = L.layerGroup().addTo(map);
      return groups[name];
    }
    if (layers.elevation && opts.elevationUrl) {
      L.imageOverlay(opts.elevationUrl, layers.elevation.bounds, {
        pane: "relief",
        opacity: 0.85,
        className: "relief-overlay",
        interactive: false,
      }).addTo(group("elevation"));
    }
    var geo = layers.geodata;
    if (geo) {
      var styles = {
        river: { color: "#3b83c4", weight: 2.5, opacity: 0.9 },
        road: { color: "#b5651d", weight: 1.5, opacity: 0.8 },
        border: { color: "#6a1b9a", weight: 3, opacity: 0.85, dashArray: "8 4 2 4" },
        section: { color: "#e91e63", weight: 5, opacity: 0.35 },
      };
      Object.keys(geo.lines).forEach(function (kind) {
        geo.lines[kind].forEach(function (line) {
          var style = styles[kind] || { color: "#666", weight: 1 };
          var pl = polyline(line.parts, style);
          if (kind === "section" || kind === "river") {
            pl.options.interactive = true;
            pl.bindTooltip(escapeHtml(line.name), { sticky: true });
          }
          pl.addTo(group(kind === "section" ? "named sections" : kind + "s"));
        });
      });
      Object.keys(geo.points).forEach(function (name) {
        geo.points[name].forEach(function (p) {
          var crossing = name === "crossings";
          var style = crossing
            ? { color: "#0d47a1", fillColor: "#ffffff", radius: 5, weight: 2 }
            : name === "airfields"
            ? { color: "#333", fillColor: "#90a4ae", radius: 4 }
            : { color: "#333", fillColor: "#333", radius: p.kind === "city" ? 4 : 2.5 };
          var m = pointLabel(p, [p.lat, p.lon], style, p.name + " (" + p.kind + ")");
          m.addTo(group(name));
          if (p.kind === "city" || crossing) {
            L.marker([p.lat, p.lon], {
              icon: L.divIcon({ className: "place-label", html: escapeHtml(p.name), iconSize: null, iconAnchor: [-6, 8] }),
              interactive: false,
              keyboard: false,
            }).addTo(group(name));
          }
        });
      });
    }
    var sc = layers.scenario;
    if (sc) {
      sc.areas.forEach(function (a) {
        var style = { color: "#2e7d32", weight: 1.5, fillOpacity: 0.08, dashArray: "4 3" };
        var shape = null;
        if (a.polygon) shape = L.polygon(a.polygon, style);
        else if (a.center) shape = L.circle(a.center, Object.assign({ radius: a.radius_m }, style));
        if (shape) shape.bindTooltip(escapeHtml(a.name + " (" + a.kind + ")")).addTo(group("scenario areas"));
      });
      sc.lines.forEach(function (l) {
        var style = l.kind === "boundary" || l.kind === "border-section"
          ? { color: "#3b83c4", weight: 3, opacity: 0.8 }
          : { color: "#455a64", weight: 2, dashArray: "6 4" };
        polyline(l.points, style).addTo(group("scenario lines"));
      });
      var labels = opts.placeLabels !== undefined ? opts.placeLabels : sc.places.length <= 12;
      sc.places.forEach(function (p) {
        var crossing = p.kind === "bridge" || p.kind === "ford" || p.kind === "ferry";
        var style = crossing
          ? { color: "#0d47a1", fillColor: "#fff", radius: 5, weight: 2 }
          : { color: "#37474f", fillColor: "#cfd8dc", radius: 4 };
        pointLabel(p, p.at, style, p.name + " (" + p.kind + ")").addTo(group("scenario places"));
        if (labels) L.marker(p.at, {
          icon: L.divIcon({ className: "place-label", html: escapeHtml(p.name), iconSize: null, iconAnchor: [-6, 8] }),
          interactive: false,
          keyboard: false,
        }).addTo(group("scenario places"));
      });
    }
    return groups;
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // ---------------------------------------------------------------------------------------- symbols

  var iconCache = {};

  /* A Leaflet divIcon holding the unit's milsymbol SVG. */
  function symbolIcon(sidc, designation, opts) {
    opts = opts || {};
    var size = opts.size || 26;
    var cls = "unit-symbol" + (opts.className ? " " + opts.className : "");
    var key = [sidc, designation, size, cls].join("|");
    if (!iconCache[key]) {
      var sym = new ms.Symbol(sidc, { size: size, uniqueDesignation: designation || "", fill: true, infoSize: 38 });
      var anchor = sym.getAnchor();
      var sz = sym.getSize();
      iconCache[key] = L.divIcon({
        className: cls,
        html: sym.asSVG(),
        iconSize: [sz.width, sz.height],
        iconAnchor: [anchor.x, anchor.y],
      });
    }
    return iconCache[key];
  }

  // ----------------------------------------------------------------------------------------- time

  /* Interpolated [lat, lon, strength] of a track ([t, lat, lon, strength] rows) at time t. */
  function positionAt(track, t) {
    if (!track || !track.length) return null;
    if (t <= track[0][0]) return [track[0][1], track[0][2], track[0][3]];
    var last = track[track.length - 1];
    if (t >= last[0]) return [last[1], last[2], last[3]];
    var lo = 0,
      hi = track.length - 1;
    while (hi - lo > 1) {
      var mid = (lo + hi) >> 1;
      if (track[mid][0] <= t) lo = mid;
      else hi = mid;
    }
    var a = track[lo],
      b = track[hi];
    var f = b[0] > a[0] ? (t - a[0]) / (b[0] - a[0]) : 0;
    return [a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f, a[3]];
  }

  /* A side's picture at time t: {target: {lat, lon, error_m, time_s}} from its reported/lost contacts. */
  function pictureAt(picture, t) {
    var out = {};
    for (var i = 0; i < picture.length; i++) {
      var c = picture[i];
      if (c.time_s > t) break;
      if (c.kind === "lost") delete out[c.target];
      else out[c.target] = c;
    }
    return out;
  }

  function strengthAt(series, t) {
    var s = series && series.length ? series[0][1] : 0;
    for (var i = 0; series && i < series.length; i++) {
      if (series[i][0] <= t) s = series[i][1];
      else break;
    }
    return s;
  }

  /* The key two items share when merged by "group" or "parent": every unit of the item has the same one
     and the same ended state (a destroyed unit is never drawn as part of a live one); null otherwise. */
  function sharedKey(item, name) {
    var first = item.units[0];
    var key = first[name];
    if (!key) return null;
    for (var i = 1; i < item.units.length; i++) {
      if (item.units[i][name] !== key) return null;
    }
    return (item.ended ? "ended:" : "live:") + first.side + ":" + key;
  }

  /* Split items of one key into clusters, each no wider or taller than px screen pixels: every item, in
     order of x, joins the first cluster it keeps within px, or starts a new one. A group spread along a
     line is drawn as a few symbols along it, not as a pile of overlapping ones. */
  function clusters(members, pts, px) {
    var order = members.map(function (_, i) { return i; }).sort(function (a, b) { return pts[a].x - pts[b].x; });
    var out = [];
    order.forEach(function (i) {
      var q = pts[i];
      var home = null;
      for (var j = 0; j < out.length && home === null; j++) {
        var c = out[j];
        if (Math.max(c.x1, q.x) - Math.min(c.x0, q.x) <= px && Math.max(c.y1, q.y) - Math.min(c.y0, q.y) <= px) home = c;
      }
      if (home === null) {
        home = { x0: q.x, x1: q.x, y0: q.y, y1: q.y, members: [] };
        out.push(home);
      }
      home.x0 = Math.min(home.x0, q.x); home.x1 = Math.max(home.x1, q.x);
      home.y0 = Math.min(home.y0, q.y); home.y1 = Math.max(home.y1, q.y);
      home.members.push(members[i]);
    });
    return out.map(function (c) { return c.members; });
  }

  /* One item for several: their units, at their units' mean position, labelled by their shared key. */
  function merged(members, k) {
    var units = [];
    var lat = 0, lon = 0, n = 0;
    members.forEach(function (it) {
      units = units.concat(it.units);
      lat += it.lat * it.units.length;
      lon += it.lon * it.units.length;
      n += it.units.length;
    });
    return { units: units, lat: lat / n, lon: lon / n, ended: members[0].ended, key: k.split(":").slice(2).join(":") };
  }

  /* Merge items (each {units, lat, lon, ended}) that share a group, then a parent, into one item for each
     cluster of them within px screen pixels of each other on this map at its current zoom. */
  function aggregate(items, map, px) {
    ["group", "parent"].forEach(function (name) {
      var byKey = {};
      var out = [];
      items.forEach(function (it) {
        var k = sharedKey(it, name);
        if (k === null) out.push(it);
        else (byKey[k] = byKey[k] || []).push(it);
      });
      Object.keys(byKey).forEach(function (k) {
        var all = byKey[k];
        var pts = all.map(function (it) { return map.latLngToContainerPoint([it.lat, it.lon]); });
        clusters(all, pts, px).forEach(function (members) {
          if (members.length < 2) out = out.concat(members);
          else out.push(merged(members, k));
        });
      });
      items = out;
    });
    return items;
  }

  /* Draw every unit of a replay at time t into a layer group (ground truth, affiliation seen by viewer).
     opts: size, labels (false: none), trails (each unit's track up to t, from opts.trailFrom if given),
     map and aggregatePx (units of one group or parent within that many pixels drawn as one symbol
     labelled with their number). Returns {units, symbols}: units placed and symbols drawn. */
  function drawUnitsAt(group, replay, t, viewer, opts) {
    opts = opts || {};
    var from = opts.trailFrom === undefined ? -Infinity : opts.trailFrom;
    var items = [];
    replay.units.forEach(function (u) {
      var p = positionAt(replay.tracks[u.id], t);
      if (!p) return;
      items.push({ units: [u], lat: p[0], lon: p[1], ended: !!(u.end && u.end.time_s <= t) });
      if (opts.trails) {
        var past = (replay.tracks[u.id] || []).filter(function (q) { return q[0] <= t && q[0] >= from; }).map(function (q) { return [q[1], q[2]]; });
        if (from > -Infinity) {
          var start = positionAt(replay.tracks[u.id], from);
          if (start) past.unshift([start[0], start[1]]);
        }
        past.push([p[0], p[1]]);
        if (past.length > 1) {
          var colour = u.affiliation[viewer] === "friend" ? "#1f5fbf" : u.affiliation[viewer] === "hostile" ? "#c0392b" : "#777";
          L.polyline(past, { color: colour, weight: 1.5, opacity: 0.7, interactive: false }).addTo(group);
        }
      }
    });
    var placed = items.length;
    if (opts.map && opts.aggregatePx) items = aggregate(items, opts.map, opts.aggregatePx);
    items.forEach(function (it) {
      var u = it.units[0];
      var n = it.units.length;
      var label = opts.labels === false ? (n > 1 ? "\u00d7" + n : "") : n > 1 ? it.key + " \u00d7" + n : u.designation;
      var icon = symbolIcon(u.sidc[viewer], label, { size: opts.size || 22, className: (it.ended ? "ended" : "") + (n > 1 ? " aggregate" : "") });
      var title = n > 1 ? n + " units: " + it.units.map(function (v) { return v.id; }).join(", ") : u.id;
      L.marker([it.lat, it.lon], { icon: icon, pane: "units", keyboard: false, title: title }).addTo(group);
    });
    return { units: placed, symbols: items.length };
  }

  /* Bounds holding every track of a replay, padded; null when there are none. */
  function trackBounds(replay) {
    var b = null;
    Object.keys(replay.tracks).forEach(function (id) {
      replay.tracks[id].forEach(function (p) {
        if (p[1] === null) return;
        if (!b) b = L.latLngBounds([p[1], p[2]], [p[1], p[2]]);
        else b.extend([p[1], p[2]]);
      });
    });
    return b ? b.pad(0.15) : null;
  }

  global.DrillsimMap = {
    trackBounds: trackBounds,
    createMap: createMap,
    drawLayers: drawLayers,
    symbolIcon: symbolIcon,
    positionAt: positionAt,
    pictureAt: pictureAt,
    strengthAt: strengthAt,
    drawUnitsAt: drawUnitsAt,
    kindColour: kindColour,
    fmtTime: fmtTime,
    clockTime: clockTime,
    escapeHtml: escapeHtml,
  };
})(window);
