from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from eth_account import Account
from hypothesis import given
from hypothesis import strategies as st

from ledger.codes.identifiers import ItemKey
from ledger.codes.label_jobs import LabelRun, pdf_pages, zpl_chunks
from ledger.codes.label_sheet import SheetLayout, write_pages
from ledger.codes.parsing import parse_code
from ledger.codes.qr_label import QUIET_ZONE, Label
from ledger.codes.signature import Brand, BrandDirectory, CodeSigner, SignatureForm, verify_code_signature
from ledger.codes.zpl import ZplLayout, escape_field, zpl_label
from ledger.errors import InvalidInput

BRAND = Account.from_key(b"\x01" * 32)
BRANDS = BrandDirectory((Brand("Acme", BRAND.address, ("9521234",)),))
RUN = LabelRun(bytes(BRAND.key), "https://verify.example.com", SignatureForm.BASE64URL, brand="Acme",
               products=(("09521234543213", "Aspirin ^FS~JA"),))
KEYS = [ItemKey("09521234543213", str(n), "LOT-2026-11") for n in range(1, 41)]
_FIELD = re.compile(r"\^FO(\d+),(\d+)(\^BQN,2,(\d+)|\^A0N,\d+,\d+\^FB(\d+),1,0,L)\^FH\\\^FD([^^]*)\^FS")


def _unescape(text: str) -> str:
    return re.sub(r"\\([0-9A-F]{2})", lambda m: chr(int(m.group(1), 16)), text)


@given(st.text())
def test_escaped_fields_hold_no_command_and_read_back(text: str) -> None:
    escaped = escape_field(text)
    assert "^" not in escaped and "~" not in escaped
    assert _unescape(escaped) == text


@pytest.mark.parametrize(("text", "expected"), [
    ("57x32mm", (456, 256, 203, 3)),
    ("4x2in", (812, 406, 203, 5)),
    ("4x6in@300", (1200, 1800, 300, 8)),
    ("2x1.25in", (406, 254, 203, 3)),
])
def test_layouts(text: str, expected: tuple[int, int, int, int]) -> None:
    layout = ZplLayout.parse(text)
    assert (layout.width, layout.height, layout.dpi, layout.dots) == expected


@pytest.mark.parametrize(("text", "dots", "message"), [
    ("57x32", 0, "is not a size"),
    ("57x32mm@250", 0, "is not a thermal printer's"),
    ("2x1in", 0, "too small for a QR of a 175-character link at 3 dots"),
    ("0.5x1in", 0, "is outside"),
    ("57x32mm", 2, "is outside 3..10"),
])
def test_bad_layouts(text: str, dots: int, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        ZplLayout.parse(text, dots)


def test_each_label_is_a_format_whose_qr_fits_and_verifies() -> None:
    layout = ZplLayout.parse("57x32mm")
    zpl = "".join(text for text, _ in zpl_chunks(KEYS, RUN, layout))
    formats = zpl.splitlines()
    assert len(formats) == len(KEYS) and all(f.startswith("^XA^CI28^PW456^LL256") and f.endswith("^XZ") for f in formats)
    for key, fmt in zip(KEYS, formats, strict=True):
        (qr, *lines) = _FIELD.findall(fmt)
        x, y, _, dots, _, data = qr
        assert int(x) == int(y) == QUIET_ZONE * 3 and dots == "3" and data.startswith("QA,")
        uri = _unescape(data[3:])
        code = parse_code(uri)
        assert code.key == key and len(code.signature or "") == 87
        assert verify_code_signature(code.key, code.signature, BRANDS).ok
        # The QR as a byte-mode encoder draws it, at the stated dots, fits before the text and decodes.
        symbol = zxingcpp.create_barcode("a" * len(uri), zxingcpp.QRCode, ec_level="Q")
        side = (memoryview(symbol.to_image(add_quiet_zones=False)).shape[0] + 2 * QUIET_ZONE) * 3
        assert side <= 256 and all(int(line[0]) >= side for line in lines)
        drawn = zxingcpp.create_barcode(uri, zxingcpp.QRCode, ec_level="Q").to_image(scale=3)
        assert zxingcpp.read_barcode(drawn).text == uri
        texts = [_unescape(line[5]) for line in lines]
        assert texts == ["Acme", "Aspirin ^FS~JA", f"Serial {key.serial}", "Lot LOT-2026-11", "Scan to verify"]


def test_a_link_too_long_for_the_label_is_refused() -> None:
    label = Label.signed(KEYS[0], "https://verify.example.com/" + "p" * 200, CodeSigner(BRAND, SignatureForm.BASE64URL))
    with pytest.raises(InvalidInput, match="does not fit 456 x 256 dots"):
        zpl_label(label, ZplLayout.parse("57x32mm"))


def test_worker_processes_give_the_same_bytes_in_the_same_order() -> None:
    layout = ZplLayout.parse("57x32mm")
    assert list(zpl_chunks(KEYS * 60, RUN, layout, jobs=2)) == list(zpl_chunks(KEYS * 60, RUN, layout, jobs=1))
    sheet = SheetLayout.parse("a4:3x8:10")
    pdf_run = LabelRun(RUN.secret, RUN.base_url, brand="Acme")
    one, two = io.BytesIO(), io.BytesIO()
    assert write_pages(pdf_pages(KEYS * 5, pdf_run, sheet, jobs=1), one, sheet) == 200
    assert write_pages(pdf_pages(KEYS * 5, pdf_run, sheet, jobs=2), two, sheet) == 200
    assert one.getvalue() == two.getvalue()


def test_an_input_error_in_a_worker_reaches_the_caller_whole() -> None:
    run = LabelRun(RUN.secret, "https://verify.example.com/" + "p" * 200, SignatureForm.BASE64URL)
    with pytest.raises(InvalidInput, match="does not fit") as raised:
        list(zpl_chunks(KEYS, run, ZplLayout.parse("57x32mm"), jobs=2))
    assert raised.value.field == "label" and raised.value.value == KEYS[0].canonical


def test_the_run_never_shows_its_key() -> None:
    assert bytes(BRAND.key).hex() not in repr(RUN) and "secret" not in repr(RUN)



def test_a_longer_link_lowers_the_default_module_but_not_a_given_one() -> None:
    layout = ZplLayout.parse("4x2in")
    assert layout.dots == 5 and layout.holding(200) is layout
    assert layout.holding(300).dots == 4 and layout.holding(300).max_length() >= 300
    given = ZplLayout.parse("4x2in", dots=5)
    assert given.holding(300) is given
