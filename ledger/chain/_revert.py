"""Turn a contract's revert into the custom error's name and arguments.

The revert data arrives three ways: web3's ``ContractCustomError`` (data is the hex), a plain
``ContractLogicError`` whose data is Hardhat's ``{"message", "data"}`` dict, and, through
eth-tester, ``TransactionFailed`` whose exception chain ends in py-evm's ``Revert`` carrying
the raw bytes (its message is unreliable: a string argument reads like a revert reason).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from eth.exceptions import Revert
from eth_abi.abi import decode
from eth_utils.crypto import keccak
from web3.exceptions import ContractLogicError


@lru_cache(maxsize=4)
def _selectors(abi_key: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[bytes, tuple[str, tuple[str, ...]]]:
    return {keccak(text=f"{name}({','.join(types)})")[:4]: (name, types) for name, types in abi_key}


def _abi_key(abi: list[dict[str, Any]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple(
        (entry["name"], tuple(i["type"] for i in entry.get("inputs", [])))
        for entry in abi if entry.get("type") == "error"
    )


def describe_revert(abi: list[dict[str, Any]], data: str | bytes | None) -> str:
    """``Name(arg, …)`` for a known custom error, else a plain description."""
    raw = bytes.fromhex(data.removeprefix("0x")) if isinstance(data, str) else (data or b"")
    if len(raw) < 4:
        return "reverted without a reason"
    known = _selectors(_abi_key(abi)).get(raw[:4])
    if known is None:
        return f"reverted with unknown error 0x{raw[:4].hex()}"
    name, types = known
    args = decode(list(types), raw[4:]) if types else ()
    shown = ", ".join(("0x" + a.hex()) if isinstance(a, bytes) else str(a) for a in args)
    return f"{name}({shown})"


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
