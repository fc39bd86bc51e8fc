"""The rows the analyses read: plain frozen values, loaded from the index in a few set-wise queries.

Every analysis in :mod:`ledger.intel` is a pure function over these values, so tests build them
by hand and the CLI, the web and the benchmark load them once with :func:`load_records` and
:func:`load_scan_groups`. The loaders aggregate where a row per scan would not fit in memory
(millions of scans become one row per product, place and week) and read single records only
where they are few: scans and events that flag an item, and the shipments of flagged items.

Each value keeps where it came from (``source``: ``scan:<id>`` or ``event:<hash>``), so every
result can name the records behind it.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from ..chain.roles import Role
from ..codes.signature import Brand, BrandDirectory
from ..geo import Location, haversine_km
from ..index.bulk import chunks
from ..proofs.events import Action
from ..proofs.inspections import InspectionOutcome
from ..verify.sites import INSPECTION_SITES

__all__ = [
    "FOUND_BAD",
    "WEEK",
    "Flag",
    "FlagKind",
    "ItemInfo",
    "PartyInfo",
    "Records",
    "ScanGroup",
    "Seizure",
    "ShipmentRow",
    "flag_of_scan",
    "ScanRow",
    "load_clone_scans",
    "load_flagged_scans_in",
    "load_post_scans",
    "Directory",
    "load_directory",
    "load_records",
    "scan_row",
    "load_scans",
    "load_scan_groups",
    "load_seizures",
    "purge_boundary",
    "SCAN_GROUP_COLUMNS",
    "SCAN_GROUP_KEY",
    "parse_place",
    "week_of",
    "week_start",
]

WEEK = 7 * 86_400
_MONDAY = 3 * 86_400  # 1970-01-01 was a Thursday: shifting by three days makes weeks start on Monday
_CLONE_REASONS = ("CLONE_IMPOSSIBLE_TRAVEL", "TOO_MANY_LOCATIONS")


def week_of(timestamp: int) -> int:
    """The Monday-based week number since the epoch that ``timestamp`` falls in.

    >>> week_start(week_of(1_780_000_000)).strftime("%A %Y-%m-%d")
    'Monday 2026-05-25'
    """
    return (timestamp + _MONDAY) // WEEK


def week_start(week: int) -> datetime:
    return datetime.fromtimestamp(week * WEEK - _MONDAY, UTC)


class FlagKind(enum.StrEnum):
    """Something in an item's history that says it, or its code, went wrong."""

    CLONE = "clone"  # a scan said: the code was seen where one item could not be (CLONE_IMPOSSIBLE_TRAVEL, TOO_MANY_LOCATIONS)
    COUNTERFEIT = "counterfeit"  # a scan's verdict was counterfeit (e.g. a destroyed item's code, a bad signature)
    SUSPECT = "suspect"  # any other suspect scan (custody mismatch, sold item reappearing, flagged by inspection)
    STOLEN = "stolen"  # the item was reported stolen
    STOLEN_SCANNED = "stolen_scanned"  # an item reported stolen was scanned
    SEIZED = "seized"  # an officer seized it or recorded it as suspected counterfeit
    HELD = "held"  # an officer held it
    RECALLED = "recalled"  # its brand recalled it
    PACKING = "packing"  # a carrier opened its case or pallet on the way

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    FlagKind.CLONE: "clone alert", FlagKind.COUNTERFEIT: "counterfeit scan", FlagKind.SUSPECT: "suspect scan",
    FlagKind.STOLEN: "reported stolen", FlagKind.STOLEN_SCANNED: "stolen item scanned", FlagKind.SEIZED: "seized",
    FlagKind.HELD: "held by inspection", FlagKind.RECALLED: "recalled", FlagKind.PACKING: "opened by a carrier",
}

# What "later found suspect, counterfeit, stolen or seized" means for lanes, carriers and brands. Recalls,
# holds and opened pallets are risk signals of their own, not findings about the goods.
FOUND_BAD = frozenset({FlagKind.CLONE, FlagKind.COUNTERFEIT, FlagKind.SUSPECT, FlagKind.STOLEN, FlagKind.STOLEN_SCANNED,
                       FlagKind.SEIZED})


