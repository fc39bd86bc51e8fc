"""Web forms that act on the ledger: inspections and theft reports from the verdict page, shipping and receiving.

Each form carries a CSRF token (Flask-WTF) and a one-time submission token, so a double
click or a replayed POST never anchors the same action twice.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ledger.chain.roles import Role
from ledger.codes.parsing import parse_code
from ledger.custody.ledger import ActionResult
from ledger.errors import ActionPending, InvalidInput, LedgerError, StateConflict
from ledger.geo import Location
from ledger.index.cases import record_case, valid_reason
from ledger.index.queries import item_status
from ledger.proofs.events import Action
from ledger.proofs.inspections import InspectionOutcome

from . import once, verdict_page
from .auth import require_account
from .context import current_account, ledger
from .verdict_page import CASE_OUTCOMES, CONFIRMED, location_from, view_url

__all__ = ["blueprint", "run_once"]

blueprint = Blueprint("actions", __name__)
HOLDERS = (Role.BRAND, Role.CARRIER, Role.DISTRIBUTOR, Role.RETAILER)



def run_once(token: str | None, action: Callable[[], ActionResult], required: bool = True) -> ActionResult:
    """Claim the submission token, act, and free the token again if the action was refused.

    A pending action (sent, outcome not known yet) keeps its token: repeating it could anchor it twice.
    """
    claimed = once.consume(token, required)
    try:
        return action()
    except ActionPending:
        raise
    except LedgerError:
        once.release(claimed)
        raise


def _account_party() -> str:
    account = current_account()
    assert account is not None  # guarded by require_account
    return account.party


def _account_address() -> str:
    account = current_account()
    assert account is not None  # guarded by require_account
    return account.address


def _scan_id() -> int | None:
    scan = request.form.get("scan", "")
    return int(scan) if scan.isascii() and scan.isdigit() and len(scan) < 19 else None


def _back(code: str, message: str) -> BaseResponse:
    """To the verdict view, which records no scan (the inspection is not a second scan)."""
    flash(message)
    return redirect(view_url(code, _scan_id()), 303)


def _refused(code: str, exc: InvalidInput | StateConflict, which: str) -> tuple[str, int]:
    """The verdict page again, with the message by the form ``which`` and the values that were sent to it."""
    return verdict_page.view(code, _scan_id(), exc.message, {**request.form.to_dict(), "form": which}), exc.http_status


def _confirmed(what: str) -> None:
    """The explicit confirmation an irreversible anchored action needs (the form's "I confirm" box)."""
    if request.form.get("confirm") != "yes":
        raise InvalidInput("confirmation", "", "is not given", f"tick \"I confirm\" to {what}: it is anchored for good")


def _checked_place_and_reason(required: bool) -> tuple[Location, str]:
    """The form's location (always needed) and reason (needed when ``required``, else optional)."""
    location = location_from(request.form)
    if location is None:
        raise InvalidInput("location", "", "is missing", "your position or an inspection site")
    text = request.form.get("reason", "")
    reason = valid_reason(text) if required or text.strip() else ""
    return location, reason


@blueprint.post("/actions/inspect")
@require_account(Role.OFFICER, action="record inspections")
def inspect() -> BaseResponse | tuple[str, int]:
    code = request.form.get("code", "")
    key = parse_code(code).key
    outcome_text = request.form.get("outcome", "")
    try:
        outcome = InspectionOutcome.parse(outcome_text)
        location, reason = _checked_place_and_reason(required=outcome in CONFIRMED)
        if outcome in CONFIRMED:
            _confirmed(f"record a {outcome.label} inspection")
        if not item_status(ledger().engine, key).registered:
            return _unregistered_case(code, key.canonical, outcome, location, reason)
        result = run_once(request.form.get("once"),
                          lambda: ledger().inspect(_account_party(), [key], outcome.value, location.label))
    except (InvalidInput, StateConflict) as exc:  # the form again, with the message and its values
        return _refused(code, exc, "inspect")
    if reason:
        record_case(ledger().engine, key.canonical, _account_address(), Action.INSPECT.name.lower(), reason,
                    location.label, outcome.value, result.tx_hash)
    return _back(code, f"Inspection recorded ({outcome.label}): tx {result.tx_hash}, block {result.block_number}.")


def _unregistered_case(code: str, key: str, outcome: InspectionOutcome, location: Location, reason: str) -> BaseResponse:
    """A code the ledger does not know cannot be anchored: the inspection is kept as a case in the index only."""
    if outcome not in CASE_OUTCOMES:
        raise InvalidInput("inspection outcome", outcome.value, "is not for a code the ledger does not know",
                           " | ".join(o.value for o in CASE_OUTCOMES))
    if not reason:
        raise InvalidInput("reason", "", "is missing", "a few words on why the goods are suspect")
    once.consume(request.form.get("once"))
    record_case(ledger().engine, key, _account_address(), Action.INSPECT.name.lower(), reason, location.label, outcome.value)
    return _back(code, f"Case recorded ({outcome.label}) in this ledger's index only: a code that was never "
                       "registered cannot be anchored on chain.")


@blueprint.post("/actions/report-stolen")
@require_account(Role.OFFICER, *HOLDERS, action="report goods stolen")
def report_stolen() -> BaseResponse | tuple[str, int]:
    code = request.form.get("code", "")
    key = parse_code(code).key
    try:
        location, reason = _checked_place_and_reason(required=True)
        _confirmed("report this item stolen")
        result = run_once(request.form.get("once"), lambda: ledger().change_status(
            _account_party(), Action.REPORT_STOLEN, [key], location=location.label))
    except (InvalidInput, StateConflict) as exc:
        return _refused(code, exc, "stolen")
    record_case(ledger().engine, key.canonical, _account_address(), Action.REPORT_STOLEN.name.lower(), reason,
                location.label, tx_hash=result.tx_hash)
    return _back(code, f"Reported stolen: tx {result.tx_hash}, block {result.block_number}.")


@blueprint.post("/actions/ship")
@require_account(*HOLDERS, action="ship goods")
def ship() -> BaseResponse:
    codes = [line.strip() for line in request.form.get("codes", "").splitlines() if line.strip()]
    if not codes:
        raise InvalidInput("codes", "", "none given", "one code per line")
    if len(codes) > 10_000:
        raise InvalidInput("codes", f"{len(codes)} codes", "are too many for one form", "at most 10,000 (use the CLI for more)")
    keys = [parse_code(c).key for c in codes]
    receiver = request.form.get("to", "")
    location = request.form.get("location", "")
    result = run_once(request.form.get("once"), lambda: ledger().ship(_account_party(), receiver, keys, location))
    flash(f"Shipped {result.count} items to {receiver}: shipment {result.root}, tx {result.tx_hash}.")
    return redirect(url_for("pages.custody"))


@blueprint.post("/actions/receive")
@require_account(*HOLDERS, action="receive goods")
def receive() -> BaseResponse:
    shipment = request.form.get("shipment", "")
    location = request.form.get("location", "")
    result = run_once(request.form.get("once"), lambda: ledger().receive(_account_party(), shipment, location))
    flash(f"Received {result.count} items: tx {result.tx_hash}, block {result.block_number}.")
    return redirect(url_for("pages.custody"))
