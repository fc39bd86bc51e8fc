"""Verification over the API and the pages: every rule from a real ledger, on every chain × database."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ledger.geo import Location
from ledger.proofs.events import Action
from tests.integration._web import BOLT_GTIN, GTIN, WebLedger
from web.verify_endpoint import VerifyEndpoint

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

ROTTERDAM = {"lat": 51.9496, "lon": 4.1453}
SHANGHAI = {"lat": 31.3389, "lon": 121.62}


def verify(web: WebLedger, code: str, headers: dict[str, str] | None = None, **extra: object) -> dict[str, object]:
    response = web.client().post("/api/v1/verify", json={"code": code, **extra}, headers=headers or {})
    assert response.status_code == 200, response.get_data(as_text=True)
    data: dict[str, object] = response.get_json()
    return data


def codes(data: dict[str, object]) -> list[str]:
    return [r["code"] for r in data["reasons"]]  # type: ignore[attr-defined, index]


def test_rules_on_a_real_ledger(web: WebLedger) -> None:
    genuine = verify(web, web.link(1))
    assert genuine["verdict"] == "genuine" and codes(genuine) == [] and genuine["custody"] is None
    assert genuine["item"] == {"key": f"/01/{GTIN}/21/1", "gtin": GTIN, "serial": "1", "lot": "L1", "expiry": "2030-01-01",
                               "brand": "acme", "registered": True}
    assert codes(verify(web, f"{web.link(1).split('?')[0]}")) == ["MISSING_SIGNATURE"]
    assert codes(verify(web, f"/01/{GTIN}/21/1?sig={web.sig(2)}")) == ["BAD_SIGNATURE"]
    assert codes(verify(web, web.link(1, signer="bolt"))) == ["PREFIX_NOT_OWNED"]
    unregistered = verify(web, web.link(999))
    assert unregistered["verdict"] == "counterfeit" and codes(unregistered) == ["UNREGISTERED"]
    assert codes(verify(web, "urn:epc:tag:sgtin-96:3.0614141.812345.6789")) == ["UNSIGNED_FORM"]
    assert codes(verify(web, web.link("old"))) == ["EXPIRED"]

    web.ledger.change_status("acme", Action.RECALL, lot="L1")
    assert codes(verify(web, web.link(3))) == ["RECALLED"]
    web.ledger.change_status("customs", Action.REPORT_STOLEN, [web.key(4)])
    stolen = verify(web, web.link(4))
    assert stolen["verdict"] == "genuine" and codes(stolen) == ["REPORTED_STOLEN", "RECALLED"]
    assert "Seize" in stolen["reasons"][0]["advice"] and stolen["advice"] == stolen["reasons"][0]["advice"]  # type: ignore[index]
    web.ledger.change_status("acme", Action.DESTROY, [web.key(5)])
    assert codes(verify(web, web.link(5))) == ["DESTROYED", "RECALLED"]  # every condition shows, the heaviest first


def test_stolen_then_recalled_shows_both_and_the_advice_is_to_seize(web: WebLedger) -> None:
    """One status per item used to keep only the recall: the verdict said hold, not seize."""
    web.ledger.change_status("customs", Action.REPORT_STOLEN, [web.key(2)], location="Port of Hamburg")
    web.ledger.change_status("acme", Action.RECALL, [web.key(2)])
    both = verify(web, web.link(2), headers=web.bearer("olga"))
    assert both["verdict"] == "genuine" and codes(both) == ["REPORTED_STOLEN", "RECALLED"]
    assert str(both["advice"]).startswith("Seize")
    custody = dict(both["custody"])  # type: ignore[call-overload]
    assert str(custody.pop("batch")).startswith("0x")
    assert custody == {"status": "stolen", "life_cycle": "active", "conditions": ["stolen", "recalled"],
                       "custodian": "acme", "in_transit_to": None, "last_inspection": None}
    page = web.client().get(web.link(2), follow_redirects=True)
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    stolen, recalled = html.find('class="alert-line" data-code="REPORTED_STOLEN"'), html.find('class="alert-line" data-code="RECALLED"')
    assert 0 < stolen < recalled, "both alerts in the banner, the theft first"


def test_clone_and_locations(web: WebLedger) -> None:
    """Identified scanners' scans (an officer's token, a carrier's) are clone evidence."""
    assert codes(verify(web, web.link(6), web.bearer("olga"), location=ROTTERDAM)) == []
    web.clock[0] += 1800
    clone = verify(web, web.link(6), web.bearer("olga"), location=SHANGHAI)
    assert clone["verdict"] == "suspect" and codes(clone) == ["CLONE_IMPOSSIBLE_TRAVEL"]
    web.clock[0] += 3600
    assert "CLONE_IMPOSSIBLE_TRAVEL" in codes(verify(web, web.link(6)))  # the history keeps it suspect, for anyone
    web.clock[0] += 10 * 24 * 3600
    third = verify(web, web.link(6), web.bearer("olga"), location={"site": "Port of Los Angeles"})
    assert codes(third) == ["CLONE_IMPOSSIBLE_TRAVEL", "TOO_MANY_LOCATIONS"]


