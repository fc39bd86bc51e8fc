"""Real chain faults between the ledger and a Hardhat node: lost answers, unmined and lost transactions, a hung node.

The node is the real Hardhat node (tests/_hardhat.py) behind a JSON-RPC proxy (tests/_rpc_proxy.py)
that drops, delays or hangs chosen methods. After every fault the audit is clean, which includes:
no anchor of this home's parties is without its rows (ORPHANED_ANCHOR), on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select
from web3 import Web3

from ledger.audit.auditor import audit
from ledger.chain.roles import Role
from ledger.cli import main
from ledger.codes.identifiers import ItemKey
from ledger.codes.qr_label import Label
from ledger.custody.ledger import Ledger
from ledger.custody.registration import ItemSpec
from ledger.custody.sync import sync
from ledger.errors import ActionPending, ChainRejected, JournalPending
from ledger.index.models import Anchor, PendingAction
from ledger.index.queries import item_status
from ledger.settings import Settings
from ledger.verify.verifier import Verifier
from tests._rpc_proxy import Fault, RpcProxy

GTIN = "09521234543213"


@pytest.fixture
def node(hardhat_url: str) -> Iterator[Web3]:
    """The Hardhat node itself, past the proxy: to look and to steer mining. Automining is restored after."""
    w3 = Web3(Web3.HTTPProvider(hardhat_url))
    yield w3
    w3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]


@pytest.fixture
def ledger(proxy: RpcProxy, database_url: str, tmp_path: Path) -> Iterator[Ledger]:
    """A ledger whose chain is reached through the proxy; reads time out after 0.5 s, writes wait 4 s for mining."""
    settings = Settings(home=tmp_path / "home", chain=proxy.url, database_url=database_url, passphrase="test passphrase",
                        kdf_iterations=16, chain_read_timeout=0.5, chain_write_timeout=4)
    with Ledger.init(settings) as fresh:
        fresh.add_party("acme", Role.BRAND, ["9521234"])
        fresh.add_party("truck", Role.CARRIER)
        yield fresh


def _rpc(w3: Web3, method: str, *params: Any) -> Any:
    return w3.provider.make_request(method, list(params))  # type: ignore[arg-type]


def _journal(ledger: Ledger) -> list[PendingAction]:
    with Session(ledger.engine) as s:
        return list(s.exec(select(PendingAction)))


def _registered(ledger: Ledger, *serials: str) -> list[bool]:
    return [item_status(ledger.engine, ItemKey(GTIN, s)).registered for s in serials]


def _assert_whole(ledger: Ledger) -> None:
    """The audit is clean (no orphaned anchor among its checks) and the journal is empty."""
    report = audit(ledger)
    assert report.clean, [str(f) for f in report.findings]
    assert _journal(ledger) == []


def test_a_dropped_send_reply_still_registers(ledger: Ledger, proxy: RpcProxy) -> None:
    """The node mined the anchor but its answer to eth_sendRawTransaction was lost: the ledger asks, and finishes."""
    proxy.fault("eth_sendRawTransaction", Fault.DROP_REPLY, times=1)
    sends = proxy.calls["eth_sendRawTransaction"]
    result = ledger.register("acme", [ItemSpec(GTIN, "1"), ItemSpec(GTIN, "2")])
    assert proxy.calls["eth_sendRawTransaction"] == sends + 1  # sent once: found mined, not sent again
    assert result.count == 2 and _registered(ledger, "1", "2") == [True, True]
    _assert_whole(ledger)


def test_lost_answers_leave_the_action_pending_until_sync_finishes_it(ledger: Ledger, proxy: RpcProxy, node: Web3) -> None:
    """Sent, and then the chain stops answering reads: pending (not failed), held in the journal, finished by sync."""
    proxy.fault("eth_getTransactionReceipt", Fault.DROP_REPLY)
    proxy.fault("eth_call", Fault.DROP_REPLY)
    with pytest.raises(ActionPending, match=r"registration 0x[0-9a-f]{64} is pending: transaction 0x[0-9a-f]{64} was sent") as caught:
        ledger.register("acme", [ItemSpec(GTIN, "1")])
    [entry] = _journal(ledger)
    assert (entry.root, entry.tx_hash) == (caught.value.root, caught.value.tx_hash)
    receipt = node.eth.get_transaction_receipt(entry.tx_hash)  # type: ignore[arg-type]
    assert receipt["status"] == 1  # anchored on chain, not yet in the index
    assert _registered(ledger, "1") == [False]
    # Nothing new is planned on rows the pending action will change.
    with pytest.raises(JournalPending, match=f"earlier registration {entry.root}"):
        ledger.register("acme", [ItemSpec(GTIN, "2")])
    proxy.clear()
    report = sync(ledger)
    assert report.reconciled == [f"completed registration {entry.root} from block {receipt['blockNumber']}"]
    assert _registered(ledger, "1") == [True]
    with Session(ledger.engine) as s:
        row = s.get(Anchor, entry.root)
    assert row is not None and row.local  # this home's own anchor, not filed as another organisation's
    _assert_whole(ledger)
    ledger.register("acme", [ItemSpec(GTIN, "2")])


def test_a_transaction_not_mined_in_time_is_pending_until_it_is(ledger: Ledger, node: Web3) -> None:
    _rpc(node, "evm_setAutomine", False)
    with pytest.raises(ActionPending, match="it is waiting in the node's pool to be mined"):
        ledger.register("acme", [ItemSpec(GTIN, "1")])
    assert ledger.reconcile()[0].startswith("still pending registration")
    _rpc(node, "evm_mine")
    assert sync(ledger).reconciled[0].startswith("completed registration")
    assert _registered(ledger, "1") == [True]
    _assert_whole(ledger)


def test_a_transaction_the_node_lost_is_sent_again(ledger: Ledger, node: Web3, proxy: RpcProxy) -> None:
    """Unknown to the node and its nonce still free: the journalled bytes are sent again (the same transaction)."""
    _rpc(node, "evm_setAutomine", False)
    with pytest.raises(ActionPending):
        ledger.register("acme", [ItemSpec(GTIN, "1")])
    [entry] = _journal(ledger)
    assert _rpc(node, "hardhat_dropTransaction", entry.tx_hash)["result"] is True
    _rpc(node, "evm_setAutomine", True)
    sends = proxy.calls["eth_sendRawTransaction"]
    assert sync(ledger).reconciled[0].startswith("completed registration")
    assert proxy.calls["eth_sendRawTransaction"] == sends + 1
    assert node.eth.get_transaction_receipt(entry.tx_hash)["status"] == 1  # type: ignore[arg-type]
    assert _registered(ledger, "1") == [True]
    _assert_whole(ledger)


def test_a_transaction_whose_nonce_went_to_another_is_dropped(ledger: Ledger, node: Web3) -> None:
    """The only certain 'not there': the sender's nonce was used by another transaction and the root is not anchored."""
    _rpc(node, "evm_setAutomine", False)
    with pytest.raises(ActionPending):
        ledger.register("acme", [ItemSpec(GTIN, "1")])
    [entry] = _journal(ledger)
    _rpc(node, "hardhat_dropTransaction", entry.tx_hash)
    acme = ledger.keystore.unlock("acme")
    other = acme.sign_transaction({"to": acme.address, "value": 0, "nonce": entry.nonce, "gas": 21_000,
                                   "maxFeePerGas": 10**11, "maxPriorityFeePerGas": 10**9, "chainId": node.eth.chain_id})
    node.eth.send_raw_transaction(other.raw_transaction)
    _rpc(node, "evm_mine")
    _rpc(node, "evm_setAutomine", True)
    [line] = sync(ledger).reconciled
    assert line == (f"dropped registration {entry.root}: nonce {entry.nonce} of {entry.sender} was used by another "
                    f"transaction (or {entry.tx_hash} reverted) and the root is not anchored")
    assert _registered(ledger, "1") == [False] and _journal(ledger) == []
    ledger.register("acme", [ItemSpec(GTIN, "1")])  # free to do it again: it was certainly not done
    assert _registered(ledger, "1") == [True]
    _assert_whole(ledger)


