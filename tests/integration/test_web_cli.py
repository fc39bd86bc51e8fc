"""`ledger user …` and `ledger token …`: accounts the web app accepts; bad input exits 1 or 2, nothing stored."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner

from ledger.cli.main import cli, main
from ledger.custody.ledger import Ledger
from ledger.index.accounts import authenticate, token_account

PASSWORD = "long enough pw"


def _base(ledger: Ledger) -> list[str]:
    s = ledger.settings
    return ["--home", str(s.home), "--chain", s.chain, "--database-url", s.database_url]


def _run(ledger: Ledger, *args: str, stdin: str | None = None) -> str:
    result = CliRunner().invoke(cli, [*_base(ledger), *args], input=stdin, env={"LEDGER_PASSPHRASE": "test passphrase"},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _fail(ledger: Ledger, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Through `main`, as a user runs it: the exit code and what is on stderr."""
    with pytest.raises(SystemExit) as exit_info:
        main([*_base(ledger), *args])
    return int(exit_info.value.code or 0), capsys.readouterr().err


def test_user_and_token_commands(ledger: Ledger) -> None:
    added = _run(ledger, "user", "add", "olga", "--party", "customs", "--password-stdin", stdin=PASSWORD + "\n")
    assert "added user olga for customs (officer)" in added
    assert authenticate(ledger.engine, "olga", PASSWORD) is not None
    prompted = _run(ledger, "user", "add", "ann", "--party", "acme", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert "added user ann" in prompted and PASSWORD not in prompted  # typed at a hidden prompt, confirmed
    token = _run(ledger, "token", "create", "--user", "olga", "--label", "gate scanner", "--days", "30").strip()
    account = token_account(ledger.engine, token)
    assert account is not None and account.party == "customs"
    _run(ledger, "token", "create", "--user", "ann", "--label", "shared")
    _run(ledger, "token", "create", "--user", "olga", "--label", "shared")
    users = json.loads(_run(ledger, "--json", "user", "list"))
    assert [(u["user"], u["party"], u["role"], u["tokens"]) for u in users] == [("ann", "acme", "brand", 1),
                                                                                 ("olga", "customs", "officer", 2)]
    listed = _run(ledger, "token", "list")
    tokens = json.loads(_run(ledger, "--json", "token", "list", "--user", "olga"))
    assert [(t["user"], t["label"]) for t in tokens] == [("olga", "gate scanner"), ("olga", "shared")]
    assert tokens[0]["expires_at"] is not None and tokens[1]["expires_at"] is None
    assert token not in listed and token.removeprefix("plt_")[:12] not in listed  # only the hash's start is shown
    revoked = _run(ledger, "token", "revoke", tokens[0]["id"])
    assert f"revoked token {tokens[0]['id']} of olga (gate scanner)" in revoked
    assert token_account(ledger.engine, token) is None
    _run(ledger, "token", "revoke", "--label", "shared", "--user", "ann")
    assert [t["user"] for t in json.loads(_run(ledger, "--json", "token", "list"))] == ["olga"]


def test_password_change_and_user_removal(ledger: Ledger) -> None:
    _run(ledger, "user", "add", "olga", "--party", "customs", "--password-stdin", stdin=PASSWORD + "\n")
    token = _run(ledger, "token", "create", "--user", "olga").strip()
    assert "0 sessions ended" in _run(ledger, "user", "password", "olga", "--password-stdin", stdin="a new long one\n")
    assert authenticate(ledger.engine, "olga", PASSWORD) is None
    assert authenticate(ledger.engine, "olga", "a new long one") is not None
    removed = json.loads(_run(ledger, "--json", "user", "remove", "olga"))
    assert removed == {"user": "olga", "tokens_revoked": 1, "sessions_ended": 0}
    assert authenticate(ledger.engine, "olga", "a new long one") is None and token_account(ledger.engine, token) is None
    assert json.loads(_run(ledger, "--json", "user", "list")) == []


REFUSALS: list[tuple[list[str], str, int, str]] = [
    (["user", "add", "olga", "--party", "customs", "--password-stdin"], PASSWORD, 1, "already exists"),
    (["user", "add", "bob", "--party", "nobody", "--password-stdin"], PASSWORD, 1, "no party named 'nobody'"),
    (["user", "add", "bob", "--party", "customs", "--password-stdin"], "short", 1, "shorter than 10 characters"),
    (["user", "add", "bob", "--party", "customs", "--password-stdin"], "", 1, "shorter than 10 characters"),
    # A password on the command line is visible to every user of the machine (ps): there is no such option.
    (["user", "add", "bob", "--party", "customs", "--password", PASSWORD], "", 2, "Did you mean '--password-stdin'"),
    (["user", "password", "nobody", "--password-stdin"], PASSWORD, 1, "'nobody': is not a web user"),
    (["user", "remove", "nobody"], "", 1, "'nobody': is not a web user"),
    (["token", "create", "--user", "nobody"], "", 1, "'nobody': is not a web user"),
    (["token", "list", "--user", "nobody"], "", 1, "'nobody': is not a web user"),
    (["token", "revoke"], "", 2, "give a token ID or --label"),
    (["token", "revoke", "0123456789ab", "--label", "gate"], "", 2, "give a token ID or --label"),
    (["token", "revoke", "xyz"], "", 1, "is not 8 to 64 hex digits"),
    (["token", "revoke", "0123456789ab"], "", 1, "matches no token"),
    (["token", "revoke", "--label", "shared"], "", 1, "matches more than one token"),
    (["token", "revoke", "--label", "gate", "--user", "olga"], "", 1, "matches no token"),
]


def test_refusals_say_why_and_change_nothing(ledger: Ledger, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    _run(ledger, "user", "add", "olga", "--party", "customs", "--password-stdin", stdin=PASSWORD + "\n")
    _run(ledger, "user", "add", "ann", "--party", "acme", "--password-stdin", stdin=PASSWORD + "\n")
    _run(ledger, "token", "create", "--user", "olga", "--label", "shared")
    _run(ledger, "token", "create", "--user", "ann", "--label", "shared")
    before = _run(ledger, "--json", "token", "list"), _run(ledger, "--json", "user", "list")
    for args, stdin, code, message in REFUSALS:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin + "\n"))
        exit_code, err = _fail(ledger, capsys, *args)
        assert (exit_code, message in err) == (code, True), (args, err)
    assert (_run(ledger, "--json", "token", "list"), _run(ledger, "--json", "user", "list")) == before
    assert authenticate(ledger.engine, "bob", PASSWORD) is None
