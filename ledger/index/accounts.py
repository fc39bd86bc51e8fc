"""Web accounts: people who sign in (argon2 password hashes), their sessions, and machine clients' API tokens.

Each account acts for one ledger party. A token is 256 random bits shown once; only its
SHA-256 is stored, which is enough for a secret that cannot be guessed (argon2's cost is
for low-entropy passwords) and lets every API request look a token up by its hash. A
browser session is a random id in the signed cookie with a row here (again only its
hash), checked on every request, so signing out, removing the user or changing the
password ends it on the server, not only in the browser that signed out.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from functools import cache
from typing import Any, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Delete, delete, func, select
from sqlalchemy.engine import CursorResult, Engine
from sqlmodel import Session, col

from ..chain.roles import Role
from ..errors import InvalidInput, StateConflict, UnknownParty
from ..untrusted import MAX_NAME, is_name, plain_text
from .engine import unit_of_work
from .models import ApiToken, Party, WebSession, WebUser

__all__ = [
    "MIN_PASSWORD",
    "TOKEN_PREFIX",
    "Account",
    "RemovedUser",
    "SessionEnd",
    "TokenInfo",
    "UserInfo",
    "authenticate",
    "check_new_user",
    "create_token",
    "create_user",
    "end_session",
    "list_tokens",
    "list_users",
    "remove_user",
    "revoke_token",
    "session_account",
    "set_password",
    "start_session",
    "token_account",
]

TOKEN_PREFIX = "plt_"
MIN_PASSWORD = 10
# A token's id is the start of its SHA-256: enough to tell a ledger's tokens apart, and it says
# nothing about the secret.
TOKEN_ID_LENGTH = 12
_hasher = PasswordHasher()
_USER_SYMBOLS = "-_.@"


@cache
def _dummy_hash() -> str:
    """Verifying against this keeps sign-in time the same whether or not the user exists. Made on first use, not
    on import (an argon2 hash is a good part of `ledger verify`'s start-up), and every sign-in asks for it before
    looking the user up, so the first one pays for it whoever signs in."""
    return _hasher.hash("not a password of anyone")


@dataclass(frozen=True, slots=True)
class Account:
    """Who is acting: the web user and the party (name, address, role) it acts for."""

    user: str
    party: str
    address: str
    role: Role


@dataclass(frozen=True, slots=True)
class UserInfo:
    """A web user as `ledger user list` shows it."""

    name: str
    party: str
    role: str
    created_at: datetime
    tokens: int


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """An API token as `ledger token list` shows it: never the secret, which is not stored."""

    id: str
    label: str
    user: str
    created_at: datetime
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class RemovedUser:
    """What removing a user revoked with it."""

    name: str
    tokens: int
    sessions: int


class SessionEnd(Enum):
    """Why a session cookie no longer signs anyone in."""

    EXPIRED = "expired"  # older than the session lifetime
    ENDED = "ended"  # signed out, or its user was removed or changed password


def _account(s: Session, user: WebUser) -> Account:
    party = s.get(Party, user.party)
    if party is None:
        raise UnknownParty(user.party)
    return Account(user.name, party.name, party.address, Role(party.role))


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput("password", "(hidden)", f"is shorter than {MIN_PASSWORD} characters", "a longer passphrase")


def _user(s: Session, name: str) -> WebUser:
    user = s.get(WebUser, name)
    if user is None:
        raise InvalidInput("user", name, "is not a web user", "a name from `ledger user list`")
    return user


def _new_user_party(s: Session, name: str, party_name: str) -> Party:
    """The party a new user ``name`` would act for; refuses a bad or taken name and an unknown party."""
    if not is_name(name, _USER_SYMBOLS):
        raise InvalidInput("user name", name, "is empty, too long or has spaces/symbols", "letters, digits, - _ . @ (≤ 80)")
    party = s.scalars(select(Party).where(col(Party.name) == party_name)).first() if is_name(party_name) else None
    if party is None:
        raise UnknownParty(party_name)
    if s.get(WebUser, name) is not None:
        raise StateConflict(f"user {name}", "already exists")
    return party


def check_new_user(engine: Engine, name: str, party_name: str) -> None:
    """Refuse a user that :func:`create_user` would refuse for its name or party, before a password is asked for."""
    with Session(engine) as s:
        _new_user_party(s, name.strip(), party_name)


def create_user(engine: Engine, name: str, party_name: str, password: str) -> Account:
    name = name.strip()
    _check_password(password)
    with unit_of_work(engine) as s:
        party = _new_user_party(s, name, party_name)
        user = WebUser(name=name, party=party.address, password_hash=_hasher.hash(password), created_at=datetime.now(UTC))
        s.add(user)
        return Account(name, party.name, party.address, Role(party.role))


def set_password(engine: Engine, name: str, password: str) -> int:
    """Give ``name`` a new password and end its sessions (a stolen one must not outlive the change); how many."""
    _check_password(password)
    with unit_of_work(engine) as s:
        _user(s, name).password_hash = _hasher.hash(password)
        return _delete_count(s, delete(WebSession).where(col(WebSession.user) == name))


def remove_user(engine: Engine, name: str) -> RemovedUser:
    """Delete the user ``name`` with its API tokens and sessions, in one transaction."""
    with unit_of_work(engine) as s:
        user = _user(s, name)
        tokens = _delete_count(s, delete(ApiToken).where(col(ApiToken.user) == name))
        sessions = _delete_count(s, delete(WebSession).where(col(WebSession.user) == name))
        s.delete(user)
    return RemovedUser(name, tokens, sessions)


def list_users(engine: Engine) -> list[UserInfo]:
    tokens = select(func.count()).where(col(ApiToken.user) == col(WebUser.name)).scalar_subquery()
    with Session(engine) as s:
        rows = s.execute(select(WebUser, Party, tokens).join(Party, col(Party.address) == col(WebUser.party))
                         .order_by(col(WebUser.name))).all()
    return [UserInfo(user.name, party.name, party.role, user.created_at, count) for user, party, count in rows]


def _delete_count(s: Session, statement: Delete) -> int:
    # A DML statement's result is a cursor result, which has the row count; the stubs say only Result.
    return cast("CursorResult[Any]", s.execute(statement)).rowcount


def authenticate(engine: Engine, name: str, password: str) -> Account | None:
    """The account if the password matches, else None (same work either way)."""
    dummy = _dummy_hash()
    with Session(engine) as s:
        user = s.get(WebUser, name) if is_name(name, _USER_SYMBOLS) else None
        try:
            _hasher.verify(user.password_hash if user else dummy, password)
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
        _user(s, user_name)
        s.add(ApiToken(token_hash=_digest(token), user=user_name, label=label[:80], created_at=now,
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


def _token_info(row: ApiToken) -> TokenInfo:
    return TokenInfo(row.token_hash[:TOKEN_ID_LENGTH], row.label, row.user, row.created_at, row.expires_at)


def list_tokens(engine: Engine, user: str | None = None) -> list[TokenInfo]:
    query = select(ApiToken).order_by(col(ApiToken.user), col(ApiToken.created_at))
    with Session(engine) as s:
        if user is not None:
            _user(s, user)
            query = query.where(col(ApiToken.user) == user)
        return [_token_info(row) for row in s.scalars(query)]


def revoke_token(engine: Engine, token_id: str | None = None, label: str | None = None,
                 user: str | None = None) -> TokenInfo:
    """Delete the one token with this id (or id prefix) or label, of ``user`` if given; refused if not exactly one."""
    if (token_id is None) == (label is None):
        raise InvalidInput("token", token_id or label, "is not one id or one label", "an id or a label from `ledger token list`")
    query = select(ApiToken)
    if token_id is not None:
        token_id = token_id.strip().lower()
        if not (8 <= len(token_id) <= 64 and all(c in "0123456789abcdef" for c in token_id)):
            raise InvalidInput("token id", token_id, "is not 8 to 64 hex digits", "the id from `ledger token list`")
        query = query.where(col(ApiToken.token_hash).startswith(token_id))
        wanted = f"id {token_id}"
    else:
        query = query.where(col(ApiToken.label) == label)
        wanted = f"label {label!r}"
    with unit_of_work(engine) as s:
        if user is not None:
            _user(s, user)
            query = query.where(col(ApiToken.user) == user)
        rows = list(s.scalars(query.limit(2)))
        if len(rows) != 1:
            problem = "matches no token" if not rows else "matches more than one token"
            raise InvalidInput("token", wanted + (f" of {user}" if user else ""), problem,
                               "an id from `ledger token list` (or a label only one token has)")
        s.delete(rows[0])
        return _token_info(rows[0])


def start_session(engine: Engine, user_name: str, lifetime: timedelta) -> str:
    """A new session id for ``user_name`` lasting ``lifetime``; sessions past their end are swept out here."""
    session_id = secrets.token_urlsafe(32)
    now = int(time.time())
    with unit_of_work(engine) as s:
        _user(s, user_name)
        s.execute(delete(WebSession).where(col(WebSession.expires_at) < now))
        s.add(WebSession(id_hash=_digest(session_id), user=user_name, created_at=now,
                         expires_at=now + int(lifetime.total_seconds())))
    return session_id


def session_account(engine: Engine, session_id: str) -> Account | SessionEnd:
    """The account a session cookie's id signs in, or why it no longer does."""
    with Session(engine) as s:
        row = s.get(WebSession, _digest(session_id))
        if row is None:
            return SessionEnd.ENDED
        if row.expires_at < time.time():
            return SessionEnd.EXPIRED
        return _account(s, _user(s, row.user))


def end_session(engine: Engine, session_id: str) -> None:
    with unit_of_work(engine) as s:
        s.execute(delete(WebSession).where(col(WebSession.id_hash) == _digest(session_id)))
