"""One-time submission tokens: a form (or an API call's Idempotency-Key) acts at most once.

The token is inserted before the action runs; the primary key turns a repeated or a
concurrent second submission into a clean 409 instead of a second anchor on chain.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from ledger.errors import InvalidInput, StateConflict
from ledger.index.models import Submission
from ledger.untrusted import plain_text

from .context import ledger

__all__ = ["consume", "issue", "release"]


def issue() -> str:
    return secrets.token_urlsafe(24)


def consume(token: str | None, required: bool = True) -> str | None:
    """Claim ``token``; StateConflict if it was claimed before. None if absent and not required."""
    if not token:
        if required:
            raise InvalidInput("submission token", "", "is missing", "the form as served (reload the page)")
        return None
    plain_text("submission token", token, 64, "a short unique key (an Idempotency-Key of at most 64 characters)")
    try:
        with ledger().engine.begin() as conn:
            conn.execute(insert(Submission).values(token=token, created_at=datetime.now(UTC)))
    except IntegrityError:
        raise StateConflict("this submission", "was already received; it is not done twice") from None
    return token


def release(token: str | None) -> None:
    """Free a token whose action failed before reaching the chain, so the user may retry."""
    if token:
        with ledger().engine.begin() as conn:
            conn.execute(delete(Submission).where(col(Submission.token) == token))
