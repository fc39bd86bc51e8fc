"""Hostile input to the parsers and readers: a table of inputs with the error each must get, and
hypothesis fuzzing that nothing but a LedgerError (with a short message) ever comes out.

The API and the command line are fuzzed end to end in tests/integration/test_hostile_inputs.py.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from ledger.audit.scope import AuditScope
from ledger.codes.identifiers import ItemKey, validate_gtin
from ledger.codes.images import MAX_DECODED_PIXELS, _DecodeBudget, _grayscale, _open, read_codes
from ledger.codes.label_sheet import SheetLayout
from ledger.codes.parsing import parse_code
from ledger.codes.signature import BrandDirectory, verify_code_signature
from ledger.custody.packing import Sscc
from ledger.custody.registration import read_items_csv
from ledger.epcis.schema import parse_document
from ledger.errors import InvalidCode, InvalidImage, InvalidInput, InvalidItemKey, LedgerError, shown
from ledger.geo import Location, parse_location
from ledger.index.trail import TrailScope
from ledger.untrusted import anchor_root, plain_text
from tests.unit._code_strategies import gtins
from web._api_bodies import VerifyBody, check_body, location_of

ROTTERDAM = {"Port of Rotterdam": Location(51.95, 4.14, "Port of Rotterdam")}


def location_from_json(data: object, sites: dict[str, Location] | None = None) -> Location | None:
    """A JSON API body's location as the server reads it (web/_api_bodies.py)."""
    return location_of(check_body(VerifyBody, {"code": "x", "location": data}), sites or {})

SIGNED = "https://verify.example/01/09521234543213/21/1?sig=" + "A" * 87

# Each hostile code, and a fragment of the InvalidCode message it must get.
BAD_CODES = [
    ("]", "starts with symbology identifier ']'"),
    ("http://[abc]/01/09521234543213/21/1", "has a malformed host"),
    ("https://[::1/01/09521234543213/21/1", "has a malformed host"),
    ("http://[1.2.3.4]/01/09521234543213/21/1", "has a malformed host"),
    ("https://verify.example:99999/01/09521234543213/21/1", "port that is not a number from 1 to 65535"),
    ("https://verify.example:0/01/09521234543213/21/1", "port that is not a number from 1 to 65535"),
    ("https://verify.example:http/01/09521234543213/21/1", "port that is not a number from 1 to 65535"),
    ("https://verify.example:99999/01/09521234543213/21/1?sig=abc", "port that is not a number"),  # the fast path's form
    ("https://:80/01/09521234543213/21/1", "has no host"),
    ("https://user@/01/09521234543213/21/1", "has no host"),
    ("/01/123/21/1", "GTIN '123': is 3 digits long"),
    ("https://x.example/01/1234567/21/1", "GTIN '1234567': is 7 digits long"),
    ("(01)123(21)1", "GTIN '123': is 3 digits long"),
    ("/01/09521234543213/21/1?17=261231&17=270101", "gives the query parameter 17 more than once"),
    ("/01/09521234543213/21/1?10=A&10=B", "gives the query parameter 10 more than once"),
    ("/01/09521234543213/21/1?sig=a&sig=b", "gives the query parameter sig more than once"),
    ("/01/09521234543213/21/1?10=", "gives AI 10 in the query without a value"),
    ("/01/09521234543213/21/1?17=&sig=abc", "gives AI 17 in the query without a value"),
    ("urn:epc:id:sgtin:٠٦١٤١٤١.812345.6789", "is not an SGTIN pure identity"),
    ("urn:epc:tag:sgtin-96:٣.0614141.812345.6789", "is not an SGTIN tag URI"),
    ("(01)09521234543213(21)1\x00", "serial '1\\x00': has characters outside GS1's set: '\\x00'"),
    ("(01)09521234543213(21)a'\x00", "has characters outside GS1's set: '\\x00'"),
]


@pytest.mark.parametrize(("text", "fragment"), BAD_CODES)
def test_hostile_codes_are_invalid_codes(text: str, fragment: str) -> None:
    with pytest.raises(InvalidCode) as caught:
        parse_code(text)
    assert fragment in caught.value.message
    assert "; expected " in caught.value.message


@given(st.text("0123456789", min_size=1, max_size=16), st.sampled_from(["/01/{}/21/1", "https://x.example/01/{}/21/1",
                                                                     "(01){}(21)1", "01{}\x1d211"]))
def test_one_gtin_rule_for_every_entry_point(digits: str, form: str) -> None:
    """No code form accepts a GTIN that register refuses, and a Digital Link accepts every one it takes.

    (An element string writes AI 01 as 14 digits by its syntax, so it takes only the 14-digit spelling.)
    """
    try:
        expected: str | None = validate_gtin(digits)
    except InvalidItemKey:
        expected = None
    try:
        got: str | None = parse_code(form.format(digits)).key.gtin
    except InvalidCode:
        got = None
    if got is not None or "/01/" in form:
        assert got == expected


