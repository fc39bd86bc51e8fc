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
from ledger.errors import ActionPending, InvalidInput, LedgerError
from ledger.proofs.events import Action

from . import once, verdict_page
from .auth import require_account
from .context import current_account, ledger
from .verdict_page import location_from, view_url

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


def _scan_id() -> int | None:
    scan = request.form.get("scan", "")
    return int(scan) if scan.isascii() and scan.isdigit() and len(scan) < 19 else None


def _back(code: str, message: str) -> BaseResponse:
    """To the verdict view, which records no scan (the inspection is not a second scan)."""
    flash(message)
    return redirect(view_url(code, _scan_id()), 303)


def _refused(code: str, exc: InvalidInput) -> tuple[str, int]:
    """The verdict page again, with the message by the form and the values that were sent."""
    return verdict_page.view(code, _scan_id(), exc.message, request.form.to_dict()), exc.http_status


@blueprint.post("/actions/inspect")
@require_account(Role.OFFICER, action="record inspections")
def inspect() -> BaseResponse | tuple[str, int]:
    code = request.form.get("code", "")
    key = parse_code(code).key
    outcome = request.form.get("outcome", "")
    try:
        location = location_from(request.form)
        if location is None:
            raise InvalidInput("location", "", "is missing", "your position or an inspection site")
        result = run_once(request.form.get("once"),
                          lambda: ledger().inspect(_account_party(), [key], outcome, location.label))
    except InvalidInput as exc:  # a wrong or missing field: the form again, with the message and its values
        return _refused(code, exc)
    return _back(code, f"Inspection recorded ({outcome.replace('_', ' ')}): tx {result.tx_hash}, block {result.block_number}.")


@blueprint.post("/actions/report-stolen")
@require_account(Role.OFFICER, *HOLDERS, action="report goods stolen")
def report_stolen() -> BaseResponse:
    code = request.form.get("code", "")
    location = location_from(request.form)
    key = parse_code(code).key
    result = run_once(request.form.get("once"), lambda: ledger().change_status(
        _account_party(), Action.REPORT_STOLEN, [key], location=location.label if location else ""))
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
