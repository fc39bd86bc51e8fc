"""What an audit covers: the whole ledger, one brand's goods, one batch, or one item.

>>> AuditScope.parse("brand:acme")
AuditScope(kind='brand', value='acme')
>>> str(AuditScope.parse("ledger"))
'the whole ledger'
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidInput
from ..untrusted import anchor_root

__all__ = ["AuditScope"]

_KINDS = ("ledger", "brand", "batch", "item")


@dataclass(frozen=True)
class AuditScope:
    kind: str
    value: str = ""

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise InvalidInput("audit scope", self.kind, "is not a scope", "ledger, brand:NAME, batch:ROOT or item:CODE")
        if (self.kind == "ledger") != (not self.value):
            raise InvalidInput("audit scope", f"{self.kind}:{self.value}", "names no subject" if self.value == "" else
                               "takes no subject", "ledger, brand:NAME, batch:ROOT or item:CODE")
        if self.kind == "batch":
            object.__setattr__(self, "value", anchor_root("batch root", self.value))

    @classmethod
    def parse(cls, text: str) -> AuditScope:
        kind, _, value = text.strip().partition(":")
        value = value.strip()
        return cls(kind.lower(), value.lower() if kind.lower() == "batch" else value)

    def __str__(self) -> str:
        return "the whole ledger" if self.kind == "ledger" else f"{self.kind} {self.value}"
