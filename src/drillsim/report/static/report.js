/* drillsim report: draws the map at each key moment from the report's inline JSON (no network). */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var DM = window.DrillsimMap;
  var viewer = Object.keys(data.replay.sides)[0];
  var rendered = 0;
  data.moments.forEach(function (m, i) {
    var el = document.getElementById("moment-" + i);
    var map = DM.createMap(el, { zoomControl: false, scrollWheelZoom: false });
    DM.drawLayers(map, data.layers, { elevationUrl: data.elevation });
    map.fitBounds(data.focus || data.layers.bounds);
    var group = L.layerGroup().addTo(map);
    var labels = data.replay.units.length <= 40;
    DM.drawUnitsAt(group, data.replay, m.time_s, viewer, { trails: true, size: labels ? 20 : 16, labels: labels });
    L.control.scale({ imperial: false }).addTo(map);
    rendered += 1;
  });
  document.body.dataset.maps = String(rendered);
})();
