"""`ledger audit`: re-check every record of the index against the chain.

The chain holds roots, parties, kinds, counts and signed-message hashes; the index holds
the rows. The audit recomputes every hash from the rows and compares it with what the
contract recorded:

- the anchors' hash chain (logs, ``getAnchor``, ``latestAnchorHash``) and each anchor row;
- each anchor's EIP-712 signature, rebuilt from the rows, against the anchoring party and
  its on-chain role (one recovery per anchor);
- each batch's and each event anchor's Merkle tree, rebuilt from the rows;
- each item's event hash chain from its registration leaf, the events' order against the
  order of their anchors, and the item's state replayed from its events;
- each container membership against the signed packing or unpacking anchor it names;
- the directory (prefix bindings, parties' roles and addresses, premises) against the chain
  and this home's keys (:mod:`ledger.audit._directory`).

Every disagreement becomes a :class:`~ledger.audit.findings.Finding`; an untouched index
has none.
"""

from __future__ import annotations

import gc
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from sqlalchemy import or_, select, text
from sqlalchemy.engine import Connection
from sqlmodel import Session, col

from ..chain.client import AnchorRecord
from ..codes.parsing import parse_code
from ..custody.ledger import Ledger
from ..custody.state import Actor
from ..errors import AuditScopeEmpty, UnknownItem
from ..index.bulk import chunks
from ..index.models import Anchor, Batch, Container, ContainerContent, Party, Shipment
from ..proofs.events import AnchorKind
from ._anchors import AnchorRow, chain_anchors, check_anchor_chain, check_anchor_rows, check_signatures, check_unindexed_anchors
from ._directory import check_directory
from ._items import (
    E_ITEM,
    E_ROOT,
    E_SEQ,
    EVENT_COLUMNS,
    I_BATCH,
    I_ID,
    ITEM_COLUMNS,
    AnchorFacts,
    EventHasher,
    check_batch_trees,
    check_event_trees,
    check_items,
)
from ._packing import check_container_parents, check_packing
from ._shipments import check_batches, check_shipments
from .findings import Finding, FindingCode
from .scope import AuditScope

__all__ = ["AuditReport", "audit"]


@dataclass
class AuditReport:
    scope: str
    anchors: int = 0
    items: int = 0
    events: int = 0
    signatures: int = 0
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.findings


def _h(data: bytes) -> str:
    return "0x" + data.hex()


def _in_chunks(conn: Connection, sql: str, values: Sequence[str]) -> list[Sequence[Any]]:
    """Rows of ``sql`` (which has an ``IN :values`` list) for all ``values``, in chunks."""
    from sqlalchemy import bindparam

    statement = text(sql).bindparams(bindparam("values", expanding=True))
    rows: list[Sequence[Any]] = []
    for chunk in chunks(values):
        rows.extend(conn.execute(statement, {"values": list(chunk)}).all())
    return rows


def _fetch_all(conn: Connection, sql: str) -> list[Sequence[Any]]:
    """All rows of a parameterless query as the driver's plain tuples (SQLAlchemy's Row objects
    cost a quarter of a whole-ledger audit's load time)."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _memberships(ledger: Ledger, scope: AuditScope, roots: Sequence[str]) -> list[ContainerContent]:
    """Container membership rows to check: all of them, or those made by the scope's packing anchors."""
    with Session(ledger.engine) as s:
        if scope.kind == "ledger":
            return list(s.scalars(select(ContainerContent)))
        return [r for chunk in chunks(roots) for r in s.scalars(select(ContainerContent).where(or_(
            col(ContainerContent.packed_anchor).in_(chunk), col(ContainerContent.unpacked_anchor).in_(chunk))))]


