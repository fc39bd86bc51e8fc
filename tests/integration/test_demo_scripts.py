"""The demo scripts never touch the user's ledger home: they keep their own, and refuse one they did not make."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ledger.chain.roles import Role
from ledger.cli.demo_home import MARKER
from ledger.custody.ledger import Ledger
from ledger.settings import Settings
from tests._hardhat import ROOT

USER_PASSPHRASE = "the user's own passphrase"


@pytest.fixture
def real_home(tmp_path: Path) -> Path:
    """A user's ledger home, as the Quickstart makes it: keys that exist nowhere else."""
    settings = Settings(home=tmp_path / "ledger-home", passphrase=USER_PASSPHRASE, kdf_iterations=16)
    with Ledger.init(settings) as ledger:
        ledger.add_party("acme", Role.BRAND, ["9521234"])
    return settings.home


def _files(home: Path) -> dict[str, bytes]:
    return {str(p.relative_to(home)): p.read_bytes() for p in home.rglob("*")
            if p.is_file() and ("keystore" in p.parts or p.name == "deployment.json")}


def _environment(real_home: Path, demo_home: Path) -> dict[str, str]:
    # What the Quickstart leaves exported in the shell, and where the demo is told to keep its own home.
    return {**os.environ, "LEDGER_HOME": str(real_home), "LEDGER_PASSPHRASE": USER_PASSPHRASE,
            "LEDGER_DATABASE_URL": f"sqlite:///{real_home / 'index.sqlite'}", "DEMO_HOME": str(demo_home)}


def test_demo_keeps_its_own_home(real_home: Path, tmp_path: Path) -> None:
    before = _files(real_home)
    demo_home = tmp_path / "demo-home"
    done = subprocess.run([str(ROOT / "scripts" / "demo.sh")], env=_environment(real_home, demo_home), capture_output=True,
                          text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert _files(real_home) == before  # the user's keys and deployment, untouched
    assert (demo_home / MARKER).is_file() and (demo_home / "keystore" / "acme.json").is_file()
    assert USER_PASSPHRASE not in done.stdout + done.stderr  # the demo uses a passphrase of its own, and prints only that


@pytest.mark.parametrize("command", [
    ["scripts/demo.sh"],
    ["scripts/serve-demo.sh"],
    [sys.executable, "scripts/demo_data.py", "--home", "{home}"],
], ids=["demo.sh", "serve-demo.sh", "demo_data.py"])
def test_demos_refuse_a_home_they_did_not_make(real_home: Path, command: list[str]) -> None:
    before = _files(real_home)
    args = [a.replace("{home}", str(real_home)) for a in command]
    done = subprocess.run(args, cwd=ROOT, env=_environment(real_home, real_home), capture_output=True, text=True,
                          timeout=1800)
    assert done.returncode != 0
    assert f"demo home {real_home}: holds the keystore files of a real ledger (acme.json, admin.json)" in done.stderr
    assert _files(real_home) == before
