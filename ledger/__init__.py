"""Supply-chain provenance ledger: serialised goods on a hash ledger anchored on Ethereum."""

from .codes.identifiers import ItemKey
from .errors import LedgerError

__all__ = ["ItemKey", "LedgerError"]
__version__ = "0.1.0"
