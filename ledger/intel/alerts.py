"""Alerts to the people who must act: subscriptions, what raises an alert, and who is told of it.

An alert is raised by a record the index already holds:

=============  ===========================================================================
kind           raised by
=============  ===========================================================================
clone          a scan with CLONE_IMPOSSIBLE_TRAVEL or TOO_MANY_LOCATIONS
counterfeit    a scan whose verdict is counterfeit
stolen         a scan of an item reported stolen (REPORTED_STOLEN)
recall         a scan of a recalled item (RECALLED), or a recall that reaches items already
               scanned (one alert per recall, with how many of its items were scanned)
=============  ===========================================================================

The watcher (:func:`watch_once`, run by ``ledger alerts run``) reads scans and anchors past its
cursor, matches them to subscriptions and queues one delivery per alert and subscription, in one
transaction with the cursor, so an alert is queued once however often the watcher stops and starts.
:mod:`ledger.intel.webhooks` delivers the queue.

Who may subscribe, and to what, follows the sharing rules (:mod:`ledger.intel.privacy`): officers
and auditors to any product, brands to their own products only (and their payloads show places as
cells and scanners as pseudonyms); custodians are refused. A subscription is told by webhook or,
naming an e-mail address instead of a URL, by e-mail (:mod:`ledger.intel.mail`).
"""

from __future__ import annotations

import enum
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from ..chain.roles import Role
from ..codes.identifiers import ItemKey
from ..codes.signature import BrandDirectory
from ..errors import InvalidInput, NotAllowed, NotFound
from ..index.engine import unit_of_work
from ..index.models import Subscription
from .mail import parse_address
from .privacy import Detail, Pseudonyms, Viewer, shown_scan, viewer_for
from .records import ScanRow, load_directory, scan_row
from .report import iso

__all__ = [
    "Alert",
    "AlertKind",
    "SubscriptionRow",
    "alert_kinds_of_scan",
    "secret_of",
    "list_subscriptions",
    "matches",
    "payload",
    "remove_subscription",
    "subscribe",
    "watch_once",
]


class AlertKind(enum.StrEnum):
    CLONE = "clone"
    COUNTERFEIT = "counterfeit"
    STOLEN = "stolen"
    RECALL = "recall"

    @classmethod
    def parse_list(cls, text_: str) -> tuple[AlertKind, ...]:
        kinds = []
        for part in (p.strip().lower() for p in text_.split(",")):
            try:
                kinds.append(cls(part))
            except ValueError:
                raise InvalidInput("alert kind", part, "is not a kind of alert", " , ".join(k.value for k in cls)) from None
        return tuple(dict.fromkeys(kinds))


_CLONE_REASONS = frozenset({"CLONE_IMPOSSIBLE_TRAVEL", "TOO_MANY_LOCATIONS"})


def alert_kinds_of_scan(verdict: str, reasons: Sequence[str]) -> list[AlertKind]:
    """The alerts one scan raises.

    >>> alert_kinds_of_scan("suspect", ["CLONE_IMPOSSIBLE_TRAVEL", "REPORTED_STOLEN"])
    [<AlertKind.CLONE: 'clone'>, <AlertKind.STOLEN: 'stolen'>]
    >>> alert_kinds_of_scan("genuine", [])
    []
    """
    kinds = []
    if _CLONE_REASONS.intersection(reasons):
        kinds.append(AlertKind.CLONE)
    if verdict == "counterfeit":
        kinds.append(AlertKind.COUNTERFEIT)
    if "REPORTED_STOLEN" in reasons:
        kinds.append(AlertKind.STOLEN)
    if "RECALLED" in reasons:
        kinds.append(AlertKind.RECALL)
    return kinds


@dataclass(frozen=True)
class Alert:
    kind: AlertKind
    source: str  # "scan:<id>" or "anchor:<root>": the record that raised it
    gtin: str
    timestamp: int
    item_id: str | None = None
    key: str | None = None
    scan: ScanRow | None = None
    recalled_items: int = 0
    scanned_items: int = 0


@dataclass(frozen=True)
class SubscriptionRow:
    id: int
    party: str  # address
    party_name: str
    role: Role
    kinds: tuple[AlertKind, ...]
    url: str
    label: str = ""
    gtin: str | None = None
    item_id: str | None = None
    active: bool = True
    email: str | None = None  # told by e-mail instead of the webhook (url is then "")

    @property
    def target(self) -> str:
        return f"mailto:{self.email}" if self.email else self.url

    def viewer(self) -> Viewer:
        return viewer_for(self.role, self.party, self.party_name)


def matches(sub: SubscriptionRow, alert: Alert, brands: BrandDirectory) -> bool:
    """Whether ``sub`` is told of ``alert``: its kind, product and item, and (for a brand) only its own goods."""
    if not sub.active or alert.kind not in sub.kinds:
        return False
    if sub.gtin is not None and alert.gtin != sub.gtin:
        return False
    if sub.item_id is not None and alert.item_id != sub.item_id:
        return False
    viewer = sub.viewer()
    if viewer.detail is Detail.BRAND:
        owner = brands.owner_of(alert.gtin)
        return owner is not None and owner[0].address.lower() == sub.party.lower()
    return True


