"""Downloads of the analyses: CSV (one row per result) and GeoJSON (RFC 7946, one feature per result).

The fields are those of :mod:`.report` (the same names as ``ledger intel … --json``), flattened for
CSV. Geometry: a hotspot and a trend row by place are their H3 cell's hexagon; a lane is a line from
its origin to its destination where both places are known, else a feature without geometry (RFC 7946
§3.2 allows ``null``). Polygons are closed and wound counter-clockwise, coordinates are
``[longitude, latitude]`` rounded to 6 digits (about 0.1 m).

CSV cells that a spreadsheet would run as a formula (text starting with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return: site names are typed by users) are prefixed with ``'``; numbers are left as they are.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import h3

from ..geo import Location
from .hotspots import HotspotReport
from .lanes import Lane
from .records import ShipmentRow
from .report import hotspot_json, lane_json, trend_json
from .trends import TrendRow

__all__ = [
    "MAX_ROWS",
    "cell_polygon",
    "cells_geojson",
    "csv_text",
    "geojson_text",
    "hotspots_csv",
    "hotspots_geojson",
    "lanes_csv",
    "lanes_geojson",
    "places_of",
    "trends_csv",
    "trends_geojson",
]

MAX_ROWS = 10_000  # a download holds at most this many results (the most significant, busiest or latest first)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_DIGITS = 6


def _safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    if isinstance(value, bool | int | float) or value is None:
        return value
    return str(value)


def csv_text(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """``rows`` as CSV with a header line of ``columns`` (missing values empty, lists joined by ``;``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
    writer.writerow(columns)
    for row in rows:
        values = []
        for column in columns:
            value = row.get(column)
            if isinstance(value, list | tuple):
                value = ";".join(str(v) for v in value)
            elif isinstance(value, dict):
                value = ";".join(f"{k}={v}" for k, v in value.items())
            values.append(_safe_cell(value))
        writer.writerow(values)
    return out.getvalue()


def geojson_text(features: Iterable[Mapping[str, Any]]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False, allow_nan=False,
                      separators=(",", ":"))


def _point(lat: float, lon: float) -> list[float]:
    return [round(lon, _DIGITS), round(lat, _DIGITS)]


def _signed_area(ring: Sequence[Sequence[float]]) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False)) / 2


def cell_polygon(cell: str) -> dict[str, Any]:
    """The H3 cell's hexagon (or pentagon) as a GeoJSON Polygon: closed, counter-clockwise.

    A cell across the antimeridian keeps going past ±180 on the far side, so the ring does not wrap around
    the world (RFC 7946 would cut it in two; no place in this ledger's data needs that yet). Cells around a
    pole (resolutions 0 and 1 only) cannot be drawn as a plain ring of longitudes and latitudes at all.
    """
    ring = [_point(lat, lon) for lat, lon in h3.cell_to_boundary(cell)]
    for here, before in zip(ring[1:], ring, strict=False):  # unwrap: each point within 180° of the one before
        while here[0] - before[0] > 180:
            here[0] = round(here[0] - 360, _DIGITS)
        while here[0] - before[0] < -180:
            here[0] = round(here[0] + 360, _DIGITS)
    ring.append(list(ring[0]))
    if _signed_area(ring) < 0:
        ring.reverse()
    return {"type": "Polygon", "coordinates": [ring]}


def _finite(row: Mapping[str, Any]) -> dict[str, Any]:
    """JSON has no infinity or NaN: such numbers (a ratio over an expectation of 0) become null."""
    return {k: (None if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))) else v) for k, v in row.items()}


_HOTSPOT_COLUMNS = ("rank", "cell", "place", "lat", "lon", "scans", "flagged_scans", "suspect", "counterfeit", "stolen",
                    "seizures", "expected", "ratio", "p_value", "q_value")


