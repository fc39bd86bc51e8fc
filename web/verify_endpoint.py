"""POST /api/v1/verify for scanners and API clients, served ahead of Flask's request machinery.

Every scan at every reader is one such request, so it is the one route whose cost sets how
many officers a server can serve. Profiled under load (BENCHMARKS.md, verifier section),
Flask's request and app contexts, routing, session handling and response object were about a
third of the worker CPU of a verification; this WSGI middleware answers the common request —
no cookie, a JSON body of known length — with the same parsing, verifier and JSON as the Flask
view (:mod:`web._api_bodies`), and hands every other request to Flask unchanged. Requests with
a cookie go to Flask because only Flask can read its signed session. The tests compare both
paths' answers (status, headers, body) byte for byte.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING

from ledger.errors import IndexUnavailable, LedgerError
from ledger.geo import Location
from ledger.index.accounts import token_account
from ledger.verify.report import verification_json
from ledger.verify.verifier import Verifier

from ._api_bodies import VerifyBody, bearer_token, dump_json, is_json_type, location_of, read_body
from .errors import INVALID_TOKEN, UNEXPECTED, error_json, index_unavailable, ledger_error_json

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["PATH", "VerifyEndpoint"]

PATH = "/api/v1/verify"
# A verify body is a code and a location, well under 1 KiB; larger ones go to Flask, whose
# MAX_CONTENT_LENGTH answers 413 where it applies.
_MAX_BODY = 64 * 1024

log = logging.getLogger(__name__)


class VerifyEndpoint:
    """WSGI middleware: answers cookie-less ``POST /api/v1/verify`` itself, passes the rest to ``app``."""

    def __init__(self, app: WSGIApplication, verifier: Verifier, sites: Mapping[str, Location],
                 headers: Iterable[tuple[str, str]], max_content_length: int | None) -> None:
        self.app = app
        self.max_body = min(_MAX_BODY, max_content_length or _MAX_BODY)
        self.verifier = verifier
        self.sites = sites
        self.headers = [("Content-Type", "application/json"), *headers]

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        length = environ.get("CONTENT_LENGTH", "")
        # isascii: str.isdigit() also takes digits such as "²" that int() refuses.
        if (environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST" or "HTTP_COOKIE" in environ
                or not (length.isascii() and length.isdigit() and len(length) <= 9) or int(length) > self.max_body):
            return self.app(environ, start_response)
        token = bearer_token(environ.get("HTTP_AUTHORIZATION", ""))
        status, body, asked_session = self._answer(environ, environ["wsgi.input"].read(int(length)), token)
        payload = dump_json(body)
        # As Flask says when the view looked for a signed-in session: a cookie could change the answer.
        vary = [("Vary", "Cookie")] if asked_session else []
        start_response(f"{status} {HTTPStatus(status).phrase}",
                       [*self.headers, *vary, ("Content-Length", str(len(payload)))])
        return [payload]

    def _answer(self, environ: WSGIEnvironment, raw: bytes,
                token: str | None) -> tuple[int, dict[str, object], bool]:
        """Status, JSON body, and whether the account was looked for in a session (no token, body parsed)."""
        asked_session = False
        try:
            # The token first, as the Flask blueprint's guard does: a revoked one is refused whatever the body.
            account = token_account(self.verifier.ledger.engine, token) if token else None
            if token and account is None:
                status, message, title = INVALID_TOKEN
                return status, error_json(status, message, title), asked_session
            body = read_body(VerifyBody, raw, is_json_type(environ.get("CONTENT_TYPE", "")))
            asked_session = token is None
            result = self.verifier.verify(body.code, location_of(body, self.sites), account)
            return 200, verification_json(result, with_custody=account is not None), asked_session
        except LedgerError as exc:
            if isinstance(exc, IndexUnavailable):
                index_unavailable(self.verifier.ledger.engine, exc)
            return (*ledger_error_json(exc), asked_session)
        except Exception as exc:
            found = index_unavailable(self.verifier.ledger.engine, exc)
            if found is not None:
                return (*ledger_error_json(found), asked_session)
            log.exception("unexpected error on POST %s", PATH)
            status, message, title = UNEXPECTED
            return status, error_json(status, message, title), asked_session
