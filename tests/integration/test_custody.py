"""Two-party handovers and status changes, on every chain × database."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from ledger.codes.identifiers import ItemKey
from ledger.custody.ledger import Ledger
from ledger.custody.registration import ItemSpec, serial_range
from ledger.errors import ActionRefused, NotHolder, NotOnLedger, RoleError, StateConflict, UnknownItem
from ledger.index.models import Condition, Event, LifeCycle, Shipment, ShipmentState
from ledger.index.queries import item_status
from ledger.index.trail import TrailScope, trail
from ledger.proofs.events import Action, AnchorKind, CustodyEvent
from ledger.proofs.merkle import MerkleTree, event_leaf
from ledger.proofs.typed_data import ActionMessage, recover

GTIN = "09521234543213"
KEYS = [ItemKey(GTIN, str(n)) for n in range(1, 6)]


@pytest.fixture
def stocked(ledger: Ledger) -> Ledger:
    ledger.register("acme", (ItemSpec(GTIN, s, "LOT1") for s in serial_range(1, 10)))
    return ledger


def test_custody_moves_only_when_the_receiver_accepts(stocked: Ledger) -> None:
    shipment = stocked.ship("acme", "truck", KEYS[:3], location="Rotterdam")
    status = item_status(stocked.engine, KEYS[0])
    assert (status.custodian, status.in_transit_to) == ("acme", "truck")
    receipt = stocked.receive("truck", shipment.root, location="Antwerp")
    status = item_status(stocked.engine, KEYS[0])
    assert (status.custodian, status.in_transit_to) == ("truck", None)
    with Session(stocked.engine) as s:
        assert s.get(Shipment, shipment.root).state is ShipmentState.RECEIVED  # type: ignore[union-attr]
    steps = trail(stocked.engine, TrailScope.for_item(KEYS[0]))
    assert [(t.action, t.actor, t.counterparty, t.location) for t in steps] == [
        ("register", "acme", None, ""), ("ship", "acme", "truck", "Rotterdam"), ("receive", "truck", "acme", "Antwerp")]
    assert steps[2].anchor_root == receipt.root and steps[1].block_number < steps[2].block_number


def test_events_are_hash_chained_signed_and_anchored(stocked: Ledger) -> None:
    shipment = stocked.ship("acme", "truck", KEYS[:2])
    stocked.receive("truck", shipment.root)
    steps = trail(stocked.engine, TrailScope.for_item(KEYS[1]))
    with Session(stocked.engine) as s:
        events = [s.get(Event, step.event_hash) for step in steps[1:]]
        from ledger.index.models import Anchor

        anchor = s.get(Anchor, shipment.root)
    assert all(events) and anchor is not None
    ship_event, receive_event = events
    assert ship_event.previous_hash == steps[0].event_hash  # the registration leaf starts the chain
    assert receive_event.previous_hash == ship_event.event_hash
    rebuilt = CustodyEvent(bytes.fromhex(ship_event.item_id[2:]), Action(ship_event.action), ship_event.actor,
                           ship_event.counterparty, ship_event.timestamp, bytes.fromhex(ship_event.previous_hash[2:]),
                           ship_event.location)
    assert "0x" + rebuilt.hash.hex() == ship_event.event_hash
    root = bytes.fromhex(shipment.root[2:])
    with Session(stocked.engine) as s:
        siblings = [bytes.fromhex(e.event_hash[2:]) for e in s.exec(select(Event).where(Event.anchor_root == shipment.root))]
    tree = MerkleTree.build(event_leaf(h) for h in siblings)
    assert tree.root == root
    included, party, kind = stocked.chain.contract.functions.verifyEvent(root, rebuilt.hash, tree.proof(event_leaf(rebuilt.hash))).call()
    assert included and party == stocked.party("acme").address and kind == AnchorKind.SHIPMENT
    message = ActionMessage(int(AnchorKind.SHIPMENT), int(Action.SHIP), root, 2, stocked.party("truck").address,
                            ship_event.timestamp, bytes(32))
    assert recover(message, stocked.domain, bytes.fromhex(anchor.signature[2:])) == stocked.party("acme").address  # type: ignore[index]


def test_handover_refusals(stocked: Ledger) -> None:
    with pytest.raises(NotHolder, match="truck cannot ship /01/09521234543213/21/1: it does not hold them"):
        stocked.ship("truck", "shop", KEYS[:1])
    shipment = stocked.ship("acme", "truck", KEYS[:2])
    with pytest.raises(ActionRefused, match="acme cannot ship /01/09521234543213/21/2: it is in transit in shipment 0x"):
        stocked.ship("acme", "shop", KEYS[1:3])
    with pytest.raises(NotHolder, match="shop cannot accept .*: that shipment was not sent to it"):
        stocked.receive("shop", shipment.root)
    stocked.receive("truck", shipment.root)
    with pytest.raises(StateConflict, match="already received"):
        stocked.receive("truck", shipment.root)
    with pytest.raises(NotOnLedger, match="is not on this ledger"):
        stocked.receive("truck", "0x" + "ab" * 32)
    with pytest.raises(RoleError, match="customs may not receive goods"):
        stocked.ship("truck", "customs", KEYS[:1])
    with pytest.raises(UnknownItem, match="/01/09521234543213/21/999 is not registered"):
        stocked.ship("acme", "truck", [ItemKey(GTIN, "999")])


def test_status_changes(stocked: Ledger) -> None:
    recall = stocked.change_status("acme", Action.RECALL, lot="LOT1")
    assert (recall.count, recall.skipped) == (10, 0) and item_status(stocked.engine, KEYS[4]).status == "recalled"
    with pytest.raises(StateConflict, match="acme cannot recall /01/09521234543213/21/1: it is already recalled"):
        stocked.change_status("acme", Action.RECALL, KEYS[:1])
    stocked.change_status("customs", Action.REPORT_STOLEN, KEYS[:1], location="Port of Hamburg")
    status = item_status(stocked.engine, KEYS[0])
    assert (status.status, status.life_cycle, status.conditions) == ("stolen", LifeCycle.ACTIVE,
                                                                     (Condition.STOLEN, Condition.RECALLED))
    with pytest.raises(ActionRefused, match="acme cannot ship /01/09521234543213/21/1: it is reported stolen"):
        stocked.ship("acme", "truck", KEYS[:1])
    with pytest.raises(RoleError, match="acme may not sell to a consumer: that needs the retailer role"):
        stocked.change_status("acme", Action.SELL, KEYS[1:2])
    with pytest.raises(RoleError, match="truck may not recall goods"):
        stocked.change_status("truck", Action.RECALL, KEYS[1:2])
    with pytest.raises(NotHolder, match="bolt cannot recall .*another brand's goods"):
        stocked.change_status("bolt", Action.RECALL, KEYS[1:2])
    shipment = stocked.ship("acme", "shop", KEYS[1:2])  # recalled goods travel (back to the brand, say)
    stocked.receive("shop", shipment.root)
    with pytest.raises(ActionRefused, match="shop cannot sell /01/09521234543213/21/2: it is recalled"):
        stocked.change_status("shop", Action.SELL, KEYS[1:2])
    stocked.change_status("acme", Action.DESTROY, KEYS[2:3])
    with pytest.raises(ActionRefused, match="it is destroyed; nothing more can happen to it"):
        stocked.ship("acme", "truck", KEYS[2:3])


def test_a_lot_recall_reaches_sold_goods_and_skips_what_is_recalled(stocked: Ledger) -> None:
    """One unit sold, one recalled already, one destroyed: the recall reaches the sold one and passes over the others."""
    shipment = stocked.ship("acme", "shop", KEYS[:1])
    stocked.receive("shop", shipment.root)
    stocked.change_status("shop", Action.SELL, KEYS[:1])
    stocked.change_status("acme", Action.RECALL, KEYS[1:2])
    stocked.change_status("acme", Action.DESTROY, KEYS[2:3])
    recall = stocked.change_status("acme", Action.RECALL, lot="LOT1")
    assert (recall.count, recall.skipped) == (8, 2)
    sold = item_status(stocked.engine, KEYS[0])
    assert (sold.life_cycle, sold.conditions, sold.custodian) == (LifeCycle.SOLD, (Condition.RECALLED,), "shop")
    gone = item_status(stocked.engine, KEYS[2])
    assert (gone.life_cycle, gone.conditions) == (LifeCycle.DESTROYED, ())
    steps = trail(stocked.engine, TrailScope.for_item(KEYS[0]))
    assert [s.action for s in steps] == ["register", "ship", "receive", "sell", "recall"] and steps[-1].anchor_root == recall.root
    with pytest.raises(ActionRefused, match="acme cannot recall .* and 6 more: it is already recalled") as again:
        stocked.change_status("acme", Action.RECALL, lot="LOT1")
    assert again.value.settled


def test_an_item_on_hold_stays_until_an_inspection_passes_it(stocked: Ledger) -> None:
    stocked.inspect("customs", KEYS[:1], "held", "Port of Rotterdam")
    assert item_status(stocked.engine, KEYS[0]).conditions == (Condition.HELD,)
    with pytest.raises(ActionRefused, match=r"it is on hold after an inspection \(held\)"):
        stocked.ship("acme", "truck", KEYS[:1])
    stocked.change_status("acme", Action.RECALL, KEYS[:1])  # a recall still reaches it
    stocked.inspect("customs", KEYS[:1], "passed", "Port of Rotterdam")
    assert item_status(stocked.engine, KEYS[0]).conditions == (Condition.RECALLED,)
    stocked.ship("acme", "truck", KEYS[:1])
    with pytest.raises(RoleError, match="acme may not record inspections: that needs the officer role"):
        stocked.inspect("acme", KEYS[1:2], "passed", "Eindhoven")
