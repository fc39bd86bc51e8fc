"""Brand signatures on printed codes, checked offline against a small brand directory.

The brand signs the item's canonical key string (``/01/{gtin14}/21/{serial}``)
with EIP-191 ``personal_sign``. The signature travels in the Digital Link query
as ``sig=`` in one of two forms of the same signature:

* decimal (labels printed since issue 14): the 64-byte EIP-2098 compact form
  (r, then s with the recovery bit in its top bit) as 155 decimal digits. A QR
  encoder puts digits in numeric mode at 3.3 bits each, so the code is one
  version smaller than with base64url (measured: scripts/bench_labels.py);
* base64url (earlier labels, and ZPL, whose printer may encode in byte mode):
  65-byte r||s||v, unpadded, 87 characters.

Hex (130 digits, with or without ``0x``) is accepted too, as wallets print it.
The forms differ in length, so a reader never has to guess. Lot and expiry are
not signed: the signature vouches for the item's identity only.

Verification recovers the signer (coincurve, no chain access) and requires it to
be the brand owning the GTIN's company prefix: the one registered prefix that the
GTIN-14 continues after its indicator digit (company prefixes never nest, so there
is at most one; a directory in which they do is refused).

>>> from eth_account import Account
>>> brand = Account.from_key(b"\\x01" * 32)
>>> brands = BrandDirectory((Brand("Acme", brand.address, ("9521234",)),))
>>> key = ItemKey("09521234543213", "12345")
>>> verify_code_signature(key, sign_code(key, brand), brands).reason
<SignatureReason.VALID: 'VALID'>
>>> verify_code_signature(ItemKey("09521234543213", "12346"), sign_code(key, brand), brands).reason
<SignatureReason.BAD_SIGNATURE: 'BAD_SIGNATURE'>
>>> len(sign_code(key, brand)), len(sign_code(key, brand, SignatureForm.BASE64URL))
(155, 87)
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Final

import coincurve

from ..errors import InvalidInput
from ..proofs.keccak import keccak256
from ..untrusted import load_json
from .identifiers import ItemKey

if TYPE_CHECKING:  # eth_account (with eth_utils, py_ecc and pydantic) is imported only to sign: checking needs none of it
    from eth_account.signers.local import LocalAccount

__all__ = [
    "SIGNATURE_PARAM",
    "Brand",
    "BrandDirectory",
    "CodeSigner",
    "SignatureCheck",
    "SignatureForm",
    "SignatureReason",
    "checksum_address",
    "decode_signature",
    "encode_signature",
    "sign_code",
    "verify_code_signature",
]

SIGNATURE_PARAM = "sig"
_HEX = re.compile(r"(?:0[xX])?([0-9a-fA-F]{130})")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]{87}=?")
_DECIMAL = re.compile(r"[0-9]{155}")
_SECP256K1_ORDER: Final = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_LOW_255_BITS: Final = (1 << 255) - 1
_PREFIX = re.compile(r"\d{6,12}")
_ADDRESS = re.compile(r"(?:0[xX])?([0-9a-fA-F]{40})")


def checksum_address(value: str | bytes) -> str:
    """The EIP-55 mixed-case form of an address (20 bytes, or 40 hex digits with or without ``0x``): what
    eth_utils' ``to_checksum_address`` returns (tests/unit/test_cli_startup.py checks that they agree), without
    importing eth_utils, which takes longer than the rest of ``ledger check`` together. ValueError if not an address."""
    if isinstance(value, bytes):
        if len(value) != 20:
            raise ValueError(f"an address is 20 bytes, not {len(value)}")
        digits = value.hex()
    else:
        match = _ADDRESS.fullmatch(value)
        if match is None:
            raise ValueError(f"{value!r} is not 40 hex digits")
        digits = match.group(1).lower()
    hashed = keccak256(digits.encode()).hex()
    return "0x" + "".join(d.upper() if int(h, 16) > 7 else d for d, h in zip(digits, hashed[:40], strict=True))


class SignatureForm(Enum):
    """How a signature is written into ``sig=``."""

    DECIMAL = "decimal"  # EIP-2098 compact, 155 digits: QR numeric mode
    BASE64URL = "base64url"  # r||s||v, 87 characters: shortest in QR byte mode


class SignatureReason(Enum):
    VALID = "VALID"
    MISSING_SIGNATURE = "MISSING_SIGNATURE"
    MALFORMED_SIGNATURE = "MALFORMED_SIGNATURE"
    BAD_SIGNATURE = "BAD_SIGNATURE"
    PREFIX_NOT_OWNED = "PREFIX_NOT_OWNED"
    UNKNOWN_PREFIX = "UNKNOWN_PREFIX"


@dataclass(frozen=True, slots=True)
class Brand:
    """A brand: its signing address (checksummed) and the GS1 company prefixes it owns."""

    name: str
    address: str
    prefixes: tuple[str, ...]

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "address", checksum_address(self.address))
        except ValueError:
            raise InvalidInput("brand address", self.address, "is not an Ethereum address", "0x and 40 hex digits") from None
        for prefix in self.prefixes:
            if not _PREFIX.fullmatch(prefix):
                raise InvalidInput("company prefix", prefix, "is not 6 to 12 digits", "a GS1 company prefix of 6-12 digits")


@dataclass(frozen=True, slots=True)
class BrandDirectory:
    """Brands by name, as exported from the ledger; a prefix belongs to at most one brand, and no prefix
    starts another (GS1 company prefixes never nest; the contract refuses such bindings)."""

    brands: tuple[Brand, ...]
    _by_prefix: dict[str, Brand] = field(init=False, repr=False, compare=False)
    _by_address: dict[str, Brand] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_prefix: dict[str, Brand] = {}
        for brand in self.brands:
            for prefix in brand.prefixes:
                if by_prefix.setdefault(prefix, brand) is not brand:
                    raise InvalidInput(
                        "brand directory", prefix, f"is claimed by {by_prefix[prefix].name} and {brand.name}",
                        "each company prefix owned by one brand",
                    )
        for prefix, brand in by_prefix.items():
            for length in range(6, len(prefix)):
                shorter = by_prefix.get(prefix[:length])
                if shorter is not None:
                    raise InvalidInput(
                        "brand directory", prefix, f"{brand.name}'s prefix extends {prefix[:length]} of {shorter.name}",
                        "company prefixes that neither start nor extend each other (GS1 company prefixes never nest)",
                    )
        object.__setattr__(self, "_by_prefix", by_prefix)
        object.__setattr__(self, "_by_address", {b.address.lower(): b for b in self.brands})

    @classmethod
    def parse(cls, json_text: str) -> BrandDirectory:
        """Read ``{"brands": {"Acme": {"address": "0x…", "prefixes": ["9521234"]}}}``."""
        expected = '{"brands": {NAME: {"address": "0x…", "prefixes": ["digits", …]}}}'
        data = load_json(json_text, lambda problem, detail: InvalidInput("brand directory", json_text, f"{problem} ({detail})",
                                                                           expected))
        try:
            entries = data["brands"]
            brands = tuple(
                Brand(str(name), str(entry["address"]), tuple(str(p) for p in entry["prefixes"]))
                for name, entry in entries.items()
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InvalidInput("brand directory", json_text, f"is not readable ({exc})", expected) from None
        return cls(brands)

    def to_json(self) -> str:
        return json.dumps(
            {"brands": {b.name: {"address": b.address, "prefixes": list(b.prefixes)} for b in self.brands}},
            indent=2,
            sort_keys=True,
        )

    def owner_of(self, gtin14: str) -> tuple[Brand, str] | None:
        """The brand owning the one registered prefix that ``gtin14[1:]`` starts with, and that prefix."""
        for length in range(12, 5, -1):
            prefix = gtin14[1 : 1 + length]
            if prefix in self._by_prefix:
                return self._by_prefix[prefix], prefix
        return None

    def by_address(self, address: str) -> Brand | None:
        return self._by_address.get(address.lower())


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """The verdict on a code's signature; ``brand`` is the prefix owner, ``signer`` who signed (if known)."""

    reason: SignatureReason
    detail: str
    brand: str | None = None
    signer: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is SignatureReason.VALID


