"""`audit` against a dishonest insider: every way of editing the index is caught, on every chain × database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Table, delete, insert, select, text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from ledger.audit.auditor import audit
from ledger.audit.findings import FindingCode
from ledger.audit.scope import AuditScope
from ledger.codes.identifiers import ItemKey
from ledger.custody.ledger import Ledger
from ledger.custody.registration import ItemSpec, serial_range
from ledger.errors import AuditScopeEmpty, InvalidInput, UnknownItem, UnknownParty
from ledger.proofs.events import Action

GTIN = "09521234543213"
KEYS = [ItemKey(GTIN, str(n)) for n in range(1, 7)]
TABLES = ("item", "event", "anchor", "batch", "shipment", "containercontent", "container")


@dataclass(frozen=True)
class World:
    ledger: Ledger
    shipment: str
    receipt: str
    recall: str

    def item_id(self, n: int) -> str:
        return "0x" + KEYS[n - 1].item_id.hex()

    def event(self, conn: Connection, n: int, seq: int) -> Any:
        return conn.execute(text("SELECT * FROM event WHERE item_id = :i AND seq = :s"),
                            {"i": self.item_id(n), "s": seq}).mappings().one()

    def address(self, name: str) -> str:
        return self.ledger.party(name).address


@pytest.fixture
def world(ledger: Ledger) -> World:
    """Items 1–6 of LOT1; 1–3 shipped to truck and received; lot recalled; 4 sold by shop."""
    ledger.register("acme", (ItemSpec(GTIN, s, "LOT1") for s in serial_range(1, 6)))
    ledger.register("bolt", [ItemSpec("00614141123452", "A1")])
    shipment = ledger.ship("acme", "truck", KEYS[:3], location="Rotterdam")
    receipt = ledger.receive("truck", shipment.root, location="Antwerp")
    to_shop = ledger.ship("acme", "shop", KEYS[3:4])
    ledger.receive("shop", to_shop.root)
    ledger.change_status("shop", Action.SELL, KEYS[3:4])
    recall = ledger.change_status("acme", Action.RECALL, KEYS[4:6])
    return World(ledger, shipment.root, receipt.root, recall.root)


def _sql(statement: str, **values: Callable[[World, Connection], Any]) -> Callable[[World, Connection], None]:
    def tamper(w: World, conn: Connection) -> None:
        conn.execute(text(statement), {name: value(w, conn) for name, value in values.items()})
    return tamper


def _insert_forged(anchor: Callable[[World], str]) -> Callable[[World, Connection], None]:
    """A sale of item 2 by shop, chained to the item's head: only the anchor gives it away."""
    def tamper(w: World, conn: Connection) -> None:
        head = w.event(conn, 2, 2)
        conn.execute(text("INSERT INTO event (event_hash, item_id, seq, action, actor, counterparty, timestamp, "
                          "previous_hash, location, anchor_root) VALUES (:h, :i, 3, 5, :a, :c, :t, :p, '', :r)"),
                     {"h": "0x" + "ee" * 32, "i": w.item_id(2), "a": w.address("shop"), "c": "0x" + "00" * 20,
                      "t": head["timestamp"] + 1, "p": head["event_hash"], "r": anchor(w)})
        conn.execute(text("UPDATE item SET head_hash = :h WHERE item_id = :i"), {"h": "0x" + "ee" * 32, "i": w.item_id(2)})
    return tamper


def _swap_seqs(w: World, conn: Connection) -> None:
    first, second = w.event(conn, 1, 1), w.event(conn, 1, 2)
    conn.execute(text("UPDATE event SET seq = :s WHERE event_hash = :h"), {"s": 2, "h": first["event_hash"]})
    conn.execute(text("UPDATE event SET seq = :s WHERE event_hash = :h"), {"s": 1, "h": second["event_hash"]})


