"""EPC Tag Data Standard (TDS 2.x) SGTIN: pure-identity URN, tag URIs, SGTIN-96/198 binary as hex.

Written here rather than taken from PyPI: the one candidate, ``epcpy`` (0.1.x,
"beta", no release since early 2025), builds bit strings as text and covers
all schemes; the ledger needs SGTIN only, checked against the standard's own
examples (tests/unit/test_epc.py).

Encoding needs the GS1 company prefix length (6-12 digits): a GTIN alone does
not tell where the prefix ends. Decoding hex does not: the partition is in the
bits. SGTIN-96 holds numeric serials below 2^38 without leading zeros; any
other serial goes to SGTIN-198 (7-bit characters, at most 20) unchanged.

>>> tag = SgtinTag.parse_hex("3074257BF7194E4000001A85")
>>> tag.uri, tag.sgtin.urn, tag.sgtin.key().gtin
('urn:epc:tag:sgtin-96:3.0614141.812345.6789', 'urn:epc:id:sgtin:0614141.812345.6789', '80614141123458')
>>> SgtinTag.for_key(tag.sgtin.key(), 7, filter_value=3).hex
'3074257BF7194E4000001A85'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from biip.checksums import gs1_standard_check_digit

from ..errors import InvalidCode, InvalidItemKey
from .identifiers import ItemKey, validate_serial

__all__ = ["DEFAULT_FILTER", "PARTITIONS", "EpcScheme", "Sgtin", "SgtinTag", "fits_sgtin96"]

# Filter value 1: point-of-sale trade item (TDS table "SGTIN filter values").
DEFAULT_FILTER = 1

# Partition value -> (company prefix digits, prefix bits, item reference bits).
PARTITIONS: dict[int, tuple[int, int, int]] = {
    0: (12, 40, 4), 1: (11, 37, 7), 2: (10, 34, 10), 3: (9, 30, 14),
    4: (8, 27, 17), 5: (7, 24, 20), 6: (6, 20, 24),
}
_PARTITION_OF_LENGTH = {digits: p for p, (digits, _, _) in PARTITIONS.items()}

# Characters of GS1 AI set 82 that an EPC URI must percent-encode (TDS "URI form" escaping).
_ESCAPES = {'"': "%22", "%": "%25", "&": "%26", "/": "%2F", "<": "%3C", ">": "%3E", "?": "%3F"}
_URN_SERIAL = re.compile(r"(?:[A-Za-z0-9\-.:;=_'()*+,!]|%[0-9A-Fa-f]{2})+")
# [0-9], not \d: \d also matches other scripts' digits, which are no part of an EPC.
_PURE = re.compile(r"urn:epc:id:sgtin:([0-9]+)\.([0-9]+)\.(.+)")
_TAG = re.compile(r"urn:epc:tag:(sgtin-96|sgtin-198):([0-9]+)\.([0-9]+)\.([0-9]+)\.(.+)")
_SERIAL_96_MAX = 1 << 38
_EXPECTED_HEX = "24 hex digits (SGTIN-96, header 30) or 50/52 (SGTIN-198, header 36)"


class EpcScheme(Enum):
    """The binary encodings of an SGTIN; values are the TDS scheme names and headers."""

    SGTIN_96 = ("sgtin-96", 0x30, 96)
    SGTIN_198 = ("sgtin-198", 0x36, 198)

    @property
    def label(self) -> str:
        return self.value[0]

    @property
    def header(self) -> int:
        return self.value[1]

    @property
    def bits(self) -> int:
        return self.value[2]


def _escape(serial: str) -> str:
    return "".join(_ESCAPES.get(c, c) for c in serial)


def _unescape(text: str) -> str:
    if not _URN_SERIAL.fullmatch(text):
        raise InvalidCode(
            "EPC serial", text, "has a character an EPC URI must not carry as is, or a % without two hex digits",
            'GS1 AI 82 characters with " % & / < > ? percent-encoded (%22 %25 %26 %2F %3C %3E %3F)',
        )
    return re.sub(r"%([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), text)


def fits_sgtin96(serial: str) -> bool:
    """Numeric, no leading zero (except "0" itself), below 2^38: TDS's rule for SGTIN-96."""
    return serial.isascii() and serial.isdigit() and (serial == "0" or serial[0] != "0") and int(serial) < _SERIAL_96_MAX


