"""The follower's choice of requesting party and its backoff (ledger/epcis/follower.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from eth_account import Account

from ledger.chain.roles import Role
from ledger.epcis.follower import FollowState, fetch_document, requester_for
from ledger.errors import AnchorNotFollowed
from ledger.index.models import Anchor, Party

_NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _party(name: str, role: Role, address: str) -> Party:
    return Party(address=address, name=name, role=role, created_at=_NOW)


def _anchor(counterparty: str | None = None) -> Anchor:
    return Anchor(root="0x" + "11" * 32, sequence=7, kind=2, party="0x" + "aa" * 20, count=1, metadata_hash="0x" + "00" * 32,
                  previous_anchor_hash="0x" + "00" * 32, anchor_hash="0x" + "00" * 32, tx_hash="0x" + "00" * 32,
                  block_number=3, counterparty=counterparty, local=False)


CARRIER, OFFICER, BRAND, RETAILER = (_party("carrier", Role.CARRIER, "0x" + "01" * 20), _party("zoll", Role.OFFICER, "0x" + "02" * 20),
                                     _party("brand", Role.BRAND, "0x" + "03" * 20), _party("shop", Role.RETAILER, "0x" + "04" * 20))


@pytest.mark.parametrize(("own", "counterparty", "chosen"), [
    ([CARRIER, OFFICER, BRAND], None, "zoll"),  # an officer reads every item by the default policy
    ([CARRIER, BRAND], None, "brand"),
    ([RETAILER, CARRIER], None, "carrier"),  # then by name
    ([CARRIER, OFFICER], CARRIER.address, "carrier"),  # the anchor's counterparty, if it is ours, first
    ([], None, None),
])
def test_the_requester_is_the_party_most_surely_allowed_to_read(own: list[Party], counterparty: str | None,
                                                                 chosen: str | None) -> None:
    found = requester_for(own, _anchor(counterparty))
    assert (found.name if found else None) == chosen


def test_backoff_doubles_up_to_five_minutes_and_is_kept_in_the_home(tmp_path: Path) -> None:
    state, anchor = FollowState(tmp_path), _anchor()
    waits = []
    for attempt in range(1, 11):
        pending = state.refused(anchor, f"reason {attempt}", 1000.0)
        waits.append(pending.next_try - 1000.0)
        assert pending.attempts == attempt and pending.reason == f"reason {attempt}"
    assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    assert not state.due(anchor.root, 1299.0) and state.due(anchor.root, 1300.0)
    state.save()
    again = FollowState(tmp_path)
    assert again.pending(anchor).attempts == 10
    again.stored(anchor.root)
    assert again.pending(anchor).reason == "not tried yet"


def test_a_damaged_state_file_starts_afresh(tmp_path: Path) -> None:
    (tmp_path / "follower.json").write_text("{not json")
    assert FollowState(tmp_path).entries == {}


@pytest.mark.parametrize("url", ["file:///etc/passwd/epcis/anchors/0x11", "ftp://example.org/epcis/anchors/0x11",
                                 "gopher://127.0.0.1:70/epcis/anchors/0x11", "http:///epcis/anchors/0x11"])
def test_only_http_and_https_services_are_asked(url: str) -> None:
    with pytest.raises(AnchorNotFollowed, match=r"is not http\(s\) with a host"):
        fetch_document(url, Account.create())
