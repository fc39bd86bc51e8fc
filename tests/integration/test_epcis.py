"""EPCIS 2.0 export (and import) on every chain × database."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from ledger.audit.auditor import audit
from ledger.codes.identifiers import ItemKey
from ledger.custody.ledger import Ledger
from ledger.custody.packing import pack
from ledger.custody.registration import ItemSpec
from ledger.epcis.export import LEDGER_NAMESPACE, export_document, party_uri
from ledger.epcis.hashing import event_hash_id
from ledger.epcis.importer import import_document
from ledger.epcis.schema import validate_document
from ledger.errors import EpcisEventRefused, InvalidEpcis
from ledger.index.models import Anchor
from ledger.index.queries import item_status
from ledger.index.trail import TrailScope, trail
from ledger.proofs.events import Action

from .._epcis_reference import in_reference_order, reference_prehashes

# GS1's reference generator loads its bundled JSON-LD context with a deprecated importlib call.
pytestmark = pytest.mark.filterwarnings("ignore:open_text is deprecated:DeprecationWarning")

GTIN = "09521234543213"
KEYS = [ItemKey(GTIN, str(n)) for n in range(1, 4)]


@pytest.fixture
def moved(ledger: Ledger) -> Ledger:
    ledger.register("acme", [ItemSpec(GTIN, str(n), "L1") for n in range(1, 4)])
    shipment = ledger.ship("acme", "truck", KEYS[:2], location="9521234000017")
    ledger.receive("truck", shipment.root, location="Antwerp")
    ledger.change_status("acme", Action.DESTROY, KEYS[2:])
    return ledger


def test_export_is_schema_valid_with_hash_ids_epcs_and_parties(moved: Ledger) -> None:
    document = export_document(moved, TrailScope("lot", "L1"))
    validate_document(document)
    events = document["epcisBody"]["eventList"]
    assert [(e["type"], e["action"], e["bizStep"], e["disposition"]) for e in events] == [
        ("ObjectEvent", "ADD", "commissioning", "active"), ("ObjectEvent", "OBSERVE", "shipping", "in_transit"),
        ("ObjectEvent", "OBSERVE", "receiving", "in_progress"), ("ObjectEvent", "DELETE", "destroying", "destroyed")]
    for event in events:
        assert event["eventID"] == event_hash_id({k: v for k, v in event.items() if k != "eventID"}, document["@context"])
    assert events[0]["epcList"] == [f"urn:epc:id:sgtin:9521234.054321.{n}" for n in (1, 2, 3)]
    acme, truck = (party_uri(moved.chain.chain_id, moved.party(n).address) for n in ("acme", "truck"))
    assert events[1]["readPoint"] == {"id": "https://id.gs1.org/414/9521234000017"}
    assert (events[1]["sourceList"][0]["source"], events[1]["destinationList"][0]["destination"]) == (acme, truck)
    assert (events[2]["ledger:actor"], events[2]["ledger:location"]) == (truck, "Antwerp")
    proof = events[2]["ledger:proof"]
    assert proof["ledger:signer"] == truck and len(proof["ledger:events"]) == 2


def test_exported_event_hashes_agree_with_gs1s_reference_generator(moved: Ledger) -> None:
    """A partner recomputing the eventIDs with GS1's reference generator gets ours, a packing event included
    (its anchor kind was the bare word 'packing', which the reference rewrote to the bizStep's URI)."""
    pack(moved, "truck", "095212340000000013", KEYS[:2])
    document = export_document(moved, TrailScope("lot", "L1"))
    events = document["epcisBody"]["eventList"]
    assert [e["bizStep"] for e in events] == ["commissioning", "shipping", "receiving", "destroying", "packing"]
    assert events[4]["ledger:proof"]["ledger:anchorKind"] == LEDGER_NAMESPACE + "AnchorKind-packing"
    bare = [{k: v for k, v in e.items() if k != "eventID"} for e in events]
    published = reference_prehashes(document)
    assert published == [in_reference_order(e, document["@context"]) for e in bare]
    for event, prehash_ in zip(events, published, strict=True):
        if "sourceList" not in event:  # the reference orders sourceList and destinationList otherwise (tests/_epcis_reference.py)
            assert event["eventID"] == f"ni:///sha-256;{hashlib.sha256(prehash_.encode()).hexdigest()}?ver=CBV2.0"


CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", {"ledger": "https://ns.provenance-ledger.example/epcis/"}]
SGTIN = "urn:epc:id:sgtin:9521234.054321.{}"
CASE = "urn:epc:id:sscc:9521234.0000000001"


def _doc(*events: dict[str, object]) -> bytes:
    body = [{"eventTime": "2026-01-01T10:00:00.000+01:00", "eventTimeZoneOffset": "+01:00", **e} for e in events]
    return json.dumps({"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0",
                       "creationDate": "2026-01-01T10:00:00Z", "epcisBody": {"eventList": body}}).encode()


def _ship(ledger: Ledger, to: str, *serials: int) -> dict[str, object]:
    return {"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "shipping", "disposition": "in_transit",
            "epcList": [SGTIN.format(n) for n in serials], "readPoint": {"id": "urn:epc:id:sgln:9521234.00001.0"},
            "destinationList": [{"type": "possessing_party", "destination": party_uri(ledger.chain.chain_id, ledger.party(to).address)}]}


def _receive(*serials: int) -> dict[str, object]:
    return {"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "receiving", "disposition": "in_progress",
            "epcList": [SGTIN.format(n) for n in serials], "ledger:location": "Antwerp"}


def _status(step: str, disposition: str | None, *serials: int) -> dict[str, object]:
    return {"type": "ObjectEvent", "action": "OBSERVE", "bizStep": step, "epcList": [SGTIN.format(n) for n in serials],
            **({"disposition": disposition} if disposition else {})}


def _pack(action: str, *serials: int) -> dict[str, object]:
    return {"type": "AggregationEvent", "action": action, "bizStep": "packing" if action == "ADD" else "unpacking",
            "parentID": CASE, "childEPCs": [SGTIN.format(n) for n in serials]}


@pytest.fixture
def registered(ledger: Ledger) -> Ledger:
    ledger.register("acme", [ItemSpec(GTIN, str(n), "L1") for n in range(1, 4)])
    return ledger


def test_export_keeps_theft_and_recall_as_persistent_dispositions(registered: Ledger) -> None:
    """A receipt after a recall sets disposition in_progress; the recall must outlast it for a partner."""
    registered.change_status("customs", Action.REPORT_STOLEN, KEYS[:1])
    registered.change_status("acme", Action.RECALL, lot="L1")
    shipment = registered.ship("acme", "truck", KEYS[1:2])
    registered.receive("truck", shipment.root)
    document = export_document(registered, TrailScope("lot", "L1"))
    validate_document(document)
    events = document["epcisBody"]["eventList"]
    assert [(e["bizStep"], e["disposition"], e.get("persistentDisposition")) for e in events] == [
        ("commissioning", "active", None), ("holding", "stolen", {"set": ["stolen"]}),
        ("holding", "recalled", {"set": ["recalled"]}), ("shipping", "in_transit", None), ("receiving", "in_progress", None)]
    for event in events:
        assert event["eventID"] == event_hash_id({k: v for k, v in event.items() if k != "eventID"}, document["@context"])


def test_import_applies_a_whole_document(registered: Ledger) -> None:
    done = import_document(registered, _doc(
        {"type": "ObjectEvent", "action": "ADD", "bizStep": "commissioning", "epcList": [SGTIN.format(1)]},
        _pack("ADD", 1, 2), _ship(registered, "truck", 3)), "acme")
    assert [(d.action, d.count) for d in done] == [("skipped", 0), ("pack", 2), ("ship", 1)]
    assert item_status(registered.engine, KEYS[2]).in_transit_to == "truck"
    assert item_status(registered.engine, KEYS[2]).custodian == "acme"
    import_document(registered, _doc(_receive(3), {"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "holding",
                                                   "disposition": "stolen", "epcList": [SGTIN.format(3)]}), "truck")
    status = item_status(registered.engine, KEYS[2])
    assert (status.custodian, status.status) == ("truck", "stolen")
    steps = trail(registered.engine, TrailScope("item", KEYS[2].canonical))
    assert [(s.action, s.location) for s in steps] == [("register", ""), ("ship", "9521234000013"), ("receive", "Antwerp"),
                                                       ("report stolen", "")]
    assert audit(registered).clean


def _anchor_count(ledger: Ledger) -> int:
    with Session(ledger.engine) as s:
        return len(list(s.exec(select(Anchor))))


@pytest.mark.parametrize(("document", "error", "message"), [
    (lambda _: b"{", InvalidEpcis, "is not JSON"),
    (lambda _: b"[" * 300_000 + b"]" * 300_000, InvalidEpcis, "is nested too deeply"),  # killed the process once
    (lambda _: b'{"type": "EPCISDocument", "schemaVersion": "2.0"}', InvalidEpcis, "does not conform to the EPCIS 2.0 JSON schema"),
    (lambda lg: _doc(_ship(lg, "truck", 1), {**_ship(lg, "truck", 9)}), EpcisEventRefused,
     r"EPCIS event 1 \(ObjectEvent OBSERVE shipping\): item /01/09521234543213/21/9 is not registered"),
    (lambda lg: _doc(_ship(lg, "truck", 1), _ship(lg, "shop", 1)), EpcisEventRefused, "event 1 .*it is in transit in shipment #0"),
    # The dry run refuses what the real actions would, before any is anchored.
    (lambda lg: _doc(_pack("ADD", 1), _status("destroying", None, 1)), EpcisEventRefused,
     "event 1 .*is packed in 095212340000000013; unpack it first"),
    (lambda lg: _doc(_status("holding", "stolen", 2), _pack("ADD", 1, 2)), EpcisEventRefused,
     "event 1 .*acme cannot pack /01/09521234543213/21/2: it is reported stolen"),
    (lambda lg: _doc(_status("holding", "recalled", 1), _status("holding", "recalled", 1, 2)), EpcisEventRefused,
     "event 1 .*acme cannot recall /01/09521234543213/21/1: it is already recalled"),
    (lambda lg: _doc(_ship(lg, "truck", 1, 2), _receive(1)), EpcisEventRefused,
     "event 1 .*shipment #0 was not sent to acme"),
    (lambda lg: _doc(_pack("ADD", 1), {**_pack("ADD", 1), "parentID": "urn:epc:id:sscc:9521234.0000000002"}),
     EpcisEventRefused, "event 1 .*is already packed in container 095212340000000013"),
    (lambda lg: _doc(_pack("DELETE", 2)), EpcisEventRefused, "event 0 .*is not packed in 095212340000000013"),
    (lambda lg: _doc({**_ship(lg, "truck", 1), "destinationList": [
        {"type": "possessing_party", "destination": "did:pkh:eip155:1:0x" + "12" * 20}]}), EpcisEventRefused,
     "is on chain 1, not this ledger's chain"),
    (lambda lg: _doc({**_ship(lg, "truck", 1), "ledger:actor": party_uri(lg.chain.chain_id, lg.party("truck").address)}),
     EpcisEventRefused, "it was made by did:pkh:.*, not by acme"),
    (lambda lg: _doc({"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "arriving", "epcList": [SGTIN.format(1)]}),
     EpcisEventRefused, "bizStep 'arriving' with disposition None has no ledger action"),
    (lambda lg: json.dumps(_ship(lg, "truck", 1)).encode(), InvalidEpcis,
     'is a bare event, not an EPCISDocument: send the ObjectEvent inside one: {"@context": '),
    # Every event field is recorded, checked, or refused: nothing is dropped in silence.
    (lambda lg: _doc(_ship(lg, "truck", 1), {**_ship(lg, "truck", 2), "bizTransactionList": [
        {"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:9521234000017:PO-1"}]}), EpcisEventRefused,
     (r"event 1 \(ObjectEvent OBSERVE shipping\): it carries bizTransactionList, which the ledger has no place for; the ledger "
     r"records an event's EPCs \(epcList, or parentID and childEPCs\), bizStep, disposition and place \(readPoint or "
     r"ledger:location\), and a shipment's or receipt's sourceList and destinationList: leave the rest out to import it")),
    (lambda lg: _doc({"type": "ObjectEvent", "action": "ADD", "bizStep": "commissioning", "epcList": [SGTIN.format(1)],
                      "quantityList": [{"epcClass": "urn:epc:class:lgtin:9521234.054321.L1", "quantity": 2}],
                      "ilmd": {"ledger:batch": "B7"}, "acme:note": "x"}), EpcisEventRefused,
     "it carries acme:note, ilmd, quantityList, which the ledger has no place for"),
    (lambda lg: _doc({**_ship(lg, "truck", 1), "bizLocation": {"id": "urn:epc:id:sgln:9521234.00001.0"},
                      "sensorElementList": [{"sensorReport": [{"type": "Temperature", "value": 4, "uom": "CEL"}]}]}),
     EpcisEventRefused, "it carries bizLocation, sensorElementList, which"),
    (lambda lg: _doc({**_ship(lg, "truck", 1), "readPoint": {"id": "urn:epc:id:sgln:9521234.00001.0", "ledger:dock": "4"}}),
     EpcisEventRefused, "it carries readPoint.ledger:dock, which"),
    (lambda lg: _doc(_ship(lg, "truck", 1), {**_ship(lg, "truck", 2), "ledger:location": "Antwerp"}), EpcisEventRefused,
     "event 1 .*its readPoint urn:epc:id:sgln:9521234.00001.0 and its ledger:location 'Antwerp' name two places; give one"),
    (lambda lg: _doc({**_ship(lg, "truck", 1), "disposition": "damaged"}), EpcisEventRefused,
     "its disposition 'damaged' is not what the ledger records for shipping \\('in_transit'\\); give 'in_transit' or none"),
    (lambda lg: _doc({**_pack("ADD", 1), "bizStep": "shipping"}), EpcisEventRefused,
     "an AggregationEvent ADD is packing on the ledger, not 'shipping'"),
    (lambda lg: _doc({"type": "TransactionEvent", "action": "ADD", "epcList": [SGTIN.format(1)], "bizTransactionList": [
        {"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:9521234000017:PO-1"}]}), EpcisEventRefused,
     "only ObjectEvents and AggregationEvents map onto ledger actions"),
    (lambda lg: _doc({"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "holding", "disposition": "recalled",
                      "epcList": [SGTIN.format(1)], "destinationList": _ship(lg, "truck", 1)["destinationList"]}),
     EpcisEventRefused, "a holding event has no sourceList or destinationList on the ledger"),
    (lambda lg: _doc(_ship(lg, "truck", 1), {**{k: v for k, v in _ship(lg, "truck", 2).items() if k != "readPoint"},
                                             "ledger:location": "x" * 201}), EpcisEventRefused,
     "event 1 .*its ledger:location is longer than 200 characters"),
    (lambda lg: _doc(_ship(lg, "truck", 1), {**_ship(lg, "truck", 2), "readPoint": {"id": "https://example.org/" + "p" * 200}}),
     EpcisEventRefused, "event 1 .*is longer than 200 characters, the most a ledger location holds"),
])
def test_bad_documents_change_nothing(registered: Ledger, document: Callable[[Ledger], bytes], error: type[Exception],
                                      message: str) -> None:
    before = _anchor_count(registered)
    with pytest.raises(error, match=message):
        import_document(registered, document(registered), "acme")
    assert _anchor_count(registered) == before
    assert item_status(registered.engine, KEYS[0]).in_transit_to is None


def test_a_read_point_of_any_sgln_is_kept_and_exported_back(registered: Ledger) -> None:
    """An SGLN with an extension (or any read point URI) is the event's location, not dropped; exported, it is the
    readPoint again, and an exported event imports (the round trip of a hand-back)."""
    sgln = {"id": "urn:epc:id:sgln:9521234.00001.7"}
    done = import_document(registered, _doc({**_ship(registered, "truck", 1), "readPoint": sgln}), "acme")
    place = "https://id.gs1.org/414/9521234000013/254/7"
    assert [s.location for s in trail(registered.engine, TrailScope("item", KEYS[0].canonical))] == ["", place]
    registered.receive("truck", done[0].root or "")
    exported = export_document(registered, TrailScope("item", KEYS[0].canonical))
    shipping = exported["epcisBody"]["eventList"][1]
    assert shipping["readPoint"] == {"id": place} and "ledger:location" not in shipping
    acme, truck = shipping["sourceList"][0]["source"], shipping["destinationList"][0]["destination"]
    back = {**shipping, "sourceList": [{"type": "possessing_party", "source": truck}],
            "destinationList": [{"type": "possessing_party", "destination": acme}], "ledger:actor": truck}
    import_document(registered, json.dumps({**exported, "epcisBody": {"eventList": [back]}}).encode(), "truck")
    assert [(s.action, s.location) for s in trail(registered.engine, TrailScope("item", KEYS[0].canonical))][-1] == ("ship", place)
    uri = {"id": "urn:example:dock:7"}  # not a GLN: kept as written
    import_document(registered, _doc({**_ship(registered, "truck", 2), "readPoint": uri}), "acme")
    assert trail(registered.engine, TrailScope("item", KEYS[1].canonical))[-1].location == "urn:example:dock:7"
    assert audit(registered).clean


def test_a_receipt_names_the_shipments_parties(registered: Ledger) -> None:
    shipment = registered.ship("acme", "truck", KEYS[:1])
    chain_id = registered.chain.chain_id
    shop, acme, truck = (party_uri(chain_id, registered.party(n).address) for n in ("shop", "acme", "truck"))
    receipt = {**_receive(1), "sourceList": [{"type": "possessing_party", "source": shop}]}
    with pytest.raises(EpcisEventRefused, match=f"its source {shop} is not the sender of shipment {shipment.root} \\(acme\\)"):
        import_document(registered, _doc(receipt), "truck")
    receipt = {**_receive(1), "sourceList": [{"type": "possessing_party", "source": acme}],
               "destinationList": [{"type": "possessing_party", "destination": truck}]}
    assert [d.action for d in import_document(registered, _doc(receipt), "truck")] == ["receive"]
    assert item_status(registered.engine, KEYS[0]).custodian == "truck"
