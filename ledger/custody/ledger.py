"""`Ledger`: the one object through which the CLI and the web app act on the ledger.

Every write follows one path: validate → sign (EIP-712) → sign the anchor transaction →
journal the action with that transaction (hash, nonce, bytes) → send it → commit all its
index rows in one transaction and drop the journal entry. An entry is dropped only when the
chain has said for certain that the transaction anchors nothing (it reverted, or the
sender's nonce moved past it while the root stayed unanchored). If the node's answer is
lost, or the process dies, :meth:`Ledger.reconcile` (run on open, by `ledger sync` and
before every new action) finishes the commit once the anchor is there, sends the same
transaction again if the node lost it, and meanwhile the action is reported pending
(:class:`~ledger.errors.ActionPending`), never failed.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any, Self

from eth_account.signers.local import LocalAccount
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col

from ..chain.client import AnchorRecord, ChainClient, SignedTx
from ..chain.keystore import Keystore
from ..chain.roles import Role
from ..codes.identifiers import ItemKey, canonical_key, validate_lot
from ..errors import (
    ActionPending,
    ChainRejected,
    DuplicateItem,
    InvalidInput,
    JournalPending,
    KeystoreError,
    NotContractAdmin,
    NotInitialised,
    NotOnLedger,
    PrefixNests,
    PrefixOwned,
    RoleError,
    StateConflict,
    TxOutcomeUnknown,
    UnknownItem,
    UnknownParty,
)
from ..files import private_directory
from ..geo import Location
from ..index.bulk import chunks, insert_rows, registered_among
from ..index.engine import open_engine, unavailable, unit_of_work
from ..index.migrate import SchemaUpgrade, upgrade_index
from ..index.models import (
    Anchor,
    ApiToken,
    Batch,
    Container,
    ContainerContent,
    Event,
    Item,
    Party,
    PendingAction,
    PrefixBinding,
    Premises,
    Scan,
    Shipment,
    ShipmentState,
    SyncCursor,
    WebSession,
    WebUser,
)
from ..index.write_lock import WriteLock, anchoring, exclusive
from ..proofs.events import ZERO_ADDRESS, Action, AnchorKind, CustodyEvent
from ..proofs.inspections import InspectionOutcome
from ..proofs.join_request import JoinRequest
from ..proofs.merkle import MerkleTree, event_leaf
from ..proofs.premises import premises_hash
from ..proofs.typed_data import ActionMessage, Domain, RegistrationMessage, sign
from ..settings import Settings
from ..untrusted import anchor_root, is_name, plain_text
from .containers import record_packing, refuse_packed, shipment_items
from .joining import PendingJoin, adopt_granted, check_service_url, grant_request, is_profile_name, request_path, write_request
from .registration import ITEM_COLUMNS, BatchPlan, ItemSpec, plan_batch
from .rules import check_items, check_receive, load_states
from .state import RULES, STATE_COLUMNS, Act, Actor, effect

__all__ = ["MAX_LOCATION", "ActionResult", "Ledger"]

# A custody event's place: a name or GLN, printable, at most this long.
MAX_LOCATION = 200
_GAS_MONEY = 10**19  # 10 ETH of a dev chain's money: tens of thousands of anchors
_PREFIX = re.compile(r"[0-9]{6,12}")  # ASCII digits only, as the contract requires (str.isdigit takes any script's)


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


@dataclass(frozen=True)
class ActionResult:
    """What an action anchored: its root (the batch or shipment id), count, and where it was mined;
    ``skipped``: the items of a lot it passed over, having nothing left to do to them (see change_status)."""

    root: str
    kind: str
    count: int
    tx_hash: str
    block_number: int
    skipped: int = 0


class Ledger:
    def __init__(self, settings: Settings, chain: ChainClient, engine: Engine, keystore: Keystore,
                 clock: Callable[[], int] = lambda: int(time.time())) -> None:
        self.settings = settings
        self.chain = chain
        self.engine = engine
        self.keystore = keystore
        self.clock = clock
        self.domain = Domain(chain.chain_id, chain.contract.address)
        self.write_lock = WriteLock(engine, settings.lock_file)
        self.schema_upgrade: SchemaUpgrade | None = None  # what opening did to the index's schema, if anything
        self.restored: list[str] = []  # after `init --redeploy`: what restore_parties() did, one line per party

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def init(cls, settings: Settings, attach_to: str | None = None, redeploy: bool = False) -> Ledger:
        """Create the home and admin key, deploy the contract (or attach to one), create the index."""
        if settings.deployment_file.exists() and not redeploy:
            raise StateConflict(f"ledger home {settings.home}", "already initialised (use --redeploy to deploy anew)")
        if attach_to is not None and not re.fullmatch(r"0x[0-9a-fA-F]{40}", attach_to):
            raise InvalidInput("contract address", attach_to, "is not an Ethereum address", "0x and 40 hex digits")
        private_directory(settings.home)
        # The index first: one this code cannot use is refused before anything is deployed.
        engine = open_engine(settings.database_url)
        try:
            upgrade = upgrade_index(engine, WriteLock(engine, settings.lock_file))
        except BaseException:
            engine.dispose()
            raise
        keystore = _keystore(settings)
        chain = _connect(settings)
        # Joining another organisation's contract: this home administers nothing, so it makes no admin key; its
        # parties ask the contract's administrator for their roles (`ledger party add` writes a join request).
        joining = attach_to is not None and "admin" not in keystore.names()
        admin = None if joining else keystore.unlock("admin") if "admin" in keystore.names() else keystore.create("admin")
        if admin is not None:
            chain.fund(admin.address, _GAS_MONEY)
        if attach_to:
            chain.attach(attach_to)
            address, block = attach_to, 0
        else:
            assert admin is not None
            address, block = chain.deploy(admin)
        settings.deployment_file.write_text(json.dumps(
            {"address": address, "chain_id": chain.chain_id, "deployed_at_block": block}, indent=2) + "\n")
        ledger = cls(settings, chain, engine, keystore)
        ledger.schema_upgrade = upgrade
        with unit_of_work(engine) as s:
            if redeploy:
                # What the old contract proved goes; the directory (parties, prefixes, premises, web users) stays,
                # and restore_parties() makes it true on the new contract.
                for table in (ContainerContent, Container, Event, Item, Batch, Shipment, Anchor, PendingAction, Scan,
                              SyncCursor):
                    s.execute(delete(table))
            if admin is not None and s.get(Party, admin.address) is None:
                s.add(Party(address=admin.address, name="admin", role=Role.ADMIN, created_at=_now()))
        if redeploy:
            ledger.restored = ledger.restore_parties(granted=attach_to is None)
        return ledger

    @classmethod
    def open(cls, settings: Settings, clock: Callable[[], int] | None = None, *, signing: bool = True) -> Ledger:
        """Open an initialised home. ``signing=False``: without the keystore passphrase when none is set (a
        locked keystore, see :mod:`ledger.chain.keystore`), for work that signs nothing — verifying, tracing,
        auditing, syncing; an action that needs a key then raises KeystoreError."""
        if not settings.deployment_file.exists():
            raise NotInitialised(str(settings.home))
        private_directory(settings.home)  # a home made before this check, or by hand, may be open to others
        deployment = json.loads(settings.deployment_file.read_text())
        chain = _connect(settings)
        chain.attach(deployment["address"])
        ledger = cls(settings, chain, open_engine(settings.database_url), _keystore(settings, signing),
                     *([clock] if clock else []))
        try:
            ledger.schema_upgrade = upgrade_index(ledger.engine, ledger.write_lock)
            ledger.reconcile()
        except BaseException:
            ledger.close()  # frees the embedded chain for the next open
            raise
        return ledger

    def close(self) -> None:
        self.chain.close()
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- parties -------------------------------------------------------------------------

    gas_money = _GAS_MONEY

    def admin_account(self) -> LocalAccount | None:
        """This home's admin key if it administers the contract (grants roles, binds prefixes), else None: a home
        that joined another organisation's contract asks its administrator instead (``request_join``)."""
        if "admin" not in self.keystore.names():
            return None
        admin = self.keystore.unlock("admin")
        return admin if self.chain.is_admin(admin.address) else None

    def _check_new_party(self, name: str, role: Role, prefixes: Sequence[str], service_url: str) -> str:
        name = name.strip()
        if not is_name(name):
            raise InvalidInput("party name", name, "is empty, too long or has spaces/symbols", "letters, digits, - _ . (≤ 80)")
        if role is Role.ADMIN:
            raise InvalidInput("role", role.value, "is created by `ledger init`",
                               "brand, carrier, distributor, retailer, officer or auditor")
        if prefixes and role is not Role.BRAND:
            raise RoleError(name, "own GS1 company prefixes", "brand")
        check_service_url(service_url)
        if service_url and not is_profile_name(name):
            raise InvalidInput("party name", name, "cannot be published in the directory on chain with its --url",
                               "ASCII letters, digits, - _ . (≤ 80)")
        return name

    @exclusive
    def add_party(self, name: str, role: Role, prefixes: Sequence[str] = (), service_url: str = "") -> Party:
        """Onboard a party of this home's own contract: key, role and prefixes on chain, and its directory entry
        (name and service URL) published with its own key. A home that does not administer the contract uses
        :meth:`request_join` instead."""
        name = self._check_new_party(name, role, prefixes, service_url)
        # A key file without a party record (a home redeployed by an older version, or an index replaced) is this
        # home's key — it opens with the home's passphrase — so the party is onboarded again with it.
        kept = self.keystore.unlock(name) if name in self.keystore.names() else None
        with Session(self.engine) as s:
            if s.scalars(select(Party).where(col(Party.name) == name)).first() is not None:
                raise StateConflict(f"party {name}", f"already exists with its key, role and prefixes (`ledger party list` "
                                    f"shows them); act as it with `--as {name}`, or choose another name for a new party")
            if kept is not None and (holder := s.get(Party, kept.address)) is not None:
                raise StateConflict(f"key file of {name}", f"holds the key of party {holder.name}; choose another name")
        self.refuse_taken_prefixes(prefixes)
        admin = self.admin_account()
        if admin is None:
            raise NotContractAdmin(self.chain.contract.address, f"grant {name} its role")
        account = kept or self.keystore.create(name)
        self.chain.fund(account.address, _GAS_MONEY)
        for chain_role in role.chain_roles:
            self.chain.grant_role(admin, chain_role, account.address)
        for prefix in prefixes:
            self.chain.bind_prefix(admin, prefix, account.address)
        if is_profile_name(name) and self.chain.runs_artifact():  # a name in another script stays this home's label
            self.chain.publish_profile(account, name, service_url)
        party = Party(address=account.address, name=name, role=role, created_at=_now(), service_url=service_url)
        with unit_of_work(self.engine) as s:
            s.add(party)
            s.add_all(PrefixBinding(prefix=p, brand=account.address) for p in prefixes)
        return party

    @exclusive
    def request_join(self, name: str, role: Role, prefixes: Sequence[str] = (), service_url: str = "") -> PendingJoin:
        """In a home that cannot grant roles: make the party's key here and write its join request, signed by that
        key, for the contract's administrator (`ledger party grant FILE`); the party is adopted once granted."""
        name = self._check_new_party(name, role, prefixes, service_url)
        if not is_profile_name(name):
            raise InvalidInput("party name", name, "cannot be published in the directory on chain",
                               "ASCII letters, digits, - _ . (≤ 80)")
        with Session(self.engine) as s:
            if s.scalars(select(Party).where(col(Party.name) == name)).first() is not None:
                raise StateConflict(f"party {name}", "already exists (`ledger party list` shows it); choose another name")
        self.refuse_taken_prefixes(prefixes)
        kept = name in self.keystore.names()
        account = self.keystore.unlock(name) if kept else self.keystore.create(name)
        with contextlib.suppress(ChainRejected):  # a production network has no dev accounts: the party buys its gas
            self.chain.fund(account.address, _GAS_MONEY)
        request = JoinRequest(account.address, name, role.value, tuple(prefixes), service_url, self.domain.chain_id,
                              self.domain.contract, self.clock()).signed(account)
        path = write_request(self.settings.home, request)
        return PendingJoin(name, role, account.address, tuple(prefixes), service_url, path, kept)

    @exclusive
    def grant_join(self, data: bytes) -> Party:
        """Check a join request file's bytes and grant it (this home must administer the contract)."""
        return grant_request(self, data, self.clock())

    @exclusive
    def adopt_granted(self, only: str | None = None) -> list[Party]:
        """Take up this home's parties whose join requests the administrator has granted (see custody.joining)."""
        return adopt_granted(self, only)

    def refuse_taken_prefixes(self, prefixes: Sequence[str]) -> None:
        """Refuse, before anything is signed, prefixes that are malformed, or equal to or nested with a bound
        prefix (in the index, or on chain where another organisation may have bound one not yet synced) or
        with each other: GS1 company prefixes never nest, so a GTIN belongs to the one bound prefix it starts with."""
        for prefix in prefixes:
            if not _PREFIX.fullmatch(prefix):
                raise InvalidInput("GS1 company prefix", prefix, "is not 6 to 12 digits", "e.g. 9521234")
        for i, prefix in enumerate(prefixes):
            other = next((p for p in prefixes[:i] if p.startswith(prefix) or prefix.startswith(p)), None)
            if other is not None:
                raise InvalidInput("GS1 company prefixes", f"{other} {prefix}", "nest (one starts the other)",
                                   "prefixes that neither start nor extend each other")
        with Session(self.engine) as s:
            bindings = list(s.scalars(select(PrefixBinding)))
        for prefix in prefixes:
            taken = next(((b.prefix, b.brand) for b in bindings if b.prefix.startswith(prefix) or prefix.startswith(b.prefix)),
                         None) or self.chain.conflicting_prefix(prefix)
            if taken is not None:
                bound, owner = taken
                if bound == prefix:
                    raise PrefixOwned(prefix, self.party_name(owner))
                raise PrefixNests(prefix, bound, self.party_name(owner))

    @exclusive
    def restore_parties(self, granted: bool = True) -> list[str]:
        """After a redeploy: give the parties this home holds keys for their roles and prefixes on the new contract.

        ``granted``: the contract is ours (we deployed it), so the admin grants roles, binds prefixes and funds the
        parties (on a dev chain). Otherwise (attached to someone else's contract) nothing is sent and each line says
        what its admin must do. Parties without a key here (brands learned from the old contract's logs by `ledger
        sync`) are dropped with their prefixes, premises and web users; key files without a party record are named
        with the command that onboards them again. Returns one line per party, saying what was done or is to do.
        """
        held = set(self.keystore.names())
        orphans = held - {"admin"}
        done: list[str] = []
        premises = self.premises()
        for party, prefixes in self.parties():
            if party.role == Role.ADMIN:
                continue
            orphans.discard(party.name)
            if party.name not in held or self.keystore.unlock(party.name).address != party.address:
                self._drop_party(party)
                done.append(f"{party.name}: dropped (this home holds no key for {party.address}; "
                            "`ledger sync` brings in brands of a shared contract again)")
                continue
            chain_roles = Role(party.role).chain_roles
            places = premises.get(party.address, [])
            places_hash = premises_hash([(r.lat, r.lon, r.label) for r in places])
            if not granted:
                missing = [f"grant {r}_ROLE to {party.address}" for r in chain_roles if not self.chain.has_role(r, party.address)]
                missing += [f"bind prefix {p} to it" for p in prefixes if self.chain.prefix_owner(p) != party.address]
                if missing:
                    then = (f"; then `ledger init --redeploy --attach {self.chain.contract.address}` again commits its "
                            f"{len(places)} premises") if places else ""
                    done.append(f"{party.name} ({party.role}): the contract's admin must " + ", ".join(missing) + then)
                    continue
                committed = ""
                self._republish(party)
                if self.chain.premises_hash(party.address) != places_hash:  # the party commits its own rows
                    self.chain.commit_premises(self.keystore.unlock(party.name), places_hash)
                    committed = f", {len(places)} premises committed again"
                done.append(f"{party.name} ({party.role}): ready on this contract{committed}")
                continue
            admin = self.keystore.unlock("admin")
            self.chain.fund(party.address, _GAS_MONEY)
            for chain_role in chain_roles:
                self.chain.grant_role(admin, chain_role, party.address)
            for prefix in prefixes:
                self.chain.bind_prefix(admin, prefix, party.address)
            self._republish(party)
            if places:  # the new contract holds no premises hash yet: the party commits its rows' again
                self.chain.commit_premises(self.keystore.unlock(party.name), places_hash)
            done.append(f"{party.name} ({party.role}): {', '.join(r + '_ROLE' for r in chain_roles)} granted again"
                        + (f", prefix {', '.join(prefixes)} bound again" if prefixes else "")
                        + (f", {len(places)} premises committed again" if places else ""))
        for name in sorted(orphans):
            done.append(f"{name}: a key without a party record; `ledger party add {name} --role ROLE` (with --prefix for "
                        "a brand) onboards it again with this key")
        return done

    def _republish(self, party: Party) -> None:
        """Publish ``party``'s directory entry again where the contract does not hold it (a new contract)."""
        if not self.chain.runs_artifact():
            return  # an older contract has no directory
        if is_profile_name(party.name) and self.chain.profile_of(party.address) != (party.name, party.service_url):
            self.chain.publish_profile(self.keystore.unlock(party.name), party.name, party.service_url)

    def _drop_party(self, party: Party) -> None:
        with unit_of_work(self.engine) as s:
            users = list(s.scalars(select(col(WebUser.name)).where(col(WebUser.party) == party.address)))
            s.execute(delete(ApiToken).where(col(ApiToken.user).in_(users)))
            s.execute(delete(WebSession).where(col(WebSession.user).in_(users)))
            s.execute(delete(WebUser).where(col(WebUser.party) == party.address))
            s.execute(delete(Premises).where(col(Premises.party) == party.address))
            s.execute(delete(PrefixBinding).where(col(PrefixBinding.brand) == party.address))
            s.execute(delete(Party).where(col(Party.address) == party.address))

    def party(self, name: str) -> Party:
        if not is_name(name):
            raise UnknownParty(name)  # no party has such a name; and the database is not asked about NUL characters
        with Session(self.engine) as s:
            party = s.scalars(select(Party).where(col(Party.name) == name)).first()
        if party is None and request_path(self.settings.home, name).exists():  # granted since? (first use after joining)
            party = next(iter(self.adopt_granted(name)), None)
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
        and calls a scan far from all of them CUSTODY_MISMATCH. The party commits the hash of its
        premises on chain (signed with its key, see :mod:`ledger.proofs.premises`) before the row is written,
        so the audit can prove the index's premises.
        """
        party, account = self._goods_holder(name)
        premises = Premises(party=party.address, lat=place.lat, lon=place.lon, label=place.site)
        with Session(self.engine) as s:
            rows = list(s.scalars(select(Premises).where(col(Premises.party) == party.address)))
        same = next((r for r in rows if (r.lat, r.lon, r.label) == (place.lat, place.lon, place.site)), None)
        if same is not None:  # recorded already: a repeated command changes nothing
            return same
        self.chain.commit_premises(account, premises_hash([*((r.lat, r.lon, r.label) for r in rows),
                                                           (place.lat, place.lon, place.site)]))
        with unit_of_work(self.engine) as s:
            s.add(premises)
        return premises

    @exclusive
    def remove_premises(self, name: str, place: Location | None = None) -> int:
        """Forget the party's premises at ``place`` (its coordinates), or all of them; how many were removed.

        InvalidInput if ``place`` is not one of them. The party commits the hash of what remains first.
        """
        party, account = self._goods_holder(name)
        with Session(self.engine) as s:
            rows = list(s.scalars(select(Premises).where(col(Premises.party) == party.address)))
        found = [r for r in rows if place is None or (r.lat, r.lon) == (place.lat, place.lon)]
        if place is not None and not found:
            raise InvalidInput("premises", f"{place.lat},{place.lon}", f"is not a premises of {name}",
                               "coordinates as `ledger party list` shows them")
        if found:
            removed = [r.id for r in found]
            self.chain.commit_premises(account, premises_hash((r.lat, r.lon, r.label) for r in rows if r.id not in removed))
            with unit_of_work(self.engine) as s:
                s.execute(delete(Premises).where(col(Premises.id).in_(removed)))
        return len(found)

    def _goods_holder(self, name: str) -> tuple[Party, LocalAccount]:
        """The party ``name`` and its key, if it keeps goods: only those have premises (the contract agrees)."""
        if not Role(self.party(name).role).holds_goods:
            raise RoleError(name, "have premises", "brand, carrier, distributor or retailer")
        return self.act_as(name)

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

    @anchoring
    def register(self, brand_name: str, items: Iterable[ItemSpec]) -> ActionResult:
        brand, account = self.act_as(brand_name)
        if brand.role != Role.BRAND:
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
        record = self._journal_and_anchor(plan.root, "registration", payload, lambda: self.chain.sign_registration(
            account, plan.root, plan.count, plan.company_prefix, metadata_hash))
        self._recorded("registration", record, lambda: self._commit_registration(plan, record, signature))
        return ActionResult(_hex(plan.root), "registration", plan.count, _hex(record.tx_hash), record.block_number)

    def _refuse_registered(self, plan: BatchPlan) -> None:
        with Session(self.engine) as s:
            found = registered_among(s, [row[0] for row in plan.rows])
        if found is not None:
            row = next(r for r in plan.rows if r[0] == found)
            raise DuplicateItem(canonical_key(row[1], row[2]), "already registered on the ledger")

    @exclusive
    def store_followed_registration(self, plan: BatchPlan, record: AnchorRecord, signature: bytes) -> None:
        """Store another organisation's registration, already checked against its anchor (ledger.epcis.follower),
        in one transaction: its anchor row (indexed by sync without rows) takes the signed fields."""
        self._refuse_registered(plan)
        self._commit_registration(plan, record, signature, local=False)

    @exclusive
    def store_followed_events(self, payload: dict[str, Any], record: AnchorRecord) -> None:
        """Store another organisation's custody action, already checked against its anchor, as this home's own are
        stored (:meth:`_commit_events`: the state machine's effect on each item), in one transaction."""
        self._commit_events(payload, record, local=False)

    def _commit_registration(self, plan: BatchPlan, record: AnchorRecord, signature: bytes, local: bool = True) -> None:
        with unit_of_work(self.engine) as s:
            _put_anchor(s, _anchor_row(record, signature=signature, timestamp=plan.timestamp), local)
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

    @anchoring
    def ship(self, sender_name: str, receiver_name: str, keys: Sequence[ItemKey], location: str = "",
             containers: Sequence[str] = ()) -> ActionResult:
        """Ship loose items and whole containers (SSCCs: every item packed in them travels)."""
        sender, account = self.act_as(sender_name)
        receiver = self.party(receiver_name)
        items = shipment_items(self.engine, self.items(keys) if keys else [], containers)
        check_items(self.engine, items, Act(Action.SHIP, Actor.of(sender), Actor.of(receiver)))
        return self.record_events(account, Action.SHIP, items, receiver.address, bytes(32), location)

    @anchoring
    def receive(self, receiver_name: str, shipment_root: str, location: str = "") -> ActionResult:
        receiver, account = self.act_as(receiver_name)
        with Session(self.engine) as s:
            shipment = s.get(Shipment, anchor_root("shipment root", shipment_root))
            if shipment is None:
                raise NotOnLedger(f"shipment {shipment_root}")
            check_receive(receiver, shipment)
            items = list(s.scalars(select(Item).where(col(Item.open_shipment) == shipment.root)))
        check_items(self.engine, items, Act(Action.RECEIVE, Actor.of(receiver), shipment=shipment.root))
        return self.record_events(account, Action.RECEIVE, items, shipment.sender,
                                   bytes.fromhex(shipment.root[2:]), location)

    @anchoring
    def change_status(self, actor_name: str, action: Action, keys: Sequence[ItemKey] = (), lot: str | None = None,
                      location: str = "") -> ActionResult:
        """Recall, report stolen, sell, destroy or decommission the items given, or the actor's whole ``lot``.

        A lot-wide action passes over the lot's items that have nothing left to do (already recalled, say,
        or destroyed) and counts them in ``skipped``; if that is all of them, it is refused.
        """
        if action.anchor_kind is not AnchorKind.STATUS_CHANGE:
            raise InvalidInput("status", action.label, "is not a status change", "recall, stolen, sold, destroyed or decommissioned")
        actor, account = self.act_as(actor_name)
        if lot is not None:
            validate_lot(lot)
            with Session(self.engine) as s:
                items = list(s.scalars(select(Item).where(col(Item.lot) == lot, col(Item.brand) == actor.address)
                                       .order_by(col(Item.gtin), col(Item.serial))))
            if not items:
                raise UnknownItem(f"lot {lot} of {actor.name}")
        elif keys:
            items = self.items(keys)
        else:
            raise InvalidInput("items", "", "none given", "item codes or --lot")
        acting = check_items(self.engine, items, Act(action, Actor.of(actor)), skip_settled=lot is not None)
        if RULES[action].unpacked:
            refuse_packed(self.engine, acting, f"{action.label} it while it is packed (unpack it first)")
        result = self.record_events(account, action, acting, ZERO_ADDRESS, bytes(32), location)
        return replace(result, skipped=len(items) - len(acting))

    @anchoring
    def inspect(self, officer_name: str, keys: Sequence[ItemKey], outcome: str, location: str) -> ActionResult:
        """An officer's inspection of items; the outcome is the action's signed reference (see inspections)."""
        officer, account = self.act_as(officer_name)
        result = InspectionOutcome.parse(outcome)
        if not location.strip():
            raise InvalidInput("location", location, "is empty", "where the inspection took place")
        if not keys:
            raise InvalidInput("items", "", "none given", "item codes")
        items = self.items(keys)
        check_items(self.engine, items, Act(Action.INSPECT, Actor.of(officer), outcome=result))
        return self.record_events(account, Action.INSPECT, items, ZERO_ADDRESS, result.reference, location)

    @anchoring
    def record_events(self, account: LocalAccount, action: Action, items: Sequence[Item], counterparty: str,
                      reference: bytes, location: str, packing: dict[str, Any] | None = None) -> ActionResult:
        """Sign, journal, anchor and commit ``action`` by ``account``'s party: one custody event per item.

        The write path of every custody action. It checks only the location's length: whether the party may act
        on these items is the caller's check, which must hold the write lock too (an ``@exclusive`` method) so
        nothing changes between check and record. ``counterparty`` is an address (ZERO_ADDRESS if none);
        ``reference`` is the 32-byte word the signature covers. ``packing``, for PACK and UNPACK only, is the
        membership change committed with the events: ``{"container": sscc, "items": [item id, …], "containers":
        [sscc, …]}`` (see :func:`ledger.custody.containers.record_packing`).
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
        record = self._journal_and_anchor(tree.root, action.label, payload, lambda: self.chain.sign_events(
            account, tree.root, action.anchor_kind, len(events), metadata_hash))
        self._recorded(action.label, record, lambda: self._commit_events(payload, record))
        return ActionResult(_hex(tree.root), action.label, len(events), _hex(record.tx_hash), record.block_number)

    def _commit_events(self, payload: dict[str, Any], record: AnchorRecord, local: bool = True) -> None:
        action = Action(payload["action"])
        events = [CustodyEvent(bytes.fromhex(item[2:]), action, payload["actor"], payload["counterparty"],
                               payload["timestamp"], bytes.fromhex(prev[2:]), payload["location"])
                  for item, prev in payload["events"]]
        root = _hex(record.root)
        # The action is anchored: the rows follow it (the state machine's effect, unchecked; the checks ran before signing).
        act = Act.anchored(action, Actor(payload["actor"], None), Actor(payload["counterparty"], None), root,
                           payload["reference"])
        with unit_of_work(self.engine) as s:
            _put_anchor(s, _anchor_row(record, signature=bytes.fromhex(payload["signature"][2:]), timestamp=payload["timestamp"],
                                       action=action, counterparty=payload["counterparty"], reference=payload["reference"]),
                        local)
            item_ids = [_hex(e.item_id) for e in events]
            seqs = _next_seqs(s, item_ids)
            states = load_states(s, item_ids)
            s.execute(insert(Event), [{
                "event_hash": _hex(e.hash), "item_id": _hex(e.item_id), "seq": seqs[_hex(e.item_id)], "action": int(action),
                "actor": e.actor, "counterparty": e.counterparty, "timestamp": e.timestamp,
                "previous_hash": _hex(e.previous_hash), "location": e.location, "anchor_root": root} for e in events])
            # ORM bulk UPDATE by primary key: one executemany, not one statement per item.
            s.execute(update(Item), [{"item_id": item_id, "head_hash": _hex(e.hash),
                                      **dict(zip(STATE_COLUMNS, effect(states[item_id], act).row, strict=True))}
                                     for item_id, e in zip(item_ids, events, strict=True)])
            if action is Action.SHIP:
                s.add(Shipment(root=root, sender=payload["actor"], receiver=payload["counterparty"], count=len(events),
                               state=ShipmentState.OPEN))
            elif action is Action.RECEIVE:
                s.execute(update(Shipment).where(col(Shipment.root) == payload["reference"])
                          .values(state=ShipmentState.RECEIVED, receipt_root=root))
            if "packing" in payload:
                record_packing(s, action, payload["packing"], root, payload["timestamp"], payload["actor"])
            s.execute(delete(PendingAction).where(col(PendingAction.root) == root))

    # -- journal -------------------------------------------------------------------------

    def _journal_and_anchor(self, root: bytes, kind: str, payload: dict[str, Any],
                            sign: Callable[[], SignedTx]) -> AnchorRecord:
        """Sign the anchor transaction, journal it, send it; the anchor, or ActionPending if its fate is unknown."""
        key = _hex(root)
        with Session(self.engine) as s:
            if s.get(PendingAction, key) is not None or s.get(Anchor, key) is not None:
                raise StateConflict(f"{kind} {key}", "was already submitted")
        signed = sign()  # a refusal here (revert on gas estimation, no node) leaves nothing behind
        with unit_of_work(self.engine) as s:
            s.add(PendingAction(root=key, kind=kind, payload=json.dumps(payload), created_at=_now(),
                                tx_hash=_hex(signed.tx_hash), sender=signed.sender, nonce=signed.nonce,
                                raw_tx=_hex(signed.raw)))
        try:
            return self.chain.send_anchor(signed)
        except ChainRejected:  # refused by the node or reverted: it anchors nothing
            self._forget(key)
            raise
        except TxOutcomeUnknown as exc:
            settled = self.chain.settle(root, signed)
            if settled.record is not None:
                return settled.record
            if settled.gone:
                self._forget(key)
                raise ChainRejected(signed.action, settled.gone) from None
            raise ActionPending(kind, key, exc.tx_hash, settled.waiting) from None

    def _recorded(self, kind: str, record: AnchorRecord, commit: Callable[[], None]) -> None:
        """Run ``commit`` (the rows of an anchored action); if the index fails meanwhile, the action is pending."""
        try:
            commit()
        except DBAPIError as exc:
            if unavailable(exc) is None:
                raise
            raise ActionPending(kind, _hex(record.root), _hex(record.tx_hash),
                                f"it was anchored in block {record.block_number} and the index database failed "
                                "while recording it") from None

    def _forget(self, root: str) -> None:
        with unit_of_work(self.engine) as s:
            s.execute(delete(PendingAction).where(col(PendingAction.root) == root))

    @exclusive
    def reconcile(self) -> list[str]:
        """Settle what the journal holds (see :meth:`ChainClient.settle`); one line per entry on what was done."""
        return [line for line, _ in self._settle_journal()]

    def settle_journal(self) -> None:
        """Settle the journal before a new action; JournalPending if an entry's outcome is still unknown.

        A new action must wait: the rows of the items a pending action touches are not current, so its
        checks (who holds what) and its events' previous hashes could be wrong.
        """
        for _, entry in self._settle_journal():
            if entry is not None:
                raise JournalPending(entry.kind, entry.root, entry.tx_hash, "its outcome on chain is not known yet")

    def _settle_journal(self) -> list[tuple[str, PendingAction | None]]:
        """(what was done, the entry if it is still pending) for each journal entry."""
        with Session(self.engine) as s:
            pending = list(s.scalars(select(PendingAction).order_by(col(PendingAction.created_at))))
        done: list[tuple[str, PendingAction | None]] = []
        for entry in pending:
            signed = SignedTx(bytes.fromhex(entry.tx_hash[2:]), entry.sender, entry.nonce, bytes.fromhex(entry.raw_tx[2:]),
                              f"anchor the {entry.kind}")
            settled = self.chain.settle(bytes.fromhex(entry.root[2:]), signed)
            record = settled.record
            if record is None:
                if settled.gone:
                    self._forget(entry.root)
                    done.append((f"dropped {entry.kind} {entry.root}: {settled.gone}", None))
                else:
                    done.append((f"still pending {entry.kind} {entry.root} (tx {entry.tx_hash}): {settled.waiting}", entry))
                continue
            payload = json.loads(entry.payload)
            if entry.kind == "registration":
                items = [ItemSpec(g, sn, lot, date.fromisoformat(x) if x else None) for g, sn, lot, x in payload["items"]]
                plan = plan_batch(payload["brand"], payload["prefixes"], items, payload["timestamp"])
                self._commit_registration(plan, record, bytes.fromhex(payload["signature"][2:]))
            else:
                self._commit_events(payload, record)
            done.append((f"completed {entry.kind} {entry.root} from block {record.block_number}", None))
        return done


def _connect(settings: Settings) -> ChainClient:
    return ChainClient.connect(settings.chain, settings.chain_dir, settings.chain_read_timeout, settings.chain_write_timeout)


def _keystore(settings: Settings, signing: bool = True) -> Keystore:
    if settings.passphrase is None and signing:
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


def _put_anchor(s: Session, row: Anchor, local: bool) -> None:
    """This home's anchor is a new row; another organisation's replaces the row `ledger sync` filed without rows."""
    if local:
        s.add(row)
        return
    row.local = False
    s.merge(row)