def payload(alert: Alert, sub: SubscriptionRow, names: Mapping[str, str], pseudonyms: Pseudonyms,
            brands: BrandDirectory) -> dict[str, Any]:
    """The JSON a subscriber receives: what happened, to what, and the record behind it, as its viewer may see it."""
    owner = brands.owner_of(alert.gtin)
    body: dict[str, Any] = {"alert": alert.source, "kind": alert.kind.value, "time": iso(alert.timestamp),
                            "brand": owner[0].name if owner else None, "gtin": alert.gtin, "subscription": sub.id}
    if alert.scan is not None:
        body["code"] = alert.key
        body["scan"] = shown_scan(alert.scan, sub.viewer(), names, pseudonyms)
    else:
        body["recalled_items"] = alert.recalled_items
        body["scanned_items"] = alert.scanned_items
    return body


# -- subscriptions ----------------------------------------------------------------------------


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
        raise InvalidInput("--url", url[:80], "is not an http(s) URL", "the receiver's webhook URL, e.g. https://alerts.example.com/ledger")
    return url


def subscribe(engine: Engine, party_name: str, kinds: Sequence[AlertKind], url: str, now: int, gtin: str | None = None,
              code: ItemKey | None = None, label: str = "", email: str | None = None) -> tuple[SubscriptionRow, str]:
    """Add a subscription for ``party_name``, told at the webhook ``url`` or (``url`` empty) at the e-mail address
    ``email``; returns it and its signing secret (shown to the caller once; e-mail deliveries are not signed)."""
    if not kinds:
        raise InvalidInput("--on", "", "names no kind of alert", ", ".join(k.value for k in AlertKind))
    if gtin is not None and not (gtin.isdigit() and len(gtin) == 14):
        raise InvalidInput("--gtin", gtin, "is not a GTIN-14", "14 digits")
    if len(label) > 80:
        raise InvalidInput("--label", label[:40] + "…", "is longer than 80 characters", "a short name")
    if email is not None:
        if url:
            raise InvalidInput("--email", email[:80], "was given with --url", "either a webhook URL or an e-mail address")
        email = parse_address(email)
    else:
        _check_url(url)
    directory = load_directory(engine)
    party = next((p for p in directory.parties.values() if p.name == party_name), None)
    if party is None:
        raise NotFound(f"party {party_name} is not on this ledger")
    viewer = viewer_for(party.role, party.address, party.name)  # custodians: RoleError
    product = gtin or (code.gtin if code else None)
    if viewer.detail is Detail.BRAND and product is not None:
        owner = directory.brands.owner_of(product)
        if owner is None or owner[0].address.lower() != party.address.lower():
            raise NotAllowed(f"{party_name} may subscribe to alerts on its own products only; {product} is not one")
    secret = secrets.token_hex(32)
    item_id = "0x" + code.item_id.hex() if code else None
    row = Subscription(party=party.address, kinds=",".join(k.value for k in kinds), gtin=gtin, item_id=item_id, url=url,
                       email=email, secret=secret, label=label, created_at=now)
    with unit_of_work(engine) as s:
        s.add(row)
        s.flush()
    assert row.id is not None
    return SubscriptionRow(row.id, party.address, party.name, party.role, tuple(kinds), url, label, gtin, item_id,
                           email=email), secret


def list_subscriptions(engine: Engine, active_only: bool = True) -> list[SubscriptionRow]:
    with engine.connect() as conn:
        return _subscriptions(conn, active_only)


def _subscriptions(conn: Connection, active_only: bool) -> list[SubscriptionRow]:
    rows = conn.execute(text(
        "SELECT s.id, s.party, p.name, p.role, s.kinds, s.url, s.label, s.gtin, s.item_id, s.active, s.email "
        "FROM subscription s JOIN party p ON p.address = s.party ORDER BY s.id")).all()
    return [SubscriptionRow(int(r[0]), r[1], r[2], Role(r[3]), AlertKind.parse_list(r[4]), r[5], r[6], r[7], r[8], bool(r[9]),
                            r[10])
            for r in rows if r[9] or not active_only]


def remove_subscription(engine: Engine, subscription_id: int) -> None:
    """Stop a subscription; its delivery log stays. Pending deliveries to it are dropped from the queue."""
    with unit_of_work(engine) as s:
        conn = s.connection()
        found = conn.execute(text("UPDATE subscription SET active = :no WHERE id = :id AND active = :yes"),
                             {"id": subscription_id, "no": False, "yes": True}).rowcount
        if not found:
            raise NotFound(f"active subscription {subscription_id} is not on this ledger")
        conn.execute(text("UPDATE delivery SET status = 'cancelled' WHERE subscription = :id AND status = 'pending'"),
                     {"id": subscription_id})


def secret_of(engine: Engine, subscription_id: int) -> bytes:
    with engine.connect() as conn:
        found = conn.execute(text("SELECT secret FROM subscription WHERE id = :id"), {"id": subscription_id}).scalar()
    if found is None:
        raise NotFound(f"subscription {subscription_id} is not on this ledger")
    return bytes.fromhex(str(found))


