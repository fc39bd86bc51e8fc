"""CSV and GeoJSON downloads of the analyses (ledger.intel.export): valid documents, the fields of the JSON reports."""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import replace
from typing import Any

import h3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.geo import Location
from ledger.intel.export import (
    cell_polygon,
    csv_text,
    hotspots_csv,
    hotspots_geojson,
    lanes_csv,
    lanes_geojson,
    places_of,
    trends_csv,
    trends_geojson,
)
from ledger.intel.hotspots import hotspots
from ledger.intel.lanes import lanes
from ledger.intel.records import Flag, FlagKind, ScanGroup, Seizure, week_of
from ledger.intel.trends import trends
from ledger.proofs.inspections import InspectionOutcome
from tests.unit.test_intel import ACME, ACME_GTIN, BRANDS, LAGOS, LYON, ROTTERDAM, SHOP, T0, TRUCK, group, records, shipment


def ring_area(ring: list[list[float]]) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False)) / 2


def check_geojson(text: str) -> list[dict[str, Any]]:
    """What RFC 7946 asks of what we write: a FeatureCollection of Features with valid geometries, no NaN."""
    doc = json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in GeoJSON"))
    assert doc["type"] == "FeatureCollection" and isinstance(doc["features"], list)
    for f in doc["features"]:
        assert f["type"] == "Feature" and isinstance(f["properties"], dict)
        g = f["geometry"]
        if g is None:
            continue
        if g["type"] == "Polygon":
            (ring,) = g["coordinates"]
            assert len(ring) >= 4 and ring[0] == ring[-1], "a closed linear ring"
            assert ring_area(ring) > 0, "exterior rings are counter-clockwise"
            points = ring
        elif g["type"] == "Point":
            points = [g["coordinates"]]
        else:
            assert g["type"] == "LineString" and len(g["coordinates"]) >= 2
            points = g["coordinates"]
        for lon, lat in points:
            assert -90 <= lat <= 90 and -360 <= lon <= 360 and math.isfinite(lon) and math.isfinite(lat)
    return list(doc["features"])


def read_csv(text: str) -> list[dict[str, str]]:
    assert text.endswith("\r\n")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def scene() -> tuple[list[ScanGroup], list[Seizure]]:
    groups = [group(ROTTERDAM, 1000, 10, site="Port of Rotterdam"), group(LYON, 500, 5), group(LAGOS, 40, 20, site="Lagos market")]
    seizures = [Seizure("0xi9", ACME_GTIN, T0, Location(*LAGOS, "Lagos market"), InspectionOutcome.SEIZED, "event:0xe9")]
    return groups, seizures


def test_hotspots_as_csv_and_geojson() -> None:
    groups, seizures = scene()
    report = hotspots(groups, seizures, BRANDS)
    (lagos,) = report.hotspots
    rows = read_csv(hotspots_csv(report))
    assert [(r["rank"], r["cell"], r["place"], r["scans"], r["flagged_scans"], r["seizures"]) for r in rows] == [
        ("1", lagos.cell, "Lagos market", "40", "20", "1")]
    assert float(rows[0]["q_value"]) == pytest.approx(lagos.q_value)
    (feature,) = check_geojson(hotspots_geojson(report))
    assert feature["id"] == lagos.cell and feature["properties"]["resolution"] == 5
    ring = feature["geometry"]["coordinates"][0]
    assert {(round(lat, 6), round(lon, 6)) for lat, lon in h3.cell_to_boundary(lagos.cell)} == {(lat, lon) for lon, lat in ring}
    assert hotspots_csv(report, limit=0).count("\r\n") == 1  # the header only


