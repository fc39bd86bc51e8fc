"""The embedded chain keeps everything on disk: reopened (here or in another process,
or after the writer was killed) it is at the same head with the same state."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_typing import ChecksumAddress, HexStr
from hexbytes import HexBytes
from web3 import EthereumTesterProvider, Web3
from web3.types import Wei

from ledger.chain._embedded import EMBEDDED_CHAIN_ID, close_embedded_web3, open_embedded_web3
from ledger.errors import ChainLocked

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]

# Hand-assembled, so the test needs no compiler: on any call, store the first calldata
# word in slot 0 and log it (data) under topic 0x2a.
#   PUSH1 0 CALLDATALOAD DUP1 PUSH1 0 SSTORE PUSH1 0 MSTORE
#   PUSH1 0x2a PUSH1 0x20 PUSH1 0 LOG1 STOP
RUNTIME = bytes.fromhex("60003580600055600052602a60206000a100")
# Copy the runtime (which follows this 11-byte prefix) to memory and return it.
INIT = bytes.fromhex("601280600b6000396000f3") + RUNTIME
TOPIC = HexBytes((0x2A).to_bytes(32, "big"))


def word(value: int) -> HexStr:
    return HexStr("0x" + value.to_bytes(32, "big").hex())


def deploy(w3: Web3) -> ChecksumAddress:
    tx = w3.eth.send_transaction({"from": w3.eth.accounts[0], "data": INIT})
    address = w3.eth.get_transaction_receipt(tx)["contractAddress"]
    assert address is not None
    return address


def run_python(code: str, **kwargs: Any) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, **kwargs
    )


@pytest.fixture
def chain_dir(tmp_path: Path) -> Path:
    return tmp_path / "chain"


@pytest.fixture
def w3(chain_dir: Path) -> Iterator[Web3]:
    w3 = open_embedded_web3(chain_dir)
    yield w3
    close_embedded_web3(w3)


def test_new_chain_matches_plain_eth_tester(w3: Web3) -> None:
    plain = Web3(EthereumTesterProvider())
    assert w3.eth.chain_id == plain.eth.chain_id == EMBEDDED_CHAIN_ID
    assert w3.eth.accounts == plain.eth.accounts
    assert [w3.eth.get_balance(a) for a in w3.eth.accounts] == [plain.eth.get_balance(a) for a in plain.eth.accounts]
    assert w3.eth.get_block("latest")["gasLimit"] == plain.eth.get_block("latest")["gasLimit"]
    assert w3.eth.block_number == 0
    alice, bob = list(w3.eth.accounts)[:2]
    w3.eth.send_transaction({"from": alice, "to": bob, "value": Wei(1)})
    w3.eth.send_transaction({"from": alice, "to": bob, "value": Wei(1)})
    assert w3.eth.block_number == 2  # auto-mined, one transaction per block


def test_everything_survives_reopening(chain_dir: Path) -> None:
    w3 = open_embedded_web3(chain_dir)
    alice, bob = list(w3.eth.accounts)[:2]
    contract = deploy(w3)
    hashes = [w3.eth.send_transaction({"from": alice, "to": contract, "data": word(n)}) for n in (5, 6, 7)]
    hashes.append(w3.eth.send_transaction({"from": alice, "to": bob, "value": Wei(10**18)}))
    before = {
        "head": w3.eth.get_block("latest"),
        "balances": [w3.eth.get_balance(a) for a in (alice, bob)],
        "receipts": [w3.eth.get_transaction_receipt(h) for h in hashes],
        "logs": w3.eth.get_logs({"fromBlock": 0, "toBlock": "latest", "address": contract}),
    }
    close_embedded_web3(w3)

    w3 = open_embedded_web3(chain_dir)
    try:
        assert w3.eth.chain_id == EMBEDDED_CHAIN_ID
        assert w3.eth.block_number == 5
        assert w3.eth.get_block("latest") == before["head"]
        assert [w3.eth.get_balance(a) for a in (alice, bob)] == before["balances"]
        assert w3.eth.get_code(contract) == RUNTIME
        assert w3.eth.get_storage_at(contract, 0) == HexBytes(word(7))
        assert [w3.eth.get_transaction_receipt(h) for h in hashes] == before["receipts"]
        logs = w3.eth.get_logs({"fromBlock": 0, "toBlock": "latest", "address": contract})
        assert logs == before["logs"]
        assert [(log["blockNumber"], log["data"], log["topics"]) for log in logs] == [
            (n - 3, HexBytes(word(n)), [TOPIC]) for n in (5, 6, 7)
        ]
        assert w3.eth.get_logs({"fromBlock": 3, "toBlock": 3, "topics": [TOPIC.to_0x_hex()]}) == logs[1:2]

        nonce = w3.eth.get_transaction_count(alice)
        assert nonce == 5
        tx = w3.eth.send_transaction({"from": alice, "to": contract, "data": word(8)})
        assert w3.eth.get_transaction(tx)["nonce"] == nonce
        receipt = w3.eth.get_transaction_receipt(tx)
        assert receipt["blockNumber"] == 6
        assert w3.eth.get_block(6)["parentHash"] == before["head"]["hash"]
        assert w3.eth.get_block(6)["timestamp"] > before["head"]["timestamp"]
    finally:
        close_embedded_web3(w3)


def test_another_process_sees_and_extends_the_chain(chain_dir: Path) -> None:
    w3 = open_embedded_web3(chain_dir)
    contract = deploy(w3)
    w3.eth.send_transaction({"from": w3.eth.accounts[0], "to": contract, "data": word(42)})
    close_embedded_web3(w3)

    child = run_python(
        f"""
        import json
        from pathlib import Path
        from ledger.chain._embedded import close_embedded_web3, open_embedded_web3

        w3 = open_embedded_web3(Path({str(chain_dir)!r}))
        alice = w3.eth.accounts[0]
        seen = {{
            "block": w3.eth.block_number,
            "slot": w3.eth.get_storage_at({contract!r}, 0).hex(),
            "nonce": w3.eth.get_transaction_count(alice),
            "logs": len(w3.eth.get_logs({{"fromBlock": 0, "address": {contract!r}}})),
        }}
        w3.eth.send_transaction({{"from": alice, "to": {contract!r}, "data": "0x" + (99).to_bytes(32, "big").hex()}})
        close_embedded_web3(w3)
        print(json.dumps(seen))
        """
    )
    out, _ = child.communicate(timeout=120)
    assert child.returncode == 0
    assert json.loads(out) == {"block": 2, "slot": word(42)[2:], "nonce": 2, "logs": 1}

    w3 = open_embedded_web3(chain_dir)
    try:
        assert w3.eth.block_number == 3
        assert w3.eth.get_storage_at(contract, 0) == HexBytes(word(99))
    finally:
        close_embedded_web3(w3)


def test_second_opener_is_refused(chain_dir: Path, w3: Web3) -> None:
    with pytest.raises(ChainLocked) as refused:
        open_embedded_web3(chain_dir)
    assert refused.value.path == str(chain_dir)
    assert str(chain_dir) in str(refused.value)

    child = run_python(
        f"""
        from pathlib import Path
        from ledger.chain._embedded import open_embedded_web3
        from ledger.errors import ChainLocked
        try:
            open_embedded_web3(Path({str(chain_dir)!r}))
        except ChainLocked:
            print("locked")
        """
    )
    assert child.communicate(timeout=60)[0].strip() == "locked"
    assert w3.eth.block_number == 0  # the holder is unaffected


def test_closing_releases_the_directory(chain_dir: Path) -> None:
    close_embedded_web3(open_embedded_web3(chain_dir))
    close_embedded_web3(open_embedded_web3(chain_dir))


def test_killed_writer_leaves_a_consistent_chain(chain_dir: Path) -> None:
    w3 = open_embedded_web3(chain_dir)
    contract = deploy(w3)
    close_embedded_web3(w3)

    # Each block holds one call storing its own number, so a torn write would show as a
    # head whose state, body or receipts disagree with its number. Killing after a
    # varying count lands at different points of the write path.
    for confirmed_before_kill in (7, 23, 41):
        writer = run_python(
            f"""
            from pathlib import Path
            from ledger.chain._embedded import open_embedded_web3

            w3 = open_embedded_web3(Path({str(chain_dir)!r}))
            alice = w3.eth.accounts[0]
            while True:
                n = w3.eth.block_number + 1
                w3.eth.send_transaction({{"from": alice, "to": {contract!r}, "data": "0x" + n.to_bytes(32, "big").hex()}})
                print(n, flush=True)
            """
        )
        assert writer.stdout is not None
        confirmed = [int(writer.stdout.readline()) for _ in range(confirmed_before_kill)][-1]
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=60)
        writer.stdout.close()
        check_consistent(chain_dir, contract, confirmed)


def check_consistent(chain_dir: Path, contract: ChecksumAddress, confirmed: int) -> None:
    w3 = open_embedded_web3(chain_dir)
    try:
        head = w3.eth.block_number
        assert head >= confirmed
        alice = w3.eth.accounts[0]
        assert w3.eth.get_transaction_count(alice) == int(head)
        assert w3.eth.get_storage_at(contract, 0) == HexBytes(word(head))
        for number in range(2, head + 1):
            (tx_hash,) = w3.eth.get_block(number)["transactions"]
            assert isinstance(tx_hash, bytes)
            assert w3.eth.get_transaction(tx_hash)["input"] == HexBytes(word(number))
            assert w3.eth.get_transaction_receipt(tx_hash)["status"] == 1
        assert len(w3.eth.get_logs({"fromBlock": 2, "toBlock": head, "address": contract})) == head - 1

        tx_hash = w3.eth.send_transaction({"from": alice, "to": contract, "data": word(head + 1)})
        assert w3.eth.get_transaction_receipt(tx_hash)["blockNumber"] == head + 1
    finally:
        close_embedded_web3(w3)


def test_threads_share_one_chain(w3: Web3) -> None:
    accounts = list(w3.eth.accounts)
    senders, bob = accounts[:4], accounts[9]

    def send(sender: ChecksumAddress) -> None:
        for _ in range(10):
            w3.eth.send_transaction({"from": sender, "to": bob, "value": Wei(1)})

    threads = [threading.Thread(target=send, args=(sender,)) for sender in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert w3.eth.block_number == 40
    assert [w3.eth.get_transaction_count(s) for s in senders] == [10] * 4
    assert w3.eth.get_balance(bob) == w3.eth.get_balance(accounts[8]) + 40


def test_reset_to_genesis_erases_the_stored_chain(chain_dir: Path, w3: Web3) -> None:
    alice, bob = list(w3.eth.accounts)[:2]
    w3.eth.send_transaction({"from": alice, "to": bob, "value": Wei(1)})
    w3.provider.ethereum_tester.reset_to_genesis()  # type: ignore[attr-defined]
    assert w3.eth.block_number == 0
    assert w3.eth.get_transaction_count(alice) == 0
    close_embedded_web3(w3)
    reopened = open_embedded_web3(chain_dir)
    try:
        assert reopened.eth.block_number == 0
        assert reopened.eth.get_balance(alice) == reopened.eth.get_balance(bob)
    finally:
        close_embedded_web3(reopened)
