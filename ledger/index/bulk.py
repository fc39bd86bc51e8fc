"""Bulk reads and writes for batches of 100,000 items, below the ORM, and the chunking of
long ``IN (…)`` lists that every bulk read through the ORM needs.

Profiling a 100k batch showed SQLAlchemy's per-row work costing more than the database's
own insert; here rows go to the driver as tuples: PostgreSQL's COPY, SQLite's executemany.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import text
from sqlmodel import Session

__all__ = ["chunks", "insert_rows", "registered_among"]

_SQLITE_CHUNK = 30_000  # under SQLite's default limit of 32,766 bound parameters
_IN_CHUNK = 900  # bound on SQL IN (…) lists: SQLite before 3.32 allows 999 parameters by default

T = TypeVar("T")


def chunks(values: Sequence[T], size: int = _IN_CHUNK) -> Iterator[Sequence[T]]:
    """``values`` in consecutive slices of at most ``size``: by default short enough for one SQL ``IN (…)`` list.

    >>> [len(c) for c in chunks(range(2000))]
    [900, 900, 200]
    """
    return (values[i:i + size] for i in range(0, len(values), size))


def insert_rows(session: Session, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) inside the session's transaction."""
    connection = session.connection()
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        raw = connection.connection.dbapi_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" * len(columns))
        connection.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(rows))


def registered_among(session: Session, item_ids: Sequence[str]) -> str | None:
    """One of ``item_ids`` that the item table already holds, or None."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        found = connection.execute(text("SELECT item_id FROM item WHERE item_id = ANY(:ids) LIMIT 1"),
                                   {"ids": list(item_ids)}).scalar()
        return None if found is None else str(found)
    for chunk in chunks(item_ids, _SQLITE_CHUNK):
        marks = ", ".join("?" * len(chunk))
        row = connection.exec_driver_sql(f"SELECT item_id FROM item WHERE item_id IN ({marks}) LIMIT 1", tuple(chunk)).first()
        if row is not None:
            return str(row[0])
    return None
