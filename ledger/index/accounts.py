"""Web accounts: people who sign in (argon2 password hashes) and machine clients' API tokens.

Each account acts for one ledger party. A token is 256 random bits shown once; only its
SHA-256 is stored, which is enough for a secret that cannot be guessed (argon2's cost is
for low-entropy passwords) and lets every API request look a token up by its hash.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from ..chain.roles import Role
from ..errors import InvalidInput, StateConflict, UnknownParty
from ..untrusted import MAX_NAME, is_name, plain_text
from .engine import unit_of_work
from .models import ApiToken, Party, WebUser

__all__ = ["TOKEN_PREFIX", "Account", "authenticate", "create_token", "create_user", "token_account"]

TOKEN_PREFIX = "plt_"
MIN_PASSWORD = 10
_hasher = PasswordHasher()
_USER_SYMBOLS = "-_.@"
# Verifying against this keeps sign-in time the same whether or not the user exists.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


@dataclass(frozen=True, slots=True)
class Account:
    """Who is acting: the web user and the party (name, address, role) it acts for."""

    user: str
    party: str
    address: str
    role: Role


def _account(s: Session, user: WebUser) -> Account:
    party = s.get(Party, user.party)
    if party is None:
        raise UnknownParty(user.party)
    return Account(user.name, party.name, party.address, Role(party.role))


def create_user(engine: Engine, name: str, party_name: str, password: str) -> Account:
    name = name.strip()
    if not is_name(name, _USER_SYMBOLS):
        raise InvalidInput("user name", name, "is empty, too long or has spaces/symbols", "letters, digits, - _ . @ (≤ 80)")
    if len(password) < MIN_PASSWORD:
        raise InvalidInput("password", "(hidden)", f"is shorter than {MIN_PASSWORD} characters", "a longer passphrase")
    with unit_of_work(engine) as s:
        party = s.scalars(select(Party).where(col(Party.name) == party_name)).first() if is_name(party_name) else None
        if party is None:
            raise UnknownParty(party_name)
        if s.get(WebUser, name) is not None:
            raise StateConflict(f"user {name}", "already exists")
        user = WebUser(name=name, party=party.address, password_hash=_hasher.hash(password), created_at=datetime.now(UTC))
        s.add(user)
        return Account(name, party.name, party.address, Role(party.role))


def authenticate(engine: Engine, name: str, password: str) -> Account | None:
    """The account if the password matches, else None (same work either way)."""
    with Session(engine) as s:
        user = s.get(WebUser, name) if is_name(name, _USER_SYMBOLS) else None
        try:
            _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        return _account(s, user) if user else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(engine: Engine, user_name: str, label: str = "", days: int | None = None) -> str:
    """A new token for ``user_name``; returned once, never stored."""
    if days is not None and days < 1:
        raise InvalidInput("days", days, "is not positive", "a number of days ≥ 1, or none for no expiry")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    label = plain_text("token label", label[:MAX_NAME], MAX_NAME, "a short note of what the token is for")
    with unit_of_work(engine) as s:
        if not is_name(user_name, _USER_SYMBOLS) or s.get(WebUser, user_name) is None:
            raise InvalidInput("user", user_name, "is not a web user", "a name from `ledger user add`")
        s.add(ApiToken(token_hash=_digest(token), user=user_name, label=label, created_at=now,
                       expires_at=now + timedelta(days=days) if days else None))
    return token


def token_account(engine: Engine, token: str) -> Account | None:
    """The account a bearer token belongs to, or None if it is unknown or expired."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    with Session(engine) as s:
        row = s.get(ApiToken, _digest(token))
        if row is None:
            return None
        expires = row.expires_at
        if expires is not None and (expires if expires.tzinfo else expires.replace(tzinfo=UTC)) < datetime.now(UTC):
            return None
        user = s.get(WebUser, row.user)
        return _account(s, user) if user else None
