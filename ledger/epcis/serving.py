"""What a home serves other organisations through the EPCIS REST bindings: its own records, with proofs.

``served_events`` gives the events a requester may read (:mod:`.sharing`) among those this home
anchored itself (``Anchor.local``), exported as :mod:`.export` writes them (one rule, one place),
each with ``recordTime``: the time signed into its anchor, when the ledger recorded it.

``anchor_document`` gives the rows behind one anchor of this home, in the shape a follower in another
home checks against the chain (docs/DESIGN.md, "Serving records to other organisations"):

- an EPCISDocument whose ``eventList`` is the anchor's event (its ``ledger:proof`` as in any export);
- ``ledger:anchor``: the anchor as the chain and the signature hold it: root, kind, action, party,
  count, counterparty, reference, timestamp, metadataHash, previousAnchorHash, anchorHash, sequence,
  transaction, block, signature, and for a registration the companyPrefix it was signed with;
- ``ledger:items`` (a registration): each item's gtin, serial, lot, expiry and leaf, so that
  ``itemLeaf(itemId(gtin, serial), attributesHash(lot, expiry))`` rebuilds every leaf and the sorted
  leaves the Merkle root, and the EIP-712 Registration(root, count, companyPrefix, timestamp) recovers
  the brand's address;
- ``ledger:events`` (an action): each custody event's fields (item, action, actor, counterparty,
  timestamp, previousHash, location) and its hash, so the follower recomputes every hash, checks each
  previousHash against the item's head before it, rebuilds the root and recovers the signer from the
  EIP-712 Action(kind, action, root, count, counterparty, timestamp, reference);
- ``ledger:containers`` (packing and unpacking): the memberships the anchor changed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session, col

from ..custody.ledger import Ledger
from ..errors import NotOnLedger, ReadRefused
from ..index.models import Anchor, Batch, ContainerContent, Event, Item
from ..index.queries import registration_leaf
from ..index.trail import trail_of_items
from ..proofs.events import Action, AnchorKind
from .export import LEDGER_NAMESPACE, document_context, export_events, party_uri
from .query import sort_key
from .sharing import Requester, SharingPolicy

__all__ = ["anchor_document", "document", "every_event", "served_events"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def document(events: list[dict[str, Any]], query_document: bool = False) -> dict[str, Any]:
    """An EPCISDocument of ``events``, or the EPCISQueryDocument a query answers with."""
    body: dict[str, Any] = ({"queryResults": {"queryName": "SimpleEventQuery", "resultsBody": {"eventList": events}}}
                            if query_document else {"eventList": events})
    return {"@context": document_context(), "type": "EPCISQueryDocument" if query_document else "EPCISDocument",
            "schemaVersion": "2.0", "creationDate": _now(), "epcisBody": body}


def _local_roots(ledger: Ledger) -> set[str]:
    with Session(ledger.engine) as s:
        return set(s.scalars(select(col(Anchor.root)).where(col(Anchor.local))))


def served_events(ledger: Ledger, policy: SharingPolicy, requester: Requester) -> list[dict[str, Any]]:
    """The events of this home's anchors that ``requester`` may read, in chain order (:func:`.query.sort_key`)."""
    ids = policy.readable_items(ledger.engine, requester)
    return [] if ids == [] else _events_of_items(ledger, ids)


def every_event(ledger: Ledger) -> list[dict[str, Any]]:
    """Every event of this home's anchors (to tell a refused event from an unknown one)."""
    return _events_of_items(ledger, None)


def _events_of_items(ledger: Ledger, ids: list[str] | None) -> list[dict[str, Any]]:
    local = _local_roots(ledger)
    steps = [s for s in trail_of_items(ledger.engine, ids) if s.anchor_root in local]
    events = export_events(ledger, steps)
    for event in events:
        event["recordTime"] = event["eventTime"]
    return sorted(events, key=sort_key)


