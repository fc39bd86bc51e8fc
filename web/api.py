"""JSON API v1: verify a code, read an item's history, record inspections, theft, shipments and receipts.

Machine clients authenticate with ``Authorization: Bearer <token>`` (``ledger token create``);
verification is open to anyone, like the scan page. A token that signs no one in (unknown,
expired, revoked) is refused with 401 rather than taken as anonymous. A signed-in browser's
session cookie works too, but its writes must show they come from this site (see
:func:`_guard`). POSTs that act may carry an ``Idempotency-Key`` header: a repeat with the
same key gets 409 and changes nothing.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TypeVar

from flask import Blueprint, abort, current_app, jsonify, request
from flask_wtf.csrf import validate_csrf
from werkzeug.wrappers import Response as BaseResponse
from wtforms.validators import ValidationError

from ledger.chain.roles import Role
from ledger.codes.parsing import parse_code
from ledger.custody.ledger import ActionResult
from ledger.geo import Location
from ledger.index.trail import TrailScope, trail
from ledger.proofs.events import Action
from ledger.verify.report import verification_json
from ledger.verify.scans import recent_scans

from ._api_bodies import InspectionBody, ReceiptBody, ShipmentBody, StolenBody, VerifyBody, location_of, read_body
from .actions import HOLDERS, run_once
from .auth import require_account
from .context import current_account, ledger, token_of_request, verifier
from .errors import INVALID_TOKEN
from .openapi import document

__all__ = ["blueprint"]

Body = TypeVar("Body", VerifyBody, InspectionBody, StolenBody, ShipmentBody, ReceiptBody)

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_CROSS_SITE = ("a signed-in browser's API write must come from this site: send the session's CSRF token (the "
               "csrf_token of this site's forms) in an X-CSRFToken header, or send it from a page of this site "
               "(same-origin Origin header); machine clients send Authorization: Bearer <token>")


@blueprint.before_request
def _guard() -> None:
    """401 for a bearer token that signs no one in; 403 for a cookie-authenticated write not shown to be from this site.

    The blueprint is exempt from CSRFProtect's form check because bearer-token clients have no form
    and no cookie a cross-site page could make a browser send; a session cookie is such a credential,
    so a write that relies on one needs the CSRF token or a same-origin ``Origin``.
    """
    if token_of_request() is not None:
        if current_account() is None:
            abort(INVALID_TOKEN[0], INVALID_TOKEN[1])
        return
    if request.method not in _SAFE_METHODS and _session_cookie_sent() and current_account() is not None \
            and not _from_this_site():
        abort(403, _CROSS_SITE)


def _session_cookie_sent() -> bool:
    # Asked before the session itself: opening it marks the answer "Vary: Cookie", which a request
    # without a session cookie does not get from the views or from the lean verify endpoint.
    return current_app.session_interface.get_cookie_name(current_app) in request.cookies


def _from_this_site() -> bool:
    if request.headers.get("Origin") == request.host_url.rstrip("/"):
        return True
    try:
        validate_csrf(request.headers.get("X-CSRFToken") or request.headers.get("X-CSRF-Token"))
    except ValidationError:
        return False
    return True


def _body(model: type[Body]) -> Body:
    return read_body(model, request.get_data(), request.is_json)


def _location(body: VerifyBody | InspectionBody | StolenBody) -> Location | None:
    return location_of(body, current_app.config["INSPECTION_SITES"])


def _result(result: ActionResult) -> BaseResponse:
    response = jsonify(asdict(result))
    response.status_code = 201
    return response


@blueprint.get("/openapi.json")
def openapi() -> BaseResponse:
    return jsonify(document(request.host_url.rstrip("/"), current_app.config["INSPECTION_SITES"]))


@blueprint.post("/verify")
def verify() -> BaseResponse:
    body = _body(VerifyBody)
    account = current_account()
    result = verifier().verify(body.code, _location(body), account)
    return jsonify(verification_json(result, with_custody=account is not None))


@blueprint.get("/items/<path:key>/history")
@require_account(action="see custody histories")
def history(key: str) -> BaseResponse:
    # The path form of a Digital Link arrives without its leading slash: /items/01/{gtin}/21/{serial}/history.
    item = parse_code("/" + key if key.startswith("01/") else key).key
    steps = trail(ledger().engine, TrailScope.for_item(item))
    scans = recent_scans(ledger().engine, "0x" + item.item_id.hex())
    return jsonify({
        "key": item.canonical,
        # The API's event fields since v1: a trail event's signer, signature and container are not part of the API.
        "events": [{"seq": s.seq, "action": s.action, "biz_step": s.biz_step, "disposition": s.disposition, "actor": s.actor,
                    "counterparty": s.counterparty, "timestamp": s.timestamp, "location": s.location,
                    "event_hash": s.event_hash, "anchor_root": s.anchor_root, "tx_hash": s.tx_hash,
                    "block_number": s.block_number} for s in steps],
        "scans": [{"timestamp": s.timestamp, "lat": s.location.lat if s.location else None,
                   "lon": s.location.lon if s.location else None, "site": s.location.site if s.location else "",
                   "verdict": s.verdict, "reasons": list(s.reasons)} for s in scans],
    })


def _party() -> str:
    account = current_account()
    assert account is not None  # guarded by require_account
    return account.party


def _idempotency_key() -> str | None:
    return request.headers.get("Idempotency-Key")


@blueprint.post("/inspections")
@require_account(Role.OFFICER, action="record inspections")
def inspect() -> BaseResponse:
    body = _body(InspectionBody)
    key = parse_code(body.code).key
    location = _location(body)
    assert location is not None  # required by the model
    return _result(run_once(_idempotency_key(), lambda: ledger().inspect(_party(), [key], body.outcome, location.label),
                            False))


@blueprint.post("/stolen")
@require_account(Role.OFFICER, *HOLDERS, action="report goods stolen")
def report_stolen() -> BaseResponse:
    body = _body(StolenBody)
    key = parse_code(body.code).key
    location = _location(body)
    return _result(run_once(_idempotency_key(), lambda: ledger().change_status(
        _party(), Action.REPORT_STOLEN, [key], location=location.label if location else ""), False))


@blueprint.post("/shipments")
@require_account(*HOLDERS, action="ship goods")
def ship() -> BaseResponse:
    body = _body(ShipmentBody)
    keys = [parse_code(c).key for c in body.codes]
    return _result(run_once(_idempotency_key(), lambda: ledger().ship(_party(), body.to, keys, body.location or ""), False))


@blueprint.post("/shipments/<root>/receipt")
@require_account(*HOLDERS, action="receive goods")
def receive(root: str) -> BaseResponse:
    body = _body(ReceiptBody)
    return _result(run_once(_idempotency_key(), lambda: ledger().receive(_party(), root, body.location or ""), False))
