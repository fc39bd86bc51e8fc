// Intelligence dashboard: draws the map and the weekly charts from /intel/dashboard.json.
// Loaded as a file so the Content-Security-Policy can forbid inline script. Libraries (d3-geo,
// topojson-client, uPlot) and the Natural Earth countries (world-atlas) are served by this app from
// static/vendor: nothing is fetched from anywhere else, and there is no tile server.
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var figure = document.getElementById("dashboard");
  if (!figure) { return; }
  var status = document.getElementById("map-status");

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function get(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(url + ": " + r.status); }
      return r.json();
    });
  }

  // d3-geo reads polygon rings as clockwise (spherical winding); GeoJSON (RFC 7946) writes them
  // counter-clockwise. Reversed, a hexagon is the hexagon and not the rest of the world.
  function forD3(feature) {
    var g = feature.geometry;
    if (!g || g.type !== "Polygon") { return feature; }
    return { type: "Feature", properties: feature.properties,
             geometry: { type: "Polygon", coordinates: g.coordinates.map(function (ring) { return ring.slice().reverse(); }) } };
  }

  function extent(data) {
    var points = [];
    data.cells.features.forEach(function (f) { points.push(f.geometry.coordinates); });
    data.hotspots.features.forEach(function (f) { points.push.apply(points, f.geometry.coordinates[0]); });
    if (!points.length) { return { type: "Sphere" }; }
    var lons = points.map(function (p) { return p[0]; }), lats = points.map(function (p) { return p[1]; });
    var w = Math.min.apply(null, lons) - 4, e = Math.max.apply(null, lons) + 4;
    var s = Math.max(Math.min.apply(null, lats) - 3, -85), n = Math.min(Math.max.apply(null, lats) + 3, 85);
    return { type: "MultiPoint", coordinates: [[w, s], [e, s], [e, n], [w, n]] };
  }

  function title(node, text) { el("title", {}, node).textContent = text; }

  function drawMap(world, data) {
    var svg = document.getElementById("map");
    var projection = d3.geoNaturalEarth1().fitExtent([[10, 10], [950, 490]], extent(data));
    var path = d3.geoPath(projection);
    el("path", { "class": "sphere", d: path({ type: "Sphere" }) }, svg);
    var land = el("g", { "class": "countries" }, svg);
    topojson.feature(world, world.objects.countries).features.forEach(function (f) {
      var d = path(f);
      if (d) { title(el("path", { "class": "country", d: d }, land), f.properties.name); }
    });
    var volume = el("g", { "class": "volume" }, svg), spots = el("g", { "class": "hotspots" }, svg);
    var seized = el("g", { "class": "seizures" }, svg);
    data.hotspots.features.forEach(function (f) {
      var p = f.properties, label = "Hotspot " + p.place + ": " + (p.flagged_scans + p.seizures) + " flags where " +
        p.expected + " were expected (q = " + p.q_value.toPrecision(2) + ")";
      title(el("path", { "class": "hotspot", d: path(forD3(f)), "data-cell": p.cell }, spots), label);
      var xy = projection([p.lon, p.lat]);  // a ring around it: a cell of a few km is a dot on a continent
      if (xy) { title(el("circle", { "class": "hotspot-mark", cx: xy[0].toFixed(1), cy: xy[1].toFixed(1), r: 9 }, spots), label); }
    });
    var most = Math.max.apply(null, [1].concat(data.cells.features.map(function (f) { return f.properties.scans; })));
    data.cells.features.forEach(function (f) {
      var xy = projection(f.geometry.coordinates), p = f.properties;
      if (!xy) { return; }
      if (p.scans) {
        title(el("circle", { "class": p.flagged ? "scans flagged" : "scans", cx: xy[0].toFixed(1), cy: xy[1].toFixed(1),
                             r: (2 + 14 * Math.sqrt(p.scans / most)).toFixed(1) }, volume),
              p.place + ": " + p.scans + " scans, " + p.flagged + " flagged");
      }
      if (p.seizures) {
        var x = xy[0], y = xy[1], r = 6;
        title(el("path", { "class": "seizure", d: "M" + x + "," + (y - r) + "L" + (x + r) + "," + y + "L" + x + "," + (y + r) +
                           "L" + (x - r) + "," + y + "Z" }, seized), p.place + ": " + p.seizures + " seizures");
      }
    });
    status.textContent = data.cells.features.length + " regions with scans, " + data.hotspots.features.length + " hotspots.";
  }

  function chart(id, weeks, series) {
    var box = document.getElementById(id);
    var xs = weeks.map(function (w) { return Date.parse(w.week + "T00:00:00Z") / 1000; });
    var columns = [xs].concat(series.map(function (s) { return weeks.map(function (w) { return w[s.field]; }); }));
    var opts = {
      width: Math.max(280, box.clientWidth), height: 220,
      series: [{ label: "week" }].concat(series.map(function (s) {
        return { label: s.label, stroke: s.colour, width: 2, points: { show: weeks.length < 30 } };
      })),
      axes: [{}, { size: 60 }],
      scales: { x: { time: true } }
    };
    return new uPlot(opts, columns, box);
  }

  Promise.all([get(figure.dataset.world), get(figure.dataset.src)]).then(function (found) {
    var world = found[0], data = found[1];
    drawMap(world, data);
    chart("chart-scans", data.weeks, [{ field: "scans", label: "scans", colour: "#1d4ed8" }]);
    chart("chart-flags", data.weeks, [{ field: "flagged", label: "flagged", colour: "#b45309" },
                                      { field: "seizures", label: "seizures", colour: "#b91c1c" }]);
    figure.setAttribute("data-ready", "true");
  }).catch(function (err) {
    status.textContent = "The map could not be drawn: " + err.message;
    figure.setAttribute("data-ready", "error");
  });
}());
