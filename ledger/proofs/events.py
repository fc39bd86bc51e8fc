"""Custody events: what happened to one item, hash-chained to the item's previous event.

An event's hash is keccak256 of the ABI encoding of its fields (all static types, so the
encoding is the fields as 32-byte words), which Solidity or any other tool can recompute.
An item's chain starts at its registration leaf.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .keccak import keccak256

__all__ = ["ZERO_ADDRESS", "Action", "AnchorKind", "CustodyEvent"]

ZERO_ADDRESS = "0x" + "00" * 20


class AnchorKind(enum.IntEnum):
    """Mirrors ``IProvenanceLedger.AnchorKind``."""

    REGISTRATION = 0
    SHIPMENT = 1
    RECEIPT = 2
    STATUS_CHANGE = 3
    INSPECTION = 4
    PACKING = 5


class Action(enum.IntEnum):
    """What an event does; each maps to a CBV 2.0 bizStep, disposition and anchor kind."""

    SHIP = 1
    RECEIVE = 2
    RECALL = 3
    REPORT_STOLEN = 4
    SELL = 5
    DESTROY = 6
    DECOMMISSION = 7
    INSPECT = 8
    PACK = 9
    UNPACK = 10

    @property
    def biz_step(self) -> str:
        return _CBV[self][0]

    @property
    def disposition(self) -> str:
        return _CBV[self][1]

    @property
    def anchor_kind(self) -> AnchorKind:
        return _CBV[self][2]

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", " ")


_CBV: dict[Action, tuple[str, str, AnchorKind]] = {
    Action.SHIP: ("shipping", "in_transit", AnchorKind.SHIPMENT),
    Action.RECEIVE: ("receiving", "in_progress", AnchorKind.RECEIPT),
    Action.RECALL: ("holding", "recalled", AnchorKind.STATUS_CHANGE),
    Action.REPORT_STOLEN: ("holding", "stolen", AnchorKind.STATUS_CHANGE),
    Action.SELL: ("retail_selling", "retail_sold", AnchorKind.STATUS_CHANGE),
    Action.DESTROY: ("destroying", "destroyed", AnchorKind.STATUS_CHANGE),
    Action.DECOMMISSION: ("decommissioning", "inactive", AnchorKind.STATUS_CHANGE),
    Action.INSPECT: ("inspecting", "active", AnchorKind.INSPECTION),
    Action.PACK: ("packing", "in_progress", AnchorKind.PACKING),
    Action.UNPACK: ("unpacking", "in_progress", AnchorKind.PACKING),
}


def _word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def _address_word(address: str) -> bytes:
    return bytes(12) + bytes.fromhex(address[2:])


@dataclass(frozen=True, slots=True)
class CustodyEvent:
    item_id: bytes
    action: Action
    actor: str
    counterparty: str
    timestamp: int
    previous_hash: bytes
    location: str = ""

    @property
    def encoded(self) -> bytes:
        """``abi.encode(bytes32, uint8, address, address, uint64, bytes32, bytes32)``."""
        return b"".join((
            self.item_id,
            _word(self.action),
            _address_word(self.actor),
            _address_word(self.counterparty),
            _word(self.timestamp),
            self.previous_hash,
            keccak256(self.location.encode()),
        ))

    @property
    def hash(self) -> bytes:
        return keccak256(self.encoded)
