"""SQLModel tables of the index: the convenient, re-checkable copy of what the chain notarises.

Hashes and addresses are stored as 0x-prefixed hex text (addresses checksummed), so rows
read the same in SQLite, PostgreSQL and on a block explorer. States are StrEnums stored as
their values in plain text columns (no database enum types, so a new value needs no DDL).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Dialect, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from ..chain.roles import Role
from ..codes.identifiers import canonical_key
from ..proofs.inspections import InspectionOutcome

__all__ = [
    "AlertCursor",
    "Anchor",
    "ApiToken",
    "Batch",
    "CaseRecord",
    "Condition",
    "Container",
    "ContainerContent",
    "Delivery",
    "Event",
    "Item",
    "LifeCycle",
    "Party",
    "PendingAction",
    "PrefixBinding",
    "Premises",
    "Product",
    "ProductFeature",
    "ProductImage",
    "Scan",
    "Shipment",
    "ShipmentState",
    "Submission",
    "Subscription",
    "SyncCursor",
    "WebSession",
    "WebUser",
    "conditions_of",
    "legacy_status",
]


class LifeCycle(enum.StrEnum):
    """Where an item is in its life; exactly one at a time (the conditions coexist with it)."""

    ACTIVE = "active"
    SOLD = "sold"
    DESTROYED = "destroyed"
    DECOMMISSIONED = "decommissioned"

    @property
    def final(self) -> bool:
        """Destroyed or decommissioned: no genuine copy of the item exists any more."""
        return self in (LifeCycle.DESTROYED, LifeCycle.DECOMMISSIONED)


class Condition(enum.StrEnum):
    """What else holds for an item, beside its life-cycle state; any of them at once."""

    IN_TRANSIT = "in transit"
    STOLEN = "stolen"
    RECALLED = "recalled"
    HELD = "held"  # the latest inspection held, seized or suspected it


class ShipmentState(enum.StrEnum):
    OPEN = "open"
    RECEIVED = "received"


def conditions_of(open_shipment: str | None, stolen: bool, recalled: bool,
                  inspection: InspectionOutcome | None) -> tuple[Condition, ...]:
    """An item's conditions from its columns (or its replayed state), in :class:`Condition` order."""
    found = []
    if open_shipment is not None:
        found.append(Condition.IN_TRANSIT)
    if stolen:
        found.append(Condition.STOLEN)
    if recalled:
        found.append(Condition.RECALLED)
    if inspection is not None and inspection.holds:
        found.append(Condition.HELD)
    return tuple(found)


def legacy_status(life_cycle: LifeCycle, conditions: tuple[Condition, ...]) -> str:
    """The one-word status of API v1 and ``--json`` output before conditions existed: a final
    life-cycle state, else stolen, else recalled, else the life-cycle state."""
    if life_cycle.final:
        return life_cycle.value
    return next((c.value for c in (Condition.STOLEN, Condition.RECALLED) if c in conditions), life_cycle.value)


class _Values(TypeDecorator[str]):
    """Text holding a StrEnum's values, read back as its members. Writing anything else fails; a value
    outside it (only a hand-edited row has one) reads back as the plain string, for the audit to report."""

    impl = String
    cache_ok = True

    def __init__(self, kind: type[enum.StrEnum], length: int) -> None:
        super().__init__(length)
        self.kind = kind

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.kind(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        try:
            return self.kind(value)
        except ValueError:
            return str(value)


def _enum_column(kind: type[enum.StrEnum], length: int, nullable: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(_Values(kind, length), nullable=nullable)


class Party(SQLModel, table=True):
    address: str = Field(primary_key=True, max_length=42)
    name: str = Field(unique=True, index=True, max_length=80)
    role: Role = Field(sa_column=_enum_column(Role, 16))
    created_at: datetime
    # The URL of the party's service as it published it on chain (publishProfile); "" if none.
    service_url: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})


class Premises(SQLModel, table=True):
    """A place where a party keeps goods (warehouse, store, depot): goods at rest with it are expected near one."""

    id: int | None = Field(default=None, primary_key=True)
    party: str = Field(foreign_key="party.address", index=True, max_length=42)
    lat: float
    lon: float
    label: str = Field(default="", max_length=80)


class PrefixBinding(SQLModel, table=True):
    prefix: str = Field(primary_key=True, max_length=12)
    brand: str = Field(foreign_key="party.address", index=True, max_length=42)


