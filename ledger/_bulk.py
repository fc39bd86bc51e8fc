"""Bulk reads and writes for batches of 100,000 items, below the ORM.

Profiling a 100k batch showed SQLAlchemy's per-row work costing more than the database's
own insert; here rows go to the driver as tuples: PostgreSQL's COPY, SQLite's executemany.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

__all__ = ["insert_rows", "registered_among"]

_SQLITE_CHUNK = 30_000  # under SQLite's default limit of 32,766 bound parameters


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
    for start in range(0, len(item_ids), _SQLITE_CHUNK):
        chunk = item_ids[start:start + _SQLITE_CHUNK]
        marks = ", ".join("?" * len(chunk))
        row = connection.exec_driver_sql(f"SELECT item_id FROM item WHERE item_id IN ({marks}) LIMIT 1", tuple(chunk)).first()
        if row is not None:
            return str(row[0])
    return None
