from __future__ import annotations

import io

import pypdfium2
import pytest
from eth_account import Account

from ledger.codes.identifiers import ItemKey
from ledger.codes.images import read_codes
from ledger.codes.label_sheet import SheetLayout, write_label_sheet
from ledger.codes.parsing import parse_code
from ledger.codes.qr_label import Label
from ledger.errors import InvalidInput

BRAND = Account.from_key(b"\x01" * 32)


def _labels(count: int) -> list[Label]:
    return [Label.signed(ItemKey("09521234543213", f"S{i}"), "https://verify.example", BRAND) for i in range(count)]


def test_pdf_page_renders_and_every_qr_decodes() -> None:
    labels = _labels(8)
    out = io.BytesIO()
    pages_done: list[int] = []
    layout = SheetLayout.parse("letter:2x3:12")
    assert write_label_sheet(iter(labels), out, layout, pages_done.append) == 8
    assert pages_done == [6, 8]
    pdf = pypdfium2.PdfDocument(out.getvalue())
    assert len(pdf) == 2
    png = io.BytesIO()
    pdf[0].render(scale=300 / 72).to_pil().convert("L").save(png, format="PNG")
    found = {parse_code(text).key.serial for text in read_codes(png.getvalue())}
    assert found == {f"S{i}" for i in range(6)}
    text = pdf[1].get_textpage().get_text_range()
    assert "GTIN 09521234543213" in text and "Serial S7" in text


@pytest.mark.parametrize("text", ["a5:3x8", "a4:0x8", "a4:3x8:200", "3x8"])
def test_bad_layouts(text: str) -> None:
    with pytest.raises(InvalidInput):
        SheetLayout.parse(text)
