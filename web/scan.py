"""The scan page (camera, photo upload, typed code) and the verify endpoint it submits to."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from ledger.codes.images import read_codes
from ledger.errors import InvalidInput

from .context import current_account
from .verdict_page import location_from, verify_and_render

__all__ = ["blueprint"]

blueprint = Blueprint("scan", __name__)


@blueprint.get("/")
def index() -> str:
    return render_template("scan.html", account=current_account(), sites=current_app.config["INSPECTION_SITES"])


@blueprint.route("/verify", methods=["GET", "POST"])
def verify() -> str:
    """GET ?code=… (typed, pasted, or sent by the camera script) or POST a form with a code or a photo."""
    fields = request.form if request.method == "POST" else request.args
    location = location_from(fields)
    photo = request.files.get("photo")
    if photo is not None and photo.filename:
        code = read_codes(photo.read())[0]
    else:
        code = str(fields.get("code", "")).strip()
        if not code:
            raise InvalidInput("code", "", "is empty", "a code, or a photo of the label")
    return verify_and_render(code, location)