@dataclass(frozen=True, slots=True)
class Flag:
    item_id: str
    timestamp: int
    kind: FlagKind
    source: str  # the record behind it: "scan:<id>" or "event:<hash>"
    place: Location | None = None


@dataclass(frozen=True, slots=True)
class PartyInfo:
    address: str
    name: str
    role: Role
    places: tuple[Location, ...] = ()  # premises; Location.site is the label


@dataclass(frozen=True, slots=True)
class ItemInfo:
    item_id: str
    key: str
    gtin: str
    brand: str  # address
    batch: str
    lot: str | None = None


@dataclass(frozen=True, slots=True)
class ShipmentRow:
    """A handover as a lane sees it: from the sender's place to the receiver's, and the carrier on either side."""

    root: str
    sender: str
    receiver: str
    count: int
    shipped_at: int
    origin: str
    destination: str
    carrier: str | None  # address of the carrier among sender and receiver, if any
    state: str  # open | received
    brands: tuple[tuple[str, int], ...] = ()  # (brand address, items of it) in the shipment
    origin_at: Location | None = None  # where ``origin`` is, when known (premises or the event's coordinates)
    destination_at: Location | None = None

    @property
    def open(self) -> bool:
        return self.state == "open"


@dataclass(frozen=True, slots=True)
class ScanGroup:
    """Scans of one product at one place (coordinates rounded to 0.01°, about 1 km) in one week."""

    gtin: str
    lat: float | None
    lon: float | None
    week: int
    scans: int
    suspect: int = 0
    counterfeit: int = 0
    stolen: int = 0  # scans of items reported stolen
    flagged: int = 0  # scans that were suspect, counterfeit or of a stolen item (each scan once)
    site: str = ""  # a site name among the scans, if any


@dataclass(frozen=True, slots=True)
class Seizure:
    item_id: str
    gtin: str
    timestamp: int
    place: Location | None
    outcome: InspectionOutcome
    source: str


@dataclass(frozen=True)
class Records:
    """What the shipment-level analyses (lanes, risk) read; see :func:`load_records`."""

    now: int
    parties: Mapping[str, PartyInfo]
    brands: BrandDirectory
    shipments: Sequence[ShipmentRow]
    flags: Sequence[Flag]
    shipped: Sequence[tuple[str, str]]  # (shipment root, item id), for flagged items only
    items: Mapping[str, ItemInfo]  # flagged items
    # For each open shipment: the received shipments its items came to the sender in, as
    # (that shipment's root, items it brought, of those how many the sender has shipped on so far).
    arrivals: Mapping[str, tuple[tuple[str, int, int], ...]] = field(default_factory=dict)

    def name(self, address: str | None) -> str:
        if address is None:
            return "—"
        party = self.parties.get(address)
        return party.name if party else address


# -- places ---------------------------------------------------------------------------------

_COORDINATES = re.compile(r"(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)")


def parse_place(text_: str) -> Location | None:
    """A place from a custody event's location text: ``Site (lat,lon)``, ``lat,lon`` or a known inspection site.

    >>> parse_place("Port of Rotterdam (51.9496,4.1453)")
    Location(lat=51.9496, lon=4.1453, site='Port of Rotterdam')
    >>> parse_place("Port of Antwerp").lat, parse_place("warehouse 7") is None
    (51.2637, True)
    """
    found = _COORDINATES.search(text_)
    name = text_.split(" (", 1)[0].strip() if "(" in text_ else ("" if found else text_.strip())
    if found:
        lat, lon = float(found.group(1)), float(found.group(2))
        if abs(lat) <= 90 and abs(lon) <= 180:
            return Location(lat, lon, name[:80])
    known = INSPECTION_SITES.get(text_.strip())
    return known


