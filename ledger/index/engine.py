"""Database set-up: the engine for a URL and a unit-of-work session (the schema is :mod:`.migrate`'s)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from ..files import private_sqlite_file

__all__ = ["open_engine", "unit_of_work"]

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
        # connection the server dropped fails its statement once and is discarded (SQLAlchemy's
        # disconnect handling, and dbapi.cursor for the verifier's plain queries).
        engine = create_engine(url, **pool)
    return engine


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
