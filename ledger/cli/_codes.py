"""CLI verbs for codes: label sheets, RFID tags, the brand directory (offline checks: ``_check``)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

import click
from sqlalchemy.engine import Engine

from ..chain.keystore import Keystore
from ..codes.epc import EpcScheme, SgtinTag
from ..codes.identifiers import ItemKey
from ..codes.label_jobs import LabelRun, available_cores, pdf_pages, zpl_chunks
from ..codes.label_sheet import SheetLayout, write_pages
from ..codes.parsing import parse_code
from ..codes.qr_label import label_png, label_svg, qr_symbol
from ..codes.rfid import epc_csv
from ..codes.signature import SignatureForm
from ..codes.zpl import ZplLayout
from ..errors import InvalidInput
from ..index.queries import batch_keys, brand_directory, item_status, party_named, prefix_length_of
from ..products.catalogue import product_sheet
from ._context import CliContext, output_file, pass_ctx

__all__ = ["brands", "labels", "rfid"]

def _selected_keys(engine: Engine, batch: str | None, codes: tuple[str, ...]) -> list[ItemKey]:
    if bool(batch) == bool(codes):
        raise click.UsageError("give either --batch ROOT or item codes")
    if batch:
        return batch_keys(engine, batch)
    keys = [parse_code(c).key for c in codes]
    for key in keys:
        if not item_status(engine, key).registered:
            raise InvalidInput("code", key.canonical, "is not registered", "codes of registered items")
    return keys


_DEFAULT_LAYOUTS = {"pdf": "a4:3x8:10", "zpl": "57x32mm"}


@click.command()
@click.option("--as", "brand", required=True, help="The brand whose key signs the codes.")
@click.option("--batch", help="Label every item of this registration batch (its root), in serial order.")
@click.argument("codes", nargs=-1)
@click.option("--out", type=click.Path(writable=True, path_type=Path),
              help="PDF or ZPL file to write, a directory for --format png/svg, or a file for --format uri (default: stdout).")
@click.option("--format", "fmt", type=click.Choice(["pdf", "zpl", "png", "svg", "uri"]), default="pdf", show_default=True,
              help="uri: the signed Digital Links as text, one per line.")
@click.option("--layout", help="pdf: PAGE:COLUMNSxROWS[:MARGIN_MM] (page a4 or letter; default a4:3x8:10); "
                               "zpl: WIDTHxHEIGHT{mm|in}[@DPI] (default 57x32mm at 203 dpi).")
@click.option("--dots", type=int, default=0, help="QR module in printer dots (3-10; default: the largest the layout holds).")
@click.option("--jobs", type=int, default=0, help="Worker processes (default: one per core for 5,000 labels or more).")
@click.option("--base-url", help="Verifier URL in the QR codes (default: $LEDGER_RESOLVER_URL).")
@pass_ctx
def labels(ctx: CliContext, brand: str, batch: str | None, codes: tuple[str, ...], out: Path | None, fmt: str,
           layout: str | None, dots: int, jobs: int, base_url: str | None) -> None:
    """Signed GS1 Digital Link QR labels: a print-ready PDF sheet, ZPL for thermal printers, one PNG/SVG per item,
    or the links themselves.

    Needs the keystore and the index only, not the chain: it runs while `ledger serve` holds the embedded chain.
    """
    if out is None and fmt != "uri":
        raise click.UsageError(f"give --out for --format {fmt} (a PDF or ZPL file, or a directory for png/svg)")
    # Signing a code needs the brand's key and what the index says of the items, never the chain.
    engine = ctx.index()
    party = party_named(engine, brand)
    settings = ctx.with_passphrase()
    account = Keystore(settings.keystore_dir, settings.passphrase or "", settings.kdf_iterations).unlock(brand)
    if account.address != party.address:
        raise InvalidInput("--as", brand, f"has a keystore key {account.address} that is not its address {party.address} "
                           "on this ledger", "the keystore of this ledger home")
    keys = _selected_keys(engine, batch, codes)
    # A batch has one brand, so its first item speaks for all of it.
    foreign = [k for k in (keys[:1] if batch else keys) if item_status(engine, k).brand != party.name]
    if foreign:
        raise InvalidInput("item", foreign[0].canonical, f"is not {party.name}'s", f"items registered by {party.name}")
    if fmt in ("pdf", "zpl") and out is not None and out.is_dir():
        raise InvalidInput("--out", str(out), "is a directory", f"a {fmt.upper()} file name (directories are for --format png/svg)")
    # ZPL printers may encode the link in byte mode, where base64url is the shorter signature.
    run = LabelRun(bytes(account.key), base_url or ctx.settings.resolver_url,
                   SignatureForm.BASE64URL if fmt == "zpl" else SignatureForm.DECIMAL, brand=party.name,
                   products=_product_names(engine, keys))
    if fmt == "uri":
        links = [label.uri for label in run.labels(keys)]
        if out is not None:
            out.write_text("".join(f"{link}\n" for link in links))
            ctx.emit({"labels": len(links), "out": str(out)}, lambda: click.echo(f"wrote {len(links)} signed links to {out}"))
        else:
            ctx.emit(links, lambda: click.echo("\n".join(links)))
        return
    assert out is not None
    workers = jobs if jobs > 0 else (available_cores() if len(keys) >= 5000 else 1)
    # The longest link first: a label too large for the layout is refused before anything is written.
    longest = next(run.labels([max(keys, key=lambda k: len(k.canonical) + 3 * len(k.lot or "") + 10 * bool(k.expiry))]))
    if fmt == "pdf":
        version = qr_symbol(longest.uri).version
        sheet = SheetLayout.parse(layout or _DEFAULT_LAYOUTS["pdf"], dots).holding(version)
        sheet.check_fits(longest, version)
        described = sheet.describe()
        written = _write_growing(out, len(keys), lambda handle, advance: write_pages(
            pdf_pages(keys, run, sheet, workers), handle, sheet, advance))
    elif fmt == "zpl":
        label_size = ZplLayout.parse(layout or _DEFAULT_LAYOUTS["zpl"], dots).holding(len(longest.uri))
        label_size.check_fits(longest)
        described = label_size.describe()
        written = _write_growing(out, len(keys), lambda handle, advance: _write_zpl(
            zpl_chunks(keys, run, label_size, workers), handle, advance))
    else:
        described = ""
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InvalidInput("--out", str(out), f"cannot be made a directory ({exc.strerror or exc})",
                               "a directory you may write to") from None
        written = 0
        for label in run.labels(keys):
            name = f"{label.key.gtin}_{label.key.canonical.rsplit('/', 1)[1]}.{fmt}"
            with output_file(out / name, "--out", "wb" if fmt == "png" else "w") as handle:
                handle.write(label_png(label) if fmt == "png" else label_svg(label))
            written += 1
    ctx.emit({"labels": written, "out": str(out), "layout": described},
             lambda: click.echo(f"wrote {written} signed labels to {out}" + (f" ({described})" if described else "")))


def _product_names(engine: Engine, keys: Sequence[ItemKey]) -> tuple[tuple[str, str], ...]:
    """(GTIN, name) of the products among ``keys`` that have a product sheet, for the labels' text."""
    sheets = ((gtin, product_sheet(engine, gtin)) for gtin in sorted({k.gtin for k in keys}))
    return tuple((gtin, sheet.name) for gtin, sheet in sheets if sheet is not None)


