#!/usr/bin/env bash
# Copy the browser libraries the web pages use from node_modules (pinned by package-lock.json) into
# web/static/vendor, with their licences. The copies are committed, so the app serves them without
# npm; run this after changing a version in package.json (`npm install`, then this script).
#   d3-array, d3-geo, topojson-client (ISC): the dashboard's map projection and TopoJSON decoding
#   world-atlas (ISC; Natural Earth data, public domain): countries at 1:110m
#   uPlot (MIT): the dashboard's weekly charts
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || { echo "no node_modules: run scripts/setup.sh --with-node first" >&2; exit 1; }
out=web/static/vendor
copy() { cp "node_modules/$1" "$out/$2"; }
copy d3-array/dist/d3-array.min.js d3-array.min.js
copy d3-array/LICENSE d3-array.LICENSE
copy d3-geo/dist/d3-geo.min.js d3-geo.min.js
copy d3-geo/LICENSE d3-geo.LICENSE
copy topojson-client/dist/topojson-client.min.js topojson-client.min.js
copy topojson-client/LICENSE topojson-client.LICENSE
copy world-atlas/countries-110m.json countries-110m.json
copy world-atlas/LICENSE world-atlas.LICENSE
copy uplot/dist/uPlot.iife.min.js uPlot.iife.min.js
copy uplot/dist/uPlot.min.css uPlot.min.css
copy uplot/LICENSE uPlot.LICENSE
echo "copied into $out"
