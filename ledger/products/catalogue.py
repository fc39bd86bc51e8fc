"""Product sheets in the index: the one rule on who writes them, the writes, and the reads.

The rule: a party may describe a GTIN only if it is a brand and the GTIN falls under one of its own
GS1 company prefixes — :meth:`~ledger.codes.signature.BrandDirectory.owner_of`, the one place
that says whose a GTIN is (registration, signatures and alerts ask it too).

Pictures are kept in the index, not in the home: a scaled-out set-up runs web workers on several
hosts that share the database but not a directory, a picture then commits in the same transaction
as the row that names it (nothing half-written), and backups of the index carry them. They are
small once re-encoded (:mod:`ledger.products.pictures`), and few: :data:`MAX_PICTURES` and
:data:`MAX_FEATURES` a product.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ..chain.roles import Role
from ..errors import Conflict, NotProductOwner, RoleError, UnknownProduct
from ..index.engine import unit_of_work
from ..index.models import Party, Product, ProductFeature, ProductImage
from ..index.queries import brand_directory, party_named
from .pictures import Picture
from .sheet import FeatureText, ProductFacts

__all__ = ["MAX_FEATURES", "MAX_PICTURES", "PICTURE_PATH", "FeatureView", "PictureRef", "ProductSheet", "add_feature",
           "PictureFile", "add_picture", "brand_products", "describe", "picture_file", "product_sheet", "remove_feature", "remove_picture"]

MAX_PICTURES = 8
MAX_FEATURES = 20
# Where the web app serves a kept picture; its name is its SHA-256, so the URL never changes meaning.
PICTURE_PATH = "/products/pictures/"
_PRODUCT, _FEATURE = "product", "feature"


@dataclass(frozen=True)
class PictureRef:
    sha256: str
    media_type: str
    width: int
    height: int

    @property
    def url(self) -> str:
        return PICTURE_PATH + self.sha256

    def as_json(self) -> dict[str, Any]:
        return {"url": self.url, "sha256": self.sha256, "media_type": self.media_type, "width": self.width,
                "height": self.height}


@dataclass(frozen=True)
class FeatureView:
    id: int
    text: str
    picture: PictureRef | None


@dataclass(frozen=True)
class ProductSheet:
    """A product as its brand describes it: what everyone sees, and the guide (features, contact) for known parties."""

    gtin: str
    brand: str
    name: str
    description: str
    pack_size: str
    contact: str
    pictures: tuple[PictureRef, ...]
    features: tuple[FeatureView, ...]
    updated_at: int

    def public(self) -> ProductSheet:
        """As an anonymous caller sees it: the identification features and the customs contact are for the parties the
        ledger knows (officers above all), as IPM keeps them; a counterfeiter must not learn what to copy."""
        return replace(self, contact="", features=())

    def as_json(self) -> dict[str, Any]:
        return {"gtin": self.gtin, "brand": self.brand, "name": self.name, "description": self.description,
                "pack_size": self.pack_size, "contact": self.contact, "pictures": [p.as_json() for p in self.pictures],
                "features": [{"id": f.id, "text": f.text, "picture": f.picture.as_json() if f.picture else None}
                             for f in self.features],
                "updated_at": self.updated_at}


def _owner_check(engine: Engine, brand: str, gtin: str) -> Party:
    """The party named ``brand`` if it may describe ``gtin``; RoleError or NotProductOwner if not."""
    party = party_named(engine, brand)
    if party.role is not Role.BRAND:
        raise RoleError(brand, "describe products", "brand")
    owner = brand_directory(engine).owner_of(gtin)
    if owner is None or owner[0].address.lower() != party.address.lower():
        raise NotProductOwner(brand, gtin, owner[0].name if owner else None, owner[1] if owner else None)
    return party


def _described(s: Session, gtin: str) -> Product:
    product = s.get(Product, gtin)
    if product is None:
        raise UnknownProduct(f"GTIN {gtin}", "describe it first (`ledger product set`)")
    return product


def describe(engine: Engine, brand: str, facts: ProductFacts, now: int) -> ProductSheet:
    """Create or replace the product's text (its pictures and features stay)."""
    party = _owner_check(engine, brand, facts.gtin)
    with unit_of_work(engine) as s:
        product = s.get(Product, facts.gtin) or Product(gtin=facts.gtin, brand=party.address, name="", updated_at=now)
        product.brand, product.name, product.description = party.address, facts.name, facts.description
        product.pack_size, product.contact, product.updated_at = facts.pack_size, facts.contact, now
        s.add(product)
    return _sheet_or_fail(engine, facts.gtin)


