"""EPCIS 2.0 export (and import) on every chain × database."""

from __future__ import annotations

import pytest

from ledger.custody_events import Action
from ledger.epcis_export import export_document, party_uri
from ledger.epcis_hash import event_hash_id
from ledger.epcis_schema import validate_document
from ledger.identifiers import ItemKey
from ledger.ledger import Ledger
from ledger.registration import ItemSpec
from ledger.trail import TrailScope

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