@pytest.mark.parametrize("text", ["https://verify.example:8000/01/09521234543213/21/1", "http://[::1]:65535/01/09521234543213/21/1",
                                  SIGNED, "/01/09521234543213/21/1?17=261231&sig=abc&utm=1&utm=2"])
def test_good_links_still_parse(text: str) -> None:
    assert parse_code(text).key.gtin == "09521234543213"


# Every code form, cut, spliced and salted with the characters that broke parsers before.
_SEEDS = [SIGNED, "/01/09521234543213/10/ABC/21/12345?17=261231", "(01)09521234543213(10)ABC(21)12345(17)261231",
          "]d201095212345432131726123110ABC\x1d2112345", "urn:epc:id:sgtin:0614141.812345.6789",
          "urn:epc:tag:sgtin-198:3.0614141.812345.ABC", "3074257BF7194E4000001A85", "http://[::1]:80/01/09521234543213/21/1"]
_JUNK = st.sampled_from(list("()[]]/?&=%#:.@\x1d\x00 é٣²\ud800\u202e") + ["%FF", "%", "99999", "17=", "10=", "&sig=", "0" * 30])


@st.composite
def mutated_codes(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(_SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        text = draw(st.sampled_from([text[:at] + draw(_JUNK) + text[at:], text[:at] + text[at + 3:], text[:at]]))
    return text


def _only_ledger_errors(call: Callable[[], object], limit: int = 2000) -> None:
    """``call`` returns, or raises a LedgerError whose message is short: never anything else."""
    try:
        call()
    except LedgerError as exc:
        assert len(exc.message) <= limit, exc.message[:300]
    except Exception as exc:  # noqa: BLE001 - the point: anything else is the bug
        pytest.fail(f"{type(exc).__name__}: {exc}")


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(mutated_codes(), st.text(max_size=80)))
def test_fuzzed_codes_raise_only_ledger_errors(text: str) -> None:
    _only_ledger_errors(lambda: parse_code(text))


# -- values echoed in messages ------------------------------------------------------------------------------

HUGE = "9" * 10_000_000


@pytest.mark.parametrize("call", [
    lambda: parse_code("(01)" + "0" * 4000),
    lambda: location_from_json({"lat": HUGE, "lon": 1}),
    lambda: parse_location({"lat": "x" + HUGE, "lon": "1"}),
    lambda: validate_gtin(HUGE + "x"),
    lambda: ItemKey("09521234543213", HUGE),
    lambda: Sscc.parse(HUGE),
    lambda: read_items_csv(f"gtin,serial\n09521234543213,{HUGE[:100_000]}\n"),
    lambda: SheetLayout.parse(HUGE),
    lambda: anchor_root("shipment root", HUGE),
    lambda: TrailScope("lot", HUGE),
    lambda: AuditScope.parse("batch:" + HUGE),
], ids=lambda call: "")
def test_messages_quote_at_most_80_characters_of_a_10_mb_value(call: Callable[[], object]) -> None:
    with pytest.raises(LedgerError) as caught:
        call()
    assert len(caught.value.message) < 600, caught.value.message[:600]


def test_shown_cuts_long_values_and_says_how_long() -> None:
    assert shown("abc") == "'abc'"
    assert shown("x" * 81) == repr("x" * 80) + "… (81 characters)"
    assert shown(10**400) == "an integer of 401 digits"
    assert len(shown([[[["y" * 1000] * 1000]]])) < 200


# -- locations -----------------------------------------------------------------------------------------------

BAD_JSON_LOCATIONS: list[tuple[object, str]] = [
    ({"lat": int("9" * 400), "lon": 4}, "latitude an integer of 400 digits: is not a number between -90 and 90"),
    ({"lat": -(10**400), "lon": 4}, "is not a number between -90 and 90"),
    ({"lat": 51, "lon": 10**5000}, "longitude an integer of over 4,000 digits"),
    ({"lat": "51.9", "lon": 4.1}, "lat '51.9': is a string, not a number"),
    ({"lat": 51.9, "lon": "4.1"}, "lon '4.1': is a string, not a number"),
    ({"lat": True, "lon": 4.1}, "latitude True: is not a number between -90 and 90"),
    ({"lat": 1e400, "lon": 4.1}, "is not a number between -90 and 90"),
    ({"site": ""}, "site '': is empty"),
    ({"site": "Port of Rotterdam", "lat": 1, "lon": 2}, "does not have exactly the fields lat and lon, or site"),
    ({"lat": 1, "lon": 2, "accuracy": 5}, "does not have exactly the fields"),
    ({"lat": 1}, "does not have exactly the fields"),
    ([1, 2], "location [1, 2]: is not an object"),
    ("Rotterdam", "location 'Rotterdam': is not an object"),
    ({"site": "\x00"}, "is not a known inspection site"),
]


@pytest.mark.parametrize(("data", "fragment"), BAD_JSON_LOCATIONS)
def test_json_locations_are_read_as_the_openapi_document_says(data: object, fragment: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        location_from_json(data, ROTTERDAM)
    assert fragment in caught.value.message


def test_form_locations_take_text_and_huge_numbers_get_an_error() -> None:
    assert parse_location({"lat": "51.95", "lon": "4.14", "site": ""}) == Location(51.95, 4.14)
    assert location_from_json({"lat": 51, "lon": 4}) == Location(51.0, 4.0)
    assert location_from_json(None) is None  # optional: null means none, as leaving it out does
    with pytest.raises(InvalidInput, match="is not a number between -90 and 90"):
        parse_location({"lat": 10**400, "lon": 4})
    with pytest.raises(InvalidInput, match="unprintable character U\\+0000"):
        Location(1, 2, "Rotterdam\x00")


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(10**300, 10**450) | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["lat", "lon", "site", "x"]), inner, max_size=4),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(_json_values)
def test_fuzzed_locations_raise_only_ledger_errors(data: Any) -> None:
    _only_ledger_errors(lambda: location_from_json(data))
    if isinstance(data, dict):
        _only_ledger_errors(lambda: parse_location(data))


