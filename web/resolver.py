"""GS1 Digital Link resolver: the URI in a label's QR code opens the verdict page directly."""

from __future__ import annotations

from flask import Blueprint, request

from .verdict_page import location_from, verify_and_render

__all__ = ["blueprint"]

blueprint = Blueprint("resolver", __name__)


@blueprint.get("/01/<gtin>/21/<path:serial>")
@blueprint.get("/01/<gtin>/10/<lot>/21/<path:serial>")
def resolve(gtin: str, serial: str, lot: str | None = None) -> str:
    # The whole URI is the code: the parser reads key, lot, expiry (?17=) and signature (&sig=) from it.
    return verify_and_render(request.url, location_from(request.args))
