"""``ledger product``: brands describe their products (name, pictures, identifying features) for the officers who check them.

These commands use the index only: no chain, no key, no passphrase (a product sheet is guidance, not an anchored fact).
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from ..codes.identifiers import validate_gtin
from ..errors import UnknownProduct
from ..products.catalogue import ProductSheet, add_feature, add_picture, describe, product_sheet, remove_feature, remove_picture
from ..products.pictures import MAX_PICTURE_BYTES, Picture, clean_picture
from ..products.sheet import FeatureText, ProductFacts
from ._context import CliContext, pass_ctx, read_input

__all__ = ["product"]

_AS = click.option("--as", "brand", required=True, help="The brand that owns the GTIN's company prefix.")
_GTIN = click.option("--gtin", required=True, help="The product's GTIN (8, 12, 13 or 14 digits).")


def _picture(path: Path | str, option: str) -> Picture:
    # One byte more than the limit is read, so a larger file is refused by the picture check with its size.
    return clean_picture(read_input(path, option, MAX_PICTURE_BYTES + 1), option, str(path))


def _show(ctx: CliContext, sheet: ProductSheet, headline: str = "") -> None:
    def human() -> None:
        if headline:
            click.echo(headline)
        click.echo(f"{sheet.gtin}  {sheet.name}  (brand {sheet.brand})")
        for label, value in (("pack size", sheet.pack_size), ("contact", sheet.contact)):
            if value:
                click.echo(f"  {label}: {value}")
        for line in sheet.description.splitlines():
            click.echo(f"  | {line}")
        for p in sheet.pictures:
            click.echo(f"  picture {p.sha256}  {p.media_type} {p.width}×{p.height}")
        for f in sheet.features:
            picture = f"  [picture {f.picture.sha256[:12]}]" if f.picture else ""
            click.echo(f"  feature {f.id}: {f.text.replace(chr(10), ' / ')}{picture}")

    ctx.emit(sheet.as_json(), human)


@click.group()
def product() -> None:
    """Product identity and identification guides: what a brand's product is and how to tell it from a fake."""


@product.command("set")
@_AS
@_GTIN
@click.option("--name", required=True, help="The product's name as printed on the pack.")
@click.option("--description", default="", help="What the product is (several lines allowed).")
@click.option("--pack-size", default="", help="e.g. '20 tablets' or '6 × 330 ml'.")
@click.option("--contact", default="", help="Who customs should call or write to about this product.")
@pass_ctx
def product_set(ctx: CliContext, brand: str, gtin: str, name: str, description: str, pack_size: str, contact: str) -> None:
    """Describe a product (or replace its text; pictures and features stay)."""
    facts = ProductFacts.parse(gtin, name, description, pack_size, contact)
    _show(ctx, describe(ctx.index(), brand, facts, int(time.time())), "described:")


@product.command("picture")
@_AS
@_GTIN
@click.argument("file", metavar="FILE")
@pass_ctx
def product_picture(ctx: CliContext, brand: str, gtin: str, file: str) -> None:
    """Add a picture of the product (JPEG, PNG or WebP; kept re-encoded, without its metadata)."""
    picture = _picture(file, "FILE")
    _show(ctx, add_picture(ctx.index(), brand, validate_gtin(gtin), picture, int(time.time())), f"picture {picture.sha256} added:")


@product.command("unpicture")
@_AS
@_GTIN
@click.argument("sha256", metavar="SHA256")
@pass_ctx
def product_unpicture(ctx: CliContext, brand: str, gtin: str, sha256: str) -> None:
    """Remove a picture of the product (named by the SHA-256 that `ledger product show` prints)."""
    _show(ctx, remove_picture(ctx.index(), brand, validate_gtin(gtin), sha256, int(time.time())), "picture removed:")


@product.group("feature")
def feature() -> None:
    """The features that tell the genuine product from a fake."""


@feature.command("add")
@_AS
@_GTIN
@click.option("--text", required=True, help="What to look for, e.g. 'the hologram on the cap turns green when tilted'.")
@click.option("--picture", "picture_file", metavar="FILE", help="A picture of the feature (JPEG, PNG or WebP).")
@pass_ctx
def feature_add(ctx: CliContext, brand: str, gtin: str, text: str, picture_file: str | None) -> None:
    """Add an identifying feature, with a picture if given."""
    parsed = FeatureText.parse(text)
    picture = _picture(picture_file, "--picture") if picture_file else None
    _show(ctx, add_feature(ctx.index(), brand, validate_gtin(gtin), parsed, picture, int(time.time())), "feature added:")


@feature.command("remove")
@_AS
@_GTIN
@click.argument("feature_id", metavar="ID", type=click.IntRange(1))
@pass_ctx
def feature_remove(ctx: CliContext, brand: str, gtin: str, feature_id: int) -> None:
    """Remove a feature (its number as `ledger product show` prints it)."""
    _show(ctx, remove_feature(ctx.index(), brand, validate_gtin(gtin), feature_id, int(time.time())), "feature removed:")


@product.command("show")
@click.argument("gtin")
@pass_ctx
def product_show(ctx: CliContext, gtin: str) -> None:
    """What the brand says the product is, with its identification guide."""
    gtin14 = validate_gtin(gtin)
    sheet = product_sheet(ctx.index(), gtin14)
    if sheet is None:
        raise UnknownProduct(f"GTIN {gtin14}", "its brand describes it with `ledger product set`")
    _show(ctx, sheet)
