"""Containers: SSCCs, what is packed in what (now or at a time), and the packing rows an action commits.

The write path (:class:`~ledger.custody.ledger.Ledger`) and the pack/unpack verbs
(:mod:`ledger.custody.packing`) both read and write containers through this module, so neither
imports the other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import biip
from biip.sscc import Sscc as _BiipSscc
from sqlalchemy import or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from ..errors import AlreadyPacked, InvalidCode, NotOnLedger, StateConflict
from ..index.bulk import chunks
from ..index.models import Container, ContainerContent, Item
from ..proofs.events import Action
from ..proofs.keccak import keccak256

__all__ = ["SHIP_ALONE", "Sscc", "contained_items", "items_by_id", "open_contents", "record_packing",
           "refuse_packed", "shipment_items"]

SHIP_ALONE = "ship it on its own (unpack it first, or ship the container)"


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


def open_contents(session: Session, at: int | None = None) -> Any:
    """The membership rows in force now, or at Unix time ``at``."""
    query = select(ContainerContent)
    if at is None:
        return query.where(col(ContainerContent.unpacked_anchor).is_(None))
    return query.where(col(ContainerContent.packed_at) <= at,
                       or_(col(ContainerContent.unpacked_at).is_(None), col(ContainerContent.unpacked_at) > at))


def contained_items(session: Session, ssccs: Iterable[str]) -> list[str]:
    """Item ids inside the containers (recursively), as packed now."""
    rows = list(session.scalars(open_contents(session)))
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


def items_by_id(engine: Engine, ids: Sequence[str]) -> list[Item]:
    """The item rows of ``ids``, in that order."""
    with Session(engine) as s:
        found = {i.item_id: i for chunk in chunks(ids) for i in s.scalars(select(Item).where(col(Item.item_id).in_(chunk)))}
    return [found[i] for i in ids]


def shipment_items(engine: Engine, items: list[Item], containers: Sequence[str]) -> list[Item]:
    """The items a shipment moves: the loose ``items`` given and everything in the containers given.

    An item packed in a container travels with it: shipping it alone is refused.
    """
    if not containers:
        refuse_packed(engine, items, SHIP_ALONE)
        return items
    boxes = [Sscc.parse(c).value for c in containers]
    with Session(engine) as s:
        for box in boxes:
            row = s.get(Container, box)
            if row is None:
                raise NotOnLedger(f"container {box}")
            if row.parent is not None:
                raise AlreadyPacked(box, row.parent, "ship it on its own")
        inside = contained_items(s, boxes)
    if not inside:
        raise StateConflict(f"container {', '.join(boxes)}", "holds no items")
    refuse_packed(engine, items, SHIP_ALONE)
    ids = {i.item_id for i in items}
    return items + [i for i in items_by_id(engine, inside) if i.item_id not in ids]


def refuse_packed(engine: Engine, items: Sequence[Item], attempted: str) -> None:
    """AlreadyPacked if any of ``items`` is inside a container now; ``attempted`` says what cannot be done."""
    ids = [i.item_id for i in items]
    with Session(engine) as s:
        for chunk in chunks(ids):
            row = s.scalars(open_contents(s).where(col(ContainerContent.child_item).in_(chunk))).first()
            if row is not None and row.child_item is not None:
                key = next(i.key for i in items if i.item_id == row.child_item)
                raise AlreadyPacked(key, row.container, attempted)


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
