"""Concurrent writers: the same items shipped by two threads at once go out once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ledger.codes.identifiers import ItemKey
from ledger.custody.ledger import Ledger
from ledger.custody.registration import ItemSpec, serial_range
from ledger.errors import ActionRefused, LedgerError
from ledger.index.trail import TrailScope, trail

GTIN = "09521234543213"


def test_concurrent_shipments_of_the_same_items(ledger: Ledger) -> None:
    ledger.register("acme", (ItemSpec(GTIN, s) for s in serial_range(1, 3)))
    keys = [ItemKey(GTIN, "1"), ItemKey(GTIN, "2")]

    def attempt(receiver: str) -> str:
        try:
            return ledger.ship("acme", receiver, keys).root
        except LedgerError as exc:
            return type(exc).__name__

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(attempt, ["truck", "shop", "truck", "shop"]))
    roots = [o for o in outcomes if o.startswith("0x")]
    assert len(roots) == 1 and outcomes.count(ActionRefused.__name__) == 3  # in transit in the first
    assert [step.action for step in trail(ledger.engine, TrailScope.for_item(keys[0]))] == ["register", "ship"]


def test_a_lock_is_reentrant_for_its_thread(ledger: Ledger) -> None:
    with ledger.write_lock.hold():
        ledger.register("acme", [ItemSpec(GTIN, "77")])
