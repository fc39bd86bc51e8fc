"""The custody history reads subject first, the right way round: one row per action."""

from __future__ import annotations

import pytest

from ledger.index.trail import TrailEvent
from web.timeline import entries, sentence


def step(action: str, actor: str, other: str | None = None, container: str | None = None) -> TrailEvent:
    return TrailEvent("/01/09521234543213/21/1", "L1", 1, action, "", "", actor, "0x1", other, 1_780_000_000, "Eindhoven",
                      "0x2", None, "0x3", "event", "0x1", None, "0x" + "ab" * 32, 7, container)


@pytest.mark.parametrize(("event", "expected"), [
    (step("register", "acme"), "acme registered it"),
    (step("ship", "acme", "swiftfreight"), "acme shipped it to swiftfreight"),
    (step("receive", "swiftfreight", "acme"), "swiftfreight received it from acme"),
    (step("inspect", "customs"), "customs inspected it"),
    (step("sell", "shop"), "shop sold it"),
    (step("recall", "acme"), "acme recalled it"),
    (step("report stolen", "customs"), "customs reported it stolen"),
    (step("destroy", "acme"), "acme destroyed it"),
    (step("decommission", "acme"), "acme decommissioned it"),
    (step("pack", "acme", container="(00)095212340000000017"), "acme packed it into (00)095212340000000017"),
    (step("unpack", "truck", container="(00)095212340000000017"), "truck unpacked it from (00)095212340000000017"),
    (step("relabel", "acme", "bolt"), "acme: relabel (bolt)"),  # an action this table does not know yet
])
def test_sentences(event: TrailEvent, expected: str) -> None:
    assert sentence(event) == expected


def test_entries_keep_time_place_and_proof() -> None:
    [entry] = entries([step("report stolen", "customs")])
    assert (entry.kind, entry.when, entry.where, entry.block) == ("report-stolen", "2026-05-28 20:26 UTC", "Eindhoven", 7)
    assert entry.tx_hash == "0x" + "ab" * 32
