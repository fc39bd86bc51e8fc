"""The CLI's shared context: settings, the lazily opened ledger, and text-or-JSON output."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from typing import Any

import click

from ..custody.ledger import Ledger
from ..errors import InvalidInput
from ..geo import Location, parse_location
from ..settings import Settings

__all__ = ["CliContext", "pass_ctx", "parse_coordinates"]


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

    def adopt(self, ledger: Ledger) -> None:
        """Use ``ledger`` (just created by ``ledger init``) for the rest of the command, and close it at the end."""
        self._ledger = ledger

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


def parse_coordinates(text: str) -> Location:
    """A ``LAT,LON`` argument as a checked location."""
    lat, comma, lon = text.partition(",")
    if not comma:
        raise InvalidInput("LAT,LON", text, "is not two numbers separated by a comma", "e.g. 51.95,4.14")
    return parse_location({"lat": lat.strip(), "lon": lon.strip(), "site": ""})
