"""GS1 Digital Link URIs (GS1 DL URI syntax 1.x) for item keys.

Parsing is biip's ``GS1DigitalLinkURI``: any host, any path prefix before the
primary key, percent-decoding after splitting on ``/``, key qualifiers only in
GS1's order (for 01: 22, 10, 21), AIs also in the query, DD=00 expiry dates.
Written here by hand because biip lacks them:

* the short form, a bare path ``/01/…/21/…`` (biip wants scheme and host);
* non-GS1 query parameters such as the brand signature ``sig`` (biip drops them);
* rendering on our own base URL, http for a local server too, with extra
  parameters (biip renders only ``https://{domain}/{prefix}`` and GS1 AIs);
* error messages that name the rule broken (see ``ledger.codes._gs1``).

>>> link = DigitalLink.parse("https://example.com/p/01/09521234543213/10/ABC/21/12345?17=261200&sig=xyz")
>>> link.key.serial, link.key.lot, link.key.expiry.isoformat(), link.param("sig"), link.base_url
('12345', 'ABC', '2026-12-31', 'xyz', 'https://example.com/p')
>>> digital_link_uri(link.key, "https://verify.example", {"sig": "xyz"})
'https://verify.example/01/09521234543213/10/ABC/21/12345?17=261231&sig=xyz'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import SplitResult, parse_qsl, quote, unquote, urlsplit

import biip
from biip.gs1_digital_link_uris import GS1DigitalLinkURI

from ..errors import InvalidCode, InvalidItemKey
from ._gs1 import explain, invalid_code, key_from_elements, yymmdd
from .identifiers import ItemKey, validate_gtin
from .signature import SIGNATURE_PARAM

__all__ = ["DigitalLink", "digital_link_uri"]

_FORM = "GS1 Digital Link"
_EXPECTED = "http(s)://host[/prefix]/01/{GTIN}[/10/{lot}]/21/{serial}[?17={YYMMDD}], or the path alone"
# biip's structural complaints, reworded to say which rule of the URI syntax was broken.
_STRUCTURE_ERRORS = (
    (re.compile(r"even number of path segments"), "has a path segment without its pair (an AI without a value?)"),
    (re.compile(r"as qualifier, got '(.*)'"), "has path segment {0!r} where a numeric key qualifier in order 22, 10, 21 belongs"),
    (re.compile(r"Did not expect a qualifier, got '(.*)'"), "has path segment {0!r} after the last key qualifier"),
    (re.compile(r"URI scheme"), "is not an http or https URI"),
    (re.compile(r"primary identifier in the path"), "has no /01/{{GTIN}} in its path"),
)
_EXPECTED_BASE = "http(s)://host[/prefix] without query, fragment or a GS1 primary key AI as a path segment"
# GS1 DL's primary keys: a prefix segment equal to one would be read back as the key.
_PRIMARY_KEY_AIS = frozenset(
    ["00", "01", "253", "255", "401", "402", "414", "415", "417", "8003", "8004", "8006", "8010", "8013", "8017", "8018"]
)
# biip needs an absolute URI; the host of a short path carries no GS1 meaning.
_PLACEHOLDER_ORIGIN = "https://localhost"
# The form our labels print, [http(s)://host[:port]]/01/{GTIN-14}/21/{serial}[?sig=…], narrowed to text
# that needs no decoding (alphanumeric serial, decimal or base64url signature, plain lowercase host). The full
# parse (biip's URI and element-string parsers, ~80 µs) was the largest item in the verifier's profile
# and can only come to the same key; a regex and ItemKey take ~5 µs. Anything else, and any key
# ItemKey rejects, takes the full parser, so errors keep their wording.
_COMMON_FORM = re.compile(
    r"(?:(https?://[a-z0-9]+(?:[.-][a-z0-9]+)*(?::[0-9]{1,5})?))?"
    rf"/01/([0-9]{{14}})/21/([0-9A-Za-z]{{1,20}})(?:\?{SIGNATURE_PARAM}=([0-9A-Za-z_-]*))?"
)


def _split(text: str, field: str) -> SplitResult:
    """``urlsplit``, whose ValueError for a bracketed host that is no IPv6 address becomes InvalidCode."""
    try:
        return urlsplit(text)
    except ValueError as exc:
        raise InvalidCode(field, text, f"has a malformed host ({exc})", _EXPECTED_BASE) from None


def _check_base_url(base_url: str) -> str:
    base = base_url.rstrip("/")
    if not base:
        return ""
    parts = _split(base, "base URL")
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise InvalidCode("base URL", base_url, "is not an http(s) URL without query or fragment", _EXPECTED_BASE)
    if not parts.hostname or not parts.netloc.isprintable() or " " in parts.netloc:
        raise InvalidCode("base URL", base_url, "has no host, or spaces or control characters in it", _EXPECTED_BASE)
    try:
        port = parts.port  # ValueError for a port that is not a number or is above 65535
    except ValueError:
        port = 0
    if port == 0:
        raise InvalidCode("base URL", base_url, "has a port that is not a number from 1 to 65535", _EXPECTED_BASE)
    if _PRIMARY_KEY_AIS.intersection(parts.path.split("/")):
        raise InvalidCode("base URL", base_url, "has a GS1 primary key AI as a path segment", _EXPECTED_BASE)
    return base


def _params(pairs: Mapping[str, str] | Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    items = tuple(pairs.items() if isinstance(pairs, Mapping) else pairs)
    for name, _ in items:
        # Numeric names are GS1 AIs and would change what the link identifies.
        if not name or name.isdigit():
            raise InvalidCode("query parameter", name, "is empty or numeric", "a non-numeric name like 'sig'")
    return items


def digital_link_uri(
    key: ItemKey, base_url: str = "", params: Mapping[str, str] | Iterable[tuple[str, str]] = ()
) -> str:
    """Render ``key`` as a Digital Link on ``base_url`` (empty: the bare path), extra ``params`` last."""
    path = f"{_check_base_url(base_url)}/01/{key.gtin}"
    if key.lot is not None:
        path += f"/10/{quote(key.lot, safe='')}"
    path += f"/21/{quote(key.serial, safe='')}"
    query = [("17", yymmdd(key.expiry))] if key.expiry is not None else []
    query += _params(params)
    if not query:
        return path
    return path + "?" + "&".join(f"{quote(name, safe='')}={quote(value, safe='')}" for name, value in query)


@dataclass(frozen=True, slots=True)
class DigitalLink:
    """An item's Digital Link: the key, where it points, and its non-GS1 query parameters."""

    key: ItemKey
    base_url: str = ""
    params: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", _check_base_url(self.base_url))
        object.__setattr__(self, "params", _params(self.params))

    @classmethod
    def parse(cls, text: str) -> DigitalLink:
        """Parse a Digital Link URI on any host, or the bare path form."""
        text = text.strip()
        return _parse_common_form(text) or cls._parse_full(text)

    @classmethod
    def _parse_full(cls, text: str) -> DigitalLink:
        parts = _split(text, _FORM)
        if not parts.scheme and not text.startswith("/"):
            raise InvalidCode(_FORM, text, "is neither a URI nor a path", _EXPECTED)
        _check_query(parts.query, text)
        segments = parts.path.split("/")
        if "01" in segments[:-1]:
            # biip pads the GTIN to 14 digits, which would let /01/123/ through: a GTIN is judged as written, by ItemKey's rule.
            try:
                validate_gtin(unquote(segments[segments.index("01") + 1]))
            except InvalidItemKey as exc:
                raise invalid_code(exc) from None
        absolute = text if parts.scheme else _PLACEHOLDER_ORIGIN + text
        try:
            link = GS1DigitalLinkURI.parse(absolute)
        except biip.ParseError as exc:
            for pattern, problem in _STRUCTURE_ERRORS:
                if match := pattern.search(str(exc)):
                    raise InvalidCode(_FORM, text, problem.format(*match.groups()), _EXPECTED) from None
            raise explain(exc, _FORM, text) from None
        key = key_from_elements(link.element_strings, _FORM, text)
        prefix = "/".join(segments[: segments.index("01")]) if "01" in segments else ""
        base = f"{parts.scheme}://{parts.netloc}{prefix}" if parts.scheme else ""
        extra = tuple((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_ai(k))
        return cls(key, base, extra)

    def param(self, name: str) -> str | None:
        """The last value of a non-GS1 query parameter, as browsers and biip read repeats."""
        values = [value for key, value in self.params if key == name]
        return values[-1] if values else None

    @property
    def uri(self) -> str:
        return digital_link_uri(self.key, self.base_url, self.params)

    def __str__(self) -> str:
        return self.uri


def _is_ai(name: str) -> bool:
    return name.isascii() and name.isdigit()


def _check_query(query: str, text: str) -> None:
    """Each AI and the signature at most once, and no AI without a value: biip would keep the last or skip it."""
    seen: set[str] = set()
    for name, value in parse_qsl(query, keep_blank_values=True):
        if not (_is_ai(name) or name == SIGNATURE_PARAM):
            continue
        if name in seen:
            raise InvalidCode(_FORM, text, f"gives the query parameter {name} more than once",
                              "each AI and the signature at most once")
        seen.add(name)
        if _is_ai(name) and not value:
            raise InvalidCode(_FORM, text, f"gives AI {name} in the query without a value", f"{name}=VALUE, or no {name} at all")


def _parse_common_form(text: str) -> DigitalLink | None:
    """``text`` parsed as the common label form, or None for the full parser to decide."""
    match = _COMMON_FORM.fullmatch(text)
    if match is None:
        return None
    base, gtin, serial, signature = match.groups()
    try:
        key = ItemKey(gtin, serial)
    except InvalidItemKey:
        return None  # the full parser words the complaint
    return DigitalLink(key, base or "", () if signature is None else ((SIGNATURE_PARAM, signature),))
