"""The EPCIS 2.0 REST query endpoints (/epcis): who reads what, the query parameters, pages, anchor documents.

Requests between organisations are signed with the requesting party's chain key; its role is read from
the chain (embedded and Hardhat) and its items from the index (SQLite and PostgreSQL).
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from flask.testing import FlaskClient

from ledger.epcis.export import export_document
from ledger.epcis.hashing import event_hash_id
from ledger.epcis.request_signing import sign_request
from ledger.epcis.schema import validate_document
from ledger.index.trail import TrailScope, trail_of_items
from ledger.proofs.events import Action, AnchorKind, CustodyEvent
from ledger.proofs.merkle import MerkleTree, attributes_hash, event_leaf, item_leaf
from ledger.proofs.typed_data import ActionMessage, RegistrationMessage, recover
from tests.integration._web import BOLT_GTIN, GTIN, WebLedger, build

ACME_1 = "urn:epc:id:sgtin:9521234.054321.1"


@pytest.fixture
def web(ledger: Any) -> WebLedger:
    web = build(ledger)
    shipment = ledger.ship("acme", "truck", [web.key(1), web.key(2)], location="9521234000017")
    ledger.receive("truck", shipment.root, location="Antwerp")
    web.shipment = shipment.root  # type: ignore[attr-defined]
    return web


def key_of(web: WebLedger, party: str) -> LocalAccount:
    return web.ledger.keystore.unlock(party)


def get(web: WebLedger, path: str, signer: str | LocalAccount | None = None, t: int | None = None,
        headers: dict[str, str] | None = None, client: FlaskClient | None = None) -> Any:
    """GET ``path`` (with its query) signed by ``signer`` (a party name or a bare key) at time ``t``."""
    parts = urlsplit(path)
    sent = dict(headers or {})
    if signer is not None:
        account = key_of(web, signer) if isinstance(signer, str) else signer
        sent["Authorization"] = sign_request(account, "GET", parts.path, parts.query, b"", t or int(time.time()))
    return (client or web.client()).get(path, headers=sent)


def events(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["type"] == "EPCISQueryDocument"
    found: list[dict[str, Any]] = body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    return found


def epcs(found: list[dict[str, Any]]) -> set[str]:
    return {epc for e in found for epc in e.get("epcList", [])}


def test_discovery_is_open_and_names_versions(web: WebLedger) -> None:
    top = web.client().get("/epcis")
    assert top.status_code == 200 and top.get_json()["type"] == "Collection"
    assert {"events", "eventTypes", "epcs"} <= set(top.get_json()["member"])
    options = web.client().options("/epcis/events")
    assert options.status_code == 204 and options.headers["GS1-EPCIS-Version"] == "2.0.0"
    assert options.headers["GS1-EPC-Format"] == "Always_EPC_URN" and "GET" in options.headers["Allow"]
    assert web.client().get("/epcis/eventTypes").get_json()["member"] == ["ObjectEvent", "AggregationEvent"]


def test_each_party_reads_exactly_its_items(web: WebLedger) -> None:
    acme = epcs(events(get(web, "/epcis/events", "acme")))
    assert ACME_1 in acme and not any(e.startswith("urn:epc:id:sgtin:0614141.") for e in acme)
    assert len(acme) == 12  # items 1–10, "old" and "A/7%"
    # The carrier held items 1 and 2: their whole history, registration included, and nothing else.
    truck = events(get(web, "/epcis/events", "truck"))
    assert epcs(truck) == {ACME_1, "urn:epc:id:sgtin:9521234.054321.2"}
    assert [e["bizStep"] for e in truck] == ["commissioning", "shipping", "receiving"]
    assert events(get(web, "/epcis/events", "shop")) == []  # a retailer that has held nothing yet
    bolt = epcs(events(get(web, "/epcis/events", "bolt")))
    assert bolt == {"urn:epc:id:sgtin:0614141.080614.6789"} or all(e.startswith("urn:epc:id:sgtin:0614141.") for e in bolt)
    assert epcs(events(get(web, "/epcis/events", "customs"))) == acme | bolt  # officers read every item


def test_served_events_are_the_export_with_proofs(web: WebLedger) -> None:
    """One rule in one place: a reader's events are the export of the items it may read, eventIDs and proofs included
    (an event lists the items its reader may see, so its CBV hash ID is that of the reader's view)."""
    served = events(get(web, "/epcis/events", "truck"))
    ids = ["0x" + web.key(n).item_id.hex() for n in (1, 2)]
    exported = export_document(web.ledger, TrailScope.for_item(web.key(1)), trail_of_items(web.ledger.engine, ids))
    assert [{k: v for k, v in e.items() if k != "recordTime"} for e in served] == exported["epcisBody"]["eventList"]
    for event in served:
        assert event["recordTime"] == event["eventTime"] and event["ledger:proof"]["ledger:signature"].startswith("0x")
        bare = {k: v for k, v in event.items() if k not in ("eventID", "recordTime")}
        assert event_hash_id(bare, exported["@context"]) == event["eventID"]
    validate_document({**exported, "epcisBody": {"eventList": [
        {k: v for k, v in e.items() if k != "recordTime"} for e in events(get(web, "/epcis/events", "acme"))]}})


FILTERS = [
    ("eventType=AggregationEvent", []),
    ("eventType=ObjectEvent&EQ_bizStep=shipping", ["shipping"]),
    ("EQ_bizStep=https://ref.gs1.org/cbv/BizStep-receiving", ["receiving"]),
    ("EQ_bizStep=shipping|receiving", ["shipping", "receiving"]),
    ("EQ_disposition=in_transit", ["shipping"]),
    ("EQ_action=ADD", ["commissioning"]),
    ("MATCH_epc=urn:epc:idpat:sgtin:9521234.054321.*&EQ_bizStep=receiving", ["receiving"]),
    ("MATCH_anyEPC=" + quote("https://id.gs1.org/01/09521234543213/21/2"), ["commissioning", "shipping", "receiving"]),
    ("EQ_readPoint=https://id.gs1.org/414/9521234000017", ["shipping"]),
    ("EQ_bizLocation=https://id.gs1.org/414/9521234000017", []),  # places are written as readPoint
    ("GE_eventTime=2026-05-28T00:00:00Z&LT_eventTime=2026-05-29T00:00:00Z", ["commissioning", "shipping", "receiving"]),
    ("LT_eventTime=2026-05-28T00:00:00Z", []),
    ("GE_recordTime=2030-01-01T00:00:00%2B01:00", []),
]
BAD_QUERIES = [
    ("EQ_quantity=3", "is not supported by this repository"),
    ("perPage=0", "is not a page size"),
    ("perPage=abc", "is not a page size"),
    ("GE_eventTime=yesterday", "is not a date and time"),
    ("GE_eventTime=2026-05-28T00:00:00", "is not a date and time with its offset"),
    ("eventType=Nonsense", "is not an event type"),
    ("EQ_action=MOVE", "is not an action"),
    ("EQ_bizStep=shipping||", "has an empty value"),
    ("MATCH_epc=banana", "is neither an EPC URI nor an item code"),
    ("perPage=1&perPage=2", "is given more than once"),
    ("nextPageToken=abc.def", "was not issued by this repository or was altered"),
    ("nextPageToken=%C3%A9.%C3%A9", "was not issued by this repository or was altered"),
]


def test_query_parameters_filter_and_bad_ones_are_problems(web: WebLedger) -> None:
    for query, expected in FILTERS:
        assert [e["bizStep"] for e in events(get(web, "/epcis/events?" + query, "truck"))] == expected, query
    for query, problem in BAD_QUERIES:
        response = get(web, "/epcis/events?" + query, "acme")
        assert response.status_code == 400 and response.content_type == "application/problem+json", query
        body = response.get_json()
        assert body["type"] == "epcisException:QueryParameterException" and problem in body["detail"], body


def test_pages_follow_link_headers_and_tokens_are_tamper_evident(web: WebLedger) -> None:
    everything = events(get(web, "/epcis/events", "acme"))
    seen: list[dict[str, Any]] = []
    path = "/epcis/events?perPage=2"
    while True:
        response = get(web, path, "acme")
        seen += events(response)
        if "Link" not in response.headers:
            break
        link = response.headers["Link"]
        assert link.endswith('>; rel="next"') and "GS1-Next-Page-Token-Expires" in response.headers
        url = urlsplit(link[1:link.index(">")])
        path = f"{url.path}?{url.query}"
    assert [e["eventID"] for e in seen] == [e["eventID"] for e in everything] and len(seen) > 2
    first = get(web, "/epcis/events?perPage=1", "acme").headers["Link"]
    token = dict(p.split("=", 1) for p in urlsplit(first[1:first.index(">")]).query.split("&"))["nextPageToken"]
    body, _, mac = token.partition(".")
    altered = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1] + "." + mac
    cases = [
        ("/epcis/events?" + urlencode({"perPage": 1, "nextPageToken": altered}), "acme",
         "was not issued by this repository or was altered"),
        ("/epcis/events?" + urlencode({"perPage": 2, "nextPageToken": token}), "acme", "was issued for another query"),
        ("/epcis/events?" + urlencode({"perPage": 1, "nextPageToken": token}), "customs", "was issued to another party"),
    ]
    for path, who, problem in cases:
        response = get(web, path, who)
        assert response.status_code == 400 and problem in response.get_json()["detail"], (who, response.get_json())


