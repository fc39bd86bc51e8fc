"""Packing hierarchy: items into cases, cases into pallets (EPCIS AggregationEvent ADD/DELETE).

Containers are identified by their SSCC (GS1 AI 00). Packing or unpacking is one signed,
anchored action (anchor kind PACKING): one ``PACK``/``UNPACK`` custody event for every item
it moves — the items given and every item inside the containers given — with the
container's id (``keccak256("/00/<SSCC>")``) as the signed message's reference. The index
keeps the direct children of each container with the anchors that packed and unpacked
them, so the hierarchy at any moment can be read back, and the audit can check every
membership against the signed packing events.

Shipping a container ships every item in it; unpacking restores the items as loose goods.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import biip
from biip.sscc import Sscc as _BiipSscc
from sqlalchemy import or_, select, update
from sqlmodel import Session, col

from ..codes.identifiers import ItemKey
from ..errors import AlreadyPacked, InvalidCode, NotHolder, NotPacked, StateConflict
from ..index.bulk import chunks
from ..index.models import Container, ContainerContent, Item
from ..index.write_lock import exclusive
from ..proofs.events import ZERO_ADDRESS, Action
from ..proofs.keccak import keccak256
from .rules import FINAL_STATUSES

if TYPE_CHECKING:
    from .ledger import ActionResult, Ledger

__all__ = ["ContainerTree", "Sscc", "contained_items", "hierarchy", "pack", "record_packing", "refuse_packed", "shipment_items",
           "unpack"]

_SHIP_ALONE = "ship it on its own (unpack it first, or ship the container)"


@dataclass(frozen=True)
class Sscc:
    """An 18-digit Serial Shipping Container Code, check digit verified by biip."""

    value: str

    @classmethod
    def parse(cls, text: str) -> Sscc:
        """Parse an SSCC: 18 digits, ``(00)…`` or ``00…``.

        >>> Sscc.parse("(00)376130321109103420").value
        '376130321109103420'
        """
        digits = text.strip().removeprefix("(00)")
        if len(digits) == 20 and digits.startswith("00"):
            digits = digits[2:]
        # ASCII only: biip also takes other scripts' digits, which would name a different container.
        if not (len(digits) == 18 and digits.isascii() and digits.isdigit()):
            raise InvalidCode("SSCC", text, "is not 18 digits 0-9", "18 digits with a valid GS1 check digit, or (00) and them")
        try:
            return cls(_BiipSscc.parse(digits).value)
        except biip.ParseError as exc:
            raise InvalidCode("SSCC", text, str(exc).rstrip("."), "18 digits with a valid GS1 check digit") from None

    @property
    def container_id(self) -> bytes:
        """The id the chain sees: keccak256 of the GS1 Digital Link path ``/00/<SSCC>``."""
        return keccak256(f"/00/{self.value}".encode())

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class ContainerTree:
    sscc: str
    items: list[str] = field(default_factory=list)
    containers: list[ContainerTree] = field(default_factory=list)

    def all_items(self) -> list[str]:
        return self.items + [i for c in self.containers for i in c.all_items()]


def _open(session: Session, at: int | None = None) -> Any:
    """The membership rows in force now, or at Unix time ``at``."""
    query = select(ContainerContent)
    if at is None:
        return query.where(col(ContainerContent.unpacked_anchor).is_(None))
    return query.where(col(ContainerContent.packed_at) <= at,
                       or_(col(ContainerContent.unpacked_at).is_(None), col(ContainerContent.unpacked_at) > at))


def hierarchy(ledger: Ledger, sscc: str, at: int | None = None) -> ContainerTree:
    """What ``sscc`` holds now, or held at Unix time ``at``: its items (canonical keys) and containers."""
    box = Sscc.parse(sscc)
    with Session(ledger.engine) as s:
        if s.get(Container, box.value) is None:
            raise StateConflict(f"container {box}", "is not on this ledger")
        rows = list(s.scalars(_open(s, at)))
        keys = {i.item_id: f"/01/{i.gtin}/21/{i.serial}" for chunk in chunks([r.child_item for r in rows if r.child_item])
                for i in s.scalars(select(Item).where(col(Item.item_id).in_(chunk)))}

    def tree(code: str) -> ContainerTree:
        mine = [r for r in rows if r.container == code]
        return ContainerTree(code, sorted(keys[r.child_item] for r in mine if r.child_item),
                             [tree(r.child_container) for r in sorted(mine, key=lambda r: r.child_container or "")
                              if r.child_container])

    return tree(box.value)


def contained_items(session: Session, ssccs: Iterable[str]) -> list[str]:
    """Item ids inside the containers (recursively), as packed now."""
    rows = list(session.scalars(_open(session)))
    children: dict[str, list[ContainerContent]] = {}
    for row in rows:
        children.setdefault(row.container, []).append(row)
    found: list[str] = []
    stack = list(ssccs)
    while stack:
        for row in children.get(stack.pop(), []):
            if row.child_item:
                found.append(row.child_item)
            elif row.child_container:
                stack.append(row.child_container)
    return found


def _items_by_id(ledger: Ledger, ids: Sequence[str]) -> list[Item]:
    with Session(ledger.engine) as s:
        found = {i.item_id: i for chunk in chunks(ids) for i in s.scalars(select(Item).where(col(Item.item_id).in_(chunk)))}
    return [found[i] for i in ids]


def shipment_items(ledger: Ledger, keys: Sequence[ItemKey], containers: Sequence[str]) -> list[Item]:
    """The items a shipment moves: the loose items given and everything in the containers given.

    An item packed in a container travels with it: shipping it alone is refused.
    """
    items = ledger.items(keys) if keys else []
    if not containers:
        refuse_packed(ledger, items, _SHIP_ALONE)
        return items
    boxes = [Sscc.parse(c).value for c in containers]
    with Session(ledger.engine) as s:
        for box in boxes:
            row = s.get(Container, box)
            if row is None:
                raise StateConflict(f"container {box}", "is not on this ledger")
            if row.parent is not None:
                raise AlreadyPacked(box, row.parent, "ship it on its own")
        inside = contained_items(s, boxes)
    if not inside:
        raise StateConflict(f"container {', '.join(boxes)}", "holds no items")
    refuse_packed(ledger, items, _SHIP_ALONE)
    ids = {i.item_id for i in items}
    return items + [i for i in _items_by_id(ledger, inside) if i.item_id not in ids]


def refuse_packed(ledger: Ledger, items: Sequence[Item], attempted: str) -> None:
    """AlreadyPacked if any of ``items`` is inside a container now; ``attempted`` says what cannot be done."""
    ids = [i.item_id for i in items]
    with Session(ledger.engine) as s:
        for chunk in chunks(ids):
            row = s.scalars(_open(s).where(col(ContainerContent.child_item).in_(chunk))).first()
            if row is not None and row.child_item is not None:
                key = next(f"/01/{i.gtin}/21/{i.serial}" for i in items if i.item_id == row.child_item)
                raise AlreadyPacked(key, row.container, attempted)


def _require_held(actor_name: str, actor: str, verb: str, items: Sequence[Item]) -> None:
    not_held = [f"/01/{i.gtin}/21/{i.serial}" for i in items
                if i.custodian != actor or i.open_shipment or i.status in FINAL_STATUSES or i.status == "stolen"]
    if not_held:
        raise NotHolder(actor_name, verb, not_held, "it does not hold them (or they are in transit, stolen, sold or gone)")


@exclusive
def pack(ledger: Ledger, actor_name: str, container: str, keys: Sequence[ItemKey] = (), containers: Sequence[str] = (),
         location: str = "") -> ActionResult:
    """Pack loose items and/or containers into ``container`` (created on first use)."""
    actor, account = ledger.act_as(actor_name)
    parent = Sscc.parse(container).value
    boxes = [Sscc.parse(c).value for c in containers]
    if not keys and not boxes:
        raise StateConflict(f"packing into {parent}", "nothing to pack: give item codes or containers")
    if parent in boxes:
        raise StateConflict(f"container {parent}", "cannot be packed into itself")
    items = ledger.items(keys) if keys else []
    with Session(ledger.engine) as s:
        current = list(s.scalars(_open(s)))
        for box in boxes:
            if s.get(Container, box) is None:
                raise StateConflict(f"container {box}", "is not on this ledger")
        # The new parent must not sit inside one of the containers being packed into it.
        ancestors, up = set(), parent
        parents = {r.child_container: r.container for r in current if r.child_container}
        while up in parents:
            up = parents[up]
            ancestors.add(up)
        if ancestors & set(boxes):
            raise StateConflict(f"container {parent}", "is inside a container being packed into it")
        inside = contained_items(s, boxes)
        already_inside = contained_items(s, [parent])
    in_parent = {r.child_item: r.container for r in current if r.child_item}
    for item in items:
        if item.item_id in in_parent:
            raise AlreadyPacked(f"/01/{item.gtin}/21/{item.serial}", in_parent[item.item_id], f"pack it into {parent}")
    for box in boxes:
        if box in parents:
            raise AlreadyPacked(box, parents[box], f"pack it into {parent}")
    moved = items + _items_by_id(ledger, inside)
    if not moved:
        raise StateConflict(f"container {', '.join(boxes)}", "holds no items; there is nothing to pack")
    # Adding to a container that already holds goods needs those goods at hand too.
    _require_held(actor.name, actor.address, "pack", moved + _items_by_id(ledger, already_inside))
    packing = {"container": parent, "items": [i.item_id for i in items], "containers": boxes}
    return ledger.record_events(account, Action.PACK, moved, ZERO_ADDRESS, Sscc(parent).container_id, location, packing)


@exclusive
def unpack(ledger: Ledger, actor_name: str, container: str, keys: Sequence[ItemKey] = (), containers: Sequence[str] = (),
           location: str = "") -> ActionResult:
    """Take items and/or containers out of ``container``; with neither given, empty it."""
    actor, account = ledger.act_as(actor_name)
    parent = Sscc.parse(container).value
    boxes = [Sscc.parse(c).value for c in containers]
    with Session(ledger.engine) as s:
        if s.get(Container, parent) is None:
            raise NotPacked(parent, "is not a container on this ledger")
        rows = [r for r in s.scalars(_open(s)) if r.container == parent]
        if not rows:
            raise NotPacked(parent, "is empty")
        items = ledger.items(keys) if keys else []
        held_items = {r.child_item for r in rows if r.child_item}
        held_boxes = {r.child_container for r in rows if r.child_container}
        for item in items:
            if item.item_id not in held_items:
                raise NotPacked(f"/01/{item.gtin}/21/{item.serial}", f"is not packed in {parent}")
        for box in boxes:
            if box not in held_boxes:
                raise NotPacked(box, f"is not packed in {parent}")
        if not items and not boxes:
            item_ids, boxes = sorted(i for i in held_items if i), sorted(b for b in held_boxes if b)
        else:
            item_ids = [i.item_id for i in items]
        inside = contained_items(s, boxes)
    moved = _items_by_id(ledger, item_ids + inside)
    if not moved:
        raise StateConflict(f"container {parent}", "holds no items; there is nothing to unpack")
    _require_held(actor.name, actor.address, "unpack", moved)
    packing = {"container": parent, "items": item_ids, "containers": boxes}
    return ledger.record_events(account, Action.UNPACK, moved, ZERO_ADDRESS, Sscc(parent).container_id, location,
                                packing)


def record_packing(session: Session, action: Action, packing: dict[str, Any], root: str, timestamp: int, actor: str) -> None:
    """The membership rows of a packing action, in the transaction that commits its events."""
    parent = packing["container"]
    if action is Action.PACK:
        if session.get(Container, parent) is None:
            session.add(Container(sscc=parent, created_by=actor, created_at=timestamp))
            session.flush()
        session.add_all([ContainerContent(container=parent, child_item=i, packed_anchor=root, packed_at=timestamp)
                         for i in packing["items"]])
        session.add_all([ContainerContent(container=parent, child_container=b, packed_anchor=root, packed_at=timestamp)
                         for b in packing["containers"]])
        if packing["containers"]:
            session.execute(update(Container).where(col(Container.sscc).in_(packing["containers"])).values(parent=parent))
        return
    still_open = (col(ContainerContent.container) == parent, col(ContainerContent.unpacked_anchor).is_(None))
    closing = {"unpacked_anchor": root, "unpacked_at": timestamp}
    for chunk in chunks(packing["items"]):
        session.execute(update(ContainerContent).where(*still_open, col(ContainerContent.child_item).in_(chunk)).values(closing))
    if packing["containers"]:
        session.execute(update(ContainerContent).where(*still_open, col(ContainerContent.child_container)
                                                       .in_(packing["containers"])).values(closing))
        session.execute(update(Container).where(col(Container.sscc).in_(packing["containers"])).values(parent=None))