def _batch_roots(ledger: Ledger, scope: AuditScope, records: list[AnchorRecord], conn: Connection) -> list[str]:
    """The registration anchors a scope covers, chosen by what the chain says (the index may lie)."""
    registrations = [r for r in records if r.kind is AnchorKind.REGISTRATION]
    if scope.kind == "ledger":
        roots = [_h(r.root) for r in registrations]
        indexed = [row[0] for row in conn.execute(text("SELECT root FROM batch"))]
        return sorted(set(roots) | set(indexed))
    if scope.kind == "brand":
        brand = ledger.party(scope.value)
        roots = [_h(r.root) for r in registrations if r.party == brand.address]
        if not roots:
            raise AuditScopeEmpty(str(scope), f"{brand.name} has registered no batch")
        return roots
    if scope.kind == "batch":
        if scope.value not in {_h(r.root) for r in registrations} and conn.execute(
                text("SELECT 1 FROM batch WHERE root = :r"), {"r": scope.value}).first() is None:
            raise AuditScopeEmpty(str(scope), "no registration with this root is on chain or in the index")
        return [scope.value]
    key = parse_code(scope.value).key
    row = conn.execute(text("SELECT batch_root FROM item WHERE item_id = :i"), {"i": _h(key.item_id)}).first()
    if row is None:
        raise UnknownItem(key.canonical)
    return [row[0]]


def audit(ledger: Ledger, scope: AuditScope | None = None,
          progress: Callable[[int, int], None] | None = None) -> AuditReport:
    """Audit ``scope`` (default: the whole ledger). ``progress(done, total)`` is called as items are checked."""
    # The audit allocates a few tuples per row and frees nothing until it ends: the cyclic
    # collector would rescan them thousands of times (measured: half the audit's time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _audit(ledger, scope, progress)
    finally:
        if collecting:
            gc.enable()


