"""Index migrations on SQLite and PostgreSQL: a new index made by them is the models' schema; an index
made by main before migrations (b98089b, tests/data/index_b98089b) is recognised, upgraded and audits
clean; an index newer than the code, or not the baseline, is refused and left as it was; opens at the
same time upgrade once.

Adding a revision: the generic tests here (one head, numbered files, each step down and up again,
rows written at the baseline readable at the head, the head equal to the models) cover it as they
are; a revision that moves data gets its own test like `test_rows_written_at_the_baseline_survive`:
`migrate_to` the revision before it, write rows in SQL, `upgrade_index`, read them back.
"""

from __future__ import annotations

import json
import multiprocessing
import re
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from datetime import UTC, datetime
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from ledger.audit.auditor import audit
from ledger.audit.findings import FindingCode
from ledger.audit.scope import AuditScope
from ledger.cli.main import main
from ledger.custody.ledger import Ledger
from ledger.errors import IndexNotRecognised, IndexTooNew
from ledger.index.engine import open_engine
from ledger.index.migrate import BASELINE, SchemaUpgrade, alembic_config, current_revision, head_revision, upgrade_index
from ledger.index.models import Item, Party
from ledger.index.write_lock import WriteLock
from ledger.settings import Settings
from tests.conftest import _postgres_database

FIXTURES = Path(__file__).parents[1] / "data" / "index_b98089b"
FIXTURE_PASSPHRASE = "fixture passphrase"
MIGRATIONS = Path(__file__).parents[2] / "ledger" / "index" / "migrations"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = open_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def other_engine(database_url: str, tmp_path: Path) -> Iterator[Engine]:
    """A second empty database on the same server (or SQLite)."""
    urls = iter([f"sqlite:///{tmp_path / 'other.sqlite'}"]) if database_url.startswith("sqlite") else _postgres_database()
    engine = open_engine(next(urls))
    yield engine
    engine.dispose()
    next(urls, None)  # drops the PostgreSQL database


@pytest.fixture
def lock(engine: Engine, tmp_path: Path) -> WriteLock:
    return WriteLock(engine, tmp_path / "write.lock")


def migrate_to(engine: Engine, revision: str) -> None:
    """Bring a database to ``revision`` (up or down) with alembic itself, as a test's starting point."""
    with engine.begin() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        config = alembic_config(connection)
        if revision == "base" or (current is not None and _revisions().index(revision) < _revisions().index(current)):
            command.downgrade(config, revision)
        else:
            command.upgrade(config, revision)


def _revisions() -> list[str]:
    """Every revision, oldest first."""
    return [script.revision for script in reversed(list(ScriptDirectory(str(MIGRATIONS)).walk_revisions()))]


def _made_before_migrations(engine: Engine) -> None:
    """The baseline's tables without a version table: what main's create_all left up to b98089b."""
    migrate_to(engine, BASELINE)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))


def _schema(engine: Engine) -> dict[str, Any]:
    """Everything the database says about the ledger's tables, in comparable form."""
    inspector = inspect(engine)

    def index(entry: Any) -> tuple[Any, ...]:
        options = {key: str(value) for key, value in entry.get("dialect_options", {}).items()}
        return entry["name"], tuple(entry["column_names"]), bool(entry["unique"]), sorted(options.items())

    # Column order is not compared: a column added by a revision comes last, wherever the model declares it.
    return {table: {
        "columns": sorted((c["name"], str(c["type"]), c["nullable"], c.get("default")) for c in inspector.get_columns(table)),
        "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
        "foreign_keys": sorted((tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]))
                               for fk in inspector.get_foreign_keys(table)),
        "indexes": sorted(index(entry) for entry in inspector.get_indexes(table)),
        "unique": sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)),
    } for table in inspector.get_table_names() if table != "alembic_version"}


# -- the revisions themselves ------------------------------------------------------------


def test_one_head_and_numbered_files() -> None:
    """One line of revisions, numbered 0001, 0002… in order, each in a file named after its number."""
    revisions = _revisions()
    assert revisions[0] == BASELINE and revisions[-1] == head_revision()
    assert revisions == [f"{n:04d}" for n in range(1, len(revisions) + 1)]
    files = sorted(p.name for p in (MIGRATIONS / "versions").glob("[0-9]*.py"))
    assert [name[:4] for name in files] == revisions and all(re.fullmatch(r"\d{4}_\w+\.py", name) for name in files)


