"""Import of a partner's EPCIS 2.0 document: every event becomes a signed, anchored ledger
action by the importing party — or nothing is imported at all.

The document is parsed and validated against GS1's schema, then every event is mapped and
checked against the ledger's state *as the earlier events of the same document leave it*
(custody rules, packing rules, identities); only when all of them fit are they applied, in
document order. Mapping:

===============================  ==============================================
EPCIS event                      ledger action
===============================  ==============================================
ObjectEvent shipping             ship to the ``destinationList`` party
ObjectEvent receiving            accept the open shipment holding exactly its EPCs
ObjectEvent holding + recalled   recall;  + stolen: report stolen
ObjectEvent retail_selling       sell
ObjectEvent destroying           destroy; decommissioning: decommission
ObjectEvent commissioning        only for items already registered: skipped
AggregationEvent ADD / DELETE    pack into / unpack from ``parentID``
===============================  ==============================================

Identities: items are SGTIN EPC URNs or GS1 Digital Links; containers SSCC EPC URNs or
``/00/`` Digital Links; parties are ``did:pkh:eip155:<chainId>:<address>`` of a party
registered on this ledger (what ``ledger epcis export`` writes). If an event names its
acting party (extension ``ledger:actor``, or the ``sourceList`` of a shipment) it must be
the importing party; a receipt's ``sourceList`` and ``destinationList``, if given, must name
the shipment's sender and the importing party. Places: a ``readPoint`` (an SGLN or GLN
Digital Link, with or without an extension, or any other URI) or the ``ledger:location``
extension, recorded as the event's location. A ``disposition``, if given, must be the one the
ledger records for that step. The ledger records its own time for each action (the anchor's),
not the document's ``eventTime``; ``eventID``, ``recordTime`` and the ``ledger:proof`` of an
exported document are the source's, not carried over.

Nothing else is dropped in silence: an event that carries what the ledger has no place for
(``bizTransactionList``, ``bizLocation``, quantities, sensor data, ILMD, other extensions…)
is refused, naming those fields and what the ledger would accept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from ..codes.identifiers import ItemKey
from ..codes.parsing import parse_code
from ..custody.ledger import MAX_LOCATION, ActionResult, Ledger
from ..custody.packing import Sscc, pack, unpack
from ..custody.rules import item_keys, load_states
from ..custody.state import RULES, Act, Actor, ItemState, check, effect
from ..errors import SHOWN_CHARACTERS, EpcisEventRefused, LedgerError, shown
from ..index.models import ContainerContent, Item, Party, Shipment
from ..proofs.events import Action
from ..untrusted import plain_text
from ._uris import canonical_uri, cbv_word
from .schema import parse_document

__all__ = ["ImportedEvent", "import_document"]

# What an event may carry besides its EPCs: each is recorded, checked, or (time, IDs, the source's proof) documented as not carried.
_CARRIED = {"type", "eventTime", "eventTimeZoneOffset", "eventID", "recordTime", "action", "bizStep", "disposition", "readPoint",
            "ledger:actor", "ledger:location", "ledger:proof"}
_EPCS = {"ObjectEvent": {"epcList", "sourceList", "destinationList"}, "AggregationEvent": {"parentID", "childEPCs"}}
_ACCEPTED = ("the ledger records an event's EPCs (epcList, or parentID and childEPCs), bizStep, disposition and place "
             "(readPoint or ledger:location), and a shipment's or receipt's sourceList and destinationList")
_STATUS = {("holding", "recalled"): Action.RECALL, ("holding", "stolen"): Action.REPORT_STOLEN,
           ("retail_selling", None): Action.SELL, ("destroying", None): Action.DESTROY,
           ("decommissioning", None): Action.DECOMMISSION}


@dataclass(frozen=True)
class ImportedEvent:
    index: int
    event: str
    action: str
    count: int
    root: str | None  # None: skipped (a commissioning of items the ledger already holds)


@dataclass
class _Plan:
    index: int
    label: str
    action: Action | None = None
    keys: list[ItemKey] = field(default_factory=list)
    containers: list[str] = field(default_factory=list)
    parent: str | None = None
    counterparty: str | None = None
    shipment: int | str | None = None  # an indexed root, or the plan index of a shipment in this document
    location: str = ""


class _State:
    """Items' states and memberships as the planned events leave them (nothing is written)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.items: dict[str, Item] = {}
        self.states: dict[str, ItemState] = {}
        with Session(ledger.engine) as s:
            self.parties = {p.address.lower(): p for p in s.scalars(select(Party))}
            rows = s.scalars(select(ContainerContent).where(col(ContainerContent.unpacked_anchor).is_(None)))
            # child (item id or SSCC) → the container it is packed in now
            self.inside: dict[str, str] = {r.child_item or r.child_container or "": r.container for r in rows}

    def item(self, key: ItemKey) -> Item:
        item_id = "0x" + key.item_id.hex()
        if item_id not in self.items:
            self._remember(self.ledger.items([key])[0])
        return self.items[item_id]

    def contents(self, sscc: str) -> list[Item]:
        children = [c for c, parent in self.inside.items() if parent == sscc]
        found = [self.items.get(c) or self._load(c) for c in children if c.startswith("0x")]
        return found + [i for c in children if not c.startswith("0x") for i in self.contents(c)]

    def state(self, item: Item) -> ItemState:
        return self.states[item.item_id]

    def apply(self, items: list[Item], act: Act) -> None:
        """Check ``act`` on ``items`` with the state machine, as the real action will, and take its effect."""
        states = [self.states[i.item_id] for i in items]
        check(item_keys(items), states, act)
        self.states.update((i.item_id, effect(state, act)) for i, state in zip(items, states, strict=True))

    def _load(self, item_id: str) -> Item:
        with Session(self.ledger.engine) as s:
            item = s.get(Item, item_id)
        assert item is not None  # a membership row names a registered item
        self._remember(item)
        return item

    def _remember(self, item: Item) -> None:
        with Session(self.ledger.engine) as s:
            self.states[item.item_id] = load_states(s, [item.item_id])[item.item_id]
        self.items[item.item_id] = item


