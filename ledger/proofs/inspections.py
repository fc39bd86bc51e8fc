"""Inspection outcomes an officer records; the outcome travels in the anchor's signed ``reference``.

A custody event's hash has no field for an outcome, but every action's EIP-712 message
carries a 32-byte reference (the shipment id for a receipt). For an inspection that word
holds the outcome's name, so it is signed by the officer and committed on chain through
the anchor's metadata hash.

>>> InspectionOutcome.from_reference(InspectionOutcome.SEIZED.reference_hex)
<InspectionOutcome.SEIZED: 'seized'>
"""

from __future__ import annotations

import enum

from ..errors import InvalidInput

__all__ = ["InspectionOutcome"]


class InspectionOutcome(enum.StrEnum):
    PASSED = "passed"
    HELD = "held"
    SEIZED = "seized"
    SUSPECTED_COUNTERFEIT = "suspected_counterfeit"

    @classmethod
    def parse(cls, text: str) -> InspectionOutcome:
        try:
            return cls(text.strip().lower().replace(" ", "_"))
        except ValueError:
            raise InvalidInput("inspection outcome", text, "is not an outcome", " | ".join(o.value for o in cls)) from None

    @property
    def holds(self) -> bool:
        """Whether the goods stay on hold after this outcome (until a later inspection passes them)."""
        return self is not InspectionOutcome.PASSED

    @property
    def reference(self) -> bytes:
        return self.value.encode().ljust(32, b"\0")

    @property
    def reference_hex(self) -> str:
        return "0x" + self.reference.hex()

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")

    @classmethod
    def from_reference(cls, reference: str | None) -> InspectionOutcome | None:
        """The outcome in an anchor's reference, or None if it holds none (not an inspection)."""
        if not reference or len(reference) != 66:
            return None
        try:
            return cls(bytes.fromhex(reference[2:]).rstrip(b"\0").decode())
        except ValueError:
            return None