# What a dishonest insider might do to the index, and the findings that give it away (the
# first code is the one that names the tampering; the others are its visible consequences).
TAMPERING: list[tuple[str, Callable[[World, Connection], None], set[FindingCode]]] = [
    ("change a custodian", _sql("UPDATE item SET custodian = :c WHERE item_id = :i",
                                c=lambda w, _: w.address("shop"), i=lambda w, _: w.item_id(1)),
     {FindingCode.STATE_MISMATCH}),
    ("unsell an item", _sql("UPDATE item SET life_cycle = 'active' WHERE item_id = :i", i=lambda w, _: w.item_id(4)),
     {FindingCode.STATE_MISMATCH}),
    ("withdraw a recall", _sql("UPDATE item SET recalled = false WHERE item_id = :i", i=lambda w, _: w.item_id(5)),
     {FindingCode.STATE_MISMATCH}),
    ("mark an item stolen", _sql("UPDATE item SET stolen = true WHERE item_id = :i", i=lambda w, _: w.item_id(1)),
     {FindingCode.STATE_MISMATCH}),
    ("put an item on hold", _sql("UPDATE item SET inspection = 'held' WHERE item_id = :i", i=lambda w, _: w.item_id(2)),
     {FindingCode.STATE_MISMATCH}),
    ("write a life-cycle that does not exist", _sql("UPDATE item SET life_cycle = 'lost' WHERE item_id = :i",
                                                    i=lambda w, _: w.item_id(3)), {FindingCode.STATE_MISMATCH}),
    # A retailer may not recall: the replay says so, besides the broken hashes.
    ("turn a sale into a recall", _sql("UPDATE event SET action = 3 WHERE item_id = :i AND seq = 3",
                                       i=lambda w, _: w.item_id(4)),
     {FindingCode.EVENT_HASH_MISMATCH, FindingCode.EVENT_ANCHOR_MISMATCH, FindingCode.MERKLE_ROOT_MISMATCH,
      FindingCode.STATE_MISMATCH, FindingCode.CUSTODY_RULE_BROKEN}),
    ("reopen a shipment", _sql("UPDATE item SET open_shipment = :s WHERE item_id = :i",
                               s=lambda w, _: w.shipment, i=lambda w, _: w.item_id(2)), {FindingCode.STATE_MISMATCH}),
    ("delete an event", _sql("DELETE FROM event WHERE event_hash = :h", h=lambda w, c: w.event(c, 1, 1)["event_hash"]),
     {FindingCode.EVENT_CHAIN_BROKEN, FindingCode.SEQUENCE_GAP, FindingCode.MERKLE_ROOT_MISMATCH,
      FindingCode.CUSTODY_RULE_BROKEN}),
    ("insert a forged event under a real anchor", _insert_forged(lambda w: w.recall),
     {FindingCode.MERKLE_ROOT_MISMATCH, FindingCode.EVENT_ANCHOR_MISMATCH, FindingCode.EVENT_HASH_MISMATCH,
      FindingCode.STATE_MISMATCH, FindingCode.CUSTODY_RULE_BROKEN}),
    ("insert a forged event under a made-up anchor", _insert_forged(lambda w: "0x" + "ab" * 32),
     {FindingCode.EVENT_NOT_ANCHORED, FindingCode.EVENT_HASH_MISMATCH}),
    ("reorder events", _swap_seqs, {FindingCode.EVENT_CHAIN_BROKEN, FindingCode.ORDER_MISMATCH, FindingCode.HEAD_MISMATCH,
                                    FindingCode.STATE_MISMATCH, FindingCode.CUSTODY_RULE_BROKEN}),
    ("change a serial", _sql("UPDATE item SET serial = '99' WHERE item_id = :i", i=lambda w, _: w.item_id(3)),
     {FindingCode.ITEM_ID_MISMATCH, FindingCode.ITEM_NOT_REGISTERED, FindingCode.REGISTERED_ITEM_MISSING}),
    ("change a lot", _sql("UPDATE item SET lot = 'LOT2' WHERE item_id = :i", i=lambda w, _: w.item_id(3)),
     {FindingCode.ITEM_NOT_REGISTERED, FindingCode.REGISTERED_ITEM_MISSING, FindingCode.EVENT_CHAIN_BROKEN}),
    # Item 6's recall event is left behind without its item.
    ("delete an item", _sql("DELETE FROM item WHERE item_id = :i", i=lambda w, _: w.item_id(6)),
     {FindingCode.REGISTERED_ITEM_MISSING, FindingCode.ITEM_NOT_REGISTERED}),
    ("delete a whole batch's items", _sql("DELETE FROM item WHERE gtin = '00614141123452'"),
     {FindingCode.REGISTERED_ITEM_MISSING}),
    ("move an event elsewhere", _sql("UPDATE event SET location = 'Nowhere' WHERE event_hash = :h",
                                     h=lambda w, c: w.event(c, 2, 1)["event_hash"]),
     {FindingCode.EVENT_HASH_MISMATCH, FindingCode.MERKLE_ROOT_MISMATCH}),
    ("rewrite an item's head", _sql("UPDATE item SET head_hash = :h WHERE item_id = :i",
                                    h=lambda *_: "0x" + "12" * 32, i=lambda w, _: w.item_id(1)),
     {FindingCode.HEAD_MISMATCH}),
    ("edit an anchor's transaction", _sql("UPDATE anchor SET tx_hash = :t WHERE root = :r",
                                          t=lambda *_: "0x" + "34" * 32, r=lambda w, _: w.shipment),
     {FindingCode.ANCHOR_ROW_ALTERED}),
    ("edit an anchor's party", _sql("UPDATE anchor SET party = :p WHERE root = :r",
                                    p=lambda w, _: w.address("bolt"), r=lambda w, _: w.shipment),
     {FindingCode.ANCHOR_ROW_ALTERED}),
    ("back-date an anchor", _sql("UPDATE anchor SET timestamp = timestamp - 86400 WHERE root = :r",
                                 r=lambda w, _: w.receipt),
     {FindingCode.SIGNED_MESSAGE_MISMATCH, FindingCode.EVENT_ANCHOR_MISMATCH}),
    ("swap an anchor's signature", _sql("UPDATE anchor SET signature = (SELECT signature FROM anchor WHERE root = :o) "
                                        "WHERE root = :r", o=lambda w, _: w.recall, r=lambda w, _: w.shipment),
     {FindingCode.BAD_SIGNATURE}),
    ("redirect a shipment", _sql("UPDATE shipment SET receiver = :r WHERE root = :s",
                                 r=lambda w, _: w.address("shop"), s=lambda w, _: w.shipment), {FindingCode.SHIPMENT_MISMATCH}),
    ("reopen a received shipment", _sql("UPDATE shipment SET state = 'open', receipt_root = NULL WHERE root = :s",
                                        s=lambda w, _: w.shipment), {FindingCode.SHIPMENT_MISMATCH}),
    ("give a batch to another brand", _sql("UPDATE batch SET brand = :b WHERE company_prefix = '9521234'",
                                           b=lambda w, _: w.address("bolt")), {FindingCode.BATCH_ROW_ALTERED}),
    ("scribble over a signature", _sql("UPDATE anchor SET signature = :g WHERE root = :r",
                                       g=lambda *_: "0x" + "00" * 65, r=lambda w, _: w.recall), {FindingCode.BAD_SIGNATURE}),
    ("delete an anchor row", _sql("DELETE FROM anchor WHERE root = :r", r=lambda w, _: w.recall),
     {FindingCode.ANCHOR_NOT_INDEXED}),
]


