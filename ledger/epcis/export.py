"""Export of an audit trail as an EPCIS 2.0 JSON-LD document.

One ledger action (one anchor) becomes one EPCIS event listing the scope's items it
touched: commissioning, shipping, receiving, inspecting, holding (recall, theft),
retail_selling, decommissioning and destroying as ObjectEvents; packing and unpacking as
AggregationEvents. Each event carries its CBV 2.0 event hash as ``eventID``.

An event's ``disposition`` lasts only until the next event's; conditions that last (the custody
table's stolen and recalled, which coexist with whatever happens next) are also set in EPCIS 2.0's
``persistentDisposition``, so a partner reading a later receipt still sees them.

Identities:

- items as EPC pure identities ``urn:epc:id:sgtin:…``, split at the brand's GS1 company
  prefix (from its prefix bindings); containers as ``urn:epc:id:sscc:…``;
- parties as ``did:pkh:eip155:<chainId>:<address>`` (a party is an Ethereum account on this
  ledger; the DID names that account without any registry), in ``sourceList`` and
  ``destinationList`` as ``possessing_party`` (custody is what the ledger tracks); the
  acting party as the extension ``ledger:actor``;
- places: a 13-digit GLN as ``readPoint`` (``https://id.gs1.org/414/<GLN>``), as is a GLN
  with an extension that an import recorded as its Digital Link; any other place text as the
  extension ``ledger:location``.

The proof travels with each event in the extension ``ledger:proof``: the anchor root, kind,
transaction and block, the signer and its EIP-712 signature, and each item's ledger event
hash and previous hash, so a partner can check the event against the chain. The anchor kind is a
URI (``…/epcis/AnchorKind-packing``), never a bare word: GS1's reference hash generator rewrites any
string in a document that equals a CBV word used in it (``packing`` beside the bizStep
``packing``), and a partner using it would compute another event hash.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session, col

from ..codes.epc import Sgtin
from ..codes.identifiers import ItemKey
from ..custody.ledger import Ledger
from ..custody.state import RULES
from ..index.models import Condition, ContainerContent, Item, Party, PrefixBinding
from ..index.trail import TrailEvent, TrailScope, trail
from ..proofs.events import Action, AnchorKind
from .hashing import EPCIS_CONTEXT, event_hash_id

__all__ = ["LEDGER_NAMESPACE", "anchor_kind_uri", "document_context", "epc_urn", "export_document", "export_events",
           "party_uri", "sscc_urn"]

LEDGER_NAMESPACE = "https://ns.provenance-ledger.example/epcis/"
_ACTIONS = {a.label: a for a in Action}
# Ledger action → (EPCIS event type, EPCIS action).
_SHAPE = {
    "register": ("ObjectEvent", "ADD"),
    Action.SHIP: ("ObjectEvent", "OBSERVE"),
    Action.RECEIVE: ("ObjectEvent", "OBSERVE"),
    Action.RECALL: ("ObjectEvent", "OBSERVE"),
    Action.REPORT_STOLEN: ("ObjectEvent", "OBSERVE"),
    Action.SELL: ("ObjectEvent", "OBSERVE"),
    Action.INSPECT: ("ObjectEvent", "OBSERVE"),
    Action.DESTROY: ("ObjectEvent", "DELETE"),
    Action.DECOMMISSION: ("ObjectEvent", "DELETE"),
    Action.PACK: ("AggregationEvent", "ADD"),
    Action.UNPACK: ("AggregationEvent", "DELETE"),
}


def party_uri(chain_id: int, address: str) -> str:
    """A party's identity in EPCIS documents: the DID of its account on this chain."""
    return f"did:pkh:eip155:{chain_id}:{address}"


def anchor_kind_uri(kind: str) -> str:
    """An anchor kind (``registration``, ``shipment``, ``packing``…) as the URI the export writes."""
    return f"{LEDGER_NAMESPACE}AnchorKind-{kind}"


def sscc_urn(sscc: str, prefix_length: int) -> str:
    """``urn:epc:id:sscc:CompanyPrefix.ExtensionSerial`` of an 18-digit SSCC."""
    return f"urn:epc:id:sscc:{sscc[1:1 + prefix_length]}.{sscc[0]}{sscc[1 + prefix_length:17]}"


