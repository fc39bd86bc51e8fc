"""What an audit reads: the chain's anchors and, per scope, the index rows they must prove.

One loader per scope (:data:`LOADERS`): the whole ledger reads every table at once; a brand, a
batch or an item reads the batches it covers (chosen by what the chain says, since the index may
lie), their items, those items' events, every event under the same anchors (the anchors' trees
need them all) and the anchor, shipment, batch and membership rows those anchors name.

Rows are the driver's plain tuples where there are many (items, events): the audit's hot loops
read them by index (``I_*``, ``E_*`` in :mod:`ledger.audit._items`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from operator import itemgetter
from typing import Any

from sqlalchemy import bindparam, or_, select, text
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
from ._anchors import chain_anchors
from ._items import E_ITEM, E_ROOT, E_SEQ, EVENT_COLUMNS, I_BATCH, I_ID, ITEM_COLUMNS, EventHasher
from .scope import AuditScope

__all__ = ["LOADERS", "Rows", "load"]

Row = Sequence[Any]
_ITEMS_SQL = f"SELECT {', '.join(ITEM_COLUMNS)} FROM item"
_EVENTS_SQL = f"SELECT {', '.join(EVENT_COLUMNS)} FROM event"


def _h(data: bytes) -> str:
    return "0x" + data.hex()


@dataclass(frozen=True)
class Rows:
    """The chain's anchors and the index rows of one scope; what the checks derive from them, once."""

    scope: AuditScope
    records: list[AnchorRecord]  # every AnchorRecorded log, in sequence order
    batch_roots: list[str]  # the registrations the scope covers
    items: list[Row]  # every item of those batches (their trees need all of them)
    scope_items: list[Row]  # the items audited
    events: list[Row]  # the audited items' events, each with its recomputed hash appended
    anchor_events: list[Row]  # every event under those events' anchors, hashed likewise
    batches: list[tuple[str, bytes, str]]  # root, stored tree, company prefix
    batch_rows: list[Batch]
    anchors: list[Anchor]  # the index rows of the anchors in scope
    shipments: list[Shipment]
    memberships: list[ContainerContent]
    containers: list[Container]  # the whole ledger only: each container's parent
    actors: dict[str, Actor]  # the parties the index knows, by address

    @property
    def whole(self) -> bool:
        return self.scope.kind == "ledger"

    @cached_property
    def by_root(self) -> dict[str, AnchorRecord]:
        return {_h(r.root): r for r in self.records}

    @cached_property
    def anchor_by_root(self) -> dict[str, Anchor]:
        return {a.root: a for a in self.anchors}

    @cached_property
    def stored_trees(self) -> dict[str, bytes]:
        return {root: tree for root, tree, _ in self.batches}

    @cached_property
    def items_by_batch(self) -> dict[str, list[Row]]:
        grouped: dict[str, list[Row]] = defaultdict(list)
        for item in self.items:
            grouped[item[I_BATCH]].append(item)
        return grouped

    @cached_property
    def events_by_anchor(self) -> dict[str, list[Row]]:
        grouped: dict[str, list[Row]] = defaultdict(list)
        for event in self.anchor_events:
            grouped[event[E_ROOT]].append(event)
        return grouped

    @cached_property
    def events_of(self) -> dict[str, list[Row]]:
        """Each item's events by ``seq`` (ties stay in row order; the item check orders them by the chain)."""
        grouped: dict[str, list[Row]] = defaultdict(list)
        for event in self.events:
            grouped[event[E_ITEM]].append(event)
        by_seq = itemgetter(E_SEQ)
        for item_events in grouped.values():
            item_events.sort(key=by_seq)  # a handful of events each: cheaper than sorting all rows at once
        return grouped


def load(ledger: Ledger, scope: AuditScope) -> Rows:
    """The rows ``scope`` covers, by its loader."""
    return LOADERS[scope.kind](ledger, scope, chain_anchors(ledger.chain))


def _load_ledger(ledger: Ledger, scope: AuditScope, records: list[AnchorRecord]) -> Rows:
    """Every row of every table: each read once, whole, as plain tuples where there are many."""
    with ledger.engine.connect() as conn:
        if not records and conn.execute(text("SELECT 1 FROM anchor")).first() is None:
            raise AuditScopeEmpty(str(scope), "nothing has been anchored yet")
        indexed = [row[0] for row in conn.execute(text("SELECT root FROM batch"))]
        roots = sorted({_h(r.root) for r in records if r.kind is AnchorKind.REGISTRATION} | set(indexed))
        items = _fetch_all(conn, _ITEMS_SQL)
        events = EventHasher().rows(_fetch_all(conn, _EVENTS_SQL))
        batches = [tuple(row) for row in conn.execute(text("SELECT root, tree, company_prefix FROM batch"))]
    with Session(ledger.engine) as s:
        anchors = list(s.scalars(select(Anchor).order_by(col(Anchor.sequence))))
        return Rows(scope, records, roots, items, items, events, events, batches,
                    list(s.scalars(select(Batch))), anchors, list(s.scalars(select(Shipment))),
                    list(s.scalars(select(ContainerContent))), list(s.scalars(select(Container))), _actors(s))


