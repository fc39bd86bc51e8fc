"""The scan log: every verification is recorded, and an item's recent scans feed the clone rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.engine.interfaces import DBAPICursor

from ..geo import Location
from ..index import dbapi
from .verdicts import ScanPoint

__all__ = ["HISTORY_LIMIT", "RECENT_SCANS_SQL", "ScanRecord", "insert_scan", "recent_scans", "scan_points",
           "scan_record"]

# Clone rules look at this many latest scans: enough for any custody path, and a bounded query.
HISTORY_LIMIT = 50

# An item's latest scans, newest first (parameters: item id, limit). ix_scan_item_time serves this
# as an index range scan in order, without a sort. The verifier reads it as part of a larger query.
RECENT_SCANS_SQL = ("SELECT timestamp, lat, lon, site, party, verdict, reasons, id FROM scan WHERE item_id = ? "
                    "ORDER BY timestamp DESC, id DESC LIMIT ?")
_INSERT = ("INSERT INTO scan (item_id, key, timestamp, lat, lon, site, party, verdict, reasons) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")


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


def insert_scan(engine: Engine, cur: DBAPICursor, item_id: str, key: str, record: ScanRecord) -> None:
    """Add the scan on ``cur``; the caller's transaction commits it."""
    loc = record.location
    cur.execute(dbapi.sql(engine, _INSERT),
                (item_id, key, record.timestamp, loc.lat if loc else None, loc.lon if loc else None, loc.site if loc else "",
                 record.party, record.verdict, ",".join(record.reasons)))


def recent_scans(engine: Engine, item_id: str, limit: int = HISTORY_LIMIT) -> list[ScanRecord]:
    """The item's latest scans, oldest first."""
    with dbapi.cursor(engine) as cur:
        cur.execute(dbapi.sql(engine, RECENT_SCANS_SQL), (item_id, limit))
        return [scan_record(*row[:7]) for row in reversed(cur.fetchall())]


def scan_points(records: Sequence[ScanRecord]) -> list[ScanPoint]:
    return [ScanPoint(r.timestamp, r.location) for r in records if r.location is not None]

