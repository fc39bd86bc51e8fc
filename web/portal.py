"""The brand portal: register a batch, download its labels, recall a lot, report an item stolen, see bad scans.

Thin views over what the CLI does: :meth:`~ledger.custody.ledger.Ledger.register` (with the same
CSV reader and its line-numbered errors), the label writers of :mod:`ledger.codes` (streamed: a
PDF page or a thousand ZPL labels at a time), :meth:`~ledger.custody.ledger.Ledger.change_status`.
Signing labels needs the brand's key from the keystore the app already holds, never the chain.

Every form carries a CSRF token and a one-time submission token; a refused input shows the page again
with the message by the form and the values typed (the CSV file itself cannot be kept by a browser).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from datetime import date
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, stream_with_context, url_for
from sqlalchemy import func, select
from sqlmodel import Session, col
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response as BaseResponse

from ledger.chain.roles import Role
from ledger.codes.identifiers import ItemKey, validate_gtin
from ledger.codes.label_jobs import LabelRun, pdf_pages, zpl_chunks
from ledger.codes.label_sheet import SheetLayout, stream_pages
from ledger.codes.parsing import parse_code
from ledger.codes.qr_label import label_png, qr_symbol
from ledger.codes.signature import SignatureForm
from ledger.codes.zpl import ZplLayout
from ledger.custody.ledger import ActionResult
from ledger.custody.registration import ItemSpec, read_items_csv, serial_range
from ledger.errors import InvalidInput, LedgerError, NotAllowed, UnknownItem
from ledger.index.models import Batch, Item
from ledger.index.queries import batch_keys, brand_directory
from ledger.intel.privacy import Pseudonyms, pseudonym_key, shown_scan, viewer_for
from ledger.intel.records import load_scans
from ledger.products.catalogue import brand_products, product_sheet
from ledger.proofs.events import Action

from . import once
from .actions import run_once
from .auth import require_account
from .context import current_account, ledger

__all__ = ["MAX_CSV_UPLOAD", "MAX_FORM_COUNT", "blueprint"]

blueprint = Blueprint("portal", __name__)
MAX_CSV_UPLOAD = 4 * 1024 * 1024  # ~100,000 rows; larger batches go through `ledger register --csv`
MAX_FORM_COUNT = 100_000  # items one form registers in one request; the CLI takes up to a million
SCAN_LIST_LIMIT = 50
_ACTION = "use the brand portal"
_FORMATS = {"pdf": "application/pdf", "zpl": "application/zpl", "zip": "application/zip"}
_PDF_LAYOUT, _ZPL_LAYOUT = "a4:3x8:10", "57x32mm"
_ROOT = re.compile(r"0x[0-9a-f]{64}")


def _party() -> tuple[str, str]:
    account = current_account()
    assert account is not None  # guarded by require_account
    return account.party, account.address


def _page(error: str = "", form: str = "", values: dict[str, Any] | None = None, status: int = 200,
          confirm: dict[str, Any] | None = None, gtin: str = "") -> Response:
    name, address = _party()
    products = brand_products(ledger().engine, name)
    body = render_template("portal.html", account=current_account(), error=error, form=form, values=values or {},
                           confirm=confirm, products=products, gtin=gtin, scans=_bad_scans(gtin) if gtin else None,
                           once_token=once.issue(), max_csv=MAX_CSV_UPLOAD, max_count=MAX_FORM_COUNT)
    return Response(body, status)


def _refused(form: str, exc: LedgerError, values: dict[str, Any] | None = None) -> Response:
    return _page(exc.message, form, values if values is not None else request.form.to_dict(), exc.http_status)


@blueprint.get("/portal")
@require_account(Role.BRAND, action=_ACTION)
def index() -> Response:
    gtin = request.args.get("gtin", "").strip()
    if gtin:
        try:
            gtin = validate_gtin(gtin)
        except LedgerError as exc:
            return _refused("scans", exc, {"gtin": gtin})
    return _page(gtin=gtin)


# -- registration ----------------------------------------------------------------------------


def _number(name: str, text: str, low: int, high: int) -> int:
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 20 or not low <= int(text) <= high:
        raise InvalidInput(name, text, "is not a whole number in range", f"a whole number from {low:,} to {high:,}")
    return int(text)


def _expiry(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("expiry", text, "is not a date", "YYYY-MM-DD, or nothing") from None


def _form_items() -> list[ItemSpec]:
    form = request.form
    gtin = validate_gtin(form.get("gtin", "").strip())
    count = _number("count", form.get("count", ""), 1, MAX_FORM_COUNT)
    first = _number("first serial", form.get("first", ""), 0, 10**20 - 1)
    lot = form.get("lot", "").strip() or None
    expiry = _expiry(form.get("expiry", ""))
    return [ItemSpec(gtin, serial, lot, expiry) for serial in serial_range(first, count)]


def _csv_items(upload: FileStorage) -> list[ItemSpec]:
    data = upload.stream.read(MAX_CSV_UPLOAD + 1)
    if len(data) > MAX_CSV_UPLOAD:
        raise InvalidInput("CSV file", upload.filename, f"is larger than {MAX_CSV_UPLOAD:,} bytes",
                           "a smaller file (split it, or use `ledger register --csv` for larger batches)")
    return read_items_csv(data)


@blueprint.post("/portal/register")
@require_account(Role.BRAND, action=_ACTION)
def register() -> Response | BaseResponse:
    name, _ = _party()
    upload: FileStorage | None = request.files.get("csv")
    try:
        items = _csv_items(upload) if upload is not None and upload.filename else _form_items()
        result: ActionResult = run_once(request.form.get("once"), lambda: ledger().register(name, items))
    except InvalidInput as exc:
        return _refused("register", exc)
    except LedgerError as exc:
        if exc.http_status >= 500 or exc.http_status == 202:
            raise
        return _refused("register", exc)
    flash(f"Registered {result.count} items: batch {result.root}, tx {result.tx_hash}, block {result.block_number}.")
    return redirect(url_for("portal.batch", root=result.root), 303)


def _own_batch(root: str) -> Batch:
    _, address = _party()
    root = root.lower()
    if not _ROOT.fullmatch(root):
        raise InvalidInput("batch root", root, "is not a batch root", "0x and 64 hex digits")
    with Session(ledger().engine) as s:
        found = s.get(Batch, root)
    if found is None:
        raise UnknownItem(f"batch {root}")
    if found.brand.lower() != address.lower():
        raise NotAllowed(f"batch {root} is another brand's; labels are printed by the brand that registered it")
    return found


@blueprint.get("/portal/batches/<root>")
@require_account(Role.BRAND, action=_ACTION)
def batch(root: str) -> str:
    found = _own_batch(root)
    return render_template("portal_batch.html", account=current_account(), batch=found)


# -- labels ----------------------------------------------------------------------------------


def _run(keys: list[ItemKey], form: SignatureForm) -> LabelRun:
    name, address = _party()
    account = ledger().keystore.unlock(name)
    if account.address.lower() != address.lower():
        raise NotAllowed(f"{name}'s keystore key is not its address on this ledger; labels cannot be signed here")
    names = []
    for gtin in {k.gtin for k in keys}:
        sheet = product_sheet(ledger().engine, gtin)
        if sheet is not None:
            names.append((gtin, sheet.name))
    return LabelRun(bytes(account.key), ledger().settings.resolver_url, form, brand=name, products=tuple(names))


class _Pipe(io.RawIOBase):
    """A write-only file whose bytes a generator takes out as they come (for writers that want a file)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def take(self) -> Iterator[bytes]:
        chunks, self.chunks = self.chunks, []
        yield from chunks


