"""Registering batches, on every chain × database."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from ledger.codes.identifiers import ItemKey
from ledger.custody.ledger import Ledger
from ledger.custody.registration import ItemSpec, read_items_csv, serial_range
from ledger.errors import DuplicateItem, InvalidInput, InvalidItemKey, PrefixOwned, RoleError, UnknownParty
from ledger.index.models import Item
from ledger.index.queries import item_status
from ledger.proofs.merkle import MerkleTree, attributes_hash, item_leaf

GTIN = "09521234543213"


def _anchor_count(ledger: Ledger) -> int:
    return int(ledger.chain.contract.functions.anchorCount().call())


def test_batch_is_one_anchor_checkable_on_chain(ledger: Ledger) -> None:
    before = _anchor_count(ledger)
    result = ledger.register("acme", (ItemSpec(GTIN, s, "LOT7", date(2027, 6, 30)) for s in serial_range(100, 250)))
    assert result.count == 250 and _anchor_count(ledger) == before + 1
    root = bytes.fromhex(result.root[2:])
    anchor = ledger.chain.get_anchor(root)
    assert anchor is not None and anchor.party == ledger.party("acme").address and anchor.count == 250
    key = ItemKey(GTIN, "123")
    with Session(ledger.engine) as s:
        from ledger.index.models import Batch

        batch = s.get(Batch, result.root)
        assert batch is not None
    tree = MerkleTree.parse(batch.tree)
    attrs = attributes_hash("LOT7", date(2027, 6, 30))
    proof = tree.proof(item_leaf(key.item_id, attrs))
    included, brand = ledger.chain.contract.functions.verifyItem(root, key.item_id, attrs, proof).call()
    assert included and brand == ledger.party("acme").address
    # The same proof with another lot's attributes is refused: lot and expiry are bound into the leaf.
    assert not ledger.chain.contract.functions.verifyItem(root, key.item_id, attributes_hash("LOT8", None), proof).call()[0]
    status = item_status(ledger.engine, key)
    assert (status.registered, status.brand, status.status, status.custodian, status.lot, status.expiry) == (
        True, "acme", "active", "acme", "LOT7", date(2027, 6, 30))


BAD_ITEMS = [
    (ItemSpec("09521234543214", "1"), InvalidItemKey, "check digit"),
    (ItemSpec("0952123454321", "1"), InvalidItemKey, "check digit"),
    (ItemSpec("95212345432", "1"), InvalidItemKey, "is 11 digits long"),
    (ItemSpec("09521234543213", "X" * 21), InvalidItemKey, "21 characters long"),
    (ItemSpec("09521234543213", "AB CD"), InvalidItemKey, "outside GS1's set: ' '"),
    (ItemSpec("09521234543213", "ÄÖ"), InvalidItemKey, "outside GS1's set"),
    (ItemSpec("09521234543213", ""), InvalidItemKey, "is empty"),
    (ItemSpec("09521234543213", "1", lot="L#1"), InvalidItemKey, "lot 'L#1'"),
    (ItemSpec("00614141123452", "1"), PrefixOwned, "0614141 belongs to bolt"),
    (ItemSpec("04006381333931", "1"), InvalidItemKey, "not under the brand's GS1 company prefixes"),
]


@pytest.mark.parametrize(("spec", "error", "message"), BAD_ITEMS)
def test_bad_items_change_nothing(ledger: Ledger, spec: ItemSpec, error: type[Exception], message: str) -> None:
    before = _anchor_count(ledger)
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        ledger.register("acme", [ItemSpec(GTIN, "good-1"), spec])
    assert _anchor_count(ledger) == before
    assert not item_status(ledger.engine, ItemKey(GTIN, "good-1")).registered


def test_duplicates_within_batch_and_against_ledger(ledger: Ledger) -> None:
    with pytest.raises(DuplicateItem, match="listed twice in this batch"):
        ledger.register("acme", [ItemSpec(GTIN, "1"), ItemSpec(GTIN, "2"), ItemSpec("9521234543213", "1")])
    ledger.register("acme", [ItemSpec(GTIN, "1")])
    before = _anchor_count(ledger)
    with pytest.raises(DuplicateItem, match=r"/01/09521234543213/21/1 is already registered"):
        ledger.register("acme", [ItemSpec(GTIN, "5"), ItemSpec(GTIN, "1")])
    assert _anchor_count(ledger) == before
    assert not item_status(ledger.engine, ItemKey(GTIN, "5")).registered


def test_only_brands_register_and_parties_must_exist(ledger: Ledger) -> None:
    with pytest.raises(RoleError, match="truck may not register items: that needs the brand role"):
        ledger.register("truck", [ItemSpec(GTIN, "1")])
    with pytest.raises(UnknownParty, match="no party named 'nobody'"):
        ledger.register("nobody", [ItemSpec(GTIN, "1")])


def test_csv_registration(ledger: Ledger) -> None:
    items = read_items_csv(f"gtin,serial,lot,expiry\n{GTIN},A1,L1,2027-01-31\n{GTIN},A2,L2,\n".encode())
    ledger.register("acme", items)
    assert item_status(ledger.engine, ItemKey(GTIN, "A2")).lot == "L2"
    with Session(ledger.engine) as s:
        assert s.get(Item, "0x" + ItemKey(GTIN, "A1").item_id.hex()).expiry == date(2027, 1, 31)  # type: ignore[union-attr]


BAD_CSV = [
    (b"serial,gtin,colour\n1,2,3\n", "does not name the columns"),
    (b"gtin,serial\n09521234543213\n", "CSV line 2"),
    (b"gtin,serial\n", "has no items"),
    (b"gtin,serial,expiry\n09521234543213,1,31/12/2027\n", "is not a date"),
    (b"\xff\xfe\x00g", "is not UTF-8"),
    (b'gtin,serial\n"09521234543213,1\n', "CSV"),
]


@pytest.mark.parametrize(("data", "message"), BAD_CSV)
def test_malformed_csv(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        read_items_csv(data)
