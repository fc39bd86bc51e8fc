"""`ledger init --redeploy` leaves a home whose parties work again: after a Hardhat node restart, and for
key files an older redeploy left without party records."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlmodel import Session, col

from ledger.cli.main import main
from ledger.custody.ledger import Ledger
from ledger.index.engine import open_engine
from ledger.index.models import Party, PrefixBinding
from ledger.settings import Settings
from tests._hardhat import hardhat_node

GTIN = "09521234543213"


def _ledger(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], env: dict[str, str],
            *args: str) -> tuple[int, str, str]:
    """Run `ledger ARGS` as the command line does: (exit code, stdout, stderr)."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    try:
        main(list(args))
        code = 0
    except SystemExit as exit_info:
        code = int(exit_info.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _env(home: Path, chain: str, database_url: str = "") -> dict[str, str]:
    return {"LEDGER_HOME": str(home), "LEDGER_PASSPHRASE": "redeploy passphrase", "LEDGER_KDF_ITERATIONS": "16",
            "LEDGER_CHAIN": chain, "LEDGER_DATABASE_URL": database_url}


def test_redeploy_after_a_node_restart_restores_parties(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                                        tmp_path: Path, postgres_url: str) -> None:
    home = tmp_path / "home"
    monkeypatch.setattr("sys.stdin", io.StringIO("long enough pw\n"))  # for `user add --password-stdin`
    with hardhat_node() as first:
        env = _env(home, first, postgres_url)
        for args in (["init"], ["party", "add", "acme", "--role", "brand", "--prefix", "9521234"],
                     ["party", "add", "truck", "--role", "carrier"], ["party", "locate", "truck", "51.26,4.40"],
                     ["user", "add", "tom", "--party", "truck", "--password-stdin"],
                     ["register", "--as", "acme", "--gtin", GTIN, "--count", "3"]):
            assert _ledger(monkeypatch, capsys, env, *args)[0] == 0, args
        keys = {p.name: p.read_bytes() for p in (home / "keystore").iterdir()}
    with hardhat_node() as second:  # the restarted node: a new, empty chain
        env = _env(home, second, postgres_url)
        code, _, err = _ledger(monkeypatch, capsys, env, "register", "--as", "acme", "--gtin", GTIN, "--count", "1")
        assert code == 1 and "ledger init --redeploy" in err
        code, out, err = _ledger(monkeypatch, capsys, env, "--json", "init", "--redeploy")
        assert code == 0, err
        assert json.loads(out)["parties"] == ["acme (brand): BRAND_ROLE granted again, prefix 9521234 bound again",
                                              "truck (carrier): CUSTODIAN_ROLE, CARRIER_ROLE granted again, 1 premises committed again"]
        # The items went with the old chain; the parties work again, under the same keys.
        code, out, err = _ledger(monkeypatch, capsys, env, "--json", "register", "--as", "acme", "--gtin", GTIN, "--count", "3")
        assert (code, json.loads(out)["count"]) == (0, 3), err
        code, _, err = _ledger(monkeypatch, capsys, env, "ship", "--as", "acme", "--to", "truck", f"/01/{GTIN}/21/1")
        assert code == 0, err
        code, _, err = _ledger(monkeypatch, capsys, env, "party", "add", "acme", "--role", "brand", "--prefix", "9521234")
        assert code == 1 and "party acme: already exists" in err and "act as it with `--as acme`" in err
        code, out, _ = _ledger(monkeypatch, capsys, env, "--json", "party", "list")
        listed = {p["name"]: p for p in json.loads(out)}
        assert listed["acme"]["prefixes"] == ["9521234"] and listed["truck"]["premises"][0]["lat"] == 51.26
        code, out, err = _ledger(monkeypatch, capsys, env, "audit")
        assert code == 0, out + err
        assert {p.name: p.read_bytes() for p in (home / "keystore").iterdir()} == keys  # no key touched
        # Moving to a contract someone else deployed: nothing can be granted from here, so each line says what to ask.
        other = _env(tmp_path / "other", second)
        code, out, err = _ledger(monkeypatch, capsys, other, "--json", "init")
        assert code == 0, err
        contract = json.loads(out)["contract"]
        code, out, err = _ledger(monkeypatch, capsys, env, "--json", "init", "--redeploy", "--attach", contract)
        assert code == 0, err
        assert json.loads(out)["parties"] == [
            f"acme (brand): the contract's admin must grant BRAND_ROLE to {listed['acme']['address']}, bind prefix 9521234 to it",
            (f"truck (carrier): the contract's admin must grant CUSTODIAN_ROLE to {listed['truck']['address']}, "
             f"grant CARRIER_ROLE to {listed['truck']['address']}; then `ledger init --redeploy --attach {contract}` "
             "again commits its 1 premises")]
        # Once that admin has done so, running it again commits what only the party itself may commit.
        with Ledger.open(Settings.from_env(other)) as theirs:
            admin = theirs.keystore.unlock("admin")
            for role in ("CUSTODIAN", "CARRIER"):
                theirs.chain.grant_role(admin, role, listed["truck"]["address"])
            theirs.chain.fund(listed["truck"]["address"], 10**18)
        code, out, err = _ledger(monkeypatch, capsys, env, "--json", "init", "--redeploy", "--attach", contract)
        assert code == 0, err
        assert json.loads(out)["parties"][1] == "truck (carrier): ready on this contract, 1 premises committed again"
    with Session(open_engine(postgres_url)) as s:
        assert s.get(Party, listed["truck"]["address"]) is not None


def test_redeploy_names_orphan_keys_and_party_add_takes_them_back(monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A home an older `init --redeploy` left with key files but no party records, and a brand learned by `ledger sync`."""
    home = tmp_path / "home"
    env = _env(home, "embedded")
    for args in (["init"], ["party", "add", "acme", "--role", "brand", "--prefix", "9521234"]):
        assert _ledger(monkeypatch, capsys, env, *args)[0] == 0, args
    acme = json.loads(_ledger(monkeypatch, capsys, env, "--json", "party", "list")[1])[1]["address"]
    engine = open_engine(f"sqlite:///{home / 'index.sqlite'}")
    with Session(engine) as s:  # what the older redeploy left: acme's key file, no party row
        s.execute(delete(PrefixBinding))
        s.execute(delete(Party).where(col(Party.name) == "acme"))
        s.add(Party(address="0x" + "ab" * 20, name="brand-abababab", role="brand", created_at=datetime.now(UTC)))
        s.add(PrefixBinding(prefix="0614141", brand="0x" + "ab" * 20))
        s.commit()
    engine.dispose()
    code, out, err = _ledger(monkeypatch, capsys, env, "init", "--redeploy")
    assert code == 0, err
    assert "brand-abababab: dropped (this home holds no key for 0xabab" in out
    assert "acme: a key without a party record; `ledger party add acme --role ROLE`" in out
    code, out, err = _ledger(monkeypatch, capsys, env, "party", "add", "acme", "--role", "brand", "--prefix", "9521234")
    assert code == 0 and f"added acme (brand) {acme} prefixes 9521234 with the key already in this home" in out, err
    assert _ledger(monkeypatch, capsys, env, "register", "--as", "acme", "--gtin", GTIN, "--count", "2")[0] == 0
    names = [p["name"] for p in json.loads(_ledger(monkeypatch, capsys, env, "--json", "party", "list")[1])]
    assert names == ["admin", "acme"]
