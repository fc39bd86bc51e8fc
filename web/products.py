"""Brands' product pages (describe a product, add pictures and identifying features) and the pictures themselves.

Forms carry a CSRF token; a refused input re-renders the form with the message and the values typed,
never an error page. Pictures are served by their SHA-256 with an ETag and ``immutable`` caching: a
name that is a hash of the bytes never changes meaning, so a browser or cache keeps it for a year.
A picture that only shows an identifying feature is served to signed-in parties and token holders
only, and marked ``private`` so that no shared cache hands it to anyone else.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response as BaseResponse

from ledger.chain.roles import Role
from ledger.codes.identifiers import validate_gtin
from ledger.errors import InvalidInput, LedgerError
from ledger.products.catalogue import (
    PICTURE_PATH,
    ProductSheet,
    add_feature,
    add_picture,
    brand_products,
    describe,
    picture_file,
    product_sheet,
    remove_feature,
    remove_picture,
)
from ledger.products.pictures import MAX_PICTURE_BYTES, Picture, clean_picture
from ledger.products.sheet import FeatureText, ProductFacts

from .auth import require_account
from .context import current_account, ledger, verifier

__all__ = ["blueprint"]

blueprint = Blueprint("products", __name__)
_YEAR = 365 * 24 * 3600


def _brand() -> str:
    account = current_account()
    assert account is not None  # guarded by require_account
    return account.party


def _page(gtin: str | None, error: str = "", values: dict[str, Any] | None = None, status: int = 200) -> Response:
    """The brand's products page: its list, and the form for ``gtin`` (a new product if None)."""
    sheet: ProductSheet | None = None
    if gtin:
        try:
            sheet = product_sheet(ledger().engine, validate_gtin(gtin))
        except InvalidInput:
            sheet = None
        if sheet is not None and sheet.brand != _brand():
            sheet = None  # another brand's: nothing here to edit (saving is refused by the prefix rule)
    body = render_template("products.html", account=current_account(), products=brand_products(ledger().engine, _brand()),
                           sheet=sheet, gtin=gtin or "", error=error, values=values or {}, max_bytes=MAX_PICTURE_BYTES)
    return Response(body, status)


def _acting(gtin: str, act: Callable[[], object], done: str) -> Response | BaseResponse:
    """Run a brand's edit; a refusal shows the form again with the message and what was typed."""
    try:
        act()
    except LedgerError as exc:
        return _page(gtin, exc.message, request.form.to_dict(), exc.http_status)
    verifier().forget_product(validate_gtin(gtin))  # this worker's next verdict shows the change at once (others within seconds)
    flash(done)
    return redirect(url_for("products.edit", gtin=gtin))


def _upload(field: str) -> Picture | None:
    upload: FileStorage | None = request.files.get(field)
    if upload is None or not upload.filename:
        return None
    return clean_picture(upload.stream.read(MAX_PICTURE_BYTES + 1), field, upload.filename)


@blueprint.get("/products")
@require_account(Role.BRAND, action="describe products")
def index() -> Response:
    return _page(None)


@blueprint.get("/products/<gtin>")
@require_account(Role.BRAND, action="describe products")
def edit(gtin: str) -> Response:
    return _page(gtin)


@blueprint.post("/products")
@require_account(Role.BRAND, action="describe products")
def set_product() -> Response | BaseResponse:
    form = request.form
    gtin = form.get("gtin", "").strip()

    def act() -> None:
        facts = ProductFacts.parse(gtin, form.get("name", ""), form.get("description", ""), form.get("pack_size", ""),
                                   form.get("contact", ""))
        describe(ledger().engine, _brand(), facts, int(time.time()))

    try:
        gtin14 = validate_gtin(gtin)
    except LedgerError as exc:
        return _page(None, exc.message, form.to_dict(), exc.http_status)
    return _acting(gtin14, act, f"Product {gtin14} saved.")


@blueprint.post("/products/<gtin>/pictures")
@require_account(Role.BRAND, action="describe products")
def add_product_picture(gtin: str) -> Response | BaseResponse:
    def act() -> None:
        picture = _upload("picture")
        if picture is None:
            raise InvalidInput("picture", "", "is missing", "a JPEG, PNG or WebP file")
        add_picture(ledger().engine, _brand(), validate_gtin(gtin), picture, int(time.time()))

    return _acting(gtin, act, "Picture added.")


@blueprint.post("/products/<gtin>/pictures/<sha256>/remove")
@require_account(Role.BRAND, action="describe products")
def remove_product_picture(gtin: str, sha256: str) -> Response | BaseResponse:
    return _acting(gtin, lambda: remove_picture(ledger().engine, _brand(), validate_gtin(gtin), sha256, int(time.time())),
                   "Picture removed.")


@blueprint.post("/products/<gtin>/features")
@require_account(Role.BRAND, action="describe products")
def add_product_feature(gtin: str) -> Response | BaseResponse:
    def act() -> None:
        text = FeatureText.parse(request.form.get("text", ""))
        add_feature(ledger().engine, _brand(), validate_gtin(gtin), text, _upload("picture"), int(time.time()))

    return _acting(gtin, act, "Feature added.")


@blueprint.post("/products/<gtin>/features/<int:feature>/remove")
@require_account(Role.BRAND, action="describe products")
def remove_product_feature(gtin: str, feature: int) -> Response | BaseResponse:
    return _acting(gtin, lambda: remove_feature(ledger().engine, _brand(), validate_gtin(gtin), feature, int(time.time())),
                   "Feature removed.")


@blueprint.get(PICTURE_PATH + "<sha256>")
def picture(sha256: str) -> Response:
    if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
        abort(404, "no such picture: pictures are named by the SHA-256 of their bytes, 64 lower-case hex digits")
    found = picture_file(ledger().engine, sha256)
    if not found.public and current_account() is None:
        abort(401, "sign in to see the pictures of identifying features")
    scope = "public" if found.public else "private"
    headers = {"Cache-Control": f"{scope}, max-age={_YEAR}, immutable", "ETag": f'"{sha256}"',
               "Content-Disposition": "inline"}
    if request.if_none_match.contains(sha256):
        return Response(status=304, headers=headers)
    return Response(found.data, mimetype=found.media_type, headers=headers)