def test_anonymous_scans_cannot_make_a_genuine_item_suspect(web: WebLedger) -> None:
    """Anyone can send any coordinates: anonymous scans are recorded but are no clone evidence for the next scanner."""
    from sqlalchemy import func, select

    from ledger.index.models import Scan

    # Sequential serials in element strings (no signature needed) poison a whole range, were they to count.
    for serial in (6, 7, 8):
        for place in (ROTTERDAM, SHANGHAI, {"site": "Port of Los Angeles"}):
            assert codes(verify(web, f"(01){GTIN}(21){serial}", location=place)) == ["UNSIGNED_FORM"]
    with web.ledger.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Scan)).scalar_one() == 9  # still recorded
    web.clock[0] += 600
    for serial in (6, 7, 8):
        officer = verify(web, web.link(serial), web.bearer("olga"), location=ROTTERDAM)
        assert officer["verdict"] == "genuine" and codes(officer) == [], (serial, officer)
    # A caller's own far-away scan judges only its own answer; the officer's next scan stays genuine.
    web.clock[0] += 600
    assert codes(verify(web, web.link(6), location=SHANGHAI)) == ["CLONE_IMPOSSIBLE_TRAVEL"]
    web.clock[0] += 600
    assert codes(verify(web, web.link(6), web.bearer("olga"), location=ROTTERDAM)) == []
    # Two identified scanners far apart: that is evidence.
    web.clock[0] += 600
    assert codes(verify(web, web.link(7), web.bearer("tom"), location=SHANGHAI)) == ["CLONE_IMPOSSIBLE_TRAVEL", "CUSTODY_MISMATCH"]
    web.clock[0] += 600
    assert verify(web, web.link(7), web.bearer("olga"), location=ROTTERDAM)["verdict"] == "suspect"


def test_custody_rules(web: WebLedger) -> None:
    mismatch = verify(web, web.link(7), headers=web.bearer("tom"))
    assert codes(mismatch) == ["CUSTODY_MISMATCH"] and mismatch["custody"]["custodian"] == "acme"  # type: ignore[index]
    web.ledger.ship("acme", "truck", [web.key(7)])
    assert codes(verify(web, web.link(7), headers=web.bearer("tom"))) == []
    assert codes(verify(web, web.link(7), headers=web.bearer("olga"))) == []  # officers hold nothing
    web.ledger.ship("acme", "shop", [web.key(8)])
    shipment = web.ledger.items([web.key(8)])[0].open_shipment
    assert shipment
    web.ledger.receive("shop", shipment)
    web.ledger.change_status("shop", Action.SELL, [web.key(8)])
    assert codes(verify(web, web.link(8))) == []  # a consumer checking what they bought
    assert codes(verify(web, web.link(8), headers=web.bearer("tom"))) == ["SOLD_REAPPEARED"]


def test_inspection_shows_on_next_scan(web: WebLedger) -> None:
    client = web.client()
    response = client.post("/api/v1/inspections", headers={**web.bearer("olga"), "Idempotency-Key": "insp-1"},
                           json={"code": web.link(9), "outcome": "seized", "location": {"site": "Port of Rotterdam"}})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["kind"] == "inspect" and response.get_json()["tx_hash"].startswith("0x")
    again = client.post("/api/v1/inspections", headers={**web.bearer("olga"), "Idempotency-Key": "insp-1"},
                        json={"code": web.link(9), "outcome": "seized", "location": {"site": "Port of Rotterdam"}})
    assert again.status_code == 409
    after = verify(web, web.link(9), headers=web.bearer("olga"))
    assert codes(after) == ["FLAGGED_BY_INSPECTION"] and after["verdict"] == "suspect"
    assert after["custody"]["last_inspection"]["officer"] == "customs"  # type: ignore[index]
    history = client.get(f"/api/v1/items/01/{GTIN}/21/9/history", headers=web.bearer("ann"))
    assert history.status_code == 200
    events = history.get_json()["events"]
    assert [e["action"] for e in events] == ["register", "inspect"] and events[1]["location"].startswith("Port of Rotterdam")
    assert history.get_json()["scans"][-1]["verdict"] == "suspect"


