"""Audit trails: every event of an item, a lot, a batch or a shipment from registration on,
each with who, when, where, what (CBV bizStep and disposition), the signature that covers it
and the anchor transaction and block that prove it. Exports as CSV.

A lot, batch or shipment trail is the full trail of every item in it (from each item's
registration, not only the events inside the scope), item by item.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import astuple, dataclass, fields
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from ..codes.identifiers import ItemKey, validate_lot
from ..codes.parsing import parse_code
from ..errors import InvalidInput, NotOnLedger, UnknownItem
from ..proofs.events import Action, AnchorKind
from ..untrusted import anchor_root
from .bulk import chunks
from .models import Anchor, ContainerContent, Event, Item, Party
from .queries import registration_leaf

__all__ = ["TrailEvent", "TrailScope", "trail", "trail_csv", "trail_of_items"]

_KINDS = ("item", "lot", "batch", "shipment")


@dataclass(frozen=True)
class TrailScope:
    """``item`` (any code form), ``lot`` (a GS1 AI 10 value), ``batch`` or ``shipment`` (a root)."""

    kind: str
    value: str

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise InvalidInput("trace scope", self.kind, "is not a scope", "item, lot, batch or shipment")
        if not self.value.strip():
            raise InvalidInput(f"{self.kind}", self.value, "is empty", f"a {self.kind} to trace")
        if self.kind in ("batch", "shipment"):
            object.__setattr__(self, "value", anchor_root(f"{self.kind} root", self.value))
        elif self.kind == "lot":
            validate_lot(self.value)

    @classmethod
    def parse(cls, text: str) -> TrailScope:
        """``kind:value``, e.g. ``lot:L1`` or ``shipment:0x…``.

        >>> TrailScope.parse("lot:L1")
        TrailScope(kind='lot', value='L1')
        """
        kind, _, value = text.partition(":")
        return cls(kind.strip().lower(), value.strip())

    @classmethod
    def for_item(cls, key: ItemKey) -> TrailScope:
        """The one-item scope of ``key``: that item's custody history.

        >>> TrailScope.for_item(ItemKey("09521234543213", "A/1"))
        TrailScope(kind='item', value='/01/09521234543213/21/A%2F1')
        """
        return cls("item", key.canonical)

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"


@dataclass(frozen=True)
class TrailEvent:
    item: str
    lot: str | None
    seq: int
    action: str
    biz_step: str
    disposition: str
    actor: str
    actor_address: str
    counterparty: str | None
    timestamp: int
    location: str
    event_hash: str
    previous_hash: str | None
    anchor_root: str
    anchor_kind: str
    signer: str
    signature: str | None
    tx_hash: str
    block_number: int
    container: str | None = None  # packing and unpacking: the SSCC of the case or pallet


def _item_ids(session: Session, scope: TrailScope) -> list[str]:
    if scope.kind == "item":
        key = parse_code(scope.value).key
        item_id = "0x" + key.item_id.hex()
        if session.get(Item, item_id) is None:
            raise UnknownItem(key.canonical)
        return [item_id]
    if scope.kind == "lot":
        ids = list(session.scalars(select(col(Item.item_id)).where(col(Item.lot) == scope.value)))
        if not ids:
            raise UnknownItem(f"of lot {scope.value}")
        return ids
    root = scope.value.lower()
    if scope.kind == "batch":
        ids = list(session.scalars(select(col(Item.item_id)).where(col(Item.batch_root) == root)))
        if not ids:
            raise NotOnLedger(f"batch {root}")
        return ids
    anchor = session.get(Anchor, root)
    if anchor is None or anchor.kind != AnchorKind.SHIPMENT:
        raise NotOnLedger(f"shipment {root}")
    return list(session.scalars(select(col(Event.item_id)).where(col(Event.anchor_root) == root)))


def trail(engine: Engine, scope: TrailScope) -> list[TrailEvent]:
    """The scope's items' events, item by item in key order, each item's from registration on."""
    with Session(engine) as s:
        ids = _item_ids(s, scope)
    return trail_of_items(engine, ids)


def trail_of_items(engine: Engine, ids: Iterable[str] | None) -> list[TrailEvent]:
    """The events of the items with these ids (None: every item), as :func:`trail` gives them."""
    with Session(engine) as s:
        if ids is None:
            ids = list(s.scalars(select(col(Item.item_id))))
        ids = list(ids)
        names = {p.address: p.name for p in s.scalars(select(Party))}
        items = sorted((i for chunk in chunks(ids) for i in s.scalars(select(Item).where(col(Item.item_id).in_(chunk)))),
                       key=lambda i: (i.gtin, i.serial))
        events: dict[str, list[Event]] = {i.item_id: [] for i in items}
        for chunk in chunks(ids):
            for event in s.scalars(select(Event).where(col(Event.item_id).in_(chunk))):
                events[event.item_id].append(event)
        roots = sorted({e.anchor_root for es in events.values() for e in es} | {i.batch_root for i in items})
        anchors = {a.root: a for chunk in chunks(roots) for a in s.scalars(select(Anchor).where(col(Anchor.root).in_(chunk)))}
        packing = [a.root for a in anchors.values() if a.kind == AnchorKind.PACKING]
        containers = {root: row.container for chunk in chunks(packing) for row in s.scalars(select(ContainerContent).where(
            or_(col(ContainerContent.packed_anchor).in_(chunk), col(ContainerContent.unpacked_anchor).in_(chunk))))
            for root in (row.packed_anchor, row.unpacked_anchor) if root in anchors}
    steps: list[TrailEvent] = []
    for item in items:
        key = item.key
        registration = anchors[item.batch_root]
        steps.append(TrailEvent(key, item.lot, 0, "register", "commissioning", "active", names.get(item.brand, item.brand),
                                item.brand, None, registration.timestamp or 0, "", registration_leaf(item), None,
                                item.batch_root, "registration", registration.party, registration.signature,
                                registration.tx_hash, registration.block_number))
        for event in sorted(events[item.item_id], key=lambda e: e.seq):
            action, anchor = Action(event.action), anchors[event.anchor_root]
            steps.append(TrailEvent(
                key, item.lot, event.seq, action.label, action.biz_step, action.disposition,
                names.get(event.actor, event.actor), event.actor,
                names.get(event.counterparty, event.counterparty) if int(event.counterparty, 16) else None,
                event.timestamp, event.location, event.event_hash, event.previous_hash, event.anchor_root,
                AnchorKind(anchor.kind).name.lower(), anchor.party, anchor.signature, anchor.tx_hash, anchor.block_number,
                containers.get(event.anchor_root)))
    return steps


def trail_csv(steps: Iterable[TrailEvent]) -> str:
    """CSV with a header row; time as Unix seconds and as ISO 8601 UTC, hashes and addresses as 0x-hex."""
    names = [f.name for f in fields(TrailEvent)]
    at = names.index("timestamp") + 1
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*names[:at], "time_utc", *names[at:]])
    for step in steps:
        values = ["" if v is None else v for v in astuple(step)]
        when = datetime.fromtimestamp(step.timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        writer.writerow([*values[:at], when, *values[at:]])
    return out.getvalue()
