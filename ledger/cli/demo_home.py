"""A demo's own ledger home: marked when a demo creates it, and only ever deleted when it carries that mark.

The demo scripts rebuild their home from scratch on every run. A home they did not create — above all one
holding the keystore files of a real ledger, whose private keys exist nowhere else — is refused, never
deleted. ``python -m ledger.cli.demo_home DIR`` prepares DIR for a demo run (the shell scripts call it).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from ..errors import LedgerError, StateConflict

__all__ = ["MARKER", "prepare_demo_home"]

MARKER = ".ledger-demo-home"


def prepare_demo_home(home: Path) -> None:
    """Leave ``home`` an empty, marked directory for a demo run; StateConflict if a demo did not make it.

    A marked home is deleted and made again; a missing or empty directory is used; anything else is refused.
    """
    if home.exists() and not home.is_dir():
        raise StateConflict(f"demo home {home}", "is a file; give a directory the demo may create")
    if home.is_dir() and not (home / MARKER).is_file() and any(home.iterdir()):
        keys = sorted(p.name for p in (home / "keystore").glob("*.json"))
        found = (f"holds the keystore files of a real ledger ({', '.join(keys[:5])}{', …' if len(keys) > 5 else ''}), "
                 "whose private keys may exist nowhere else" if keys else "holds files a demo did not create")
        raise StateConflict(f"demo home {home}", f"{found}; the demo rebuilds its home from scratch, so it uses only a "
                            "new or empty directory, or one an earlier demo made (DEMO_HOME=… picks another)")
    if home.is_dir() and (home / MARKER).is_file():
        shutil.rmtree(home)
    home.mkdir(parents=True, exist_ok=True)
    (home / MARKER).write_text("Made by a provenance-ledger demo script, which deletes and rebuilds this directory.\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m ledger.cli.demo_home DIR")
    try:
        prepare_demo_home(Path(sys.argv[1]).expanduser().resolve())
    except LedgerError as exc:
        sys.exit(f"error: {exc.message}")
