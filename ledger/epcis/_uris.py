"""Identifiers and vocabulary as the CBV 2.0 event hash writes them: EPC URNs and GS1 Digital
Link URIs on any domain become canonical ``https://id.gs1.org/…`` Digital Links; CBV words
and URNs become ``https://ref.gs1.org/cbv/…`` URIs.

>>> canonical_uri("urn:epc:id:sgln:0614141.07346.1234")
'https://id.gs1.org/414/0614141073467/254/1234'
>>> canonical_uri("urn:epc:id:sscc:4012345.0000000333")
'https://id.gs1.org/00/040123450000003338'
>>> cbv_uri("bizStep", "shipping")
'https://ref.gs1.org/cbv/BizStep-shipping'
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from biip.checksums import gs1_standard_check_digit

__all__ = ["CBV_PREFIXES", "canonical_uri", "cbv_uri", "cbv_word"]

_DL_BASE = "https://id.gs1.org"
# GS1 Digital Link primary keys: a URI whose path starts with one of these is a Digital Link.
_PRIMARY_KEYS = {"00", "01", "253", "255", "401", "402", "414", "417", "8003", "8004", "8006", "8010", "8013", "8017", "8018"}
CBV_PREFIXES = {"bizStep": "BizStep-", "disposition": "Disp-", "bizTransactionType": "BTT-", "sourceDestType": "SDT-",
                "errorReason": "ER-"}
_OLD_CBV = {"bizstep": "BizStep-", "disp": "Disp-", "btt": "BTT-", "sdt": "SDT-", "er": "ER-"}
_CBV_BASE = "https://ref.gs1.org/cbv/"


def _check(body: str) -> str:
    return body + str(gs1_standard_check_digit(body))


def _epc_urn(kind: str, parts: list[str]) -> str | None:
    """The Digital Link path of an EPC pure identity URN's parts, if it is a scheme we know."""
    # Every scheme's first part (the company prefix) is digits, and the check digit needs them to be.
    if not (parts[0].isascii() and parts[0].isdigit()):
        return None
    if kind in ("sgtin", "sscc", "sgln", "pgln", "gdti", "grai") and not (parts[1:2] and parts[1].isascii()
                                                                        and parts[1].isdigit()):
        return None
    if kind == "sgtin" and len(parts) == 3:
        prefix, item, serial = parts
        return f"/01/{_check(item[:1] + prefix + item[1:])}/21/{serial}"
    if kind == "sscc" and len(parts) == 2:
        prefix, serial = parts
        return f"/00/{_check(serial[:1] + prefix + serial[1:])}"
    if kind == "sgln" and len(parts) == 3:
        prefix, location, extension = parts
        return f"/414/{_check(prefix + location)}" + (f"/254/{extension}" if extension != "0" else "")
    if kind == "pgln" and len(parts) == 2:
        return f"/417/{_check(parts[0] + parts[1])}"
    if kind == "gdti" and len(parts) == 3:
        return f"/253/{_check(parts[0] + parts[1])}{parts[2]}"
    if kind == "giai" and len(parts) == 2:
        return f"/8004/{parts[0]}{parts[1]}"
    if kind == "grai" and len(parts) == 3:
        return f"/8003/0{_check(parts[0] + parts[1])}{parts[2]}"
    return None


def canonical_uri(text: str) -> str | None:
    """The canonical Digital Link of an EPC URN or a Digital Link on any host; None for anything else."""
    match = re.fullmatch(r"urn:epc:id:([a-z]+):(.+)", text)
    if match:
        path = _epc_urn(match.group(1), match.group(2).split("."))
        return None if path is None else _DL_BASE + unquote(path)
    if text.startswith(("https://", "http://")):
        try:
            parts = urlsplit(text)
        except ValueError:  # a bracketed host that is no IPv6 address: not a Digital Link
            return None
        segments = parts.path.split("/")
        # A Digital Link may sit under a path prefix on its host: find the primary key.
        for i, segment in enumerate(segments):
            if segment in _PRIMARY_KEYS and i + 1 < len(segments) and segments[i + 1]:
                return _DL_BASE + "/" + "/".join(segments[i:])
    return None


def cbv_uri(field: str, value: str) -> str:
    """A CBV value as its ``https://ref.gs1.org/cbv/`` URI (bare words and old URNs alike)."""
    match = re.fullmatch(r"urn:epcglobal:cbv:([a-z]+):(.+)", value)
    if match and match.group(1) in _OLD_CBV:
        return _CBV_BASE + _OLD_CBV[match.group(1)] + match.group(2)
    if ":" in value:
        return value
    return _CBV_BASE + CBV_PREFIXES[field] + value


def cbv_word(field: str, value: str) -> str:
    """The bare CBV word of a value given as a word, a ``https://ref.gs1.org/cbv/`` URI or an old URN."""
    uri = cbv_uri(field, value)
    prefix = _CBV_BASE + CBV_PREFIXES[field]
    return uri[len(prefix):] if uri.startswith(prefix) else value
