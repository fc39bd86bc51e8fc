"""Scans are deliberate: one per scan action (QR opened, scan form, API call), none for views, reloads or redirects.

A scan made without a place takes one afterwards, once, from the browser session that made it.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sqlalchemy import Row, select
from sqlmodel import col

from ledger.index.models import Scan
from tests.integration._web import BASE, WebLedger, csrf, once


def scans(web: WebLedger, serial: str | int) -> list[Row[tuple[object, ...]]]:
    item_id = "0x" + web.key(serial).item_id.hex()
    with web.ledger.engine.connect() as db:
        return list(db.execute(select(Scan).where(col(Scan.item_id) == item_id).order_by(col(Scan.id))).all())


def scan_id(location: str) -> int:
    return int(parse_qs(urlsplit(location).query)["scan"][0])


def test_one_scan_per_scan_action_and_none_for_views(web: WebLedger) -> None:
    client = web.client()
    opened = client.get(web.link(1).removeprefix(BASE))  # the QR link
    assert opened.status_code == 303 and len(scans(web, 1)) == 1
    view = opened.headers["Location"]
    assert scan_id(view) == scans(web, 1)[0].id
    for _ in range(3):  # reloads, and the view opened again from history
        assert client.get(view).status_code == 200
    assert client.get(f"/verdict?code={web.link(1)}").status_code == 200  # a shared view, without a scan id
    assert len(scans(web, 1)) == 1
    page = client.get("/").get_data(as_text=True)
    typed = client.post("/verify", data={"csrf_token": csrf(page), "code": web.link(1)})
    assert typed.status_code == 303 and len(scans(web, 1)) == 2  # a typed scan is a second scan action
    assert web.client().post("/api/v1/verify", json={"code": web.link(1)}).status_code == 200
    assert len(scans(web, 1)) == 3


def test_an_inspection_and_its_redirect_record_no_scan(web: WebLedger) -> None:
    olga = web.signed_in("olga")
    view = olga.get(web.link(2).removeprefix(BASE)).headers["Location"]
    page = olga.get(view).get_data(as_text=True)
    assert len(scans(web, 2)) == 1
    done = olga.post("/actions/inspect", data={"csrf_token": csrf(page), "once": once(page), "code": web.link(2),
                                               "scan": str(scan_id(view)), "outcome": "passed", "site": "Port of Antwerp"})
    assert done.status_code == 303 and scan_id(done.headers["Location"]) == scan_id(view)
    assert "customs inspected it" in olga.get(done.headers["Location"]).get_data(as_text=True)
    assert len(scans(web, 2)) == 1


def test_a_fresh_scan_takes_its_place_once_from_its_own_browser(web: WebLedger) -> None:
    phone = web.client()
    view = phone.get(web.link(3).removeprefix(BASE)).headers["Location"]
    page = phone.get(view).get_data(as_text=True)
    assert 'id="place-form"' in page and f'data-ask-geo="{scan_id(view)}"' in page
    url = f"/scans/{scan_id(view)}/location"
    form = {"csrf_token": csrf(page), "code": web.link(3), "lat": "51.92", "lon": "4.48"}
    assert phone.post(url, data={k: v for k, v in form.items() if k != "csrf_token"}).status_code == 400  # CSRF
    other = web.client()
    other_page = other.get("/").get_data(as_text=True)
    stranger = other.post(url, data={**form, "csrf_token": csrf(other_page)})
    assert stranger.status_code == 403 and "not made in this browser" in stranger.get_data(as_text=True)
    wrong_code = phone.post(url, data={**form, "code": web.link(4)})
    assert wrong_code.status_code == 404
    assert phone.post(url, data={**form, "lat": "91"}).status_code == 400
    assert scans(web, 3)[0].lat is None  # nothing half-written
    given = phone.post(url, data=form)
    assert given.status_code == 303 and scan_id(given.headers["Location"]) == scan_id(view)
    row = scans(web, 3)[0]
    assert (row.lat, row.lon, row.verdict) == (51.92, 4.48, "genuine") and len(scans(web, 3)) == 1
    again = phone.post(url, data={**form, "lat": "40.0"})
    assert again.status_code == 409 and scans(web, 3)[0].lat == 51.92  # a place is given once
    assert 'id="place-form"' not in phone.get(view).get_data(as_text=True)  # nothing more to ask


def test_an_officer_gives_a_fresh_scan_an_inspection_site(web: WebLedger) -> None:
    olga = web.signed_in("olga")
    view = olga.get(web.link(5).removeprefix(BASE)).headers["Location"]
    page = olga.get(view).get_data(as_text=True)
    assert 'name="site"' in page.split('id="place-form"')[1].split("</form>")[0]
    given = olga.post(f"/scans/{scan_id(view)}/location",
                      data={"csrf_token": csrf(page), "code": web.link(5), "site": "Port of Rotterdam"})
    assert given.status_code == 303
    row = scans(web, 5)[0]
    assert row.site == "Port of Rotterdam" and row.party is not None


def test_error_pages_speak_plainly(web: WebLedger) -> None:
    client = web.client()
    for url in ("/01/123/21/1", "/verdict?code=nonsense", "/scans/999/location"):
        response = client.get(url) if not url.startswith("/scans") else client.post(url, data={})
        html = response.get_data(as_text=True)
        assert response.status_code in (400, 404) and "<h1>" in html, url
        for word in ("InvalidCode", "InvalidInput", "StateConflict", "CSRF", "Pillow", "Traceback", "Error</h1>"):
            assert word not in html, (url, word)
