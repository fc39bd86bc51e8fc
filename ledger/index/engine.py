"""Database set-up: the engine for a URL, a unit-of-work session, and outages
(the schema is :mod:`.migrate`'s).

When the index database goes away (refused, dropped, not accepting connections), every
request that needs it gets :class:`~ledger.errors.IndexUnavailable` (HTTP 503) and the
process logs one line when the outage starts and one when a statement succeeds again.
Connections the server closed meanwhile are noticed at checkout and replaced, so the first
requests after the database is back do not fail on stale connections.
"""

from __future__ import annotations

import logging
import select
import sqlite3
import sys
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlmodel import Session, create_engine

from ..errors import IndexUnavailable
from ..files import private_sqlite_file

__all__ = ["Outage", "open_engine", "outage", "unavailable", "unit_of_work"]

log = logging.getLogger(__name__)

_POOL_SIZE = 16  # at least `ledger serve --threads` (default 4), with room for more threads


def open_engine(url: str) -> Engine:
    """Create the engine (pool, SQLite pragmas); :func:`.migrate.upgrade_index` makes or upgrades the schema."""
    # The pool keeps at least as many connections as `ledger serve` has threads per process: with fewer,
    # every burst opens and closes overflow connections (on PostgreSQL a backend fork each).
    pool = {"pool_size": _POOL_SIZE, "max_overflow": _POOL_SIZE}
    if url.startswith("sqlite"):
        private_sqlite_file(url)  # it keeps password and token hashes
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **pool)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        # No pool_pre_ping: it costs a round trip on every checkout, a third of a verification's. A
        # connection the server closed is seen at checkout without one (_closed_by_server).
        engine = create_engine(url, **pool)
        event.listen(engine, "checkout", _closed_by_server)
    event.listen(engine, "after_cursor_execute", _answered)
    _outages[engine] = Outage()
    return engine


def _closed_by_server(dbapi_connection: Any, _record: object, _proxy: object) -> None:
    """Pool checkout: refuse a connection the server has closed (restart, pg_terminate_backend).

    An idle connection has nothing to read; the server's goodbye (a FATAL message, then EOF) makes
    its socket readable. One poll(2) sees that; the pool then discards it and connects anew.
    """
    try:
        poller = select.poll()
        poller.register(dbapi_connection.fileno(), select.POLLIN)
        closed = bool(poller.poll(0))
    except Exception:  # noqa: BLE001 - the driver already knows it closed (fileno raises): just as dead
        closed = True
    if closed:
        raise DisconnectionError("the server closed this connection while it was idle in the pool")


class Outage:
    """Whether the index database is down: so an outage is logged once when it starts and once when it ends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.since: float | None = None

    def failed(self, detail: str) -> None:
        with self._lock:
            if self.since is None:
                self.since = time.monotonic()
                log.error("index database unavailable (%s): answering 503 until it is back", detail)

    def answered(self) -> None:
        if self.since is None:  # the usual case: one attribute read
            return
        with self._lock:
            if self.since is not None:
                log.warning("index database available again after %.0f s", time.monotonic() - self.since)
                self.since = None


_outages: weakref.WeakKeyDictionary[Engine, Outage] = weakref.WeakKeyDictionary()


def outage(engine: Engine) -> Outage:
    """The outage state of ``engine`` (one per engine opened by :func:`open_engine`)."""
    found = _outages.get(engine)  # not setdefault: that would build an Outage per call on the verify path
    return found if found is not None else _outages.setdefault(engine, Outage())


def _answered(conn: Any, *_args: object) -> None:
    outage(conn.engine).answered()


def unavailable(exc: BaseException) -> IndexUnavailable | None:
    """The IndexUnavailable that a database error amounts to, or None if it is about something else.

    Operational and interface errors (refused, dropped or closed connections, a database not accepting
    connections, SQLite's locked or unreadable file) and any error SQLAlchemy saw as a disconnect; as
    SQLAlchemy wraps them, or as the driver raised them (the pool reconnecting, plain DB-API cursors).
    """
    if isinstance(exc, IndexUnavailable):
        return exc
    if isinstance(exc, DBAPIError) and (exc.connection_invalidated or isinstance(exc, (OperationalError, InterfaceError))):
        cause: BaseException = exc.orig or exc
    elif isinstance(exc, _driver_errors()):
        cause = exc
    else:
        return None
    return IndexUnavailable(str(cause).strip().split("\n")[0][:200] or type(cause).__name__)


def _driver_errors() -> tuple[type[BaseException], ...]:
    """The drivers' connection errors. psycopg's only once it is loaded (SQLAlchemy imports it for a PostgreSQL
    URL): before that none of its errors can have been raised, and a SQLite home need not load it at all."""
    errors: tuple[type[BaseException], ...] = (sqlite3.OperationalError, sqlite3.InterfaceError)
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None:
        errors += (psycopg.OperationalError, psycopg.InterfaceError)
    return errors


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    # WAL lets the verifier read while a batch is being written; NORMAL is durable in WAL mode.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # A 256 MB page cache keeps the item table's random-key B-tree in memory as it grows.
    cursor.execute("PRAGMA cache_size=-262144")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """One session, one transaction: committed if the block ends normally, rolled back otherwise."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session
