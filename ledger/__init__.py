"""Supply-chain provenance ledger: serialised goods on a hash ledger anchored on Ethereum."""

from .errors import LedgerError
from .identifiers import ItemKey

__all__ = ["ItemKey", "LedgerError"]
__version__ = "0.1.0"