def _load_brand(ledger: Ledger, scope: AuditScope, records: list[AnchorRecord]) -> Rows:
    """The batches the brand registered, as the chain's registrations say."""
    brand = ledger.party(scope.value)
    roots = [_h(r.root) for r in records if r.kind is AnchorKind.REGISTRATION and r.party == brand.address]
    if not roots:
        raise AuditScopeEmpty(str(scope), f"{brand.name} has registered no batch")
    return _load_batches(ledger, scope, records, roots)


def _load_batch(ledger: Ledger, scope: AuditScope, records: list[AnchorRecord]) -> Rows:
    """One batch, registered on chain or named by the index."""
    with ledger.engine.connect() as conn:
        if scope.value not in {_h(r.root) for r in records if r.kind is AnchorKind.REGISTRATION} and conn.execute(
                text("SELECT 1 FROM batch WHERE root = :r"), {"r": scope.value}).first() is None:
            raise AuditScopeEmpty(str(scope), "no registration with this root is on chain or in the index")
    return _load_batches(ledger, scope, records, [scope.value])


def _load_item(ledger: Ledger, scope: AuditScope, records: list[AnchorRecord]) -> Rows:
    """One item, with its batch (whose tree needs every item of it)."""
    key = parse_code(scope.value).key
    with ledger.engine.connect() as conn:
        row = conn.execute(text("SELECT batch_root FROM item WHERE item_id = :i"), {"i": _h(key.item_id)}).first()
    if row is None:
        raise UnknownItem(key.canonical)
    return _load_batches(ledger, scope, records, [row[0]], item_id=_h(key.item_id))


def _load_batches(ledger: Ledger, scope: AuditScope, records: list[AnchorRecord], roots: list[str],
                  item_id: str | None = None) -> Rows:
    """The rows of some batches (or of one item of them): the part of a scope's loader they share."""
    with ledger.engine.connect() as conn:
        items = _in_chunks(conn, _ITEMS_SQL + " WHERE batch_root IN :values", roots)
        scope_items = items if item_id is None else [i for i in items if i[I_ID] == item_id]
        events = _in_chunks(conn, _EVENTS_SQL + " WHERE item_id IN :values", [i[I_ID] for i in scope_items])
        anchor_events = _in_chunks(conn, _EVENTS_SQL + " WHERE anchor_root IN :values", sorted({e[E_ROOT] for e in events}))
        batches = [tuple(r) for r in _in_chunks(conn, "SELECT root, tree, company_prefix FROM batch WHERE root IN :values",
                                                 roots)]
    hasher = EventHasher()
    anchor_events, events = hasher.rows(anchor_events), hasher.rows(events)
    with Session(ledger.engine) as s:
        wanted = roots + sorted({e[E_ROOT] for e in anchor_events})
        anchors = _where_in(s, Anchor, col(Anchor.root), wanted)
        ship_roots = sorted(a.root for a in anchors if a.local and a.kind == AnchorKind.SHIPMENT)
        packing = sorted(a.root for a in anchors if a.kind == AnchorKind.PACKING)
        memberships = [r for chunk in chunks(packing) for r in s.scalars(select(ContainerContent).where(or_(
            col(ContainerContent.packed_anchor).in_(chunk), col(ContainerContent.unpacked_anchor).in_(chunk))))]
        return Rows(scope, records, roots, items, scope_items, events, anchor_events, batches,
                    _where_in(s, Batch, col(Batch.root), roots), anchors, _where_in(s, Shipment, col(Shipment.root), ship_roots),
                    memberships, [], _actors(s))


LOADERS: dict[str, Callable[[Ledger, AuditScope, list[AnchorRecord]], Rows]] = {
    "ledger": _load_ledger, "brand": _load_brand, "batch": _load_batch, "item": _load_item}


def _actors(s: Session) -> dict[str, Actor]:
    return {p.address: Actor.of(p) for p in s.scalars(select(Party))}


def _where_in(s: Session, model: Any, column: Any, values: Sequence[str]) -> list[Any]:
    """The ``model`` rows whose ``column`` is one of ``values``, in chunks."""
    return [r for chunk in chunks(values) for r in s.scalars(select(model).where(column.in_(chunk)))]


def _in_chunks(conn: Connection, sql: str, values: Sequence[str]) -> list[Row]:
    """Rows of ``sql`` (which has an ``IN :values`` list) for all ``values``, in chunks."""
    statement = text(sql).bindparams(bindparam("values", expanding=True))
    rows: list[Row] = []
    for chunk in chunks(values):
        rows.extend(conn.execute(statement, {"values": list(chunk)}).all())
    return rows


def _fetch_all(conn: Connection, sql: str) -> list[Row]:
    """All rows of a parameterless query as the driver's plain tuples (SQLAlchemy's Row objects
    cost a quarter of a whole-ledger audit's load time)."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()