def encode_signature(signature: bytes, form: SignatureForm = SignatureForm.DECIMAL) -> str:
    """65-byte r||s||v (v 27/28 or 0/1) written in ``form``, ready for ``sig=``."""
    parity = signature[64] - 27 if signature[64] >= 27 else signature[64]
    if form is SignatureForm.BASE64URL:
        return base64.urlsafe_b64encode(signature[:64] + bytes([27 + parity])).rstrip(b"=").decode()
    # EIP-2098: s is in the lower half of the curve order (libsecp256k1 and eth_account sign so), so its top bit is free.
    compact = int.from_bytes(signature[:32], "big") << 256 | parity << 255 | int.from_bytes(signature[32:64], "big")
    return f"{compact:0155d}"


def decode_signature(text: str) -> bytes:
    """Decimal (155 digits), base64url (87/88 characters) or hex (130 digits, optional 0x) to 65 bytes r||s||v.

    ValueError says what is wrong.
    """
    text = text.strip()
    if _DECIMAL.fullmatch(text):
        return _from_compact(int(text))
    if match := _HEX.fullmatch(text):
        return bytes.fromhex(match.group(1))
    if _BASE64URL.fullmatch(text):
        try:
            return base64.urlsafe_b64decode(text.rstrip("=") + "=")
        except binascii.Error as exc:
            raise ValueError(f"is not base64url ({exc})") from None
    raise ValueError(
        f"is {len(text)} characters; expected 155 decimal digits, 87 base64url characters or 130 hex digits"
    )


