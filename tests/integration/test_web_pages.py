"""Pages and forms through the Flask test client: resolver, scan, upload, sign-in, CSRF, actions, guards."""

from __future__ import annotations

import io
import threading

from sqlalchemy import update

from ledger.codes.qr_label import Label, label_png
from ledger.geo import Location
from ledger.index.models import WebSession
from tests.integration._web import GTIN, PASSWORD, WebLedger, build, csrf, once


def test_scan_page_and_headers(web: WebLedger) -> None:
    page = web.client().get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "vendor/zxing-library.min.js" in html and 'name="photo"' in html and "Port of Rotterdam" in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"] and "<script>" not in html
    assert web.client().get("/static/vendor/zxing-library.min.js").status_code == 200


def test_resolver_opens_the_verdict(web: WebLedger) -> None:
    link = web.link(1).replace("https://verify.example", "")
    opened = web.client().get(link)
    assert opened.status_code == 303 and opened.headers["Location"].startswith("/verdict?code=")  # one scan, then the view
    html = web.client().get(link, follow_redirects=True).get_data(as_text=True)
    assert 'data-verdict="genuine"' in html and 'data-action="release"' in html and "acme" in html and "L1" in html
    assert '<h1 class="word" id="headline">RELEASE</h1>' in html
    assert "Custody history" not in html and "Sign in to see the custody history" in html
    with_lot = web.client().get(f"/01/{GTIN}/10/L1/21/1?sig={web.sig(1)}", follow_redirects=True)
    assert 'data-verdict="genuine"' in with_lot.get_data(as_text=True)
    forged = web.client().get(f"/01/{GTIN}/21/1?sig={web.sig(2)}", follow_redirects=True).get_data(as_text=True)
    assert 'data-verdict="counterfeit"' in forged and 'data-action="seize"' in forged and "BAD_SIGNATURE" in forged
    assert web.client().get("/01/123/21/1").status_code == 400
    escaped = web.link("A/7%").replace("https://verify.example", "")
    assert "/21/A%2F7%25?" in escaped
    assert 'data-verdict="genuine"' in web.client().get(escaped, follow_redirects=True).get_data(as_text=True)


def test_scan_form_typed_and_uploaded(web: WebLedger) -> None:
    client = web.client()
    token = csrf(client.get("/").get_data(as_text=True))
    typed = client.post("/verify", data={"csrf_token": token, "code": web.link(2), "site": "Port of Hamburg"},
                        follow_redirects=True)
    assert typed.status_code == 200 and 'data-verdict="genuine"' in typed.get_data(as_text=True)
    label = label_png(Label.signed(web.key(3), "https://verify.example", web.ledger.keystore.unlock("acme")))
    uploaded = client.post("/verify", data={"csrf_token": token, "photo": (io.BytesIO(label), "label.png"),
                                            "lat": "51.95", "lon": "4.14"}, content_type="multipart/form-data",
                           follow_redirects=True)
    assert uploaded.status_code == 200 and 'data-verdict="genuine"' in uploaded.get_data(as_text=True)
    not_image = client.post("/verify", data={"csrf_token": token, "photo": (io.BytesIO(b"%PDF-1.4 nope"), "x.png")},
                            content_type="multipart/form-data")
    assert not_image.status_code == 400 and "not a readable picture" in not_image.get_data(as_text=True)
    assert client.post("/verify", data={"code": web.link(2)}).status_code == 400  # no CSRF token
    assert client.post("/verify", data={"csrf_token": token, "code": ""}).status_code == 400
    bad_place = client.post("/verify", data={"csrf_token": token, "code": web.link(2), "lat": "51.9"})
    assert bad_place.status_code == 400 and "lon" in bad_place.get_data(as_text=True)
    assert "Traceback" not in bad_place.get_data(as_text=True)
    # The scan form comes back with the message and what was typed, not an error page.
    kept = bad_place.get_data(as_text=True)
    assert 'id="problem"' in kept and 'value="51.9"' in kept and web.link(2).replace("&", "&amp;") in kept


