"""Benchmark the embedded chain: in memory (plain eth-tester) against on disk (SQLite).

Prints a Markdown table of medians over several runs:

    .venv/bin/python scripts/bench_embedded_chain.py [--runs 5] [--transactions 200] [--blocks 1000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from eth_typing import ChecksumAddress
from web3 import EthereumTesterProvider, Web3
from web3.types import Wei

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ledger.chain._embedded import close_embedded_web3, open_embedded_web3

# Stores the first calldata word in slot 0 and logs it (see tests/integration/test_embedded_chain.py).
INIT = bytes.fromhex("601280600b6000396000f360003580600055600052602a60206000a100")


@contextmanager
def chain(kind: str) -> Iterator[Web3]:
    if kind == "in memory":
        yield Web3(EthereumTesterProvider())
        return
    with tempfile.TemporaryDirectory() as directory:
        w3 = open_embedded_web3(Path(directory))
        try:
            yield w3
        finally:
            close_embedded_web3(w3)


def deploy(w3: Web3) -> ChecksumAddress:
    receipt = w3.eth.get_transaction_receipt(w3.eth.send_transaction({"from": w3.eth.accounts[0], "data": INIT}))
    address = receipt["contractAddress"]
    assert address is not None
    return address


def transfers_per_second(kind: str, count: int) -> float:
    with chain(kind) as w3:
        alice, bob = list(w3.eth.accounts)[:2]
        start = time.perf_counter()
        for _ in range(count):
            w3.eth.send_transaction({"from": alice, "to": bob, "value": Wei(1)})
        return count / (time.perf_counter() - start)


def calls_per_second(kind: str, count: int) -> float:
    with chain(kind) as w3:
        contract, alice = deploy(w3), w3.eth.accounts[0]
        start = time.perf_counter()
        for n in range(count):
            w3.eth.send_transaction({"from": alice, "to": contract, "data": n.to_bytes(32, "big")})
        return count / (time.perf_counter() - start)


def build_chain(w3: Web3, blocks: int) -> None:
    alice, bob = list(w3.eth.accounts)[:2]
    for _ in range(blocks):
        w3.eth.send_transaction({"from": alice, "to": bob, "value": Wei(1)})


def reopen_seconds(directory: Path) -> float:
    start = time.perf_counter()
    w3 = open_embedded_web3(directory)
    w3.eth.get_balance(w3.eth.accounts[0])  # first state read, so the head really is loaded
    elapsed = time.perf_counter() - start
    close_embedded_web3(w3)
    return elapsed


def oldest_receipt_seconds(w3: Web3) -> float:
    """eth-tester finds a transaction by walking back from the head, so this grows with the chain."""
    (first,) = w3.eth.get_block(1)["transactions"]
    assert isinstance(first, bytes)
    start = time.perf_counter()
    w3.eth.get_transaction_receipt(first)
    return time.perf_counter() - start


def median(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--transactions", type=int, default=200)
    parser.add_argument("--blocks", type=int, default=1000)
    args = parser.parse_args()
    runs, count = args.runs, args.transactions

    print(f"Medians of {runs} runs; {count} transactions per run, each mined in its own block.\n")
    print("| Measurement | In memory | On disk (SQLite) |")
    print("|---|---:|---:|")
    for label, measure in (
        ("Transfers per second", transfers_per_second),
        ("Contract calls per second", calls_per_second),
    ):
        memory = median(runs, partial(measure, "in memory", count))
        disk = median(runs, partial(measure, "on disk", count))
        print(f"| {label} | {memory:.0f} | {disk:.0f} |")

    blocks = args.blocks
    memory_chain = Web3(EthereumTesterProvider())
    build_chain(memory_chain, blocks)
    memory_receipt = median(runs, partial(oldest_receipt_seconds, memory_chain))
    with tempfile.TemporaryDirectory() as directory:
        stored = Path(directory)
        w3 = open_embedded_web3(stored)
        build_chain(w3, blocks)
        close_embedded_web3(w3)
        size = (stored / "chain.sqlite").stat().st_size
        reopen = median(runs, partial(reopen_seconds, stored))
        w3 = open_embedded_web3(stored)
        disk_receipt = median(runs, partial(oldest_receipt_seconds, w3))
        close_embedded_web3(w3)
    print(f"| Reopen a chain of {blocks} blocks (to first state read) | n/a | {reopen * 1000:.1f} ms |")
    print(
        f"| Receipt of block 1's transaction at {blocks} blocks | {memory_receipt * 1000:.0f} ms | {disk_receipt * 1000:.0f} ms |"
    )
    print(f"| Size of chain.sqlite at {blocks} blocks | n/a | {size / 2**20:.1f} MiB |")


if __name__ == "__main__":
    main()