def test_event_by_id_and_events_of_an_epc(web: WebLedger) -> None:
    mine = events(get(web, "/epcis/events?EQ_bizStep=shipping", "acme"))[0]
    path = "/epcis/events/" + quote(mine["eventID"], safe="")
    assert events(get(web, path, "truck")) == [mine]
    refused = get(web, path, "bolt")
    assert refused.status_code == 403 and "not shared with this party" in refused.get_json()["detail"]
    assert get(web, "/epcis/events/" + quote("ni:///sha-256;" + "0" * 64 + "?ver=CBV2.0", safe=""), "acme").status_code == 404
    of_epc = events(get(web, "/epcis/epcs/" + quote(ACME_1, safe="") + "/events", "truck"))
    assert [e["bizStep"] for e in of_epc] == ["commissioning", "shipping", "receiving"]
    by_link = events(get(web, "/epcis/epcs/" + quote(f"https://id.gs1.org/01/{GTIN}/21/1", safe="") + "/events", "truck"))
    assert by_link == of_epc
    refused = get(web, "/epcis/epcs/" + quote(ACME_1, safe="") + "/events", "bolt")
    assert refused.status_code == 403 and "does not give it this item" in refused.get_json()["detail"]
    unknown = get(web, "/epcis/epcs/" + quote("urn:epc:id:sgtin:9521234.054321.999", safe="") + "/events", "customs")
    assert unknown.status_code == 404
    steps = get(web, "/epcis/bizSteps", "truck").get_json()["member"]
    assert steps == ["commissioning", "receiving", "shipping"]
    assert [e["bizStep"] for e in events(get(web, "/epcis/bizSteps/shipping/events", "truck"))] == ["shipping"]