def _hotspot_rows(report: HotspotReport, limit: int) -> list[dict[str, Any]]:
    return [{"rank": n, **_finite(hotspot_json(h))} for n, h in enumerate(report.hotspots[:limit], 1)]


def hotspots_csv(report: HotspotReport, limit: int = MAX_ROWS) -> str:
    return csv_text(_hotspot_rows(report, limit), _HOTSPOT_COLUMNS)


def hotspots_geojson(report: HotspotReport, limit: int = MAX_ROWS) -> str:
    return geojson_text({"type": "Feature", "id": row["cell"], "geometry": cell_polygon(row["cell"]),
                         "properties": {**row, "resolution": report.resolution}}
                        for row in _hotspot_rows(report, limit))


_LANE_COLUMNS = ("rank", "origin", "destination", "carrier", "shipments", "items", "found_bad", "share", "shrunk_share",
                 "p_value", "q_value", "by_kind")


def lanes_csv(lanes: Sequence[Lane], limit: int = MAX_ROWS) -> str:
    return csv_text((lane_json(n, lane) for n, lane in enumerate(lanes[:limit], 1)), _LANE_COLUMNS)


def places_of(shipments: Iterable[ShipmentRow]) -> dict[str, Location]:
    """Where each lane end (a place name, as in :class:`~.records.ShipmentRow`) is, where known."""
    found: dict[str, Location] = {}
    for s in shipments:
        for name, at in ((s.origin, s.origin_at), (s.destination, s.destination_at)):
            if at is not None:
                found.setdefault(name, at)
    return found


def lanes_geojson(lanes: Sequence[Lane], places: Mapping[str, Location], limit: int = MAX_ROWS) -> str:
    """Lanes as lines from origin to destination; ``places`` says where each lane end (a place name) is."""

    def feature(rank: int, lane: Lane) -> dict[str, Any]:
        a, b = places.get(lane.origin), places.get(lane.destination)
        geometry = (None if a is None or b is None else
                    {"type": "LineString", "coordinates": [_point(a.lat, a.lon), _point(b.lat, b.lon)]})
        return {"type": "Feature", "geometry": geometry, "properties": lane_json(rank, lane)}

    return geojson_text(feature(n, lane) for n, lane in enumerate(lanes[:limit], 1))


_TREND_COLUMNS = ("week", "brand", "place", "cell", "scans", "suspect", "counterfeit", "stolen", "seizures", "flagged",
                  "rate")


def trends_csv(rows: Sequence[TrendRow], limit: int = MAX_ROWS) -> str:
    return csv_text((trend_json(t) for t in rows[-limit:]), _TREND_COLUMNS)


def trends_geojson(rows: Sequence[TrendRow], limit: int = MAX_ROWS) -> str:
    """One feature per row; rows by place have their cell's hexagon, the others no geometry."""
    return geojson_text({"type": "Feature", "geometry": cell_polygon(t.cell) if t.cell else None, "properties": trend_json(t)}
                        for t in rows[-limit:])


def cells_geojson(rows: Sequence[TrendRow], limit: int = MAX_ROWS) -> str:
    """Trend rows by place summed over the weeks: one point per cell (its centre), the busiest ``limit`` cells.

    What the dashboard's map draws as scan volume and seizures: counts per cell, never single scans.
    """
    sums: dict[str, dict[str, Any]] = {}
    for t in rows:
        if not t.cell:
            continue
        s = sums.setdefault(t.cell, {"cell": t.cell, "place": t.place, "scans": 0, "flagged": 0, "seizures": 0})
        s["scans"] += t.scans
        s["flagged"] += t.flagged
        s["seizures"] += t.seizures
    busiest = sorted(sums.values(), key=lambda s: (-(s["scans"] + s["seizures"]), s["cell"]))[:limit]
    return geojson_text({"type": "Feature", "id": s["cell"], "properties": s,
                         "geometry": {"type": "Point", "coordinates": _point(*h3.cell_to_latlng(s["cell"]))}} for s in busiest)
