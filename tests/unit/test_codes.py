from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.codes.digital_link import digital_link_uri
from ledger.codes.element_string import element_string_hri, element_string_raw
from ledger.codes.epc import SgtinTag
from ledger.codes.identifiers import ItemKey
from ledger.codes.parsing import MAX_CODE_LENGTH, CodeForm, parse_code
from ledger.errors import InvalidCode
from tests.unit._code_strategies import GS1_CHARS, item_keys

KEY = ItemKey("09521234543213", "12345", "ABC", date(2026, 12, 31))


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("https://example.com/some/prefix/01/09521234543213/10/ABC/21/12345?17=261231", CodeForm.DIGITAL_LINK),
        ("/01/09521234543213/10/ABC/21/12345?17=261231", CodeForm.DIGITAL_LINK_PATH),
        ("(01)09521234543213(10)ABC(21)12345(17)261231", CodeForm.ELEMENT_STRING_HRI),
        ("]d201095212345432131726123110ABC\x1d2112345", CodeForm.ELEMENT_STRING_RAW),
        ("01095212345432131726123110ABC\x1d2112345", CodeForm.ELEMENT_STRING_RAW),
    ],
)
def test_forms_with_attributes(text: str, form: CodeForm) -> None:
    code = parse_code(text)
    assert (code.key, code.form, code.raw) == (KEY, form, text)


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("urn:epc:id:sgtin:0614141.812345.6789", CodeForm.EPC_URN),
        ("urn:epc:tag:sgtin-96:3.0614141.812345.6789", CodeForm.EPC_TAG_URI),
        ("3074257BF7194E4000001A85", CodeForm.EPC_HEX),
        ("0x3074257bf7194e4000001a85", CodeForm.EPC_HEX),
    ],
)
def test_epc_forms(text: str, form: CodeForm) -> None:
    code = parse_code(text)
    assert (code.key, code.form) == (ItemKey("80614141123458", "6789"), form)


def test_signature_from_digital_link() -> None:
    assert parse_code("https://v.example/01/09521234543213/21/1?sig=abc").signature == "abc"
    assert parse_code("(01)09521234543213(21)1").signature is None


@pytest.mark.parametrize("text", ["010952123454321321123456", "0109521234543213211234AB", "010000000000000021A"])
def test_hex_looking_element_strings_are_not_epc_hex(text: str) -> None:
    assert parse_code(text).form is CodeForm.ELEMENT_STRING_RAW


@given(item_keys(alphabet=GS1_CHARS.replace("(", "")), st.integers(6, 12))
def test_every_form_round_trips(key: ItemKey, prefix_length: int) -> None:
    bare = ItemKey(key.gtin, key.serial)
    tag = SgtinTag.for_key(key, prefix_length)
    cases = [
        (digital_link_uri(key, "https://verify.example", {"sig": "s"}), key),
        (digital_link_uri(key), key),
        (element_string_hri(key), key),
        (element_string_raw(key, "]Q3"), key),
        (element_string_raw(key), key),
        (tag.sgtin.urn, bare),
        (tag.uri, bare),
        (tag.hex, bare),
    ]
    for text, expected in cases:
        assert parse_code(text).key == expected, text


BAD = [
    ("(01)09521234543214(21)1", "Invalid GTIN check digit for '09521234543214': Expected 3, got 4"),
    ("(01)0952123454321(21)1", "Invalid GTIN check digit"),
    ("https://x.example/01/952123454321/21/1", "Invalid GTIN check digit"),
    ("(01)09521234543213(23)X(21)1", "has unknown application identifier (23)"),
    ("(01)09521234543213(21)123456789012345678901", "serial '123456789012345678901': is 21 characters long"),
    ("https://x.example/01/09521234543213/21/a%20b", "has characters outside GS1's set: ' '"),
    ("https://x.example/01/09521234543213/21/caf%C3%A9", "has characters outside GS1's set: 'é'"),
    ("(01)09521234543213", "has no serial (21)"),
    ("(01)09521234543213(17)261340(21)1", "expiry (17) '261340': is not a date"),
    ("https://x.example/01/09521234543213/ser/1", "where a numeric key qualifier in order 22, 10, 21 belongs"),
    ("https://x.example/shop/item", "has no /01/{GTIN} in its path"),
    ("https://x.example/01/09521234543213/21/1?21=2", "gives (21) twice with different values '1' and '2'"),
    ("]E0009521234543213", "carries no GS1 data"),
    ("3074257BF7194E4000001A8", "is 23 hex digits, but header 0x30 is sgtin-96"),
    ("3674257BF6B7A659B2C2BF10000000000000000000000000", "is 48 hex digits, but header 0x36 is sgtin-198"),
    ("E28011606000020B0F9A3C11", "has header 0xE2, not an SGTIN"),
    ("0x3574257BF7194E4000001A85", "has header 0x35, not an SGTIN"),
    ("307C257BF7194E4000001A85", "has partition value 7, outside the table 0..6"),
    ("urn:epc:id:sscc:0614141.1234567890", "is not an SGTIN pure identity"),
    ("urn:epc:tag:sgtin-96:3.0614141.812345.0123", "does not fit SGTIN-96"),
    ("urn:epc:id:sgtin:0614141.812345.a/b", "must not carry as is"),
    ("urn:epc:id:sgtin:0614141.81234.1", "does not make 13 digits"),
    ("hello world", "is not a code in any form the ledger reads"),
    ("   ", "is empty"),
    ("x" * (MAX_CODE_LENGTH + 1), f"is {MAX_CODE_LENGTH + 1} characters long; expected at most {MAX_CODE_LENGTH}"),
]


@pytest.mark.parametrize(("text", "fragment"), BAD)
def test_bad_inputs(text: str, fragment: str) -> None:
    with pytest.raises(InvalidCode) as caught:
        parse_code(text)
    assert fragment in str(caught.value)
    assert "expected" in str(caught.value)
