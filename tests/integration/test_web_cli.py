"""`ledger user add` and `ledger token create`: accounts the web app accepts; bad input exits 1 or 2, nothing stored."""

from __future__ import annotations

from click.testing import CliRunner

from ledger.cli.main import cli
from ledger.custody.ledger import Ledger
from ledger.index.accounts import authenticate, token_account


def test_user_and_token_commands(ledger: Ledger) -> None:
    s = ledger.settings
    base = ["--home", str(s.home), "--chain", s.chain, "--database-url", s.database_url]
    runner = CliRunner()
    env = {"LEDGER_PASSPHRASE": "test passphrase"}
    added = runner.invoke(cli, [*base, "user", "add", "olga", "--party", "customs", "--password", "long enough pw"], env=env)
    assert added.exit_code == 0, added.output
    assert "added user olga for customs (officer)" in added.output
    assert authenticate(ledger.engine, "olga", "long enough pw") is not None
    created = runner.invoke(cli, [*base, "token", "create", "--user", "olga", "--label", "gate scanner", "--days", "30"], env=env)
    assert created.exit_code == 0, created.output
    token = created.output.strip()
    account = token_account(ledger.engine, token)
    assert account is not None and account.party == "customs"
    for args in (["user", "add", "olga", "--party", "customs", "--password", "long enough pw"],  # exists
                 ["user", "add", "bob", "--party", "nobody", "--password", "long enough pw"],  # unknown party
                 ["user", "add", "bob", "--party", "customs", "--password", "short"],
                 ["token", "create", "--user", "nobody"]):
        refused = runner.invoke(cli, [*base, *args], env=env, standalone_mode=False)
        assert refused.exit_code != 0 or refused.exception is not None, args
    assert authenticate(ledger.engine, "bob", "long enough pw") is None
    assert token_account(ledger.engine, "plt_" + "x" * 43) is None