@dataclass(frozen=True, slots=True)
class Sgtin:
    """An SGTIN pure identity: company prefix, indicator + item reference, serial."""

    company_prefix: str
    item_reference: str
    serial: str

    def __post_init__(self) -> None:
        if not (self.company_prefix.isascii() and self.company_prefix.isdigit() and 6 <= len(self.company_prefix) <= 12):
            raise InvalidCode("company prefix", self.company_prefix, "is not 6 to 12 digits", "6 to 12 digits")
        item = self.item_reference
        if not (item.isascii() and item.isdigit()) or len(self.company_prefix) + len(item) != 13:
            raise InvalidCode(
                "indicator and item reference", self.item_reference,
                f"does not make 13 digits with the {len(self.company_prefix)}-digit company prefix",
                f"{13 - len(self.company_prefix)} digits",
            )
        try:
            validate_serial(self.serial)
        except InvalidItemKey as exc:
            raise InvalidCode(exc.field, exc.value, exc.problem, exc.expected) from None

    @classmethod
    def from_key(cls, key: ItemKey, prefix_length: int) -> Sgtin:
        """Split the key's GTIN at the brand's company prefix length (6-12)."""
        if prefix_length not in _PARTITION_OF_LENGTH:
            raise InvalidCode("company prefix length", prefix_length, "is outside 6..12", "6 to 12 digits")
        gtin = key.gtin
        return cls(gtin[1 : 1 + prefix_length], gtin[0] + gtin[1 + prefix_length : 13], key.serial)

    @classmethod
    def parse(cls, text: str) -> Sgtin:
        """Parse ``urn:epc:id:sgtin:CompanyPrefix.IndicatorItemRef.Serial``."""
        match = _PURE.fullmatch(text.strip())
        if not match:
            raise InvalidCode("EPC URN", text, "is not an SGTIN pure identity", "urn:epc:id:sgtin:CompanyPrefix.IndicatorItemRef.Serial")
        prefix, item, serial = match.groups()
        return cls(prefix, item, _unescape(serial))

    @property
    def gtin(self) -> str:
        body = self.item_reference[0] + self.company_prefix + self.item_reference[1:]
        return body + str(gs1_standard_check_digit(body))

    def key(self) -> ItemKey:
        return ItemKey(self.gtin, self.serial)

    @property
    def urn(self) -> str:
        return f"urn:epc:id:sgtin:{self.company_prefix}.{self.item_reference}.{_escape(self.serial)}"

    def __str__(self) -> str:
        return self.urn


