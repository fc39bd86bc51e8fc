"""Custody rules: who may ship, receive or change the status of which items.

Pure functions over index rows; they raise the domain error that says exactly what is
wrong, before anything is signed or anchored.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..chain.roles import Role
from ..errors import NotHolder, RoleError, StateConflict
from ..index.models import Item, Party, Shipment
from ..proofs.events import Action

__all__ = ["FINAL_STATUSES", "STATUS_OF", "check_receive", "check_ship", "check_status_change"]

FINAL_STATUSES = {"destroyed", "decommissioned", "sold"}
STATUS_OF = {
    Action.RECALL: "recalled",
    Action.REPORT_STOLEN: "stolen",
    Action.SELL: "sold",
    Action.DESTROY: "destroyed",
    Action.DECOMMISSION: "decommissioned",
}


def _keys(items: Sequence[Item]) -> list[str]:
    return [f"/01/{i.gtin}/21/{i.serial}" for i in items]


def check_ship(sender: Party, receiver: Party, items: Sequence[Item]) -> None:
    if not Role(sender.role).holds_goods:
        raise RoleError(sender.name, "ship goods", "brand, carrier, distributor or retailer")
    if not Role(receiver.role).holds_goods:
        raise RoleError(receiver.name, "receive goods", "brand, carrier, distributor or retailer")
    if receiver.address == sender.address:
        raise StateConflict(f"shipment from {sender.name}", "sender and receiver are the same party")
    not_held = [i for i in items if i.custodian != sender.address]
    if not_held:
        raise NotHolder(sender.name, "ship", _keys(not_held), "it does not hold them")
    in_transit = [i for i in items if i.open_shipment]
    if in_transit:
        raise NotHolder(sender.name, "ship", _keys(in_transit), f"already shipped in {in_transit[0].open_shipment}")
    blocked = [i for i in items if i.status in FINAL_STATUSES or i.status == "stolen"]
    if blocked:
        raise NotHolder(sender.name, "ship", _keys(blocked), f"the item is {blocked[0].status}")


def check_receive(receiver: Party, shipment: Shipment) -> None:
    if shipment.receiver != receiver.address:
        raise NotHolder(receiver.name, "accept", [shipment.root], "that shipment was not sent to it")
    if shipment.state != "open":
        raise StateConflict(f"shipment {shipment.root}", f"already {shipment.state}")


def check_status_change(actor: Party, action: Action, items: Sequence[Item]) -> None:
    role = Role(actor.role)
    status = STATUS_OF[action]
    if action is Action.RECALL:
        if role is not Role.BRAND:
            raise RoleError(actor.name, "recall goods", "brand")
        foreign = [i for i in items if i.brand != actor.address]
        if foreign:
            raise NotHolder(actor.name, "recall", _keys(foreign), "they are another brand's goods")
    elif action is Action.REPORT_STOLEN:
        if role not in (Role.BRAND, Role.OFFICER) and not role.holds_goods:
            raise RoleError(actor.name, "report goods stolen", "brand, custodian or officer")
        if role is not Role.OFFICER:
            unrelated = [i for i in items if actor.address not in (i.brand, i.custodian)]
            if unrelated:
                raise NotHolder(actor.name, "report stolen", _keys(unrelated), "it neither made nor holds them")
    elif action is Action.SELL:
        if role is not Role.RETAILER:
            raise RoleError(actor.name, "sell to a consumer", "retailer")
        _require_held(actor, "sell", items)
    else:
        if not role.holds_goods:
            raise RoleError(actor.name, action.label, "brand or custodian")
        _require_held(actor, action.label, items)
    done = [i for i in items if i.status == status]
    if done:
        raise StateConflict(f"{_keys(done)[0]}" + (f" and {len(done) - 1} more" if len(done) > 1 else ""),
                            f"already {status}")
    final = [i for i in items if i.status in FINAL_STATUSES]
    if final:
        raise StateConflict(_keys(final)[0], f"is {final[0].status}; nothing more can happen to it")


def _require_held(actor: Party, verb: str, items: Sequence[Item]) -> None:
    not_held = [i for i in items if i.custodian != actor.address or i.open_shipment]
    if not_held:
        raise NotHolder(actor.name, verb, _keys(not_held), "it does not hold them (or they are in transit)")
