"""Intelligence over a real ledger (chain × database): records written by the ledger's own write path and
verifier, read back by ledger.intel, through the CLI (`ledger intel …`, `ledger risk`) and the inspect-first page."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from ledger.chain.roles import Role
from ledger.cli.main import cli, main
from ledger.codes.identifiers import ItemKey
from ledger.custody.ledger import Ledger
from ledger.custody.packing import pack, unpack
from ledger.custody.registration import ItemSpec
from ledger.geo import Location
from ledger.index.accounts import Account
from ledger.intel.clones import clone_rings, cloned_codes
from ledger.intel.hotspots import cell_of, hotspots
from ledger.intel.lanes import lanes
from ledger.intel.records import FlagKind, load_clone_scans, load_records, load_scan_groups, load_seizures
from ledger.intel.risk import shipment_risks
from ledger.proofs.events import Action
from ledger.verify.sites import INSPECTION_SITES
from tests._hardhat import ROOT
from tests.integration._browser import ARGS as BROWSER_ARGS
from tests.integration._browser import CHROMIUM, needs_chromium, serving
from tests.integration._web import GTIN, PASSWORD, WebLedger

LAGOS = Location(6.45, 3.39, "Lagos market")
ROTTERDAM = INSPECTION_SITES["Port of Rotterdam"]


def code(serial: int) -> str:
    return f"(01){GTIN}(21){serial}"


@pytest.fixture
def scene(web: WebLedger) -> tuple[WebLedger, dict[str, str]]:
    """acme → truck → shop for items 1–5, then: items 1 and 2 cloned in Lagos, 3 stolen and scanned, 4 seized;
    items 6–10 on the same lane, still in transit."""
    ledger, clock = web.ledger, web.clock
    verifier = web.app.extensions["provenance_verifier"]
    ledger.add_premises("truck", Location(51.92, 4.48, "Truck depot"))

    def tick(hours: float) -> None:
        clock[0] += int(hours * 3600)

    keys = [ItemKey(GTIN, str(n)) for n in range(1, 11)]
    # The network's norm: 400 items that travel without incident.
    ledger.register("acme", [ItemSpec(GTIN, str(n), "L9", date(2030, 1, 1)) for n in range(1000, 1400)])
    direct = ledger.ship("acme", "shop", [ItemKey(GTIN, str(n)) for n in range(1000, 1400)], "Acme plant (51.4416,5.4697)")
    tick(1)
    ledger.receive("shop", direct.root, "Shop (52.37,4.90)")
    for n in range(1000, 1100):  # and are scanned by the public where they are sold
        verifier.verify(code(n), Location(52.37, 4.90))
    first = ledger.ship("acme", "truck", keys[:5], "Acme plant (51.4416,5.4697)")
    tick(5)
    ledger.receive("truck", first.root, "Truck depot (51.9200,4.4800)")
    tick(5)
    second = ledger.ship("truck", "shop", keys[:5], "Truck depot (51.9200,4.4800)")
    tick(5)
    ledger.receive("shop", second.root, "Shop (52.37,4.90)")
    tick(24)
    customs = ledger.party("customs")
    officer = Account("olga", "customs", customs.address, Role.OFFICER)
    # Scanned by an officer in Rotterdam, then an hour later by the public in Lagos: two copies of one code (clone
    # evidence needs an identified scan; the public's scan is judged against it).
    for serial in (1, 2):
        verifier.verify(code(serial), ROTTERDAM, officer)
        tick(1)
        verifier.verify(code(serial), LAGOS)
    ledger.change_status("shop", Action.REPORT_STOLEN, [keys[2]])
    tick(24)
    verifier.verify(code(3), Location(52.37, 4.90))
    ledger.inspect("customs", [keys[3]], "seized", "Port of Rotterdam (51.9496,4.1453)")
    tick(24)
    verifier.verify(code(5), ROTTERDAM, officer)
    tick(1)
    open_ = ledger.ship("acme", "truck", keys[5:], "Acme plant (51.4416,5.4697)")
    tick(1)
    return web, {"first": first.root, "second": second.root, "open": open_.root}


def test_analyses_read_what_the_ledger_wrote(scene: tuple[WebLedger, dict[str, str]]) -> None:
    web, roots = scene
    engine, now = web.ledger.engine, web.clock[0]
    records = load_records(engine, now)
    kinds = {(f.item_id, f.kind) for f in records.flags}
    item_id = {n: "0x" + ItemKey(GTIN, str(n)).item_id.hex() for n in range(1, 11)}
    assert (item_id[1], FlagKind.CLONE) in kinds and (item_id[2], FlagKind.CLONE) in kinds
    assert {(item_id[3], FlagKind.STOLEN), (item_id[3], FlagKind.STOLEN_SCANNED), (item_id[4], FlagKind.SEIZED)} <= kinds
    assert not any(i == item_id[5] for i, _ in kinds)  # scanned by an officer, genuine

    found = {(lane.origin, lane.destination, lane.carrier): lane for lane in lanes(records)}
    plant = found[("Acme plant", "Truck depot", "truck")]
    assert (plant.rate.shipments, plant.rate.items, plant.rate.bad) == (2, 10, 4)  # items 1–4 after the first shipment
    assert set(plant.rate.roots) == {roots["first"], roots["open"]}
    assert found[("Truck depot", "Shop", "truck")].rate.bad == 4

    (ranked,) = shipment_risks(records)
    assert ranked.root == roots["open"] and ranked.origin == "Acme plant" and ranked.destination == "Truck depot"
    lane_reason = next(r for r in ranked.reasons if r.code == "LANE")
    assert "4 of 5 items shipped (80.0%)" in lane_reason.sentence and lane_reason.records == (roots["first"],)

    report = hotspots(load_scan_groups(engine), load_seizures(engine), records.brands, min_flags=2)
    assert cell_of(LAGOS.lat, LAGOS.lon, 5) in {h.cell for h in report.hotspots}
    scans, items = load_clone_scans(engine)
    (ring,) = clone_rings(cloned_codes(scans, items))
    assert ring.codes == (f"/01/{GTIN}/21/1", f"/01/{GTIN}/21/2") and ring.cells == (cell_of(LAGOS.lat, LAGOS.lon, 4),)


def _env(web: WebLedger) -> dict[str, str]:
    settings = web.ledger.settings
    return {"LEDGER_HOME": str(settings.home), "LEDGER_DATABASE_URL": settings.database_url, "LEDGER_PASSPHRASE": "unused"}


def _cli(web: WebLedger, *args: str) -> str:
    result = CliRunner().invoke(cli, list(args), env=_env(web), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _at(web: WebLedger) -> str:
    return datetime.fromtimestamp(web.clock[0], UTC).isoformat()


def test_cli_verbs(scene: tuple[WebLedger, dict[str, str]]) -> None:
    web, roots = scene
    at = _at(web)
    ranked = json.loads(_cli(web, "--json", "risk", "--at", at))
    assert [r["shipment"] for r in ranked] == [roots["open"]] and ranked[0]["reasons"][0]["records"]
    text = _cli(web, "risk", "--at", at)
    assert "1 open shipments" in text and "lane Acme plant → Truck depot via truck: 4 of 5 items" in text
    post = json.loads(_cli(web, "--json", "risk", "--post", "customs", "--at", at))
    # What customs scanned at its post: 5, and the two codes it scanned before they were cloned.
    assert {p["code"] for p in post} == {f"/01/{GTIN}/21/{n}" for n in (1, 2, 5)}

    lanes_json = json.loads(_cli(web, "--json", "intel", "lanes", "--at", at))
    assert [(r["origin"], r["destination"], r["carrier"], r["found_bad"], r["items"]) for r in lanes_json] == [
        ("Truck depot", "Shop", "truck", 4, 5), ("Acme plant", "Truck depot", "truck", 4, 10), ("Acme plant", "Shop", "—", 0, 400)]
    shown = json.loads(_cli(web, "--json", "intel", "lanes", "--at", at, "--show", "2"))
    assert set(shown["shipments"]) == {roots["first"], roots["open"]}

    spots = json.loads(_cli(web, "--json", "intel", "hotspots", "--resolution", "4"))
    lagos = cell_of(LAGOS.lat, LAGOS.lon, 4)
    assert spots["observations"] == 107  # 106 scans and a seizure and lagos in {h["cell"] for h in spots["hotspots"]}
    cell = json.loads(_cli(web, "--json", "intel", "hotspots", "--show", lagos))
    assert [s["code"] for s in cell["scans"]] == [f"/01/{GTIN}/21/1", f"/01/{GTIN}/21/2"]
    assert cell["scans"][0]["place"]["lat"] == LAGOS.lat and cell["scans"][0]["scanner"] == "public"

    clones = json.loads(_cli(web, "--json", "intel", "clones"))
    assert clones["rings_total"] == 1 and clones["rings"][0]["brand"] == "acme"
    history = json.loads(_cli(web, "--json", "intel", "clones", "--show", code(1)))
    assert [s["place"]["site"] for s in history["scans"]] == ["Port of Rotterdam", "Lagos market"]

    weeks = json.loads(_cli(web, "--json", "intel", "trends", "--by", "brand"))
    assert sum(w["scans"] for w in weeks) == 106 and {w["brand"] for w in weeks} == {"acme"}


def test_cli_sharing_rules(scene: tuple[WebLedger, dict[str, str]], capsys: pytest.CaptureFixture[str],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    web, _ = scene
    customs = web.ledger.party("customs").address
    cell = json.loads(_cli(web, "--json", "intel", "hotspots", "--for", "acme", "--show", cell_of(LAGOS.lat, LAGOS.lon, 5)))
    assert [s["place"] for s in cell["scans"]] == [{"cell": cell_of(LAGOS.lat, LAGOS.lon, 5)}] * 2  # cells, not coordinates
    assert "Lagos market" not in json.dumps(cell)
    by_officer = json.loads(_cli(web, "--json", "intel", "clones", "--for", "acme", "--show", code(5)))
    (scan,) = by_officer["scans"]
    assert scan["scanner"].startswith("scanner-") and scan["place"] == {"cell": cell_of(ROTTERDAM.lat, ROTTERDAM.lon, 5)}
    shown = json.dumps(by_officer)
    assert "customs" not in shown and customs not in shown and customs.lower() not in shown and "Rotterdam" not in shown
    again = json.loads(_cli(web, "--json", "intel", "clones", "--for", "acme", "--show", code(5)))
    assert again["scans"][0]["scanner"] == scan["scanner"]  # the same pseudonym every time
    full = json.loads(_cli(web, "--json", "intel", "clones", "--show", code(5)))
    assert full["scans"][0]["scanner"] == "customs" and full["scans"][0]["place"]["site"] == "Port of Rotterdam"
    # Counts by place: a brand sees cells by their centre, not the sites of the scans and seizures in them.
    places_full = {r["place"] for r in json.loads(_cli(web, "--json", "intel", "trends", "--by", "place"))}
    places_acme = json.loads(_cli(web, "--json", "intel", "trends", "--by", "place", "--for", "acme"))
    assert "Lagos market" in places_full and all(r["place"].startswith("near ") for r in places_acme if r["cell"])
    assert {r["cell"] for r in places_acme} == {r["cell"] for r in json.loads(_cli(web, "--json", "intel", "trends", "--by",
                                                                                         "place"))}
    lanes_for_bolt = json.loads(_cli(web, "--json", "intel", "lanes", "--for", "bolt", "--at", _at(web)))
    assert lanes_for_bolt == []  # no bolt goods travelled
    for key, value in _env(web).items():
        monkeypatch.setenv(key, value)
    for args, message in [
        (["intel", "lanes", "--for", "acme", "--brand", "bolt"], "acme may see intelligence on its own goods only"),
        (["intel", "trends", "--for", "truck"], "truck"),
        (["intel", "clones", "--for", "bolt", "--show", code(1)], "bolt may not see scans"),
        (["risk", "--for", "acme"], "the risk ranking is for officers and auditors"),
        (["intel", "hotspots", "--for", "acme", "--resolution", "6"], "acme may see places as H3 cells of resolution 5"),
        (["intel", "trends", "--for", "acme", "--by", "place", "--resolution", "6"], "resolution 5 or coarser, not 6"),
        (["intel", "hotspots", "--for", "acme", "--show", cell_of(LAGOS.lat, LAGOS.lon, 6)], "--resolution 5 or less"),
        (["intel", "hotspots", "--show", "not-a-cell"], "is not an H3 cell"),
        (["intel", "hotspots", "--gtin", "123"], "is not a GTIN-14"),
        (["intel", "lanes", "--since", "yesterday"], "is not a date"),
        (["intel", "lanes", "--brand", "truck"], "is a carrier"),
        (["intel", "lanes", "--brand", "nobody"], "nobody"),
    ]:
        with pytest.raises(SystemExit) as exit_info:
            main(args)
        err = capsys.readouterr().err
        assert exit_info.value.code == 1 and message in err and "Traceback" not in err, (args, err)


def test_inspect_first_page(scene: tuple[WebLedger, dict[str, str]]) -> None:
    web, roots = scene
    olga = web.signed_in("olga")  # customs
    page = olga.get("/inspect-first")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(r"<h1>Inspect first</h1>", html) and '<th scope="col">Score</th>' in html
    assert roots["open"][:14] in html and "lane Acme plant → Truck depot via truck" in html
    assert roots["first"] in html  # the record behind the lane reason, one click (a <details>) away
    assert f"/trace?code=/01/{GTIN}/21/5" in html.replace("%2F", "/")  # items scanned by customs, linked to their trace
    assert 'href="/inspect-first"' in html  # in the navigation
    assert olga.get("/inspect-first?days=0").status_code == 400
    assert web.signed_in("ann").get("/inspect-first").status_code == 403  # a brand
    assert web.signed_in("tom").get("/inspect-first").status_code == 403  # a carrier
    assert web.client().get("/inspect-first").status_code in (302, 401)


@needs_chromium
def test_inspect_first_in_chromium(scene: tuple[WebLedger, dict[str, str]], request: pytest.FixtureRequest) -> None:
    from playwright.sync_api import sync_playwright

    web, roots = scene
    with serving(web.app) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        page = browser.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(url + "/sign-in")
        page.fill("input[name=user]", "olga")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.click("nav >> text=Inspect first")
        page.wait_for_url(url + "/inspect-first")
        assert page.locator("h1").all_inner_texts() == ["Inspect first"]
        for table in page.locator("table").all():  # what a screen reader needs: a caption and column headers
            assert table.locator("caption").count() == 1 and table.locator("thead th[scope=col]").count() >= 5
        assert page.locator("label:has(input[name=days])").count() == 1
        reason = page.locator("tbody tr").first.locator("ul.reasons > li").filter(has_text="lane Acme plant")
        record = reason.locator(f"code:text('{roots['first']}')")
        assert not record.is_visible()
        reason.locator("summary").click()  # the records behind a reason: one click away
        assert record.is_visible()
        page.screenshot(path=str(ROOT / "test-artifacts" / f"inspect-first-{request.node.callspec.id}.png"), full_page=True)
        browser.close()
    assert [e for e in errors if "status of 404" not in e] == []  # the favicon is the one 404


def test_a_case_opened_by_a_carrier_on_the_way_is_a_reason(web: WebLedger) -> None:
    ledger, clock = web.ledger, web.clock
    case = "095212340000000013"
    keys = [ItemKey(GTIN, str(n)) for n in (6, 7, 8)]
    pack(ledger, "acme", case, keys)
    shipped = ledger.ship("acme", "truck", [], "Acme plant (51.4416,5.4697)", containers=[case])
    clock[0] += 3600
    ledger.receive("truck", shipped.root, "Truck depot (51.9200,4.4800)")
    opened = unpack(ledger, "truck", case)  # a carrier opening a case on the way
    clock[0] += 3600
    onward = ledger.ship("truck", "shop", keys[:2], "Truck depot (51.9200,4.4800)")
    records = load_records(ledger.engine, clock[0])
    assert sorted(f.source for f in records.flags if f.kind is FlagKind.PACKING) == sorted(
        f"event:{e}" for e in _event_hashes(ledger, opened.root))
    (ranked,) = shipment_risks(records)
    assert ranked.root == onward.root
    (reason,) = [r for r in ranked.reasons if r.code == "ITEMS_PACKING"]
    assert reason.sentence == "2 of 2 items: opened by a carrier" and len(reason.records) == 2
    held = [r for r in ranked.reasons if r.code == "HELD_BACK"]
    assert [r.sentence for r in held] == ["truck ships on 2 of the 3 items it received in one shipment; 1 not shipped on"]


def _event_hashes(ledger: Ledger, root: str) -> list[str]:
    with ledger.engine.connect() as conn:
        return [str(h) for (h,) in conn.execute(text("SELECT event_hash FROM event WHERE anchor_root = :r"), {"r": root})]