# -- files: CSV, brand directory, EPCIS, images ------------------------------------------------------------

BAD_CSV = [
    (b"gtin,serial\n09521234543213,1\n123,2\n", "GTIN on CSV line 3 '123': is 3 digits long"),
    (b"gtin,serial\n09521234543214,1\n", "GTIN on CSV line 2 '09521234543214'"),
    (b"gtin,serial\n09521234543213,1\n09521234543213,a b\n", "serial on CSV line 3 'a b'"),
    (b"gtin,serial,lot\n09521234543213,1,L1\n\n09521234543213,2,L\xc3\xa9\n", "lot on CSV line 4 'L\xe9'"),
    (b"gtin,serial\n09521234543213,1\n\xff\xfe,2\n", "CSV line 3 'byte 0xFF': is not UTF-8"),
]


@pytest.mark.parametrize(("data", "fragment"), BAD_CSV)
def test_csv_errors_name_the_line(data: bytes, fragment: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_items_csv(data)
    assert fragment in caught.value.message


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200).map(lambda t: ("gtin,serial,lot\n" + t).encode(errors="surrogatepass"))))
def test_fuzzed_csv_raises_only_ledger_errors(data: bytes) -> None:
    _only_ledger_errors(lambda: read_items_csv(data))


def _in_fresh_process(code: str) -> str:
    """Run ``code`` in a new interpreter with the chain code imported (it raises the recursion limit to 100,000):
    a C stack overflow there kills that process, not the test run."""
    done = subprocess.run([sys.executable, "-c", "import ledger.chain\n" + code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
    return done.stdout


def test_deeply_nested_brand_directory_is_refused() -> None:
    out = _in_fresh_process(
        "from ledger.codes.signature import BrandDirectory\n"
        "from ledger.errors import InvalidInput\n"
        "try:\n    BrandDirectory.parse('[' * 100_000 + ']' * 100_000)\n"
        "except InvalidInput as exc:\n    print(exc.message)\n")
    assert "is nested too deeply (arrays and objects may nest 64 levels" in out


def test_epcis_nested_50000_levels_in_ilmd_is_refused_before_validation() -> None:
    out = _in_fresh_process(
        "import json\n"
        "from ledger.epcis.schema import parse_document\n"
        "from ledger.errors import InvalidEpcis\n"
        f"doc = json.dumps({_epcis(ilmd={'x:y': 'NEST'})!r}).replace('\"NEST\"', '{{\"a\":' * 50_000 + '1' + '}}' * 50_000)\n"
        "try:\n    parse_document(doc)\n"
        "except InvalidEpcis as exc:\n    print(exc.message)\n")
    assert "the EPCIS document is nested too deeply" in out


def _epcis(**event: object) -> dict[str, Any]:
    return {"@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"], "type": "EPCISDocument",
            "schemaVersion": "2.0", "creationDate": "2026-01-01T00:00:00Z",
            "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "2026-01-01T00:00:00Z",
                                         "eventTimeZoneOffset": "+00:00", "action": "OBSERVE",
                                         "epcList": ["urn:epc:id:sgtin:0614141.812345.6789"], **event}]}}


