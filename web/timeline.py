"""The custody timeline as a person reads it: one sentence per event, oldest first ("truck received it from acme")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from ledger.index.trail import TrailEvent

__all__ = ["Entry", "entries", "sentence"]

# Per action as the trail names it: the sentence, with {actor}, {other} (the counterparty) and {container}.
_SENTENCES = {
    "register": "{actor} registered it",
    "ship": "{actor} shipped it to {other}",
    "receive": "{actor} received it from {other}",
    "inspect": "{actor} inspected it",
    "sell": "{actor} sold it",
    "recall": "{actor} recalled it",
    "report stolen": "{actor} reported it stolen",
    "destroy": "{actor} destroyed it",
    "decommission": "{actor} decommissioned it",
    "pack": "{actor} packed it into {container}",
    "unpack": "{actor} unpacked it from {container}",
}


@dataclass(frozen=True, slots=True)
class Entry:
    kind: str  # the action, as a CSS class: its dot's colour
    sentence: str
    when: str
    where: str
    tx_hash: str
    block: int


def sentence(step: TrailEvent) -> str:
    """What happened, subject first: "truck received it from acme", never "receive · truck → acme"."""
    template = _SENTENCES.get(step.action, "{actor}: " + step.action + (" ({other})" if step.counterparty else ""))
    return template.format(actor=step.actor, other=step.counterparty or "another party", container=step.container or "a case")


def entries(steps: Sequence[TrailEvent]) -> list[Entry]:
    return [Entry(step.action.replace(" ", "-"), sentence(step),
                  datetime.fromtimestamp(step.timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC"), step.location,
                  step.tx_hash, step.block_number) for step in steps]