def test_every_scan_is_recorded_and_bad_input_changes_nothing(web: WebLedger) -> None:
    from sqlalchemy import func, select

    from ledger.index.models import Scan

    def scans() -> int:
        with web.ledger.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(Scan)).scalar_one())

    verify(web, web.link(1))
    assert scans() == 1
    client = web.client()
    bad = [
        ({"code": "hello world"}, "is not a code"),
        ({"code": f"/01/{'0' * 13}0/21/1"}, "GTIN"),
        ({"code": "/01/07777777777772/21/1"}, "belongs to no brand"),
        ({"code": web.link(1), "location": {"lat": 51.9}}, "lon"),
        ({"code": web.link(1), "location": {"lat": "north", "lon": 4}}, "not a number"),
        ({"code": web.link(1), "location": {"lat": 95, "lon": 4}}, "between -90 and 90"),
        ({"code": web.link(1), "location": "Rotterdam"}, "not an object"),
        ({"code": 12}, "not a non-empty string"),
        ({}, "code"),
    ]
    for body, message in bad:
        response = client.post("/api/v1/verify", json=body)
        assert response.status_code == 400, body
        assert message in response.get_json()["message"], (body, response.get_json())
    assert client.post("/api/v1/verify", data="code=1", content_type="text/plain").status_code == 400
    assert scans() == 1


def test_rfid_hex_and_element_string(web: WebLedger) -> None:
    data = verify(web, "3074257BF7194E4000001A85")
    assert data["item"]["gtin"] == BOLT_GTIN and data["form"] == "epc-hex"  # type: ignore[index]
    assert codes(verify(web, f"(01){GTIN}(21)2")) == ["UNSIGNED_FORM"]