def test_refusals_name_their_reason(web: WebLedger) -> None:
    stranger = Account.create()
    now = int(time.time())
    acme = key_of(web, "acme")
    forged = sign_request(stranger, "GET", "/epcis/events", "", b"", now).replace(stranger.address, acme.address)
    other_path = sign_request(acme, "GET", "/epcis/epcs", "", b"", now)
    cases: list[tuple[dict[str, str], str | LocalAccount | None, int | None, int, str]] = [
        ({}, None, None, 401, "no credentials"),
        ({"Authorization": f"Ledger address=0x12,t={now},sig=0x{'00' * 65}"}, None, None, 401, "is not an Ethereum address"),
        ({"Authorization": f"Ledger address={'0x' + '1' * 40},t={now},sig=0x12"}, None, None, 401, "is not a 65-byte"),
        ({"Authorization": f"Ledger address={'0x' + '1' * 40},t={now},sig=0x{'00' * 65}"}, None, None, 401, "over this request"),
        ({"Authorization": "Ledger address=0x1;drop"}, None, None, 401, "lacks t, sig"),
        ({"Authorization": "Ledger t=1,t=2"}, None, None, 401, "is malformed"),
        ({"Authorization": "Ledger t=1"}, None, None, 401, "lacks address, sig"),
        ({"Authorization": "Basic YWNtZTphY21l"}, None, None, 401, "no credentials"),
        ({"Authorization": "Bearer not-a-token"}, None, None, 401, "the API token is unknown"),
        ({"Authorization": forged}, None, None, 401, "is not " + acme.address + "'s over this request"),
        ({"Authorization": other_path}, None, None, 401, "over this request"),
        ({}, "acme", now - 1000, 401, "from this home's clock"),
        ({}, "acme", now + 1000, 401, "from this home's clock"),
        ({}, stranger, None, 403, "holds no role on the ledger's chain"),
        ({}, "admin", None, 403, "the sharing policy gives it no records"),
    ]
    for headers, signer, t, status, reason in cases:
        response = get(web, "/epcis/events", signer, t, headers)
        body = response.get_json()
        assert response.status_code == status and reason in body["detail"], (headers, signer, body)
        assert body["type"] == "epcisException:SecurityException"
        assert "eventList" not in response.get_data(as_text=True)
    assert get(web, "/epcis/events", None).headers["WWW-Authenticate"] == 'Ledger realm="epcis"'
    # Anyone may still verify a code and get the verdict, without signing anything.
    verdict = web.client().post("/api/v1/verify", json={"code": web.link(1)})
    assert verdict.status_code == 200 and verdict.get_json()["verdict"] == "genuine"
    lower = sign_request(acme, "GET", "/epcis/events", "", b"", now - 1).replace("Ledger ", "ledger ")
    assert web.client().get("/epcis/events", headers={"Authorization": lower}).status_code == 200
    header = sign_request(acme, "GET", "/epcis/events", "", b"", now)
    assert web.client().get("/epcis/events", headers={"Authorization": header}).status_code == 200
    replayed = web.client().get("/epcis/events", headers={"Authorization": header})
    assert replayed.status_code == 401 and "a replay" in replayed.get_json()["detail"]


