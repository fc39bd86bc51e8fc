"""What an integrity audit can find: one code per way the index can disagree with the chain.

A finding names the record (``subject``: an item key, an event hash, an anchor root, a prefix or a party),
says what the index holds that is wrong (``detail``) and what the chain or the
recomputation from anchored data says instead (``expected``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["Finding", "FindingCode"]


class FindingCode(enum.StrEnum):
    """Each code with the sentence an auditor reads."""

    ANCHOR_NOT_ON_CHAIN = "ANCHOR_NOT_ON_CHAIN"
    ANCHOR_NOT_INDEXED = "ANCHOR_NOT_INDEXED"
    ORPHANED_ANCHOR = "ORPHANED_ANCHOR"
    CONTRACT_OUTDATED = "CONTRACT_OUTDATED"
    ANCHOR_ROW_ALTERED = "ANCHOR_ROW_ALTERED"
    ANCHOR_CHAIN_BROKEN = "ANCHOR_CHAIN_BROKEN"
    SIGNED_MESSAGE_MISMATCH = "SIGNED_MESSAGE_MISMATCH"
    BAD_SIGNATURE = "BAD_SIGNATURE"
    ROLE_MISSING = "ROLE_MISSING"
    MERKLE_ROOT_MISMATCH = "MERKLE_ROOT_MISMATCH"
    EVENT_HASH_MISMATCH = "EVENT_HASH_MISMATCH"
    EVENT_NOT_ANCHORED = "EVENT_NOT_ANCHORED"
    EVENT_ANCHOR_MISMATCH = "EVENT_ANCHOR_MISMATCH"
    ITEM_ID_MISMATCH = "ITEM_ID_MISMATCH"
    ITEM_NOT_REGISTERED = "ITEM_NOT_REGISTERED"
    REGISTERED_ITEM_MISSING = "REGISTERED_ITEM_MISSING"
    EVENT_CHAIN_BROKEN = "EVENT_CHAIN_BROKEN"
    SEQUENCE_GAP = "SEQUENCE_GAP"
    ORDER_MISMATCH = "ORDER_MISMATCH"
    HEAD_MISMATCH = "HEAD_MISMATCH"
    STATE_MISMATCH = "STATE_MISMATCH"
    CUSTODY_RULE_BROKEN = "CUSTODY_RULE_BROKEN"
    PACKING_MISMATCH = "PACKING_MISMATCH"
    SHIPMENT_MISMATCH = "SHIPMENT_MISMATCH"
    BATCH_ROW_ALTERED = "BATCH_ROW_ALTERED"
    PREFIX_BINDING_ALTERED = "PREFIX_BINDING_ALTERED"
    PREFIX_NOT_INDEXED = "PREFIX_NOT_INDEXED"
    PARTY_ROLE_MISMATCH = "PARTY_ROLE_MISMATCH"
    PARTY_KEY_MISMATCH = "PARTY_KEY_MISMATCH"
    PREMISES_MISMATCH = "PREMISES_MISMATCH"
    PROFILE_MISMATCH = "PROFILE_MISMATCH"

    @property
    def sentence(self) -> str:
        return _SENTENCES[self]


_SENTENCES = {
    FindingCode.ANCHOR_NOT_ON_CHAIN: "the index holds an anchor the contract never recorded",
    FindingCode.ANCHOR_NOT_INDEXED: "the contract recorded an anchor the index does not hold",
    FindingCode.ORPHANED_ANCHOR: "one of this home's own parties anchored an action whose rows the index does not hold",
    FindingCode.CONTRACT_OUTDATED: "the deployed contract is an older version: what only the new one records (premises, a "
                                   "custodian's kind) cannot be proven",
    FindingCode.ANCHOR_ROW_ALTERED: "an anchor row differs from the contract's AnchorRecorded log or storage",
    FindingCode.ANCHOR_CHAIN_BROKEN: "the anchors do not form the contract's hash chain",
    FindingCode.SIGNED_MESSAGE_MISMATCH: "the message rebuilt from the rows is not the one whose hash was anchored",
    FindingCode.BAD_SIGNATURE: "the signature was not made by the anchoring party",
    FindingCode.ROLE_MISSING: "the anchoring party lacks the on-chain role for this kind of anchor",
    FindingCode.MERKLE_ROOT_MISMATCH: "the Merkle tree rebuilt from the rows does not give the anchored root",
    FindingCode.EVENT_HASH_MISMATCH: "an event's stored hash is not the hash of its fields",
    FindingCode.EVENT_NOT_ANCHORED: "an event points at an anchor the contract never recorded",
    FindingCode.EVENT_ANCHOR_MISMATCH: "an event's fields disagree with the anchor that holds it",
    FindingCode.ITEM_ID_MISMATCH: "an item's id is not the hash of its GTIN and serial",
    FindingCode.ITEM_NOT_REGISTERED: "an item's registration leaf is not in its batch's anchored tree",
    FindingCode.REGISTERED_ITEM_MISSING: "a leaf of an anchored batch has no item row",
    FindingCode.EVENT_CHAIN_BROKEN: "an event does not point at the hash of the item's previous event",
    FindingCode.SEQUENCE_GAP: "an item's event numbers are not 1, 2, 3, …",
    FindingCode.ORDER_MISMATCH: "an item's events are not in the order the chain anchored them",
    FindingCode.HEAD_MISMATCH: "an item's head hash is not the hash of its last event",
    FindingCode.STATE_MISMATCH: "an item's current state is not what its events add up to",
    FindingCode.CUSTODY_RULE_BROKEN: "an event breaks the custody rules at the point it was anchored",
    FindingCode.PACKING_MISMATCH: "a packing record disagrees with the signed, anchored packing events",
    FindingCode.SHIPMENT_MISMATCH: "a shipment row disagrees with its signed shipping or receipt anchor",
    FindingCode.BATCH_ROW_ALTERED: "a batch row disagrees with its registration on chain",
    FindingCode.PREFIX_BINDING_ALTERED: "a prefix binding in the index is not the contract's binding of that prefix",
    FindingCode.PREFIX_NOT_INDEXED: "the contract bound a prefix the index does not hold",
    FindingCode.PARTY_ROLE_MISMATCH: "a party's role in the index is not a role it holds on chain",
    FindingCode.PARTY_KEY_MISMATCH: "a party of this home is not at the address its key file holds",
    FindingCode.PREMISES_MISMATCH: "a party's premises in the index are not those it committed on chain",
    FindingCode.PROFILE_MISMATCH: "a party's name or service URL in the index is not the directory entry it published "
                                  "on chain",
}


@dataclass(frozen=True)
class Finding:
    code: FindingCode
    subject: str
    detail: str
    expected: str = ""

    def __str__(self) -> str:
        return f"{self.code}  {self.subject}: {self.detail}" + (f" (expected: {self.expected})" if self.expected else "")