class Batch(SQLModel, table=True):
    root: str = Field(primary_key=True, max_length=66)
    brand: str = Field(index=True, max_length=42)
    company_prefix: str = Field(max_length=12)
    count: int
    created_at: datetime
    tree: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class Item(SQLModel, table=True):
    # Only items in transit have an open shipment: a partial index skips the rest, so a
    # registration of 100,000 items maintains one index fewer.
    __table_args__ = (Index("ix_item_open_shipment", "open_shipment", sqlite_where=text("open_shipment IS NOT NULL"),
                            postgresql_where=text("open_shipment IS NOT NULL")),)

    item_id: str = Field(primary_key=True, max_length=66)
    gtin: str = Field(max_length=14)
    serial: str = Field(max_length=20)
    lot: str | None = Field(default=None, index=True, max_length=20)
    expiry: date | None = None
    batch_root: str = Field(index=True, max_length=66)
    brand: str = Field(max_length=42)
    head_hash: str = Field(max_length=66)
    # The item's state (see ledger.custody.state, the one machine that changes it; the audit replays it).
    custodian: str = Field(max_length=42)
    life_cycle: LifeCycle = Field(default=LifeCycle.ACTIVE, sa_column=_enum_column(LifeCycle, 16))
    stolen: bool = False
    recalled: bool = False
    inspection: InspectionOutcome | None = Field(default=None, sa_column=_enum_column(InspectionOutcome, 24, nullable=True))
    open_shipment: str | None = Field(default=None, max_length=66)

    @property
    def key(self) -> str:
        """The item's canonical key (serial percent-encoded), as every output writes it."""
        return canonical_key(self.gtin, self.serial)


class Event(SQLModel, table=True):
    event_hash: str = Field(primary_key=True, max_length=66)
    item_id: str = Field(index=True, max_length=66)
    seq: int
    action: int
    actor: str = Field(max_length=42)
    counterparty: str = Field(max_length=42)
    timestamp: int
    previous_hash: str = Field(max_length=66)
    location: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    anchor_root: str = Field(index=True, max_length=66)


class Anchor(SQLModel, table=True):
    root: str = Field(primary_key=True, max_length=66)
    sequence: int = Field(unique=True, index=True)
    kind: int
    action: int | None = None
    party: str = Field(index=True, max_length=42)
    count: int
    metadata_hash: str = Field(max_length=66)
    previous_anchor_hash: str = Field(max_length=66)
    anchor_hash: str = Field(max_length=66)
    tx_hash: str = Field(max_length=66)
    block_number: int = Field(index=True)
    timestamp: int | None = None
    counterparty: str | None = Field(default=None, max_length=42)
    reference: str | None = Field(default=None, max_length=66)
    signature: str | None = Field(default=None, max_length=132)
    local: bool = True


class Shipment(SQLModel, table=True):
    root: str = Field(primary_key=True, max_length=66)
    sender: str = Field(index=True, max_length=42)
    receiver: str = Field(index=True, max_length=42)
    count: int
    state: ShipmentState = Field(sa_column=_enum_column(ShipmentState, 16))
    receipt_root: str | None = Field(default=None, max_length=66)


class PendingAction(SQLModel, table=True):
    """The journal: an action signed and about to be (or being) anchored, kept until the chain settles it.

    The signed transaction is recorded before it is sent, so recovery can ask the chain about exactly
    that transaction (by hash and by the sender's nonce) and send the same bytes again if it was lost.
    """

    root: str = Field(primary_key=True, max_length=66)
    kind: str = Field(max_length=16)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime
    tx_hash: str = Field(max_length=66)
    sender: str = Field(max_length=42)
    nonce: int
    raw_tx: str = Field(sa_column=Column(Text, nullable=False))


class SyncCursor(SQLModel, table=True):
    id: int = Field(default=1, primary_key=True)
    next_block: int = 0


# -- verifier: scans, web accounts (issue 4) ---------------------------------------------


