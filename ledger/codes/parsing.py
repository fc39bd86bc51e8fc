"""One entry point for anything scanned or typed: which form it is, and the item key it names.

>>> parse_code("https://verify.example/01/09521234543213/21/12345?sig=abc").form
<CodeForm.DIGITAL_LINK: 'digital-link'>
>>> parse_code("3074257BF7194E4000001A85").key.canonical
'/01/80614141123458/21/6789'
>>> parse_code("]d2010952123454321310ABC\\x1d2112345").key.lot
'ABC'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from ..errors import InvalidCode
from .digital_link import DigitalLink
from .element_string import ElementString
from .epc import Sgtin, SgtinTag
from .identifiers import ItemKey
from .signature import SIGNATURE_PARAM

__all__ = ["MAX_CODE_LENGTH", "CodeForm", "ScannedCode", "parse_code"]

# Hostile input is rejected before any parser sees it; real codes are far shorter.
MAX_CODE_LENGTH = 4096

_EXPECTED = (
    "a GS1 Digital Link (https://host/01/{GTIN}/21/{serial}) or its path, an element string "
    "((01)…(21)… or raw with GS), an EPC URN or tag URI (urn:epc:…:sgtin…), or SGTIN hex (24 or 50 digits)"
)
_HEX = re.compile(r"(?:0[xX])?[0-9A-Fa-f]+")


class CodeForm(Enum):
    DIGITAL_LINK = "digital-link"
    DIGITAL_LINK_PATH = "digital-link-path"
    ELEMENT_STRING_HRI = "element-string-hri"
    ELEMENT_STRING_RAW = "element-string-raw"
    EPC_URN = "epc-urn"
    EPC_TAG_URI = "epc-tag-uri"
    EPC_HEX = "epc-hex"


@dataclass(frozen=True, slots=True)
class ScannedCode:
    """What a code said: the item key (with lot/expiry where the form carries them), form, signature."""

    key: ItemKey
    form: CodeForm
    signature: str | None
    raw: str


def _looks_like_epc_hex(text: str) -> bool:
    """Hex with 0x, an SGTIN header (30, 36) or a leading letter; other digit-led text is an element string."""
    if not _HEX.fullmatch(text):
        return False
    return text[:2] in ("0x", "0X", "30", "36") or not text[0].isdigit()


def _parse(text: str) -> tuple[ItemKey, CodeForm, str | None]:
    lowered = text[:16].lower()
    if lowered.startswith(("http://", "https://")) or text.startswith("/"):
        link = DigitalLink.parse(text)
        form = CodeForm.DIGITAL_LINK if link.base_url else CodeForm.DIGITAL_LINK_PATH
        return link.key, form, link.param(SIGNATURE_PARAM)
    if lowered.startswith("urn:epc:id:"):
        return Sgtin.parse(text).key(), CodeForm.EPC_URN, None
    if lowered.startswith("urn:epc:tag:"):
        return SgtinTag.parse(text).key(), CodeForm.EPC_TAG_URI, None
    if _looks_like_epc_hex(text):
        return SgtinTag.parse_hex(text).key(), CodeForm.EPC_HEX, None
    if text.startswith(("(", "]")) or text[:1].isdigit():
        code = ElementString.parse(text)
        body = text[len(code.symbology or "") :]
        form = CodeForm.ELEMENT_STRING_HRI if body.startswith("(") else CodeForm.ELEMENT_STRING_RAW
        return code.key, form, None
    raise InvalidCode("code", text, "is not a code in any form the ledger reads", _EXPECTED)


def parse_code(text: str) -> ScannedCode:
    """Recognise the form of ``text`` and read the item key; :class:`InvalidCode` says what is wrong."""
    if len(text) > MAX_CODE_LENGTH:
        raise InvalidCode("code", text, f"is {len(text)} characters long", f"at most {MAX_CODE_LENGTH} characters")
    stripped = text.strip()
    if not stripped:
        raise InvalidCode("code", text, "is empty", _EXPECTED)
    key, form, signature = _parse(stripped)
    return ScannedCode(key, form, signature, text)
