"""Turn a contract's revert data into the custom error's name and arguments."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from eth_abi import decode
from eth_utils import keccak


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
    raw = bytes.fromhex(data[2:] if data.startswith("0x") else data) if isinstance(data, str) else (data or b"")
    if len(raw) < 4:
        return "reverted without a reason"
    known = _selectors(_abi_key(abi)).get(raw[:4])
    if known is None:
        return f"reverted with unknown error 0x{raw[:4].hex()}"
    name, types = known
    args = decode(list(types), raw[4:]) if types else ()
    shown = ", ".join(("0x" + a.hex()) if isinstance(a, bytes) else str(a) for a in args)
    return f"{name}({shown})"
