"""Index migrations: bring a database to this code's schema, once, under the ledger's write lock.

Every open of the ledger calls :func:`upgrade_index`; what it finds decides what it does:

- the newest revision: nothing (one query without the lock: the common case, every open of every worker);
- no ledger tables: the migrations create them (a new index);
- the ledger's tables and no version table: an index made before migrations (``create_all``, up to
  main at b98089b). If its tables, columns and indexes are the baseline's, it is stamped at
  :data:`BASELINE` and upgraded; if not, :class:`IndexNotRecognised` and nothing changes;
- an older revision: upgraded to the newest;
- a revision this code does not know (a newer ledger upgraded it): :class:`IndexTooNew`, nothing changes.

The revisions live in ``migrations/versions/`` (alembic); docs/DESIGN.md says how to add one.
"""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import Connection, Engine

from ..errors import IndexNotRecognised, IndexTooNew
from .write_lock import WriteLock

__all__ = ["BASELINE", "SchemaUpgrade", "alembic_config", "current_revision", "head_revision", "revision_doc", "upgrade_index"]

BASELINE = "0001"  # the schema main made with create_all up to b98089b
_MIGRATIONS = Path(__file__).with_name("migrations")
_VERSION_TABLE = "alembic_version"
# alembic's `context` and `op` are process-wide proxies: one migration run at a time per process
# (the write lock serialises processes, but two WriteLock objects in one process do not exclude each other's threads).
_ALEMBIC = threading.Lock()

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SchemaUpgrade:
    """What :func:`upgrade_index` did: from ``before`` (None: no ledger tables) to ``after``.

    ``recognised``: the index was made before migrations and stamped at the baseline first.
    """

    database: str
    before: str | None
    after: str
    recognised: bool = False

    @property
    def created(self) -> bool:
        return self.before is None

    def __str__(self) -> str:
        if self.created:
            return f"index {self.database}: created at schema revision {self.after}"
        if self.recognised:
            done = "stamped" if self.after == self.before else f"upgraded to {self.after}"
            return f"index {self.database}: made before migrations, recognised as schema revision {self.before} and {done}"
        return f"index {self.database}: schema upgraded from revision {self.before} to {self.after}"


def upgrade_index(engine: Engine, lock: WriteLock) -> SchemaUpgrade | None:
    """Bring the index to the newest revision; None if it was there already. Logs what it did."""
    head = head_revision()
    with engine.connect() as connection:
        if _current(connection) == (head,):
            return None
    with lock.hold(), _ALEMBIC:
        upgrade = _upgrade(engine, head)
    if upgrade is not None:
        log.info("%s", upgrade)
    return upgrade


def current_revision(engine: Engine) -> str | None:
    """The index's schema revision; None if it has no version table (new, or made before migrations)."""
    with engine.connect() as connection:
        current = _current(connection)
    return current[0] if current else None


def head_revision() -> str:
    """The newest revision this code knows."""
    heads = _script().get_heads()
    if len(heads) != 1:  # two revisions share a parent: a merge brought in a second line of migrations
        raise RuntimeError(f"index migrations have {len(heads)} heads {heads}; give one a down_revision of the other")
    return heads[0]


def revision_doc(revision: str) -> str | None:
    """The first line of a revision's message, e.g. for ``ledger db current``; None if this code does not know it."""
    if revision not in _known():
        return None
    script = _script().get_revision(revision)
    assert script is not None  # known
    return script.doc.splitlines()[0]


def alembic_config(connection: Connection) -> Config:
    """An alembic Config for this package's migrations on ``connection`` (for tests and scripts/new_migration.py)."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS).replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


@functools.cache
def _script() -> ScriptDirectory:
    return ScriptDirectory(str(_MIGRATIONS))


@functools.cache
def _known() -> frozenset[str]:
    return frozenset(script.revision for script in _script().walk_revisions())


def _current(connection: Connection) -> tuple[str, ...]:
    return MigrationContext.configure(connection, opts={"version_table": _VERSION_TABLE}).get_current_heads()


def _upgrade(engine: Engine, head: str) -> SchemaUpgrade | None:
    database = engine.url.render_as_string(hide_password=True)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch migrations copy a table and drop the old one; with foreign keys enforced, dropping
            # a table others refer to fails (alembic's batch docs). The pragma is ignored inside a
            # transaction, so it is set before, on this connection only, and restored after.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                return _migrate(connection, database, head)
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def _migrate(connection: Connection, database: str, head: str) -> SchemaUpgrade | None:
    current = _current(connection)
    unknown = [revision for revision in current if revision not in _known()]
    if unknown:
        raise IndexTooNew(database, unknown[0], head)
    if current == (head,):  # another process upgraded it while this one waited for the lock
        return None
    config = alembic_config(connection)
    before = current[0] if current else None
    recognised = False
    if not current and set(inspect(connection).get_table_names()) & set(_baseline_schema()):
        differences = _differences(_schema_names(connection), _baseline_schema())
        if differences:
            raise IndexNotRecognised(database, differences)
        command.stamp(config, BASELINE)
        before, recognised = BASELINE, True
    command.upgrade(config, "head")
    return SchemaUpgrade(database, before, head, recognised)


_Schema = dict[str, tuple[frozenset[str], frozenset[str]]]  # table → (column names, index names)


def _schema_names(connection: Connection) -> _Schema:
    inspector = inspect(connection)
    return {table: (frozenset(column["name"] for column in inspector.get_columns(table)),
                    frozenset(str(index["name"]) for index in inspector.get_indexes(table)))
            for table in inspector.get_table_names() if table != _VERSION_TABLE}


@functools.cache
def _baseline_schema() -> _Schema:
    """The baseline's tables, columns and indexes, as its migration makes them (in a scratch SQLite database)."""
    scratch = create_engine("sqlite://")
    try:
        with scratch.begin() as connection:
            command.upgrade(alembic_config(connection), BASELINE)
            return _schema_names(connection)
    finally:
        scratch.dispose()


def _differences(found: _Schema, baseline: _Schema) -> list[str]:
    """What keeps a database's ledger tables from being the baseline's (tables of other applications are ignored)."""
    differences = []
    for table, (columns, indexes) in sorted(baseline.items()):
        if table not in found:
            differences.append(f"table {table} is missing")
            continue
        has_columns, has_indexes = found[table]
        differences += [f"{table}.{name} is missing" for name in sorted(columns - has_columns)]
        differences += [f"{table}.{name} is not in the baseline" for name in sorted(has_columns - columns)]
        differences += [f"index {name} is missing" for name in sorted(indexes - has_indexes)]
        differences += [f"index {name} is not in the baseline" for name in sorted(has_indexes - indexes)]
    return differences