def _check_disposition(given: str | None, recorded: str, step: str, refuse: Callable[[str], EpcisEventRefused]) -> None:
    """A disposition the ledger would not record for the step is refused, not dropped."""
    if given is not None and given != recorded:
        raise refuse(f"its disposition {given!r} is not what the ledger records for {step} ({recorded!r}); give {recorded!r} or none")


def _describe(event: dict[str, Any]) -> str:
    step = cbv_word("bizStep", event.get("bizStep", "")) if event.get("bizStep") else "no bizStep"
    step = shown(step) if len(step) > SHOWN_CHARACTERS else step
    return f"{event.get('type')} {event.get('action', '')} {step}".strip()


def _epc(text: str) -> ItemKey | str:
    """An item key, or an SSCC (18 digits) for a container."""
    uri = canonical_uri(text) or text
    match = re.fullmatch(r"https://id\.gs1\.org/00/(\d{18})", uri)
    if match:
        return Sscc.parse(match.group(1)).value
    return parse_code(uri).key


def _location(event: dict[str, Any], refuse: Callable[[str], EpcisEventRefused]) -> str:
    """The event's place: a GLN (13 digits) as the ledger writes it, the canonical Digital Link of a GLN with
    an extension, any other read point URI as given, or the ``ledger:location`` text."""
    location = event.get("ledger:location")
    if location is not None and not isinstance(location, str):
        raise refuse(f"its ledger:location is a {type(location).__name__}; expected the place's name or GLN as text")
    if "readPoint" not in event:
        if location is not None and len(location) > MAX_LOCATION:
            raise refuse(f"its ledger:location is longer than {MAX_LOCATION} characters; give the place's name or GLN")
        return location or ""
    read_point = event["readPoint"]["id"]
    place = canonical_uri(read_point) or read_point
    match = re.fullmatch(r"https://id\.gs1\.org/414/(\d{13})", place)
    place = match.group(1) if match else place
    if len(place) > MAX_LOCATION:
        raise refuse(f"its readPoint {read_point[:40]}… is longer than {MAX_LOCATION} characters, the most a ledger location holds")
    if location is not None and location != place:
        raise refuse(f"its readPoint {read_point} and its ledger:location {location!r} name two places; give one")
    return place