def _audit(ledger: Ledger, scope: AuditScope | None, progress: Callable[[int, int], None] | None) -> AuditReport:
    scope = scope or AuditScope("ledger")
    started = time.perf_counter()
    report = AuditReport(str(scope))
    records = chain_anchors(ledger.chain)
    by_root = {_h(r.root): r for r in records}
    with ledger.engine.connect() as conn:
        batch_roots = _batch_roots(ledger, scope, records, conn)
        if scope.kind == "ledger" and not records and conn.execute(text("SELECT 1 FROM anchor")).first() is None:
            raise AuditScopeEmpty(str(scope), "nothing has been anchored yet")
        items_sql = f"SELECT {', '.join(ITEM_COLUMNS)} FROM item"
        events_sql = f"SELECT {', '.join(EVENT_COLUMNS)} FROM event"
        tree_items = (_fetch_all(conn, items_sql) if scope.kind == "ledger"
                      else _in_chunks(conn, items_sql + " WHERE batch_root IN :values", batch_roots))
        if scope.kind == "item":
            item_id = _h(parse_code(scope.value).key.item_id)
            scope_items = [i for i in tree_items if i[I_ID] == item_id]
        else:
            scope_items = tree_items
        events: list[Sequence[Any]]
        anchor_events: list[Sequence[Any]]
        if scope.kind == "ledger":
            events = _fetch_all(conn, events_sql)  # grouped by item and sorted per item below
            anchor_events = events
        else:
            events = _in_chunks(conn, events_sql + " WHERE item_id IN :values", [i[I_ID] for i in scope_items])
            anchor_events = _in_chunks(conn, events_sql + " WHERE anchor_root IN :values",
                                       sorted({e[E_ROOT] for e in events}))
        batches = _in_chunks(conn, "SELECT root, tree, company_prefix FROM batch WHERE root IN :values", batch_roots)
    stored_trees = {root: tree for root, tree, _ in batches}
    prefixes = {root: prefix for root, _, prefix in batches}
    with Session(ledger.engine) as s:
        if scope.kind == "ledger":
            anchor_rows = list(s.scalars(select(Anchor).order_by(col(Anchor.sequence))))
        else:
            wanted = batch_roots + sorted({e[E_ROOT] for e in anchor_events})
            anchor_rows = [a for chunk in chunks(wanted) for a in s.scalars(select(Anchor).where(col(Anchor.root).in_(chunk)))]
    report.anchors, report.items, report.events = len(anchor_rows), len(scope_items), len(events)
    total = len(scope_items) + len(events)
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None and (done == total or done % 4096 < n):
            progress(done, total)

    findings = report.findings
    if scope.kind == "ledger":
        findings += check_anchor_chain(records, ledger.chain.latest_anchor_hash(), ledger.chain.anchor_count())
        keys = set(ledger.keystore.names())
        own = {p.address: p.name for p, _ in ledger.parties() if p.name in keys}
        findings += check_unindexed_anchors(records, anchor_rows, own)
    findings += check_anchor_rows(anchor_rows, by_root, ledger.chain)
    # Every anchor with rows under it is checked, whatever its `local` flag says: the flag is only an index row.
    with_rows = stored_trees.keys() | {e[E_ROOT] for e in anchor_events}
    signed = [AnchorRow(a, prefixes.get(a.root)) for a in anchor_rows if a.local or a.root in with_rows]
    report.signatures = sum(1 for a in signed if a.row.signature)
    findings += check_signatures(signed, by_root, ledger.domain, ledger.chain)

    items_by_batch: dict[str, list[Sequence[Any]]] = defaultdict(list)
    for item in tree_items:
        items_by_batch[item[I_BATCH]].append(item)
    batch_findings, leaf_of = check_batch_trees(items_by_batch, stored_trees, by_root)
    findings += batch_findings
    # A batch this index registered (its row or its local anchor) must still have its items.
    ours = set(stored_trees) | {a.root for a in anchor_rows if a.local and a.kind == AnchorKind.REGISTRATION}
    for root in sorted(ours & set(batch_roots) - items_by_batch.keys()):
        record = by_root.get(root)
        findings.append(Finding(FindingCode.REGISTERED_ITEM_MISSING, f"batch {root}", "has no item rows",
                                f"{record.count if record else 'its'} registered items"))

    hasher = EventHasher()
    same = anchor_events is events
    anchor_events = hasher.rows(anchor_events)
    events = anchor_events if same else hasher.rows(events)
    events_by_anchor: dict[str, list[Sequence[Any]]] = defaultdict(list)
    for event in anchor_events:
        events_by_anchor[event[E_ROOT]].append(event)
    findings += check_event_trees(events_by_anchor, by_root)
    for root in (a.root for a in anchor_rows if a.local and a.kind != AnchorKind.REGISTRATION):
        if root not in events_by_anchor and scope.kind == "ledger":
            record = by_root.get(root)
            findings.append(Finding(FindingCode.MERKLE_ROOT_MISMATCH, f"anchor {root}", "has no event rows",
                                    f"{record.count if record else '?'} events under this root"))

    events_of: dict[str, list[Sequence[Any]]] = defaultdict(list)
    for event in events:
        events_of[event[E_ITEM]].append(event)
    by_seq = itemgetter(E_SEQ)
    for item_events in events_of.values():
        item_events.sort(key=by_seq)  # a handful of events each: cheaper than sorting all rows at once
    known = {i[I_ID] for i in scope_items}
    for item_id, orphans in events_of.items():
        if item_id not in known:
            findings.append(Finding(FindingCode.ITEM_NOT_REGISTERED, f"item {item_id}", f"has {len(orphans)} events but no item row",
                                    "events only for registered items"))
    facts = {a.root: AnchorFacts(a.action, a.timestamp, a.counterparty, a.reference) for a in anchor_rows}
    with Session(ledger.engine) as s:
        actors = {p.address: Actor.of(p) for p in s.scalars(select(Party))}
    findings += check_items(scope_items, events_of, leaf_of, by_root, facts, actors, advance)
    ship_roots = sorted(a.root for a in anchor_rows if a.local and a.kind == AnchorKind.SHIPMENT)
    with Session(ledger.engine) as s:
        shipments = (list(s.scalars(select(Shipment))) if scope.kind == "ledger" else
                     [r for chunk in chunks(ship_roots) for r in s.scalars(select(Shipment).where(col(Shipment.root).in_(chunk)))])
        batch_rows = [b for chunk in chunks(batch_roots) for b in s.scalars(select(Batch).where(col(Batch.root).in_(chunk)))]
    findings += check_shipments(shipments, {a.root: a for a in anchor_rows}, by_root, ship_roots)
    findings += check_batches(batch_rows, by_root)
    packing = {a.root: a for a in anchor_rows if a.kind == AnchorKind.PACKING}
    if packing or scope.kind == "ledger":
        memberships = _memberships(ledger, scope, sorted(packing))
        findings += check_packing(memberships, {a.root: a for a in anchor_rows},
                                  {root: {e[E_ITEM] for e in events_by_anchor.get(root, ())} for root in packing})
        if scope.kind == "ledger":
            with Session(ledger.engine) as s:
                findings += check_container_parents(list(s.scalars(select(Container))), memberships)
    with Session(ledger.engine) as s:
        findings += check_directory(s, ledger.chain, ledger.keystore)
    report.seconds = time.perf_counter() - started
    return report