def _write_growing(out: Path, total: int, write: Callable[[BinaryIO, Callable[[int], None]], int]) -> int:
    """Write to OUT.part as the labels come (a reader can follow it), then rename it to OUT; on any failure
    remove it, so OUT is never a partial run."""
    partial = out.with_name(out.name + ".part")
    progress = click.progressbar(length=total, label="labels", file=sys.stderr, hidden=not sys.stderr.isatty())
    try:
        handle_file = partial.open("wb")
    except OSError as exc:
        raise InvalidInput("--out", str(out), f"cannot be written ({exc.strerror or exc})",
                           "a file in an existing directory you may write to") from None
    try:
        with progress as bar, handle_file as handle:
            written = write(handle, lambda done: bar.update(done - bar.pos))
        partial.replace(out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return written


def _write_zpl(chunks: Iterable[tuple[str, int]], handle: BinaryIO, progress: Callable[[int], None]) -> int:
    done = 0
    for text, count in chunks:
        handle.write(text.encode())
        handle.flush()
        done += count
        progress(done)
    return done


@click.group()
def rfid() -> None:
    """RFID tags: EPC SGTIN-96/198 hex to write to a tag, and back."""


@rfid.command("encode")
@click.argument("code")
@click.option("--filter", "filter_value", type=click.IntRange(0, 7), default=1, show_default=True,
              help="EPC filter value (1 = point-of-sale item).")
@click.option("--scheme", type=click.Choice(["auto", "96", "198"]), default="auto", show_default=True)
@pass_ctx
def rfid_encode(ctx: CliContext, code: str, filter_value: int, scheme: str) -> None:
    """The EPC for CODE; the company prefix length comes from the brand's registered prefix."""
    key = parse_code(code).key
    chosen = {"auto": None, "96": EpcScheme.SGTIN_96, "198": EpcScheme.SGTIN_198}[scheme]
    tag = SgtinTag.for_key(key, prefix_length_of(ctx.reader.engine, key.gtin), filter_value, chosen)
    data = {"key": key.canonical, "hex": tag.hex, "tag_uri": tag.uri, "epc_urn": tag.sgtin.urn}
    ctx.emit(data, lambda: click.echo("\n".join(f"{k:8} {v}" for k, v in data.items())))


@rfid.command("decode")
@click.argument("epc")
@pass_ctx
def rfid_decode(ctx: CliContext, epc: str) -> None:
    """The item key in an EPC (hex as a reader returns it, tag URI or pure-identity URN)."""
    scanned = parse_code(epc)
    data = {"key": scanned.key.canonical, "gtin": scanned.key.gtin, "serial": scanned.key.serial, "form": scanned.form.name}
    ctx.emit(data, lambda: click.echo("\n".join(f"{k:7} {v}" for k, v in data.items())))


@rfid.command("export")
@click.option("--batch", required=True, help="Registration batch root.")
@click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True)
@click.option("--filter", "filter_value", type=click.IntRange(0, 7), default=1, show_default=True)
@pass_ctx
def rfid_export(ctx: CliContext, batch: str, out: Path, filter_value: int) -> None:
    """CSV of a batch's EPCs (key, URN, tag URI, hex) for bulk tag encoders."""
    keys = batch_keys(ctx.reader.engine, batch)
    text = epc_csv(keys, prefix_length_of(ctx.reader.engine, keys[0].gtin), filter_value)
    with output_file(out, "--out") as handle:
        handle.write(text)
    ctx.emit({"tags": len(keys), "out": str(out)}, lambda: click.echo(f"wrote {len(keys)} EPCs to {out}"))


@click.group()
def brands() -> None:
    """The brand directory: brands' addresses and GS1 prefixes, for offline signature checks."""


@brands.command("export")
@click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True)
@pass_ctx
def brands_export(ctx: CliContext, out: Path) -> None:
    """Write the brand directory as JSON."""
    directory = brand_directory(ctx.reader.engine)
    with output_file(out, "--out") as handle:
        handle.write(directory.to_json() + "\n")
    ctx.emit({"brands": len(directory.brands), "out": str(out)},
             lambda: click.echo(f"wrote {len(directory.brands)} brands to {out}"))
