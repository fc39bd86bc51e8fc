"""Identifiers and vocabulary as the CBV 2.0 event hash writes them: EPC URIs (pure identities
``urn:epc:id:…``, classes ``urn:epc:class:…`` and patterns ``urn:epc:idpat:…``) and GS1 Digital
Link URIs on any domain become constrained canonical ``https://id.gs1.org/…`` Digital Links (the
finest level of identification only, no query, no CPV); CBV words and URNs become
``https://ref.gs1.org/cbv/…`` URIs.

>>> canonical_uri("urn:epc:id:sgln:0614141.07346.1234")
'https://id.gs1.org/414/0614141073467/254/1234'
>>> canonical_uri("urn:epc:class:lgtin:4012345.012345.Lot987")
'https://id.gs1.org/01/04012345123456/10/Lot987'
>>> canonical_uri("urn:epc:idpat:sgtin:4012345.012345.*")
'https://id.gs1.org/01/04012345123456'
>>> canonical_uri("https://example.com/shop/gtin/9780345418913/cpv/344/lot/1223/ser/765tz?17=261231")
'https://id.gs1.org/01/09780345418913/21/765tz'
>>> cbv_uri("bizStep", "shipping")
'https://ref.gs1.org/cbv/BizStep-shipping'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from biip.checksums import gs1_standard_check_digit

__all__ = ["CBV_PREFIXES", "canonical_uri", "cbv_uri", "cbv_word"]

_DL_BASE = "https://id.gs1.org"
CBV_PREFIXES = {"bizStep": "BizStep-", "disposition": "Disp-", "bizTransactionType": "BTT-", "sourceDestType": "SDT-",
                "errorReason": "ER-"}
_OLD_CBV = {"bizstep": "BizStep-", "disp": "Disp-", "btt": "BTT-", "sdt": "SDT-", "er": "ER-"}
_CBV_BASE = "https://ref.gs1.org/cbv/"

# One character of an EPC URI component (TDS table A-1: GS1 AI character set 82, with " % & / < > ?
# escaped as %HH), and the characters a Digital Link must percent-encode on top (GS1 Digital Link
# table 7-1, as GS1's reference hash generator applies it). Escapes are kept as written.
_CHAR = r"(?:%[0-9A-Fa-f]{2}|[!'()*+,\-.0-9:;=A-Z_a-z])"
_ENCODE = re.compile(r'%(?![0-9A-Fa-f]{2})|[!"&()*+,:<>]')
_CPI_CHAR = r"(?:%2[3Ff]|[0-9A-Z\-])"  # component/part reference: digits, capitals, '-', '#' and '/' escaped


def _encoded(value: str) -> str:
    return _ENCODE.sub(lambda m: f"%{ord(m.group()):02X}", value)


def _chars(value: str, low: int, high: int, char: str = _CHAR) -> bool:
    """``value`` is ``low``..``high`` characters of ``char`` (an escape counts as one)."""
    return re.fullmatch(char + "*", value) is not None and low <= len(re.findall(char, value)) <= high


def _check(body: str) -> str:
    return body + str(gs1_standard_check_digit(body))


def _prefix_split(prefix: str, reference: str, total: int | None) -> bool:
    """A GS1 company prefix (6–12 digits) and a numeric reference of ``total`` digits together."""
    return (re.fullmatch(r"\d{6,12}", prefix) is not None and re.fullmatch(r"\d*", reference) is not None
            and (total is None or len(prefix) + len(reference) == total))


def _gtin(prefix: str, item: str) -> str:
    return _check(item[:1] + prefix + item[1:])


# Each scheme: the URI's body (after ``urn:epc:<kind>:<scheme>:``) → the Digital Link path, or None.
def _sgtin(body: str) -> str | None:
    prefix, item, serial = (body.split(".", 2) + ["", ""])[:3]
    if _prefix_split(prefix, item, 13) and _chars(serial, 1, 20):
        return f"/01/{_gtin(prefix, item)}/21/{_encoded(serial)}"
    return None


def _sscc(body: str) -> str | None:
    prefix, _, serial = body.partition(".")
    return f"/00/{_check(serial[:1] + prefix + serial[1:])}" if _prefix_split(prefix, serial, 17) else None


def _sgln(body: str) -> str | None:
    prefix, location, extension = (body.split(".", 2) + ["", ""])[:3]
    if not (_prefix_split(prefix, location, 12) and _chars(extension, 1, 20)):
        return None
    return f"/414/{_check(prefix + location)}" + (f"/254/{_encoded(extension)}" if extension != "0" else "")


def _grai(body: str) -> str | None:
    prefix, asset, serial = (body.split(".", 2) + ["", ""])[:3]
    return f"/8003/0{_check(prefix + asset)}{_encoded(serial)}" if _prefix_split(prefix, asset, 12) and _chars(serial, 1, 16) else None


def _giai(body: str) -> str | None:
    prefix, _, asset = body.partition(".")
    ok = _prefix_split(prefix, "", None) and _chars(asset, 1, 30 - len(prefix))
    return f"/8004/{prefix}{_encoded(asset)}" if ok else None


def _gsrn(ai: str) -> Callable[[str], str | None]:
    def convert(body: str) -> str | None:
        prefix, _, service = body.partition(".")
        return f"/{ai}/{_check(prefix + service)}" if _prefix_split(prefix, service, 17) else None
    return convert


def _gdti(body: str) -> str | None:
    prefix, kind, serial = (body.split(".", 2) + ["", ""])[:3]
    return f"/253/{_check(prefix + kind)}{_encoded(serial)}" if _prefix_split(prefix, kind, 12) and _chars(serial, 1, 17) else None


def _cpi(body: str) -> str | None:
    prefix, part, serial = (body.split(".", 2) + ["", ""])[:3]
    ok = _prefix_split(prefix, "", None) and _chars(part, 1, 30 - len(prefix), _CPI_CHAR) and re.fullmatch(r"\d{1,12}", serial)
    return f"/8010/{prefix}{part}/8011/{serial}" if ok else None


def _sgcn(body: str) -> str | None:
    prefix, coupon, serial = (body.split(".", 2) + ["", ""])[:3]
    return f"/255/{_check(prefix + coupon)}{serial}" if _prefix_split(prefix, coupon, 12) and re.fullmatch(r"\d{1,12}", serial) else None


def _ginc(body: str) -> str | None:
    prefix, _, consignment = body.partition(".")
    ok = _prefix_split(prefix, "", None) and _chars(consignment, 1, 30 - len(prefix))
    return f"/401/{prefix}{_encoded(consignment)}" if ok else None


def _gsin(body: str) -> str | None:
    prefix, _, shipper = body.partition(".")
    return f"/402/{_check(prefix + shipper)}" if _prefix_split(prefix, shipper, 16) else None


def _itip(body: str) -> str | None:
    prefix, item, piece, total, serial = (body.split(".", 4) + [""] * 4)[:5]
    ok = _prefix_split(prefix, item, 13) and re.fullmatch(r"\d{2}", piece) and re.fullmatch(r"\d{2}", total)
    return f"/8006/{_gtin(prefix, item)}{piece}{total}/21/{_encoded(serial)}" if ok and _chars(serial, 1, 20) else None


def _upui(body: str) -> str | None:
    prefix, item, tpx = (body.split(".", 2) + ["", ""])[:3]
    return f"/01/{_gtin(prefix, item)}/235/{_encoded(tpx)}" if _prefix_split(prefix, item, 13) and _chars(tpx, 1, 28) else None


def _pgln(body: str) -> str | None:
    prefix, _, party = body.partition(".")
    return f"/417/{_check(prefix + party)}" if _prefix_split(prefix, party, 12) else None


def _lgtin(body: str) -> str | None:
    prefix, item, lot = (body.split(".", 2) + ["", ""])[:3]
    return f"/01/{_gtin(prefix, item)}/10/{_encoded(lot)}" if _prefix_split(prefix, item, 13) and _chars(lot, 1, 20) else None


def _pattern(total: int, build: Callable[[str, str, list[str]], str], fixed: int = 0) -> Callable[[str], str | None]:
    """An EPC pattern whose class part is fixed and whose serial is ``*``: the Digital Link of the class."""
    def convert(body: str) -> str | None:
        parts = body.split(".")
        if len(parts) != 3 + fixed or parts[-1] != "*" or not _prefix_split(parts[0], parts[1] if total else "", total or None):
            return None
        if any(re.fullmatch(r"\d{2}", p) is None for p in parts[2:2 + fixed]):
            return None
        return build(parts[0], parts[1], parts[2:2 + fixed])
    return convert


def _cpi_pattern(body: str) -> str | None:
    prefix, part, star = (body.split(".", 2) + ["", ""])[:3]
    ok = star == "*" and _prefix_split(prefix, "", None) and _chars(part, 1, 30 - len(prefix), _CPI_CHAR)
    return f"/8010/{prefix}{part}" if ok else None


_SCHEMES: dict[tuple[str, str], Callable[[str], str | None]] = {
    ("id", "sgtin"): _sgtin, ("id", "sscc"): _sscc, ("id", "sgln"): _sgln, ("id", "grai"): _grai, ("id", "giai"): _giai,
    ("id", "gsrn"): _gsrn("8018"), ("id", "gsrnp"): _gsrn("8017"), ("id", "gdti"): _gdti, ("id", "cpi"): _cpi,
    ("id", "sgcn"): _sgcn, ("id", "ginc"): _ginc, ("id", "gsin"): _gsin, ("id", "itip"): _itip, ("id", "upui"): _upui,
    ("id", "pgln"): _pgln, ("class", "lgtin"): _lgtin,
    ("idpat", "sgtin"): _pattern(13, lambda p, i, _: f"/01/{_gtin(p, i)}"),
    ("idpat", "upui"): _pattern(13, lambda p, i, _: f"/01/{_gtin(p, i)}"),
    ("idpat", "itip"): _pattern(13, lambda p, i, pt: f"/8006/{_gtin(p, i)}{''.join(pt)}", fixed=2),
    ("idpat", "grai"): _pattern(12, lambda p, a, _: f"/8003/0{_check(p + a)}"),
    ("idpat", "gdti"): _pattern(12, lambda p, k, _: f"/253/{_check(p + k)}"),
    ("idpat", "sgcn"): _pattern(12, lambda p, c, _: f"/255/{_check(p + c)}"),
    ("idpat", "cpi"): _cpi_pattern,
}

# GS1 Digital Link: short names of keys and qualifiers, and what a constrained canonical link may hold.
_SHORT_NAMES = {"gtin": "01", "itip": "8006", "cpid": "8010", "gln": "414", "party": "417", "gsrnp": "8017", "gsrn": "8018",
                "gcn": "255", "sscc": "00", "gdti": "253", "ginc": "401", "gsin": "402", "grai": "8003", "giai": "8004",
                "cpv": "22", "lot": "10", "ser": "21"}
_KEYS = {"00": r"\d{18}", "01": r"\d{14}", "253": r"\d{13}" + _CHAR + "{0,17}", "255": r"\d{13}\d{0,12}",
         "401": _CHAR + "{1,30}", "402": r"\d{17}", "414": r"\d{13}", "417": r"\d{13}", "8003": r"\d{14}" + _CHAR + "{0,16}",
         "8004": _CHAR + "{1,30}", "8006": r"\d{18}", "8010": _CPI_CHAR + "{1,30}", "8017": r"\d{18}", "8018": r"\d{18}"}
_QUALIFIERS = {"01": ("22", "10", "21", "235"), "8006": ("22", "10", "21"), "414": ("254",), "8010": ("8011",)}
_QUALIFIER_VALUES = {"21": _CHAR + "{1,20}", "10": _CHAR + "{1,20}", "235": _CHAR + "{1,28}", "254": _CHAR + "{1,20}",
                     "8011": r"\d{1,12}", "22": _CHAR + "{1,20}"}


def _digital_link(text: str) -> str | None:
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. a bracketed host that is not an IP address
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    segments = [_SHORT_NAMES.get(s, s) for s in parts.path.split("/")]
    # A Digital Link may sit under a path prefix on its host: the primary key starts it.
    start = next((i for i, s in enumerate(segments) if s in _KEYS and i + 1 < len(segments) and segments[i + 1]), None)
    if start is None:
        return None
    key, value, *rest = segments[start:]
    if rest and rest[-1] == "":
        rest.pop()  # a trailing slash
    if key == "01" and len(value) in (8, 12, 13) and value.isdigit():
        value = value.zfill(14)
    if len(rest) % 2 or not re.fullmatch(_KEYS[key], value := _encoded(value)):
        return None
    qualifiers = dict(zip(rest[::2], (_encoded(v) for v in rest[1::2]), strict=True))
    order = _QUALIFIERS.get(key, ())
    if len(qualifiers) != len(rest) // 2 or [q for q in order if q in qualifiers] != list(qualifiers):
        return None  # unknown or repeated qualifiers, or out of the Digital Link's order
    if any(not re.fullmatch(_QUALIFIER_VALUES[q], v) for q, v in qualifiers.items()):
        return None
    qualifiers.pop("22", None)  # a CPV is below the finest level that identifies the item
    if "21" in qualifiers:
        qualifiers.pop("10", None)  # the serial identifies the instance; the lot is then an attribute
    if len(qualifiers) > 1:
        return None
    return f"{_DL_BASE}/{key}/{value}" + "".join(f"/{q}/{v}" for q, v in qualifiers.items())


def canonical_uri(text: str) -> str | None:
    """The constrained canonical Digital Link of an EPC URI or a Digital Link on any host; None for anything else."""
    match = re.fullmatch(r"urn:epc:(id|class|idpat):([a-z]+):(.+)", text)
    if match:
        convert = _SCHEMES.get((match.group(1), match.group(2)))
        path = convert(match.group(3)) if convert else None
        return None if path is None else _DL_BASE + path
    if text.startswith(("https://", "http://")):
        return _digital_link(text)
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
