"""Commands that sign nothing never ask for the keystore passphrase (issue 12 item 9); commands that sign refuse
clearly when there is none to ask for. LEDGER_PASSPHRASE is unset throughout, except to build the home."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from ledger.chain.keystore import Keystore
from ledger.cli.main import cli
from ledger.custody.ledger import Ledger
from ledger.errors import KeystoreError
from ledger.index.models import Scan
from ledger.settings import Settings

GTIN = "09521234543213"
CODE = f"/01/{GTIN}/21/1"
# The element-string form carries no brand signature, so verify judges it against the registry alone (genuine).
UNSIGNED = f"(01){GTIN}(21)"
REFUSAL = ("keystore of (all): this command signs, and no passphrase was given: LEDGER_PASSPHRASE is not set and "
           "standard input is closed or ended before one was typed")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with a brand, an officer, a carrier, five registered items and one shipment: built with the passphrase."""
    home = tmp_path_factory.mktemp("keyless") / "home"
    env = {"LEDGER_HOME": str(home), "LEDGER_PASSPHRASE": "keyless passphrase", "LEDGER_KDF_ITERATIONS": "16",
           "LEDGER_CHAIN": "embedded", "LEDGER_DATABASE_URL": ""}
    for args in (["init"], ["party", "add", "acme", "--role", "brand", "--prefix", "9521234"],
                 ["party", "add", "customs", "--role", "officer"], ["party", "add", "truck", "--role", "carrier"],
                 ["register", "--as", "acme", "--gtin", GTIN, "--count", "5"],
                 ["ship", "--as", "acme", "--to", "truck", f"/01/{GTIN}/21/2"],
                 ["pack", "--as", "acme", "--into", "095212340000000013", f"/01/{GTIN}/21/3"]):
        result = CliRunner().invoke(cli, args, env=env)
        assert result.exit_code == 0, result.output
    return home


def _env(home: Path) -> dict[str, str | None]:
    # None: the variable is removed from what the command sees.
    return {"LEDGER_HOME": str(home), "LEDGER_PASSPHRASE": None, "LEDGER_KDF_ITERATIONS": "16",
            "LEDGER_CHAIN": "embedded", "LEDGER_DATABASE_URL": ""}


def _process(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`ledger ARGS` in its own process with standard input closed and no LEDGER_PASSPHRASE."""
    env = {k: v for k, v in {**os.environ, **_env(home)}.items() if v is not None}
    env.pop("LEDGER_PASSPHRASE", None)
    return subprocess.run([sys.executable, "-m", "ledger.cli", *args], env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=300)


# The commands that only read (or, like sync and verify's scan, write only what needs no key), run in-process:
# the runner's standard input is empty, so a prompt would end the command with the refusal instead.
KEYLESS = [
    ["verify", UNSIGNED + "1", "--no-record"],
    ["verify", UNSIGNED + "1", "--as", "customs", "--site", "Port of Rotterdam"],
    ["trace", CODE],
    ["audit"],
    ["party", "list"],
    ["sync"],
    ["rfid", "encode", CODE],
    ["rfid", "decode", "urn:epc:id:sgtin:9521234.054321.1"],
    ["brands", "export", "--out", "{tmp}/brands.json"],
    ["epcis", "export", CODE, "--out", "{tmp}/trail.json"],
    ["contents", "095212340000000013"],
    ["db", "current"],
    ["intel", "hotspots"],
    ["risk"],
    ["user", "list"],
    ["token", "list"],
    ["alerts", "list"],
]


@pytest.mark.parametrize("args", KEYLESS, ids=lambda a: " ".join(a[:2]))
def test_a_command_that_signs_nothing_needs_no_passphrase(home: Path, tmp_path: Path, args: list[str]) -> None:
    result = CliRunner().invoke(cli, ["--json", *(a.format(tmp=tmp_path) for a in args)], env=_env(home))
    assert result.exit_code == 0, result.output
    assert "passphrase" not in result.output


def test_verify_trace_and_audit_run_with_stdin_closed(home: Path) -> None:
    verified = _process(home, "--json", "verify", UNSIGNED + "4", "--as", "customs")
    assert verified.returncode == 0, verified.stderr
    assert json.loads(verified.stdout)["verdict"] == "genuine"
    assert "passphrase" not in verified.stderr.lower()
    traced = _process(home, "--json", "trace", f"/01/{GTIN}/21/2")
    assert traced.returncode == 0, traced.stderr
    assert [step["action"] for step in json.loads(traced.stdout)] == ["register", "ship"]
    audited = _process(home, "audit")
    assert audited.returncode == 0, audited.stderr
    assert "clean: every record matches the chain" in audited.stdout


def test_the_scan_verify_as_records_is_attributed_without_the_key(home: Path) -> None:
    result = CliRunner().invoke(cli, ["verify", UNSIGNED + "5", "--as", "customs"], env=_env(home))
    assert result.exit_code == 0, result.output
    with Ledger.open(Settings.from_env({"LEDGER_HOME": str(home)}), signing=False) as ledger, Session(ledger.engine) as s:
        parties = {row.party for row in s.exec(select(Scan))}
        customs = ledger.party("customs").address
    assert customs in parties


@pytest.mark.parametrize("args", [
    ["register", "--as", "acme", "--gtin", GTIN, "--count", "1", "--start", "100"],
    ["status", "stolen", "--as", "acme", f"/01/{GTIN}/21/1"],
    ["labels", "--as", "acme", "--format", "uri", CODE],
], ids=lambda a: a[0])
def test_a_command_that_signs_refuses_without_a_passphrase(home: Path, args: list[str]) -> None:
    done = _process(home, *args)
    assert done.returncode == 1, done.stderr
    assert f"error: {REFUSAL}" in done.stderr


def test_a_command_that_signs_still_prompts(home: Path) -> None:
    result = CliRunner().invoke(cli, ["status", "stolen", "--as", "acme", f"/01/{GTIN}/21/1"], env=_env(home),
                                input="keyless passphrase\n")
    assert result.exit_code == 0, result.output
    assert "Keystore passphrase" in result.output


def test_a_locked_keystore_lists_keys_and_unlocks_none(home: Path) -> None:
    keystore = Keystore(home / "keystore", None)
    assert keystore.names() == ["acme", "admin", "customs", "truck"]
    with Ledger.open(Settings.from_env({"LEDGER_HOME": str(home)}), signing=False) as ledger:
        assert keystore.address_of("acme") == ledger.party("acme").address
        assert ledger.keystore.names() == keystore.names()
        with pytest.raises(KeystoreError, match="the keystore is locked: this command opened the ledger without"):
            ledger.keystore.unlock("acme")
    with pytest.raises(KeystoreError, match="the passphrase is empty"):
        Keystore(home / "keystore", "")