def test_a_transaction_the_node_refuses_is_a_plain_failure(ledger: Ledger, node: Web3, proxy: RpcProxy) -> None:
    """Refused when sent (here: its sender's money is gone after signing): certain, so nothing is kept; retry works."""
    acme = ledger.party("acme").address
    proxy.fault("eth_estimateGas", Fault.PASS, times=1, after=lambda: _rpc(node, "hardhat_setBalance", acme, "0x0"))
    with pytest.raises(ChainRejected, match="the chain refused to anchor the registration batch: .*funds"):
        ledger.register("acme", [ItemSpec(GTIN, "1")])
    assert _journal(ledger) == [] and _registered(ledger, "1") == [False]
    _rpc(node, "hardhat_setBalance", acme, hex(10**19))
    ledger.register("acme", [ItemSpec(GTIN, "1")])
    _assert_whole(ledger)


def test_a_hung_node_does_not_stall_verification(ledger: Ledger, proxy: RpcProxy) -> None:
    """eth_call hangs: one short wait (no retries), then the breaker answers from the index at once."""
    ledger.register("acme", [ItemSpec(GTIN, "1")])
    ledger.register("acme", [ItemSpec(GTIN, "2")])
    signer = ledger.keystore.unlock("acme")
    verifier = Verifier(ledger)
    now = [0.0]
    ledger.chain.breaker.clock = lambda: now[0]

    def verify(serial: str) -> list[str]:
        result = verifier.verify(Label.signed(ItemKey(GTIN, serial), "https://v.example", signer).uri)
        assert result.judgement.verdict.value == "genuine"  # the index vouches in every case
        return list(result.judgement.codes)

    assert verify("1") == []  # confirmed on chain, and remembered
    proxy.fault("eth_call", Fault.HANG)
    calls = proxy.calls["eth_call"]
    assert verify("2") == ["CHAIN_UNREACHABLE"]
    assert proxy.calls["eth_call"] == calls + 1  # asked once: quick reads are not retried
    for _ in range(5):
        assert verify("2") == ["CHAIN_UNREACHABLE"]
    assert proxy.calls["eth_call"] == calls + 1  # the breaker is open: the node is not asked, nobody waits
    assert verify("1") == []  # a confirmed anchor needs no chain
    now[0] += 1.5  # past the breaker's cool-down: one probe, still hung, and it opens for twice as long
    assert verify("2") == ["CHAIN_UNREACHABLE"] and proxy.calls["eth_call"] == calls + 2
    now[0] += 1.5
    assert verify("2") == ["CHAIN_UNREACHABLE"] and proxy.calls["eth_call"] == calls + 2
    proxy.clear()
    now[0] += 1.0
    assert verify("2") == []  # the probe finds the node back: confirmed, breaker closed
    assert not ledger.chain.breaker.is_open


