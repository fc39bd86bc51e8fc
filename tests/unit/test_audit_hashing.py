"""The audit's fast event hashing agrees with `CustodyEvent.hash`, and malformed rows hash to nothing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.audit._items import E_RECOMPUTED, EventHasher
from ledger.proofs.events import Action, CustodyEvent

addresses = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())
hashes = st.binary(min_size=32, max_size=32)
events = st.builds(CustodyEvent, hashes, st.sampled_from(list(Action)), addresses, addresses,
                   st.integers(0, 2**64 - 1), hashes, st.text(max_size=40))


def _row(e: CustodyEvent) -> tuple[object, ...]:
    return ("0x" + e.hash.hex(), "0x" + e.item_id.hex(), 1, int(e.action), e.actor, e.counterparty, e.timestamp,
            "0x" + e.previous_hash.hex(), e.location, "0x" + "00" * 32)


@given(st.lists(events, max_size=20))
def test_rows_hash_like_custody_events(batch: list[CustodyEvent]) -> None:
    hashed = EventHasher().rows([_row(e) for e in batch])
    assert [r[E_RECOMPUTED] for r in hashed] == [e.hash for e in batch]


@pytest.mark.parametrize(("column", "value"), [
    (1, "0xnothex"), (1, "0x" + "ab" * 31), (4, "0x1234"), (5, None), (6, -1), (7, "ab" * 32), (8, None), (3, "ship"),
])
def test_a_malformed_row_hashes_to_nothing_and_spares_the_others(column: int, value: object) -> None:
    good = CustodyEvent(b"\x01" * 32, Action.SHIP, "0x" + "11" * 20, "0x" + "22" * 20, 5, b"\x02" * 32, "Antwerp")
    bad = list(_row(good))
    bad[column] = value
    hashed = EventHasher().rows([_row(good), tuple(bad)])
    assert [r[E_RECOMPUTED] for r in hashed] == [good.hash, b""]