def _keep_picture(s: Session, gtin: str, picture: Picture, kind: str, now: int) -> ProductImage:
    found = s.scalars(select(ProductImage).where(col(ProductImage.gtin) == gtin,
                                                 col(ProductImage.sha256) == picture.sha256)).first()
    if found is not None:
        return found
    row = ProductImage(gtin=gtin, sha256=picture.sha256, kind=kind, media_type=picture.media_type, width=picture.width,
                       height=picture.height, data=picture.data, created_at=now)
    s.add(row)
    s.flush()
    return row


def add_picture(engine: Engine, brand: str, gtin: str, picture: Picture, now: int) -> ProductSheet:
    """Add a picture of the product (the same picture twice is kept once)."""
    _owner_check(engine, brand, gtin)
    with unit_of_work(engine) as s:
        product = _described(s, gtin)
        count = len(list(s.scalars(select(col(ProductImage.id)).where(col(ProductImage.gtin) == gtin,
                                                                       col(ProductImage.kind) == _PRODUCT))))
        known = s.scalars(select(ProductImage).where(col(ProductImage.gtin) == gtin,
                                                     col(ProductImage.sha256) == picture.sha256)).first()
        if known is None and count >= MAX_PICTURES:
            raise Conflict(f"GTIN {gtin} has {MAX_PICTURES} pictures already, the most it may have; remove one first")
        row = _keep_picture(s, gtin, picture, _PRODUCT, now)
        if row.kind != _PRODUCT:  # a feature's picture shown as the product's too: now everyone may see it
            row.kind = _PRODUCT
        product.updated_at = now
    return _sheet_or_fail(engine, gtin)


def add_feature(engine: Engine, brand: str, gtin: str, feature: FeatureText, picture: Picture | None,
                now: int) -> ProductSheet:
    """Add an identifying feature, with its picture if given."""
    _owner_check(engine, brand, gtin)
    with unit_of_work(engine) as s:
        product = _described(s, gtin)
        count = len(list(s.scalars(select(col(ProductFeature.id)).where(col(ProductFeature.gtin) == gtin))))
        if count >= MAX_FEATURES:
            raise Conflict(f"GTIN {gtin} has {MAX_FEATURES} features already, the most it may have; remove one first")
        image = _keep_picture(s, gtin, picture, _FEATURE, now) if picture else None
        s.add(ProductFeature(gtin=gtin, text=feature.text, image=image.id if image else None, created_at=now))
        product.updated_at = now
    return _sheet_or_fail(engine, gtin)


def _drop_unused_images(s: Session, gtin: str) -> None:
    used = {i for i in s.scalars(select(col(ProductFeature.image)).where(col(ProductFeature.gtin) == gtin)) if i}
    for row in s.scalars(select(ProductImage).where(col(ProductImage.gtin) == gtin, col(ProductImage.kind) == _FEATURE)):
        if row.id not in used:
            s.delete(row)


def remove_feature(engine: Engine, brand: str, gtin: str, feature_id: int, now: int) -> ProductSheet:
    _owner_check(engine, brand, gtin)
    with unit_of_work(engine) as s:
        product = _described(s, gtin)
        feature = s.get(ProductFeature, feature_id)
        if feature is None or feature.gtin != gtin:
            raise UnknownProduct(f"feature {feature_id} of GTIN {gtin}", "see `ledger product show`")
        s.delete(feature)
        s.flush()
        _drop_unused_images(s, gtin)
        product.updated_at = now
    return _sheet_or_fail(engine, gtin)


