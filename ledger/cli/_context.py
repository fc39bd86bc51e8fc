"""The CLI's shared context: settings, the lazily opened ledger (or index alone), and text-or-JSON output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from ..errors import InvalidInput, KeystoreError, NotInitialised
from ..geo import Location, parse_location
from ..settings import Settings

if TYPE_CHECKING:  # imported where used: `ledger --help` and `ledger check` load neither the chain nor the index
    from sqlalchemy.engine import Engine

    from ..custody.ledger import Ledger
    from ..index.migrate import SchemaUpgrade

__all__ = ["CliContext", "output_file", "parse_coordinates", "pass_ctx", "read_input", "read_text_input", "report_upgrade"]


class CliContext:
    def __init__(self, settings: Settings, as_json: bool) -> None:
        self.settings = settings
        self.as_json = as_json
        self._ledger: Ledger | None = None
        self._engine: Engine | None = None

    def with_passphrase(self, confirm: bool = False) -> Settings:
        """The settings with the keystore passphrase, asked for (on the terminal, or read from standard input)
        unless LEDGER_PASSPHRASE gives it; only commands that sign call this."""
        if self.settings.passphrase is None:
            try:
                if sys.stdin is None:  # closed (`<&-`): nothing to ask
                    raise click.exceptions.Abort
                phrase = click.prompt("Keystore passphrase", hide_input=True, confirmation_prompt=confirm, err=True)
            except click.exceptions.Abort:
                if sys.stdin is not None and sys.stdin.isatty():
                    raise  # Ctrl-C or Ctrl-D at the prompt: "aborted"
                raise KeystoreError("(all)", "this command signs, and no passphrase was given: LEDGER_PASSPHRASE is not "
                                    "set and standard input is closed or ended before one was typed; set "
                                    "LEDGER_PASSPHRASE or run the command at a terminal") from None
            self.settings = Settings(**{**self.settings.__dict__, "passphrase": phrase})
        return self.settings

    def adopt(self, ledger: Ledger) -> None:
        """Use ``ledger`` (just created by ``ledger init``) for the rest of the command, and close it at the end."""
        self._ledger = ledger

    @property
    def ledger(self) -> Ledger:
        """The ledger with its keys, for commands that sign: asks for the passphrase unless LEDGER_PASSPHRASE is set."""
        if self._ledger is None:
            from ..custody.ledger import Ledger

            self._ledger = Ledger.open(self.with_passphrase())
            report_upgrade(self._ledger.schema_upgrade)
        return self._ledger

    @property
    def reader(self) -> Ledger:
        """The ledger for commands that sign nothing (verify, trace, audit, …): never asks for the passphrase;
        without LEDGER_PASSPHRASE its keystore is locked (lists keys and addresses, unlocks none)."""
        if self._ledger is None:
            from ..custody.ledger import Ledger

            self._ledger = Ledger.open(self.settings, signing=False)
            report_upgrade(self._ledger.schema_upgrade)
        return self._ledger

    def index(self) -> Engine:
        """The index alone, schema upgraded, for commands that need no chain and no keys (web accounts)."""
        if self._ledger is not None:
            return self._ledger.engine
        if self._engine is None:
            from ..index.engine import open_engine
            from ..index.migrate import upgrade_index
            from ..index.write_lock import WriteLock

            if not self.settings.deployment_file.exists():
                raise NotInitialised(str(self.settings.home))
            self._engine = open_engine(self.settings.database_url)
            report_upgrade(upgrade_index(self._engine, WriteLock(self._engine, self.settings.lock_file)))
        return self._engine

    def close(self) -> None:
        if self._ledger is not None:
            self._ledger.close()
        if self._engine is not None:
            self._engine.dispose()

    def emit(self, data: Any, human: Callable[[], None]) -> None:
        if self.as_json:
            click.echo(json.dumps(data, default=_json_default, indent=2))
        else:
            human()


def report_upgrade(upgrade: SchemaUpgrade | None) -> None:
    """One line on stderr when opening upgraded an existing index (not for a new one: `init` made it)."""
    if upgrade is not None and not upgrade.created:
        click.echo(str(upgrade), err=True)


def _json_default(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return "0x" + value.hex()
    raise TypeError(f"cannot encode {type(value).__name__}")


pass_ctx = click.make_pass_decorator(CliContext)


def parse_coordinates(text: str) -> Location:
    """A ``LAT,LON`` argument as a checked location."""
    lat, comma, lon = text.partition(",")
    if not comma:
        raise InvalidInput("LAT,LON", text, "is not two numbers separated by a comma", "e.g. 51.95,4.14")
    return parse_location({"lat": lat.strip(), "lon": lon.strip(), "site": ""})


def read_input(path: Path | str, option: str, max_bytes: int) -> bytes:
    """The bytes of a file named on the command line (``-``: standard input), at most ``max_bytes`` of them."""
    try:
        with click.open_file(str(path), "rb") as stream:
            data: bytes = stream.read(max_bytes + 1)
    except OSError as exc:
        raise InvalidInput(option, str(path), f"cannot be read ({exc.strerror or exc})", "a readable file") from None
    if len(data) > max_bytes:
        raise InvalidInput(option, str(path), f"is larger than {max_bytes:,} bytes", f"a file of at most {max_bytes:,} bytes")
    return data


def read_text_input(path: Path | str, option: str, max_bytes: int) -> str:
    """A UTF-8 text file named on the command line; InvalidInput names the line of a byte that is not UTF-8."""
    data = read_input(path, option, max_bytes)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InvalidInput(option, str(path), f"is not UTF-8 text (byte 0x{data[exc.start]:02X} on line {line})",
                           "a UTF-8 text file") from None


@contextmanager
def output_file(path: Path | str, option: str, mode: str = "w") -> Iterator[IO[Any]]:
    """A file to write (``-``: standard output); a path that cannot be written is an InvalidInput, not a crash."""
    try:
        with click.open_file(str(path), mode, encoding=None if "b" in mode else "utf-8") as stream:
            yield stream
    except OSError as exc:
        raise InvalidInput(option, str(path), f"cannot be written ({exc.strerror or exc})",
                           "a file in an existing directory you may write to") from None