# -- the watcher ------------------------------------------------------------------------------

_SCANS_PAST = ("SELECT id, item_id, key, timestamp, lat, lon, site, party, verdict, reasons FROM scan WHERE id > :after AND id <= :end "
               "AND (verdict = 'counterfeit' OR reasons LIKE '%CLONE_IMPOSSIBLE_TRAVEL%' OR reasons LIKE '%TOO_MANY_LOCATIONS%' "
               "OR reasons LIKE '%REPORTED_STOLEN%' OR reasons LIKE '%RECALLED%') ORDER BY id LIMIT :limit")
# A recall anchor past the cursor, with its items' product, how many it recalled and how many were scanned.
_RECALLS_PAST = (
    "SELECT a.sequence, a.root, a.timestamp, MIN(i.gtin), COUNT(*), "
    "SUM(CASE WHEN EXISTS (SELECT 1 FROM scan s WHERE s.item_id = e.item_id) THEN 1 ELSE 0 END) "
    "FROM anchor a JOIN event e ON e.anchor_root = a.root JOIN item i ON i.item_id = e.item_id "
    "WHERE a.sequence > :after AND a.sequence <= :end AND a.action = 3 GROUP BY a.sequence, a.root, a.timestamp ORDER BY a.sequence"
)
_BATCH = 5_000  # scans read per round: a backlog is worked off in bounded transactions


def _cursor(conn: Connection) -> tuple[int, int]:
    row = conn.execute(text("SELECT scan_id, anchor_sequence FROM alertcursor WHERE id = 1")).first()
    if row is None:
        # Start from now: subscribing is about what happens next, not a flood of the index's history.
        scan = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM scan")).scalar_one()
        anchor = conn.execute(text("SELECT COALESCE(MAX(sequence), 0) FROM anchor")).scalar_one()
        conn.execute(text("INSERT INTO alertcursor (id, scan_id, anchor_sequence) VALUES (1, :s, :a)"), {"s": scan, "a": anchor})
        return int(scan), int(anchor)
    return int(row[0]), int(row[1])


def watch_once(engine: Engine, now: int, pseudonyms: Pseudonyms) -> int:
    """Queue a delivery for every new alert and matching subscription; returns how many were queued."""
    queued = 0
    with unit_of_work(engine) as s:
        conn = s.connection()
        directory = load_directory(engine)
        subs = _subscriptions(conn, active_only=True)
        scan_after, anchor_after = _cursor(conn)
        # Lock the cursor row (PostgreSQL): a second watcher waits instead of reading the same records.
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT scan_id FROM alertcursor WHERE id = 1 FOR UPDATE"))
            scan_after, anchor_after = _cursor(conn)
        # The ends first, then the records up to them: a scan committed while this runs is left for the next round.
        scan_end = int(conn.execute(text("SELECT COALESCE(MAX(id), :a) FROM scan"), {"a": scan_after}).scalar_one())
        anchor_end = int(conn.execute(text("SELECT COALESCE(MAX(sequence), :a) FROM anchor"), {"a": anchor_after}).scalar_one())
        alerts: list[Alert] = []
        rows = conn.execute(text(_SCANS_PAST), {"after": scan_after, "end": scan_end, "limit": _BATCH}).all()
        for r in rows:
            scan = scan_row(*r)
            alerts.extend(Alert(kind, f"scan:{scan.id}", scan.key[4:18], scan.timestamp, scan.item_id, scan.key, scan)
                          for kind in alert_kinds_of_scan(scan.verdict, scan.reasons))
        last_scan = int(rows[-1][0]) if len(rows) == _BATCH else scan_end
        for _, root, ts, gtin, recalled, scanned in conn.execute(text(_RECALLS_PAST), {"after": anchor_after, "end": anchor_end}):
            if scanned:
                alerts.append(Alert(AlertKind.RECALL, f"anchor:{root}", str(gtin), int(ts or now), recalled_items=int(recalled),
                                    scanned_items=int(scanned)))
        last_anchor = anchor_end
        for alert in alerts:
            for sub in subs:
                if matches(sub, alert, directory.brands):
                    body = json.dumps(payload(alert, sub, directory.names, pseudonyms, directory.brands), sort_keys=True,
                                      separators=(",", ":"))
                    queued += conn.execute(text(
                        "INSERT INTO delivery (subscription, alert, kind, payload, status, attempts, next_attempt_at, last_error, "
                        "created_at) VALUES (:sub, :alert, :kind, :payload, 'pending', 0, :now, '', :now) "
                        "ON CONFLICT (subscription, alert) DO NOTHING"),
                        {"sub": sub.id, "alert": f"{alert.source}:{alert.kind.value}", "kind": alert.kind.value,
                         "payload": body, "now": now}).rowcount
        conn.execute(text("UPDATE alertcursor SET scan_id = :s, anchor_sequence = :a WHERE id = 1"),
                     {"s": last_scan, "a": last_anchor})
    return queued
