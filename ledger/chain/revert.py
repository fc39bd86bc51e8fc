"""Turn a contract's revert into the custom error's name and arguments.

The revert data arrives three ways: web3's ``ContractCustomError`` (data is the hex), a plain
``ContractLogicError`` whose data is Hardhat's ``{"message", "data"}`` dict, and, through
eth-tester, ``TransactionFailed`` whose exception chain ends in py-evm's ``Revert`` carrying
the raw bytes (its message is unreliable: a string argument reads like a revert reason).
The ledger reports reverts with :func:`describe_revert`; the contract tests assert on
:meth:`ErrorDecoder.decode`: one decoder for both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth.exceptions import Revert
from eth_abi.abi import decode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3.exceptions import ContractLogicError

__all__ = ["DecodedError", "ErrorDecoder", "describe_revert", "revert_data"]


@dataclass(frozen=True)
class DecodedError:
    """A custom error: its name and its arguments (addresses checksummed)."""

    name: str
    args: tuple[Any, ...]

    def __str__(self) -> str:
        return f"{self.name}({', '.join(('0x' + a.hex()) if isinstance(a, bytes) else str(a) for a in self.args)})"


def _abi_type(entry: dict[str, Any]) -> str:
    """Canonical ABI type of an input (tuples spelled out, for selectors and decoding)."""
    typ: str = entry["type"]
    if typ.startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in entry["components"]) + ")" + typ[len("tuple"):]
    return typ


class ErrorDecoder:
    """Maps the 4-byte selectors of an ABI's custom errors to their names and argument types."""

    def __init__(self, abi: Sequence[dict[str, Any]]) -> None:
        self._errors: dict[bytes, tuple[str, list[str]]] = {}
        for entry in abi:
            if entry.get("type") == "error":
                types = [_abi_type(i) for i in entry.get("inputs", [])]
                self._errors[keccak(text=f"{entry['name']}({','.join(types)})")[:4]] = (entry["name"], types)

    def names(self) -> set[str]:
        return {name for name, _ in self._errors.values()}

    def decode(self, data: bytes | str) -> DecodedError | None:
        """The custom error in revert ``data``; None if its selector is not in the ABI."""
        raw = bytes.fromhex(data.removeprefix("0x")) if isinstance(data, str) else data
        known = self._errors.get(raw[:4])
        if known is None:
            return None
        name, types = known
        values = decode(types, raw[4:]) if types else ()
        return DecodedError(name, tuple(to_checksum_address(v) if t == "address" else v
                                        for t, v in zip(types, values, strict=True)))


def describe_revert(abi: list[dict[str, Any]], data: str | bytes | None) -> str:
    """``Name(arg, …)`` for a known custom error, else a plain description."""
    raw = bytes.fromhex(data.removeprefix("0x")) if isinstance(data, str) else (data or b"")
    if len(raw) < 4:
        return "reverted without a reason"
    decoded = ErrorDecoder(abi).decode(raw)
    return str(decoded) if decoded else f"reverted with unknown error 0x{raw[:4].hex()}"


def revert_data(exc: BaseException) -> bytes | str | None:
    """The revert data an exception from web3 or eth-tester carries, if any."""
    if isinstance(exc, ContractLogicError):
        data = exc.data
        if isinstance(data, dict):
            data = data.get("data")
        return data if isinstance(data, (str, bytes)) else None
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, Revert) and seen.args and isinstance(seen.args[0], bytes):
            return seen.args[0]
        seen = seen.__cause__ or seen.__context__
    return None
