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
has none. An audit is its scope's loader (:mod:`ledger.audit._load`) and then each check of
:mod:`ledger.audit._checks` in turn.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..custody.ledger import Ledger
from ._checks import CHECKS, Run, signed_anchors
from ._load import load
from .findings import Finding
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


def audit(ledger: Ledger, scope: AuditScope | None = None,
          progress: Callable[[int, int], None] | None = None) -> AuditReport:
    """Audit ``scope`` (default: the whole ledger). ``progress(done, total)`` is called as items are checked."""
    # The audit allocates a few tuples per row and frees nothing until it ends: the cyclic
    # collector would rescan them thousands of times (measured: half the audit's time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _audit(ledger, scope or AuditScope("ledger"), progress)
    finally:
        if collecting:
            gc.enable()


def _audit(ledger: Ledger, scope: AuditScope, progress: Callable[[int, int], None] | None) -> AuditReport:
    started = time.perf_counter()
    rows = load(ledger, scope)
    report = AuditReport(str(scope), len(rows.anchors), len(rows.scope_items), len(rows.events),
                         sum(1 for a in signed_anchors(rows) if a.row.signature))
    run = Run(ledger, rows, _counter(len(rows.scope_items) + len(rows.events), progress))
    for check in CHECKS:
        report.findings += check(run)
    report.seconds = time.perf_counter() - started
    return report


def _counter(total: int, progress: Callable[[int, int], None] | None) -> Callable[[int], None]:
    """``advance(n)``: ``n`` more items or events checked; calls ``progress`` every 4096 and at the end."""
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None and (done == total or done % 4096 < n):
            progress(done, total)
    return advance
