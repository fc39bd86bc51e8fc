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

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import Session, col

from ..codes.identifiers import ItemKey
from ..errors import AlreadyPacked, NotOnLedger, NotPacked, StateConflict
from ..index.bulk import chunks
from ..index.models import Container, Item
from ..index.write_lock import anchoring
from ..proofs.events import ZERO_ADDRESS, Action
from .containers import Sscc, contained_items, items_by_id, open_contents
from .rules import check_items
from .state import Act, Actor

if TYPE_CHECKING:
    from .ledger import ActionResult, Ledger

__all__ = ["ContainerTree", "Sscc", "hierarchy", "pack", "unpack"]


@dataclass(frozen=True)
class ContainerTree:
    sscc: str
    items: list[str] = field(default_factory=list)
    containers: list[ContainerTree] = field(default_factory=list)

    def all_items(self) -> list[str]:
        return self.items + [i for c in self.containers for i in c.all_items()]


def hierarchy(ledger: Ledger, sscc: str, at: int | None = None) -> ContainerTree:
    """What ``sscc`` holds now, or held at Unix time ``at``: its items (canonical keys) and containers."""
    box = Sscc.parse(sscc)
    with Session(ledger.engine) as s:
        if s.get(Container, box.value) is None:
            raise NotOnLedger(f"container {box}")
        rows = list(s.scalars(open_contents(s, at)))
        keys = {i.item_id: f"/01/{i.gtin}/21/{i.serial}" for chunk in chunks([r.child_item for r in rows if r.child_item])
                for i in s.scalars(select(Item).where(col(Item.item_id).in_(chunk)))}

    def tree(code: str) -> ContainerTree:
        mine = [r for r in rows if r.container == code]
        return ContainerTree(code, sorted(keys[r.child_item] for r in mine if r.child_item),
                             [tree(r.child_container) for r in sorted(mine, key=lambda r: r.child_container or "")
                              if r.child_container])

    return tree(box.value)


@anchoring
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
        current = list(s.scalars(open_contents(s)))
        for box in boxes:
            if s.get(Container, box) is None:
                raise NotOnLedger(f"container {box}")
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
    moved = items + items_by_id(ledger.engine, inside)
    if not moved:
        raise StateConflict(f"container {', '.join(boxes)}", "holds no items; there is nothing to pack")
    # Adding to a container that already holds goods needs those goods at hand too.
    check_items(ledger.engine, moved + items_by_id(ledger.engine, already_inside), Act(Action.PACK, Actor.of(actor)))
    packing = {"container": parent, "items": [i.item_id for i in items], "containers": boxes}
    return ledger.record_events(account, Action.PACK, moved, ZERO_ADDRESS, Sscc(parent).container_id, location, packing)


@anchoring
def unpack(ledger: Ledger, actor_name: str, container: str, keys: Sequence[ItemKey] = (), containers: Sequence[str] = (),
           location: str = "") -> ActionResult:
    """Take items and/or containers out of ``container``; with neither given, empty it."""
    actor, account = ledger.act_as(actor_name)
    parent = Sscc.parse(container).value
    boxes = [Sscc.parse(c).value for c in containers]
    with Session(ledger.engine) as s:
        if s.get(Container, parent) is None:
            raise NotPacked(parent, "is not a container on this ledger")
        rows = [r for r in s.scalars(open_contents(s)) if r.container == parent]
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
    moved = items_by_id(ledger.engine, item_ids + inside)
    if not moved:
        raise StateConflict(f"container {parent}", "holds no items; there is nothing to unpack")
    check_items(ledger.engine, moved, Act(Action.UNPACK, Actor.of(actor)))
    packing = {"container": parent, "items": item_ids, "containers": boxes}
    return ledger.record_events(account, Action.UNPACK, moved, ZERO_ADDRESS, Sscc(parent).container_id, location,
                                packing)