def remove_picture(engine: Engine, brand: str, gtin: str, sha256: str, now: int) -> ProductSheet:
    _owner_check(engine, brand, gtin)
    with unit_of_work(engine) as s:
        product = _described(s, gtin)
        row = s.scalars(select(ProductImage).where(col(ProductImage.gtin) == gtin, col(ProductImage.kind) == _PRODUCT,
                                                   col(ProductImage.sha256) == sha256.strip().lower())).first()
        if row is None:
            raise UnknownProduct(f"picture {sha256[:64]!r} of GTIN {gtin}", "see `ledger product show`")
        if any(s.scalars(select(col(ProductFeature.id)).where(col(ProductFeature.image) == row.id))):
            row.kind = _FEATURE  # still a feature's picture: kept, for known parties only
        else:
            s.delete(row)
        product.updated_at = now
    return _sheet_or_fail(engine, gtin)


def _sheet_or_fail(engine: Engine, gtin: str) -> ProductSheet:
    sheet = product_sheet(engine, gtin)
    if sheet is None:
        raise UnknownProduct(f"GTIN {gtin}")
    return sheet


def product_sheet(engine: Engine, gtin: str) -> ProductSheet | None:
    """The product's sheet, or None if no brand described it (``gtin`` as GTIN-14)."""
    with Session(engine) as s:
        product = s.get(Product, gtin)
        if product is None:
            return None
        brand = s.get(Party, product.brand)
        images = {row[0]: tuple(row) for row in s.execute(  # every column but the bytes
            sa_select(col(ProductImage.id), col(ProductImage.sha256), col(ProductImage.media_type), col(ProductImage.width),
                      col(ProductImage.height), col(ProductImage.kind))
            .where(col(ProductImage.gtin) == gtin).order_by(col(ProductImage.id)))}
        features = list(s.exec(select(ProductFeature).where(col(ProductFeature.gtin) == gtin).order_by(col(ProductFeature.id))))

    def ref(image_id: int) -> PictureRef:
        _, sha, media_type, width, height, _kind = images[image_id]
        return PictureRef(sha, media_type, width, height)

    return ProductSheet(
        product.gtin, brand.name if brand else product.brand, product.name, product.description, product.pack_size,
        product.contact, tuple(ref(i) for i, row in images.items() if row[5] == _PRODUCT),
        tuple(FeatureView(f.id or 0, f.text, ref(f.image) if f.image is not None and f.image in images else None) for f in features),
        product.updated_at)


def brand_products(engine: Engine, brand: str) -> list[tuple[str, str]]:
    """The GTIN and name of every product the party named ``brand`` has described, by GTIN."""
    party = party_named(engine, brand)
    with Session(engine) as s:
        rows = s.exec(select(col(Product.gtin), col(Product.name)).where(col(Product.brand) == party.address)
                      .order_by(col(Product.gtin)))
        return [(gtin, name) for gtin, name in rows]


@dataclass(frozen=True)
class PictureFile:
    data: bytes
    media_type: str
    public: bool  # a product's picture; else only a feature's (for known parties only)


def picture_file(engine: Engine, sha256: str) -> PictureFile:
    """The kept picture named ``sha256``; UnknownProduct if there is none."""
    name = sha256.strip().lower()
    with Session(engine) as s:
        rows = list(s.exec(select(col(ProductImage.data), col(ProductImage.media_type), col(ProductImage.kind))
                           .where(col(ProductImage.sha256) == name)))
    if not rows:
        raise UnknownProduct(f"picture {sha256[:64]!r}")
    return PictureFile(rows[0][0], rows[0][1], any(kind == _PRODUCT for _, _, kind in rows))
