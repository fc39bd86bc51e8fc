"""The embedded chain: eth-tester's in-process py-evm chain, kept on disk in a directory.

`open_embedded_web3(directory)` gives a `Web3` on the chain stored in `directory`,
creating it on first use with the same genesis as a plain `EthereumTesterProvider()`
(ten dev accounts, 1,000,000 ether each, unlocked), or reopening it at its canonical
head. Every transaction is mined in its own block, as eth-tester does by default.

Kept on disk (in ``chain.sqlite``): everything py-evm stores, which is every block,
transaction, receipt and log, and the state (balances, nonces, code, storage) at
every block. The chain id and fork schedule are fixed by `_EmbeddedChain`, and the
dev accounts' keys are derived, so both come back identical on reopening.

Not kept (eth-tester holds these in memory only, and a reopened chain starts without
them): accounts added with `EthereumTester.add_account` and their passwords and lock
state; filters (`eth_newFilter`, `eth_newBlockFilter`, ...; `eth_getLogs` still works
over every block); snapshot ids from `evm_snapshot`; a `time_travel` target not yet
mined. With auto-mining nothing is ever pending between calls, so no transaction is lost.

One process at a time: a lock on ``LOCK`` in the directory (released by the kernel if
the process dies) makes a second opener fail with `ChainLocked`.
"""

from __future__ import annotations

import fcntl
import threading
from pathlib import Path
from typing import IO, Any, cast

from eth.abc import BlockHeaderAPI, TransactionBuilderAPI
from eth.chains.base import MiningChain
from eth.exceptions import CanonicalHeadNotFound
from eth.vm.forks.prague import PragueVM
from eth_tester import EthereumTester, PyEVMBackend
from eth_tester.backends.pyevm.main import get_default_account_keys
from eth_typing import BlockNumber
from web3 import EthereumTesterProvider, Web3
from web3.types import RPCEndpoint, RPCResponse

from ledger.chain._kvstore import SQLiteAtomicDB, SQLiteDB
from ledger.errors import ChainLocked

__all__ = ["EMBEDDED_CHAIN_ID", "close_embedded_web3", "open_embedded_web3"]

# eth-tester's own chain id, so code and tests see the same id on either provider.
EMBEDDED_CHAIN_ID = 131277322940537


class _EmbeddedChain(MiningChain):
    """eth-tester's chain class, pinned here so a stored chain is always reopened with
    the fork schedule it was built with, whatever a later eth-tester defaults to."""

    chain_id = EMBEDDED_CHAIN_ID
    vm_configuration = ((BlockNumber(0), PragueVM),)

    def create_header_from_parent(self, parent_header: BlockHeaderAPI, **header_params: Any) -> BlockHeaderAPI:
        # eth-tester keeps the gas limit constant instead of letting it drift per block.
        return super().create_header_from_parent(
            parent_header, **{**header_params, "gas_limit": parent_header.gas_limit}
        )

    def get_transaction_builder(self) -> type[TransactionBuilderAPI]:
        # eth-tester builds its transactions through the chain, which py-evm leaves to the VM.
        return self.get_vm().get_transaction_builder()


class _PersistentPyEVMBackend(PyEVMBackend):  # type: ignore[misc]  # eth-tester is untyped
    """`PyEVMBackend` on a chain stored in a directory instead of built in memory."""

    def __init__(self, directory: Path) -> None:
        # Not PyEVMBackend.__init__: it would build a fresh chain in memory, whereas this
        # reopens the stored one, building genesis only when the store has no head yet.
        directory.mkdir(parents=True, exist_ok=True)
        self._lock_file = _lock_directory(directory)
        try:
            self._db = SQLiteAtomicDB(SQLiteDB(directory / "chain.sqlite"))
            self.account_keys = get_default_account_keys()
            try:
                self.chain = _EmbeddedChain(self._db)
            except CanonicalHeadNotFound:
                self.reset_to_genesis()
        except BaseException:
            self.close()
            raise

    def reset_to_genesis(self) -> None:
        """Erase the stored chain and start a new one at genesis (what eth-tester's reset means)."""
        self._db.store.clear()
        self.account_keys = get_default_account_keys()
        genesis = _EmbeddedChain.from_genesis(
            self._db, PyEVMBackend.generate_genesis_params(), PyEVMBackend.generate_genesis_state()
        )
        self.chain = cast(_EmbeddedChain, genesis)  # from_genesis returns an instance of cls

    def close(self) -> None:
        if hasattr(self, "_db"):
            self._db.store.close()
        self._lock_file.close()


class _EmbeddedProvider(EthereumTesterProvider):
    """One request at a time: py-evm's pending block is shared state, so two threads
    sending at once could interleave a transaction with another's mining."""

    def __init__(self, backend: _PersistentPyEVMBackend) -> None:
        super().__init__(EthereumTester(backend))
        self.backend = backend
        self._one_at_a_time = threading.Lock()  # our own: web3's providers keep a lock of their own

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        with self._one_at_a_time:
            return super().make_request(method, params)

    def close(self) -> None:
        """Close the store once no request is running."""
        with self._one_at_a_time:
            self.backend.close()


def _lock_directory(directory: Path) -> IO[bytes]:
    lock_file = open(directory / "LOCK", "ab")  # noqa: SIM115 - held open as the lock
    try:
        fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock_file.close()
        raise ChainLocked(str(directory)) from None
    return lock_file


def open_embedded_web3(directory: Path) -> Web3:
    """A `Web3` on the chain kept in `directory`, created there (genesis) on first use.

    Raises `ChainLocked` if the chain is already open, in this process or another.
    Close it with `close_embedded_web3`; a process that ends releases it too.
    """
    return Web3(_EmbeddedProvider(_PersistentPyEVMBackend(directory)))


def close_embedded_web3(w3: Web3) -> None:
    """Close the store and release the directory; `w3` must not be used afterwards."""
    provider = w3.provider
    if not isinstance(provider, _EmbeddedProvider):
        raise TypeError(f"not an embedded chain: {provider!r}")
    provider.close()
