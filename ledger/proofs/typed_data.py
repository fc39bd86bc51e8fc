"""EIP-712 typed data that parties sign for each action they take.

One signature covers a whole batch or shipment: it signs the Merkle root of the batch's
items or of the action's event hashes. The struct hash is also the anchor's
``metadataHash`` on chain, so the chain commits to who signed what.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
from eth_account.signers.local import LocalAccount

__all__ = ["ActionMessage", "Domain", "RegistrationMessage", "recover", "sign"]

_REGISTRATION_TYPE = [
    {"name": "itemsRoot", "type": "bytes32"},
    {"name": "count", "type": "uint40"},
    {"name": "companyPrefix", "type": "string"},
    {"name": "timestamp", "type": "uint64"},
]
_ACTION_TYPE = [
    {"name": "kind", "type": "uint8"},
    {"name": "action", "type": "uint8"},
    {"name": "eventsRoot", "type": "bytes32"},
    {"name": "count", "type": "uint40"},
    {"name": "counterparty", "type": "address"},
    {"name": "timestamp", "type": "uint64"},
    {"name": "reference", "type": "bytes32"},
]


@dataclass(frozen=True)
class Domain:
    chain_id: int
    contract: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": "ProvenanceLedger", "version": "1", "chainId": self.chain_id, "verifyingContract": self.contract}


@dataclass(frozen=True)
class RegistrationMessage:
    items_root: bytes
    count: int
    company_prefix: str
    timestamp: int

    def signable(self, domain: Domain) -> SignableMessage:
        return encode_typed_data(full_message={
            "types": {"EIP712Domain": _DOMAIN_TYPE, "Registration": _REGISTRATION_TYPE},
            "primaryType": "Registration",
            "domain": domain.as_dict(),
            "message": {"itemsRoot": self.items_root, "count": self.count,
                        "companyPrefix": self.company_prefix, "timestamp": self.timestamp},
        })


@dataclass(frozen=True)
class ActionMessage:
    kind: int
    action: int
    events_root: bytes
    count: int
    counterparty: str
    timestamp: int
    reference: bytes

    def signable(self, domain: Domain) -> SignableMessage:
        return encode_typed_data(full_message={
            "types": {"EIP712Domain": _DOMAIN_TYPE, "LedgerAction": _ACTION_TYPE},
            "primaryType": "LedgerAction",
            "domain": domain.as_dict(),
            "message": {"kind": self.kind, "action": self.action, "eventsRoot": self.events_root,
                        "count": self.count, "counterparty": self.counterparty,
                        "timestamp": self.timestamp, "reference": self.reference},
        })


_DOMAIN_TYPE = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]


def sign(message: RegistrationMessage | ActionMessage, domain: Domain, account: LocalAccount) -> tuple[bytes, bytes]:
    """Return ``(struct_hash, signature)``; the struct hash becomes the anchor's metadata hash."""
    signable = message.signable(domain)
    signed = account.sign_message(signable)
    return bytes(signable.body), bytes(signed.signature)


def recover(message: RegistrationMessage | ActionMessage, domain: Domain, signature: bytes) -> str:
    """The address that made ``signature`` over ``message``."""
    return str(Account.recover_message(message.signable(domain), signature=signature))