def test_new_migration_script_writes_the_next_revision(tmp_path: Path) -> None:
    """scripts/new_migration.py: with the models as the migrations leave them, an empty revision after the head."""
    done = subprocess.run([sys.executable, str(MIGRATIONS.parents[2] / "scripts" / "new_migration.py"), "nothing changed",
                           "--into", str(tmp_path)], capture_output=True, text=True, check=True)
    number = f"{int(head_revision()) + 1:04d}"
    written = tmp_path / f"{number}_nothing_changed.py"
    assert done.stdout.splitlines()[-1] == str(written)
    source = written.read_text()
    assert f"revision: str = '{number}'" in source and f"down_revision: str | None = '{head_revision()}'" in source
    assert source.count("    pass\n") == 2  # no operation: the head is the models' schema


def test_new_index_is_the_models_schema(engine: Engine, lock: WriteLock) -> None:
    upgrade = upgrade_index(engine, lock)
    assert upgrade is not None and (upgrade.before, upgrade.after, upgrade.created) == (None, head_revision(), True)
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []
    migrated = _schema(engine)
    assert migrated["item"]["indexes"][-1][:3] == ("ix_item_open_shipment", ("open_shipment",), False)
    assert "open_shipment IS NOT NULL" in str(migrated["item"]["indexes"][-1][3])  # partial, on both dialects
    assert ("ix_scan_item_time", ("item_id", "timestamp", "id"), False) in [entry[:3] for entry in migrated["scan"]["indexes"]]
    # The same database emptied by the migrations' downgrade, then made by create_all as main did: the same schema.
    migrate_to(engine, "base")
    assert _schema(engine) == {}
    SQLModel.metadata.create_all(engine)
    assert _schema(engine) == migrated


def test_each_revision_goes_down_and_up_again(engine: Engine) -> None:
    """The stairway: every revision's downgrade undoes its upgrade, so a revision can be retried after a fix."""
    for previous, revision in zip(["base", *_revisions()], _revisions(), strict=False):
        migrate_to(engine, revision)
        after_upgrade = _schema(engine)
        migrate_to(engine, previous)
        migrate_to(engine, revision)
        assert _schema(engine) == after_upgrade, revision


def test_rows_written_at_the_baseline_survive(engine: Engine, lock: WriteLock) -> None:
    """Rows of an index at the baseline are read by today's models once upgraded (the template for data migrations)."""
    migrate_to(engine, BASELINE)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO party (address, name, role, created_at) VALUES (:a, 'acme', 'brand', :t)"),
                           {"a": "0x" + "11" * 20, "t": datetime(2026, 1, 2, tzinfo=UTC)})
        connection.execute(text("INSERT INTO item (item_id, gtin, serial, batch_root, brand, custodian, status, head_hash, "
                                "open_shipment) VALUES (:i, '09521234543213', '1', :r, :a, :a, 'recalled', :h, NULL)"),
                           {"i": "0x" + "22" * 32, "r": "0x" + "33" * 32, "a": "0x" + "11" * 20, "h": "0x" + "44" * 32})
    database = engine.url.render_as_string(hide_password=True)
    expected = None if head_revision() == BASELINE else SchemaUpgrade(database, BASELINE, head_revision())
    assert upgrade_index(engine, lock) == expected
    with Session(engine) as session:
        party = session.exec(select(Party)).one()
        item = session.exec(select(Item)).one()
    assert (party.name, party.created_at.astimezone(UTC)) == ("acme", datetime(2026, 1, 2, tzinfo=UTC))
    assert (item.serial, item.custodian) == ("1", "0x" + "11" * 20)


# -- databases this code did not make ----------------------------------------------------


def test_index_made_before_migrations_is_stamped_and_upgraded(engine: Engine, lock: WriteLock) -> None:
    _made_before_migrations(engine)
    upgrade = upgrade_index(engine, lock)
    assert upgrade == SchemaUpgrade(engine.url.render_as_string(hide_password=True), BASELINE, head_revision(), recognised=True)
    assert "made before migrations, recognised as schema revision 0001" in str(upgrade)
    assert current_revision(engine) == head_revision() and upgrade_index(engine, lock) is None


