"""Supply-chain provenance ledger: serialised goods on a hash ledger anchored on Ethereum."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import LedgerError

if TYPE_CHECKING:
    from .codes.identifiers import ItemKey

__all__ = ["ItemKey", "LedgerError"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # ItemKey on first use: importing it loads biip's GS1 tables, which `ledger --help` has no use for.
    if name == "ItemKey":
        from .codes.identifiers import ItemKey

        return ItemKey
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
