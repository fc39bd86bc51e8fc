"""Request context: the app's verifier and ledger, and who is acting (session user or API token)."""

from __future__ import annotations

from flask import current_app, g, request, session

from ledger.custody.ledger import Ledger
from ledger.index.accounts import Account, SessionEnd, session_account, token_account
from ledger.verify.verifier import Verifier

from ._api_bodies import bearer_token

__all__ = ["EXTENSION", "current_account", "ledger", "session_expired", "token_of_request", "verifier"]

EXTENSION = "provenance_verifier"


def verifier() -> Verifier:
    found: Verifier = current_app.extensions[EXTENSION]
    return found


def ledger() -> Ledger:
    return verifier().ledger


def session_expired() -> bool:
    """True if this request, or the one redirected here, carried an expired session (then cleared)."""
    return bool(g.get("session_expired")) or bool(session.pop("expired", False))


def _session_account() -> Account | None:
    session_id = session.get("sid")
    if not session_id:
        return None
    # Looked up on the server: a copied cookie must not outlive the session, its sign-out or its user.
    found = session_account(ledger().engine, session_id)
    if isinstance(found, Account):
        return found
    session.clear()
    if found is SessionEnd.EXPIRED:
        session["expired"] = True  # so the sign-in page the guard redirects to can say why
        g.session_expired = True
    return None


def token_of_request() -> str | None:
    return bearer_token(request.headers.get("Authorization", ""))


def current_account() -> Account | None:
    """The signed-in user, or the API token's user; cached for the request."""
    if "account" not in g:
        token = token_of_request()
        g.account = token_account(ledger().engine, token) if token else _session_account()
    found: Account | None = g.account
    return found
