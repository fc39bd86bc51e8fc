"""A demo deletes only a home it made: a table of directories, each prepared or refused."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from ledger.cli.demo_home import MARKER, prepare_demo_home
from ledger.errors import StateConflict


def _nothing(home: Path) -> None:
    pass


def _empty(home: Path) -> None:
    home.mkdir()


def _made_by_a_demo(home: Path) -> None:
    (home / "keystore").mkdir(parents=True)
    (home / "keystore" / "acme.json").write_text("{}")
    (home / MARKER).write_text("")


def _real_ledger(home: Path) -> None:
    (home / "keystore").mkdir(parents=True)
    for name in ("admin", "acme"):
        (home / "keystore" / f"{name}.json").write_text("{}")


def _other_files(home: Path) -> None:
    home.mkdir()
    (home / "notes.txt").write_text("mine")


def _a_file(home: Path) -> None:
    home.write_text("not a directory")


@pytest.mark.parametrize(("make", "refused"), [
    (_nothing, None),
    (_empty, None),
    (_made_by_a_demo, None),
    (_real_ledger, "holds the keystore files of a real ledger (acme.json, admin.json)"),
    (_other_files, "holds files a demo did not create"),
    (_a_file, "is a file"),
])
def test_prepare_demo_home(tmp_path: Path, make: Callable[[Path], None], refused: str | None) -> None:
    home = tmp_path / "home"
    make(home)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    if refused is None:
        prepare_demo_home(home)
        assert sorted(p.name for p in home.iterdir()) == [MARKER]  # fresh, marked
    else:
        with pytest.raises(StateConflict, match=f"demo home {re.escape(str(home))}: .*{re.escape(refused)}"):
            prepare_demo_home(home)
        assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # nothing deleted