def test_writes_wait_longer_than_reads(ledger: Ledger, proxy: RpcProxy) -> None:
    """An answer slower than the read timeout fails a quick read but not a write."""
    proxy.fault("eth_sendRawTransaction", Fault.DELAY, seconds=1.5)
    proxy.fault("eth_getTransactionCount", Fault.DELAY, seconds=1.5)
    ledger.register("acme", [ItemSpec(GTIN, "1")])
    assert _registered(ledger, "1") == [True]
    proxy.clear()
    proxy.fault("eth_call", Fault.DELAY, seconds=1.5)
    with pytest.raises(Exception, match="cannot reach the chain"):
        ledger.chain.get_anchor(b"\x01" * 32, quick=True)
    assert ledger.chain.get_anchor(b"\x01" * 32) is None  # the same read on the write path waits
    _assert_whole(ledger)


def test_the_command_line_says_pending_and_sync_finishes(ledger: Ledger, proxy: RpcProxy, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """`ledger register` exits 4 with what will happen; `ledger sync` then finishes it."""
    settings = ledger.settings
    ledger.close()
    for key, value in {"LEDGER_HOME": str(settings.home), "LEDGER_CHAIN": settings.chain, "LEDGER_PASSPHRASE": "test passphrase",
                       "LEDGER_DATABASE_URL": settings.database_url, "LEDGER_CHAIN_READ_TIMEOUT": "0.5"}.items():
        monkeypatch.setenv(key, value)
    proxy.fault("eth_getTransactionReceipt", Fault.DROP_REPLY)
    proxy.fault("eth_call", Fault.DROP_REPLY)
    with pytest.raises(SystemExit) as exited:
        main(["register", "--as", "acme", "--gtin", GTIN, "--count", "3"])
    err = capsys.readouterr().err
    assert exited.value.code == 4, err
    assert "is pending: transaction 0x" in err and "`ledger sync` (or the next start) will finish it" in err
    proxy.clear()
    main(["sync"])  # opening the ledger already finished it (the "next start"); sync finds it indexed as this home's
    assert capsys.readouterr().out.startswith("blocks 0–")
    with Ledger.open(settings) as again:
        assert [item_status(again.engine, ItemKey(GTIN, s)).registered for s in "123"] == [True, True, True]
        _assert_whole(again)
