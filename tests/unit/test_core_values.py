"""Item keys, event hashing, registration planning, settings: the pure parts of the core."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from eth_abi import encode
from eth_utils import keccak
from hypothesis import given
from hypothesis import strategies as st

from ledger.codes.identifiers import ItemKey
from ledger.custody.registration import ItemSpec, plan_batch, serial_range
from ledger.errors import DuplicateItem, InvalidInput, InvalidItemKey
from ledger.proofs.events import Action, CustodyEvent
from ledger.proofs.merkle import attributes_hash
from ledger.settings import Settings

GS1_SERIAL = st.text(alphabet="ABCXYZabcxyz0123456789!\"%&'()*+,-./:;<=>?_", min_size=1, max_size=20)
ADDRESS = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())


@given(GS1_SERIAL)
def test_canonical_key_round_trips(serial: str) -> None:
    key = ItemKey("09521234543213", serial)
    assert ItemKey.parse(key.canonical) == key
    assert key.item_id == keccak(text=key.canonical)


@given(st.binary(min_size=32, max_size=32), st.sampled_from(list(Action)), ADDRESS, ADDRESS,
       st.integers(0, 2**64 - 1), st.binary(min_size=32, max_size=32), st.text(max_size=40))
def test_event_hash_is_keccak_of_abi_encoding(item: bytes, action: Action, actor: str, other: str, ts: int,
                                             prev: bytes, location: str) -> None:
    event = CustodyEvent(item, action, actor, other, ts, prev, location)
    expected = keccak(encode(["bytes32", "uint8", "address", "address", "uint64", "bytes32", "bytes32"],
                             [item, int(action), actor, other, ts, prev, keccak(text=location)]))
    assert event.hash == expected


def test_attributes_hash_binds_lot_and_expiry() -> None:
    assert attributes_hash("L1", date(2027, 1, 1)) == keccak(encode(["string", "uint32"], ["L1", 20270101]))
    assert attributes_hash(None, None) != attributes_hash("", date(2027, 1, 1))


def test_plan_is_deterministic_and_checks_prefix() -> None:
    items = [ItemSpec("9521234543213", s) for s in serial_range(1, 50)]
    a = plan_batch("0x" + "11" * 20, ["9521234"], items, 1)
    b = plan_batch("0x" + "11" * 20, ["9521234"], list(reversed(items)), 1)
    assert a.root == b.root and a.company_prefix == "9521234" and a.rows[0][1] == "09521234543213"


@pytest.mark.parametrize(("items", "error", "message"), [
    ([], InvalidInput, "is empty"),
    ([ItemSpec("09521234543213", "1"), ItemSpec("09521234543213", "1")], DuplicateItem, "listed twice"),
    ([ItemSpec("09521234543213", "1"), ItemSpec("95212345432131", "1")], InvalidItemKey, "check digit"),
])
def test_plan_refusals(items: list[ItemSpec], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        plan_batch("0x" + "11" * 20, ["9521234"], items, 1)


def test_plan_refuses_mixed_prefixes() -> None:
    with pytest.raises(InvalidInput, match="mixes company prefixes"):
        plan_batch("0x" + "11" * 20, ["9521234", "0614141"],
                   [ItemSpec("09521234543213", "1"), ItemSpec("00614141123452", "1")], 1)


@pytest.mark.parametrize(("start", "count", "message"), [(-1, 5, "starts below 0"), (1, 0, "is empty"),
                                                          (10**20, 1, "over 20 digits")])
def test_serial_range_refusals(start: int, count: int, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        list(serial_range(start, count))


@pytest.mark.parametrize(("env", "message"), [
    ({"LEDGER_CHAIN": "ftp://x"}, "neither `embedded` nor a URL"),
    ({"LEDGER_KDF_ITERATIONS": "lots"}, "is not a number"),
    ({"LEDGER_KDF_ITERATIONS": "1000"}, "not a power of two"),
    ({"LEDGER_CHAIN_READ_TIMEOUT": "soon"}, "LEDGER_CHAIN_READ_TIMEOUT 'soon': is not a number"),
    ({"LEDGER_CHAIN_READ_TIMEOUT": "0"}, "is not a number of seconds from 0 to 3600"),
    ({"LEDGER_CHAIN_WRITE_TIMEOUT": "nan"}, "is not a number of seconds from 0 to 3600"),
    ({"LEDGER_CHAIN_WRITE_TIMEOUT": "-5"}, "is not a number of seconds from 0 to 3600"),
])
def test_settings_refusals(env: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        Settings.from_env(env)


def test_settings_defaults(tmp_path: Path) -> None:
    settings = Settings.from_env({"LEDGER_HOME": str(tmp_path)})
    assert settings.chain == "embedded" and settings.database_url == f"sqlite:///{tmp_path / 'index.sqlite'}"
    assert (settings.chain_read_timeout, settings.chain_write_timeout) == (2.0, 120.0)
    assert Settings.from_env({"LEDGER_CHAIN_READ_TIMEOUT": "0.5"}).chain_read_timeout == 0.5
    assert "secret" not in repr(Settings.from_env({"LEDGER_PASSPHRASE": "secret"}))
    with pytest.raises(InvalidItemKey, match="is not a canonical key"):
        ItemKey.parse("/01/09521234543213")