def test_lanes_as_csv_and_geojson_with_places_where_known() -> None:
    plant, depot = Location(51.44, 5.47, "Plant"), Location(51.92, 4.48, "Depot")
    rows = [shipment("0xs1", ACME, TRUCK, 10, "Plant", "Depot"), shipment("0xs2", TRUCK, SHOP, 10, "Depot", "Shop")]
    rows[0] = replace(rows[0], origin_at=plant, destination_at=depot)
    flags = [Flag("0xi1", T0 + 86_400 * 3, FlagKind.CLONE, "scan:1")]
    shipped = [("0xs1", "0xi1"), ("0xs2", "0xi1")]
    found = lanes(records(rows, flags, shipped, []))
    places = places_of(rows)
    assert places == {"Plant": plant, "Depot": depot}
    table = read_csv(lanes_csv(found))
    assert [(r["origin"], r["destination"], r["carrier"], r["found_bad"], r["by_kind"]) for r in table] == [
        ("Plant", "Depot", "truck", "1", "clone=1"), ("Depot", "Shop", "truck", "1", "clone=1")]
    features = check_geojson(lanes_geojson(found, places))
    assert features[0]["geometry"] == {"type": "LineString", "coordinates": [[5.47, 51.44], [4.48, 51.92]]}
    assert features[1]["geometry"] is None  # Shop: no place known
    assert [f["properties"]["rank"] for f in features] == [1, 2]


def test_trends_as_csv_and_geojson() -> None:
    groups, seizures = scene()
    later = [ScanGroup(ACME_GTIN, *ROTTERDAM, week_of(T0) + 1, 7)]
    by_place = trends(groups + later, seizures, BRANDS, by_place=True)
    features = check_geojson(trends_geojson(by_place))
    assert len(features) == 4 and all(f["geometry"]["type"] == "Polygon" for f in features)
    assert features[-1]["properties"]["scans"] == 7
    weekly = trends(groups + later, seizures, BRANDS)
    assert [f["geometry"] for f in check_geojson(trends_geojson(weekly))] == [None, None]
    rows = read_csv(trends_csv(weekly))
    assert [(r["week"], r["scans"], r["seizures"], r["flagged"]) for r in rows] == [("2026-05-25", "1540", "1", "36"),
                                                                                  ("2026-06-01", "7", "0", "0")]
    assert [r["week"] for r in read_csv(trends_csv(weekly, limit=1))] == ["2026-06-01"]  # the latest weeks


@pytest.mark.parametrize(("value", "written"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+1", "'+1"), ("-1+2", "'-1+2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("Port of Rotterdam", "Port of Rotterdam"), ("a,b \"c\"\nd", "a,b \"c\"\nd"),
    (-1.5, "-1.5"), (None, ""), (["a", "b"], "a;b"),
])
def test_csv_cells_are_quoted_and_formulas_defused(value: object, written: str) -> None:
    (row,) = read_csv(csv_text([{"x": value}], ["x"]))
    assert row == {"x": written}


@settings(max_examples=200, deadline=None)
@given(st.floats(-80, 80), st.floats(-180, 180), st.integers(2, 6))
def test_every_cell_is_a_valid_counter_clockwise_polygon_around_its_centre(lat: float, lon: float, resolution: int) -> None:
    cell = h3.latlng_to_cell(lat, lon, resolution)
    polygon = cell_polygon(cell)
    check_geojson(json.dumps({"type": "FeatureCollection",
                              "features": [{"type": "Feature", "geometry": polygon, "properties": {}}]}))
    ring = polygon["coordinates"][0]
    lons = [p[0] for p in ring]
    assert max(lons) - min(lons) < 180  # never wraps around the world


def test_a_cell_across_the_antimeridian_is_not_drawn_around_the_world() -> None:
    ring = cell_polygon(h3.latlng_to_cell(-17.0, 179.99, 3))["coordinates"][0]
    lons = [p[0] for p in ring]
    assert max(lons) > 180 or min(lons) < -180, "it does cross"
    assert max(lons) - min(lons) < 5


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(-60, 70), st.floats(-179, 179), st.integers(1, 500), st.integers(0, 500),
                          st.text(max_size=12)), min_size=1, max_size=12))
def test_any_hotspot_report_downloads_as_valid_geojson_and_csv(cells: list[tuple[float, float, int, int, str]]) -> None:
    groups = [ScanGroup(ACME_GTIN, lat, lon, week_of(T0), n, suspect=min(k, n), flagged=min(k, n), site=site)
              for lat, lon, n, k, site in cells]
    report = hotspots(groups, [], BRANDS, min_flags=1, alpha=0.5)
    features = check_geojson(hotspots_geojson(report))
    rows = read_csv(hotspots_csv(report))
    assert [f["id"] for f in features] == [r["cell"] for r in rows] == [h.cell for h in report.hotspots]
    for r in rows:
        assert not r["place"].startswith(("=", "+", "-", "@", "\t", "\r"))