def _place(party: PartyInfo | None, location: str, fallback: str) -> tuple[str, Location | None]:
    """A lane end and where it is: the party's premises nearest the event's place (or its first), else the
    place's name, else the party (without a place)."""
    here = parse_place(location) if location else None
    if party and party.places:
        chosen = min(party.places, key=lambda p: haversine_km(p, here)) if here is not None else party.places[0]
        return chosen.site or f"{party.name} premises", chosen
    if here is not None and here.site:
        return here.site, here
    if location.strip():
        return location.strip()[:80], here
    return (party.name if party else fallback), None


# -- flags ----------------------------------------------------------------------------------


def flag_of_scan(verdict: str, reasons: str) -> list[FlagKind]:
    """The flags one scan raises from its verdict and reason codes.

    >>> flag_of_scan("suspect", "CLONE_IMPOSSIBLE_TRAVEL,REPORTED_STOLEN")
    [<FlagKind.CLONE: 'clone'>, <FlagKind.STOLEN_SCANNED: 'stolen_scanned'>]
    >>> flag_of_scan("genuine", "RECALLED")
    [<FlagKind.RECALLED: 'recalled'>]
    """
    codes = set(reasons.split(",")) if reasons else set()
    kinds = []
    if verdict == "counterfeit":
        kinds.append(FlagKind.COUNTERFEIT)
    elif verdict == "suspect":
        kinds.append(FlagKind.CLONE if codes.intersection(_CLONE_REASONS) else FlagKind.SUSPECT)
    if "REPORTED_STOLEN" in codes:
        kinds.append(FlagKind.STOLEN_SCANNED)
    if "RECALLED" in codes:
        kinds.append(FlagKind.RECALLED)
    return kinds


_FLAG_SCANS = ("SELECT id, item_id, timestamp, verdict, reasons, lat, lon, site FROM scan "
               "WHERE verdict <> 'genuine' OR reasons LIKE '%REPORTED_STOLEN%' OR reasons LIKE '%RECALLED%'")
_FLAG_EVENTS = ("SELECT e.event_hash, e.item_id, e.action, e.timestamp, e.actor, e.location, a.reference "
                "FROM event e JOIN anchor a ON a.root = e.anchor_root WHERE e.action IN (3, 4, 8, 10)")


def _scan_flags(conn: Connection) -> list[Flag]:
    flags: list[Flag] = []
    for id_, item_id, ts, verdict, reasons, lat, lon, site in conn.execute(text(_FLAG_SCANS)):
        place = Location(lat, lon, site or "") if lat is not None and lon is not None else None
        flags.extend(Flag(item_id, ts, kind, f"scan:{id_}", place) for kind in flag_of_scan(verdict, reasons or ""))
    return flags


def _event_flags(conn: Connection, parties: Mapping[str, PartyInfo]) -> list[Flag]:
    flags = []
    for event_hash, item_id, action, ts, actor, location, reference in conn.execute(text(_FLAG_EVENTS)):
        kind: FlagKind | None = None
        if action == Action.RECALL:
            kind = FlagKind.RECALLED
        elif action == Action.REPORT_STOLEN:
            kind = FlagKind.STOLEN
        elif action == Action.INSPECT:
            outcome = InspectionOutcome.from_reference(reference)
            if outcome in (InspectionOutcome.SEIZED, InspectionOutcome.SUSPECTED_COUNTERFEIT):
                kind = FlagKind.SEIZED
            elif outcome is InspectionOutcome.HELD:
                kind = FlagKind.HELD
        elif action == Action.UNPACK and (p := parties.get(actor)) is not None and p.role is Role.CARRIER:
            kind = FlagKind.PACKING
        if kind is not None:
            flags.append(Flag(item_id, ts, kind, f"event:{event_hash}", parse_place(location or "")))
    return flags


# -- loading --------------------------------------------------------------------------------


def _parties(conn: Connection) -> dict[str, PartyInfo]:
    places: dict[str, list[Location]] = {}
    for party, lat, lon, label in conn.execute(text("SELECT party, lat, lon, label FROM premises ORDER BY id")):
        places.setdefault(party, []).append(Location(lat, lon, label or ""))
    return {address: PartyInfo(address, name, Role(role), tuple(places.get(address, ())))
            for address, name, role in conn.execute(text("SELECT address, name, role FROM party"))}