def test_this_homes_own_accounts_read_as_their_party(web: WebLedger) -> None:
    assert epcs(events(get(web, "/epcis/events", headers=web.bearer("tom")))) == {ACME_1, "urn:epc:id:sgtin:9521234.054321.2"}


def test_sharing_policy_is_configurable(ledger: Any) -> None:
    web = build(ledger, EPCIS_SHARING={"everything": ["auditor"], "brand": True, "custodians": False})
    refused = get(web, "/epcis/events", "customs")
    assert refused.status_code == 403 and "gives it no records" in refused.get_json()["detail"]
    assert get(web, "/epcis/events", "truck").status_code == 403
    assert len(epcs(events(get(web, "/epcis/events", "acme")))) == 12


def test_anchor_documents_reproduce_their_anchors(web: WebLedger) -> None:
    """What a follower in another home checks: every leaf, the Merkle root and count, and the signer's EIP-712 signature."""
    ledger = web.ledger
    acme, truck = ledger.party("acme").address, ledger.party("truck").address
    batch = next(e for e in events(get(web, "/epcis/events?EQ_action=ADD", "acme")))["ledger:proof"]["ledger:anchorRoot"]
    doc = get(web, f"/epcis/anchors/{batch}", "customs").get_json()
    head = doc["ledger:anchor"]
    leaves = []
    for row in doc["ledger:items"]:
        expiry = date.fromisoformat(row["ledger:expiry"]) if row["ledger:expiry"] else None
        item_id = bytes.fromhex(row["ledger:itemId"][2:])
        leaves.append(item_leaf(item_id, attributes_hash(row["ledger:lot"], expiry)))
        assert "0x" + leaves[-1].hex() == row["ledger:leaf"]
    tree = MerkleTree.build(leaves)
    assert "0x" + tree.root.hex() == batch == head["ledger:root"] and head["ledger:count"] == len(leaves) == 10
    message = RegistrationMessage(tree.root, len(leaves), head["ledger:companyPrefix"], head["ledger:timestamp"])
    assert recover(message, ledger.domain, bytes.fromhex(head["ledger:signature"][2:])) == acme
    assert doc["epcisBody"]["eventList"][0]["bizStep"] == "commissioning"

    doc = get(web, f"/epcis/anchors/{web.shipment}", "truck").get_json()  # type: ignore[attr-defined]
    head, rows = doc["ledger:anchor"], doc["ledger:events"]
    hashes = []
    for row in rows:
        event = CustodyEvent(bytes.fromhex(row["ledger:itemId"][2:]), Action.SHIP, row["ledger:actor"],
                             row["ledger:counterparty"], row["ledger:timestamp"], bytes.fromhex(row["ledger:previousHash"][2:]),
                             row["ledger:location"])
        assert "0x" + event.hash.hex() == row["ledger:eventHash"]
        hashes.append(event.hash)
    tree = MerkleTree.build(event_leaf(h) for h in hashes)
    assert "0x" + tree.root.hex() == head["ledger:root"] and head["ledger:count"] == 2
    message = ActionMessage(int(AnchorKind.SHIPMENT), int(Action.SHIP), tree.root, 2, truck, head["ledger:timestamp"],
                            bytes.fromhex(head.get("ledger:reference", "0x" + "00" * 32)[2:]))
    assert recover(message, ledger.domain, bytes.fromhex(head["ledger:signature"][2:])) == acme

    refused = get(web, f"/epcis/anchors/{batch}", "bolt")
    assert refused.status_code == 403 and "every item in this anchor" in refused.get_json()["detail"]
    assert get(web, f"/epcis/anchors/{batch}", "truck").status_code == 403  # it held 2 of the batch's 10 items
    missing = get(web, "/epcis/anchors/0x" + "ab" * 32, "customs")
    assert missing.status_code == 404
    bad = get(web, "/epcis/anchors/nonsense", "customs")
    assert bad.status_code in (400, 404)
    assert BOLT_GTIN  # the bolt brand's goods are in the fixture (see tests/integration/_web.py)
