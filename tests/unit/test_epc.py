from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.codes.epc import EpcScheme, Sgtin, SgtinTag, fits_sgtin96
from ledger.codes.identifiers import ItemKey
from ledger.codes.rfid import epc_csv
from ledger.errors import InvalidCode
from tests.unit._code_strategies import item_keys


def test_tds_sgtin96_example() -> None:
    """TDS Annex E: SGTIN-96 encoding example."""
    tag = SgtinTag.parse_hex("3074257BF7194E4000001A85")
    assert tag.uri == "urn:epc:tag:sgtin-96:3.0614141.812345.6789"
    assert tag.sgtin.urn == "urn:epc:id:sgtin:0614141.812345.6789"
    assert tag.key() == ItemKey("80614141123458", "6789")
    assert SgtinTag.parse(tag.uri).hex == "3074257BF7194E4000001A85"
    assert SgtinTag.for_key(ItemKey("80614141123458", "6789"), 7, filter_value=3) == tag


def test_tds_sgtin198_example() -> None:
    """TDS Annex E: SGTIN-198 example (the standard's text misprints the item reference as 812345)."""
    tag = SgtinTag.parse_hex("3674257BF6B7A659B2C2BF1000000000000000000000000000")
    assert tag.uri == "urn:epc:tag:sgtin-198:3.0614141.712345.32a%2Fb"
    assert tag.key() == ItemKey("70614141123451", "32a/b")
    assert SgtinTag.parse(tag.uri).hex == "3674257BF6B7A659B2C2BF1000000000000000000000000000"
    # As read word-aligned from a tag's EPC bank: 13 words, 52 digits.
    assert SgtinTag.parse_hex("3674257BF6B7A659B2C2BF100000000000000000000000000000") == tag


@pytest.mark.parametrize(
    ("serial", "fits"),
    [("0", True), ("6789", True), (str(2**38 - 1), True), (str(2**38), False), ("01", False), ("A1", False)],
)
def test_sgtin96_serial_rule(serial: str, fits: bool) -> None:
    assert fits_sgtin96(serial) is fits
    scheme = SgtinTag.for_key(ItemKey("80614141123458", serial), 7).scheme
    assert scheme is (EpcScheme.SGTIN_96 if fits else EpcScheme.SGTIN_198)


def test_forced_sgtin96_with_unfit_serial_is_refused() -> None:
    with pytest.raises(InvalidCode, match="does not fit SGTIN-96"):
        SgtinTag.for_key(ItemKey("80614141123458", "007"), 7, scheme=EpcScheme.SGTIN_96)


def test_urn_escaping() -> None:
    sgtin = Sgtin.from_key(ItemKey("80614141123458", "a\"%&/<>?b"), 7)
    assert sgtin.urn == "urn:epc:id:sgtin:0614141.812345.a%22%25%26%2F%3C%3E%3Fb"
    assert Sgtin.parse(sgtin.urn) == sgtin
    with pytest.raises(InvalidCode, match="must not carry as is"):
        Sgtin.parse("urn:epc:id:sgtin:0614141.812345.a/b")


@given(item_keys(with_attributes=False), st.integers(6, 12), st.integers(0, 7))
def test_round_trip_all_epc_forms(key: ItemKey, prefix_length: int, filter_value: int) -> None:
    tag = SgtinTag.for_key(key, prefix_length, filter_value)
    assert tag.scheme is (EpcScheme.SGTIN_96 if fits_sgtin96(key.serial) else EpcScheme.SGTIN_198)
    assert SgtinTag.parse_hex(tag.hex) == tag
    assert SgtinTag.parse(tag.uri) == tag
    assert Sgtin.parse(tag.sgtin.urn).key() == key
    assert tag.key() == key


def test_partition_outside_table() -> None:
    # Partition bits 111 (7) after header 0x30 and filter 3.
    with pytest.raises(InvalidCode, match="partition value 7, outside the table 0..6"):
        SgtinTag.parse_hex("307C257BF7194E4000001A85")


def test_csv_export() -> None:
    text = epc_csv([ItemKey("80614141123458", "6789"), ItemKey("80614141123458", "X-1")], 7)
    lines = text.splitlines()
    assert lines[0] == "key,epc_urn,tag_uri,hex"
    assert lines[1].endswith("urn:epc:tag:sgtin-96:1.0614141.812345.6789,3034257BF7194E4000001A85")
    assert "sgtin-198:1.0614141.812345.X-1" in lines[2]
