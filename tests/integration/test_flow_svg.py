"""The SVG picture of a batch's flow between parties."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ledger.audit.flow_svg import batch_flow, batch_flow_svg
from ledger.codes.identifiers import ItemKey
from ledger.custody.ledger import Ledger
from ledger.custody.registration import ItemSpec
from ledger.errors import NotOnLedger
from ledger.index.trail import TrailScope, trail
from ledger.proofs.events import Action

GTIN = "09521234543213"
KEYS = [ItemKey(GTIN, str(n)) for n in range(1, 6)]
SVG = "{http://www.w3.org/2000/svg}"


def test_flow_of_a_batch(ledger: Ledger) -> None:
    batch = ledger.register("acme", [ItemSpec(GTIN, str(n)) for n in range(1, 6)])
    to_truck = ledger.ship("acme", "truck", KEYS[:4])
    ledger.receive("truck", to_truck.root)
    to_shop = ledger.ship("truck", "shop", KEYS[:3])
    ledger.receive("shop", to_shop.root)
    back = ledger.ship("truck", "acme", KEYS[3:4])
    ledger.receive("acme", back.root)
    ledger.change_status("shop", Action.SELL, KEYS[:2])

    flow = batch_flow(trail(ledger.engine, TrailScope("batch", batch.root)), batch.root)
    assert flow.parties == ["acme", "truck", "shop"]
    assert flow.edges == {("acme", "truck"): (4, 1), ("truck", "shop"): (3, 1), ("truck", "acme"): (1, 1)}
    assert flow.holding == {"acme": 2, "shop": 3} and flow.outcomes["shop"]["sold"] == 2

    svg = batch_flow_svg(ledger.engine, batch.root)
    root = ET.fromstring(svg)  # well-formed XML
    assert root.tag == f"{SVG}svg" and root.find(f"{SVG}title") is not None
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"acme", "truck", "shop", "4 items / 1 shipment", "2 sold", "holds 3"} <= set(texts)
    assert len(list(root.iter(f"{SVG}path"))) == 4  # three arrows and the arrowhead marker


def test_unknown_batch(ledger: Ledger) -> None:
    with pytest.raises(NotOnLedger, match="is not on this ledger"):
        batch_flow_svg(ledger.engine, "0x" + "00" * 32)
