"""Case records from the verdict page (issue 12 item 4), through the Flask test client: irreversible actions
ask for a reason, a place and a confirmation; a resubmitted form is refused in the page; a seizure shows as the
item's status; a code that was never registered gets a case in the index (nothing can be anchored for it)."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlmodel import col

from ledger.index.cases import cases_of
from ledger.index.models import CaseRecord, Event
from ledger.proofs.events import Action
from tests.integration._web import WebLedger, csrf, once

REASON = "seal broken, serials ground off"


def _page(client: FlaskClient, code: str) -> str:
    return client.get("/verify", query_string={"code": code}, follow_redirects=True).get_data(as_text=True)


def _form(page: str, form_id: str, code: str, **fields: str) -> dict[str, str]:
    """The fields of one form of the page (its own tokens), with ``fields`` over them."""
    start = page.index(f'id="{form_id}"')
    return {"csrf_token": csrf(page), "once": once(page[start:]), "code": code,
            **fields}


def _events(web: WebLedger, code_serial: int, action: Action) -> int:
    item = "0x" + web.key(code_serial).item_id.hex()
    with web.ledger.engine.connect() as db:
        return int(db.execute(select(func.count()).select_from(Event).where(
            col(Event.item_id) == item, col(Event.action) == int(action))).scalar_one())


def _all_cases(web: WebLedger) -> int:
    with web.ledger.engine.connect() as db:
        return int(db.execute(select(func.count()).select_from(CaseRecord)).scalar_one())


# form, what is changed or left out, the message in the page
BAD_FORMS: list[tuple[str, str, dict[str, str], str]] = [
    ("stolen without confirmation", "stolen-form", {"confirm": ""}, "confirmation &#39;&#39;: is not given"),
    ("stolen without reason", "stolen-form", {"reason": "  "}, "reason &#39;  &#39;: is missing"),
    ("stolen without place", "stolen-form", {"site": ""}, "location &#39;&#39;: is missing"),
    ("stolen with half a position", "stolen-form", {"site": "", "lat": "51.2"}, "lon"),
    ("stolen reason too long", "stolen-form", {"reason": "x" * 401}, "is longer than 400 characters"),
    ("stolen reason with a control character", "stolen-form", {"reason": "bad\x07bell"}, "unprintable character U+0007"),
    ("stolen, unknown site", "stolen-form", {"site": "Atlantis"}, "Atlantis"),
    ("seizure without confirmation", "inspect-form", {"outcome": "seized", "confirm": ""}, "is not given"),
    ("seizure without reason", "inspect-form", {"outcome": "seized", "reason": ""}, "reason &#39;&#39;: is missing"),
    ("seizure without place", "inspect-form", {"outcome": "seized", "site": ""}, "location &#39;&#39;: is missing"),
    ("an outcome that is none", "inspect-form", {"outcome": "lost"}, "is not an outcome"),
]


def test_bad_forms_come_back_with_the_message_and_record_nothing(web: WebLedger) -> None:
    olga = web.signed_in("olga")
    code = web.link(3)
    for name, form_id, changes, message in BAD_FORMS:
        page = _page(olga, code)
        form = _form(page, form_id, code, site="Port of Antwerp", reason=REASON, confirm="yes", outcome="held")
        sent = {k: v for k, v in {**form, **changes}.items() if v != ""}
        answer = olga.post(f"/actions/{'inspect' if form_id == 'inspect-form' else 'report-stolen'}", data=sent)
        html = answer.get_data(as_text=True)
        assert answer.status_code == 400, name
        assert 'id="problem"' in html and message in html, (name, html[html.find('id="problem"'):][:300])
        assert "Traceback" not in html and "InvalidInput" not in html, name
        if sent.get("reason", "").isprintable() and len(sent.get("reason", "")) < 100:
            assert f">{sent.get('reason', '')}</textarea>" in html, name  # the values sent are kept
    assert _events(web, 3, Action.REPORT_STOLEN) == 0 and _events(web, 3, Action.INSPECT) == 0
    assert _all_cases(web) == 0


def test_seizure_asks_confirmation_keeps_the_reason_and_shows_as_status(web: WebLedger) -> None:
    olga = web.signed_in("olga")
    code = web.link(4)
    page = _page(olga, code)
    assert 'name="confirm"' in page and 'name="reason"' in page
    assert '<dd id="life-cycle" data-life-cycle="active">active</dd>' in page
    form = _form(page, "inspect-form", code, outcome="seized", site="Port of Antwerp", reason=REASON, confirm="yes")
    done = olga.post("/actions/inspect", data=form)
    assert done.status_code == 303, done.get_data(as_text=True)
    again = olga.post("/actions/inspect", data=form)  # Back and submit again, or a double click
    html = again.get_data(as_text=True)
    assert again.status_code == 409 and 'id="problem"' in html and "was already received; it is not done twice" in html
    assert _events(web, 4, Action.INSPECT) == 1
    after = olga.get(done.headers["Location"]).get_data(as_text=True)
    assert '<dd id="life-cycle" data-life-cycle="active">seized</dd>' in after  # not "active"
    assert 'id="cases"' in after and REASON in after and "anchored: tx" in after
    [case] = cases_of(web.ledger.engine, web.key(4).canonical)
    assert (case.action, case.outcome, case.reason, case.anchored) == ("inspect", "seized", REASON, True)
    assert case.location.startswith("Port of Antwerp")
    # A held inspection needs no confirmation, and its reason is optional.
    held = _form(after, "inspect-form", code, outcome="passed", site="Port of Antwerp")
    assert olga.post("/actions/inspect", data=held).status_code == 303
    assert '<dd id="life-cycle" data-life-cycle="active">active</dd>' in _page(olga, code)  # passed: released
    assert len(cases_of(web.ledger.engine, web.key(4).canonical)) == 1


def test_theft_report_needs_reason_place_and_confirmation_and_is_not_recorded_twice(web: WebLedger) -> None:
    ann = web.signed_in("ann")  # the brand may report its goods stolen too
    code = web.link(5)
    page = _page(ann, code)
    form = _form(page, "stolen-form", code, site="", lat="51.44", lon="5.47", reason="lorry hijacked", confirm="yes")
    assert ann.post("/actions/report-stolen", data=form).status_code == 303
    again = ann.post("/actions/report-stolen", data=form)
    assert again.status_code == 409 and "was already received" in again.get_data(as_text=True)
    assert _events(web, 5, Action.REPORT_STOLEN) == 1
    after = _page(ann, code)
    assert '<dd id="life-cycle" data-life-cycle="active">reported stolen</dd>' in after
    [case] = cases_of(web.ledger.engine, web.key(5).canonical)
    assert case.reason == "lorry hijacked" and case.location.startswith("51.44") and case.anchored


def test_each_form_has_its_own_token(web: WebLedger) -> None:
    page = _page(web.signed_in("olga"), web.link(6))
    start = page.index('id="stolen-form"')
    assert once(page) != once(page[start:])


def test_an_unregistered_code_gets_a_case_in_the_index(web: WebLedger) -> None:
    olga = web.signed_in("olga")
    code = web.link("999")  # signed by the brand, never registered: a copied or invented serial
    page = _page(olga, code)
    assert 'id="inspect-form"' in page and 'id="case-only"' in page and "Record case" in page
    assert '<option value="passed"' not in page and '<option value="suspected_counterfeit"' in page
    assert 'id="stolen-form"' not in page
    form = _form(page, "inspect-form", code, outcome="suspected_counterfeit", site="Port of Antwerp", reason=REASON)
    for changes, message in (({"outcome": "passed"}, "is not for a code the ledger does not know"),
                             ({"reason": ""}, "reason &#39;&#39;: is missing"),
                             ({"outcome": "seized"}, "is not given")):
        refused = olga.post("/actions/inspect", data={**form, **changes})
        assert refused.status_code == 400 and message in refused.get_data(as_text=True), changes
    done = olga.post("/actions/inspect", data=form)
    assert done.status_code == 303
    after = olga.get(done.headers["Location"]).get_data(as_text=True)
    assert "Case recorded (suspected counterfeit) in this ledger&#39;s index only" in after
    assert "index only: nothing anchored" in after and REASON in after
    again = olga.post("/actions/inspect", data=form)
    assert again.status_code == 409 and "was already received" in again.get_data(as_text=True)
    [case] = cases_of(web.ledger.engine, web.key("999").canonical)
    assert (case.outcome, case.anchored) == ("suspected_counterfeit", False)
    tom = web.signed_in("tom")  # only officers record cases of unknown codes
    assert 'id="inspect-form"' not in _page(tom, code)