def _brands(conn: Connection, parties: Mapping[str, PartyInfo]) -> BrandDirectory:
    prefixes: dict[str, list[str]] = {}
    for prefix, brand in conn.execute(text("SELECT prefix, brand FROM prefixbinding")):
        prefixes.setdefault(brand, []).append(prefix)
    return BrandDirectory(tuple(Brand(parties[a].name, a, tuple(sorted(p))) for a, p in sorted(prefixes.items())
                                if a in parties))


@dataclass(frozen=True)
class Directory:
    """Parties and brands: what alerts and the sharing rules need, without the records."""

    parties: Mapping[str, PartyInfo]
    brands: BrandDirectory

    @property
    def names(self) -> dict[str, str]:
        return {a: p.name for a, p in self.parties.items()}


def load_directory(engine: Engine) -> Directory:
    with engine.connect() as conn:
        parties = _parties(conn)
        return Directory(parties, _brands(conn, parties))


# One row per shipment: its ship anchor's time and the location of one of its events (all events of
# an action share it), and the same for its receipt. The correlated subqueries use ix_event_anchor_root.
_SHIPMENTS = (
    "SELECT s.root, s.sender, s.receiver, s.count, s.state, a.timestamp, "
    "(SELECT e.location FROM event e WHERE e.anchor_root = s.root LIMIT 1), "
    "(SELECT e.location FROM event e WHERE e.anchor_root = s.receipt_root LIMIT 1) "
    "FROM shipment s JOIN anchor a ON a.root = s.root"
)
_SHIPMENT_BRANDS = ("SELECT e.anchor_root, i.brand, COUNT(*) FROM event e JOIN item i ON i.item_id = e.item_id "
                    "WHERE e.action = 1 GROUP BY e.anchor_root, i.brand")


def _shipments(conn: Connection, parties: Mapping[str, PartyInfo]) -> list[ShipmentRow]:
    brands: dict[str, list[tuple[str, int]]] = {}
    for root, brand, n in conn.execute(text(_SHIPMENT_BRANDS)):
        brands.setdefault(root, []).append((brand, int(n)))
    rows = []
    for root, sender, receiver, count, state, shipped_at, ship_location, receipt_location in conn.execute(text(_SHIPMENTS)):
        s, r = parties.get(sender), parties.get(receiver)
        carrier = next((p.address for p in (s, r) if p is not None and p.role is Role.CARRIER), None)
        (origin, origin_at), (destination, destination_at) = (_place(s, ship_location or "", sender),
                                                               _place(r, receipt_location or "", receiver))
        rows.append(ShipmentRow(root, sender, receiver, count, shipped_at or 0, origin, destination, carrier, state,
                                tuple(sorted(brands.get(root, ()))), origin_at, destination_at))
    return rows


def _in_list(conn: Connection, sql: str, ids: Sequence[str], params: Mapping[str, object] | None = None
             ) -> Iterable[tuple[Any, ...]]:
    """Rows of ``sql`` (with ``{ids}`` where the IN list goes) for ``ids``, a bounded list at a time."""
    for chunk in chunks(ids):
        marks = ", ".join(f":i{n}" for n in range(len(chunk)))
        yield from conn.execute(text(sql.format(ids=marks)), {**(params or {}), **{f"i{n}": v for n, v in enumerate(chunk)}})


# For each open shipment, the shipments that brought its items to its sender (e2: an item shipped to the sender).
_ARRIVED_BY = (
    "SELECT DISTINCT o.root, e2.anchor_root FROM shipment o JOIN event e1 ON e1.anchor_root = o.root "
    "JOIN event e2 ON e2.item_id = e1.item_id AND e2.action = 1 AND e2.counterparty = o.sender WHERE o.state = 'open'"
)
# For those shipments (received ones): items each brought, and how many of them the receiver has shipped on since.
# Kept apart from the query above, where SQLite would scan every event for e3 instead of looking it up by item.
_SHIPPED_ON = (
    "SELECT p.root, p.count, COUNT(DISTINCT e3.item_id) FROM shipment p JOIN event e4 ON e4.anchor_root = p.root "
    "LEFT JOIN event e3 ON e3.item_id = e4.item_id AND e3.action = 1 AND e3.actor = p.receiver "
    "WHERE p.state = 'received' AND p.root IN ({ids}) GROUP BY p.root, p.count"
)


