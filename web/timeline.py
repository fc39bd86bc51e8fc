"""Geometry of the custody timeline drawn as inline SVG: one node per event on a vertical line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from ledger.index.trail import TrailEvent

__all__ = ["ROW", "Node", "layout"]

ROW = 64  # px between events: room for two lines of text
_TOP = 28
_COLOURS = {
    "register": "#2563eb", "ship": "#7c3aed", "receive": "#0891b2", "inspect": "#0d9488", "sell": "#65a30d",
    "recall": "#d97706", "report stolen": "#dc2626", "destroy": "#111827", "decommission": "#4b5563",
}


@dataclass(frozen=True, slots=True)
class Node:
    y: int
    colour: str
    title: str
    when: str
    where: str
    tx_hash: str
    block: int


def layout(steps: Sequence[TrailEvent]) -> tuple[list[Node], int]:
    """Nodes top to bottom (oldest first) and the SVG's height."""
    nodes = []
    for i, step in enumerate(steps):
        who = step.actor + (f" → {step.counterparty}" if step.counterparty else "")
        when = datetime.fromtimestamp(step.timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")
        nodes.append(Node(_TOP + i * ROW, _COLOURS.get(step.action, "#6b7280"), f"{step.action} · {who}", when,
                          step.location, step.tx_hash, step.block_number))
    return nodes, _TOP * 2 + max(len(nodes) - 1, 0) * ROW
