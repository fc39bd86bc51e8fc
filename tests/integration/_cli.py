"""Running `ledger` in-process for the CLI tests: through click's runner, or through `main` as the command line does."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ledger.cli.main import cli, main


def run(env: dict[str, str], *args: str) -> str:
    """`ledger ARGS`'s output; the command must succeed."""
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def fail(env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    """Run through `main` so domain errors become an exit code and one line on stderr."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    return int(exit_info.value.code or 0), capsys.readouterr().err
