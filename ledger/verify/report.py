"""A verification as data: the one JSON shape that the API, the lean endpoint and ``ledger verify --json`` print.

Its headline is ``action`` (release, inspect, hold, seize: :class:`~ledger.verify.verdicts.Directive`)
with its one-line ``instruction``; ``verdict`` says whether the item is genuine, ``reasons`` why.

Custody details (status, custodian, last inspection) and the reasons' own sentences go only to
callers the ledger knows: a signed-in party, a token holder, or the operator of this home on the
command line. Anonymous callers get the verdict, the advice and each reason's generic sentence
(:func:`as_seen_by`, which the API, the lean endpoint and the verdict page all apply): a reason's
own sentence can name the custodian, the distance to its premises or the inspecting officer's
party, and a few anonymous requests from chosen places would locate a plant.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from .verdicts import Judgement, Reason, Weight
from .verifier import Verification

__all__ = ["as_seen_by", "has_alert", "verification_json"]


def as_seen_by(v: Verification, known: bool) -> Verification:
    """``v`` as a caller may see it: whole if the ledger knows the caller; else with generic reasons and no custody."""
    if known:
        return v
    product = v.product.public() if v.product else None
    reasons = tuple(Reason(r.code, r.code.generic) for r in v.judgement.reasons)
    return replace(v, judgement=Judgement(v.judgement.verdict, reasons), state=None, custodian=None, in_transit_to=None,
                   last_inspection=None, batch=None, product=product)


def verification_json(v: Verification, with_custody: bool) -> dict[str, Any]:
    """The answer to one verification; for an anonymous caller (not ``with_custody``) as :func:`as_seen_by` has it."""
    v = as_seen_by(v, with_custody)
    custody = None
    if with_custody and v.registered:
        custody = {"status": v.status, "life_cycle": v.state.life_cycle.value if v.state else None,
                   "conditions": [c.value for c in v.conditions], "custodian": v.custodian, "in_transit_to": v.in_transit_to,
                   "last_inspection": asdict(v.last_inspection) if v.last_inspection else None, "batch": v.batch}
    return {
        "verdict": v.judgement.verdict.value,
        "action": v.judgement.directive.value,
        "instruction": v.judgement.directive.instruction,
        "reasons": [{"code": r.code.value, "weight": r.weight.name.lower(), "sentence": r.sentence, "advice": r.advice}
                    for r in v.judgement.reasons],
        "advice": v.judgement.advice,
        "item": {"key": v.key.canonical, "gtin": v.key.gtin, "serial": v.key.serial, "lot": v.lot,
                 "expiry": v.expiry.isoformat() if v.expiry else None, "brand": v.brand, "registered": v.registered},
        "form": v.form.value,
        "scanned_at": v.scanned_at,
        "custody": custody,
        # The brand's product sheet (None if it gave none); anonymous callers get it without features and contact.
        "product": v.product.as_json() if v.product else None,
    }


def has_alert(v: Verification) -> bool:
    """Whether any reason is an alert (stolen, recalled, expired, held…) that calls for action even on a genuine item."""
    return any(r.weight is Weight.ALERT for r in v.judgement.reasons)
