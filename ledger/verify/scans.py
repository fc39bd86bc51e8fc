"""The scan log: every verification is recorded, and an item's recent identified scans feed the clone rules.

Anonymous scans (no signed-in party, no API token: the row's ``party`` is NULL) are recorded for
the brands' intelligence but are no clone evidence: anyone can send any coordinates for any code,
so counting them would let one anonymous caller make a genuine item SUSPECT for the officer who
scans it next. :func:`scan_points` is the one place that chooses the evidence.

A scan is one deliberate scan action (a QR link opened, a scan form submitted, an API call or
``ledger verify``), never a page view: the web records it and redirects to a view that records
nothing. A scan made without a place can be given one afterwards, once (:func:`locate_scan`):
the web lets the browser that made it attach the device's position or an inspection site.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.engine.interfaces import DBAPICursor

from ..geo import Location
from ..index import dbapi
from .verdicts import ScanPoint

__all__ = ["HISTORY_LIMIT", "RECENT_SCANS_SQL", "ScanRecord", "insert_scan", "locate_scan", "recent_scans", "scan_by_id",
           "scan_points", "scan_record"]

# Clone rules look at this many latest scans: enough for any custody path, and a bounded query.
HISTORY_LIMIT = 50

# An item's latest scans, newest first (parameters: item id, limit). ix_scan_item_time serves this
# as an index range scan in order, without a sort. The verifier reads it as part of a larger query.
RECENT_SCANS_SQL = ("SELECT timestamp, lat, lon, site, party, verdict, reasons, id FROM scan WHERE item_id = ? "
                    "ORDER BY timestamp DESC, id DESC LIMIT ?")
_INSERT = ("INSERT INTO scan (item_id, key, timestamp, lat, lon, site, party, verdict, reasons) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id")
_BY_ID = "SELECT key, timestamp, lat, lon, site, party, verdict, reasons FROM scan WHERE id = ?"
# Only a scan without a place gets one: a place, once given, is evidence and is not rewritten.
_LOCATE = "UPDATE scan SET lat = ?, lon = ?, site = ?, verdict = ?, reasons = ? WHERE id = ? AND lat IS NULL"


@dataclass(frozen=True, slots=True)
class ScanRecord:
    timestamp: int
    location: Location | None
    party: str | None
    verdict: str
    reasons: tuple[str, ...]


def scan_record(timestamp: int, lat: float | None, lon: float | None, site: str | None, party: str | None,
                verdict: str, reasons: str | None) -> ScanRecord:
    """A scan row's columns (as RECENT_SCANS_SQL selects them, but the id) as a record."""
    return ScanRecord(timestamp, Location(lat, lon, site or "") if lat is not None and lon is not None else None, party,
                      verdict, tuple(reasons.split(",")) if reasons else ())


def insert_scan(engine: Engine, cur: DBAPICursor, item_id: str, key: str, record: ScanRecord) -> int:
    """Add the scan on ``cur`` and return its id; the caller's transaction commits it."""
    loc = record.location
    cur.execute(dbapi.sql(engine, _INSERT),
                (item_id, key, record.timestamp, loc.lat if loc else None, loc.lon if loc else None, loc.site if loc else "",
                 record.party, record.verdict, ",".join(record.reasons)))
    row = cur.fetchone()
    assert row is not None  # RETURNING gives the inserted row
    return int(row[0])


def scan_by_id(engine: Engine, scan_id: int) -> tuple[str, ScanRecord] | None:
    """The scan's item key (canonical) and record, or None if there is no such scan."""
    with dbapi.cursor(engine) as cur:
        cur.execute(dbapi.sql(engine, _BY_ID), (scan_id,))
        row = cur.fetchone()
    return (row[0], scan_record(*row[1:])) if row else None


def locate_scan(engine: Engine, scan_id: int, location: Location, verdict: str, reasons: tuple[str, ...]) -> bool:
    """Give a scan without a place its place, and the verdict judged with it; False if it had a place already."""
    with dbapi.cursor(engine) as cur:
        cur.execute(dbapi.sql(engine, _LOCATE),
                    (location.lat, location.lon, location.site, verdict, ",".join(reasons), scan_id))
        return bool(cur.rowcount == 1)


def recent_scans(engine: Engine, item_id: str, limit: int = HISTORY_LIMIT) -> list[ScanRecord]:
    """The item's latest scans, oldest first."""
    with dbapi.cursor(engine) as cur:
        cur.execute(dbapi.sql(engine, RECENT_SCANS_SQL), (item_id, limit))
        return [scan_record(*row[:7]) for row in reversed(cur.fetchall())]


def scan_points(history: Sequence[ScanRecord], current: ScanRecord) -> list[ScanPoint]:
    """The clone rules' evidence, oldest first: the identified scans of ``history`` and the current scan.

    The current scan counts whoever makes it: an anonymous caller's own location can only change
    the verdict that caller gets, and that scan is not evidence for the next one.
    """
    evidence = [*(r for r in history if r.party is not None), current]
    return [ScanPoint(r.timestamp, r.location) for r in evidence if r.location is not None]