def _arrivals(conn: Connection) -> dict[str, tuple[tuple[str, int, int], ...]]:
    pairs = [(str(o), str(p)) for o, p in conn.execute(text(_ARRIVED_BY))]
    shipped_on = {str(root): (int(count), int(n)) for root, count, n in _in_list(conn, _SHIPPED_ON, sorted({p for _, p in pairs}))}
    found: dict[str, list[tuple[str, int, int]]] = {}
    for open_root, prior in pairs:
        if prior in shipped_on:
            found.setdefault(open_root, []).append((prior, *shipped_on[prior]))
    return {root: tuple(sorted(rows)) for root, rows in found.items()}


def load_records(engine: Engine, now: int) -> Records:
    """Parties, brands, shipments, the flags of every item, and the shipments and details of the flagged items.

    ``now`` is the analysis time: flags after it are ignored, so an analysis can be re-run as of a past day.
    """
    with engine.connect() as conn:
        parties = _parties(conn)
        flags = [f for f in _scan_flags(conn) + _event_flags(conn, parties) if f.timestamp <= now]
        flagged = sorted({f.item_id for f in flags})
        shipped = [(str(root), str(item)) for root, item in
                   _in_list(conn, "SELECT anchor_root, item_id FROM event WHERE action = 1 AND item_id IN ({ids})", flagged)]
        items = {str(r[0]): ItemInfo(str(r[0]), f"/01/{r[1]}/21/{r[2]}", str(r[1]), str(r[3]), str(r[4]),
                                     str(r[5]) if r[5] is not None else None)
                 for r in _in_list(conn, "SELECT item_id, gtin, serial, brand, batch_root, lot FROM item "
                                         "WHERE item_id IN ({ids})", flagged)}
        return Records(now, parties, _brands(conn, parties), [s for s in _shipments(conn, parties) if s.shipped_at <= now],
                       flags, shipped, items, _arrivals(conn))


# Scans of each product at each place (0.01° grid) in each week. GTIN from the canonical key
# /01/{gtin}/21/…; ROUND(x) without digits is in both SQLite and PostgreSQL (round(double, int) is not).
# ledger.intel.retention writes the same groups into scanaggregate before it purges raw scans.
SCAN_GROUP_KEY = ("SUBSTR(key, 5, 14), CAST(ROUND(lat * 100) AS INTEGER), CAST(ROUND(lon * 100) AS INTEGER), "
                  "(timestamp + 259200) / 604800")
SCAN_GROUP_COLUMNS = (
    f"{SCAN_GROUP_KEY}, COUNT(*), "
    "SUM(CASE WHEN verdict = 'suspect' THEN 1 ELSE 0 END), SUM(CASE WHEN verdict = 'counterfeit' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN reasons LIKE '%REPORTED_STOLEN%' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN verdict <> 'genuine' OR reasons LIKE '%REPORTED_STOLEN%' THEN 1 ELSE 0 END), MAX(site)"
)
_SCAN_GROUPS = f"SELECT {SCAN_GROUP_COLUMNS} FROM scan WHERE timestamp >= :since AND timestamp < :until GROUP BY {SCAN_GROUP_KEY}"
# The same groups of purged weeks, from the aggregates the purge kept.
_AGGREGATE_GROUPS = (
    "SELECT gtin, lat_grid, lon_grid, week, SUM(scans), SUM(suspect), SUM(counterfeit), SUM(stolen), SUM(flagged), MAX(site) "
    "FROM scanaggregate WHERE week >= :first AND week < :end GROUP BY gtin, lat_grid, lon_grid, week"
)