def _snapshot(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    return {name: [dict(r) for r in conn.execute(select(_table(name))).mappings()] for name in TABLES}


def _restore(conn: Connection, snapshot: dict[str, list[dict[str, Any]]]) -> None:
    for name, rows in snapshot.items():
        conn.execute(delete(_table(name)))
        if rows:
            conn.execute(insert(_table(name)), rows)


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def test_every_tampering_is_caught_and_a_clean_ledger_audits_clean(world: World) -> None:
    report = audit(world.ledger)
    assert report.clean, [str(f) for f in report.findings]
    assert (report.items, report.events, report.anchors) == (7, 11, 8)
    with world.ledger.engine.begin() as conn:
        snapshot = _snapshot(conn)
    caught = {}
    for name, tamper, _ in TAMPERING:
        with world.ledger.engine.begin() as conn:
            tamper(world, conn)
        caught[name] = {f.code for f in audit(world.ledger).findings}
        with world.ledger.engine.begin() as conn:
            _restore(conn, snapshot)
    assert caught == {name: expected for name, _, expected in TAMPERING}
    assert audit(world.ledger).clean


def test_findings_say_what_differs_and_what_the_chain_says(world: World) -> None:
    with world.ledger.engine.begin() as conn:
        conn.execute(text("UPDATE item SET custodian = :c WHERE item_id = :i"), {"c": world.address("shop"), "i": world.item_id(1)})
    [finding] = audit(world.ledger).findings
    assert finding.subject == f"item {KEYS[0].canonical}"
    assert finding.detail == f"custodian is {world.address('shop')}"
    assert finding.expected == f"{world.address('truck')}, from its 2 events"


def test_scoped_audits(world: World) -> None:
    assert audit(world.ledger, AuditScope.parse("brand:acme")).items == 6
    assert audit(world.ledger, AuditScope.parse("brand:bolt")).items == 1
    one = audit(world.ledger, AuditScope("item", KEYS[0].canonical))
    assert (one.items, one.events, one.clean) == (1, 2, True)
    with world.ledger.engine.begin() as conn:
        conn.execute(text("UPDATE item SET stolen = true WHERE item_id = :i"), {"i": world.item_id(2)})
    assert audit(world.ledger, AuditScope.parse("brand:bolt")).clean
    [finding] = audit(world.ledger, AuditScope.parse("brand:acme")).findings
    assert finding.code is FindingCode.STATE_MISMATCH and finding.subject == f"item {KEYS[1].canonical}"


@pytest.mark.parametrize(("scope", "error", "message"), [
    ("brand:nobody", UnknownParty, "no party named 'nobody'"),
    ("brand:truck", AuditScopeEmpty, "nothing to audit in brand truck: truck has registered no batch"),
    ("batch:0x" + "00" * 32, AuditScopeEmpty, "no registration with this root"),
    ("item:/01/09521234543213/21/999", UnknownItem, "/01/09521234543213/21/999 is not registered"),
])
def test_unknown_or_empty_scopes_are_refused(ledger: Ledger, scope: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        audit(ledger, AuditScope.parse(scope))


def test_an_empty_ledger_is_refused(ledger: Ledger) -> None:
    with pytest.raises(AuditScopeEmpty, match="nothing has been anchored yet"):
        audit(ledger)


@pytest.mark.parametrize(("text_", "message"), [
    ("galaxy:x", "is not a scope"),
    ("brand:", "names no subject"),
    ("ledger:x", "takes no subject"),
    ("batch:0x12", "is not a 32-byte hex root"),
])
def test_malformed_scopes(text_: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        AuditScope.parse(text_)
