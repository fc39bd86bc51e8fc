"""Retention of raw scan data: aggregate old weeks, then remove the scans' places and scanners.

A scan's coordinates and site can be personal data (a member of the public's phone) and its
party is operational data (which post, which retailer). They are needed raw for a while (clone
rules compare an item's recent scans; officers look at the scans behind a hotspot), then only in
aggregate. :func:`purge` does, in one transaction:

1. counts the scans of every week before the boundary that no earlier purge counted into
   ``scanaggregate``: one row per product (GTIN), place on the 0.01° grid (about 1 km) and week,
   with the scans, suspect, counterfeit, stolen and flagged counts and a site label: exactly what
   :func:`ledger.intel.records.load_scan_groups` hands the hotspot and trend analyses, so they
   give the same counts for any H3 resolution before and after a purge (an aggregate by H3 cell
   could not: a point's cell at one resolution is not always the parent of its cell at a finer one);
2. sets ``lat``, ``lon``, ``party`` to NULL and ``site`` to empty on every scan before the boundary.
   The scan rows stay (item, code, time, verdict, reasons): an item's verdict history and the
   risk flags still read them; without place and party they are no clone evidence, as anonymous
   scans are not (:mod:`ledger.verify.scans`);
3. clears the stored payloads of finished deliveries (delivered, failed, cancelled) queued before
   the boundary, which repeat a scan's place and scanner to a subscriber who may see them;
4. logs the purge in ``scanpurge``: its boundary is where analyses switch from aggregates to raw scans.

The boundary is a Monday 00:00 UTC (:func:`boundary`), so no week is half raw and half aggregated.
Scans are not anchored on the chain, so nothing ``ledger audit`` checks changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Engine

from ..errors import InvalidInput
from ..index.engine import unit_of_work
from .records import SCAN_GROUP_COLUMNS, SCAN_GROUP_KEY, purge_boundary, week_of, week_start

__all__ = ["PurgeReport", "boundary", "purge"]

_DAY = 86_400


def boundary(now: int, older_than_days: int) -> int:
    """The Monday 00:00 UTC at or before ``now`` minus ``older_than_days`` days: scans before it are purged.

    >>> from ledger.intel.report import iso
    >>> iso(boundary(1_780_000_000, 7))  # 2026-05-28 (a Thursday) minus a week is in the week of Monday 2026-05-18
    '2026-05-18T00:00:00Z'
    """
    if not 0 <= older_than_days <= 36_500:
        raise InvalidInput("--older-than", older_than_days, "is not a number of days from 0 to 36500", "e.g. 365")
    return int(week_start(week_of(now - older_than_days * _DAY)).timestamp())


@dataclass(frozen=True)
class PurgeReport:
    before: int  # the boundary: scans before it have no place and scanner now
    previous: int  # the boundary of the purge before (0: none)
    scans: int  # scans whose place or scanner were removed
    aggregates: int  # scanaggregate rows written
    payloads: int  # delivery payloads cleared


_AGGREGATE = (f"INSERT INTO scanaggregate (gtin, lat_grid, lon_grid, week, scans, suspect, counterfeit, stolen, flagged, site) "
              f"SELECT {SCAN_GROUP_COLUMNS} FROM scan WHERE timestamp >= :previous AND timestamp < :before "
              f"GROUP BY {SCAN_GROUP_KEY}")
_SCRUB = ("UPDATE scan SET lat = NULL, lon = NULL, party = NULL, site = '' WHERE timestamp < :before "
          "AND (lat IS NOT NULL OR lon IS NOT NULL OR party IS NOT NULL OR site <> '')")
_PURGED_PAYLOAD = '{"purged":true}'
_PAYLOADS = ("UPDATE delivery SET payload = :purged WHERE created_at < :before AND status <> 'pending' "
             "AND payload <> :purged")


def purge(engine: Engine, before: int, now: int) -> PurgeReport:
    """Aggregate the weeks before ``before`` not yet aggregated, then remove places and scanners before it."""
    if before % _DAY or week_start(week_of(before)).timestamp() != before:
        raise InvalidInput("before", before, "is not a Monday 00:00 UTC", "a boundary from ledger.intel.retention.boundary")
    with unit_of_work(engine) as s:
        conn = s.connection()
        previous = purge_boundary(conn)
        aggregates = 0
        if before > previous:
            aggregates = conn.execute(text(_AGGREGATE), {"previous": previous, "before": before}).rowcount
        scans = conn.execute(text(_SCRUB), {"before": before}).rowcount
        payloads = conn.execute(text(_PAYLOADS), {"before": before, "purged": _PURGED_PAYLOAD}).rowcount
        conn.execute(text("INSERT INTO scanpurge (purged_before, purged_at, scans, aggregates) VALUES (:b, :at, :s, :a)"),
                     {"b": max(before, previous), "at": now, "s": scans, "a": aggregates})
    return PurgeReport(max(before, previous), previous, scans, aggregates, payloads)