def purge_boundary(conn: Connection) -> int:
    """The latest retention purge's boundary (0: never purged): scans before it are counted in scanaggregate only."""
    return int(conn.execute(text("SELECT COALESCE(MAX(purged_before), 0) FROM scanpurge")).scalar_one())


def load_scan_groups(engine: Engine, since: int = 0, until: int = 2**62) -> list[ScanGroup]:
    """Every scan in [since, until), counted by product, place (about 1 km) and week.

    Weeks before the retention boundary (:mod:`ledger.intel.retention`) come from the aggregates kept
    when their raw scans were purged, whole weeks at a time: a period starting or ending inside a
    purged week counts all of that week.
    """
    with engine.connect() as conn:
        boundary = purge_boundary(conn)
        rows = list(conn.execute(text(_SCAN_GROUPS), {"since": max(since, boundary), "until": until}).all())
        if since < boundary:
            end = min(week_of(boundary), week_of(until - 1) + 1)
            rows += conn.execute(text(_AGGREGATE_GROUPS), {"first": week_of(since), "end": end}).all()
    return [ScanGroup(gtin, la / 100 if la is not None else None, lo / 100 if lo is not None else None, int(week), int(n),
                      int(sus or 0), int(cf or 0), int(st or 0), int(fl or 0), site or "")
            for gtin, la, lo, week, n, sus, cf, st, fl, site in rows]


_SEIZURES = ("SELECT e.event_hash, e.item_id, i.gtin, e.timestamp, e.location, a.reference FROM event e "
             "JOIN anchor a ON a.root = e.anchor_root JOIN item i ON i.item_id = e.item_id "
             "WHERE e.action = 8 AND e.timestamp >= :since AND e.timestamp < :until")


def load_seizures(engine: Engine, since: int = 0, until: int = 2**62) -> list[Seizure]:
    """Inspections that seized goods or recorded them as suspected counterfeit, in [since, until)."""
    with engine.connect() as conn:
        rows = conn.execute(text(_SEIZURES), {"since": since, "until": until}).all()
    found = []
    for event_hash, item_id, gtin, ts, location, reference in rows:
        outcome = InspectionOutcome.from_reference(reference)
        if outcome in (InspectionOutcome.SEIZED, InspectionOutcome.SUSPECTED_COUNTERFEIT):
            found.append(Seizure(item_id, gtin, ts, parse_place(location or ""), outcome, f"event:{event_hash}"))
    return found


# -- scans at a post, scans of cloned codes ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScanRow:
    """One scan as the evidence behind a result shows it (before :mod:`ledger.intel.privacy` decides what is shown)."""

    id: int
    item_id: str
    key: str
    timestamp: int
    place: Location | None
    party: str | None  # the scanning party's address; None for the public
    verdict: str
    reasons: tuple[str, ...]


def scan_row(id_: int, item_id: str, key: str, ts: int, lat: float | None, lon: float | None, site: str | None,
              party: str | None, verdict: str, reasons: str | None) -> ScanRow:
    place = Location(lat, lon, site or "") if lat is not None and lon is not None else None
    return ScanRow(int(id_), item_id, key, int(ts), place, party, verdict, tuple(reasons.split(",")) if reasons else ())


_SCAN_COLUMNS = "id, item_id, key, timestamp, lat, lon, site, party, verdict, reasons"


