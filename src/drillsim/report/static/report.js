/* drillsim report: draws the map of each phase from the report's inline JSON (no network). */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var DM = window.DrillsimMap;
  var viewer = Object.keys(data.replay.sides)[0];
  var rendered = 0;
  var units = 0;
  var symbols = 0;
  data.moments.forEach(function (m, i) {
    var el = document.getElementById("moment-" + i);
    var map = DM.createMap(el, { zoomControl: false, scrollWheelZoom: false });
    DM.drawLayers(map, data.layers, { elevationUrl: data.elevation });
    map.fitBounds(m.bounds || data.focus || data.layers.bounds);
    var group = L.layerGroup().addTo(map);
    var labels = data.replay.units.length <= 40;
    var drawn = DM.drawUnitsAt(group, data.replay, m.time_s, viewer, {
      trails: true,
      trailFrom: m.from_s,
      size: labels ? 20 : 16,
      labels: labels,
      map: map,
      aggregatePx: 64,
    });
    el.dataset.units = String(drawn.units);
    el.dataset.symbols = String(drawn.symbols);
    units += drawn.units;
    symbols += drawn.symbols;
    L.control.scale({ imperial: false }).addTo(map);
    rendered += 1;
  });
  document.body.dataset.units = String(units);
  document.body.dataset.symbols = String(symbols);
  document.body.dataset.maps = String(rendered);
})();
