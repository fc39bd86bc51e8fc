"""A join request: what a party of another organisation asks the contract's administrator to grant, signed by the
party's own new key (EIP-712, in the ledger's domain: chain id and contract address).

The request names the party's address, its name, the role it asks for, the GS1 company prefixes it claims, the URL
of its service and when it was made. The administrator's home checks it (:meth:`JoinRequest.parse`, then
:meth:`JoinRequest.signer`) and the chain-facing rules (role, prefixes, expiry, domain) in ``ledger.custody.joining``.

>>> from eth_account import Account
>>> key = Account.from_key(b"\\x01" * 32)
>>> request = JoinRequest(key.address, "swift", "carrier", (), "https://swift.example", 31337,
...                       "0x" + "ab" * 20, 1_700_000_000)
>>> signed = request.signed(key)
>>> JoinRequest.parse(signed.to_json()).signer() == key.address
True
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_keys.exceptions import BadSignature
from eth_utils.address import to_checksum_address
from eth_utils.exceptions import ValidationError

from ..errors import BadJoinRequest
from ..untrusted import load_json

__all__ = ["FORMAT", "MAX_REQUEST_BYTES", "JoinRequest"]

FORMAT = "provenance-ledger/join-request/1"
MAX_REQUEST_BYTES = 16_384  # a request is a few hundred bytes; anything much larger is not one
_FIELDS = ("format", "address", "name", "role", "prefixes", "service_url", "chain_id", "contract", "timestamp", "signature")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_SIGNATURE = re.compile(r"0x[0-9a-fA-F]{130}")
_MAX_PREFIXES = 20
_JOIN_TYPE = [
    {"name": "party", "type": "address"},
    {"name": "name", "type": "string"},
    {"name": "role", "type": "string"},
    {"name": "prefixes", "type": "string[]"},
    {"name": "serviceUrl", "type": "string"},
    {"name": "timestamp", "type": "uint64"},
]
_DOMAIN_TYPE = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]


@dataclass(frozen=True)
class JoinRequest:
    """The fields a requester signs; ``signature`` is empty until :meth:`signed`. Parsed fields are well-formed,
    not yet checked: see ``ledger.custody.joining.check_request``."""

    address: str
    name: str
    role: str
    prefixes: tuple[str, ...]
    service_url: str
    chain_id: int
    contract: str
    timestamp: int
    signature: bytes = field(default=b"", repr=False)

    def signable(self) -> SignableMessage:
        return encode_typed_data(full_message={
            "types": {"EIP712Domain": _DOMAIN_TYPE, "JoinRequest": _JOIN_TYPE},
            "primaryType": "JoinRequest",
            "domain": {"name": "ProvenanceLedger", "version": "1", "chainId": self.chain_id,
                       "verifyingContract": self.contract},
            "message": {"party": self.address, "name": self.name, "role": self.role, "prefixes": list(self.prefixes),
                        "serviceUrl": self.service_url, "timestamp": self.timestamp},
        })

    def signed(self, account: LocalAccount) -> JoinRequest:
        return replace(self, signature=bytes(account.sign_message(self.signable()).signature))

    def signer(self) -> str:
        """The address whose key made the signature (any signature recovers to some address: compare it)."""
        try:
            return str(Account.recover_message(self.signable(), signature=self.signature))
        except (ValueError, TypeError, BadSignature, ValidationError) as exc:  # v, r or s out of range
            raise BadJoinRequest("signature", "0x" + self.signature.hex(), f"is not a valid signature ({type(exc).__name__})",
                                 "the signature the requester's `ledger party add` wrote") from None

    def to_json(self) -> str:
        data: dict[str, Any] = {"format": FORMAT, "address": self.address, "name": self.name, "role": self.role,
                                "prefixes": list(self.prefixes), "service_url": self.service_url,
                                "chain_id": self.chain_id, "contract": self.contract, "timestamp": self.timestamp,
                                "signature": "0x" + self.signature.hex()}
        return json.dumps(data, indent=2) + "\n"

    @classmethod
    def parse(cls, data: bytes | str) -> JoinRequest:
        """Read a request file's text: its shape only (types, lengths, formats), every field required, no others."""
        if len(data) > MAX_REQUEST_BYTES:
            raise BadJoinRequest("file", f"{len(data)} bytes", "is too large to be a join request",
                                 f"at most {MAX_REQUEST_BYTES} bytes, the JSON file `ledger party add` wrote")
        value = load_json(data, lambda problem, detail: BadJoinRequest("file", detail, problem,
                                                                        "the JSON file `ledger party add` wrote"))
        if not isinstance(value, dict):
            raise BadJoinRequest("file", value, "is not a JSON object", "an object with " + ", ".join(_FIELDS))
        missing = [k for k in _FIELDS if k not in value]
        extra = sorted(k for k in value if k not in _FIELDS)
        if missing or extra:
            raise BadJoinRequest("fields", sorted(value), f"missing {missing}" if missing else f"unknown {extra}",
                                 "exactly " + ", ".join(_FIELDS))
        if value["format"] != FORMAT:
            raise BadJoinRequest("format", value["format"], "is not a join request format this ledger reads", repr(FORMAT))
        address, contract, signature = (_text(value, k, 200) for k in ("address", "contract", "signature"))
        for key, text in (("address", address), ("contract", contract)):
            if not _ADDRESS.fullmatch(text):
                raise BadJoinRequest(key, text, "is not an Ethereum address", "0x and 40 hex digits")
        if not _SIGNATURE.fullmatch(signature):
            raise BadJoinRequest("signature", signature, "is not a 65-byte signature", "0x and 130 hex digits")
        prefixes = value["prefixes"]
        if not isinstance(prefixes, list) or len(prefixes) > _MAX_PREFIXES or not all(isinstance(p, str) for p in prefixes):
            raise BadJoinRequest("prefixes", prefixes, "is not a list of texts", f"a list of at most {_MAX_PREFIXES} GS1 "
                                 "company prefixes, each a text of 6 to 12 digits")
        return cls(address=to_checksum_address(address), name=_text(value, "name", 200), role=_text(value, "role", 40),
                   prefixes=tuple(prefixes), service_url=_text(value, "service_url", 400),
                   chain_id=_integer(value, "chain_id"), contract=to_checksum_address(contract),
                   timestamp=_integer(value, "timestamp"), signature=bytes.fromhex(signature[2:]))


def _text(value: dict[str, Any], key: str, max_length: int) -> str:
    text = value[key]
    if not isinstance(text, str) or len(text) > max_length:
        raise BadJoinRequest(key, text, "is not a text" if not isinstance(text, str) else "is too long",
                             f"a text of at most {max_length} characters")
    return text


def _integer(value: dict[str, Any], key: str) -> int:
    number = value[key]
    if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number < 2**63:
        raise BadJoinRequest(key, number, "is not a whole number", "a JSON integer from 0 to 2^63 - 1")
    return number
