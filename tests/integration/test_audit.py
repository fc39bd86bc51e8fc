"""`audit` against a dishonest insider: every way of editing the index is caught, on every chain × database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from eth_account import Account as EthAccount
from sqlalchemy import Table, delete, insert, select, text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from ledger.audit.auditor import audit
from ledger.audit.findings import FindingCode
from ledger.audit.scope import AuditScope
from ledger.codes.identifiers import ItemKey
from ledger.custody.ledger import Ledger
from ledger.custody.registration import ItemSpec, serial_range
from ledger.custody.sync import sync
from ledger.errors import AuditScopeEmpty, InvalidInput, UnknownItem, UnknownParty
from ledger.geo import Location
from ledger.proofs.events import Action, AnchorKind
from ledger.proofs.merkle import MerkleTree, event_leaf

GTIN = "09521234543213"
KEYS = [ItemKey(GTIN, str(n)) for n in range(1, 7)]
# Parents before children: restored in this order, emptied in the reverse.
TABLES = ("party", "prefixbinding", "premises", "item", "event", "anchor", "batch", "shipment", "containercontent",
          "container")
HELD, PASSED = ("0x" + outcome.encode().ljust(32, b"\0").hex() for outcome in ("held", "passed"))


@dataclass(frozen=True)
class World:
    ledger: Ledger
    shipment: str
    receipt: str
    recall: str
    inspection: str

    def item_id(self, n: int) -> str:
        return "0x" + KEYS[n - 1].item_id.hex()

    def event(self, conn: Connection, n: int, seq: int) -> Any:
        return conn.execute(text("SELECT * FROM event WHERE item_id = :i AND seq = :s"),
                            {"i": self.item_id(n), "s": seq}).mappings().one()

    def address(self, name: str) -> str:
        return self.ledger.party(name).address


@pytest.fixture
def world(ledger: Ledger) -> World:
    """Items 1–6 of LOT1; 1–3 shipped to truck and received; lot recalled; 4 sold by shop; 5 held by customs.
    acme and shop have premises."""
    ledger.add_premises("acme", Location(51.4416, 5.4697, "Eindhoven plant"))
    ledger.add_premises("shop", Location(52.0907, 5.1214, "Utrecht store"))
    ledger.add_premises("shop", Location(52.3700, 4.8900, "Amsterdam store"))
    ledger.register("acme", (ItemSpec(GTIN, s, "LOT1") for s in serial_range(1, 6)))
    ledger.register("bolt", [ItemSpec("00614141123452", "A1")])
    shipment = ledger.ship("acme", "truck", KEYS[:3], location="Rotterdam")
    receipt = ledger.receive("truck", shipment.root, location="Antwerp")
    to_shop = ledger.ship("acme", "shop", KEYS[3:4])
    ledger.receive("shop", to_shop.root)
    ledger.change_status("shop", Action.SELL, KEYS[3:4])
    recall = ledger.change_status("acme", Action.RECALL, KEYS[4:6])
    inspection = ledger.inspect("customs", KEYS[4:5], "held", "Rotterdam")
    return World(ledger, shipment.root, receipt.root, recall.root, inspection.root)


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


def _swap_names(first: str, second: str) -> Callable[[World, Connection], None]:
    def tamper(_: World, conn: Connection) -> None:
        for old, new in ((first, "swapping"), (second, first), ("swapping", second)):
            conn.execute(text("UPDATE party SET name = :new WHERE name = :old"), {"old": old, "new": new})
    return tamper


def _swap_seqs(w: World, conn: Connection) -> None:
    first, second = w.event(conn, 1, 1), w.event(conn, 1, 2)
    conn.execute(text("UPDATE event SET seq = :s WHERE event_hash = :h"), {"s": 2, "h": first["event_hash"]})
    conn.execute(text("UPDATE event SET seq = :s WHERE event_hash = :h"), {"s": 1, "h": second["event_hash"]})


# What a dishonest insider might do to the index, and exactly the findings that give it away (the
# first code is the one that names the tampering; the others are its visible consequences). The audit
# is a function of the index and the chain alone: the same tampering gives the same findings on every
# run, backend and hash seed, whatever order the database returns its rows in.
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
    # Two events with one number replay in the order the chain anchored them (not the database's row
    # order): the ship before the receipt, so only the numbering is wrong.
    ("number two events alike", _sql("UPDATE event SET seq = 1 WHERE item_id = :i AND seq = 2",
                                     i=lambda w, _: w.item_id(1)), {FindingCode.SEQUENCE_GAP}),
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
     {FindingCode.ORPHANED_ANCHOR}),
    ("file an own anchor as another organisation's", _sql("UPDATE anchor SET local = false WHERE root = :r",
                                                          r=lambda w, _: w.recall), {FindingCode.ORPHANED_ANCHOR}),
    # The outcome of an inspection is the anchor's signed reference: a verdict reads it from the row. The
    # replay takes the outcome from the row too, so item 5 would be released: its row (still held) no longer
    # follows from its events, which is STATE_MISMATCH beside the broken signature.
    ("release held goods, dropping the signature", _sql("UPDATE anchor SET reference = :p, signature = NULL WHERE root = :r",
                                                        p=lambda *_: PASSED, r=lambda w, _: w.inspection),
     {FindingCode.BAD_SIGNATURE, FindingCode.STATE_MISMATCH}),
    ("release held goods, disowning the anchor", _sql("UPDATE anchor SET reference = :p, local = false WHERE root = :r",
                                                      p=lambda *_: PASSED, r=lambda w, _: w.inspection),
     {FindingCode.SIGNED_MESSAGE_MISMATCH, FindingCode.ORPHANED_ANCHOR, FindingCode.STATE_MISMATCH}),
    # The directory: what verdicts and custody checks read besides items, events and anchors. The replay
    # judges each event by the roles the index gives its parties, so a role taken from a party that acted
    # (shop sold item 4 as a retailer, customs inspected item 5 as an officer) also breaks a custody rule
    # at that event; truck's received goods a retailer may receive too, so its change breaks none.
    ("give a prefix to another brand", _sql("UPDATE prefixbinding SET brand = :b WHERE prefix = '9521234'",
                                            b=lambda w, _: w.address("bolt")), {FindingCode.PREFIX_BINDING_ALTERED}),
    ("bind a prefix inside another brand's", _sql("INSERT INTO prefixbinding (prefix, brand) VALUES ('95212345', :b)",
                                                  b=lambda w, _: w.address("bolt")), {FindingCode.PREFIX_BINDING_ALTERED}),
    ("delete a prefix binding", _sql("DELETE FROM prefixbinding WHERE prefix = '0614141'"), {FindingCode.PREFIX_NOT_INDEXED}),
    ("make a carrier a retailer", _sql("UPDATE party SET role = 'retailer' WHERE name = 'truck'"),
     {FindingCode.PARTY_ROLE_MISMATCH}),
    ("make a retailer a carrier", _sql("UPDATE party SET role = 'carrier' WHERE name = 'shop'"),
     {FindingCode.PARTY_ROLE_MISMATCH, FindingCode.CUSTODY_RULE_BROKEN}),
    ("make an officer a brand", _sql("UPDATE party SET role = 'brand' WHERE name = 'customs'"),
     {FindingCode.PARTY_ROLE_MISMATCH, FindingCode.CUSTODY_RULE_BROKEN}),
    ("swap two parties' names", _swap_names("truck", "shop"), {FindingCode.PARTY_KEY_MISMATCH, FindingCode.PROFILE_MISMATCH}),
    ("point a party's service URL elsewhere", _sql("UPDATE party SET service_url = 'https://evil.example' WHERE name = 'truck'"),
     {FindingCode.PROFILE_MISMATCH}),
    # Customs' inspection is then by a party the index does not know, which no rule lets inspect.
    ("delete a party", _sql("DELETE FROM party WHERE name = 'customs'"),
     {FindingCode.PARTY_KEY_MISMATCH, FindingCode.CUSTODY_RULE_BROKEN}),
    ("move a premises", _sql("UPDATE premises SET lat = 40.4168, lon = -3.7038 WHERE label = 'Utrecht store'"),
     {FindingCode.PREMISES_MISMATCH}),
    ("delete a premises", _sql("DELETE FROM premises WHERE label = 'Eindhoven plant'"), {FindingCode.PREMISES_MISMATCH}),
    ("give a party premises", _sql("INSERT INTO premises (party, lat, lon, label) VALUES (:p, 48.85, 2.35, 'Paris')",
                                   p=lambda w, _: w.address("truck")), {FindingCode.PREMISES_MISMATCH}),
    ("hand a premises to another party", _sql("UPDATE premises SET party = :p WHERE label = 'Amsterdam store'",
                                              p=lambda w, _: w.address("acme")), {FindingCode.PREMISES_MISMATCH}),
]


def _snapshot(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    return {name: [dict(r) for r in conn.execute(select(_table(name))).mappings()] for name in TABLES}


def _restore(conn: Connection, snapshot: dict[str, list[dict[str, Any]]]) -> None:
    for name in reversed(TABLES):
        conn.execute(delete(_table(name)))
    for name in TABLES:
        if snapshot[name]:
            conn.execute(insert(_table(name)), snapshot[name])


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def test_every_tampering_is_caught_and_a_clean_ledger_audits_clean(world: World) -> None:
    report = audit(world.ledger)
    assert report.clean, [str(f) for f in report.findings]
    assert (report.items, report.events, report.anchors) == (7, 12, 9)
    with world.ledger.engine.begin() as conn:
        snapshot = _snapshot(conn)
    caught = {}
    for name, tamper, _ in TAMPERING:
        with world.ledger.engine.begin() as conn:
            tamper(world, conn)
        caught[name] = {f.code for f in audit(world.ledger).findings}
        with world.ledger.engine.begin() as conn:
            _restore(conn, snapshot)
    assert caught == {name: codes for name, _, codes in TAMPERING}
    assert audit(world.ledger).clean


def test_findings_say_what_differs_and_what_the_chain_says(world: World) -> None:
    with world.ledger.engine.begin() as conn:
        conn.execute(text("UPDATE item SET custodian = :c WHERE item_id = :i"), {"c": world.address("shop"), "i": world.item_id(1)})
    [finding] = audit(world.ledger).findings
    assert finding.subject == f"item {KEYS[0].canonical}"
    assert finding.detail == f"custodian is {world.address('shop')}"
    assert finding.expected == f"{world.address('truck')}, from its 2 events"


def test_directory_findings_say_what_differs_and_what_the_chain_says(world: World) -> None:
    acme, bolt = world.address("acme"), world.address("bolt")
    with world.ledger.engine.begin() as conn:
        conn.execute(text("UPDATE prefixbinding SET brand = :b WHERE prefix = '9521234'"), {"b": bolt})
        conn.execute(text("UPDATE party SET role = 'retailer' WHERE name = 'truck'"))
    findings = {f.code: f for f in audit(world.ledger).findings}
    assert set(findings) == {FindingCode.PREFIX_BINDING_ALTERED, FindingCode.PARTY_ROLE_MISMATCH}
    binding = findings[FindingCode.PREFIX_BINDING_ALTERED]
    assert (binding.subject, binding.detail, binding.expected) == ("prefix 9521234", f"is bound to {bolt}",
                                                                   f"{acme} (prefixOwner)")
    role = findings[FindingCode.PARTY_ROLE_MISMATCH]
    assert (role.subject, role.detail) == ("party truck", "role is retailer, which needs CUSTODIAN and RETAILER on chain")
    assert role.expected == f"a role that {world.address('truck')} holds: it holds CUSTODIAN, CARRIER (hasRole)"


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


def test_an_anchor_of_this_homes_party_without_its_rows_is_orphaned(ledger: Ledger) -> None:
    """As a lost receipt used to leave it: the anchor mined, the journal entry gone, `ledger sync` filing it as foreign."""
    ledger.register("acme", [ItemSpec(GTIN, "1")])
    own_root = MerkleTree.build([event_leaf(b"\x05" * 32)]).root
    ledger.chain.anchor_events(ledger.keystore.unlock("truck"), own_root, AnchorKind.SHIPMENT, 1, bytes(32))
    # Another organisation's carrier (its key is not in this home) anchors too: its rows are not expected here.
    stranger = EthAccount.create()
    ledger.chain.fund(stranger.address, 10**18)
    ledger.chain.grant_role(ledger.keystore.unlock("admin"), "CUSTODIAN", stranger.address)
    foreign_root = MerkleTree.build([event_leaf(b"\x06" * 32)]).root
    ledger.chain.anchor_events(stranger, foreign_root, AnchorKind.SHIPMENT, 1, bytes(32))
    assert {(f.code, f.subject) for f in audit(ledger).findings} == {
        (FindingCode.ORPHANED_ANCHOR, f"anchor 0x{own_root.hex()}"),
        (FindingCode.ANCHOR_NOT_INDEXED, f"anchor 0x{foreign_root.hex()}")}
    sync(ledger)
    [finding] = audit(ledger).findings
    assert (finding.code, finding.subject) == (FindingCode.ORPHANED_ANCHOR, f"anchor 0x{own_root.hex()}")
    assert finding.detail.startswith("anchored by truck, a party of this home (#1, shipment, tx 0x")
    assert finding.detail.endswith("but is filed as another organisation's anchor")