@dataclass(frozen=True, slots=True)
class SgtinTag:
    """An SGTIN as written on an RFID tag: identity, binary scheme and 3-bit filter value."""

    sgtin: Sgtin
    scheme: EpcScheme
    filter_value: int = DEFAULT_FILTER

    def __post_init__(self) -> None:
        if not 0 <= self.filter_value <= 7:
            raise InvalidCode("EPC filter value", self.filter_value, "is outside 0..7", "a 3-bit value 0 to 7")
        if self.scheme is EpcScheme.SGTIN_96 and not fits_sgtin96(self.sgtin.serial):
            raise InvalidCode(
                "serial", self.sgtin.serial, "does not fit SGTIN-96",
                "digits without leading zeros below 2^38 (274877906944), or SGTIN-198",
            )

    @classmethod
    def for_key(
        cls, key: ItemKey, prefix_length: int, filter_value: int = DEFAULT_FILTER, scheme: EpcScheme | None = None
    ) -> SgtinTag:
        """The tag for ``key``: SGTIN-96 when the serial fits, else SGTIN-198, unless ``scheme`` is given."""
        sgtin = Sgtin.from_key(key, prefix_length)
        if scheme is None:
            scheme = EpcScheme.SGTIN_96 if fits_sgtin96(key.serial) else EpcScheme.SGTIN_198
        return cls(sgtin, scheme, filter_value)

    @classmethod
    def parse(cls, text: str) -> SgtinTag:
        """Parse ``urn:epc:tag:sgtin-96:F.CP.IR.S`` or ``urn:epc:tag:sgtin-198:…``."""
        match = _TAG.fullmatch(text.strip())
        if not match:
            raise InvalidCode(
                "EPC tag URI", text, "is not an SGTIN tag URI",
                "urn:epc:tag:sgtin-96:Filter.CompanyPrefix.IndicatorItemRef.Serial (or sgtin-198)",
            )
        name, filter_text, prefix, item, serial = match.groups()
        scheme = EpcScheme.SGTIN_96 if name == "sgtin-96" else EpcScheme.SGTIN_198
        return cls(Sgtin(prefix, item, _unescape(serial)), scheme, int(filter_text))

    @classmethod
    def parse_hex(cls, text: str) -> SgtinTag:
        """Decode SGTIN-96 (24 hex digits) or SGTIN-198 (50, or 52 as read word-aligned from a tag)."""
        digits = text.strip().removeprefix("0x").removeprefix("0X")
        if not re.fullmatch(r"[0-9A-Fa-f]+", digits):
            raise InvalidCode("EPC hex", text, "has characters other than hex digits", _EXPECTED_HEX)
        header = int(digits[:2], 16)
        schemes = {s.header: s for s in EpcScheme}
        if header not in schemes:
            raise InvalidCode("EPC hex", text, f"has header 0x{digits[:2].upper()}, not an SGTIN", _EXPECTED_HEX)
        scheme = schemes[header]
        lengths = (24,) if scheme is EpcScheme.SGTIN_96 else (50, 52)
        if len(digits) not in lengths:
            raise InvalidCode(
                "EPC hex", text, f"is {len(digits)} hex digits, but header 0x{header:02X} is {scheme.label}",
                " or ".join(map(str, lengths)) + f" hex digits for {scheme.label}",
            )
        # Padding after the EPC's last bit (to a byte or a 16-bit word) is not part of it.
        value = int(digits, 16) >> (len(digits) * 4 - scheme.bits)
        return cls._decode(value, scheme, text)

    @classmethod
    def _decode(cls, value: int, scheme: EpcScheme, text: str) -> SgtinTag:
        serial_bits = 38 if scheme is EpcScheme.SGTIN_96 else 140
        serial_value = value & ((1 << serial_bits) - 1)
        rest = value >> serial_bits
        partition = (rest >> 44) & 0b111
        filter_value = (rest >> 47) & 0b111
        if partition not in PARTITIONS:
            raise InvalidCode("EPC hex", text, f"has partition value {partition}, outside the table 0..6", "partition 0 to 6")
        digits, prefix_bits, item_bits = PARTITIONS[partition]
        prefix_value = (rest >> item_bits) & ((1 << prefix_bits) - 1)
        item_value = rest & ((1 << item_bits) - 1)
        if prefix_value >= 10**digits or item_value >= 10 ** (13 - digits):
            raise InvalidCode(
                "EPC hex", text, "has a company prefix or item reference too large for its partition's digits",
                "values below 10^digits for the partition",
            )
        serial = str(serial_value) if scheme is EpcScheme.SGTIN_96 else _decode_chars(serial_value, text)
        sgtin = Sgtin(str(prefix_value).zfill(digits), str(item_value).zfill(13 - digits), serial)
        return cls(sgtin, scheme, filter_value)

    @property
    def uri(self) -> str:
        s = self.sgtin
        return f"urn:epc:tag:{self.scheme.label}:{self.filter_value}.{s.company_prefix}.{s.item_reference}.{_escape(s.serial)}"

    @property
    def hex(self) -> str:
        """Upper-case hex, SGTIN-198 padded with zero bits to 200 (50 digits) as TDS's examples show."""
        s = self.sgtin
        partition = _PARTITION_OF_LENGTH[len(s.company_prefix)]
        _, prefix_bits, item_bits = PARTITIONS[partition]
        value = self.scheme.header
        value = (value << 3) | self.filter_value
        value = (value << 3) | partition
        value = (value << prefix_bits) | int(s.company_prefix)
        value = (value << item_bits) | int(s.item_reference)
        if self.scheme is EpcScheme.SGTIN_96:
            return f"{(value << 38) | int(s.serial):024X}"
        return f"{(((value << 140) | _encode_chars(s.serial)) << 2):050X}"

    def key(self) -> ItemKey:
        return self.sgtin.key()

    def __str__(self) -> str:
        return self.uri


def _encode_chars(serial: str) -> int:
    """20 7-bit characters, unused ones zero."""
    value = 0
    for char in serial.ljust(20, "\0"):
        value = (value << 7) | ord(char)
    return value


def _decode_chars(value: int, text: str) -> str:
    chars = [(value >> (7 * (19 - i))) & 0x7F for i in range(20)]
    length = chars.index(0) if 0 in chars else 20
    if any(chars[length:]):
        raise InvalidCode("EPC hex", text, "has serial characters after a zero terminator", "zero bits after the serial")
    return "".join(map(chr, chars[:length]))
