"""A SQLite-backed key-value store for py-evm, so the embedded chain lives on disk.

py-evm keeps every piece of chain data (trie nodes, headers, bodies, receipts, the
canonical-head pointer) as bytes under bytes keys. `SQLiteDB` is that store;
`SQLiteAtomicDB` is what a chain is built on: it writes each of py-evm's atomic
batches in one SQLite transaction, so a crash keeps a batch whole or drops it whole.
py-evm moves the canonical head only in the batch that stores the block itself, after
the batches holding that block's state and tries, so the head on disk always points
at a complete block.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

from eth.abc import AtomicWriteBatchAPI
from eth.db.atomic import AtomicDB, AtomicDBWriteBatch
from eth.db.backends.base import BaseDB

__all__ = ["SQLiteAtomicDB", "SQLiteDB"]


class SQLiteDB(BaseDB):
    """Bytes to bytes in one SQLite table; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        # One connection shared by all threads, serialised by the lock: py-evm's reads
        # are tiny point lookups, so a pool would buy nothing but lock contention.
        self._lock = threading.RLock()
        # Autocommit: a lone write is its own transaction; batches open one explicitly.
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        # WAL + NORMAL: a commit survives a killed process; a power cut may lose the
        # last few commits but never leaves a torn one.
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("CREATE TABLE IF NOT EXISTS kv (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID")

    def __getitem__(self, key: bytes) -> bytes:
        with self._lock:
            row = self._conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return cast(bytes, row[0])

    def __setitem__(self, key: bytes, value: bytes) -> None:
        with self._lock:
            self._conn.execute("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", (key, value))

    def __delitem__(self, key: bytes) -> None:
        with self._lock:
            deleted = self._conn.execute("DELETE FROM kv WHERE key = ?", (key,)).rowcount
        if not deleted:
            raise KeyError(key)

    def _exists(self, key: bytes) -> bool:
        with self._lock:
            return self._conn.execute("SELECT 1 FROM kv WHERE key = ?", (key,)).fetchone() is not None

    def write_batch(self, items: Iterable[tuple[bytes, bytes]], deletes: Iterable[bytes]) -> None:
        """Store `items` and remove `deletes` (missing keys are fine) in one transaction."""
        with self._lock, self._transaction():
            self._conn.executemany("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", items)
            self._conn.executemany("DELETE FROM kv WHERE key = ?", ((key,) for key in deletes))

    def clear(self) -> None:
        """Remove every key."""
        with self._lock:
            self._conn.execute("DELETE FROM kv")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._conn.execute("BEGIN")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")


class _SQLiteWriteBatch(AtomicDBWriteBatch):
    """py-evm's write batch, committed through `SQLiteDB.write_batch` instead of key by key."""

    def _commit(self) -> None:
        diff = self._diff()
        cast(SQLiteDB, self._write_target_db).write_batch(diff.pending_items(), diff.deleted_keys())


class SQLiteAtomicDB(AtomicDB):
    """The `AtomicDatabaseAPI` a py-evm chain runs on, with each batch one SQLite transaction."""

    def __init__(self, store: SQLiteDB) -> None:
        super().__init__(store)
        self.store = store

    @contextmanager
    def atomic_batch(self) -> Iterator[AtomicWriteBatchAPI]:
        with _SQLiteWriteBatch._commit_unless_raises(self.store) as batch:
            yield batch