class _Planner:
    def __init__(self, ledger: Ledger, actor: Party) -> None:
        self.ledger, self.actor, self.state = ledger, actor, _State(ledger)
        self.chain_id = ledger.chain.chain_id
        self.shipments: dict[int, tuple[str, set[str]]] = {}  # plan index → (receiver, item ids)

    def party(self, uri: str, what: str, refuse: Callable[[str], EpcisEventRefused]) -> Party:
        match = re.fullmatch(r"did:pkh:eip155:([0-9]{1,20}):(0x[0-9a-fA-F]{40})", uri)
        if not match:
            raise refuse(f"{what} {shown(uri)} is not a party id (did:pkh:eip155:<chainId>:<address>)")
        if int(match.group(1)) != self.chain_id:
            raise refuse(f"{what} {uri} is on chain {match.group(1)}, not this ledger's chain {self.chain_id}")
        party = self.state.parties.get(match.group(2).lower())
        if party is None:
            raise refuse(f"{what} {uri} is not a party on this ledger")
        return party

    def plan(self, index: int, event: dict[str, Any]) -> _Plan | None:
        label = _describe(event)

        def refuse(problem: str) -> EpcisEventRefused:
            return EpcisEventRefused(index, label, problem)

        if event["type"] not in _EPCS:
            raise refuse("only ObjectEvents and AggregationEvents map onto ledger actions")
        ignored = sorted(set(event) - _CARRIED - _EPCS[event["type"]])
        ignored += [f"readPoint.{k}" for k in sorted(event.get("readPoint", {})) if k != "id"]
        if ignored:
            raise refuse(f"it carries {', '.join(ignored)}, which the ledger has no place for; {_ACCEPTED}: "
                         "leave the rest out to import it")
        actor = event.get("ledger:actor")
        if isinstance(actor, str) and self.party(actor, "its actor", refuse).address != self.actor.address:
            raise refuse(f"it was made by {actor}, not by {self.actor.name}")  # a party id: short
        try:
            codes = [_epc(e) for e in event.get("epcList", event.get("childEPCs", []))]
        except LedgerError as exc:
            raise refuse(exc.message) from None
        keys = [c for c in codes if isinstance(c, ItemKey)]
        boxes = [c for c in codes if isinstance(c, str)]
        try:
            items = [self.state.item(k) for k in keys]
            # Checked here, not when the action is recorded: by then earlier events would be anchored.
            location = plain_text("location", _location(event, refuse), MAX_LOCATION, "a place name or GLN")
        except LedgerError as exc:
            raise refuse(exc.message) from None
        plan = _Plan(index, label, None, keys, boxes, location=location)
        try:
            if event["type"] == "AggregationEvent":
                return self._aggregation(plan, event, items, refuse)
            return self._object(plan, event, items, refuse)
        except EpcisEventRefused:
            raise
        except LedgerError as exc:
            raise refuse(exc.message) from None

    def _object(self, plan: _Plan, event: dict[str, Any], items: list[Item],
                refuse: Callable[[str], EpcisEventRefused]) -> _Plan | None:
        step = cbv_word("bizStep", event.get("bizStep", ""))
        disposition = cbv_word("disposition", event["disposition"]) if event.get("disposition") else None
        if not plan.keys and not plan.containers:
            raise refuse("it names no items (epcList)")
        if step not in ("shipping", "receiving") and ("sourceList" in event or "destinationList" in event):
            raise refuse(f"a {step or 'bizStep-less'} event has no sourceList or destinationList on the ledger; "
                         "only shipping and receiving move goods between parties")
        if step == "commissioning":
            _check_disposition(disposition, "active", step, refuse)
            return None  # every EPC resolved to a registered item above: nothing new to record
        if step == "shipping":
            _check_disposition(disposition, Action.SHIP.disposition, step, refuse)
            return self._ship(plan, event, items, refuse)
        if step == "receiving":
            _check_disposition(disposition, Action.RECEIVE.disposition, step, refuse)
            return self._receive(plan, event, items, refuse)
        action = _STATUS.get((step, disposition)) or _STATUS.get((step, None))
        if action is None:
            raise refuse(f"bizStep {shown(step)} with disposition {shown(disposition)} has no ledger action "
                         "(shipping, receiving, holding+recalled/stolen, retail_selling, destroying, decommissioning, packing)")
        _check_disposition(disposition, action.disposition, step, refuse)
        if plan.containers:
            raise refuse("status changes name items, not containers")
        self.state.apply(items, Act(action, Actor.of(self.actor)))
        packed = [i for i in items if i.item_id in self.state.inside]
        if RULES[action].unpacked and packed:
            raise refuse(f"item /01/{packed[0].gtin}/21/{packed[0].serial} is packed in {self.state.inside[packed[0].item_id]}; "
                         "unpack it first")
        plan.action = action
        return plan

    def _ship(self, plan: _Plan, event: dict[str, Any], items: list[Item], refuse: Callable[[str], EpcisEventRefused]) -> _Plan:
        destinations = [d["destination"] for d in event.get("destinationList", [])]
        if len(destinations) != 1:
            raise refuse(f"a shipment names exactly one destination party, this names {len(destinations)}")
        for source in (s["source"] for s in event.get("sourceList", [])):
            if self.party(source, "its source", refuse).address != self.actor.address:
                raise refuse(f"its source {source} is not {self.actor.name}, who imports it")
        receiver = self.party(destinations[0], "its destination", refuse)
        packed = [i for i in items if i.item_id in self.state.inside]
        if packed:
            raise refuse(f"item /01/{packed[0].gtin}/21/{packed[0].serial} is packed in {self.state.inside[packed[0].item_id]}; "
                         "ship the container")
        for box in plan.containers:
            if box in self.state.inside:
                raise refuse(f"container {box} is packed in {self.state.inside[box]}; ship that instead")
            items = items + self.state.contents(box)
        self.state.apply(items, Act(Action.SHIP, Actor.of(self.actor), Actor.of(receiver), shipment=f"#{plan.index}"))
        self.shipments[plan.index] = (receiver.address, {i.item_id for i in items})
        plan.action, plan.counterparty = Action.SHIP, receiver.name
        return plan

    def _receive(self, plan: _Plan, event: dict[str, Any], items: list[Item], refuse: Callable[[str], EpcisEventRefused]) -> _Plan:
        for box in plan.containers:
            items = items + self.state.contents(box)
        open_ = {self.state.state(i).shipment for i in items}
        if len(open_) != 1 or None in open_:
            raise refuse("its items are not all in one open shipment")
        (shipment,) = open_
        assert shipment is not None
        if shipment.startswith("#"):
            receiver, members = self.shipments[int(shipment[1:])]
            sender = self.actor.address  # a shipment earlier in this document is the importer's own
            plan.shipment = int(shipment[1:])
        else:
            with Session(self.ledger.engine) as s:
                members = set(s.scalars(select(col(Item.item_id)).where(col(Item.open_shipment) == shipment)))
                row = s.get(Shipment, shipment)
            receiver, sender = (row.receiver, row.sender) if row else ("", "")
            plan.shipment = shipment
        if self.state.state(items[0]).receiver != self.actor.address:
            raise refuse(f"shipment {shipment} was not sent to {self.actor.name}")
        if members != {i.item_id for i in items}:
            raise refuse(f"it lists {len(items)} of the {len(members)} items of shipment {shipment}; a shipment is accepted whole")
        for role, entry, party in (("source", "sourceList", sender), ("destination", "destinationList", receiver)):
            for named in (e[role] for e in event.get(entry, [])):
                if self.party(named, f"its {role}", refuse).address != party:
                    raise refuse(f"its {role} {named} is not the {'sender' if role == 'source' else 'receiver'} "
                                 f"of shipment {shipment} ({self.ledger.party_name(party)})")
        self.state.apply(items, Act(Action.RECEIVE, Actor.of(self.actor), shipment=shipment))
        plan.action = Action.RECEIVE
        return plan

    def _aggregation(self, plan: _Plan, event: dict[str, Any], items: list[Item],
                     refuse: Callable[[str], EpcisEventRefused]) -> _Plan:
        parent = _epc(event.get("parentID", ""))
        if not isinstance(parent, str):
            raise refuse(f"parentID {shown(event.get('parentID'))} is not a container (SSCC)")
        plan.parent = parent
        if event["action"] in ("ADD", "DELETE"):
            expected = "packing" if event["action"] == "ADD" else "unpacking"
            step = cbv_word("bizStep", event["bizStep"]) if event.get("bizStep") else expected
            if step != expected:
                raise refuse(f"an AggregationEvent {event['action']} is {expected} on the ledger, not {step!r}")
            given = cbv_word("disposition", event["disposition"]) if event.get("disposition") else None
            _check_disposition(given, Action.PACK.disposition, expected, refuse)
        inside = self.state.inside
        moved = items + [i for box in plan.containers for i in self.state.contents(box)]
        if event["action"] == "ADD":
            for child in [i.item_id for i in items] + plan.containers:
                if child in inside:
                    raise refuse(f"{child} is already packed in container {inside[child]}")
            # As pack() does: adding to a container that already holds goods needs those at hand too.
            self.state.apply(moved + self.state.contents(parent), Act(Action.PACK, Actor.of(self.actor)))
            inside.update({child: parent for child in [i.item_id for i in items] + plan.containers})
            plan.action = Action.PACK
        elif event["action"] == "DELETE":
            for child in [i.item_id for i in items] + plan.containers:
                if inside.get(child) != parent:
                    raise refuse(f"{child} is not packed in {parent}")
            self.state.apply(moved, Act(Action.UNPACK, Actor.of(self.actor)))
            for child in [i.item_id for i in items] + plan.containers:
                del inside[child]
            plan.action = Action.UNPACK
        else:
            raise refuse("an AggregationEvent OBSERVE records nothing on the ledger")
        if not moved:
            raise refuse("it moves no items")
        return plan


