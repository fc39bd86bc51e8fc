"""The scan log: every verification is recorded, and an item's recent scans feed the clone rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from .geo import Location
from .index_models import Scan
from .verdicts import ScanPoint

__all__ = ["HISTORY_LIMIT", "ScanRecord", "recent_scans", "record_scan", "scan_points"]

# Clone rules look at this many latest scans: enough for any custody path, and a bounded query.
HISTORY_LIMIT = 50


@dataclass(frozen=True, slots=True)
class ScanRecord:
    timestamp: int
    location: Location | None
    party: str | None
    verdict: str
    reasons: tuple[str, ...]


def recent_scans(engine: Engine, item_id: str, limit: int = HISTORY_LIMIT) -> list[ScanRecord]:
    """The item's latest scans, oldest first."""
    query = (select(col(Scan.timestamp), col(Scan.lat), col(Scan.lon), col(Scan.site), col(Scan.party), col(Scan.verdict),
                    col(Scan.reasons))
             .where(col(Scan.item_id) == item_id).order_by(col(Scan.timestamp).desc(), col(Scan.id).desc()).limit(limit))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [ScanRecord(ts, Location(lat, lon, site or "") if lat is not None and lon is not None else None, party, verdict,
                       tuple(reasons.split(",")) if reasons else ()) for ts, lat, lon, site, party, verdict, reasons in reversed(rows)]


def scan_points(records: Sequence[ScanRecord]) -> list[ScanPoint]:
    return [ScanPoint(r.timestamp, r.location) for r in records if r.location is not None]


def record_scan(engine: Engine, item_id: str, key: str, record: ScanRecord) -> None:
    loc = record.location
    with engine.begin() as conn:
        conn.execute(insert(Scan).values(item_id=item_id, key=key, timestamp=record.timestamp,
                                         lat=loc.lat if loc else None, lon=loc.lon if loc else None,
                                         site=loc.site if loc else "", party=record.party, verdict=record.verdict,
                                         reasons=",".join(record.reasons)))
