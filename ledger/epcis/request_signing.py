"""Signed requests between organisations: ``Authorization: Ledger address=…,t=…,sig=…``.

A party asking another home for records signs the request with its own chain key (EIP-191
``personal_sign``), so no password or token is shared between organisations. The signed text is

    provenance-ledger request v1
    <METHOD>
    <path, percent-decoded, then encoded again with quote(path, safe="/")>
    <query, its pairs sorted, percent-encoded>
    <t: Unix seconds>
    <SHA-256 of the body, hex>

The receiving home recovers the address from ``sig``, requires it to equal ``address``, ``t`` to be
within the clock window of its own clock, and the signature not to have been seen within that window
(:class:`ReplayGuard`); then it asks the chain what role the address holds (:mod:`.requesters`).

>>> from eth_account import Account
>>> key = Account.from_key(b"\\x01" * 32)
>>> header = sign_request(key, "GET", "/epcis/events", "perPage=2", b"", 1_780_000_000)
>>> SignedRequest.parse(header).check("GET", "/epcis/events", "perPage=2", b"", 1_780_000_030) == key.address
True
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlencode

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount

from ..errors import RequestNotAuthenticated

__all__ = ["CLOCK_SKEW", "SCHEME", "ReplayGuard", "SignedRequest", "canonical_query", "request_text", "sign_request"]

SCHEME = "Ledger"
CLOCK_SKEW = 300  # seconds either side of the receiver's clock; also how long a signature is remembered
_HEADER_FORM = "Authorization: Ledger address=0x…(40 hex),t=<Unix seconds>,sig=0x…(130 hex)"
_FIELD = re.compile(r"\s*(address|t|sig)\s*=\s*([^,\s]+)\s*")


def canonical_query(query: str) -> str:
    """The query string with its pairs sorted and percent-encoded alike, so that both sides sign the same text.

    >>> canonical_query("perPage=2&EQ_bizStep=shipping%7Creceiving")
    'EQ_bizStep=shipping%7Creceiving&perPage=2'
    """
    return urlencode(sorted(parse_qsl(query, keep_blank_values=True)))


def request_text(method: str, path: str, query: str, timestamp: int, body: bytes) -> str:
    """The text a request's signature covers; ``path`` decoded (as a server reads it), written percent-encoded again.

    >>> request_text("get", "/epcis/epcs/urn:epc:id:sgtin:9521234.054321.A/7%/events", "", 1, b"").splitlines()[2]
    '/epcis/epcs/urn%3Aepc%3Aid%3Asgtin%3A9521234.054321.A/7%25/events'
    """
    return "\n".join(("provenance-ledger request v1", method.upper(), quote(path, safe="/"), canonical_query(query),
                      str(timestamp), hashlib.sha256(body).hexdigest()))


def sign_request(account: LocalAccount, method: str, path: str, query: str, body: bytes, timestamp: int) -> str:
    """The ``Authorization`` header value that signs this request with ``account``'s key; ``path`` as sent
    (percent-encoded), ``query`` the raw query string."""
    text = request_text(method, unquote(path), query, timestamp, body)
    signature = account.sign_message(encode_defunct(text=text)).signature
    return f"{SCHEME} address={account.address},t={timestamp},sig=0x{bytes(signature).hex()}"


@dataclass(frozen=True)
class SignedRequest:
    """A parsed ``Authorization: Ledger …`` header."""

    address: str
    timestamp: int
    signature: bytes

    @classmethod
    def parse(cls, header: str) -> SignedRequest:
        scheme, _, rest = header.strip().partition(" ")
        if scheme.lower() != SCHEME.lower():
            raise RequestNotAuthenticated(f"send a request signed with your party's chain key ({_HEADER_FORM})")
        fields: dict[str, str] = {}
        for part in rest.split(",") if rest.strip() else []:
            match = _FIELD.fullmatch(part)
            if match is None or match.group(1) in fields:
                raise RequestNotAuthenticated(f"the Authorization header is malformed at {part.strip()[:40]!r}; "
                                              f"expected {_HEADER_FORM}")
            fields[match.group(1)] = match.group(2)
        missing = [f for f in ("address", "t", "sig") if f not in fields]
        if missing:
            raise RequestNotAuthenticated(f"the Authorization header lacks {', '.join(missing)}; expected {_HEADER_FORM}")
        if not re.fullmatch(r"0x[0-9a-fA-F]{40}", fields["address"]):
            raise RequestNotAuthenticated(f"address {fields['address'][:50]!r} is not an Ethereum address (0x and 40 hex)")
        if not re.fullmatch(r"[0-9]{1,12}", fields["t"]):
            raise RequestNotAuthenticated(f"t {fields['t'][:20]!r} is not a time in Unix seconds")
        if not re.fullmatch(r"0x[0-9a-fA-F]{130}", fields["sig"]):
            raise RequestNotAuthenticated("sig is not a 65-byte signature (0x and 130 hex)")
        return cls(fields["address"], int(fields["t"]), bytes.fromhex(fields["sig"][2:]))

    def check(self, method: str, path: str, query: str, body: bytes, now: int) -> str:
        """The signing address (checksummed) if the signature covers this request and ``t`` is near ``now``."""
        return self.checked(method, path, query, body, now)[0]

    def checked(self, method: str, path: str, query: str, body: bytes, now: int) -> tuple[str, bytes]:
        """The signing address and the digest of the signed text (what :class:`ReplayGuard` remembers)."""
        if abs(now - self.timestamp) > CLOCK_SKEW:
            raise RequestNotAuthenticated(f"the signature's time t={self.timestamp} is {now - self.timestamp:+d} s from this "
                                          f"home's clock; sign with the current time (within {CLOCK_SKEW} s)")
        text = request_text(method, path, query, self.timestamp, body)
        message = encode_defunct(text=text)
        try:
            signer = str(Account.recover_message(message, signature=self.signature))
        except Exception:  # eth-keys refuses a signature that is not on the curve
            signer = ""
        if signer.lower() != self.address.lower():
            raise RequestNotAuthenticated(f"the signature is not {self.address}'s over this request (method, path, query, "
                                          f"t and body hash); sign exactly the request sent")
        # The signed text, not the signature, is what may not come twice: a second signature over the same text
        # (the same key's other valid encoding of it) must not pass as a new request.
        return signer, hashlib.sha256(f"{signer}\n{text}".encode()).digest()


class ReplayGuard:
    """Signatures seen within the clock window: a second request with one of them is refused.

    Kept in memory per process (a signature older than the window is refused by its time anyway),
    so several worker processes each refuse a replay to themselves only: run one, or put a shared store here.
    Signatures are deterministic (RFC 6979): the same request signed twice in one second is one request,
    and the second is refused; a client repeating a request signs it with a later ``t``.
    """

    def __init__(self, window: int = CLOCK_SKEW) -> None:
        self.window = window
        self._seen: dict[bytes, int] = {}
        self._lock = threading.Lock()

    def first_use(self, digest: bytes, timestamp: int, now: int) -> None:
        with self._lock:
            if len(self._seen) > 10_000 or next(iter(self._seen.values()), now) < now - 2 * self.window:
                self._seen = {d: t for d, t in self._seen.items() if t >= now - 2 * self.window}
            if digest in self._seen:
                raise RequestNotAuthenticated("this signed request was already received (a replay); sign each request "
                                              "anew with the current time")
            self._seen[digest] = timestamp
