"""Item keys: GTIN-14 + serial (GS1 AI 01 + AI 21), with lot and expiry as attributes.

GS1's rules come from biip: check digits from its GTIN parser, the AI 10/21
character sets from its table of application identifiers.

>>> key = ItemKey.parse("/01/09521234543213/21/12345")
>>> key.gtin, key.serial
('09521234543213', '12345')
>>> key.item_id.hex()[:16]
'6a80d307dbf07958'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from urllib.parse import quote, unquote

import biip
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gtin import Gtin

from ..errors import InvalidItemKey
from ..proofs.keccak import keccak256

__all__ = [
    "ItemKey",
    "ai_value_pattern",
    "canonical_key",
    "item_id_of",
    "serial_order",
    "validate_gtin",
    "validate_lot",
    "validate_serial",
]


@cache
def ai_value_pattern(ai: str) -> re.Pattern[str]:
    """The value part of an AI's pattern in biip's GS1 table (the table anchors AI + value)."""
    pattern = GS1ApplicationIdentifier.extract(ai).pattern
    return re.compile(pattern.removeprefix("^" + ai))


_GTIN_LENGTHS = "8, 12, 13 or 14 digits (GTIN-8, -12, -13 or -14)"


# A ledger has few products and many items: every scan and every key re-checks one of a few GTINs,
# and biip's parse showed up in the verifier's profile. Invalid ones raise and are not cached.
@lru_cache(maxsize=4096)
def validate_gtin(value: str) -> str:
    """Check a GTIN-8/12/13/14 and return it as GTIN-14."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()):
        raise InvalidItemKey("GTIN", value, "has characters other than the digits 0-9", _GTIN_LENGTHS)
    # The one rule for every entry point (register, any code form): biip would also read a GTIN
    # padded from fewer digits (as its Digital Link parser does), so the length is checked here first.
    if len(text) not in (8, 12, 13, 14):
        raise InvalidItemKey("GTIN", value, f"is {len(text)} digits long", _GTIN_LENGTHS)
    try:
        return Gtin.parse(text).as_gtin_14()
    except biip.ParseError as exc:
        raise InvalidItemKey("GTIN", value, str(exc).rstrip("."), "a GTIN with a valid GS1 check digit") from None


def _validate_ai(ai: str, name: str, value: str) -> str:
    if not ai_value_pattern(ai).fullmatch(value):
        if not value:
            problem = "is empty"
        elif len(value) > 20:
            problem = f"is {len(value)} characters long"
        else:
            bad = sorted({c for c in value if not ai_value_pattern(ai).fullmatch(c)})
            problem = "has characters outside GS1's set: " + " ".join(repr(c) for c in bad)
        raise InvalidItemKey(name, value, problem, f"1 to 20 characters of GS1's AI {ai} set (A-Z a-z 0-9 and !\"%&'()*+,-./:;<=>?_)")
    return value


def validate_serial(value: str) -> str:
    return _validate_ai("21", "serial", value)


def validate_lot(value: str) -> str:
    return _validate_ai("10", "lot", value)


def canonical_key(gtin14: str, serial: str) -> str:
    """The one way to write an item key: ``/01/{gtin14}/21/{serial}``, serial percent-encoded.

    >>> canonical_key("09521234543213", "A/1")
    '/01/09521234543213/21/A%2F1'
    """
    # quote() is a third of the cost of a key and a no-op on the common alphanumeric serial.
    encoded = serial if serial.isalnum() and serial.isascii() else quote(serial, safe="")
    return f"/01/{gtin14}/21/{encoded}"


_DIGIT_RUNS = re.compile(r"(\d+)")


def serial_order(serial: str) -> tuple[tuple[int, int, str], ...]:
    """A sort key that puts serials in natural order: runs of digits compare as numbers.

    >>> sorted(["10", "9", "100", "A10", "A9", "007", "7"], key=serial_order)
    ['007', '7', '9', '10', '100', 'A9', 'A10']
    """
    # Each run: digits (0, value, text) before other text (1, 0, text); the text breaks ties such as 007 and 7.
    return tuple((0, int(run), run) if run.isdigit() else (1, 0, run) for run in _DIGIT_RUNS.split(serial) if run)


def item_id_of(gtin14: str, serial: str) -> bytes:
    """keccak256 of the canonical key string; no validation (callers validate once per batch)."""
    return keccak256(canonical_key(gtin14, serial).encode())


@dataclass(frozen=True, slots=True)
class ItemKey:
    """One serialised item. ``gtin`` is always 14 digits; ``serial`` in GS1's AI 21 set."""

    gtin: str
    serial: str
    lot: str | None = None
    expiry: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "gtin", validate_gtin(self.gtin))
        validate_serial(self.serial)
        if self.lot is not None:
            validate_lot(self.lot)

    @classmethod
    def parse(cls, text: str) -> ItemKey:
        """Parse the canonical path ``/01/{gtin}/21/{serial}`` (other code forms: ``ledger.codes.parsing``)."""
        match = re.fullmatch(r"/01/([0-9]{8,14})/21/([^/?#]+)", text.strip())
        if not match:
            raise InvalidItemKey("item key", text, "is not a canonical key", "/01/{GTIN-14}/21/{serial}")
        return cls(match.group(1), unquote(match.group(2)))

    @property
    def canonical(self) -> str:
        """The GS1 Digital Link path that identifies the item; serial percent-encoded."""
        return canonical_key(self.gtin, self.serial)

    @property
    def item_id(self) -> bytes:
        """The on-chain id: keccak256 of :attr:`canonical`."""
        return item_id_of(self.gtin, self.serial)

    def __str__(self) -> str:
        return self.canonical
