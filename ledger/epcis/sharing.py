"""Who may read what through the EPCIS endpoints: a home's sharing policy.

A requester is a chain address and the role the chain gives it (:mod:`.requesters`). The default
policy gives an item's custody details to its brand, to the parties that held it or were sent it
(actor or counterparty of any of its events, and its custodian now), and to officers and auditors
(every item); nothing to anyone else. A home changes it with ``SharingPolicy.parse`` (e.g. in the
web app's ``EPCIS_SHARING`` setting).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from ..chain.roles import Role
from ..errors import InvalidInput
from ..index.models import Event, Item

__all__ = ["Requester", "SharingPolicy"]

_EXPECTED = '{"everything": ["officer", "auditor"], "brand": true, "custodians": true}'


@dataclass(frozen=True)
class Requester:
    """An authenticated reader: its address and its role on chain (None: it holds none)."""

    address: str
    role: Role | None
    name: str = ""

    def __str__(self) -> str:
        return f"{self.name or self.address} ({self.role.value if self.role else 'no role on chain'})"


@dataclass(frozen=True)
class SharingPolicy:
    """``everything``: the roles that may read every item; ``brand``: a brand reads its own items;
    ``custodians``: a party reads the items it held, holds or was sent."""

    everything: frozenset[Role] = field(default_factory=lambda: frozenset({Role.OFFICER, Role.AUDITOR}))
    brand: bool = True
    custodians: bool = True

    @classmethod
    def parse(cls, value: Mapping[str, object]) -> SharingPolicy:
        """From a mapping like ``{"everything": ["officer"], "brand": true, "custodians": false}``; missing keys keep
        the default."""
        unknown = sorted(set(value) - {"everything", "brand", "custodians"})
        if unknown:
            raise InvalidInput("sharing policy", unknown, "has unknown keys", _EXPECTED)
        default = cls()
        everything = value.get("everything", sorted(default.everything))
        if not isinstance(everything, list | tuple) or not all(isinstance(r, str) for r in everything):
            raise InvalidInput("sharing policy everything", everything, "is not a list of roles", _EXPECTED)
        flags = {k: value.get(k, getattr(default, k)) for k in ("brand", "custodians")}
        for key, flag in flags.items():
            if not isinstance(flag, bool):
                raise InvalidInput(f"sharing policy {key}", flag, "is not true or false", _EXPECTED)
        return cls(frozenset(Role.parse(r) for r in everything), bool(flags["brand"]), bool(flags["custodians"]))

    def reads_everything(self, requester: Requester) -> bool:
        return requester.role is not None and requester.role in self.everything

    def readable_items(self, engine: Engine, requester: Requester) -> list[str] | None:
        """The item ids ``requester`` may read: None means every item; an empty list, none."""
        if requester.role is None:
            return []
        if self.reads_everything(requester):
            return None
        found: set[str] = set()
        with Session(engine) as s:
            if self.brand and requester.role is Role.BRAND:
                found.update(s.scalars(select(col(Item.item_id)).where(col(Item.brand) == requester.address)))
            if self.custodians and requester.role.holds_goods:
                found.update(s.scalars(select(col(Item.item_id)).where(col(Item.custodian) == requester.address)))
                found.update(s.scalars(select(col(Event.item_id)).where(or_(
                    col(Event.actor) == requester.address, col(Event.counterparty) == requester.address))))
        return sorted(found)

    def describe(self) -> str:
        parts = [f"every item to {' and '.join(sorted(r.value for r in self.everything))}s"] if self.everything else []
        if self.brand:
            parts.append("a brand's items to that brand")
        if self.custodians:
            parts.append("an item to the parties that held it, hold it or were sent it")
        return "; ".join(parts) or "nothing to anyone"
