"""Errors become responses here and only here: JSON under /api/, a plain page elsewhere; never a traceback.

An action whose outcome on chain is not known yet (ActionPending) is 202 Accepted, not an error:
it was sent and `ledger sync` or the next start finishes it. An index database that cannot be
reached is 503, logged once per outage (see ledger.index.engine), not a traceback per request.

The JSON keeps the error's kind as its code (``"error": "InvalidCode"``); a page is for people: its
heading says in plain words what kind of trouble it is (:data:`PAGE_TITLES`), never a class or a
library name, and it links back to the page the person came from. The forms where people type (scan,
inspection) do not come here for a wrong value: they are shown again with the message and the values sent.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy.engine import Engine
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from ledger.errors import ActionPending, IndexUnavailable, InvalidInput, LedgerError
from ledger.index.engine import outage, unavailable

from .context import ledger as current_ledger

__all__ = ["INVALID_TOKEN", "UNEXPECTED", "error_json", "index_unavailable", "ledger_error_json", "register"]

log = logging.getLogger(__name__)

# A page's heading by HTTP status: what a person needs to know, in plain words.
PAGE_TITLES = {
    202: "Sent; not confirmed yet",
    400: "Please check what was entered",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    405: "Not possible here",
    409: "Already done, or not possible now",
    413: "The upload is too large",
    502: "The chain refused this",
    503: "Please try again shortly",
}
_PAGE_TITLE = "Something went wrong"

def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/epcis"))


# The EPCIS REST bindings answer errors as RFC 7807 problem documents naming the EPCIS exception.
_EPCIS_EXCEPTIONS = {400: "QueryParameterException", 401: "SecurityException", 403: "SecurityException",
                     404: "NoSuchNameException", 405: "ValidationException", 406: "ValidationException",
                     413: "QueryTooLargeException", 503: "ImplementationException"}


def _epcis_problem(status: int, message: str, title: str) -> BaseResponse:
    kind = _EPCIS_EXCEPTIONS.get(status, "ImplementationException")
    body = jsonify({"type": f"epcisException:{kind}", "title": title, "status": status, "detail": message})
    body.status_code = status
    body.content_type = "application/problem+json"
    if status == 401:
        body.headers["WWW-Authenticate"] = 'Ledger realm="epcis"'
    return body


def error_json(status: int, message: str, title: str, **extra: object) -> dict[str, object]:
    """The JSON body of an API error."""
    return {"error": title, "message": message, "status": status, **extra}


def _details(exc: LedgerError) -> dict[str, object]:
    if isinstance(exc, InvalidInput):
        return {"field": exc.field}
    if isinstance(exc, ActionPending):  # what a client needs to follow it up
        return {"root": exc.root, "tx_hash": exc.tx_hash}
    return {}


def index_unavailable(engine: Engine, exc: BaseException) -> IndexUnavailable | None:
    """The IndexUnavailable that ``exc`` amounts to, noted in the engine's outage (one log line per outage)."""
    found = unavailable(exc)
    if found is not None:
        outage(engine).failed(found.detail)
    return found


def ledger_error_json(exc: LedgerError) -> tuple[int, dict[str, object]]:
    """The HTTP status and JSON body for a domain error."""
    status = exc.http_status
    return status, error_json(status, exc.message, type(exc).__name__, **_details(exc))


def respond(status: int, message: str, title: str, **extra: object) -> BaseResponse:
    if request.path.startswith("/epcis"):
        return _epcis_problem(status, message, title)
    if _wants_json():
        body = jsonify(error_json(status, message, title, **extra))
        body.status_code = status
        return body
    back = request.referrer if request.referrer and request.referrer.startswith(request.host_url) else None
    return Response(render_template("error.html", status=status, title=PAGE_TITLES.get(status, _PAGE_TITLE),
                                    message=_sentence(message), back=back), status)


def _sentence(message: str) -> str:
    """A message as a sentence: capital first letter, full stop."""
    message = message.strip()
    return (message[:1].upper() + message[1:] + ("" if message.endswith((".", "!", "?")) else ".")) if message else ""


def _ledger_error(exc: LedgerError) -> BaseResponse:
    if isinstance(exc, IndexUnavailable):
        index_unavailable(current_ledger().engine, exc)
    return respond(exc.http_status, exc.message, type(exc).__name__, **_details(exc))


def _http_error(exc: HTTPException) -> BaseResponse:
    status = exc.code or 500
    if status == 401 and not _wants_json():
        return redirect(url_for("auth.sign_in", next=request.full_path))
    if status == 413:
        message = f"the upload is larger than {request.max_content_length or 0:,} bytes; send a smaller photo"
    else:
        message = exc.description or exc.name
    return respond(status, message, exc.name)


def _csrf_error(exc: CSRFError) -> BaseResponse:
    return respond(400, "the form has expired or was not sent from this site; reload the page and try again",
                   "CSRF check failed")


UNEXPECTED = (500, "an unexpected error occurred; it has been logged", "Internal Server Error")
# The Flask views (web/api.py) and the lean verify endpoint answer a token that signs no one in alike.
INVALID_TOKEN = (401, "the API token is unknown, expired or revoked; ask for a new one (`ledger token create`)",
                 "Unauthorized")


def _unexpected(exc: Exception) -> BaseResponse:
    found = index_unavailable(current_ledger().engine, exc)  # the database's errors are not ledger errors
    if found is not None:
        return _ledger_error(found)
    log.exception("unexpected error on %s %s", request.method, request.path)
    return respond(*UNEXPECTED)


def register(app: Flask) -> None:
    app.register_error_handler(LedgerError, _ledger_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
