"""A picture of a batch's flow between parties, as SVG text for an auditor's page.

Parties are boxes in the order goods first reached them (the brand first); each arrow is
the handovers from one party to another, labelled with how many items went that way and
in how many shipments. Under each box: how many of the batch's items it holds now, and
how many ended there sold, destroyed, recalled or stolen.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from xml.sax.saxutils import escape

from sqlalchemy.engine import Engine

from ..custody.state import RULES
from ..index.trail import TrailEvent, TrailScope, trail
from ..proofs.events import AnchorKind

__all__ = ["BatchFlow", "batch_flow", "batch_flow_svg", "render"]

_BOX_W, _BOX_H, _GAP, _TOP = 150, 56, 70, 150
# A status change's label → the state or condition it brings about (sold, recalled…), from the custody table.
_FINAL = {action.label: str(rule.sets) for action, rule in RULES.items()
          if action.anchor_kind is AnchorKind.STATUS_CHANGE and rule.sets is not None}


@dataclass(frozen=True)
class BatchFlow:
    batch: str
    parties: list[str]
    edges: dict[tuple[str, str], tuple[int, int]]  # (from, to) → (items, shipments)
    holding: dict[str, int]
    outcomes: dict[str, Counter[str]]


def batch_flow(steps: list[TrailEvent], batch: str) -> BatchFlow:
    """The flow a batch's trail describes (pure: no ledger access)."""
    parties: list[str] = []
    items: Counter[tuple[str, str]] = Counter()
    shipments: dict[tuple[str, str], set[str]] = {}
    holder: dict[str, str] = {}
    outcomes: dict[str, Counter[str]] = {}
    for step in sorted(steps, key=lambda s: (s.block_number, s.item, s.seq)):
        if step.actor not in parties:
            parties.append(step.actor)
        if step.action == "register":
            holder[step.item] = step.actor
        elif step.action == "ship" and step.counterparty:
            if step.counterparty not in parties:
                parties.append(step.counterparty)
            items[step.actor, step.counterparty] += 1
            shipments.setdefault((step.actor, step.counterparty), set()).add(step.anchor_root)
        elif step.action == "receive":
            holder[step.item] = step.actor
        elif step.action in _FINAL:
            outcomes.setdefault(holder.get(step.item, step.actor), Counter())[_FINAL[step.action]] += 1
    return BatchFlow(batch, parties, {edge: (n, len(shipments[edge])) for edge, n in items.items()},
                     dict(Counter(holder.values())), outcomes)


def batch_flow_svg(engine: Engine, batch_root: str) -> str:
    """SVG (a standalone ``<svg>`` element) of the batch's flow between parties."""
    return render(batch_flow(trail(engine, TrailScope("batch", batch_root)), batch_root.lower()))


def render(flow: BatchFlow) -> str:
    width = max(len(flow.parties), 1) * (_BOX_W + _GAP) + _GAP
    height = _TOP * 2 + _BOX_H + 40
    x = {p: _GAP + i * (_BOX_W + _GAP) for i, p in enumerate(flow.parties)}
    out = [(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
           f'role="img" aria-labelledby="flow-title" font-family="sans-serif" font-size="13">'),
           f'<title id="flow-title">Flow of batch {escape(flow.batch)} between parties</title>',
           ('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">'
           '<path d="M0,0 L10,5 L0,10 z" fill="#335"/></marker></defs>'),
           f'<text x="{_GAP}" y="24" font-size="15" font-weight="bold">Batch {escape(flow.batch[:18])}…</text>']
    for (source, target), (count, shipments) in sorted(flow.edges.items()):
        x1, x2 = x[source] + _BOX_W / 2, x[target] + _BOX_W / 2
        forward = x2 > x1
        # Forward handovers arc above the boxes, returns below, so the two never overlap.
        y = _TOP if forward else _TOP + _BOX_H
        bend = y - 40 - abs(x2 - x1) / 6 if forward else y + 40 + abs(x2 - x1) / 6
        label = f"{count} item{'s' if count != 1 else ''} / {shipments} shipment{'s' if shipments != 1 else ''}"
        out.append(f'<g><title>{escape(source)} → {escape(target)}: {label}</title>'
                   f'<path d="M{x1:.0f},{y} Q{(x1 + x2) / 2:.0f},{bend:.0f} {x2:.0f},{y}" fill="none" stroke="#335" '
                   f'stroke-width="{min(1.5 + count ** 0.5 / 2, 8):.1f}" marker-end="url(#arrow)"/>'
                   f'<text x="{(x1 + x2) / 2:.0f}" y="{(y + bend) / 2 + (-4 if forward else 12):.0f}" text-anchor="middle">'
                   f'{label}</text></g>')
    for party in flow.parties:
        held = flow.holding.get(party, 0)
        ended = ", ".join(f"{n} {what}" for what, n in sorted(flow.outcomes.get(party, Counter()).items()))
        out.append(f'<g><title>{escape(party)}: holds {held}</title>'
                   f'<rect x="{x[party]}" y="{_TOP}" width="{_BOX_W}" height="{_BOX_H}" rx="8" fill="#eef" stroke="#335"/>'
                   f'<text x="{x[party] + _BOX_W / 2:.0f}" y="{_TOP + 24}" text-anchor="middle" font-weight="bold">'
                   f'{escape(party)}</text>'
                   f'<text x="{x[party] + _BOX_W / 2:.0f}" y="{_TOP + 44}" text-anchor="middle">holds {held}</text>'
                   + (f'<text x="{x[party] + _BOX_W / 2:.0f}" y="{_TOP + _BOX_H + 18}" text-anchor="middle" fill="#933">'
                      f'{escape(ended)}</text>' if ended else "") + "</g>")
    out.append("</svg>")
    return "\n".join(out)
