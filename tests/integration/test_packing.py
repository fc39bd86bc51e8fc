"""Packing items into cases and cases into pallets; shipping a pallet; unpacking; the hierarchy over
time; the audit of it all — on every chain × database."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import text

from ledger.audit.auditor import audit
from ledger.audit.findings import FindingCode
from ledger.codes.identifiers import ItemKey
from ledger.custody.ledger import Ledger
from ledger.custody.packing import hierarchy, pack, unpack
from ledger.custody.registration import ItemSpec
from ledger.epcis.export import export_document
from ledger.epcis.schema import validate_document
from ledger.errors import ActionRefused, AlreadyPacked, InvalidCode, NotHolder, NotPacked, StateConflict
from ledger.index.models import Condition
from ledger.index.queries import item_status
from ledger.index.trail import TrailScope, trail
from ledger.proofs.events import Action

GTIN = "09521234543213"
KEYS = [ItemKey(GTIN, str(n)) for n in range(1, 7)]
CASE_A, CASE_B, PALLET = "095212340000000013", "095212340000000020", "095212340000000105"


@pytest.fixture
def stocked(ledger: Ledger) -> Ledger:
    ticks = itertools.count(1_760_000_000, 60)  # a minute between actions, so "at time t" is unambiguous
    ledger.clock = lambda: next(ticks)
    ledger.register("acme", [ItemSpec(GTIN, str(n), "L1") for n in range(1, 7)])
    return ledger


def test_pack_ship_receive_unpack_and_the_hierarchy_over_time(stocked: Ledger) -> None:
    first = pack(stocked, "acme", CASE_A, KEYS[:2], location="Eindhoven")
    pack(stocked, "acme", CASE_B, KEYS[2:4])
    palletised = pack(stocked, "acme", PALLET, containers=[CASE_A, CASE_B], keys=KEYS[4:5])
    assert (first.kind, first.count, palletised.count) == ("pack", 2, 5)  # the pallet's events cover every item in it
    tree = hierarchy(stocked, PALLET)
    assert tree.items == [KEYS[4].canonical] and [c.sscc for c in tree.containers] == [CASE_A, CASE_B]
    assert sorted(tree.all_items()) == sorted(k.canonical for k in KEYS[:5])

    shipment = stocked.ship("acme", "truck", [], containers=[PALLET], location="Rotterdam")
    assert shipment.count == 5
    stocked.receive("truck", shipment.root)
    assert {item_status(stocked.engine, k).custodian for k in KEYS[:5]} == {"truck"}
    assert item_status(stocked.engine, KEYS[5]).custodian == "acme"

    out = unpack(stocked, "truck", PALLET, containers=[CASE_B])
    assert out.count == 2 and [c.sscc for c in hierarchy(stocked, PALLET).containers] == [CASE_A]
    unpack(stocked, "truck", CASE_B)
    assert hierarchy(stocked, CASE_B).items == []
    # Back in time: the pallet as it left acme.
    steps = trail(stocked.engine, TrailScope("item", KEYS[2].canonical))
    assert [(s.action, s.container) for s in steps] == [
        ("register", None), ("pack", CASE_B), ("pack", PALLET), ("ship", None), ("receive", None), ("unpack", PALLET),
        ("unpack", CASE_B)]
    shipped_at = steps[3].timestamp
    assert [c.sscc for c in hierarchy(stocked, PALLET, at=shipped_at).containers] == [CASE_A, CASE_B]
    assert audit(stocked).clean

    document = export_document(stocked, TrailScope("lot", "L1"))
    validate_document(document)
    aggregations = [e for e in document["epcisBody"]["eventList"] if e["type"] == "AggregationEvent"]
    assert [(e["action"], e["bizStep"], e["parentID"]) for e in aggregations] == [
        ("ADD", "packing", "urn:epc:id:sscc:9521234.0000000001"), ("ADD", "packing", "urn:epc:id:sscc:9521234.0000000002"),
        ("ADD", "packing", "urn:epc:id:sscc:9521234.0000000010"), ("DELETE", "unpacking", "urn:epc:id:sscc:9521234.0000000010"),
        ("DELETE", "unpacking", "urn:epc:id:sscc:9521234.0000000002")]
    assert aggregations[2]["childEPCs"] == ["urn:epc:id:sgtin:9521234.054321.5", "urn:epc:id:sscc:9521234.0000000001",
                                            "urn:epc:id:sscc:9521234.0000000002"]


def test_packing_refusals(stocked: Ledger) -> None:
    pack(stocked, "acme", CASE_A, KEYS[:2])
    with pytest.raises(AlreadyPacked, match=f"cannot pack it into {CASE_B}: /01/{GTIN}/21/1 is already packed in container {CASE_A}"):
        pack(stocked, "acme", CASE_B, KEYS[:1])
    with pytest.raises(AlreadyPacked, match=f"ship it on its own .*already packed in container {CASE_A}"):
        stocked.ship("acme", "truck", KEYS[:1])
    with pytest.raises(NotPacked, match=f"cannot unpack /01/{GTIN}/21/3: it is not packed in {CASE_A}"):
        unpack(stocked, "acme", CASE_A, KEYS[2:3])
    with pytest.raises(NotPacked, match=f"cannot unpack {CASE_B}: it is not a container on this ledger"):
        unpack(stocked, "acme", CASE_B)
    with pytest.raises(NotHolder, match=f"truck cannot pack /01/{GTIN}/21/3: it does not hold them"):
        pack(stocked, "truck", CASE_B, KEYS[2:3])
    with pytest.raises(InvalidCode, match="SSCC '095212340000000014'"):
        pack(stocked, "acme", "095212340000000014", KEYS[2:3])
    with pytest.raises(StateConflict, match="cannot be packed into itself"):
        pack(stocked, "acme", CASE_A, containers=[CASE_A])
    pack(stocked, "acme", PALLET, containers=[CASE_A])
    with pytest.raises(StateConflict, match="is inside a container being packed into it"):
        pack(stocked, "acme", CASE_A, containers=[PALLET])
    with pytest.raises(AlreadyPacked, match=f"ship it on its own: {CASE_A} is already packed in container {PALLET}"):
        stocked.ship("acme", "truck", [], containers=[CASE_A])
    stocked.change_status("acme", Action.DESTROY, KEYS[5:6])
    with pytest.raises(ActionRefused, match="acme cannot pack .*/21/6: it is destroyed; nothing more can happen to it"):
        pack(stocked, "acme", CASE_B, KEYS[5:6])
    # A packed item leaves the supply chain only out of its case; recalls and theft reports reach it packed.
    for action in (Action.DESTROY, Action.DECOMMISSION):
        with pytest.raises(AlreadyPacked, match=f"cannot {action.label} it while it is packed .*already packed in container {CASE_A}"):
            stocked.change_status("acme", action, KEYS[:1])
    assert item_status(stocked.engine, KEYS[0]).status == "active"
    stocked.change_status("acme", Action.RECALL, lot="L1")
    assert item_status(stocked.engine, KEYS[0]).conditions == (Condition.RECALLED,)
    assert audit(stocked).clean


def test_a_retailer_sells_items_only_out_of_their_case(stocked: Ledger) -> None:
    pack(stocked, "acme", CASE_A, KEYS[:2])
    shipment = stocked.ship("acme", "shop", [], containers=[CASE_A])
    stocked.receive("shop", shipment.root)
    with pytest.raises(AlreadyPacked, match=f"cannot sell it while it is packed .*in container {CASE_A}"):
        stocked.change_status("shop", Action.SELL, KEYS[:1])
    unpack(stocked, "shop", CASE_A, KEYS[:1])
    stocked.change_status("shop", Action.SELL, KEYS[:1])
    assert [item_status(stocked.engine, k).status for k in KEYS[:2]] == ["sold", "active"]
    assert audit(stocked).clean


def test_audit_catches_a_forged_membership(stocked: Ledger) -> None:
    pack(stocked, "acme", CASE_A, KEYS[:2])
    pack(stocked, "acme", CASE_B, KEYS[2:3])
    with stocked.engine.begin() as conn:
        conn.execute(text("UPDATE containercontent SET container = :b WHERE child_item = :i"),
                     {"b": CASE_B, "i": "0x" + KEYS[0].item_id.hex()})
    [finding] = audit(stocked).findings
    assert finding.code is FindingCode.PACKING_MISMATCH and CASE_B in finding.detail


def test_audit_catches_a_container_moved_out_of_its_pallet(stocked: Ledger) -> None:
    pack(stocked, "acme", CASE_A, KEYS[:2])
    pack(stocked, "acme", PALLET, containers=[CASE_A])
    with stocked.engine.begin() as conn:
        conn.execute(text("UPDATE container SET parent = NULL WHERE sscc = :c"), {"c": CASE_A})
    [finding] = audit(stocked).findings
    assert (finding.code, finding.subject, finding.detail) == (FindingCode.PACKING_MISMATCH, f"container {CASE_A}", "parent is None")
