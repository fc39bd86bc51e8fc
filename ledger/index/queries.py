"""Reads: what the ledger knows of an item (the basic verdict), of brands and of batches.

An item's custody history is read by :func:`ledger.index.trail.trail` (a one-item scope).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ..chain.roles import Role
from ..codes.identifiers import ItemKey, serial_order
from ..codes.signature import Brand, BrandDirectory
from ..errors import InvalidItemKey, UnknownItem, UnknownParty
from ..proofs.merkle import attributes_hash, item_leaf
from ..untrusted import anchor_root
from .models import Batch, Condition, Item, LifeCycle, Party, PrefixBinding, Shipment, conditions_of, legacy_status

__all__ = ["ItemStatus", "batch_keys", "brand_directory", "item_status", "party_named", "prefix_length_of", "registration_leaf"]


@dataclass(frozen=True)
class ItemStatus:
    key: str
    registered: bool
    brand: str | None = None
    status: str | None = None  # one word, as API v1 had it (see legacy_status); the facts are the next two
    life_cycle: LifeCycle | None = None
    conditions: tuple[Condition, ...] = ()
    custodian: str | None = None
    in_transit_to: str | None = None
    lot: str | None = None
    expiry: date | None = None
    batch: str | None = None


def registration_leaf(item: Item) -> str:
    """The item's leaf in its batch tree: the start of its event hash chain."""
    return "0x" + item_leaf(bytes.fromhex(item.item_id[2:]), attributes_hash(item.lot, item.expiry)).hex()


def _names(session: Session) -> dict[str, str]:
    return {p.address: p.name for p in session.scalars(select(Party))}


def item_status(engine: Engine, key: ItemKey) -> ItemStatus:
    with Session(engine) as s:
        item = s.get(Item, "0x" + key.item_id.hex())
        if item is None:
            return ItemStatus(key.canonical, registered=False)
        names = _names(s)
        receiver = None
        if item.open_shipment:
            shipment = s.get(Shipment, item.open_shipment)
            receiver = names.get(shipment.receiver, shipment.receiver) if shipment else None
    conditions = conditions_of(item.open_shipment, item.stolen, item.recalled, item.inspection)
    return ItemStatus(key.canonical, True, names.get(item.brand, item.brand), legacy_status(item.life_cycle, conditions),
                      item.life_cycle, conditions, names.get(item.custodian, item.custodian), receiver, item.lot, item.expiry,
                      item.batch_root)


def brand_directory(engine: Engine) -> BrandDirectory:
    """Every brand with its address and GS1 prefixes: the file offline verifiers need."""
    with Session(engine) as s:
        bindings = list(s.exec(select(PrefixBinding)))
        brands = {p.address: p for p in s.exec(select(Party).where(col(Party.role) == Role.BRAND))}
    return BrandDirectory(tuple(
        Brand(party.name, address, tuple(sorted(b.prefix for b in bindings if b.brand == address)))
        for address, party in sorted(brands.items(), key=lambda kv: kv[1].name)))


def prefix_length_of(engine: Engine, gtin14: str) -> int:
    """Length of the registered company prefix the GTIN falls under (needed to encode an EPC)."""
    owner = brand_directory(engine).owner_of(gtin14)
    if owner is None:
        raise InvalidItemKey("GTIN", gtin14, "is under no company prefix bound on this ledger",
                             "a GTIN of a registered brand")
    return len(owner[1])


def party_named(engine: Engine, name: str) -> Party:
    with Session(engine) as s:
        party = s.scalars(select(Party).where(col(Party.name) == name)).first()
    if party is None:
        raise UnknownParty(name)
    return party


def batch_keys(engine: Engine, root: str) -> list[ItemKey]:
    """The items of a registration batch by GTIN, then serial in natural order (1, 2, …, 10, not 1, 10, 100)."""
    root = anchor_root("batch root", root)
    with Session(engine) as s:
        if s.get(Batch, root) is None:
            raise UnknownItem(f"batch {root}")
        rows = s.exec(select(col(Item.gtin), col(Item.serial), col(Item.lot), col(Item.expiry)).where(col(Item.batch_root) == root))
        keys = [ItemKey(gtin, serial, lot, expiry) for gtin, serial, lot, expiry in rows]
    return sorted(keys, key=lambda k: (k.gtin, serial_order(k.serial)))