def _pdf(keys: list[ItemKey], run: LabelRun, layout: SheetLayout) -> Iterator[bytes]:
    yield from stream_pages(pdf_pages(keys, run, layout), layout)


def _zpl(keys: list[ItemKey], run: LabelRun, layout: ZplLayout) -> Iterator[bytes]:
    for text, _count in zpl_chunks(keys, run, layout):
        yield text.encode()


def _pngs(keys: list[ItemKey], run: LabelRun) -> Iterator[bytes]:
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", zipfile.ZIP_STORED) as archive:  # PNGs are compressed already
        for label in run.labels(keys):
            name = f"{label.key.gtin}_{label.key.canonical.rsplit('/', 1)[1]}.png"
            archive.writestr(name, label_png(label))
            yield from pipe.take()
    yield from pipe.take()


@blueprint.get("/portal/batches/<root>/labels.<fmt>")
@require_account(Role.BRAND, action=_ACTION)
def labels(root: str, fmt: str) -> Response:
    if fmt not in _FORMATS:
        raise InvalidInput("label format", fmt, "is not offered", "pdf, zpl or zip (one PNG per label)")
    found = _own_batch(root)
    keys = batch_keys(ledger().engine, found.root)  # by GTIN, then serial in natural order
    run = _run(keys, SignatureForm.BASE64URL if fmt == "zpl" else SignatureForm.DECIMAL)
    # The longest link first: a label too large for the layout is refused before anything is sent.
    longest = next(run.labels([max(keys, key=lambda k: len(k.canonical) + 3 * len(k.lot or "") + 10 * bool(k.expiry))]))
    body: Iterator[bytes]
    if fmt == "pdf":
        version = qr_symbol(longest.uri).version
        sheet = SheetLayout.parse(_PDF_LAYOUT).holding(version)
        sheet.check_fits(longest, version)
        body = _pdf(keys, run, sheet)
    elif fmt == "zpl":
        size = ZplLayout.parse(_ZPL_LAYOUT).holding(len(longest.uri))
        size.check_fits(longest)
        body = _zpl(keys, run, size)
    else:
        body = _pngs(keys, run)
    filename = f"labels-{found.root[2:14]}.{fmt}"
    return Response(stream_with_context(body), mimetype=_FORMATS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


# -- recall, stolen, scans -------------------------------------------------------------------


def _lot_count(lot: str) -> int:
    _, address = _party()
    with Session(ledger().engine) as s:
        return int(s.exec(select(func.count()).select_from(Item).where(col(Item.lot) == lot,  # type: ignore[call-overload]
                                                                         col(Item.brand) == address)).one()[0])


@blueprint.post("/portal/recall")
@require_account(Role.BRAND, action=_ACTION)
def recall() -> Response | BaseResponse:
    name, _ = _party()
    lot = request.form.get("lot", "").strip()
    try:
        if not lot:
            raise InvalidInput("lot", "", "is missing", "the lot to recall, as printed on the labels")
        if request.form.get("confirm") != lot:
            count = _lot_count(lot)
            if count == 0:
                raise UnknownItem(f"lot {lot} of {name}")
            return _page(form="recall", values={"lot": lot}, confirm={"lot": lot, "count": count})
        result = run_once(request.form.get("once"), lambda: ledger().change_status(name, Action.RECALL, lot=lot))
    except LedgerError as exc:
        if exc.http_status >= 500 or exc.http_status == 202:
            raise
        return _refused("recall", exc)
    skipped = f" ({result.skipped} already settled, passed over)" if result.skipped else ""
    flash(f"Recalled lot {lot}: {result.count} items{skipped}, tx {result.tx_hash}, block {result.block_number}.")
    return redirect(url_for("portal.index"), 303)


@blueprint.post("/portal/report-stolen")
@require_account(Role.BRAND, action=_ACTION)
def report_stolen() -> Response | BaseResponse:
    name, _ = _party()
    code = request.form.get("code", "").strip()
    try:
        key = parse_code(code).key
        result = run_once(request.form.get("once"),
                          lambda: ledger().change_status(name, Action.REPORT_STOLEN, [key]))
    except LedgerError as exc:
        if exc.http_status >= 500 or exc.http_status == 202:
            raise
        return _refused("stolen", exc)
    flash(f"Reported {key.canonical} stolen: tx {result.tx_hash}, block {result.block_number}.")
    return redirect(url_for("portal.index"), 303)


def _bad_scans(gtin: str) -> list[dict[str, Any]]:
    """The product's latest suspect and counterfeit scans, as the sharing rules show them to this brand."""
    name, address = _party()
    account = current_account()
    assert account is not None
    viewer = viewer_for(account.role, address, name)
    owner = brand_directory(ledger().engine).owner_of(gtin)  # the owner rule product sheets follow
    if owner is None or owner[0].address.lower() != address.lower():
        raise NotAllowed(f"{name} may see the scans of its own products only; GTIN {gtin} is not under its prefixes")
    prefix = f"/01/{gtin}/21/"
    rows = load_scans(ledger().engine, "id IN (SELECT id FROM scan WHERE key >= :low AND key < :high AND verdict IN "
                      "('suspect', 'counterfeit') ORDER BY timestamp DESC, id DESC LIMIT :limit)",
                      {"low": prefix, "high": prefix[:-1] + "0", "limit": SCAN_LIST_LIMIT})
    pseudonyms = Pseudonyms(pseudonym_key(ledger().settings.home))
    return [shown_scan(row, viewer, {}, pseudonyms) for row in reversed(rows)]