class Scan(SQLModel, table=True):
    """One verification of a code: when, where, by whom, and what the verdict was (feeds the clone rules)."""

    # The verifier reads an item's latest scans: this index gives them in order, without a sort.
    __table_args__ = (Index("ix_scan_item_time", "item_id", "timestamp", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: str = Field(max_length=66)
    key: str = Field(max_length=64)
    timestamp: int
    lat: float | None = None
    lon: float | None = None
    site: str = Field(default="", max_length=80)
    party: str | None = Field(default=None, max_length=42)
    verdict: str = Field(max_length=12)
    reasons: str = Field(default="", max_length=400)


class WebUser(SQLModel, table=True):
    """A person signing in to the web app, acting for one ledger party; the password is an argon2 hash."""

    name: str = Field(primary_key=True, max_length=80)
    party: str = Field(foreign_key="party.address", index=True, max_length=42)
    password_hash: str = Field(max_length=200)
    created_at: datetime


class ApiToken(SQLModel, table=True):
    """A machine client's bearer token; only its SHA-256 is kept (tokens are 256-bit random)."""

    token_hash: str = Field(primary_key=True, max_length=64)
    user: str = Field(foreign_key="webuser.name", index=True, max_length=80)
    label: str = Field(default="", max_length=80)
    created_at: datetime
    expires_at: datetime | None = None


class WebSession(SQLModel, table=True):
    """A signed-in browser session, so that signing out, removing the user or changing the password ends it
    on the server: the cookie carries a random id, and only its SHA-256 is kept here."""

    id_hash: str = Field(primary_key=True, max_length=64)
    user: str = Field(foreign_key="webuser.name", index=True, max_length=80)
    created_at: int
    expires_at: int


class Submission(SQLModel, table=True):
    """One-time tokens of submitted web actions: a repeated or concurrent submission hits the primary key."""

    token: str = Field(primary_key=True, max_length=64)
    created_at: datetime


class CaseRecord(SQLModel, table=True):
    """An officer's (or reporter's) record of an action on a code: the reason and place given in the web form.

    ``tx_hash`` is the anchor the action made (an inspection, a theft report); None for a code the ledger
    does not know (a counterfeit): nothing can be anchored for it, and this row is the only record.
    The reason is not anchored: the custody event has no field for it (see docs/DESIGN.md, case records).
    """

    __table_args__ = (Index("ix_caserecord_key", "key", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64)  # the canonical item key (GTIN and serial), registered or not
    party: str = Field(max_length=42)
    action: str = Field(max_length=24)  # "inspect" or "report_stolen"
    outcome: str = Field(default="", max_length=24)  # an inspection's outcome
    reason: str = Field(max_length=400)
    location: str = Field(max_length=200)
    tx_hash: str | None = Field(default=None, max_length=66)
    created_at: datetime


class Container(SQLModel, table=True):
    """A case or pallet, identified by its SSCC (GS1 AI 00); ``parent`` is the container it is in now."""

    sscc: str = Field(primary_key=True, max_length=18)
    parent: str | None = Field(default=None, index=True, max_length=18)
    created_by: str = Field(max_length=42)
    created_at: int


class ContainerContent(SQLModel, table=True):
    """One child (an item or a container) in a container, from the anchor that packed it until the one
    that unpacked it: the membership history that shows the hierarchy at any point in time."""

    id: int | None = Field(default=None, primary_key=True)
    container: str = Field(index=True, max_length=18)
    child_item: str | None = Field(default=None, index=True, max_length=66)
    child_container: str | None = Field(default=None, index=True, max_length=18)
    packed_anchor: str = Field(index=True, max_length=66)
    packed_at: int
    unpacked_anchor: str | None = Field(default=None, index=True, max_length=66)
    unpacked_at: int | None = None


# -- alerts to the people who must act (issue 13) ----------------------------------------------


class Subscription(SQLModel, table=True):
    """A party's webhook (or e-mail address) for kinds of alerts (clone, counterfeit, stolen, recall), on everything it may see,
    one product (``gtin``) or one item (``item_id``: a case). ``secret`` signs the deliveries (HMAC-SHA-256),
    so it is kept as is: the receiver holds the same secret to check them."""

    id: int | None = Field(default=None, primary_key=True)
    party: str = Field(foreign_key="party.address", index=True, max_length=42)
    kinds: str = Field(max_length=80)  # comma-separated
    gtin: str | None = Field(default=None, max_length=14)
    item_id: str | None = Field(default=None, max_length=66)
    url: str = Field(default="", max_length=500)  # the webhook; "" for an e-mail subscription
    email: str | None = Field(default=None, max_length=254)  # the address told by e-mail instead of a webhook
    secret: str = Field(max_length=64)
    label: str = Field(default="", max_length=80)
    active: bool = True
    created_at: int


class AlertCursor(SQLModel, table=True):
    """How far the alert watcher has read: the last scan id and anchor sequence it turned into deliveries."""

    id: int = Field(default=1, primary_key=True)
    scan_id: int = 0
    anchor_sequence: int = 0


class Delivery(SQLModel, table=True):
    """One alert to one subscription, and what became of it: the delivery log, and the retry queue."""

    # One delivery per alert and subscription, whoever finds it first; the queue is read by due time.
    __table_args__ = (UniqueConstraint("subscription", "alert", name="uq_delivery_subscription_alert"),
                      Index("ix_delivery_due", "status", "next_attempt_at"))

    id: int | None = Field(default=None, primary_key=True)
    subscription: int = Field(foreign_key="subscription.id", index=True)
    alert: str = Field(max_length=120)  # the record that raised it: "scan:<id>" or "anchor:<root>"
    kind: str = Field(max_length=16)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(max_length=12)  # pending | delivered | failed
    attempts: int = 0
    next_attempt_at: int
    last_status: int | None = None  # HTTP status (e-mail: SMTP reply code) of the last attempt, if one came back
    last_error: str = Field(default="", max_length=200)
    created_at: int
    delivered_at: int | None = None


# -- product identity and identification guides (issue 12) -------------------------------------


class Product(SQLModel, table=True):
    """What a brand says a product (a GTIN) is, as rights holders tell customs (the WCO's IPM): only the brand
    that owns the GTIN's company prefix writes it (``ledger.products.catalogue``)."""

    gtin: str = Field(primary_key=True, max_length=14)
    brand: str = Field(foreign_key="party.address", index=True, max_length=42)
    name: str = Field(max_length=120)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    pack_size: str = Field(default="", max_length=80)
    contact: str = Field(default="", max_length=200)
    updated_at: int


class ProductImage(SQLModel, table=True):
    """A picture of a product or of one of its features, as re-encoded on upload (metadata stripped), kept in the
    index so that every web worker and host of a scaled-out set-up serves it; ``sha256`` names it in URLs and ETags."""

    __table_args__ = (UniqueConstraint("gtin", "sha256", name="uq_productimage_gtin_sha256"),)

    id: int | None = Field(default=None, primary_key=True)
    gtin: str = Field(foreign_key="product.gtin", index=True, max_length=14)
    sha256: str = Field(index=True, max_length=64)
    kind: str = Field(max_length=8)  # "product" (shown to everyone) | "feature" (signed-in parties only)
    media_type: str = Field(max_length=16)
    width: int
    height: int
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: int


class ProductFeature(SQLModel, table=True):
    """One feature that tells the genuine product from a fake (a hologram, a stitch, a font), with an optional picture."""

    id: int | None = Field(default=None, primary_key=True)
    gtin: str = Field(foreign_key="product.gtin", index=True, max_length=14)
    text: str = Field(sa_column=Column(Text, nullable=False))
    image: int | None = Field(default=None, foreign_key="productimage.id")
    created_at: int


class ScanAggregate(SQLModel, table=True):
    """Scans of one product at one place (0.01° grid, about 1 km) in one week, kept when the raw scans of that
    week were purged (:mod:`ledger.intel.retention`): what the hotspot and trend analyses read for purged weeks."""

    __table_args__ = (Index("ix_scanaggregate_week", "week"),)

    id: int | None = Field(default=None, primary_key=True)
    week: int  # Monday-based week number since the epoch (ledger.intel.records.week_of)
    gtin: str = Field(max_length=14)
    lat_grid: int | None = None  # round(lat * 100); NULL for scans without a place
    lon_grid: int | None = None
    scans: int
    suspect: int = 0
    counterfeit: int = 0
    stolen: int = 0
    flagged: int = 0
    site: str = Field(default="", max_length=80)  # a site name among the scans (a post's label), for cell labels


class ScanPurge(SQLModel, table=True):
    """One retention purge: scans before ``purged_before`` (a Monday 00:00 UTC) lost their places and scanners,
    and their weeks are in scanaggregate. The latest boundary is where the analyses switch to aggregates."""

    id: int | None = Field(default=None, primary_key=True)
    purged_before: int
    purged_at: int
    scans: int  # scans whose place and scanner were removed
    aggregates: int  # scanaggregate rows written
