"""Verify a scanned code: gather the facts from the code, the index and the chain, judge, record the scan.

One :class:`Verifier` per process sits on the process's one :class:`~ledger.custody.ledger.Ledger`.
Small caches keep the hot path to a handful of indexed queries: the brand directory and
party names (refreshed every few seconds, so a new brand shows up quickly) and the set of
anchor roots already confirmed on chain (anchors are append-only, so a confirmed one stays).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlmodel import col

from ..chain.roles import Role
from ..codes.identifiers import ItemKey
from ..codes.parsing import CodeForm, ScannedCode, parse_code
from ..codes.signature import Brand, BrandDirectory, verify_code_signature
from ..custody.ledger import Ledger
from ..custody.state import ItemState
from ..errors import ChainUnreachable, InvalidCode, StateConflict, UnknownScan
from ..geo import Location, haversine_km
from ..index import dbapi
from ..index.accounts import Account
from ..index.models import Condition, Party, PrefixBinding
from ..products.catalogue import ProductSheet, product_sheet
from ..proofs.events import Action
from ..proofs.inspections import InspectionOutcome
from .scans import HISTORY_LIMIT, RECENT_SCANS_SQL, ScanRecord, insert_scan, locate_scan, scan_by_id, scan_points, scan_record
from .verdicts import ChainCheck, Judgement, Rules, ScanFacts, judge

__all__ = ["Inspection", "Verification", "Verifier"]

_SIGNED_FORMS = {CodeForm.DIGITAL_LINK, CodeForm.DIGITAL_LINK_PATH}
_REFRESH_SECONDS = 5.0
_CONFIRMED_LIMIT = 1_000_000
_PRODUCTS_LIMIT = 10_000

# Everything the verdict needs from the index, in one round trip (parameters: item id, item id, limit).
# Part 0: the item, the receiver of its open shipment and its events in order — one row per event, or
# one row with NULL event columns if it has none, or no row if unregistered. Events whose anchor row
# is missing are dropped in Python (a.root IS NULL): a nested "LEFT JOIN (event JOIN anchor)" would
# say it in SQL, but SQLite materialises that join by scanning all events.
# Part 1: the item's latest scans, oldest first. Columns 2 and 3 only order the rows.
# Columns: 3-5 lot, expiry, batch; 6-13 the item's state; 14-20 the event; 21-27 the scan.
_ITEM_EVENTS_AND_SCANS = (
    "SELECT 0, e.seq, 0, i.lot, i.expiry, i.batch_root, i.brand, i.custodian, i.life_cycle, i.stolen, i.recalled, "
    "i.inspection, i.open_shipment, s.receiver, "
    "e.action, e.actor, e.timestamp, e.location, e.anchor_root, a.reference, a.root, "
    "NULL, NULL, NULL, NULL, NULL, NULL, NULL "
    "FROM item i LEFT JOIN shipment s ON s.root = i.open_shipment "
    "LEFT JOIN event e ON e.item_id = i.item_id LEFT JOIN anchor a ON a.root = e.anchor_root "
    "WHERE i.item_id = ? "
    "UNION ALL "
    "SELECT 1, r.timestamp, r.id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
    "NULL, NULL, NULL, NULL, "
    f"r.timestamp, r.lat, r.lon, r.site, r.party, r.verdict, r.reasons FROM ({RECENT_SCANS_SQL}) r "
    "ORDER BY 1, 2, 3"
)


@dataclass(frozen=True)
class Inspection:
    outcome: InspectionOutcome
    officer: str
    timestamp: int
    location: str


@dataclass(frozen=True)
class Verification:
    """The answer to one scan: verdict and reasons, what the code says, and what the ledger knows."""

    key: ItemKey
    form: CodeForm
    judgement: Judgement
    scanned_at: int
    location: Location | None
    brand: str | None
    lot: str | None
    expiry: date | None
    registered: bool
    state: ItemState | None = None
    custodian: str | None = None
    in_transit_to: str | None = None
    last_inspection: Inspection | None = None
    batch: str | None = None
    product: ProductSheet | None = None  # what the brand says the GTIN is (name, pictures, identification guide)
    scan_id: int | None = None  # the scan this verification recorded, if it recorded one

    @property
    def status(self) -> str | None:
        """One word, as API v1 had it (see ``ledger.index.models.legacy_status``)."""
        return self.state.status if self.state else None

    @property
    def conditions(self) -> tuple[Condition, ...]:
        return self.state.conditions if self.state else ()


@dataclass(frozen=True, slots=True)
class _EventRow:
    action: int
    actor: str
    timestamp: int
    location: str
    anchor_root: str
    reference: str | None


@dataclass(frozen=True, slots=True)
class _ItemRow:
    lot: str | None
    expiry: date | None
    batch_root: str
    state: ItemState

    @property
    def custodian(self) -> str:
        return self.state.custodian

    @property
    def receiver(self) -> str | None:
        """Of the open shipment, if any."""
        return self.state.receiver


def _item_events_and_scans(engine: Engine, cur: DBAPICursor,
                           item_id: str) -> tuple[_ItemRow | None, list[_EventRow], list[ScanRecord]]:
    cur.execute(dbapi.sql(engine, _ITEM_EVENTS_AND_SCANS), (item_id, item_id, HISTORY_LIMIT))
    rows = cur.fetchall()
    item_rows = [r for r in rows if r[0] == 0]
    scans = [scan_record(*r[21:28]) for r in rows if r[0] == 1]
    if not item_rows:
        return None, [], scans
    lot, expiry, batch_root = item_rows[0][3:6]
    item = _ItemRow(lot, dbapi.as_date(expiry), batch_root, ItemState.from_columns(*item_rows[0][6:14]))
    return item, [_EventRow(*r[14:20]) for r in item_rows if r[20] is not None], scans


@dataclass(frozen=True)
class _Directory:
    brands: BrandDirectory
    names: dict[str, tuple[str, Role]]
    premises: dict[str, tuple[Location, ...]]  # by party address; Location.site is the place's label
    loaded_at: float

    def nearest_premises(self, party: str, place: Location) -> tuple[float, str] | None:
        """Kilometres from ``place`` to the party's nearest premises, and that premises' label."""
        return min(((haversine_km(place, p), p.site) for p in self.premises.get(party, ())), default=None)


class Verifier:
    def __init__(self, ledger: Ledger, rules: Rules | None = None, clock: Callable[[], int] | None = None) -> None:
        self.ledger = ledger
        self.rules = rules or Rules()
        self.clock = clock or ledger.clock
        self._lock = threading.Lock()
        self._directory: _Directory | None = None
        self._confirmed: set[str] = set()
        self._products: dict[str, tuple[ProductSheet | None, float]] = {}

    # -- caches --------------------------------------------------------------------------

    def directory(self) -> _Directory:
        current = self._directory
        if current is not None and time.monotonic() - current.loaded_at < _REFRESH_SECONDS:
            return current
        with self.ledger.engine.connect() as conn:
            parties = conn.execute(select(col(Party.address), col(Party.name), col(Party.role))).all()
            bindings = conn.execute(select(col(PrefixBinding.prefix), col(PrefixBinding.brand))).all()
        names = {address: (name, Role(role)) for address, name, role in parties}
        premises = {party: tuple(Location(p.lat, p.lon, p.label) for p in places)
                    for party, places in self.ledger.premises().items()}
        prefixes: dict[str, list[str]] = {}
        for prefix, brand in bindings:
            prefixes.setdefault(brand, []).append(prefix)
        brands = BrandDirectory(tuple(Brand(names[a][0], a, tuple(sorted(p))) for a, p in prefixes.items() if a in names))
        fresh = _Directory(brands, names, premises, time.monotonic())
        self._directory = fresh
        return fresh

    def product(self, gtin: str) -> ProductSheet | None:
        """The product sheet of ``gtin`` (GTIN-14), read again after a few seconds: a ledger has few products and
        many scans, so the verify path seldom pays the query."""
        cached = self._products.get(gtin)
        if cached is not None and time.monotonic() - cached[1] < _REFRESH_SECONDS:
            return cached[0]
        sheet = product_sheet(self.ledger.engine, gtin)
        with self._lock:
            if len(self._products) >= _PRODUCTS_LIMIT:
                self._products.clear()
            self._products[gtin] = (sheet, time.monotonic())
        return sheet

    def forget_product(self, gtin: str) -> None:
        """Read ``gtin``'s sheet afresh at the next scan (its brand just changed it in this process)."""
        with self._lock:
            self._products.pop(gtin, None)

    def _name(self, address: str | None) -> str | None:
        if address is None:
            return None
        entry = self.directory().names.get(address)
        return entry[0] if entry else address

    def chain_check(self, root: str) -> ChainCheck:
        """Is the anchor ``root`` on the chain? Confirmed roots are remembered.

        A quick read (short timeout, circuit breaker: see :meth:`ChainClient.get_anchor`), so a hung or
        dead node costs one short wait, and then nothing while the breaker is open.
        """
        if root in self._confirmed:
            return ChainCheck.CONFIRMED
        try:
            found = self.ledger.chain.get_anchor(bytes.fromhex(root[2:]), quick=True)
        except ChainUnreachable:
            return ChainCheck.UNREACHABLE
        if found is None:
            return ChainCheck.MISSING
        with self._lock:
            if len(self._confirmed) >= _CONFIRMED_LIMIT:
                self._confirmed.clear()
            self._confirmed.add(root)
        return ChainCheck.CONFIRMED

    # -- verify --------------------------------------------------------------------------

    def verify(self, text: str, location: Location | None = None, scanner: Account | None = None,
               record: bool = True) -> Verification:
        """Judge the code in ``text`` and record the scan (unless ``record`` is false).

        InvalidCode if it is no code, or a code of no brand on this ledger.
        """
        scanned = parse_code(text)
        directory = self.directory()
        owner = directory.brands.owner_of(scanned.key.gtin)
        if owner is None:
            raise InvalidCode("code", scanned.key.canonical,
                              f"belongs to no brand on this ledger: no registered GS1 company prefix starts GTIN {scanned.key.gtin}",
                              "a code of a brand registered on this ledger")
        now = self.clock()
        item_id = "0x" + scanned.key.item_id.hex()
        engine = self.ledger.engine
        # One connection for the reads and the scan insert; the insert commits with it, so the next
        # verification of this item, in any thread or worker, sees this scan.
        with dbapi.cursor(engine) as cur:
            row, events, history = _item_events_and_scans(engine, cur, item_id)
            inspection = self._last_inspection(events)
            current = ScanRecord(now, location, scanner.address if scanner else None, "", ())
            facts = self._facts(scanned, directory, row, events, inspection, history, current, scanner, now)
            judgement = judge(facts, self.rules)
            scan_id = insert_scan(engine, cur, item_id, scanned.key.canonical,
                                  replace(current, verdict=judgement.verdict.value, reasons=judgement.codes)) if record else None
        receiver = row.receiver if row else None
        return Verification(
            scanned.key, scanned.form, judgement, now, location, owner[0].name,
            row.lot if row else scanned.key.lot, row.expiry if row else scanned.key.expiry, row is not None,
            row.state if row else None, self._name(row.custodian) if row else None, self._name(receiver), inspection,
            row.batch_root if row else None, self.product(scanned.key.gtin), scan_id)

    def locate(self, scan_id: int, text: str, location: Location, scanner: Account | None = None) -> Verification:
        """Give the recorded scan ``scan_id`` of the code in ``text`` its place, once, and judge the code there.

        The scan keeps its time and scanner; its verdict and reasons become those judged with the place.
        UnknownScan if there is no such scan of this code; StateConflict if it has a place already.
        """
        key = parse_code(text).key
        found = scan_by_id(self.ledger.engine, scan_id)
        if found is None or found[0] != key.canonical:
            raise UnknownScan(scan_id)
        if found[1].location is not None:
            raise StateConflict(f"scan {scan_id}", "has a place already; a scan's place is given once")
        result = replace(self.verify(text, location, scanner, record=False), scan_id=scan_id)
        if not locate_scan(self.ledger.engine, scan_id, location, result.judgement.verdict.value, result.judgement.codes):
            raise StateConflict(f"scan {scan_id}", "has a place already; a scan's place is given once")
        return result

    def _last_inspection(self, events: list[_EventRow]) -> Inspection | None:
        for e in reversed(events):
            if e.action == Action.INSPECT:
                outcome = InspectionOutcome.from_reference(e.reference)
                if outcome is not None:
                    return Inspection(outcome, self._name(e.actor) or e.actor, e.timestamp, e.location)
        return None

    def _facts(self, scanned: ScannedCode, directory: _Directory, row: _ItemRow | None,
               events: list[_EventRow], inspection: Inspection | None,
               history: list[ScanRecord], current: ScanRecord, scanner: Account | None, now: int) -> ScanFacts:
        signed = scanned.form in _SIGNED_FORMS
        check = verify_code_signature(scanned.key, scanned.signature, directory.brands) if signed else None
        head_root = events[-1].anchor_root if events else (row.batch_root if row else None)
        place = current.location
        nearest = directory.nearest_premises(row.custodian, place) if row and place and row.receiver is None else None
        custodian = directory.names.get(row.custodian) if row else None
        return ScanFacts(
            today=datetime.fromtimestamp(now, UTC).date(),
            signed_form=signed,
            signature=check.reason if check else None,
            signature_detail=check.detail if check else "",
            registered=row is not None,
            life_cycle=row.state.life_cycle if row else None,
            stolen=bool(row and row.state.stolen),
            recalled=bool(row and row.state.recalled),
            expiry=row.expiry if row else scanned.key.expiry,
            scanner_role=scanner.role if scanner else None,
            scanner_name=scanner.party if scanner else "",
            scanner_is_custodian=bool(row and scanner and row.custodian == scanner.address),
            scanner_is_receiver=bool(row and scanner and row.receiver == scanner.address),
            custodian_name=(custodian[0] if custodian else row.custodian) if row else "",
            custodian_role=custodian[1] if custodian else None,
            premises_km=nearest[0] if nearest else None,
            premises_label=nearest[1] if nearest else "",
            custody_places=1 + sum(1 for e in events if e.action in (Action.SHIP, Action.RECEIVE)),
            scans=scan_points(history, current),
            last_inspection=row.state.inspection if row else None,
            last_inspection_by=inspection.officer if inspection else "",
            chain=self.chain_check(head_root) if head_root else ChainCheck.NOT_APPLICABLE,
        )
