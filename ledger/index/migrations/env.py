"""Alembic's environment: runs the migrations on the connection :mod:`ledger.index.migrate` hands it.

There is no alembic.ini and no URL here: the ledger opens the database itself (its own engine,
under its write lock) and passes the connection in ``config.attributes``.
"""

from typing import Any, Literal

from alembic import context
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from ledger.index import models  # noqa: F401 - registers the tables on SQLModel.metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the index migrations through ledger.index.migrate (or `ledger db upgrade`), not the alembic command")


def _render_item(kind: str, obj: Any, _autogen: Any) -> str | Literal[False]:
    """Write SQLModel's column types as the SQLAlchemy types they stand for, so revisions do not depend on SQLModel."""
    if kind == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


# render_as_batch: SQLite cannot ALTER most things, so autogenerate writes batch operations
# (copy, swap) that run on SQLite and as plain ALTERs on PostgreSQL.
context.configure(connection=connection, target_metadata=SQLModel.metadata, render_as_batch=True,
                  render_item=_render_item)
with context.begin_transaction():
    context.run_migrations()
