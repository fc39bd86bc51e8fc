"""Crash recovery, restarts, sync from logs, keys and an unreachable chain."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import Session, select

from ledger.audit.auditor import audit
from ledger.chain.client import ChainClient, SignedTx
from ledger.codes.identifiers import ItemKey
from ledger.custody.ledger import Ledger
from ledger.custody.registration import ItemSpec, plan_batch
from ledger.custody.sync import sync
from ledger.errors import ChainUnreachable, DuplicateItem, KeystoreError, NotInitialised
from ledger.index.engine import unit_of_work
from ledger.index.models import Anchor, PendingAction
from ledger.index.queries import item_status
from ledger.proofs.events import Action
from ledger.proofs.merkle import MerkleTree, event_leaf
from ledger.proofs.typed_data import RegistrationMessage, sign
from ledger.settings import Settings

GTIN = "09521234543213"


def _signed_registration(ledger: Ledger, serials: range) -> tuple[bytes, dict[str, Any], SignedTx]:
    """A registration batch's root, journal payload and signed (unsent) anchor transaction, as register() makes them."""
    brand = ledger.party("acme")
    account = ledger.keystore.unlock("acme")
    plan = plan_batch(brand.address, ["9521234"], (ItemSpec(GTIN, str(s)) for s in serials), ledger.clock())
    metadata_hash, signature = sign(RegistrationMessage(plan.root, plan.count, "9521234", plan.timestamp), ledger.domain, account)
    payload = {"brand": brand.address, "prefix": "9521234", "timestamp": plan.timestamp, "signature": "0x" + signature.hex(),
               "prefixes": ["9521234"], "items": [[r[1], r[2], None, None] for r in plan.rows]}
    signed = ledger.chain.sign_registration(account, plan.root, plan.count, "9521234", metadata_hash)
    return plan.root, payload, signed


def _journal(ledger: Ledger, root: bytes, kind: str, payload: dict[str, Any], signed: SignedTx) -> None:
    """The journal entry the ledger writes before sending, as a crash right after writing it leaves it."""
    with unit_of_work(ledger.engine) as s:
        s.add(PendingAction(root="0x" + root.hex(), kind=kind, payload=json.dumps(payload), created_at=datetime.now(UTC),
                            tx_hash="0x" + signed.tx_hash.hex(), sender=signed.sender, nonce=signed.nonce,
                            raw_tx="0x" + signed.raw.hex()))


def test_anchor_without_commit_is_finished_by_reconcile(ledger: Ledger) -> None:
    """A crash after the anchor was mined but before the index commit: the journal completes it."""
    root, payload, signed = _signed_registration(ledger, range(1, 21))
    ledger._journal_and_anchor(root, "registration", payload, lambda: signed)
    assert not item_status(ledger.engine, ItemKey(GTIN, "7")).registered  # anchored, not yet indexed
    done = ledger.reconcile()
    assert len(done) == 1 and done[0].startswith("completed registration")
    assert item_status(ledger.engine, ItemKey(GTIN, "7")).registered
    assert ledger.reconcile() == []


def test_journalled_transaction_that_was_never_sent_is_sent_by_reconcile(ledger: Ledger) -> None:
    """A crash between journalling and sending: the node does not know the transaction and its nonce is free."""
    root, payload, signed = _signed_registration(ledger, range(1, 4))
    _journal(ledger, root, "registration", payload, signed)
    done = ledger.reconcile()
    assert done == [f"completed registration 0x{root.hex()} from block {ledger.chain.get_anchor(root).block_number}"]  # type: ignore[union-attr]
    assert item_status(ledger.engine, ItemKey(GTIN, "2")).registered
    assert audit(ledger).clean


def test_a_new_action_settles_the_journal_before_its_checks(ledger: Ledger) -> None:
    """Registering an item that a journalled (unsent) batch holds: the batch is finished first, so the new one is refused."""
    root, payload, signed = _signed_registration(ledger, range(1, 4))
    _journal(ledger, root, "registration", payload, signed)
    with pytest.raises(DuplicateItem, match=f"/01/{GTIN}/21/2 is already registered"):
        ledger.register("acme", [ItemSpec(GTIN, "2")])
    assert ledger.chain.get_anchor(root) is not None and audit(ledger).clean


