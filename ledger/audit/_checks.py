"""The audit's checks, one function each, in the order their findings are reported (:data:`CHECKS`).

Each takes what one audit knows (:class:`Run`: the ledger, the scope's rows, the progress counter)
and returns its findings; the comparisons themselves are in the modules per subject
(``_anchors``, ``_items``, ``_shipments``, ``_packing``, ``_directory``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from ..custody.ledger import Ledger
from ..proofs.events import AnchorKind
from ._anchors import AnchorRow, check_anchor_chain, check_anchor_rows, check_signatures, check_unindexed_anchors
from ._directory import check_directory
from ._items import E_ITEM, I_ID, AnchorFacts, check_batch_trees, check_event_trees, check_items
from ._load import Rows
from ._packing import check_container_parents, check_packing
from ._shipments import check_batches, check_shipments
from .findings import Finding, FindingCode

__all__ = ["CHECKS", "Run", "signed_anchors"]


@dataclass(frozen=True)
class Run:
    """One audit under way: the ledger, its scope's rows, and ``advance(n)`` as ``n`` more items or events are checked."""

    ledger: Ledger
    rows: Rows
    advance: Callable[[int], None]


def anchors(run: Run) -> list[Finding]:
    """The contract's hash chain and its anchors without rows (whole ledger), and each anchor row against its log."""
    rows, chain = run.rows, run.ledger.chain
    findings = []
    if rows.whole:
        findings += check_anchor_chain(rows.records, chain.latest_anchor_hash(), chain.anchor_count())
        keys = set(run.ledger.keystore.names())
        own = {p.address: p.name for p, _ in run.ledger.parties() if p.name in keys}
        findings += check_unindexed_anchors(rows.records, rows.anchors, own)
    return findings + check_anchor_rows(rows.anchors, rows.by_root, chain)


def signed_anchors(rows: Rows) -> list[AnchorRow]:
    """The anchors whose signatures are checked: this home's, and every one with rows under it, whatever
    its ``local`` flag says (the flag is only an index row)."""
    with_rows = rows.stored_trees.keys() | rows.events_by_anchor.keys()
    prefixes = {root: prefix for root, _, prefix in rows.batches}
    return [AnchorRow(a, prefixes.get(a.root)) for a in rows.anchors if a.local or a.root in with_rows]


def signatures(run: Run) -> list[Finding]:
    """Each anchor's EIP-712 signature, rebuilt from the rows, against the anchoring party and its role."""
    return check_signatures(signed_anchors(run.rows), run.rows.by_root, run.ledger.domain, run.ledger.chain)


def items(run: Run) -> list[Finding]:
    """Batch trees and rows against their registrations, then each item's events replayed from its leaf
    (hash chain, numbering, order, agreement with the anchor, state through the custody rules)."""
    rows = run.rows
    findings, leaf_of = check_batch_trees(rows.items_by_batch, rows.stored_trees, rows.by_root)
    # A batch this index registered (its row or its local anchor) must still have its items.
    ours = set(rows.stored_trees) | {a.root for a in rows.anchors if a.local and a.kind == AnchorKind.REGISTRATION}
    for root in sorted(ours & set(rows.batch_roots) - rows.items_by_batch.keys()):
        record = rows.by_root.get(root)
        findings.append(Finding(FindingCode.REGISTERED_ITEM_MISSING, f"batch {root}", "has no item rows",
                                f"{record.count if record else 'its'} registered items"))
    findings += check_batches(rows.batch_rows, rows.by_root)
    facts = {a.root: AnchorFacts(a.action, a.timestamp, a.counterparty, a.reference) for a in rows.anchors}
    return findings + check_items(rows.scope_items, rows.events_of, leaf_of, rows.by_root, facts, rows.actors, run.advance)


def events(run: Run) -> list[Finding]:
    """Each event anchor's tree rebuilt from its rows; this home's event anchors without rows (whole
    ledger); events of items the index does not hold."""
    rows = run.rows
    findings = check_event_trees(rows.events_by_anchor, rows.by_root)
    if rows.whole:
        for root in (a.root for a in rows.anchors if a.local and a.kind != AnchorKind.REGISTRATION):
            if root not in rows.events_by_anchor:
                record = rows.by_root.get(root)
                findings.append(Finding(FindingCode.MERKLE_ROOT_MISMATCH, f"anchor {root}", "has no event rows",
                                        f"{record.count if record else '?'} events under this root"))
    known = {i[I_ID] for i in rows.scope_items}
    for item_id, orphans in rows.events_of.items():
        if item_id not in known:
            findings.append(Finding(FindingCode.ITEM_NOT_REGISTERED, f"item {item_id}",
                                    f"has {len(orphans)} events but no item row", "events only for registered items"))
    return findings


def shipments(run: Run) -> list[Finding]:
    """Each shipment row against its shipping anchor and the receipt anchored for it."""
    rows = run.rows
    ship_roots = sorted(a.root for a in rows.anchors if a.local and a.kind == AnchorKind.SHIPMENT)
    return check_shipments(rows.shipments, rows.anchor_by_root, rows.by_root, ship_roots)


def packing(run: Run) -> list[Finding]:
    """Each membership against the signed packing anchor it names; each container's parent (whole ledger)."""
    rows = run.rows
    packings = [a.root for a in rows.anchors if a.kind == AnchorKind.PACKING]
    items_of = {root: {e[E_ITEM] for e in rows.events_by_anchor.get(root, ())} for root in packings}
    findings = check_packing(rows.memberships, rows.anchor_by_root, items_of)
    if rows.whole:
        findings += check_container_parents(rows.containers, rows.memberships)
    return findings


def directory(run: Run) -> list[Finding]:
    """Prefix bindings, parties' roles and keys, and premises, against the chain and this home's keys."""
    with Session(run.ledger.engine) as s:
        return check_directory(s, run.ledger.chain, run.ledger.keystore)


CHECKS: tuple[Callable[[Run], list[Finding]], ...] = (anchors, signatures, items, events, shipments, packing, directory)
