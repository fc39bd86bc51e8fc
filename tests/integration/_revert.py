"""Assert that a call reverts with a given custom error, decoded by the ledger's own decoder.

web3 8 raises ``ContractCustomError`` (``data`` = the revert data hex) only when the node puts
the hex string itself in the JSON-RPC error's ``data``. Hardhat 2 nests it,
``{"message": ..., "data": "0x<selector><args>"}``, so web3 raises a plain ``ContractLogicError``
whose ``data`` is that dict. Through ``EthereumTesterProvider`` (web3 8 / eth-tester 0.14) a custom error is not translated:
``eth_tester.exceptions.TransactionFailed`` escapes instead; its message is unreliable (an error
with one string argument reads like a revert reason), but its ``__context__`` chain ends in
py-evm's ``eth.exceptions.Revert`` whose ``args[0]`` is the raw revert data. All three are handled.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from eth_tester.exceptions import TransactionFailed
from eth_utils import to_checksum_address
from web3.exceptions import ContractLogicError

from ledger.chain.revert import ErrorDecoder, revert_data


@contextmanager
def reverts_with(decoder: ErrorDecoder, name: str, *args: Any) -> Iterator[None]:
    """Assert the block reverts with the custom error `name(*args)` (all args, if any given)."""
    with pytest.raises((ContractLogicError, TransactionFailed)) as info:
        yield
    data = revert_data(info.value)
    assert data is not None, f"no revert data in {info.value!r}"
    error = decoder.decode(data)
    assert error is not None, f"unknown error selector in revert data {data!r}"
    assert error.name == name, f"expected {name}{args}, got {error.name}{error.args}"
    if args:
        expected = tuple(to_checksum_address(a) if _is_address(a) else a for a in args)
        assert error.args == expected, f"expected {name}{expected}, got {error.name}{error.args}"


def _is_address(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("0x") and len(value) == 42