def import_document(ledger: Ledger, data: bytes | str, actor_name: str) -> list[ImportedEvent]:
    """Validate the whole document against the schema and the ledger, then record every event as ``actor_name``."""
    document = parse_document(data)
    actor = ledger.party(actor_name)
    planner = _Planner(ledger, actor)
    events = document["epcisBody"]["eventList"]
    plans = [planner.plan(i, event) for i, event in enumerate(events)]
    roots: dict[int, str] = {}
    results = []
    for i, plan in enumerate(plans):
        if plan is None:
            results.append(ImportedEvent(i, _describe(events[i]), "skipped", 0, None))
            continue
        result = _apply(ledger, actor_name, plan, roots)
        roots[i] = result.root
        results.append(ImportedEvent(i, plan.label, result.kind, result.count, result.root))
    return results


def _apply(ledger: Ledger, actor: str, plan: _Plan, roots: dict[int, str]) -> ActionResult:
    assert plan.action is not None  # every plan that is applied names its action
    if plan.action is Action.SHIP:
        return ledger.ship(actor, plan.counterparty or "", plan.keys, plan.location, plan.containers)
    if plan.action is Action.RECEIVE:
        shipment = roots[plan.shipment] if isinstance(plan.shipment, int) else plan.shipment
        return ledger.receive(actor, shipment or "", plan.location)
    if plan.action is Action.PACK:
        return pack(ledger, actor, plan.parent or "", plan.keys, plan.containers, plan.location)
    if plan.action is Action.UNPACK:
        return unpack(ledger, actor, plan.parent or "", plan.keys, plan.containers, plan.location)
    return ledger.change_status(actor, plan.action, plan.keys, location=plan.location)

