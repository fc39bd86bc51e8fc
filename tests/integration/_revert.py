"""Decode Solidity custom errors from revert data using a contract ABI.

web3 8 raises ``ContractCustomError`` (``data`` = the revert data hex) only when the node puts
the hex string itself in the JSON-RPC error's ``data``. Hardhat 2 nests it,
``{"message": ..., "data": "0x<selector><args>"}``, so web3 raises a plain ``ContractLogicError``
whose ``data`` is that dict. Through ``EthereumTesterProvider`` (web3 8 / eth-tester 0.14) a custom error is not translated:
``eth_tester.exceptions.TransactionFailed`` escapes instead; its message is unreliable (an error
with one string argument reads like a revert reason), but its ``__context__`` chain ends in
py-evm's ``eth.exceptions.Revert`` whose ``args[0]`` is the raw revert data. All three are handled.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from eth_abi import decode
from eth_tester.exceptions import TransactionFailed
from eth_utils import function_signature_to_4byte_selector, to_checksum_address
from web3.exceptions import ContractLogicError

from ledger.chain._revert import revert_data


def _abi_type(entry: dict[str, Any]) -> str:
    """Canonical ABI type of an input (tuples spelled out, for selectors and decoding)."""
    typ: str = entry["type"]
    if typ.startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in entry["components"]) + ")" + typ[len("tuple") :]
    return typ


@dataclass(frozen=True)
class DecodedError:
    name: str
    args: tuple[Any, ...]


class ErrorDecoder:
    """Maps 4-byte selectors of the ABI's custom errors to their names and argument types."""

    def __init__(self, abi: Sequence[dict[str, Any]]) -> None:
        self._errors: dict[bytes, tuple[str, list[str]]] = {}
        for entry in abi:
            if entry["type"] != "error":
                continue
            types = [_abi_type(i) for i in entry["inputs"]]
            selector = function_signature_to_4byte_selector(f"{entry['name']}({','.join(types)})")
            self._errors[selector] = (entry["name"], types)

    def names(self) -> set[str]:
        return {name for name, _ in self._errors.values()}

    def decode(self, data: bytes | str) -> DecodedError:
        raw = bytes.fromhex(data.removeprefix("0x")) if isinstance(data, str) else data
        selector, payload = raw[:4], raw[4:]
        if selector not in self._errors:
            raise AssertionError(f"unknown error selector 0x{selector.hex()} (data 0x{raw.hex()})")
        name, types = self._errors[selector]
        values = decode(types, payload)
        normalised = tuple(
            to_checksum_address(v) if t == "address" else v for t, v in zip(types, values, strict=True)
        )
        return DecodedError(name, normalised)


@contextmanager
def reverts_with(decoder: ErrorDecoder, name: str, *args: Any) -> Iterator[None]:
    """Assert the block reverts with the custom error `name(*args)` (all args, if any given)."""
    with pytest.raises((ContractLogicError, TransactionFailed)) as info:
        yield
    data = revert_data(info.value)
    assert data is not None, f"no revert data in {info.value!r}"
    error = decoder.decode(data)
    assert error.name == name, f"expected {name}{args}, got {error.name}{error.args}"
    if args:
        expected = tuple(to_checksum_address(a) if _is_address(a) else a for a in args)
        assert error.args == expected, f"expected {name}{expected}, got {error.name}{error.args}"


def _is_address(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("0x") and len(value) == 42


