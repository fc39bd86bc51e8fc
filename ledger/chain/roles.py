"""Party roles in the app, and the on-chain role each maps to."""

from __future__ import annotations

import enum

from ..errors import InvalidInput

__all__ = ["Role"]


class Role(enum.StrEnum):
    ADMIN = "admin"
    BRAND = "brand"
    CARRIER = "carrier"
    DISTRIBUTOR = "distributor"
    RETAILER = "retailer"
    OFFICER = "officer"
    AUDITOR = "auditor"

    @classmethod
    def parse(cls, text: str) -> Role:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise InvalidInput("role", text, "is not a role", " | ".join(r.value for r in cls if r is not cls.ADMIN)) from None

    @property
    def chain_role(self) -> str:
        return {"admin": "ADMIN", "brand": "BRAND", "officer": "OFFICER", "auditor": "AUDITOR"}.get(self.value, "CUSTODIAN")

    @property
    def holds_goods(self) -> bool:
        return self in (Role.BRAND, Role.CARRIER, Role.DISTRIBUTOR, Role.RETAILER)
