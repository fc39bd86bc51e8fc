"""Audit of the packing hierarchy: every membership row must be backed by the signed, anchored
packing (or unpacking) action it names — same container, and the child's items among its events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..index.models import Anchor, Container, ContainerContent
from ..proofs.events import Action
from ..proofs.keccak import keccak256
from .findings import Finding, FindingCode

__all__ = ["check_container_parents", "check_packing"]


def check_packing(rows: Iterable[ContainerContent], anchors: Mapping[str, Anchor],
                  items_of_anchor: Mapping[str, set[str]]) -> list[Finding]:
    """``items_of_anchor``: the item ids with an event in each packing anchor."""
    findings = []
    for row in rows:
        child = row.child_item or row.child_container or "?"
        subject = f"container {row.container}"
        expected_reference = "0x" + keccak256(f"/00/{row.container}".encode()).hex()
        for root, action in ((row.packed_anchor, Action.PACK), (row.unpacked_anchor, Action.UNPACK)):
            if root is None:
                continue
            anchor = anchors.get(root)
            problem = _problem(anchor, action, expected_reference)
            if problem is None and row.child_item and row.child_item not in items_of_anchor.get(root, set()):
                problem = f"has no {action.label} event for that item"
            if problem:
                findings.append(Finding(FindingCode.PACKING_MISMATCH, subject,
                                        f"says {child} was {action.label}ed in {row.container} by anchor {root}, but that anchor "
                                        f"{problem}", f"a signed {action.label} of container {row.container}"))
    return findings


def _problem(anchor: Any, action: Action, reference: str) -> str | None:
    if anchor is None:
        return "is not in the index"
    if anchor.action != int(action):
        return f"is a {Action(anchor.action).label if anchor.action else 'registration'}"
    if (anchor.reference or "").lower() != reference:
        return f"was signed for container id {anchor.reference}"
    return None


def check_container_parents(containers: Iterable[Container], rows: Iterable[ContainerContent]) -> list[Finding]:
    """Each container's ``parent`` must be the container its open membership row names."""
    inside = {r.child_container: r.container for r in rows if r.child_container and r.unpacked_anchor is None}
    return [Finding(FindingCode.PACKING_MISMATCH, f"container {c.sscc}", f"parent is {c.parent}",
                    f"{inside.get(c.sscc)}, from the packing records") for c in containers if c.parent != inside.get(c.sscc)]
