"""CLI verbs for codes: label sheets, RFID tags, the brand directory, offline checks, photos."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast

import click

from ..codes.epc import EpcScheme, SgtinTag
from ..codes.identifiers import ItemKey
from ..codes.images import MAX_IMAGE_BYTES, read_codes
from ..codes.label_sheet import SheetLayout, write_label_sheet
from ..codes.parsing import parse_code
from ..codes.qr_label import Label, label_png, label_svg
from ..codes.rfid import epc_csv
from ..codes.signature import BrandDirectory, verify_code_signature
from ..errors import InvalidInput
from ..index.queries import batch_keys, brand_directory, item_status, prefix_length_of
from ._context import CliContext, output_file, pass_ctx, read_input, read_text_input

__all__ = ["brands", "labels", "rfid", "check"]

# A directory of thousands of brands is well under a megabyte.
_MAX_BRANDS_FILE = 16 * 1024 * 1024


def _selected_keys(ctx: CliContext, batch: str | None, codes: tuple[str, ...]) -> list[ItemKey]:
    if bool(batch) == bool(codes):
        raise click.UsageError("give either --batch ROOT or item codes")
    if batch:
        return batch_keys(ctx.ledger.engine, batch)
    keys = [parse_code(c).key for c in codes]
    for key in keys:
        if not item_status(ctx.ledger.engine, key).registered:
            raise InvalidInput("code", key.canonical, "is not registered", "codes of registered items")
    return keys


@click.command()
@click.option("--as", "brand", required=True, help="The brand whose key signs the codes.")
@click.option("--batch", help="Label every item of this registration batch (its root).")
@click.argument("codes", nargs=-1)
@click.option("--out", type=click.Path(writable=True, path_type=Path),
              help="PDF sheet to write, a directory for --format png/svg, or a file for --format uri (default: stdout).")
@click.option("--format", "fmt", type=click.Choice(["pdf", "png", "svg", "uri"]), default="pdf", show_default=True,
              help="uri: the signed Digital Links as text, one per line.")
@click.option("--layout", default="a4:3x8:10", show_default=True, help="PAGE:COLUMNSxROWS:MARGIN_MM (page a4 or letter).")
@click.option("--base-url", help="Verifier URL in the QR codes (default: $LEDGER_RESOLVER_URL).")
@pass_ctx
def labels(ctx: CliContext, brand: str, batch: str | None, codes: tuple[str, ...], out: Path | None, fmt: str, layout: str,
           base_url: str | None) -> None:
    """Signed GS1 Digital Link QR labels: a print-ready PDF sheet, one PNG/SVG per item, or the links themselves."""
    if out is None and fmt != "uri":
        raise click.UsageError(f"give --out for --format {fmt} (a PDF file, or a directory for png/svg)")
    party = ctx.ledger.party(brand)
    signer = ctx.ledger.keystore.unlock(brand)
    keys = _selected_keys(ctx, batch, codes)
    # A batch has one brand, so its first item speaks for all of it.
    foreign = [k for k in (keys[:1] if batch else keys) if item_status(ctx.ledger.engine, k).brand != party.name]
    if foreign:
        raise InvalidInput("item", foreign[0].canonical, f"is not {party.name}'s", f"items registered by {party.name}")
    base = base_url or ctx.settings.resolver_url
    sheet = SheetLayout.parse(layout)

    def signed() -> Iterator[Label]:
        for key in keys:
            yield Label.signed(key, base, signer)

    if fmt == "uri":
        links = [label.uri for label in signed()]
        if out is not None:
            out.write_text("".join(f"{link}\n" for link in links))
            ctx.emit({"labels": len(links), "out": str(out)}, lambda: click.echo(f"wrote {len(links)} signed links to {out}"))
        else:
            ctx.emit(links, lambda: click.echo("\n".join(links)))
        return
    assert out is not None
    if fmt == "pdf":
        if out.is_dir():
            raise InvalidInput("--out", str(out), "is a directory", "a PDF file name (directories are for --format png/svg)")
        progress = click.progressbar(length=len(keys), label="labels", file=sys.stderr, hidden=not sys.stderr.isatty())
        with progress as bar, output_file(out, "--out", "wb") as handle:
            def advance(done: int) -> None:
                bar.update(done - bar.pos)

            written = write_label_sheet(signed(), cast(BinaryIO, handle), sheet, progress=advance)
            advance(written)
    else:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InvalidInput("--out", str(out), f"cannot be made a directory ({exc.strerror or exc})",
                               "a directory you may write to") from None
        written = 0
        for label in signed():
            name = f"{label.key.gtin}_{label.key.canonical.rsplit('/', 1)[1]}.{fmt}"
            with output_file(out / name, "--out", "wb" if fmt == "png" else "w") as handle:
                handle.write(label_png(label) if fmt == "png" else label_svg(label))
            written += 1
    ctx.emit({"labels": written, "out": str(out)}, lambda: click.echo(f"wrote {written} signed labels to {out}"))


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
    tag = SgtinTag.for_key(key, prefix_length_of(ctx.ledger.engine, key.gtin), filter_value, chosen)
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
    keys = batch_keys(ctx.ledger.engine, batch)
    text = epc_csv(keys, prefix_length_of(ctx.ledger.engine, keys[0].gtin), filter_value)
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
    directory = brand_directory(ctx.ledger.engine)
    with output_file(out, "--out") as handle:
        handle.write(directory.to_json() + "\n")
    ctx.emit({"brands": len(directory.brands), "out": str(out)},
             lambda: click.echo(f"wrote {len(directory.brands)} brands to {out}"))


@click.command()
@click.argument("code", required=False)
@click.option("--brands", "brands_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="Brand directory JSON (from `ledger brands export`).")
@click.option("--image", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Read the code(s) from a photo.")
@pass_ctx
def check(ctx: CliContext, code: str | None, brands_file: Path, image: Path | None) -> None:
    """Check a code's brand signature offline: no chain, no index, only the brand directory."""
    directory = BrandDirectory.parse(read_text_input(brands_file, "--brands", _MAX_BRANDS_FILE))
    texts = _texts(code, image)
    results = []
    for text in texts:
        scanned = parse_code(text)
        result = verify_code_signature(scanned.key, scanned.signature, directory)
        results.append({"key": scanned.key.canonical, "reason": result.reason.value, "detail": result.detail,
                        "brand": result.brand})

    def human() -> None:
        for r in results:
            click.echo(f"{'VALID  ' if r['reason'] == 'VALID' else 'INVALID'} {r['key']}  {r['reason']}: {r['detail']}")

    ctx.emit(results, human)
    if any(r["reason"] != "VALID" for r in results):
        raise SystemExit(1)


def _texts(code: str | None, image: Path | None) -> list[str]:
    if bool(code) == bool(image):
        raise click.UsageError("give a CODE or --image PHOTO")
    if image is not None:
        return read_codes(read_input(image, "--image", MAX_IMAGE_BYTES))
    assert code is not None
    return [code]
