"""The scan page (camera, photo upload, typed code), the scan action it submits to, and the verdict view.

A scan action records one scan and redirects to the verdict view (see :mod:`web.verdict_page`).
A code or photo that cannot be verified brings the scan page back with the message and what was typed.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from ledger.codes.images import read_codes
from ledger.errors import InvalidInput, NotFound, ScanNotOwned

from . import verdict_page
from .context import current_account, verifier
from .verdict_page import FRESH_SECONDS, location_from, own_scan, record_scan, view_url

__all__ = ["blueprint"]

blueprint = Blueprint("scan", __name__)


def _scan_page(status: int = 200, problem: str = "", form: dict[str, str] | None = None) -> tuple[str, int]:
    return render_template("scan.html", account=current_account(), sites=current_app.config["INSPECTION_SITES"],
                           problem=problem, form=form or {}), status


@blueprint.get("/")
def index() -> tuple[str, int]:
    return _scan_page()


@blueprint.route("/verify", methods=["GET", "POST"])
def verify() -> BaseResponse | tuple[str, int]:
    """GET ?code=… (typed, pasted, or sent by the camera script) or POST a form with a code or a photo: one scan."""
    fields = request.form if request.method == "POST" else request.args
    kept = {k: str(fields.get(k, ""))[:2000] for k in ("code", "lat", "lon", "site")}
    try:
        location = location_from(fields)
        photo = request.files.get("photo")
        if photo is not None and photo.filename:
            code = read_codes(photo.read())[0]
        else:
            code = str(fields.get("code", "")).strip()
            if not code:
                raise InvalidInput("code", "", "is empty", "a code, or a photo of the label")
        return redirect(record_scan(code, location), 303)
    except (InvalidInput, NotFound) as exc:  # what the person typed or showed: say so on the form they used
        return _scan_page(exc.http_status, exc.message, kept)


@blueprint.get("/verdict")
def view() -> str:
    """The verdict of ?code=…, as scan ?scan=ID of this browser made it; reloading it records nothing."""
    code = request.args.get("code", "")
    scan = request.args.get("scan", "")
    return verdict_page.view(code, int(scan) if scan.isascii() and scan.isdigit() and len(scan) < 19 else None)


@blueprint.post("/scans/<int:scan_id>/location")
def locate(scan_id: int) -> BaseResponse:
    """Give this browser's fresh scan its place (the device's position or an inspection site), once."""
    code = request.form.get("code", "")
    if not own_scan(scan_id):
        raise ScanNotOwned(scan_id, FRESH_SECONDS // 60)
    location = location_from(request.form)
    if location is None:
        raise InvalidInput("location", "", "is missing", "your position or an inspection site")
    verifier().locate(scan_id, code, location, current_account())
    return redirect(view_url(code, scan_id), 303)
