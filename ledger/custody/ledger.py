"""`Ledger`: the one object through which the CLI and the web app act on the ledger.

Every write follows one path: validate → sign (EIP-712) → journal the action → anchor it
on chain → commit all its index rows in one transaction and drop the journal entry. If the
process dies after the anchor, :meth:`Ledger.reconcile` (run on open and by `ledger sync`)
finishes the commit from the journal, so the index never disagrees with the chain.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Self

from eth_account.signers.local import LocalAccount
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from ..chain.client import AnchorRecord, ChainClient
from ..chain.keystore import Keystore
from ..chain.roles import Role
from ..codes.identifiers import ItemKey, validate_lot
from ..errors import (
    DuplicateItem,
    InvalidInput,
    KeystoreError,
    LedgerError,
    NotInitialised,
    PrefixOwned,
    RoleError,
    StateConflict,
    UnknownItem,
    UnknownParty,
)
from ..geo import Location
from ..index.bulk import chunks, insert_rows, registered_among
from ..index.engine import open_engine, unit_of_work
from ..index.models import Anchor, Batch, Container, ContainerContent, Event, Item, Party, PendingAction, PrefixBinding, Premises, Shipment
from ..index.write_lock import WriteLock, exclusive
from ..proofs.events import ZERO_ADDRESS, Action, CustodyEvent
from ..proofs.merkle import MerkleTree, event_leaf
from ..proofs.typed_data import ActionMessage, Domain, RegistrationMessage, sign
from ..settings import Settings
from ..untrusted import anchor_root, is_name, plain_text
from .inspections import InspectionOutcome
from .packing import record_packing, refuse_packed, shipment_items
from .registration import ITEM_COLUMNS, BatchPlan, ItemSpec, plan_batch
from .rules import STATUS_OF, check_receive, check_ship, check_status_change

__all__ = ["MAX_LOCATION", "ActionResult", "Ledger"]

# A custody event's place: a name or GLN, printable, at most this long.
MAX_LOCATION = 200
_GAS_MONEY = 10**19  # 10 ETH of a dev chain's money: tens of thousands of anchors


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


@dataclass(frozen=True)
class ActionResult:
    """What an action anchored: its root (the batch or shipment id), count, and where it was mined."""

    root: str
    kind: str
    count: int
    tx_hash: str
    block_number: int


class Ledger:
    def __init__(self, settings: Settings, chain: ChainClient, engine: Engine, keystore: Keystore,
                 clock: Callable[[], int] = lambda: int(time.time())) -> None:
        self.settings = settings
        self.chain = chain
        self.engine = engine
        self.keystore = keystore
        self.clock = clock
        self.domain = Domain(chain.chain_id, chain.contract.address)
        self.write_lock = WriteLock(engine, settings.home / "write.lock")

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def init(cls, settings: Settings, attach_to: str | None = None, redeploy: bool = False) -> Ledger:
        """Create the home and admin key, deploy the contract (or attach to one), create the index."""
        if settings.deployment_file.exists() and not redeploy:
            raise StateConflict(f"ledger home {settings.home}", "already initialised (use --redeploy to deploy anew)")
        if attach_to is not None and not re.fullmatch(r"0x[0-9a-fA-F]{40}", attach_to):
            raise InvalidInput("contract address", attach_to, "is not an Ethereum address", "0x and 40 hex digits")
        settings.home.mkdir(parents=True, exist_ok=True)
        keystore = _keystore(settings)
        admin = keystore.unlock("admin") if "admin" in keystore.names() else keystore.create("admin")
        chain = ChainClient.connect(settings.chain, settings.chain_dir)
        chain.fund(admin.address, _GAS_MONEY)
        if attach_to:
            chain.attach(attach_to)
            address, block = attach_to, 0
        else:
            address, block = chain.deploy(admin)
        settings.deployment_file.write_text(json.dumps(
            {"address": address, "chain_id": chain.chain_id, "deployed_at_block": block}, indent=2) + "\n")
        engine = open_engine(settings.database_url)
        with unit_of_work(engine) as s:
            if redeploy:
                for table in (ContainerContent, Container, Event, Item, Batch, Shipment, Anchor, PendingAction, PrefixBinding,
                              Party):
                    s.execute(delete(table))
            if s.get(Party, admin.address) is None:
                s.add(Party(address=admin.address, name="admin", role=Role.ADMIN.value, created_at=_now()))
        return cls(settings, chain, engine, keystore)

    @classmethod
    def open(cls, settings: Settings, clock: Callable[[], int] | None = None) -> Ledger:
        if not settings.deployment_file.exists():
            raise NotInitialised(str(settings.home))
        deployment = json.loads(settings.deployment_file.read_text())
        chain = ChainClient.connect(settings.chain, settings.chain_dir)
        chain.attach(deployment["address"])
        ledger = cls(settings, chain, open_engine(settings.database_url), _keystore(settings),
                     *([clock] if clock else []))
        ledger.reconcile()
        return ledger

    def close(self) -> None:
        self.chain.close()
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- parties -------------------------------------------------------------------------

    @exclusive
    def add_party(self, name: str, role: Role, prefixes: Sequence[str] = ()) -> Party:
        name = name.strip()
        if not is_name(name):
            raise InvalidInput("party name", name, "is empty, too long or has spaces/symbols", "letters, digits, - _ . (≤ 80)")
        if role is Role.ADMIN:
            raise InvalidInput("role", role.value, "is created by `ledger init`",
                               "brand, carrier, distributor, retailer, officer or auditor")
        if prefixes and role is not Role.BRAND:
            raise RoleError(name, "own GS1 company prefixes", "brand")
        for prefix in prefixes:
            if not (prefix.isascii() and prefix.isdigit() and 6 <= len(prefix) <= 12):
                raise InvalidInput("GS1 company prefix", prefix, "is not 6 to 12 digits", "e.g. 9521234")
        with Session(self.engine) as s:
            if s.scalars(select(Party).where(col(Party.name) == name)).first() is not None:
                raise StateConflict(f"party {name}", "already exists")
            for prefix in prefixes:
                bound = s.get(PrefixBinding, prefix)
                if bound is not None:
                    raise PrefixOwned(prefix, self.party_name(bound.brand))
        for prefix in prefixes:
            owner = self.chain.prefix_owner(prefix)
            if owner is not None:
                raise PrefixOwned(prefix, owner)
        admin = self.keystore.unlock("admin")
        account = self.keystore.create(name)
        self.chain.fund(account.address, _GAS_MONEY)
        self.chain.grant_role(admin, role.chain_role, account.address)
        for prefix in prefixes:
            self.chain.bind_prefix(admin, prefix, account.address)
        party = Party(address=account.address, name=name, role=role.value, created_at=_now())
        with unit_of_work(self.engine) as s:
            s.add(party)
            s.add_all(PrefixBinding(prefix=p, brand=account.address) for p in prefixes)
        return party

    def party(self, name: str) -> Party:
        if not is_name(name):
            raise UnknownParty(name)  # no party has such a name; and the database is not asked about NUL characters
        with Session(self.engine) as s:
            party = s.scalars(select(Party).where(col(Party.name) == name)).first()
        if party is None:
            raise UnknownParty(name)
        return party

    def party_name(self, address: str) -> str:
        with Session(self.engine) as s:
            party = s.get(Party, address)
        return party.name if party else address

    @exclusive
    def add_premises(self, name: str, place: Location) -> Premises:
        """Record a place where the party ``name`` keeps goods; ``place.site`` names it.

        The verifier expects goods at rest with a party (no shipment open) near one of its premises,
        and calls a scan far from all of them CUSTODY_MISMATCH. Premises are directory data, like
        party names: kept in the index, not anchored.
        """
        party = self.party(name)
        premises = Premises(party=party.address, lat=place.lat, lon=place.lon, label=place.site)
        with unit_of_work(self.engine) as s:
            same = s.scalars(select(Premises).where(col(Premises.party) == party.address, col(Premises.lat) == place.lat,
                                                    col(Premises.lon) == place.lon, col(Premises.label) == place.site)).first()
            if same is not None:  # recorded already: a repeated command changes nothing
                return same
            s.add(premises)
        return premises

    @exclusive
    def remove_premises(self, name: str, place: Location | None = None) -> int:
        """Forget the party's premises at ``place`` (its coordinates), or all of them; how many were removed.

        InvalidInput if ``place`` is not one of them.
        """
        party = self.party(name)
        with unit_of_work(self.engine) as s:
            query = select(Premises).where(col(Premises.party) == party.address)
            if place is not None:
                query = query.where(col(Premises.lat) == place.lat, col(Premises.lon) == place.lon)
            found = list(s.scalars(query))
            if place is not None and not found:
                raise InvalidInput("premises", f"{place.lat},{place.lon}", f"is not a premises of {name}",
                                   "coordinates as `ledger party list` shows them")
            for row in found:
                s.delete(row)
        return len(found)

    def premises(self) -> dict[str, list[Premises]]:
        """Every party's premises, by party address."""
        with Session(self.engine) as s:
            rows = list(s.scalars(select(Premises).order_by(col(Premises.id))))
        found: dict[str, list[Premises]] = {}
        for row in rows:
            found.setdefault(row.party, []).append(row)
        return found

    def parties(self) -> list[tuple[Party, list[str]]]:
        with Session(self.engine) as s:
            parties = list(s.scalars(select(Party).order_by(col(Party.created_at))))
            bindings = list(s.scalars(select(PrefixBinding)))
        return [(p, sorted(b.prefix for b in bindings if b.brand == p.address)) for p in parties]

    def act_as(self, name: str) -> tuple[Party, LocalAccount]:
        """The party ``name`` and its unlocked key, to sign an action with (see :meth:`record_events`).

        Raises UnknownParty, or KeystoreError when the key cannot be unlocked or is not the party's registered address.
        """
        party = self.party(name)
        account = self.keystore.unlock(name)
        if account.address != party.address:
            raise KeystoreError(name, "the key file does not match the party's registered address")
        return party, account

    # -- registration --------------------------------------------------------------------

    @exclusive
    def register(self, brand_name: str, items: Iterable[ItemSpec]) -> ActionResult:
        brand, account = self.act_as(brand_name)
        if brand.role != Role.BRAND.value:
            raise RoleError(brand.name, "register items", "brand")
        with Session(self.engine) as s:
            bindings = list(s.scalars(select(PrefixBinding)))
        own = [b.prefix for b in bindings if b.brand == brand.address]
        others = {b.prefix: self.party_name(b.brand) for b in bindings if b.brand != brand.address}
        plan = plan_batch(brand.address, own, items, self.clock(), others)
        self._refuse_registered(plan)
        message = RegistrationMessage(plan.root, plan.count, plan.company_prefix, plan.timestamp)
        metadata_hash, signature = sign(message, self.domain, account)
        payload = {"brand": brand.address, "prefix": plan.company_prefix, "timestamp": plan.timestamp,
                   "signature": _hex(signature), "prefixes": own,
                   "items": [[gtin, serial, lot, expiry.isoformat() if expiry else None]
                             for _, gtin, serial, lot, expiry, *_ in plan.rows]}
        record = self._journal_and_anchor(plan.root, "registration", payload, lambda: self.chain.anchor_registration(
            account, plan.root, plan.count, plan.company_prefix, metadata_hash))
        self._commit_registration(plan, record, signature)
        return ActionResult(_hex(plan.root), "registration", plan.count, _hex(record.tx_hash), record.block_number)

    def _refuse_registered(self, plan: BatchPlan) -> None:
        with Session(self.engine) as s:
            found = registered_among(s, [row[0] for row in plan.rows])
        if found is not None:
            row = next(r for r in plan.rows if r[0] == found)
            raise DuplicateItem(f"/01/{row[1]}/21/{row[2]}", "already registered on the ledger")

    def _commit_registration(self, plan: BatchPlan, record: AnchorRecord, signature: bytes) -> None:
        with unit_of_work(self.engine) as s:
            s.add(_anchor_row(record, signature=signature, timestamp=plan.timestamp))
            s.add(Batch(root=_hex(plan.root), brand=plan.brand, company_prefix=plan.company_prefix, count=plan.count,
                        created_at=datetime.fromtimestamp(plan.timestamp, UTC),
                        tree=plan.tree.to_bytes()))
            # In key order, so the primary-key B-tree is filled page by page rather than at random.
            insert_rows(s, "item", ITEM_COLUMNS, sorted(plan.rows))
            s.execute(delete(PendingAction).where(col(PendingAction.root) == _hex(plan.root)))

    # -- custody -------------------------------------------------------------------------

    def items(self, keys: Sequence[ItemKey]) -> list[Item]:
        """Index rows for ``keys``, in order; unknown or repeated keys are refused."""
        ids = [_hex(k.item_id) for k in keys]
        if len(set(ids)) != len(ids):
            dup = next(k for k, i in zip(keys, ids, strict=False) if ids.count(i) > 1)
            raise DuplicateItem(dup.canonical, "listed twice")
        found: dict[str, Item] = {}
        with Session(self.engine) as s:
            for chunk in chunks(ids):
                found.update((i.item_id, i) for i in s.scalars(select(Item).where(col(Item.item_id).in_(chunk))))
        missing = [k for k, i in zip(keys, ids, strict=False) if i not in found]
        if missing:
            raise UnknownItem(missing[0].canonical + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))
        return [found[i] for i in ids]

    @exclusive
    def ship(self, sender_name: str, receiver_name: str, keys: Sequence[ItemKey], location: str = "",
             containers: Sequence[str] = ()) -> ActionResult:
        """Ship loose items and whole containers (SSCCs: every item packed in them travels)."""
        sender, account = self.act_as(sender_name)
        receiver = self.party(receiver_name)
        items = shipment_items(self, keys, containers)
        check_ship(sender, receiver, items)
        return self.record_events(account, Action.SHIP, items, receiver.address, bytes(32), location)

    @exclusive
    def receive(self, receiver_name: str, shipment_root: str, location: str = "") -> ActionResult:
        receiver, account = self.act_as(receiver_name)
        with Session(self.engine) as s:
            shipment = s.get(Shipment, anchor_root("shipment root", shipment_root))
            if shipment is None:
                raise StateConflict(f"shipment {shipment_root}", "is not on this ledger")
            check_receive(receiver, shipment)
            items = list(s.scalars(select(Item).where(col(Item.open_shipment) == shipment.root)))
        return self.record_events(account, Action.RECEIVE, items, shipment.sender,
                                   bytes.fromhex(shipment.root[2:]), location)

    @exclusive
    def change_status(self, actor_name: str, action: Action, keys: Sequence[ItemKey] = (), lot: str | None = None,
                      location: str = "") -> ActionResult:
        if action not in STATUS_OF:
            raise InvalidInput("status", action.label, "is not a status change", "recall, stolen, sold, destroyed or decommissioned")
        actor, account = self.act_as(actor_name)
        if lot is not None:
            validate_lot(lot)
            with Session(self.engine) as s:
                items = list(s.scalars(select(Item).where(col(Item.lot) == lot, col(Item.brand) == actor.address,
                                                          col(Item.status).not_in(["destroyed", "decommissioned"]))))
            if not items:
                raise UnknownItem(f"lot {lot} of {actor.name}")
        elif keys:
            items = self.items(keys)
        else:
            raise InvalidInput("items", "", "none given", "item codes or --lot")
        check_status_change(actor, action, items)
        if action in (Action.SELL, Action.DESTROY, Action.DECOMMISSION):
            refuse_packed(self, items, f"{action.label} it while it is packed (unpack it first)")
        return self.record_events(account, action, items, ZERO_ADDRESS, bytes(32), location)

    @exclusive
    def inspect(self, officer_name: str, keys: Sequence[ItemKey], outcome: str, location: str) -> ActionResult:
        """An officer's inspection of items; the outcome is the action's signed reference (see inspections)."""
        officer, account = self.act_as(officer_name)
        if officer.role != Role.OFFICER.value:
            raise RoleError(officer.name, "record inspections", "officer")  # the contract also requires OFFICER_ROLE
        result = InspectionOutcome.parse(outcome)
        if not location.strip():
            raise InvalidInput("location", location, "is empty", "where the inspection took place")
        if not keys:
            raise InvalidInput("items", "", "none given", "item codes")
        return self.record_events(account, Action.INSPECT, self.items(keys), ZERO_ADDRESS, result.reference, location)

    @exclusive
    def record_events(self, account: LocalAccount, action: Action, items: Sequence[Item], counterparty: str,
                      reference: bytes, location: str, packing: dict[str, Any] | None = None) -> ActionResult:
        """Sign, journal, anchor and commit ``action`` by ``account``'s party: one custody event per item.

        The write path of every custody action. It checks only the location's length: whether the party may act
        on these items is the caller's check, which must hold the write lock too (an ``@exclusive`` method) so
        nothing changes between check and record. ``counterparty`` is an address (ZERO_ADDRESS if none);
        ``reference`` is the 32-byte word the signature covers. ``packing``, for PACK and UNPACK only, is the
        membership change committed with the events: ``{"container": sscc, "items": [item id, …], "containers":
        [sscc, …]}`` (see :func:`ledger.custody.packing.record_packing`).
        """
        plain_text("location", location, MAX_LOCATION, "a place name or GLN")
        now = self.clock()
        events = [CustodyEvent(bytes.fromhex(i.item_id[2:]), action, account.address, counterparty, now,
                               bytes.fromhex(i.head_hash[2:]), location) for i in items]
        tree = MerkleTree.build(event_leaf(e.hash) for e in events)
        message = ActionMessage(int(action.anchor_kind), int(action), tree.root, len(events), counterparty, now, reference)
        metadata_hash, signature = sign(message, self.domain, account)
        payload = {"action": int(action), "actor": account.address, "counterparty": counterparty, "timestamp": now,
                   "reference": _hex(reference), "location": location, "signature": _hex(signature),
                   "events": [[_hex(e.item_id), _hex(e.previous_hash)] for e in events],
                   **({"packing": packing} if packing is not None else {})}
        record = self._journal_and_anchor(tree.root, action.label, payload, lambda: self.chain.anchor_events(
            account, tree.root, action.anchor_kind, len(events), metadata_hash))
        self._commit_events(payload, record)
        return ActionResult(_hex(tree.root), action.label, len(events), _hex(record.tx_hash), record.block_number)

    def _commit_events(self, payload: dict[str, Any], record: AnchorRecord) -> None:
        action = Action(payload["action"])
        events = [CustodyEvent(bytes.fromhex(item[2:]), action, payload["actor"], payload["counterparty"],
                               payload["timestamp"], bytes.fromhex(prev[2:]), payload["location"])
                  for item, prev in payload["events"]]
        root = _hex(record.root)
        with unit_of_work(self.engine) as s:
            s.add(_anchor_row(record, signature=bytes.fromhex(payload["signature"][2:]), timestamp=payload["timestamp"],
                              action=action, counterparty=payload["counterparty"], reference=payload["reference"]))
            seqs = _next_seqs(s, [_hex(e.item_id) for e in events])
            s.execute(insert(Event), [{
                "event_hash": _hex(e.hash), "item_id": _hex(e.item_id), "seq": seqs[_hex(e.item_id)], "action": int(action),
                "actor": e.actor, "counterparty": e.counterparty, "timestamp": e.timestamp,
                "previous_hash": _hex(e.previous_hash), "location": e.location, "anchor_root": root} for e in events])
            changes: dict[str, Any] = {}
            if action is Action.SHIP:
                changes["open_shipment"] = root
            elif action is Action.RECEIVE:
                changes.update(open_shipment=None, custodian=payload["actor"])
            elif action in STATUS_OF:
                changes["status"] = STATUS_OF[action]
            # ORM bulk UPDATE by primary key: one executemany, not one statement per item.
            s.execute(update(Item), [{"item_id": _hex(e.item_id), "head_hash": _hex(e.hash), **changes} for e in events])
            if action is Action.SHIP:
                s.add(Shipment(root=root, sender=payload["actor"], receiver=payload["counterparty"], count=len(events),
                               state="open"))
            elif action is Action.RECEIVE:
                s.execute(update(Shipment).where(col(Shipment.root) == payload["reference"])
                          .values(state="received", receipt_root=root))
            if "packing" in payload:
                record_packing(s, action, payload["packing"], root, payload["timestamp"], payload["actor"])
            s.execute(delete(PendingAction).where(col(PendingAction.root) == root))

    # -- journal -------------------------------------------------------------------------

    def _journal_and_anchor(self, root: bytes, kind: str, payload: dict[str, Any],
                            anchor: Callable[[], AnchorRecord]) -> AnchorRecord:
        with unit_of_work(self.engine) as s:
            if s.get(PendingAction, _hex(root)) is not None or s.get(Anchor, _hex(root)) is not None:
                raise StateConflict(f"{kind} {_hex(root)}", "was already submitted")
            s.add(PendingAction(root=_hex(root), kind=kind, payload=json.dumps(payload), created_at=_now()))
        try:
            return anchor()
        except LedgerError:
            with unit_of_work(self.engine) as s:
                s.execute(delete(PendingAction).where(col(PendingAction.root) == _hex(root)))
            raise

    @exclusive
    def reconcile(self) -> list[str]:
        """Finish or drop journalled actions a crash left behind; return what was done."""
        done = []
        with Session(self.engine) as s:
            pending = list(s.scalars(select(PendingAction)))
        for entry in pending:
            root = bytes.fromhex(entry.root[2:])
            on_chain = self.chain.get_anchor(root)
            if on_chain is None:
                with unit_of_work(self.engine) as s:
                    s.execute(delete(PendingAction).where(col(PendingAction.root) == entry.root))
                done.append(f"dropped {entry.kind} {entry.root}: it never reached the chain")
                continue
            record = next(r for r in self.chain.anchors_between(on_chain.block_number, on_chain.block_number)
                          if r.root == root)
            payload = json.loads(entry.payload)
            if entry.kind == "registration":
                items = [ItemSpec(g, sn, lot, date.fromisoformat(x) if x else None) for g, sn, lot, x in payload["items"]]
                plan = plan_batch(payload["brand"], payload["prefixes"], items, payload["timestamp"])
                self._commit_registration(plan, record, bytes.fromhex(payload["signature"][2:]))
            else:
                self._commit_events(payload, record)
            done.append(f"completed {entry.kind} {entry.root} from block {record.block_number}")
        return done


