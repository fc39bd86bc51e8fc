"""Application factory: one :class:`~ledger.custody.ledger.Ledger` per app, blueprints per concern, strict headers.

The ledger is opened once and kept in ``app.extensions``; the embedded chain allows one
opener per process and serialises its requests itself, SQLAlchemy's pool serves threads.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.wrappers import Request
from flask_wtf.csrf import CSRFProtect

from ledger.custody.ledger import Ledger
from ledger.settings import Settings
from ledger.verify.sites import INSPECTION_SITES
from ledger.verify.verdicts import Rules
from ledger.verify.verifier import Verifier

from . import actions, api, auth, epcis_rest, errors, intel, pages, portal, products, resolver, scan
from .context import EXTENSION
from .verify_endpoint import VerifyEndpoint

__all__ = ["create_app"]

# A phone photo is 2–8 MB; the image decoder refuses more than 20 MB anyway.
MAX_UPLOAD_BYTES = 16 * 1024 * 1024
_CSP = ("default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; script-src 'self'; style-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
_SECURITY_HEADERS = (
    ("Content-Security-Policy", _CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(self), geolocation=(self)"),
)


def _secret_key(settings: Settings) -> str:
    """A key kept in the ledger home (mode 0600), so every worker and restart shares the session key."""
    path = Path(settings.home) / "web-secret"
    if not path.exists():
        settings.home.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, without building a signer for requests that carry no cookie.

    Scanners and API clients send none, and constructing the signing serializer per request was
    ~5% of the verify path's samples in py-spy; with no cookie there is nothing to verify, so the
    result is the same new, empty session (saved, as before, only if the view writes to it).
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)


def _utc(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """``config`` may hold ``LEDGER`` (an open ledger, e.g. in tests) or ``LEDGER_SETTINGS``; else the environment."""
    app = Flask(__name__)
    app.session_interface = _SessionInterface()
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # the session's own expiry bounds the token
        VERDICT_RULES=Rules(),
        INSPECTION_SITES=INSPECTION_SITES,
    )
    app.config.update(config or {})
    ledger: Ledger | None = app.config.get("LEDGER")
    if ledger is None:
        settings = app.config.get("LEDGER_SETTINGS") or Settings.from_env()
        ledger = Ledger.open(settings)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(ledger.settings)
    verifier = Verifier(ledger, app.config["VERDICT_RULES"])
    app.extensions[EXTENSION] = verifier
    app.json.sort_keys = False  # type: ignore[attr-defined]  # fields in the order the API document gives them

    csrf = CSRFProtect(app)
    csrf.exempt(api.blueprint)  # bearer tokens, not cookies: no cross-site request can carry one
    csrf.exempt(epcis_rest.blueprint)  # reads only, authenticated by chain-key signatures or tokens
    for module in (auth, scan, resolver, actions, pages, intel, products, portal, api, epcis_rest):
        app.register_blueprint(module.blueprint)
    errors.register(app)
    app.add_template_filter(_utc, "utc")

    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in _SECURITY_HEADERS:
            response.headers.setdefault(name, value)
        return response

    app.wsgi_app = VerifyEndpoint(app.wsgi_app, verifier, app.config["INSPECTION_SITES"],  # type: ignore[method-assign]
                                  _SECURITY_HEADERS, app.config["MAX_CONTENT_LENGTH"])
    return app
