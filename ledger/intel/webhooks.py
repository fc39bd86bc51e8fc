"""Webhook deliveries: signed so the receiver can check them, retried with backoff, logged.

Each delivery is an HTTP POST of the alert's JSON with three headers:

* ``X-Ledger-Signature: t=<unix time>,v1=<hex HMAC-SHA-256 of "<t>.<body>" under the subscription's secret>``
  (the time is signed too, so a receiver can refuse replays: :func:`check_signature`);
* ``X-Ledger-Delivery``: the delivery's id, the same on every retry (receivers drop duplicates by it);
* ``X-Ledger-Alert``: the kind of alert.

A 2xx answer delivers it. Anything else (another status, a refused connection, a timeout) is
retried after 2, 4, 8 … seconds (doubling, at most an hour apart) until :data:`MAX_ATTEMPTS`,
then the delivery is ``failed``. Every attempt's status or error is kept in the delivery log.

The queue is also the e-mail channel's (:mod:`ledger.intel.mail`): a subscription with an e-mail
address gets its deliveries as messages through the SMTP server of :class:`Mailer`, with the same
retries and log (``last_status`` is then the SMTP reply code of a refusal, e.g. 451).

>>> header = sign(b"k" * 32, 1_780_000_000, b'{"kind":"clone"}')
>>> header.startswith("t=1780000000,v1=")
True
>>> check_signature(b"k" * 32, header, b'{"kind":"clone"}', now=1_780_000_030)
True
>>> check_signature(b"k" * 32, header, b'{"kind":"clones"}', now=1_780_000_030)
False
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

import requests
from sqlalchemy import text
from sqlalchemy.engine import Engine

from ..index.engine import unit_of_work
from ..settings import SmtpSettings
from .mail import SmtpRefused, message, send

__all__ = ["MAX_ATTEMPTS", "TIMEOUT_SECONDS", "DeliveryRow", "Mailer", "backoff", "check_signature", "deliver_due",
           "delivery_log", "sign"]

MAX_ATTEMPTS = 10
TIMEOUT_SECONDS = 5.0
SIGNATURE_TOLERANCE = 300  # seconds a receiver should accept between the signed time and its clock


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def check_signature(secret: bytes, header: str, body: bytes, now: int, tolerance: int = SIGNATURE_TOLERANCE) -> bool:
    """What a receiver does: the signature matches the body and its time is within ``tolerance`` of ``now``."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    if not fields.get("t", "").isdigit() or "v1" not in fields:
        return False
    timestamp = int(fields["t"])
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return abs(now - timestamp) <= tolerance and hmac.compare_digest(expected, fields["v1"])


def backoff(attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th failed attempt.

    >>> [backoff(n) for n in (1, 2, 3, 12, 40)]
    [2, 4, 8, 3600, 3600]
    """
    return int(min(3600, 2 ** min(attempts, 12)))


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    subscription: int
    alert: str
    kind: str
    status: str
    attempts: int
    next_attempt_at: int
    last_status: int | None
    last_error: str
    created_at: int
    delivered_at: int | None


@dataclass(frozen=True)
class Mailer:
    """How e-mail deliveries leave: the SMTP server (None: none configured, and e-mail deliveries fail and are
    retried until one is) and the web app's base URL the messages link to."""

    smtp: SmtpSettings | None
    base_url: str


_DUE = ("SELECT d.id, d.payload, d.attempts, d.kind, s.url, s.secret, s.email FROM delivery d "
        "JOIN subscription s ON s.id = d.subscription "
        "WHERE d.status = 'pending' AND d.next_attempt_at <= :now ORDER BY d.next_attempt_at, d.id LIMIT :limit")


def _post(http: requests.Session, url: str, secret: str, data: bytes, now: int, delivery_id: int, kind: str
          ) -> tuple[int | None, str]:
    try:
        answer = http.post(url, data=data, timeout=TIMEOUT_SECONDS, allow_redirects=False, headers={
            "Content-Type": "application/json", "User-Agent": "provenance-ledger-alerts",
            "X-Ledger-Signature": sign(bytes.fromhex(secret), now, data), "X-Ledger-Delivery": str(delivery_id),
            "X-Ledger-Alert": kind})
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {exc}"[:200]
    return answer.status_code, "" if 200 <= answer.status_code < 300 else f"HTTP {answer.status_code}"


def _mail(mailer: Mailer | None, to: str, body: str, delivery_id: int) -> tuple[int | None, str]:
    if mailer is None or mailer.smtp is None:
        return None, "no SMTP server configured (LEDGER_SMTP_HOST)"
    try:
        send(mailer.smtp, message(json.loads(body), to, mailer.smtp.sender, mailer.base_url, delivery_id))
    except SmtpRefused as exc:
        return (exc.code or None), str(exc)
    except OSError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:200]
    return 250, ""


def deliver_due(engine: Engine, now: int, session: requests.Session | None = None, limit: int = 100,
                mailer: Mailer | None = None) -> list[DeliveryRow]:
    """Attempt every pending delivery that is due (webhooks by HTTP, e-mail through ``mailer``); returns the
    deliveries as they stand after the attempts."""
    with engine.connect() as conn:
        due = conn.execute(text(_DUE), {"now": now, "limit": limit}).all()
    http = session or requests.Session()
    for delivery_id, body, attempts, kind, url, secret, email in due:
        if email:
            status, error = _mail(mailer, str(email), str(body), int(delivery_id))
        else:
            status, error = _post(http, str(url), str(secret), str(body).encode(), now, int(delivery_id), str(kind))
        tried = int(attempts) + 1
        with unit_of_work(engine) as s:
            if not error:
                s.connection().execute(text(
                    "UPDATE delivery SET status = 'delivered', attempts = :n, last_status = :st, last_error = '', "
                    "delivered_at = :now WHERE id = :id"), {"n": tried, "st": status, "now": now, "id": delivery_id})
            else:
                s.connection().execute(text(
                    "UPDATE delivery SET status = :state, attempts = :n, last_status = :st, last_error = :err, "
                    "next_attempt_at = :next WHERE id = :id"),
                    {"state": "failed" if tried >= MAX_ATTEMPTS else "pending", "n": tried, "st": status, "err": error,
                     "next": now + backoff(tried), "id": delivery_id})
    return delivery_log(engine, ids=[int(d[0]) for d in due])


def delivery_log(engine: Engine, subscription: int | None = None, limit: int = 50, ids: list[int] | None = None) -> list[DeliveryRow]:
    """Deliveries, newest first: all, one subscription's, or the given ids."""
    where, params = "1 = 1", {"limit": limit}
    if subscription is not None:
        where, params = "subscription = :sub", {"limit": limit, "sub": subscription}
    if ids is not None:
        if not ids:
            return []
        where = "id IN (" + ", ".join(str(int(i)) for i in ids) + ")"
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT id, subscription, alert, kind, status, attempts, next_attempt_at, last_status, last_error, created_at, "
            f"delivered_at FROM delivery WHERE {where} ORDER BY id DESC LIMIT :limit"), params).all()
    return [DeliveryRow(*r) for r in rows]
