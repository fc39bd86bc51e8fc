"""Case records: what an officer (or a theft reporter) wrote beside an action, kept in the index.

The custody event signs the location but has no field for a reason, so the reason an officer
gives for a seizure or a theft report is kept here, beside the anchor (``tx_hash``). A code the
ledger does not know (a counterfeit) cannot be anchored at all: its inspection is only a case here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select
from sqlmodel import col

from ..errors import InvalidInput
from ..untrusted import plain_text
from .models import CaseRecord

__all__ = ["MAX_REASON", "Case", "cases_of", "record_case", "valid_reason"]

MAX_REASON = 400


@dataclass(frozen=True, slots=True)
class Case:
    id: int
    key: str
    party: str
    action: str
    outcome: str
    reason: str
    location: str
    tx_hash: str | None
    created_at: datetime

    @property
    def anchored(self) -> bool:
        return self.tx_hash is not None


def valid_reason(text: str) -> str:
    """The reason on one line, stripped; InvalidInput if it is empty, too long or not plain text."""
    expected = f"a few words on why (at most {MAX_REASON} characters)"
    line = " ".join(text.split())
    if not line:
        raise InvalidInput("reason", text, "is missing", expected)
    return plain_text("reason", line, MAX_REASON, expected)


def record_case(engine: Engine, key: str, party: str, action: str, reason: str, location: str,
                outcome: str = "", tx_hash: str | None = None) -> int:
    """Keep one case record; its id."""
    values = {"key": key, "party": party, "action": action, "outcome": outcome, "reason": valid_reason(reason),
              "location": plain_text("location", location, 200, "a place name or a position"), "tx_hash": tx_hash,
              "created_at": datetime.now(UTC)}
    with engine.begin() as conn:
        row = conn.execute(insert(CaseRecord).values(**values).returning(col(CaseRecord.id))).scalar_one()
    assert row is not None  # a primary key
    return row


def cases_of(engine: Engine, key: str, limit: int = 20) -> list[Case]:
    """The latest case records of the item ``key`` (canonical), newest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(CaseRecord).where(col(CaseRecord.key) == key)
                            .order_by(col(CaseRecord.id).desc()).limit(limit)).all()
    return [Case(r.id, r.key, r.party, r.action, r.outcome, r.reason, r.location, r.tx_hash, r.created_at) for r in rows]
