"""The verdict page: verify a code from any entry point (scan form, upload, resolver link) and render it."""

from __future__ import annotations

from collections.abc import Mapping

from flask import current_app, render_template

from ledger.custody.state import Act, Actor, refusal
from ledger.geo import Location, parse_location
from ledger.index.accounts import Account
from ledger.index.trail import TrailScope, trail
from ledger.proofs.events import Action
from ledger.proofs.inspections import InspectionOutcome
from ledger.verify.report import as_seen_by
from ledger.verify.scans import recent_scans
from ledger.verify.verifier import Verification

from . import once, timeline
from .context import current_account, ledger, verifier

__all__ = ["location_from", "render_verdict", "verify_and_render"]

_COLOURS = {"genuine": "genuine", "suspect": "suspect", "counterfeit": "counterfeit"}


def location_from(fields: Mapping[str, object]) -> Location | None:
    """None when no location field was filled; else a checked one (InvalidInput says what is wrong)."""
    if all(fields.get(k) in (None, "") for k in ("lat", "lon", "site")):
        return None
    return parse_location(fields, current_app.config["INSPECTION_SITES"])


def _may(account: Account | None, action: Action, result: Verification) -> bool:
    """Whether the custody rules let the signed-in party take ``action`` on the item (offer the form only then)."""
    return account is not None and result.state is not None and refusal(
        result.state, Act(action, Actor(account.address, account.role, account.party))) is None


def render_verdict(result: Verification, code: str) -> str:
    account = current_account()
    result = as_seen_by(result, account is not None)  # the same redaction as the API's answer
    steps = trail(ledger().engine, TrailScope.for_item(result.key)) if account and result.registered else []
    nodes, height = timeline.layout(steps)
    scans = recent_scans(ledger().engine, "0x" + result.key.item_id.hex()) if account else []
    return render_template(
        "verdict.html", v=result, code=code, account=account, nodes=nodes, svg_height=height, steps=steps, scans=scans,
        can_inspect=_may(account, Action.INSPECT, result), can_report=_may(account, Action.REPORT_STOLEN, result),
        outcomes=list(InspectionOutcome), sites=current_app.config["INSPECTION_SITES"], once=once.issue(),
    )


def verify_and_render(code: str, location: Location | None) -> str:
    return render_verdict(verifier().verify(code, location, current_account()), code)
