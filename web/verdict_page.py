"""The verdict page: a scan action records one scan and redirects to a view of it; the view records nothing.

Every entry point (the QR link, the scan form with a camera, photo or typed code) calls
:func:`record_scan` once and redirects (303) to :func:`view_url`: ``/verdict?code=…&scan=ID``.
Reloading that page, coming back to it after an inspection, or following a link to it judges the
code again with the scan's place but records nothing. The browser session that made a scan
remembers it for :data:`FRESH_SECONDS` (:func:`own_scan`), and only it may give a scan made
without a place its place, once (the device's position, or an inspection site for an officer).
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from flask import current_app, render_template, session, url_for

from ledger.chain.roles import Role
from ledger.custody.state import Act, Actor, refusal
from ledger.geo import Location, parse_location
from ledger.index.accounts import Account
from ledger.index.cases import cases_of
from ledger.index.trail import TrailScope, trail
from ledger.proofs.events import Action
from ledger.proofs.inspections import InspectionOutcome
from ledger.verify.report import as_seen_by
from ledger.verify.scans import recent_scans, scan_by_id
from ledger.verify.verifier import Verification

from . import once, timeline
from .context import current_account, ledger, verifier

__all__ = ["CASE_OUTCOMES", "CONFIRMED", "FRESH_SECONDS", "location_from", "own_scan", "record_scan", "render_verdict", "view", "view_url"]

FRESH_SECONDS = 15 * 60  # how long the browser that made a scan may still give it its place
_KEPT = 8  # scans a session remembers
# Inspection outcomes that ask for a reason and an explicit "I confirm": anchored for good, and they take the goods.
CONFIRMED = frozenset({InspectionOutcome.SEIZED})
# What an officer may record for a code the ledger does not know: only a case in the index (nothing to anchor).
CASE_OUTCOMES = (InspectionOutcome.SUSPECTED_COUNTERFEIT, InspectionOutcome.SEIZED)
_SESSION_KEY = "scans"


def location_from(fields: Mapping[str, object]) -> Location | None:
    """None when no location field was filled; else a checked one (InvalidInput says what is wrong)."""
    if all(fields.get(k) in (None, "") for k in ("lat", "lon", "site")):
        return None
    return parse_location(fields, current_app.config["INSPECTION_SITES"])


def view_url(code: str, scan_id: int | None = None) -> str:
    """The verdict view of ``code`` (as made by scan ``scan_id``, if given): records nothing."""
    return url_for("scan.view", code=code, scan=scan_id) if scan_id is not None else url_for("scan.view", code=code)


def record_scan(code: str, location: Location | None) -> str:
    """Verify ``code`` as one deliberate scan, recorded once, and return the URL of its view."""
    result = verifier().verify(code, location, current_account())
    assert result.scan_id is not None  # verify records by default
    made = {k: v for k, v in session.get(_SESSION_KEY, {}).items() if time.time() - v < FRESH_SECONDS}
    made[str(result.scan_id)] = int(time.time())
    session[_SESSION_KEY] = dict(sorted(made.items(), key=lambda kv: kv[1])[-_KEPT:])
    return view_url(code, result.scan_id)


def own_scan(scan_id: int | None) -> bool:
    """Whether this browser session made the scan ``scan_id`` within the last FRESH_SECONDS."""
    made = session.get(_SESSION_KEY, {}).get(str(scan_id)) if scan_id is not None else None
    return isinstance(made, int) and time.time() - made < FRESH_SECONDS


def _may(account: Account | None, action: Action, result: Verification) -> bool:
    """Whether the custody rules let the signed-in party take ``action`` on the item (offer the form only then)."""
    if account is not None and action is Action.INSPECT and not result.registered:
        return account.role is Role.OFFICER  # an unknown code: a case in the index, not an anchor
    return account is not None and result.state is not None and refusal(
        result.state, Act(action, Actor(account.address, account.role, account.party))) is None


def view(code: str, scan_id: int | None, problem: str = "", form: Mapping[str, str] | None = None) -> str:
    """The verdict of ``code`` now, judged where this session's scan ``scan_id`` was made; records nothing.

    ``problem`` and ``form``: a refused form on the page, shown with its message and the values sent.
    """
    place, ask_place = None, False
    if own_scan(scan_id):
        assert scan_id is not None
        found = scan_by_id(ledger().engine, scan_id)
        if found is not None:
            place, ask_place = found[1].location, found[1].location is None
    result = verifier().verify(code, place, current_account(), record=False)
    return render_verdict(result, code, scan_id if own_scan(scan_id) else None, ask_place, problem, form)


def render_verdict(result: Verification, code: str, scan_id: int | None = None, ask_place: bool = False,
                   problem: str = "", form: Mapping[str, str] | None = None) -> str:
    account = current_account()
    result = as_seen_by(result, account is not None)  # the same redaction as the API's answer
    steps = trail(ledger().engine, TrailScope.for_item(result.key)) if account and result.registered else []
    scans = recent_scans(ledger().engine, "0x" + result.key.item_id.hex()) if account else []
    cases = cases_of(ledger().engine, result.key.canonical) if account else []
    return render_template(
        "verdict.html", v=result, code=code, account=account, timeline=timeline.entries(steps), scans=scans,
        directive=result.judgement.directive, scan_id=scan_id, ask_place=ask_place,
        can_inspect=_may(account, Action.INSPECT, result), can_report=_may(account, Action.REPORT_STOLEN, result),
        outcomes=list(InspectionOutcome) if result.registered else list(CASE_OUTCOMES), cases=cases,
        sites=current_app.config["INSPECTION_SITES"], new_once=once.issue,
        problem=problem, form=form or {},
    )