@pytest.mark.parametrize(("change", "difference"), [
    ("ALTER TABLE item ADD COLUMN colour VARCHAR(10)", "item.colour is not in the baseline"),
    ("ALTER TABLE scan DROP COLUMN reasons", "scan.reasons is missing"),
    ("DROP INDEX ix_scan_item_time", "index ix_scan_item_time is missing"),
    ("CREATE INDEX ix_item_gtin ON item (gtin)", "index ix_item_gtin is not in the baseline"),
    ("DROP TABLE submission", "table submission is missing"),
])
def test_unversioned_index_unlike_the_baseline_is_refused(engine: Engine, lock: WriteLock, change: str, difference: str) -> None:
    _made_before_migrations(engine)
    with engine.begin() as connection:
        connection.execute(text(change))
    before = _schema(engine)
    with pytest.raises(IndexNotRecognised) as refused:
        upgrade_index(engine, lock)
    assert refused.value.differences == [difference]
    assert difference in refused.value.message and "nothing was changed" in refused.value.message
    assert _schema(engine) == before and current_revision(engine) is None


def test_tables_of_other_applications_are_left_alone(engine: Engine, lock: WriteLock) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE invoices (id INTEGER PRIMARY KEY)"))
    upgrade = upgrade_index(engine, lock)
    assert upgrade is not None and upgrade.created and "invoices" in inspect(engine).get_table_names()


def test_index_newer_than_the_code_is_refused(engine: Engine, lock: WriteLock) -> None:
    upgrade_index(engine, lock)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    before = _schema(engine)
    with pytest.raises(IndexTooNew) as refused:
        upgrade_index(engine, lock)
    assert (refused.value.revision, refused.value.newest) == ("9999", head_revision())
    assert "revision 9999, which this version of the ledger does not know" in refused.value.message
    assert "upgrade this installation" in refused.value.message
    assert _schema(engine) == before and current_revision(engine) == "9999"


# -- opens at the same time --------------------------------------------------------------


def _open_and_upgrade(url: str, lock_file: Path, start: Barrier, results: Any) -> None:
    engine = open_engine(url)
    try:
        start.wait()
        upgrade = upgrade_index(engine, WriteLock(engine, lock_file))
        results.put("upgraded" if upgrade else "up to date")
    except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
        results.put(f"{type(exc).__name__}: {exc}")
    finally:
        engine.dispose()


@pytest.mark.parametrize("state", ["new", "made before migrations"])
def test_workers_opening_at_once_upgrade_once(database_url: str, engine: Engine, tmp_path: Path, state: str) -> None:
    """gunicorn's workers open the ledger together: one upgrades under the write lock, the others find it done."""
    if state != "new":
        _made_before_migrations(engine)
    context = multiprocessing.get_context("fork")  # a spawned worker would spend seconds importing web3 again
    start, results = context.Barrier(3), context.Queue()
    workers = [context.Process(target=_open_and_upgrade, args=(database_url, tmp_path / "write.lock", start, results))
               for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert sorted(results.get(timeout=5) for _ in workers) == ["up to date", "up to date", "upgraded"]
    assert current_revision(engine) == head_revision()


# -- a ledger home made by main at b98089b -----------------------------------------------


def _old_home(database_url: str, tmp_path: Path) -> Settings:
    """The fixture home for this database: SQLite in the home, or the pg_dump restored into the test's database."""
    sqlite = database_url.startswith("sqlite")
    with tarfile.open(FIXTURES / f"home-{'sqlite' if sqlite else 'postgresql'}.tar.gz") as archive:
        archive.extractall(tmp_path, filter="data")
    home = tmp_path / "home"
    if sqlite:
        database_url = f"sqlite:///{home / 'index.sqlite'}"
    else:
        subprocess.run(["psql", "--quiet", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "-f", str(FIXTURES / "index-postgresql.sql"),
                        database_url.replace("postgresql+psycopg://", "postgresql://")], check=True, capture_output=True)
    return Settings(home=home, chain="embedded", database_url=database_url, passphrase=FIXTURE_PASSPHRASE, kdf_iterations=16)


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in ("party", "premises", "batch", "item", "event", "anchor", "shipment", "container",
                              "containercontent", "scan", "webuser", "apitoken")}


