"""The item state machine (:mod:`ledger.custody.state`) applied to index rows.

Reads the states it judges from the item rows (and, for items in transit, their shipment's
receiver), and checks an action on them before anything is signed or anchored; the error
names every item refused for the same reason.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from ..errors import NotHolder, StateConflict
from ..index.bulk import chunks
from ..index.models import Item, Party, Shipment, ShipmentState
from .state import Act, ItemState, check

__all__ = ["check_items", "check_receive", "item_keys", "load_states"]


def item_keys(items: Sequence[Item]) -> list[str]:
    return [f"/01/{i.gtin}/21/{i.serial}" for i in items]


def load_states(session: Session, item_ids: Sequence[str]) -> dict[str, ItemState]:
    """The state of each item in ``item_ids`` as the index records it."""
    query = select(col(Item.item_id), col(Item.brand), col(Item.custodian), col(Item.life_cycle), col(Item.stolen),
                   col(Item.recalled), col(Item.inspection), col(Item.open_shipment), col(Shipment.receiver)).outerjoin(
        Shipment, col(Shipment.root) == col(Item.open_shipment))
    return {row[0]: ItemState.from_columns(*row[1:]) for chunk in chunks(item_ids)
            for row in session.execute(query.where(col(Item.item_id).in_(chunk)))}


def check_items(engine: Engine, items: Sequence[Item], act: Act, skip_settled: bool = False) -> list[Item]:
    """The items ``act`` goes ahead on (all of them, unless ``skip_settled`` passes over some; see
    :func:`ledger.custody.state.check`); the refusal's error otherwise."""
    with Session(engine) as s:
        states = load_states(s, [i.item_id for i in items])
    go = check(item_keys(items), [states[i.item_id] for i in items], act, skip_settled)
    return [item for item, ok in zip(items, go, strict=True) if ok]


def check_receive(receiver: Party, shipment: Shipment) -> None:
    """The shipment as a whole: sent to ``receiver`` and still open (its items: :func:`check_items`)."""
    if shipment.receiver != receiver.address:
        raise NotHolder(receiver.name, "accept", [shipment.root], "that shipment was not sent to it")
    if shipment.state != ShipmentState.OPEN:
        raise StateConflict(f"shipment {shipment.root}", f"already {shipment.state}")
