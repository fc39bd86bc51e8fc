"""The intelligence dashboard (/intel) and its downloads over a real ledger: what officers and brands see, who is
refused, valid CSV and GeoJSON, and in Chromium a drawn map and charts with no request leaving 127.0.0.1."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from ledger.intel.hotspots import cell_of
from tests._hardhat import ROOT
from tests.integration._browser import ARGS as BROWSER_ARGS
from tests.integration._browser import CHROMIUM, needs_chromium, serving
from tests.integration._web import BOLT_GTIN, PASSWORD, WebLedger
from tests.integration.test_intel import LAGOS, code, scene  # noqa: F401  (scene: the fixture this file builds on)
from tests.unit.test_intel_export import check_geojson


@pytest.fixture
def dashboard(scene: tuple[WebLedger, dict[str, str]]) -> tuple[WebLedger, dict[str, str]]:  # noqa: F811
    """The intel scene, plus codes that were never made scanned in Lagos: three of acme's, three of bolt's."""
    web, roots = scene
    verifier = web.app.extensions["provenance_verifier"]
    for n in range(3):
        assert verifier.verify(code(9000 + n), LAGOS).judgement.verdict.value == "counterfeit"
        assert verifier.verify(f"(01){BOLT_GTIN}(21)9{n}", LAGOS).judgement.verdict.value == "counterfeit"
    web.clock[0] += 60
    return web, roots


def rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode(), newline="")))


def lagos_scans(data: dict[str, Any]) -> int:
    lagos = cell_of(LAGOS.lat, LAGOS.lon, 4)
    return sum(f["properties"]["scans"] for f in data["cells"]["features"] if f["id"] == lagos)


def test_an_officer_sees_every_brand_and_downloads_each_result(dashboard: tuple[WebLedger, dict[str, str]]) -> None:
    web, _ = dashboard
    olga = web.signed_in("olga")
    page = olga.get("/intel")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1 id=\"dash-title\">Intelligence</h1>" in html
    assert 'href="/inspect-first"' in html and 'href="/intel"' in html  # linked, and in the navigation
    assert "<td>Acme plant</td><td>Truck depot</td><td>truck</td>" in html
    assert '<option>bolt</option>' in html and 'href="/intel/hotspots.geojson"' in html
    assert "<script>" not in html and "style=" not in html  # the CSP forbids inline script and style
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]

    data = olga.get("/intel/dashboard.json").get_json()
    assert sum(w["scans"] for w in data["weeks"]) == 112 and sum(w["seizures"] for w in data["weeks"]) == 1
    assert lagos_scans(data) == 8  # two clones of acme's codes, three fakes of acme's, three of bolt's
    check_geojson(json.dumps(data["cells"]))
    assert cell_of(LAGOS.lat, LAGOS.lon, 5) in [f["id"] for f in check_geojson(json.dumps(data["hotspots"]))]

    csv_download = olga.get("/intel/hotspots.csv")
    assert csv_download.content_type == "text/csv; charset=utf-8; header=present"
    assert csv_download.headers["Content-Disposition"] == 'attachment; filename="hotspots-2026-06-01.csv"'
    (spot,) = rows(csv_download.data)
    assert spot["cell"] == cell_of(LAGOS.lat, LAGOS.lon, 5) and spot["flagged_scans"] == "8"
    geo = olga.get("/intel/hotspots.geojson?resolution=4")
    assert geo.content_type == "application/geo+json"
    assert [f["id"] for f in check_geojson(geo.get_data(as_text=True))] == [cell_of(LAGOS.lat, LAGOS.lon, 4)]

    lanes = check_geojson(olga.get("/intel/lanes.geojson").get_data(as_text=True))
    by_name = {(f["properties"]["origin"], f["properties"]["destination"]): f for f in lanes}
    assert by_name[("Acme plant", "Truck depot")]["geometry"] == {"type": "LineString",
                                                                  "coordinates": [[5.4697, 51.4416], [4.48, 51.92]]}
    assert [r["rank"] for r in rows(olga.get("/intel/lanes.csv?limit=2").data)] == ["1", "2"]
    weekly = rows(olga.get("/intel/trends.csv?by=brand").data)
    assert {r["brand"] for r in weekly} == {"acme", "bolt"}
    places = check_geojson(olga.get("/intel/trends.geojson?by=place").get_data(as_text=True))
    assert places and all(f["geometry"]["type"] == "Polygon" for f in places)
    for path, status, message in [
        ("/intel/lanes.csv?limit=0", 400, "is not a number of rows from 1 to 10000"),
        ("/intel/lanes.csv?limit=99999", 400, "is not a number of rows"),
        ("/intel/trends.csv?by=colour", 400, "is not a way to split trends"),
        ("/intel/hotspots.csv?resolution=9", 400, "is not an H3 resolution from 0 to 6"),
        ("/intel?since=yesterday", 400, "is not a date"),
        ("/intel?since=2026-06-01&until=2026-05-01", 400, "is not after since"),
        ("/intel/dashboard.json?brand=nobody", 400, "is not a brand on this ledger"),
        ("/intel/secrets.csv", 404, "hotspots, lanes or trends"),
        ("/intel/lanes.xml", 404, "as .csv or .geojson"),
    ]:
        response = olga.get(path)
        body = response.get_data(as_text=True)
        assert response.status_code == status and message in body and "Traceback" not in body, (path, body)


def test_a_brand_sees_only_its_goods_and_custodians_nothing(dashboard: tuple[WebLedger, dict[str, str]]) -> None:
    web, _ = dashboard
    ann = web.signed_in("ann")  # acme
    page = ann.get("/intel")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Intelligence: acme" in html
    assert "bolt" not in html and 'href="/inspect-first"' not in html
    data = ann.get("/intel/dashboard.json").get_json()
    assert lagos_scans(data) == 5  # not bolt's three
    assert sum(w["scans"] for w in data["weeks"]) == 109
    assert {r["brand"] for r in rows(ann.get("/intel/trends.csv?by=brand").data)} == {"acme"}
    (spot,) = rows(ann.get("/intel/hotspots.csv").data)
    assert spot["flagged_scans"] == "5"
    assert ann.get("/intel/dashboard.json?brand=acme").status_code == 200
    for path in ("/intel?brand=bolt", "/intel/lanes.csv?brand=bolt", "/intel/dashboard.json?brand=bolt"):
        refused = ann.get(path)
        assert refused.status_code == 403 and "Acme may see intelligence on its own goods only" in refused.get_data(as_text=True)

    for user in ("tom", "sam"):  # a carrier, a retailer
        client = web.signed_in(user)
        for path in ("/intel", "/intel/dashboard.json", "/intel/hotspots.csv", "/intel/lanes.geojson"):
            assert client.get(path).status_code == 403, (user, path)
        assert 'href="/intel"' not in client.get("/parties").get_data(as_text=True)
    anonymous = web.client()
    for path in ("/intel", "/intel/lanes.csv"):
        assert anonymous.get(path).status_code in (302, 401)  # browsers are sent to the sign-in page
    tom = web.bearer("tom")
    assert web.client().get("/intel/hotspots.csv", headers=tom).status_code == 403
    assert web.client().get("/intel/hotspots.csv", headers=web.bearer("olga")).status_code == 200


@needs_chromium
def test_the_dashboard_in_chromium_draws_a_map_and_charts_from_this_server_alone(
        dashboard: tuple[WebLedger, dict[str, str]], request: pytest.FixtureRequest) -> None:
    from playwright.sync_api import sync_playwright

    web, _ = dashboard
    requested: list[str] = []
    errors: list[str] = []
    with serving(web.app) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        context = browser.new_context(viewport={"width": 1000, "height": 1200})
        context.on("request", lambda r: requested.append(r.url))
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url + "/sign-in")
        page.fill("input[name=user]", "olga")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.click("nav >> text=Intelligence")
        page.wait_for_url(url + "/intel")
        page.wait_for_selector("#dashboard[data-ready=true]")
        assert page.locator("#map path.country").count() > 150  # Natural Earth's countries at 1:110m
        assert page.locator("#map path.hotspot").count() == 1
        assert page.locator("#map circle.scans").count() >= 2 and page.locator("#map path.seizure").count() == 1
        hotspot = page.locator("#map path.hotspot").first.bounding_box()
        assert hotspot is not None and hotspot["width"] > 1 and hotspot["width"] < 500  # the hexagon, not the world
        assert "1 hotspots" in page.inner_text("#map-status")
        assert page.locator(".uplot canvas").count() == 2
        drawn = page.evaluate("""() => Array.from(document.querySelectorAll('.uplot canvas')).map(c => {
                const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let n = 0; for (let i = 3; i < px.length; i += 4) { if (px[i]) { n++; } } return n; })""")
        assert all(n > 100 for n in drawn), drawn
        assert "flagged" in page.inner_text("#chart-flags") and "seizures" in page.inner_text("#chart-flags")
        page.screenshot(path=str(ROOT / "test-artifacts" / f"dashboard-{request.node.callspec.id}.png"), full_page=True)
        with page.expect_download() as download:
            page.click("text=GeoJSON >> nth=0")
        assert download.value.suggested_filename.startswith("hotspots-") and download.value.suggested_filename.endswith(".geojson")
        browser.close()
    assert requested and all(r.startswith(url + "/") for r in requested), [r for r in requested if not r.startswith(url)]
    assert {r.split("?")[0].removeprefix(url) for r in requested} >= {
        "/intel", "/intel/dashboard.json", "/static/vendor/countries-110m.json", "/static/vendor/d3-geo.min.js",
        "/static/vendor/uPlot.iife.min.js", "/static/dashboard.js"}
    assert [e for e in errors if "status of 404" not in e] == []  # the favicon is the one 404; no CSP violation