def _from_compact(compact: int) -> bytes:
    r, parity, s = compact >> 256, compact >> 255 & 1, compact & _LOW_255_BITS
    if not (0 < r < _SECP256K1_ORDER and 0 < s <= _SECP256K1_ORDER // 2):
        raise ValueError("is not an EIP-2098 compact signature (r or s outside the curve order)")
    return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([27 + parity])


def _digest(key: ItemKey) -> bytes:
    """The EIP-191 personal_sign digest of the key, as eth_account's encode_defunct builds it, without its objects."""
    message = key.canonical.encode()
    return keccak256(b"\x19Ethereum Signed Message:\n" + str(len(message)).encode() + message)


class CodeSigner:
    """Signs item keys with libsecp256k1 directly: the signatures eth_account's ``sign_message`` makes
    (RFC 6979, low s), at about a sixth of its cost, which is most of a label's."""

    __slots__ = ("_key", "form")

    def __init__(self, signer: LocalAccount | bytes | str, form: SignatureForm = SignatureForm.DECIMAL) -> None:
        from eth_account import Account
        from eth_account.signers.local import LocalAccount

        secret = signer.key if isinstance(signer, LocalAccount) else Account.from_key(signer).key
        self._key = coincurve.PrivateKey(bytes(secret))
        self.form = form

    def __repr__(self) -> str:
        return f"CodeSigner({self.address}, {self.form.value})"  # never the key

    @property
    def address(self) -> str:
        return checksum_address(keccak256(self._key.public_key.format(compressed=False)[1:])[-20:])

    def sign(self, key: ItemKey) -> str:
        """The signature over ``key.canonical`` in this signer's form, ready for ``sig=``."""
        signature = self._key.sign_recoverable(_digest(key), hasher=None)
        return encode_signature(signature, self.form)


def sign_code(key: ItemKey, signer: LocalAccount | bytes | str, form: SignatureForm = SignatureForm.DECIMAL) -> str:
    """The brand's signature over ``key.canonical``, ready for ``sig=``; ``signer`` an account or private key."""
    return CodeSigner(signer, form).sign(key)


def _recover(key: ItemKey, signature: bytes) -> str | None:
    """The signing address, or None if the bytes recover to no public key."""
    v = signature[64]
    recovery_id = v - 27 if v >= 27 else v
    if recovery_id not in (0, 1):
        return None
    try:
        public = coincurve.PublicKey.from_signature_and_message(
            signature[:64] + bytes([recovery_id]), _digest(key), hasher=None
        )
    except (ValueError, RuntimeError):
        return None
    return "0x" + keccak256(public.format(compressed=False)[1:])[-20:].hex()


def verify_code_signature(key: ItemKey, signature: str | None, brands: BrandDirectory) -> SignatureCheck:
    """Check offline that the owner of the key's GTIN prefix signed this very key."""
    if not signature:
        return SignatureCheck(SignatureReason.MISSING_SIGNATURE, "the code carries no brand signature")
    try:
        raw = decode_signature(signature)
    except ValueError as exc:
        return SignatureCheck(SignatureReason.MALFORMED_SIGNATURE, f"the signature {exc}")
    owner = brands.owner_of(key.gtin)
    if owner is None:
        return SignatureCheck(
            SignatureReason.UNKNOWN_PREFIX, f"no known brand owns a company prefix of GTIN {key.gtin}"
        )
    brand, prefix = owner
    address = _recover(key, raw)
    signer = brands.by_address(address) if address else None
    if signer is brand:
        return SignatureCheck(SignatureReason.VALID, f"signed by {brand.name}, owner of prefix {prefix}", brand.name, brand.name)
    if signer is not None:
        return SignatureCheck(
            SignatureReason.PREFIX_NOT_OWNED,
            f"signed by {signer.name}, but prefix {prefix} belongs to {brand.name}",
            brand.name,
            signer.name,
        )
    return SignatureCheck(
        SignatureReason.BAD_SIGNATURE,
        "the signature is not by any known brand for this item (copied from another code, or altered)",
        brand.name,
    )
