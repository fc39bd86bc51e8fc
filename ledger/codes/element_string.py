"""GS1 element strings: the human-readable ``(01)…(21)…`` form and the raw scanner form.

The raw form is what a scanner sends for GS1 DataMatrix, GS1 QR or GS1-128:
AIs and values run together, a variable-length value (lot, serial) ends with
GS (``\\x1d``, the FNC1 separator) unless it is last, and an optional
symbology identifier such as ``]d2`` leads. Parsing is biip's; rendering puts
the fixed-length AIs (01, 17) first so that at most one GS is needed.

>>> code = ElementString.parse("(01)09521234543213(10)ABC123(21)12345(17)261231")
>>> code.key.serial, code.key.lot, code.key.expiry.isoformat()
('12345', 'ABC123', '2026-12-31')
>>> code.hri
'(01)09521234543213(17)261231(10)ABC123(21)12345'
>>> ElementString(code.key, "]d2").raw
']d201095212345432131726123110ABC123\\x1d2112345'
"""

from __future__ import annotations

import re
from contextlib import suppress
from dataclasses import dataclass

import biip
from biip.gs1_messages import GS1Message
from biip.symbology import GS1Symbology, SymbologyIdentifier

from ..errors import InvalidCode
from ._gs1 import EXPECTED_KEY, explain, key_from_elements, yymmdd
from .identifiers import ItemKey

__all__ = ["GS", "ElementString", "element_string_hri", "element_string_raw"]

GS = "\x1d"
_FORM = "GS1 element string"
_HRI_PAIR = re.compile(r"\((\d+)\)([^(]*)")
_GS1_SYMBOLOGIES = sorted(f"]{s.value}" for s in GS1Symbology.with_gs1_messages())


def element_string_hri(key: ItemKey) -> str:
    """``(01)…(17)…(10)…(21)…``; parentheses inside a lot or serial cannot be read back."""
    text = f"(01){key.gtin}"
    if key.expiry is not None:
        text += f"(17){yymmdd(key.expiry)}"
    if key.lot is not None:
        text += f"(10){key.lot}"
    return text + f"(21){key.serial}"


def element_string_raw(key: ItemKey, symbology: str | None = None) -> str:
    """The raw form with GS after a non-final lot, optionally led by a symbology identifier."""
    text = (symbology or "") + f"01{key.gtin}"
    if key.expiry is not None:
        text += f"17{yymmdd(key.expiry)}"
    if key.lot is not None:
        text += f"10{key.lot}{GS}"
    return text + f"21{key.serial}"


def _split_symbology(text: str) -> tuple[str | None, str]:
    if not text.startswith("]"):
        return None, text
    symbology = None
    # biip indexes the two characters after ']' without checking they are there.
    if len(text) >= 3:
        with suppress(biip.ParseError):
            symbology = SymbologyIdentifier.extract(text)
    if symbology is None or symbology.gs1_symbology not in GS1Symbology.with_gs1_messages():
        raise InvalidCode(
            _FORM, text, f"starts with symbology identifier {text[:3]!r}, which carries no GS1 data",
            "one of " + ", ".join(_GS1_SYMBOLOGIES),
        )
    return symbology.value, text[len(symbology.value):]


def _parse_hri(text: str, whole: str) -> GS1Message:
    compact = "".join(text.split())
    # biip skips text outside (AI)value pairs, e.g. after a '(' inside a value; refuse instead.
    if "".join(f"({ai}){value}" for ai, value in _HRI_PAIR.findall(compact)) != compact:
        raise InvalidCode(
            _FORM, whole, "has text outside (AI)value pairs, such as a '(' inside a value",
            "(AI)value pairs; a value with '(' needs the raw form or a Digital Link",
        )
    return GS1Message.parse_hri(compact)


@dataclass(frozen=True, slots=True)
class ElementString:
    """An item key read from (or to be written as) an element string; ``symbology`` like ``]d2``."""

    key: ItemKey
    symbology: str | None = None

    @classmethod
    def parse(cls, text: str) -> ElementString:
        """Parse the HRI form or the raw form (GS separators, optional symbology identifier)."""
        stripped = text.strip()
        symbology, body = _split_symbology(stripped)
        if not body:
            raise InvalidCode(_FORM, text, "has no data", EXPECTED_KEY)
        if not (body[0].isdigit() or body[0] == "("):
            raise InvalidCode(_FORM, text, "does not start with an application identifier", EXPECTED_KEY)
        try:
            message = _parse_hri(body, text) if body.startswith("(") else GS1Message.parse(body)
        except biip.ParseError as exc:
            raise explain(exc, _FORM, text) from None
        return cls(key_from_elements(message.element_strings, _FORM, text), symbology)

    @property
    def hri(self) -> str:
        return element_string_hri(self.key)

    @property
    def raw(self) -> str:
        return element_string_raw(self.key, self.symbology)

    def __str__(self) -> str:
        return self.hri
