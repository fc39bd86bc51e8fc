"""Pages for signed-in parties: custody (ship, receive), parties, and an item's full trace."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from sqlalchemy import select
from sqlmodel import Session, col

from ledger.audit.flow_svg import batch_flow_svg
from ledger.chain.roles import Role
from ledger.codes.parsing import parse_code
from ledger.errors import InvalidInput
from ledger.index.models import Shipment, ShipmentState
from ledger.index.queries import item_status
from ledger.index.trail import TrailScope, trail

from . import once, timeline
from .auth import require_account
from .context import current_account, ledger

__all__ = ["blueprint"]

blueprint = Blueprint("pages", __name__)


@blueprint.get("/custody")
@require_account(Role.BRAND, Role.CARRIER, Role.DISTRIBUTOR, Role.RETAILER, action="ship or receive goods")
def custody() -> str:
    account = current_account()
    assert account is not None
    with Session(ledger().engine) as s:
        incoming = list(s.scalars(select(Shipment).where(col(Shipment.receiver) == account.address,
                                                         col(Shipment.state) == ShipmentState.OPEN)))
    names = {p.address: p.name for p, _ in ledger().parties()}
    receivers = sorted(p.name for p, _ in ledger().parties() if p.role.holds_goods and p.address != account.address)
    return render_template("custody.html", account=account, incoming=incoming, names=names, receivers=receivers,
                           once_ship=once.issue(), once_receive=once.issue())


@blueprint.get("/parties")
@require_account(action="see the parties")
def parties() -> str:
    return render_template("parties.html", account=current_account(), parties=ledger().parties(),
                           premises=ledger().premises())


@blueprint.get("/trace")
@require_account(action="see custody histories")
def trace_page() -> str:
    code = request.args.get("code", "")
    key = parse_code(code).key
    steps = trail(ledger().engine, TrailScope.for_item(key))
    return render_template("trace.html", account=current_account(), key=key, status=item_status(ledger().engine, key),
                           steps=steps, timeline=timeline.entries(steps))


@blueprint.get("/trace/flow.svg")
@require_account(action="see custody histories")
def batch_flow() -> Response:
    """The flow of a registration batch between parties, as an SVG picture."""
    batch = request.args.get("batch", "")
    if not (batch.startswith("0x") and len(batch) == 66):
        raise InvalidInput("batch", batch[:80], "is not a batch root", "0x and 64 hex digits, as `ledger register` prints")
    return Response(batch_flow_svg(ledger().engine, batch), mimetype="image/svg+xml")
