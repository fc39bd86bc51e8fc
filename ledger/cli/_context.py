"""The CLI's shared context: settings, the lazily opened ledger, and text-or-JSON output."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import click

from ..custody.ledger import Ledger
from ..errors import InvalidInput
from ..settings import Settings

__all__ = ["CliContext", "output_file", "pass_ctx", "read_input", "read_text_input"]


class CliContext:
    def __init__(self, settings: Settings, as_json: bool) -> None:
        self.settings = settings
        self.as_json = as_json
        self._ledger: Ledger | None = None

    def with_passphrase(self, confirm: bool = False) -> Settings:
        if self.settings.passphrase is None:
            phrase = click.prompt("Keystore passphrase", hide_input=True, confirmation_prompt=confirm, err=True)
            self.settings = Settings(**{**self.settings.__dict__, "passphrase": phrase})
        return self.settings

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            self._ledger = Ledger.open(self.with_passphrase())
        return self._ledger

    def close(self) -> None:
        if self._ledger is not None:
            self._ledger.close()

    def emit(self, data: Any, human: Callable[[], None]) -> None:
        if self.as_json:
            click.echo(json.dumps(data, default=_json_default, indent=2))
        else:
            human()


def _json_default(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return "0x" + value.hex()
    raise TypeError(f"cannot encode {type(value).__name__}")


pass_ctx = click.make_pass_decorator(CliContext)


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
