"""`ledger sync`: bring the index up to date with the contract's logs, idempotently.

The chain holds roots, not rows: anchors made by other organisations' nodes are recorded
as anchors without local rows (their items and events arrive by data exchange), and
prefix bindings made elsewhere become brands known by address. The directory on chain (``ProfilePublished``: each
party's own name and service URL) names the parties of every organisation: a party the index does not know is added
with the role it holds on chain, and a known one takes the name and URL it published (a name another address holds
here already is kept apart as ``NAME-<first 6 hex digits of the address>``). This home's own join requests that the
administrator has granted are taken up first (:func:`~ledger.custody.joining.adopt_granted`). The journal is settled first
(:meth:`~ledger.ledger.Ledger.reconcile`), and an anchor still in the journal is left to it:
it is this home's own action, to be committed with its rows, not filed as someone else's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from ..chain.roles import Role
from ..errors import StateConflict
from ..index.engine import unit_of_work
from ..index.models import Anchor, Party, PendingAction, PrefixBinding, SyncCursor
from .joining import chain_role
from .ledger import Ledger

__all__ = ["SyncReport", "directory_label", "sync"]

_STEP = 5_000  # blocks per eth_getLogs request: nodes cap the range a query may span


@dataclass
class SyncReport:
    from_block: int
    to_block: int
    reconciled: list[str] = field(default_factory=list)
    new_anchors: int = 0
    known_anchors: int = 0
    new_prefixes: int = 0
    profiles: int = 0  # directory entries (name, service URL) taken into the party table
    adopted: list[str] = field(default_factory=list)  # this home's parties whose join requests were granted


def directory_label(name: str, address: str) -> str:
    """The index name of a party whose published ``name`` another address holds here already."""
    return f"{name[:73]}-{address[2:8].lower()}"


def sync(ledger: Ledger) -> SyncReport:
    reconciled = ledger.reconcile()
    adopted = [p.name for p in ledger.adopt_granted()]
    with Session(ledger.engine) as s:
        journalled = set(s.scalars(select(col(PendingAction.root))))
    head = ledger.chain.block_number()
    with unit_of_work(ledger.engine) as s:
        cursor = s.get(SyncCursor, 1) or SyncCursor(id=1, next_block=0)
        start = cursor.next_block
    report = SyncReport(start, head, reconciled, adopted=adopted)
    artifact = ledger.chain.runs_artifact()  # an older contract has no directory
    own = set(ledger.keystore.names())  # this home's parties keep the names their key files have
    for low in range(start, head + 1, _STEP):
        high = min(head, low + _STEP - 1)
        anchors = ledger.chain.anchors_between(low, high)
        bindings = ledger.chain.prefix_bindings_between(low, high)
        profiles = ledger.chain.profiles_between(low, high) if artifact else []
        roles = {address: chain_role(ledger.chain, address) for address, _, _ in profiles}
        with unit_of_work(ledger.engine) as s:
            for record in anchors:
                if "0x" + record.root.hex() in journalled:
                    continue
                row = s.get(Anchor, "0x" + record.root.hex())
                if row is None:
                    s.add(Anchor(root="0x" + record.root.hex(), sequence=record.sequence, kind=int(record.kind),
                                 party=record.party, count=record.count, metadata_hash="0x" + record.metadata_hash.hex(),
                                 previous_anchor_hash="0x" + record.previous_anchor_hash.hex(),
                                 anchor_hash="0x" + record.anchor_hash.hex(), tx_hash="0x" + record.tx_hash.hex(),
                                 block_number=record.block_number, local=False))
                    report.new_anchors += 1
                elif row.anchor_hash != "0x" + record.anchor_hash.hex():
                    raise StateConflict(f"anchor {row.root}", "the index's anchor hash differs from the chain's; run `ledger audit`")
                else:
                    report.known_anchors += 1
            for prefix, brand in bindings:
                if s.get(PrefixBinding, prefix) is not None:
                    continue
                if s.get(Party, brand) is None:
                    s.add(Party(address=brand, name=f"brand-{brand[2:10].lower()}", role=Role.BRAND,
                                created_at=datetime.now(UTC)))
                    s.flush()
                s.add(PrefixBinding(prefix=prefix, brand=brand))
                report.new_prefixes += 1
            for address, name, url in profiles:
                report.profiles += _take_profile(s, address, name, url, roles[address], own)
            stored = s.get(SyncCursor, 1)
            if stored is None:
                s.add(SyncCursor(id=1, next_block=high + 1))
            else:
                stored.next_block = high + 1
    return report


def _take_profile(s: Session, address: str, name: str, url: str, role: Role | None, own: set[str]) -> int:
    """Put one published directory entry into the party table; 1 if it changed a row. The contract let only a role
    holder publish, and only a name of ASCII letters, digits, - _ . and a printable URL."""
    row = s.get(Party, address)
    if row is None and role is None:
        return 0  # its role was revoked since it published: not a party now
    holder = s.scalars(select(Party).where(col(Party.name) == name)).first()
    label = name if holder is None or holder.address == address else directory_label(name, address)
    if row is None:
        assert role is not None
        s.add(Party(address=address, name=label, role=role, created_at=datetime.now(UTC), service_url=url))
        s.flush()
        return 1
    if row.name in own:  # ours: `--as NAME` names its key file; a different published name is the audit's finding
        label = row.name
    if (row.name, row.service_url) == (label, url) or (row.name == directory_label(name, address) and row.service_url == url):
        return 0
    row.name, row.service_url = label, url
    s.flush()
    return 1
