"""What a brand types about a product and its features, checked as hostile input (see :mod:`ledger.untrusted`).

>>> ProductFacts.parse("9521234543213", " Acme Aspirin 500 ", pack_size="20 tablets").name
'Acme Aspirin 500'
>>> ProductFacts.parse("09521234543213", "Acme Aspirin").gtin
'09521234543213'
>>> FeatureText.parse("Hologram on the cap\\r\\nchanges colour").text
'Hologram on the cap\\nchanges colour'
"""

from __future__ import annotations

from dataclasses import dataclass

from ..codes.identifiers import validate_gtin
from ..errors import InvalidInput
from ..untrusted import plain_text

__all__ = ["MAX_CONTACT", "MAX_DESCRIPTION", "MAX_FEATURE", "MAX_PACK_SIZE", "MAX_PRODUCT_NAME", "FeatureText",
           "ProductFacts"]

MAX_PRODUCT_NAME = 120
MAX_DESCRIPTION = 2000
MAX_PACK_SIZE = 80
MAX_CONTACT = 200
MAX_FEATURE = 500


def _line(field: str, value: str, max_length: int, expected: str, required: bool = False) -> str:
    text = plain_text(field, value.strip(), max_length, expected)
    if required and not text:
        raise InvalidInput(field, value, "is empty", expected)
    return text


def _paragraphs(field: str, value: str, max_length: int, expected: str, required: bool = False) -> str:
    """Text of several lines: each line printable, line ends made ``\\n``, at most ``max_length`` characters in all."""
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > max_length:
        raise InvalidInput(field, value, f"is longer than {max_length} characters", expected)
    for line in text.split("\n"):
        plain_text(field, line, max_length, expected)
    if required and not text:
        raise InvalidInput(field, value, "is empty", expected)
    return text


@dataclass(frozen=True)
class ProductFacts:
    """The text of a product's sheet: its GTIN (as GTIN-14), name, description, pack size and customs contact."""

    gtin: str
    name: str
    description: str = ""
    pack_size: str = ""
    contact: str = ""

    @classmethod
    def parse(cls, gtin: str, name: str, description: str = "", pack_size: str = "", contact: str = "") -> ProductFacts:
        return cls(
            validate_gtin(gtin),
            _line("name", name, MAX_PRODUCT_NAME, f"the product's name, 1 to {MAX_PRODUCT_NAME} printable characters",
                  required=True),
            _paragraphs("description", description, MAX_DESCRIPTION, f"at most {MAX_DESCRIPTION} printable characters"),
            _line("pack size", pack_size, MAX_PACK_SIZE, f"e.g. '20 tablets', at most {MAX_PACK_SIZE} characters"),
            _line("contact", contact, MAX_CONTACT,
                  f"who customs should call or write to, at most {MAX_CONTACT} printable characters"),
        )


@dataclass(frozen=True)
class FeatureText:
    """What tells the genuine product from a fake, in words (a picture may go with it)."""

    text: str

    @classmethod
    def parse(cls, text: str) -> FeatureText:
        return cls(_paragraphs("feature", text, MAX_FEATURE,
                               f"what to look for, 1 to {MAX_FEATURE} printable characters", required=True))
