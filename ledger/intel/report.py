"""Results as JSON-ready dicts, the same for ``ledger intel … --json``, ``ledger risk --json`` and the web.

Names replace addresses here (parties are organisations); what a viewer may see of single scans
is :func:`ledger.intel.privacy.shown_scan`'s decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from .clones import ClonedCode, CloneRing
from .hotspots import Hotspot, HotspotReport
from .lanes import Lane
from .risk import ItemRisk, RiskReason, ShipmentRisk
from .trends import TrendRow

__all__ = ["clone_json", "hotspot_json", "hotspots_json", "item_risk_json", "iso", "lane_json", "reason_json", "ring_json",
           "shipment_risk_json", "trend_json"]


def iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


def hotspot_json(h: Hotspot) -> dict[str, Any]:
    return {"cell": h.cell, "lat": round(h.lat, 4), "lon": round(h.lon, 4), "place": h.place, "scans": h.scans,
            "flagged_scans": h.flagged_scans, "suspect": h.suspect, "counterfeit": h.counterfeit, "stolen": h.stolen,
            "seizures": h.seizures, "expected": round(h.expected, 2), "ratio": round(h.ratio, 2),
            "p_value": h.p_value, "q_value": h.q_value}


def hotspots_json(report: HotspotReport) -> dict[str, Any]:
    return {"resolution": report.resolution, "alpha": report.alpha, "cells_tested": report.cells_tested,
            "observations": report.observations, "flagged": report.flagged, "rate": report.rate,
            "hotspots": [hotspot_json(h) for h in report.hotspots]}


def lane_json(rank: int, lane: Lane) -> dict[str, Any]:
    r = lane.rate
    return {"rank": rank, "origin": lane.origin, "destination": lane.destination, "carrier": lane.carrier,
            "shipments": r.shipments, "items": r.items, "found_bad": r.bad, "share": round(r.share, 5),
            "shrunk_share": round(r.shrunk, 5), "p_value": r.p_value, "q_value": lane.q_value,
            "by_kind": {k.value: n for k, n in r.kinds}}


def clone_json(c: ClonedCode, names: Mapping[str, str]) -> dict[str, Any]:
    brand = names.get(c.brand, c.brand) if c.brand else None
    return {"code": c.key, "batch": c.batch, "brand": brand, "places": c.places, "scans": c.scans,
            "clone_alerts": c.clone_alerts, "first_seen": iso(c.first_seen), "last_seen": iso(c.last_seen),
            "clone_cells": list(c.clone_cells), "scan_ids": list(c.scan_ids)}


def ring_json(r: CloneRing, names: Mapping[str, str]) -> dict[str, Any]:
    return {"batch": r.batch, "brand": names.get(r.brand, r.brand), "codes": list(r.codes),
            "cells": list(r.cells), "scans": r.scans, "first_seen": iso(r.first_seen), "last_seen": iso(r.last_seen)}


def trend_json(t: TrendRow) -> dict[str, Any]:
    return {"week": t.week, "brand": t.brand, "place": t.place, "cell": t.cell or None, "scans": t.scans,
            "suspect": t.suspect, "counterfeit": t.counterfeit, "stolen": t.stolen, "seizures": t.seizures,
            "flagged": t.flagged, "rate": round(t.rate, 5)}


def reason_json(r: RiskReason) -> dict[str, Any]:
    return {"code": r.code, "points": r.points, "sentence": r.sentence, "records": list(r.records)}


def shipment_risk_json(rank: int, s: ShipmentRisk) -> dict[str, Any]:
    return {"rank": rank, "shipment": s.root, "score": s.score, "sender": s.sender, "receiver": s.receiver,
            "carrier": s.carrier, "origin": s.origin, "destination": s.destination, "items": s.count,
            "shipped_at": iso(s.shipped_at), "reasons": [reason_json(r) for r in s.reasons]}


def item_risk_json(rank: int, r: ItemRisk) -> dict[str, Any]:
    return {"rank": rank, "code": r.scan.key, "scan": r.scan.id, "scanned_at": iso(r.scan.timestamp),
            "site": r.scan.place.site if r.scan.place else "", "verdict": r.scan.verdict, "brand": r.brand, "score": r.score,
            "reasons": [reason_json(x) for x in r.reasons]}
