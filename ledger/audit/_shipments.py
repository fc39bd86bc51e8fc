"""Audit of the shipment and batch rows: each must say what the signed, anchored actions say —
a shipment's sender, receiver and size those of its shipping anchor, its state that of the
receipt anchored for it (if any); a batch's brand and size those of its registration."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..chain.client import AnchorRecord
from ..index.models import Anchor, Batch, Shipment, ShipmentState
from ..proofs.events import AnchorKind
from .findings import Finding, FindingCode

__all__ = ["check_batches", "check_shipments"]


def check_shipments(shipments: Iterable[Shipment], anchors: Mapping[str, Anchor], records: Mapping[str, AnchorRecord],
                    ship_roots: Iterable[str]) -> list[Finding]:
    findings = []
    receipts = {a.reference: a.root for a in anchors.values() if a.kind == AnchorKind.RECEIPT and a.reference}
    seen = set()
    for row in shipments:
        seen.add(row.root)
        subject = f"shipment {row.root}"
        record, anchor = records.get(row.root), anchors.get(row.root)
        if record is None or record.kind is not AnchorKind.SHIPMENT or anchor is None:
            findings.append(Finding(FindingCode.SHIPMENT_MISMATCH, subject, "has no shipping anchor", "a shipment anchored on chain"))
            continue
        receipt = receipts.get(row.root)
        for field, mine, theirs in (("sender", row.sender, record.party), ("receiver", row.receiver, anchor.counterparty),
                                    ("count", row.count, record.count),
                                    ("state", row.state, ShipmentState.RECEIVED if receipt else ShipmentState.OPEN),
                                    ("receipt_root", row.receipt_root, receipt)):
            if mine != theirs:
                findings.append(Finding(FindingCode.SHIPMENT_MISMATCH, subject, f"{field} is {mine}",
                                        f"{theirs}, as the signed shipping and receipt anchors say"))
    for root in ship_roots:
        if root not in seen:
            findings.append(Finding(FindingCode.SHIPMENT_MISMATCH, f"shipment {root}", "has no shipment row",
                                    "a row for every shipping anchor"))
    return findings


def check_batches(batches: Iterable[Batch], records: Mapping[str, AnchorRecord]) -> list[Finding]:
    findings = []
    for row in batches:
        record = records.get(row.root)
        if record is None:
            continue  # reported per item as EVENT_NOT_ANCHORED
        for field, mine, theirs in (("brand", row.brand, record.party), ("count", row.count, record.count)):
            if mine != theirs:
                findings.append(Finding(FindingCode.BATCH_ROW_ALTERED, f"batch {row.root}", f"{field} is {mine}",
                                        f"{theirs} (chain log of the registration)"))
    return findings
