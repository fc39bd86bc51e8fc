"""Party roles in the app, and the on-chain roles each maps to."""

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
    def chain_roles(self) -> tuple[str, ...]:
        """The on-chain roles (names in :data:`ledger.chain.client.ROLES`) a party of this role holds: the one the
        contract checks, and for custodians also their kind, so the chain records what the index says."""
        if self.value in ("carrier", "distributor", "retailer"):
            return "CUSTODIAN", self.value.upper()
        return (self.value.upper(),)

    @property
    def holds_goods(self) -> bool:
        return self in (Role.BRAND, Role.CARRIER, Role.DISTRIBUTOR, Role.RETAILER)