def test_baseline_is_the_schema_main_b98089b_made(database_url: str, other_engine: Engine, tmp_path: Path) -> None:
    """Column types, defaults, keys and indexes as reflected: the baseline revision makes what create_all made."""
    old = open_engine(_old_home(database_url, tmp_path).database_url)
    migrate_to(other_engine, BASELINE)
    assert _schema(old) == _schema(other_engine)
    old.dispose()


def test_ledger_made_by_main_b98089b_upgrades_and_audits_clean(database_url: str, tmp_path: Path) -> None:
    settings = _old_home(database_url, tmp_path)
    old = open_engine(settings.database_url)
    counts = _counts(old)
    assert current_revision(old) is None
    old.dispose()
    assert counts == {"party": 5, "premises": 1, "batch": 2, "item": 12, "event": 22, "anchor": 11, "shipment": 3,
                      "container": 1, "containercontent": 2, "scan": 3, "webuser": 1, "apitoken": 1}

    with Ledger.open(settings) as ledger:
        assert ledger.schema_upgrade == SchemaUpgrade(ledger.engine.url.render_as_string(hide_password=True), BASELINE,
                                                      head_revision(), recognised=True)
        assert current_revision(ledger.engine) == head_revision() and _counts(ledger.engine) == counts
        report = audit(ledger, AuditScope("ledger"))
        # Its contract is b98089b's: every record checks out, and the audit says what the old contract cannot prove.
        assert ([f.code for f in report.findings], report.anchors, report.items, report.events) == (
            [FindingCode.CONTRACT_OUTDATED], 11, 12, 22)
        with ledger.engine.connect() as connection:  # the two items left in transit, through the partial index
            [in_transit] = connection.execute(text("SELECT DISTINCT open_shipment FROM item WHERE open_shipment IS NOT NULL")
                                              ).scalars().all()
        ledger.receive("truck", in_transit, "Antwerp")  # today's writes on the upgraded index
    with Ledger.open(settings) as again:
        assert again.schema_upgrade is None
        report = audit(again, AuditScope("ledger"))
        assert ([f.code for f in report.findings], report.anchors, report.events) == ([FindingCode.CONTRACT_OUTDATED], 12, 24)


def test_cli_upgrades_an_old_home_once_and_refuses_a_newer_index(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """What an operator sees: `ledger db current`, one line on the open that upgrades, a clear refusal."""
    settings = _old_home("sqlite", tmp_path)
    for key, value in {"LEDGER_HOME": str(settings.home), "LEDGER_PASSPHRASE": FIXTURE_PASSPHRASE, "LEDGER_CHAIN": "embedded",
                       "LEDGER_DATABASE_URL": "", "LEDGER_KDF_ITERATIONS": "16"}.items():
        monkeypatch.setenv(key, value)

    def ledger(*args: str) -> tuple[int, str, str]:
        """Run through `main`, as the installed command does: domain errors become exit 1 and one line on stderr."""
        try:
            main([*args])
            code = 0
        except SystemExit as exited:
            code = int(exited.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    database = settings.database_url
    assert ledger("db", "current") == (0, (f"{database}: revision (none), no schema version: made before migrations (or empty); "
                                           "opening the ledger upgrades it\n"), "")
    code, out, err = ledger("audit")
    done = "stamped" if head_revision() == BASELINE else f"upgraded to {head_revision()}"
    # Exit 1 for the one finding an old contract brings (CONTRACT_OUTDATED); every record matches.
    assert (code, err) == (1, f"index {database}: made before migrations, recognised as schema revision 0001 and {done}\n")
    assert out.splitlines()[-1] == "1 finding" and "CONTRACT_OUTDATED" in out
    assert ledger("audit")[::2] == (1, "")  # upgraded once: nothing more to say
    assert json.loads(ledger("--json", "db", "current")[1])["up_to_date"] is True
    assert ledger("db", "upgrade") == (0, f"index {database}: at revision {head_revision()}, up to date\n", "")

    engine = open_engine(database)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    assert "newer than this version of the ledger" in ledger("db", "current")[1]
    assert ledger("audit") == (1, "", (f"error: the index {database} is at schema revision 9999, which this version of the ledger "
                                       f"does not know (its newest is {head_revision()}): a newer version has upgraded it; run that "
                                       "version, or upgrade this installation; nothing was changed\n"))
    assert ledger("db", "upgrade")[0] == 1