def load_scans(engine: Engine, where: str, params: Mapping[str, object]) -> list[ScanRow]:
    """Scans matching ``where`` (SQL over the scan table's columns, with named parameters), oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT {_SCAN_COLUMNS} FROM scan WHERE {where} ORDER BY timestamp, id"), dict(params)).all()
    return [scan_row(*r) for r in rows]


def load_post_scans(engine: Engine, since: int, until: int, party: str | None = None, site: str | None = None
                    ) -> tuple[list[ScanRow], dict[str, ItemInfo], dict[str, list[str]]]:
    """Scans at a post in [since, until) — by ``party`` (address) or at ``site`` — their items, and the
    shipments that carried each item (oldest first)."""
    where = "timestamp >= :since AND timestamp < :until"
    params: dict[str, object] = {"since": since, "until": until}
    if party is not None:
        where += " AND party = :party"
        params["party"] = party
    if site is not None:
        where += " AND site = :site"
        params["site"] = site
    scans = load_scans(engine, where, params)
    ids = sorted({s.item_id for s in scans})
    with engine.connect() as conn:
        items = {str(r[0]): ItemInfo(str(r[0]), f"/01/{r[1]}/21/{r[2]}", str(r[1]), str(r[3]), str(r[4]),
                                     str(r[5]) if r[5] is not None else None)
                 for r in _in_list(conn, "SELECT item_id, gtin, serial, brand, batch_root, lot FROM item "
                                         "WHERE item_id IN ({ids})", ids)}
        shipments: dict[str, list[str]] = {}
        for item, root, _ in sorted(_in_list(conn, "SELECT item_id, anchor_root, timestamp FROM event "
                                                "WHERE action = 1 AND item_id IN ({ids})", ids), key=lambda r: int(str(r[2]))):
            shipments.setdefault(str(item), []).append(str(root))
    return scans, items, shipments


# Codes scanned on at least :n cells of a 0.1° grid (about 11 km), or with a clone alert: the candidates
# the clone analysis then places exactly on H3 cells.
_CLONE_CANDIDATES = (
    "SELECT item_id FROM scan WHERE lat IS NOT NULL AND timestamp >= :since AND timestamp < :until GROUP BY item_id "
    "HAVING COUNT(DISTINCT CAST(ROUND(lat * 10) AS INTEGER) * 4000 + CAST(ROUND(lon * 10) AS INTEGER)) >= :n "
    "UNION SELECT item_id FROM scan WHERE timestamp >= :since AND timestamp < :until "
    "AND (reasons LIKE '%CLONE_IMPOSSIBLE_TRAVEL%' OR reasons LIKE '%TOO_MANY_LOCATIONS%')"
)


def load_clone_scans(engine: Engine, min_places: int = 5, since: int = 0, until: int = 2**62
                     ) -> tuple[list[ScanRow], dict[str, ItemInfo]]:
    """Every scan in [since, until) of codes seen at ``min_places`` or more places or with a clone alert, and their items."""
    with engine.connect() as conn:
        ids = sorted(str(r[0]) for r in conn.execute(text(_CLONE_CANDIDATES), {"since": since, "until": until, "n": min_places}))
        rows = [scan_row(*r) for r in _in_list(conn, f"SELECT {_SCAN_COLUMNS} FROM scan WHERE item_id IN ({{ids}}) "
                                                      "AND timestamp >= :since AND timestamp < :until", ids,
                                                {"since": since, "until": until})]
        items = {str(r[0]): ItemInfo(str(r[0]), f"/01/{r[1]}/21/{r[2]}", str(r[1]), str(r[3]), str(r[4]),
                                     str(r[5]) if r[5] is not None else None)
                 for r in _in_list(conn, "SELECT item_id, gtin, serial, brand, batch_root, lot FROM item "
                                         "WHERE item_id IN ({ids})", ids)}
    rows.sort(key=lambda r: (r.timestamp, r.id))
    return rows, items


def load_flagged_scans_in(engine: Engine, south: float, west: float, north: float, east: float, since: int = 0,
                          until: int = 2**62) -> list[ScanRow]:
    """Flagged scans (suspect, counterfeit, or of a stolen item) inside a latitude/longitude box, oldest first."""
    where = ("(verdict <> 'genuine' OR reasons LIKE '%REPORTED_STOLEN%') AND lat >= :south AND lat <= :north "
             "AND timestamp >= :since AND timestamp < :until")
    params: dict[str, object] = {"south": south, "north": north, "since": since, "until": until}
    if west <= east:  # a box across the antimeridian is left open in longitude
        where += " AND lon >= :west AND lon <= :east"
        params.update(west=west, east=east)
    return load_scans(engine, where, params)