def anchor_document(ledger: Ledger, policy: SharingPolicy, requester: Requester, root: str) -> dict[str, Any]:
    """The rows behind this home's anchor ``root`` with its signature (see the module), for a requester allowed
    to read every item in it."""
    root = root.lower()
    chain_id = ledger.chain.chain_id
    with Session(ledger.engine) as s:
        anchor = s.get(Anchor, root)
        if anchor is None or not anchor.local:
            raise NotOnLedger(f"anchor {root} of this home")
        kind = AnchorKind(anchor.kind)
        if kind is AnchorKind.REGISTRATION:
            items = sorted(s.scalars(select(Item).where(col(Item.batch_root) == root)), key=lambda i: i.item_id)
            batch = s.get(Batch, root)
            events: list[Event] = []
            ids = [i.item_id for i in items]
        else:
            events = sorted(s.scalars(select(Event).where(col(Event.anchor_root) == root)), key=lambda e: e.item_id)
            ids = [e.item_id for e in events]
            chunk = list(s.scalars(select(Item).where(col(Item.item_id).in_(ids)))) if ids else []
            items = sorted(chunk, key=lambda i: i.item_id)
            batch = None
        keys = {i.item_id: i.key for i in items}
        containers = [] if kind is not AnchorKind.PACKING else list(s.scalars(select(ContainerContent).where(or_(
            col(ContainerContent.packed_anchor) == root, col(ContainerContent.unpacked_anchor) == root))))
    readable = policy.readable_items(ledger.engine, requester)
    if readable is not None and not set(ids) <= set(readable):
        raise ReadRefused(str(requester), f"anchor {root}", "the sharing policy does not give it every item in this anchor"
                          f" ({policy.describe()})")
    steps = [s for s in trail_of_items(ledger.engine, ids) if s.anchor_root == root]
    result = document(export_events(ledger, steps))
    head: dict[str, Any] = {
        "ledger:root": anchor.root, "ledger:kind": f"{LEDGER_NAMESPACE}AnchorKind-{kind.name.lower()}",
        "ledger:action": Action(anchor.action).label if anchor.action is not None else None,
        "ledger:party": party_uri(chain_id, anchor.party), "ledger:count": anchor.count,
        "ledger:counterparty": party_uri(chain_id, anchor.counterparty) if anchor.counterparty else None,
        "ledger:reference": anchor.reference, "ledger:timestamp": anchor.timestamp,
        "ledger:metadataHash": anchor.metadata_hash, "ledger:previousAnchorHash": anchor.previous_anchor_hash,
        "ledger:anchorHash": anchor.anchor_hash, "ledger:sequence": anchor.sequence,
        "ledger:transaction": anchor.tx_hash, "ledger:block": anchor.block_number, "ledger:signature": anchor.signature,
    }
    if batch is not None:
        head["ledger:companyPrefix"] = batch.company_prefix
    result["ledger:anchor"] = {k: v for k, v in head.items() if v is not None}
    if kind is AnchorKind.REGISTRATION:
        result["ledger:items"] = [{"ledger:itemId": i.item_id, "ledger:gtin": i.gtin, "ledger:serial": i.serial, "ledger:lot": i.lot,
                                   "ledger:expiry": i.expiry.isoformat() if i.expiry else None,
                                   "ledger:leaf": registration_leaf(i)} for i in items]
    else:
        result["ledger:events"] = [{
            "ledger:item": keys[e.item_id], "ledger:itemId": e.item_id, "ledger:action": Action(e.action).label,
            "ledger:actor": e.actor, "ledger:counterparty": e.counterparty, "ledger:timestamp": e.timestamp,
            "ledger:previousHash": e.previous_hash, "ledger:location": e.location, "ledger:eventHash": e.event_hash,
        } for e in events]
    if containers:
        result["ledger:containers"] = [{
            "ledger:container": c.container, "ledger:childItem": keys.get(c.child_item or "", c.child_item),
            "ledger:childContainer": c.child_container,
            "ledger:change": "packed" if c.packed_anchor == root else "unpacked"} for c in containers]
    return result