def _time(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _Exporter:
    def __init__(self, ledger: Ledger, packing_roots: Sequence[str]) -> None:
        self.chain_id = ledger.chain.chain_id
        self.children: dict[str, list[str]] = {}  # packing anchor → its direct children, as EPC URIs
        with Session(ledger.engine) as s:
            self.prefixes = sorted((b.prefix for b in s.scalars(select(PrefixBinding))), key=len, reverse=True)
            for chunk in (packing_roots[i:i + 900] for i in range(0, len(packing_roots), 900)):
                rows = list(s.scalars(select(ContainerContent).where(or_(
                    col(ContainerContent.packed_anchor).in_(chunk), col(ContainerContent.unpacked_anchor).in_(chunk)))))
                ids = [r.child_item for r in rows if r.child_item]
                keys = {i.item_id: i.key for i in s.scalars(select(Item).where(col(Item.item_id).in_(ids)))}
                for row in rows:
                    child = self.epc(keys[row.child_item]) if row.child_item else self.container(row.child_container or "")
                    for root in (row.packed_anchor, row.unpacked_anchor):
                        if root is not None and root in chunk:
                            self.children.setdefault(root, []).append(child)

    def epc(self, key: str) -> str:
        item = ItemKey.parse(key)
        prefix = next(p for p in self.prefixes if item.gtin[1:].startswith(p))
        return Sgtin.from_key(item, len(prefix)).urn

    def container(self, sscc: str) -> str:
        prefix = next((p for p in self.prefixes if sscc[1:].startswith(p)), sscc[1:8])
        return sscc_urn(sscc, len(prefix))

    def party(self, address: str) -> str:
        return party_uri(self.chain_id, address)

    def event(self, steps: Sequence[TrailEvent], counterparty_address: str | None) -> dict[str, Any]:
        first = steps[0]
        action = _ACTIONS.get(first.action)
        kind, epcis_action = _SHAPE[action or "register"]
        epcs = sorted(self.epc(s.item) for s in steps)
        event: dict[str, Any] = {"type": kind, "eventTime": _time(first.timestamp), "eventTimeZoneOffset": "+00:00"}
        if kind == "AggregationEvent":
            event["parentID"] = self.container(first.container or "")
            event["childEPCs"] = sorted(self.children.get(first.anchor_root, epcs))
        else:
            event["epcList"] = epcs
        event.update(action=epcis_action, bizStep=first.biz_step, disposition=first.disposition)
        if action is not None and isinstance(RULES[action].sets, Condition) and action.anchor_kind is AnchorKind.STATUS_CHANGE:
            event["persistentDisposition"] = {"set": [first.disposition]}
        location = first.location
        if location.isdigit() and len(location) == 13:
            event["readPoint"] = {"id": f"https://id.gs1.org/414/{location}"}
        elif location.startswith("https://id.gs1.org/414/"):
            event["readPoint"] = {"id": location}
        if action in (Action.SHIP, Action.RECEIVE) and counterparty_address:
            sender, receiver = ((first.actor_address, counterparty_address) if action is Action.SHIP
                                else (counterparty_address, first.actor_address))
            event["sourceList"] = [{"type": "possessing_party", "source": self.party(sender)}]
            event["destinationList"] = [{"type": "possessing_party", "destination": self.party(receiver)}]
        event["ledger:actor"] = self.party(first.actor_address)
        if location and "readPoint" not in event:
            event["ledger:location"] = location
        event["ledger:proof"] = {
            "ledger:anchorRoot": first.anchor_root, "ledger:anchorKind": anchor_kind_uri(first.anchor_kind),
            "ledger:transaction": first.tx_hash, "ledger:block": first.block_number,
            "ledger:signer": self.party(first.signer), "ledger:signature": first.signature or "",
            "ledger:events": [{"ledger:epc": self.epc(s.item), "ledger:eventHash": s.event_hash,
                               **({"ledger:previousHash": s.previous_hash} if s.previous_hash else {})}
                              for s in sorted(steps, key=lambda s: s.item)]}
        return event


def document_context() -> list[Any]:
    """The ``@context`` of every document the ledger writes (its event IDs are hashed under it)."""
    return [EPCIS_CONTEXT, {"ledger": LEDGER_NAMESPACE}]


def epc_urn(ledger: Ledger, key: str) -> str:
    """An item's EPC pure identity URI as the export writes it (split at its brand's company prefix)."""
    return _Exporter(ledger, ()).epc(key)


def export_events(ledger: Ledger, steps: Sequence[TrailEvent]) -> list[dict[str, Any]]:
    """The steps as EPCIS events, one per anchor, in chain order (block, time, root), each with its eventID."""
    exporter = _Exporter(ledger, sorted({s.anchor_root for s in steps if s.container}))
    context = document_context()
    groups: dict[str, list[TrailEvent]] = {}
    for step in steps:
        groups.setdefault(step.anchor_root, []).append(step)
    with Session(ledger.engine) as s:
        addresses = {p.name: p.address for p in s.scalars(select(Party))}
    counterparties = {s.anchor_root: addresses.get(s.counterparty, s.counterparty) for s in steps if s.counterparty}
    events = []
    for root, group in sorted(groups.items(), key=lambda g: (g[1][0].block_number, g[1][0].timestamp, g[0])):
        event = exporter.event(group, counterparties.get(root))
        events.append({"eventID": event_hash_id(event, context), **event})
    return events


def export_document(ledger: Ledger, scope: TrailScope, steps: Sequence[TrailEvent] | None = None) -> dict[str, Any]:
    """The scope's trail (or the given ``steps``) as an EPCISDocument, events in time order."""
    steps = trail(ledger.engine, scope) if steps is None else steps
    return {"@context": document_context(), "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "epcisBody": {"eventList": export_events(ledger, steps)}}
