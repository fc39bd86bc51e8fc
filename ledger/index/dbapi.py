"""Plain DB-API access for the verifier's hot path: one pooled connection, fixed SQL, no ORM.

Building SQLAlchemy statements per request (coercions, cache keys, ORM loading) cost about
two thirds of a verification's CPU; the hot queries are fixed, so they are written once as
SQL with ``?`` placeholders and run on the pooled driver connection directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import cache

from sqlalchemy.engine import Engine
from sqlalchemy.engine.interfaces import DBAPICursor

from ..errors import IndexUnavailable
from .engine import outage, unavailable

__all__ = ["as_date", "cursor", "sql"]


@cache
def _translate(paramstyle: str, text: str) -> str:
    # sqlite3 takes qmark; psycopg takes format/pyformat (%s). The SQL holds no literal ? or %.
    return text if paramstyle == "qmark" else text.replace("?", "%s")


def sql(engine: Engine, text: str) -> str:
    """``text`` (with ``?`` placeholders) in the driver's parameter style."""
    return _translate(engine.dialect.paramstyle, text)


@contextmanager
def cursor(engine: Engine) -> Iterator[DBAPICursor]:
    """A cursor on one pooled connection where each statement is its own transaction.

    On PostgreSQL the connection is switched to autocommit for the block: a statement then
    needs one round trip, where a transaction adds a BEGIN and a COMMIT round trip. On SQLite
    reads run outside a transaction anyway and the commit at the end ends the one write's.
    A connection that raised is discarded rather than returned to the pool (it may be dead). An index
    that cannot be reached raises IndexUnavailable (and is logged once per outage).
    """
    try:
        connection = engine.raw_connection()
    except Exception as exc:
        found = unavailable(exc)
        if found is None:
            raise
        raise _noted(engine, found) from exc
    postgres = engine.dialect.name == "postgresql"
    try:
        if postgres:
            connection.driver_connection.autocommit = True  # type: ignore[union-attr]
        cur = connection.cursor()
        try:
            yield cur
        finally:
            cur.close()
        connection.commit()
        if postgres:
            connection.driver_connection.autocommit = False  # type: ignore[union-attr]
    except BaseException as exc:
        connection.invalidate()
        found = unavailable(exc)
        if found is None:
            raise
        raise _noted(engine, found) from exc
    finally:
        connection.close()  # back to the pool, or dropped if invalidated
    outage(engine).answered()


def _noted(engine: Engine, error: IndexUnavailable) -> IndexUnavailable:
    outage(engine).failed(error.detail)
    return error


def as_date(value: date | str | None) -> date | None:
    """A DATE column as a date: psycopg returns one, SQLite stores ISO text."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)
