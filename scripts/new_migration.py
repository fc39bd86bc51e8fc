"""Write the next index migration: alembic's autogenerate compares a scratch SQLite index at the
newest revision with ledger/index/models.py and writes what differs as ledger/index/migrations/versions/NNNN_slug.py.

    .venv/bin/python scripts/new_migration.py "item life cycle and condition"

Read what it wrote before committing it (docs/DESIGN.md, "Index migrations"): autogenerate sees
tables, columns, types, nullability and indexes, but not renames, data moves, server defaults or
partial-index predicates. `--into DIR` writes the file to DIR instead (to look, or for tests).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from alembic import command

from ledger.index.engine import open_engine
from ledger.index.migrate import alembic_config, head_revision, upgrade_index
from ledger.index.write_lock import WriteLock


def new_revision(message: str, into: Path | None = None) -> Path:
    """Autogenerate the revision after the newest, numbered one more; return its file."""
    number = f"{int(head_revision()) + 1:04d}"
    with tempfile.TemporaryDirectory() as scratch:
        engine = open_engine(f"sqlite:///{scratch}/index.sqlite")
        try:
            upgrade_index(engine, WriteLock(engine, Path(scratch) / "write.lock"))
            with engine.begin() as connection:
                config = alembic_config(connection)
                if into is not None:
                    versions = Path(config.get_main_option("script_location") or "") / "versions"
                    config.set_main_option("version_locations", f"{versions} {into.absolute()}")
                script = command.revision(config, message, autogenerate=True, rev_id=number,
                                          version_path=str(into.absolute()) if into else None)
        finally:
            engine.dispose()
    assert script is not None and not isinstance(script, list)  # one revision, one file
    ruff = Path(sys.executable).with_name("ruff")
    if ruff.exists():  # drop the imports an empty revision does not use; long lines are left to the author
        subprocess.run([str(ruff), "check", "--fix", "--quiet", script.path], check=False, capture_output=True)
    return Path(script.path)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("message", help="what the revision changes, e.g. 'item life cycle and condition'")
    parser.add_argument("--into", type=Path, help="write the file here instead of ledger/index/migrations/versions")
    arguments = parser.parse_args()
    print(new_revision(arguments.message, arguments.into))