def _keystore(settings: Settings) -> Keystore:
    if settings.passphrase is None:
        raise KeystoreError("(all)", "no passphrase: set LEDGER_PASSPHRASE or use the CLI, which prompts for it")
    return Keystore(settings.keystore_dir, settings.passphrase, settings.kdf_iterations)


def _now() -> datetime:
    return datetime.now(UTC)


def _next_seqs(s: Session, item_ids: list[str]) -> dict[str, int]:
    seqs = {i: 1 for i in item_ids}
    for chunk in chunks(item_ids):
        rows = s.execute(select(col(Event.item_id), func.max(col(Event.seq))).where(col(Event.item_id).in_(chunk))
                         .group_by(Event.item_id))
        seqs.update((item_id, int(seq) + 1) for item_id, seq in rows)
    return seqs


def _anchor_row(record: AnchorRecord, signature: bytes, timestamp: int, action: Action | None = None,
                counterparty: str | None = None, reference: str | None = None) -> Anchor:
    return Anchor(root=_hex(record.root), sequence=record.sequence, kind=int(record.kind),
                  action=int(action) if action else None, party=record.party, count=record.count,
                  metadata_hash=_hex(record.metadata_hash), previous_anchor_hash=_hex(record.previous_anchor_hash),
                  anchor_hash=_hex(record.anchor_hash), tx_hash=_hex(record.tx_hash), block_number=record.block_number,
                  timestamp=timestamp, counterparty=counterparty, reference=reference, signature=_hex(signature))