def test_upload_too_large_is_413(ledger) -> None:  # type: ignore[no-untyped-def]
    small = build(ledger, MAX_CONTENT_LENGTH=10_000)
    client = small.client()
    token = csrf(client.get("/").get_data(as_text=True))
    response = client.post("/verify", data={"csrf_token": token, "photo": (io.BytesIO(b"\0" * 20_000), "big.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 413 and "smaller photo" in response.get_data(as_text=True)
    api = client.post("/api/v1/verify", data=b"{" + b" " * 20_000 + b"}", content_type="application/json")
    assert api.status_code == 413 and api.get_json()["status"] == 413


def test_sign_in_session_and_expiry(web: WebLedger) -> None:
    client = web.client()
    page = client.get("/sign-in").get_data(as_text=True)
    wrong = client.post("/sign-in", data={"user": "olga", "password": "wrong password", "csrf_token": csrf(page)})
    assert wrong.status_code == 401 and "wrong password" in wrong.get_data(as_text=True)
    assert client.post("/sign-in", data={"user": "olga", "password": PASSWORD}).status_code == 400  # CSRF
    olga = web.signed_in("olga")
    cookie = olga.get_cookie("session")
    assert cookie is not None and cookie.secure and cookie.http_only and cookie.same_site == "Lax"
    html = olga.get(web.link(1).replace("https://verify.example", ""), follow_redirects=True).get_data(as_text=True)
    assert "Custody history" in html and 'class="timeline"' in html and "Record inspection on chain" in html and "block" in html
    assert olga.get("/parties").status_code == 200
    with web.ledger.engine.begin() as db:  # the server's session row says when it ends: long ago
        db.execute(update(WebSession).values(expires_at=0))
    expired = olga.get("/parties")
    assert expired.status_code == 302 and "/sign-in" in expired.headers["Location"]
    assert "session expired" in olga.get("/sign-in").get_data(as_text=True)
    assert web.client().get("/custody").status_code == 302
    evil = web.client()
    page = evil.get("/sign-in").get_data(as_text=True)
    redirect = evil.post("/sign-in", data={"user": "ann", "password": PASSWORD, "csrf_token": csrf(page),
                                           "next": "//evil.example/"})
    assert redirect.headers["Location"] == "/"


def test_officer_inspects_and_reports_stolen_from_the_verdict_page(web: WebLedger) -> None:
    olga = web.signed_in("olga")
    code = web.link(4)
    page = olga.get("/verify", query_string={"code": code}, follow_redirects=True).get_data(as_text=True)
    form = {"csrf_token": csrf(page), "once": once(page), "code": code, "outcome": "held", "site": "Port of Antwerp"}
    missing = olga.post("/actions/inspect", data={**form, "site": "", "lat": "51.2"})
    assert missing.status_code == 400  # location incomplete: the verdict page again, the message by the form, values kept
    assert 'id="problem"' in missing.get_data(as_text=True) and 'value="51.2"' in missing.get_data(as_text=True)
    assert '<option value="held" selected>' in missing.get_data(as_text=True)
    done = olga.post("/actions/inspect", data=form)
    assert done.status_code == 303 and done.headers["Location"].startswith("/verdict?code=")
    assert olga.post("/actions/inspect", data=form).status_code == 409  # the same form twice
    after = olga.get(done.headers["Location"]).get_data(as_text=True)
    assert "HELD_BY_INSPECTION" in after and "held by customs" in after and "customs inspected it" in after
    assert 'data-action="hold"' in after and 'data-verdict="genuine"' in after  # genuine, yet not to be released
    stolen = {"csrf_token": csrf(after), "once": once(after), "code": code, "site": "Port of Antwerp",
              "reason": "container broken open in the yard", "confirm": "yes"}
    assert olga.post("/actions/report-stolen", data=stolen).status_code == 303
    page = olga.get("/verify", query_string={"code": code}, follow_redirects=True).get_data(as_text=True)
    assert 'class="alert-line" data-code="REPORTED_STOLEN"' in page  # in the banner, not only the list
    assert 'data-action="seize"' in page and "do-release" not in page
    tom = web.signed_in("tom")
    page = tom.get("/verify", query_string={"code": web.link(5)}, follow_redirects=True).get_data(as_text=True)
    assert "Record inspection on chain" not in page
    refused = tom.post("/actions/inspect", data={"csrf_token": csrf(page), "once": "x1", "code": web.link(5),
                                                 "outcome": "passed", "site": "Port of Antwerp"})
    assert refused.status_code == 403 and "only officer" in refused.get_data(as_text=True)


def test_custodians_ship_and_receive(web: WebLedger) -> None:
    ann = web.signed_in("ann")
    page = ann.get("/custody").get_data(as_text=True)
    codes = f"{web.link(6)}\n(01){GTIN}(21)7\n"
    shipped = ann.post("/actions/ship", data={"csrf_token": csrf(page), "once": once(page), "to": "truck", "codes": codes,
                                              "location": "Eindhoven"})
    assert shipped.status_code == 302
    assert "Shipped 2 items to truck" in ann.get("/custody").get_data(as_text=True)
    tom = web.signed_in("tom")
    page = tom.get("/custody").get_data(as_text=True)
    assert "2 items from acme" in page
    root = page.split('name="shipment" value="')[1].split('"')[0]
    received = tom.post("/actions/receive", data={"csrf_token": csrf(page), "once": once(page), "shipment": root})
    assert received.status_code == 302
    assert "Received 2 items" in tom.get("/custody").get_data(as_text=True)
    history = tom.get("/verify", query_string={"code": web.link(6)}, follow_redirects=True).get_data(as_text=True)
    # Each step reads subject first, the right way round.
    assert "acme registered it" in history and "acme shipped it to truck" in history
    assert "truck received it from acme" in history and "→" not in history
    again = tom.post("/actions/receive", data={"csrf_token": csrf(page), "once": "fresh", "shipment": root})
    assert again.status_code == 409 and "already received" in again.get_data(as_text=True)
    olga = web.signed_in("olga")
    assert olga.get("/custody").status_code == 403


def test_trace_page_for_auditors_and_parties(web: WebLedger) -> None:
    ann = web.signed_in("ann")
    trace = ann.get("/trace", query_string={"code": f"/01/{GTIN}/21/1"})
    assert trace.status_code == 200 and "acme registered it" in trace.get_data(as_text=True)
    assert "customs" in ann.get("/parties").get_data(as_text=True)
    web.ledger.add_premises("acme", Location(51.4416, 5.4697, "Acme plant, Eindhoven"))
    assert "Acme plant, Eindhoven (51.4416, 5.4697)" in ann.get("/parties").get_data(as_text=True)
    assert ann.get("/trace", query_string={"code": f"/01/{GTIN}/21/777"}).status_code == 404


def test_batch_flow_picture(web: WebLedger) -> None:
    ann = web.signed_in("ann")
    page = ann.get("/trace", query_string={"code": f"/01/{GTIN}/21/1"}).get_data(as_text=True)
    link = page.split('href="/trace/flow.svg?batch=')[1].split('"')[0]
    flow = ann.get("/trace/flow.svg", query_string={"batch": link})
    assert flow.status_code == 200 and flow.mimetype == "image/svg+xml" and "acme" in flow.get_data(as_text=True)
    assert ann.get("/trace/flow.svg", query_string={"batch": "0x" + "00" * 32}).status_code == 404
    assert ann.get("/trace/flow.svg", query_string={"batch": "nonsense"}).status_code == 400
    assert web.client().get("/trace/flow.svg", query_string={"batch": link}).status_code in (302, 401)


def test_api_errors_are_json(web: WebLedger) -> None:
    client = web.client()
    cases = [
        (client.get("/api/v1/verify"), 405),
        (client.get("/api/v1/nothing"), 404),
        (client.get(f"/api/v1/items/01/{GTIN}/21/1/history"), 401),
        (client.get(f"/api/v1/items/01/{GTIN}/21/1/history", headers={"Authorization": "Bearer plt_wrong"}), 401),
        (client.post("/api/v1/inspections", json={}, headers=web.bearer("tom")), 403),
        (client.post("/api/v1/shipments", json={"to": "shop", "codes": [web.link(1)]}, headers=web.bearer("tom")), 403),
        (client.post("/api/v1/stolen", json={"code": web.link(999)}, headers=web.bearer("olga")), 404),
        (client.post("/api/v1/shipments/0x00/receipt", json={}, headers=web.bearer("tom")), 400),
        (client.post(f"/api/v1/shipments/0x{'00' * 32}/receipt", json={}, headers=web.bearer("tom")), 404),
    ]
    for response, status in cases:
        assert response.status_code == status, response.get_data(as_text=True)
        assert response.is_json and response.get_json()["status"] == status and response.get_json()["message"]
    assert client.get("/nothing").status_code == 404 and "<html" in client.get("/nothing").get_data(as_text=True)


def test_concurrent_submissions_act_once(web: WebLedger) -> None:
    results: list[int] = []

    def submit() -> None:
        response = web.client().post("/api/v1/stolen", json={"code": web.link(10)},
                                     headers={**web.bearer("olga"), "Idempotency-Key": "theft-10"})
        results.append(response.status_code)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [201, 409, 409, 409]
    events = web.client().get(f"/api/v1/items/01/{GTIN}/21/10/history", headers=web.bearer("ann")).get_json()["events"]
    assert [e["action"] for e in events] == ["register", "report stolen"]


def test_history_events_keep_their_api_fields(web: WebLedger) -> None:
    events = web.client().get(f"/api/v1/items/01/{GTIN}/21/1/history", headers=web.bearer("ann")).get_json()["events"]
    assert events and all(set(e) == {"seq", "action", "biz_step", "disposition", "actor", "counterparty", "timestamp",
                                     "location", "event_hash", "anchor_root", "tx_hash", "block_number"} for e in events)
