"""The brand portal through the Flask test client: register, labels, recall, stolen, bad scans; refusals in the page."""

from __future__ import annotations

import io
import re
import zipfile
import zlib

import pytest
from flask.testing import FlaskClient

from ledger.index.accounts import create_user
from ledger.index.queries import batch_keys, item_status
from tests.integration._web import BASE, BOLT_GTIN, GTIN, PASSWORD, WebLedger, csrf, once
from web.portal import MAX_CSV_UPLOAD

OWN_GTIN = "09521234000013"  # under acme's prefix 9521234


def _form(client: FlaskClient) -> dict[str, str]:
    page = client.get("/portal")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    return {"csrf_token": csrf(html), "once": once(html)}


def _register(client: FlaskClient, **fields: object) -> tuple[int, str]:
    data: dict[str, object] = {**_form(client), **fields}
    response = client.post("/portal/register", data=data, content_type="multipart/form-data")
    return response.status_code, (response.headers.get("Location") or response.get_data(as_text=True))


def test_a_brand_registers_a_batch_and_downloads_its_labels(web: WebLedger) -> None:
    ann = web.signed_in("ann")
    status, location = _register(ann, gtin=OWN_GTIN, count="12", first="1", lot="P1", expiry="2031-02-03")
    assert status == 303, location
    root = location.rsplit("/", 1)[1]
    page = ann.get(location).get_data(as_text=True)
    assert "Registered 12 items: batch " + root in page and "tx 0x" in page
    assert all(f"/portal/batches/{root}/labels.{fmt}" in page for fmt in ("pdf", "zpl", "zip"))
    keys = batch_keys(web.ledger.engine, root)
    assert [k.serial for k in keys] == [str(n) for n in range(1, 13)]
    assert item_status(web.ledger.engine, keys[0]).brand == "acme"

    zpl = ann.get(f"/portal/batches/{root}/labels.zpl")
    assert zpl.status_code == 200 and zpl.is_streamed
    text = zpl.get_data(as_text=True)
    serials = [int(s) for s in re.findall(r"Serial (\d+)", text)]
    assert serials == list(range(1, 13))  # numeric order: 1, 2, … 10, not 1, 10, 100
    assert "acme" in text

    pdf = ann.get(f"/portal/batches/{root}/labels.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    body = pdf.get_data()
    assert body.startswith(b"%PDF-1.4") and body.rstrip().endswith(b"%%EOF")
    streams = re.findall(rb"stream\n(.*?)\nendstream", body, re.S)
    shown = b"".join(zlib.decompress(s) for s in streams if s[:1] == b"x")
    assert re.findall(rb"\(Serial (\d+)\)", shown) == [str(n).encode() for n in range(1, 13)]
    assert b"Scan to verify" in shown or b"scan to verify" in shown.lower()

    archive = zipfile.ZipFile(io.BytesIO(ann.get(f"/portal/batches/{root}/labels.zip").get_data()))
    names = archive.namelist()
    assert len(names) == 12 and names[0] == f"{OWN_GTIN}_1.png" and names[-1] == f"{OWN_GTIN}_12.png"
    assert archive.read(names[0]).startswith(b"\x89PNG")

    # Another brand may not print them, and no one signed out.
    assert web.client().get(f"/portal/batches/{root}/labels.pdf").status_code == 302  # to the sign-in page
    create_user(web.ledger.engine, "bob", "bolt", PASSWORD)
    bob = web.signed_in("bob")
    for path in (f"/portal/batches/{root}", f"/portal/batches/{root}/labels.pdf"):
        refused = bob.get(path)
        assert refused.status_code == 403 and "is another brand" in refused.get_data(as_text=True)
    assert ann.get(f"/portal/batches/{root}/labels.txt").status_code == 400
    assert ann.get("/portal/batches/0x12/labels.pdf").status_code == 400
    assert web.signed_in("sam").get("/portal").status_code == 403  # a retailer


def test_a_csv_registers_with_the_cli_reader(web: WebLedger) -> None:
    ann = web.signed_in("ann")
    csv = f"gtin,serial,lot,expiry\n{OWN_GTIN},C1,L9,2030-01-01\n{OWN_GTIN},C2,L9,2030-01-01\n".encode()
    status, location = _register(ann, csv=(io.BytesIO(csv), "items.csv"))
    assert status == 303, location
    assert "Registered 2 items" in ann.get(location).get_data(as_text=True)


BAD_FORMS = [
    ({"gtin": BOLT_GTIN, "count": "3", "first": "1"}, 409, "GS1 company prefix 0614141 belongs to bolt"),
    ({"gtin": "12345", "count": "3", "first": "1"}, 400, "GTIN"),
    ({"gtin": OWN_GTIN, "count": "0", "first": "1"}, 400, "count"),
    ({"gtin": OWN_GTIN, "count": "100001", "first": "1"}, 400, "a whole number from 1 to 100,000"),
    ({"gtin": OWN_GTIN, "count": "abc", "first": "1"}, 400, "count"),
    ({"gtin": OWN_GTIN, "count": "2", "first": "-4"}, 400, "first serial"),
    ({"gtin": OWN_GTIN, "count": "10", "first": "99999999999999999995"}, 400, "reaches serials over 20 digits"),
    ({"gtin": OWN_GTIN, "count": "2", "first": "1", "expiry": "2030-13-01"}, 400, "YYYY-MM-DD"),
    ({"gtin": GTIN, "count": "2", "first": "1"}, 409, "already registered"),  # serials 1 and 2 exist
]


@pytest.mark.parametrize(("fields", "status", "message"), BAD_FORMS)
def test_bad_forms_are_refused_in_the_page_with_their_values(web: WebLedger, fields: dict[str, str], status: int,
                                                             message: str) -> None:
    ann = web.signed_in("ann")
    got, html = _register(ann, **fields)
    assert got == status, html
    assert 'id="register-error"' in html and message in html
    assert f'value="{fields["count"]}"' in html  # the form keeps what was typed
    assert "Traceback" not in html


BAD_CSVS = [
    (b"gtin,serial\n" + OWN_GTIN.encode() + b",1\n" + OWN_GTIN.encode() + b",bad serial\n", "CSV line 3"),
    (b"gtin,serial\n" + BOLT_GTIN.encode() + b",1\n", "belongs to bolt"),
    (b"gtin,serial,lot\n" + OWN_GTIN.encode() + b",1\n", "CSV line 2"),
    (b"code,serial\n1,2\n", "CSV header"),
    (b"gtin,serial\n", "has no items"),
    (b"gtin,serial\n\xff\n", "is not UTF-8"),
    (b"gtin,serial,expiry\n" + OWN_GTIN.encode() + b",1,tomorrow\n", "expiry on CSV line 2"),
    (b"gtin,serial\n" + b"x" * (MAX_CSV_UPLOAD + 1), f"is larger than {MAX_CSV_UPLOAD:,} bytes"),
]


@pytest.mark.parametrize(("data", "message"), BAD_CSVS, ids=[m for _, m in BAD_CSVS])
def test_bad_csvs_are_refused_with_the_line(web: WebLedger, data: bytes, message: str) -> None:
    ann = web.signed_in("ann")
    got, html = _register(ann, csv=(io.BytesIO(data), "items.csv"))
    assert got in (400, 409), html
    assert message in html and 'id="register-error"' in html


def test_an_upload_over_the_app_limit_is_413_not_500(web: WebLedger) -> None:
    ann = web.signed_in("ann")
    got, html = _register(ann, csv=(io.BytesIO(b"x" * (17 * 1024 * 1024)), "huge.csv"))
    assert got == 413


def test_forms_need_a_csrf_token(web: WebLedger) -> None:
    ann = web.signed_in("ann")
    for path in ("/portal/register", "/portal/recall", "/portal/report-stolen"):
        assert ann.post(path, data={"lot": "L1", "code": web.link(3)}).status_code == 400


def test_recall_asks_first_then_recalls_the_lot(web: WebLedger) -> None:
    ann = web.signed_in("ann")
    asked = ann.post("/portal/recall", data={**_form(ann), "lot": "L1"})
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Recall lot <strong>L1</strong>: 10 items" in html
    assert item_status(web.ledger.engine, web.key(1)).status != "recalled"
    done = ann.post("/portal/recall", data={"csrf_token": csrf(html), "once": once(html), "lot": "L1", "confirm": "L1"})
    assert done.status_code == 303
    assert "Recalled lot L1: 10 items" in ann.get("/portal").get_data(as_text=True)
    assert item_status(web.ledger.engine, web.key(1)).status == "recalled"
    missing = ann.post("/portal/recall", data={**_form(ann), "lot": "NOPE"})
    assert missing.status_code == 404 and 'id="recall-error"' in missing.get_data(as_text=True)
    empty = ann.post("/portal/recall", data={**_form(ann), "lot": ""})
    assert empty.status_code == 400 and "the lot to recall" in empty.get_data(as_text=True)


def test_report_stolen_and_the_bad_scans_list(web: WebLedger) -> None:
    ann = web.signed_in("ann")
    done = ann.post("/portal/report-stolen", data={**_form(ann), "code": web.link(3)})
    assert done.status_code == 303, done.get_data(as_text=True)
    assert item_status(web.ledger.engine, web.key(3)).status == "stolen"
    bad = ann.post("/portal/report-stolen", data={**_form(ann), "code": "/01/12345/21/1"})
    assert bad.status_code == 400 and 'value="/01/12345/21/1"' in bad.get_data(as_text=True)
    foreign = ann.post("/portal/report-stolen", data={**_form(ann), "code": f"/01/{BOLT_GTIN}/21/6789"})
    assert foreign.status_code in (403, 409) and 'id="stolen-error"' in foreign.get_data(as_text=True)

    scanner = web.client()
    scanner.get(web.link(999).removeprefix(BASE))  # unregistered: counterfeit
    scanner.get(web.link(5, signer="bolt").removeprefix(BASE))  # a forged signature
    scanner.get(web.link(6).removeprefix(BASE))  # genuine: not listed
    listed = ann.get(f"/portal?gtin={GTIN}").get_data(as_text=True)
    assert "/01/09521234543213/21/999" in listed and "/01/09521234543213/21/5" in listed
    assert "/21/6<" not in listed and "counterfeit" in listed and "scanner public" in listed
    other = ann.get(f"/portal?gtin={BOLT_GTIN}")
    assert other.status_code == 403 and "its own products only" in other.get_data(as_text=True)