def test_journal_entry_whose_nonce_was_used_by_another_transaction_is_dropped(ledger: Ledger) -> None:
    """Certain that it is not there: the sender's nonce moved on and the root is not anchored."""
    root, payload, signed = _signed_registration(ledger, range(1, 4))
    _journal(ledger, root, "registration", payload, signed)
    # Another transaction of acme's takes the nonce (as a resubmitted action after a crash would).
    other_root, other_payload, other = _signed_registration(ledger, range(10, 12))
    assert other.nonce == signed.nonce
    ledger.chain.send_anchor(other)
    assert ledger.reconcile() == [(f"dropped registration 0x{root.hex()}: nonce {signed.nonce} of {signed.sender} was used "
                                  f"by another transaction (or 0x{signed.tx_hash.hex()} reverted) and the root is not anchored")]
    with Session(ledger.engine) as s:
        assert s.exec(select(PendingAction)).first() is None
    assert ledger.chain.get_anchor(root) is None


def test_sync_indexes_anchors_made_elsewhere_and_is_idempotent(ledger: Ledger) -> None:
    ledger.register("acme", [ItemSpec(GTIN, "1")])
    # Another node of the same organisation network anchors directly on the contract.
    events_root = MerkleTree.build([event_leaf(b"\x05" * 32)]).root
    ledger.chain.anchor_events(ledger.keystore.unlock("truck"), events_root, Action.SHIP.anchor_kind, 1, bytes(32))
    first = sync(ledger)
    assert first.new_anchors == 1 and first.known_anchors == 1
    with Session(ledger.engine) as s:
        foreign = s.get(Anchor, "0x" + events_root.hex())
    assert foreign is not None and not foreign.local and foreign.party == ledger.party("truck").address
    second = sync(ledger)
    assert (second.new_anchors, second.known_anchors) == (0, 0)


def test_state_survives_a_restart(ledger_settings: Settings) -> None:
    with Ledger.init(ledger_settings) as first:
        from ledger.chain.roles import Role

        first.add_party("acme", Role.BRAND, ["9521234"])
        first.register("acme", [ItemSpec(GTIN, "1", "L1")])
        first.change_status("acme", Action.RECALL, lot="L1")
    with Ledger.open(ledger_settings) as again:
        status = item_status(again.engine, ItemKey(GTIN, "1"))
        assert (status.registered, status.status) == (True, "recalled")
        assert again.chain.prefix_owner("9521234") == again.party("acme").address
        again.register("acme", [ItemSpec(GTIN, "2")])  # nonces and the anchor chain carry on


def test_wrong_passphrase_is_refused(ledger: Ledger, ledger_settings: Settings) -> None:
    ledger.close()
    wrong = Settings(**{**ledger_settings.__dict__, "passphrase": "not it"})
    with Ledger.open(wrong) as other, pytest.raises(KeystoreError, match="keystore of acme: wrong passphrase"):
        other.register("acme", [ItemSpec(GTIN, "1")])


def test_not_initialised(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotInitialised, match="run `ledger init` first"):
        Ledger.open(Settings(home=tmp_path / "none", passphrase="x"))


def test_unreachable_chain(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ChainUnreachable, match="cannot reach the chain at http://127.0.0.1:9"):
        ChainClient.connect("http://127.0.0.1:9", tmp_path)


def test_contract_refusals_arrive_decoded(ledger: Ledger) -> None:
    from ledger.errors import ChainRejected

    admin = ledger.keystore.unlock("admin")
    with pytest.raises(ChainRejected, match=r"PrefixAlreadyBound\(9521234, 0x"):
        ledger.chain.bind_prefix(admin, "9521234", ledger.party("bolt").address)
    result = ledger.register("acme", [ItemSpec(GTIN, "1")])
    with pytest.raises(ChainRejected, match=r"RootAlreadyAnchored\(0x" + result.root[2:]):
        ledger.chain.anchor_registration(ledger.keystore.unlock("acme"), bytes.fromhex(result.root[2:]), 1, "9521234", bytes(32))
    with pytest.raises(ChainRejected, match=r"AccessControlUnauthorizedAccount"):
        ledger.chain.anchor_registration(ledger.keystore.unlock("truck"), b"\x01" * 32, 1, "9521234", bytes(32))
