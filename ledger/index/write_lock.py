"""One writer at a time: an action's checks, anchor and commit must not interleave with
another's, or two requests could both ship the same item before either is committed.

Threads of one process share a lock; processes sharing a PostgreSQL index (gunicorn
workers) take a session-level advisory lock; processes sharing a SQLite index take a file
lock beside it. Writes are rare next to verifications, so serialising them costs little.
"""

from __future__ import annotations

import fcntl
import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

__all__ = ["WriteLock", "anchoring", "exclusive"]

_ADVISORY_KEY = 0x70726F76  # "prov": the ledger's writes, per database

P = ParamSpec("P")
R = TypeVar("R")


class WriteLock:
    def __init__(self, engine: Engine, lock_file: Path) -> None:
        self._engine = engine
        self._lock_file = lock_file
        self._thread_lock = threading.RLock()
        self._depth = 0

    @contextmanager
    def hold(self) -> Iterator[None]:
        with self._thread_lock:
            self._depth += 1
            try:
                if self._depth > 1:  # re-entered by the same thread: already held
                    yield
                elif self._engine.dialect.name == "postgresql":
                    with self._engine.connect() as connection:
                        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _ADVISORY_KEY})
                        try:
                            yield
                        finally:
                            try:
                                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _ADVISORY_KEY})
                            except DBAPIError as exc:
                                # The server ended the session (and so its lock): what went wrong inside is the news.
                                if not exc.connection_invalidated:
                                    raise
                else:
                    self._lock_file.parent.mkdir(parents=True, exist_ok=True)
                    with self._lock_file.open("a") as handle:
                        fcntl.flock(handle, fcntl.LOCK_EX)
                        try:
                            yield
                        finally:
                            fcntl.flock(handle, fcntl.LOCK_UN)
            finally:
                self._depth -= 1


class _HasWriteLock(Protocol):
    write_lock: WriteLock


S = TypeVar("S", bound=_HasWriteLock)


def exclusive(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
    """Run a write method of the ledger while holding its write lock."""

    @functools.wraps(method)
    def locked(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self.write_lock.hold():
            return method(self, *args, **kwargs)

    return locked


class _HasJournal(_HasWriteLock, Protocol):
    def settle_journal(self) -> None: ...


J = TypeVar("J", bound=_HasJournal)


def anchoring(method: Callable[Concatenate[J, P], R]) -> Callable[Concatenate[J, P], R]:
    """An :func:`exclusive` write that anchors: it first settles the journal, so its checks read current rows."""

    @functools.wraps(method)
    def locked(self: J, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self.write_lock.hold():
            self.settle_journal()
            return method(self, *args, **kwargs)

    return locked
