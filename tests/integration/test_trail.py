"""Audit trails of an item, a lot, a batch and a shipment, and their CSV, on every chain × database."""

from __future__ import annotations

import csv
import io

import pytest

from ledger.codes.identifiers import ItemKey
from ledger.custody.ledger import Ledger
from ledger.custody.registration import ItemSpec
from ledger.errors import InvalidInput, NotOnLedger, UnknownItem
from ledger.index.trail import TrailScope, trail, trail_csv
from ledger.proofs.events import Action
from ledger.proofs.typed_data import ActionMessage, recover

GTIN = "09521234543213"
KEYS = [ItemKey(GTIN, str(n)) for n in range(1, 5)]


def test_trails_by_item_lot_batch_and_shipment(ledger: Ledger) -> None:
    batch = ledger.register("acme", [ItemSpec(GTIN, "1", "L1"), ItemSpec(GTIN, "2", "L1"), ItemSpec(GTIN, "3", "L2")])
    ledger.register("acme", [ItemSpec(GTIN, "4", "L1")])
    shipment = ledger.ship("acme", "truck", KEYS[:2], location="Rotterdam")
    receipt = ledger.receive("truck", shipment.root, location="Antwerp")
    ledger.change_status("acme", Action.RECALL, KEYS[2:3])

    steps = trail(ledger.engine, TrailScope("item", "(01)09521234543213(21)1"))
    assert [(s.seq, s.action, s.biz_step, s.disposition, s.actor, s.counterparty, s.location) for s in steps] == [
        (0, "register", "commissioning", "active", "acme", None, ""),
        (1, "ship", "shipping", "in_transit", "acme", "truck", "Rotterdam"),
        (2, "receive", "receiving", "in_progress", "truck", "acme", "Antwerp")]
    assert steps[1].previous_hash == steps[0].event_hash and steps[2].previous_hash == steps[1].event_hash
    assert (steps[0].anchor_root, steps[2].anchor_root, steps[2].anchor_kind) == (batch.root, receipt.root, "receipt")
    assert (steps[2].tx_hash, steps[2].block_number) == (receipt.tx_hash, receipt.block_number)
    # The signature in the trail is the receiver's, over the receipt's events root.
    message = ActionMessage(2, int(Action.RECEIVE), bytes.fromhex(receipt.root[2:]), 2, ledger.party("acme").address,
                            steps[2].timestamp, bytes.fromhex(shipment.root[2:]))
    assert recover(message, ledger.domain, bytes.fromhex(steps[2].signature[2:])) == steps[2].signer  # type: ignore[index]

    assert {s.item for s in trail(ledger.engine, TrailScope("lot", "L1"))} == {k.canonical for k in (KEYS[0], KEYS[1], KEYS[3])}
    assert [(s.item, s.action) for s in trail(ledger.engine, TrailScope("batch", batch.root)) if s.item == KEYS[2].canonical] == [
        (KEYS[2].canonical, "register"), (KEYS[2].canonical, "recall")]
    assert len(trail(ledger.engine, TrailScope("shipment", shipment.root))) == 6

    rows = list(csv.DictReader(io.StringIO(trail_csv(steps))))
    assert [r["action"] for r in rows] == ["register", "ship", "receive"]
    assert rows[0]["counterparty"] == "" and rows[2]["tx_hash"] == receipt.tx_hash and rows[2]["time_utc"].endswith("Z")


@pytest.mark.parametrize(("scope", "error", "message"), [
    ("item:/01/09521234543213/21/99", UnknownItem, "item /01/09521234543213/21/99 is not registered"),
    ("lot:NOPE", UnknownItem, "item of lot NOPE is not registered"),
    ("batch:0x" + "00" * 32, NotOnLedger, "is not on this ledger"),
    ("shipment:0x" + "00" * 32, NotOnLedger, "is not on this ledger"),
])
def test_unknown_scopes(ledger: Ledger, scope: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        trail(ledger.engine, TrailScope.parse(scope))


@pytest.mark.parametrize(("scope", "message"), [
    ("pallet:x", "is not a scope"), ("lot:", "is empty"), ("shipment:0x12", "is not a 32-byte hex root")])
def test_malformed_scopes(scope: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        TrailScope.parse(scope)


def test_a_serial_with_a_slash_has_one_key_everywhere(ledger: Ledger) -> None:
    """Trail, CSV and the item key agree on the percent-encoded form (`A/1` is written `A%2F1`)."""
    key = ItemKey(GTIN, "A/1")
    ledger.register("acme", [ItemSpec(GTIN, "A/1")])
    steps = trail(ledger.engine, TrailScope.for_item(key))
    assert {s.item for s in steps} == {key.canonical} == {f"/01/{GTIN}/21/A%2F1"}
    assert f"/01/{GTIN}/21/A%2F1" in trail_csv(steps) and "/21/A/1" not in trail_csv(steps)