def test_a_document_nesting_64_levels_is_still_read() -> None:
    inner: Any = 1
    for _ in range(55):
        inner = {"a": inner}
    assert parse_document(json.dumps(_epcis(action="ADD", ilmd={"x:y": inner})))["type"] == "EPCISDocument"


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(_json_values.map(json.dumps), _json_values.map(lambda v: json.dumps(_epcis(ilmd={"x:y": v}, bizStep=str(v)))),
                 st.binary(max_size=100)))
def test_fuzzed_epcis_and_brand_files_raise_only_ledger_errors(data: str | bytes) -> None:
    _only_ledger_errors(lambda: parse_document(data))
    text = data if isinstance(data, str) else data.decode(errors="replace")
    _only_ledger_errors(lambda: BrandDirectory.parse(text))
    _only_ledger_errors(lambda: BrandDirectory.parse(json.dumps({"brands": {"a": {"address": text, "prefixes": [text]}}})))


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims a size; nothing is decoded if the size is refused."""
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunks = b""
    for name, body in ((b"IHDR", ihdr), (b"IDAT", zlib.compress(b"")), (b"IEND", b"")):
        chunks += struct.pack(">I", len(body)) + name + body + struct.pack(">I", zlib.crc32(name + body))
    return b"\x89PNG\r\n\x1a\n" + chunks


def test_a_png_too_large_to_decode_whole_is_refused_before_decoding() -> None:
    with pytest.raises(InvalidImage) as caught:
        read_codes(_png_header_only(7000, 7000))
    assert "'7000x7000 PNG': would be decoded at 7000x7000, 49,000,000 pixels" in caught.value.message
    assert f"at most {MAX_DECODED_PIXELS:,} pixels" in caught.value.message


def test_a_large_jpeg_is_decoded_at_reduced_size() -> None:
    out = io.BytesIO()
    Image.new("RGB", (5000, 5000), "white").save(out, format="JPEG")
    image = _open(out.getvalue())
    assert image.width * image.height <= MAX_DECODED_PIXELS and image.mode == "L"


def test_exif_orientation_is_applied_to_the_downscaled_picture() -> None:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90° clockwise: upright is 200 wide, 300 high
    Image.new("RGB", (300, 200), "white").save(out, format="JPEG", exif=exif)
    assert _grayscale(_open(out.getvalue()), 0).size == (200, 300)


def test_decode_budget_makes_a_read_wait_for_its_share() -> None:
    budget = _DecodeBudget(10)
    inside = threading.Event()

    def second() -> None:
        with budget.share(5):
            inside.set()

    with budget.share(8):
        waiting = threading.Thread(target=second)
        waiting.start()
        assert not inside.wait(0.3), "a share was granted beyond the budget"
    waiting.join()
    assert inside.is_set()


# -- small parsers ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("call", "error", "fragment"), [
    (lambda: SheetLayout.parse("a4:" + "9" * 5000 + "x8"), InvalidInput, "is not a layout"),
    (lambda: SheetLayout.parse("a4:٣x8"), InvalidInput, "is not a layout"),
    (lambda: Sscc.parse("٠" * 18), InvalidCode, "is not 18 digits 0-9"),
    (lambda: anchor_root("shipment root", "0x" + "zz" * 32), InvalidInput, "is not a 32-byte hex root"),
    (lambda: TrailScope("lot", "L1\x00"), InvalidItemKey, "has characters outside GS1's set"),
    (lambda: plain_text("location", "Rotterdam\ud800", 200, "a place"), InvalidInput, "unprintable character U+D800"),
    (lambda: plain_text("location", "Rotterdam\u202e", 200, "a place"), InvalidInput, "unprintable character U+202E"),
])
def test_small_parsers(call: Callable[[], object], error: type[LedgerError], fragment: str) -> None:
    with pytest.raises(error) as caught:
        call()
    assert fragment in caught.value.message


def test_shipment_and_batch_roots_are_read_in_either_case() -> None:
    assert TrailScope("shipment", "0x" + "AB" * 32).value == "0x" + "ab" * 32


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), gtins())
def test_fuzzed_small_parsers_raise_only_ledger_errors(text: str, gtin: str) -> None:
    for call in (lambda: SheetLayout.parse(text), lambda: Sscc.parse(text), lambda: AuditScope.parse(text),
                 lambda: TrailScope.parse(text), lambda: ItemKey.parse(text), lambda: anchor_root("root", text),
                 lambda: verify_code_signature(ItemKey(gtin, "1"), text, BrandDirectory(())),
                 lambda: parse_location({"lat": text, "lon": text, "site": ""})):
        _only_ledger_errors(call)