def test_lean_endpoint_answers_as_the_flask_view_does(web: WebLedger) -> None:
    """Cookie-less verify requests skip Flask (web/verify_endpoint.py); a cookie sends them through the view.

    Each request goes both ways and must get the same status, headers and body, byte for byte.
    """
    flask_calls: list[int] = []
    endpoint = web.app.wsgi_app
    assert isinstance(endpoint, VerifyEndpoint)
    flask = endpoint.app

    def counted(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        flask_calls.append(1)
        return flask(environ, start_response)

    endpoint.app = counted
    cases: list[tuple[bytes, str, dict[str, str]]] = [
        (json.dumps({"code": web.link(1), "location": ROTTERDAM}).encode(), "application/json", {}),
        (json.dumps({"code": web.link(2)}).encode(), "application/json; charset=utf-8", web.bearer("olga")),
        (json.dumps({"code": web.link(3)}).encode(), "application/json", {"Authorization": "Bearer plt_wrong"}),
        (b"{not json", "application/json", {"Authorization": "Bearer plt_wrong"}),  # the token is refused first
        (json.dumps({"code": web.link(999)}).encode(), "application/json", {}),
        (json.dumps({"code": "hello world"}).encode(), "application/json", {}),
        (json.dumps({"code": web.link(1), "location": {"lat": 95, "lon": 4}}).encode(), "application/json", {}),
        (json.dumps({"code": web.link(1), "location": {"site": "Atlantis"}}).encode(), "application/json", {}),
        (json.dumps({"code": 12}).encode(), "application/json", {}),
        (json.dumps(["not", "an", "object"]).encode(), "application/json", {}),
        (b'{"code": "\xff\xfe"}', "application/json", {}),
        (b"{not json", "application/json", {}),
        (b'{"code": ' + b"[" * 20_000 + b"]" * 20_000 + b"}", "application/json", {}),  # refused unparsed
        (json.dumps({"code": web.link(1)}).encode(), "text/plain", {}),
    ]
    for body, content_type, headers in cases:
        answers = []
        for cookie in (False, True):
            client = web.client()
            if cookie:
                client.set_cookie("theme", "dark")
            before = len(flask_calls)
            response = client.post("/api/v1/verify", data=body, content_type=content_type, headers=headers)
            assert len(flask_calls) - before == cookie, (body, cookie)
            answers.append((response.status_code, sorted(response.headers.items()), response.get_data()))
        assert answers[0] == answers[1], body
        assert answers[0][0] in (200, 400, 401), answers[0]
    # Over 64 KiB the lean endpoint hands even a cookie-less request to Flask, which refuses it alike.
    big = web.client().post("/api/v1/verify", data=b"[" * 40_000 + b"]" * 40_000, content_type="application/json")
    assert big.status_code == 400 and "more than 10,000" in big.get_json()["message"]


def test_goods_at_rest_far_from_their_custodians_premises(web: WebLedger) -> None:
    # Added before the first verification, so the verifier's directory (cached for seconds) has them.
    web.ledger.add_premises("acme", Location(52.37, 4.89, "Amsterdam DC"))
    web.ledger.add_premises("truck", Location(51.95, 4.14, "Rotterdam depot"))
    amsterdam, shanghai = {"lat": 52.30, "lon": 4.76}, SHANGHAI
    assert codes(verify(web, web.link(1), location=amsterdam)) == []
    away = verify(web, web.link(2), web.bearer("olga"), location=shanghai)
    assert away["verdict"] == "suspect" and codes(away) == ["CUSTODY_MISMATCH"]
    assert "from the nearest premises (Amsterdam DC) of acme" in away["reasons"][0]["sentence"]  # type: ignore[index]
    assert codes(verify(web, web.link(3))) == []  # no location given: nothing to compare
    web.ledger.ship("acme", "truck", [web.key(4)])
    assert codes(verify(web, web.link(4), location=shanghai)) == []  # in transit: anywhere on the way
    shipment = web.ledger.items([web.key(4)])[0].open_shipment
    assert shipment
    web.ledger.receive("truck", shipment)
    web.clock[0] += 30 * 24 * 3600  # so that Shanghai then Los Angeles is travel, not a clone
    assert codes(verify(web, web.link(4), location={"site": "Port of Los Angeles"})) == []  # with a carrier: on the move


def test_anonymous_callers_learn_the_verdict_not_who_holds_the_item_or_where(web: WebLedger) -> None:
    """Reason sentences name custodians, premises, distances and officers' parties: only known callers read them."""
    web.ledger.add_premises("acme", Location(52.37, 4.89, "Amsterdam DC"))  # before the verifier caches the directory
    held = web.client().post("/api/v1/inspections", headers={**web.bearer("olga"), "Idempotency-Key": "hold-3"},
                             json={"code": web.link(3), "outcome": "held", "location": {"site": "Port of Rotterdam"}})
    assert held.status_code == 201, held.get_data(as_text=True)
    secrets = ("Amsterdam", "km", "customs", "Rotterdam", "truck")  # premises, distance, the officer's party, places
    for serial, expected in ((2, ["CUSTODY_MISMATCH"]), (3, ["CUSTODY_MISMATCH", "HELD_BY_INSPECTION"])):
        web.clock[0] += 24 * 3600
        anonymous = verify(web, web.link(serial), location=SHANGHAI)
        assert codes(anonymous) == expected and anonymous["verdict"] == "suspect" and anonymous["custody"] is None
        answer = json.dumps(anonymous)
        assert not [s for s in secrets if s in answer], answer
        assert all("acme" not in r["sentence"] for r in anonymous["reasons"]), answer  # type: ignore[attr-defined]
        assert anonymous["advice"]
        page = web.client().get(f"{web.link(serial)}&lat={SHANGHAI['lat']}&lon={SHANGHAI['lon']}", follow_redirects=True)
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and 'data-verdict="suspect"' in html, html
        assert not [s for s in secrets if s in html], html
        for reason in anonymous["reasons"]:  # type: ignore[attr-defined]
            assert reason["sentence"] in html
        web.clock[0] += 24 * 3600
        known = verify(web, web.link(serial), web.bearer("ann"), location=SHANGHAI)
        assert codes(known) == expected and known["custody"]["custodian"] == "acme"  # type: ignore[index]
        assert "km from the nearest premises (Amsterdam DC) of acme" in known["reasons"][0]["sentence"]  # type: ignore[index]
        path = web.link(serial).removeprefix("https://verify.example")  # the session cookie is for the app's host
        signed_in = web.signed_in("ann").get(f"{path}&lat={SHANGHAI['lat']}&lon={SHANGHAI['lon']}", follow_redirects=True)
        assert "km from the nearest premises (Amsterdam DC) of acme" in signed_in.get_data(as_text=True)
    assert "by customs" in known["reasons"][1]["sentence"]  # type: ignore[index]
