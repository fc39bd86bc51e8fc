"""Owner-only places: the ledger home and the SQLite index, whatever the umask.

The home holds the keystore, the web app's session key and (by default) the index, whose
tables keep password and token hashes; under the common umask 022 a plain ``mkdir`` and
SQLite's own file creation would leave them readable by every user of the machine. New
ones are created owner-only; existing ones that others may read are tightened, with a
warning, because a home made before this check, or by hand, is as exposed.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

__all__ = ["private_directory", "private_sqlite_file"]

log = logging.getLogger(__name__)

# SQLite names its rollback journal and WAL files after the database, and creates them with the
# database file's permission bits (os_unix.c, findCreateFileMode), so a 0600 database gets 0600 ones.
_SQLITE_COMPANIONS = ("-journal", "-wal", "-shm")


def private_directory(path: Path) -> None:
    """Create the directory ``path`` with mode 0700, or take group and other access off an existing one."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _tighten(path, 0o700)


def private_sqlite_file(url: str) -> None:
    """For a SQLite URL naming a file: create the file empty with mode 0600 (SQLite fills in an empty file),
    or tighten it and its journal/WAL files; other URLs are left alone."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return
    database = Path(parsed.database)
    if not database.parent.is_dir():
        return  # SQLite's own error names the missing directory
    os.close(os.open(database, os.O_WRONLY | os.O_CREAT, 0o600))
    for path in (database, *(database.with_name(database.name + suffix) for suffix in _SQLITE_COMPANIONS)):
        if path.exists():
            _tighten(path, 0o600)


def _tighten(path: Path, allowed: int) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if not mode & ~allowed:
        return
    try:
        os.chmod(path, mode & allowed)
    except OSError as exc:
        log.warning("%s is open to other users (mode %04o) and could not be made %04o: %s", path, mode,
                    mode & allowed, exc.strerror)
        return
    log.warning("%s was open to other users (mode %04o); it is now %04o", path, mode, mode & allowed)
