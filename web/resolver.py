"""GS1 Digital Link resolver: opening the URI in a label's QR code is one scan, then the verdict view."""

from __future__ import annotations

from flask import Blueprint, redirect, request
from werkzeug.wrappers import Response as BaseResponse

from .verdict_page import location_from, record_scan

__all__ = ["blueprint"]

blueprint = Blueprint("resolver", __name__)


@blueprint.get("/01/<gtin>/21/<path:serial>")
@blueprint.get("/01/<gtin>/10/<lot>/21/<path:serial>")
def resolve(gtin: str, serial: str, lot: str | None = None) -> BaseResponse:
    # The whole URI is the code: the parser reads key, lot, expiry (?17=) and signature (&sig=) from it.
    # It is taken as sent (gunicorn and Werkzeug: RAW_URI; waitress, uWSGI: REQUEST_URI): the WSGI
    # path is already percent-decoded, which would turn a serial's %2F into a path separator.
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    code = request.host_url.rstrip("/") + raw if isinstance(raw, str) and raw.startswith("/") else request.url
    # One scan, then 303 to the view (which a reload re-renders without recording another).
    return redirect(record_scan(code, location_from(request.args)), 303)
