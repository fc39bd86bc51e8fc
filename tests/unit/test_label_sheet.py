from __future__ import annotations

import io
import zlib

import pypdfium2
import pytest
import zxingcpp
from eth_account import Account
from hypothesis import given
from hypothesis import strategies as st
from reportlab.lib.units import mm

from ledger.codes._pdf import PdfWriter, deflate, pdf_text
from ledger.codes.identifiers import ItemKey
from ledger.codes.label_sheet import (
    DOT,
    PAGE_SIZES,
    PRINTER_DPI,
    SheetLayout,
    render_page,
    stream_pages,
    write_label_sheet,
    write_pages,
)
from ledger.codes.parsing import parse_code
from ledger.codes.qr_label import Label, qr_symbol
from ledger.codes.signature import Brand, BrandDirectory, CodeSigner, verify_code_signature
from ledger.errors import InvalidInput

BRAND = Account.from_key(b"\x01" * 32)
BRANDS = BrandDirectory((Brand("Acme", BRAND.address, ("9521234",)),))
SIGNER = CodeSigner(BRAND)


def _labels(count: int, base: str = "https://verify.example.com", lot: str | None = "LOT-2026-11") -> list[Label]:
    from datetime import date

    return [Label.signed(ItemKey("09521234543213", f"S{i}", lot, date(2028, 11, 30)), base, SIGNER, brand="Acme",
                         product="Aspirin 500 mg" if i % 2 else None) for i in range(count)]


def _cells(page: pypdfium2.PdfPage, layout: SheetLayout, dpi: float) -> list[object]:
    """The page rendered at ``dpi``, cut into its cells (row by row)."""
    image = page.render(scale=dpi / 72).to_pil().convert("L")
    width, height = layout.cell()
    scale, margin = dpi / 72, layout.margin_mm * mm
    return [image.crop((round((margin + c * width) * scale), round((margin + r * height) * scale),
                        round((margin + (c + 1) * width) * scale), round((margin + (r + 1) * height) * scale)))
            for r in range(layout.rows) for c in range(layout.columns)]


# The layouts the README lists, with the module each states; each renders and decodes at 203 dpi, a printer's
# coarsest, where a module is exactly that many pixels.
@pytest.mark.parametrize(("spec", "dots", "beside"), [
    ("a4:3x8:10", 4, True),
    ("letter:3x10:10", 3, True),
    ("a4:4x6:8", 3, False),
    ("letter:2x3:12", 6, False),
])
def test_every_label_of_a_sheet_decodes_at_the_stated_resolution(spec: str, dots: int, beside: bool) -> None:
    layout = SheetLayout.parse(spec)
    assert (layout.dots, layout.text_beside) == (dots, beside) and layout.dots >= 3
    labels = _labels(layout.per_page)
    out = io.BytesIO()
    assert write_label_sheet(labels, out, layout) == layout.per_page
    page = pypdfium2.PdfDocument(out.getvalue())[0]
    for label, cell in zip(labels, _cells(page, layout, PRINTER_DPI), strict=True):
        found = zxingcpp.read_barcodes(cell, formats=zxingcpp.QRCode)
        assert [r.text for r in found] == [label.uri]
        assert found[0].ec_level == "Q"
        code = parse_code(found[0].text)
        assert code.key == label.key and verify_code_signature(code.key, code.signature, BRANDS).ok
    text = page.get_textpage().get_text_range()
    for line in ("Acme", "GTIN 09521234543213", "Aspirin 500 mg", "Serial S1", "Lot LOT-2026-11", "Expiry 2028-11-30",
                 "Scan to verify"):
        assert line in text


def test_modules_are_whole_dots_on_the_dot_grid() -> None:
    layout = SheetLayout.parse("a4:3x8:10")
    label = _labels(1)[0]
    out = io.BytesIO()
    write_label_sheet([label], out, layout)
    content = zlib.decompress(out.getvalue().split(b"stream\n")[1].split(b"\nendstream")[0])
    side, _, _, _, x, y = (float(v) for v in content.split(b" cm BI")[0].split()[-6:])
    size = qr_symbol(label.uri).size
    assert side / size == pytest.approx(4 * DOT)  # 4 dots at 203 dpi per module
    for offset in (x, y):  # the symbol starts on a dot
        assert offset / DOT == pytest.approx(round(offset / DOT), abs=1e-3)


def test_pages_appear_as_it_runs_and_each_checkpoint_is_a_whole_pdf() -> None:
    layout = SheetLayout.parse("letter:2x3:12")
    out = io.BytesIO()
    seen: list[tuple[int, int]] = []

    def progress(done: int) -> None:
        # What a reader finds in the file while the run goes on: the pages up to the last checkpoint.
        seen.append((done, len(pypdfium2.PdfDocument(out.getvalue()))))

    assert write_label_sheet(_labels(6 * 9), out, layout, progress) == 54
    assert [pages for _, pages in seen] == [1, 1, 3, 3, 3, 3, 7, 7, 7]  # checkpoints after 1, 2 and 4 more pages
    document = pypdfium2.PdfDocument(out.getvalue())
    assert len(document) == 9
    assert "Serial S53" in document[8].get_textpage().get_text_range()


def test_memory_is_one_page_whatever_the_run() -> None:
    # The writer keeps two numbers per object written, not the pages.
    out = io.BytesIO()
    writer = PdfWriter(out, *PAGE_SIZES["a4"], title="t")
    for _ in range(300):
        writer.add_page(deflate(b"0 g 0 0 1 1 re f"))
    writer.close()
    assert len(writer._offsets) == 6 + 1 + 2 * 300 + 300 // 64 + 6  # fixed objects, 2 per page, 1 per checkpoint
    assert len(pypdfium2.PdfDocument(out.getvalue())) == 300


@pytest.mark.parametrize(("text", "dots", "message"), [
    ("a5:3x8", 0, "is not a layout"),
    ("a4:0x8", 0, "outside 1..20 x 1..40"),
    ("a4:3x8:200", 0, "leaves no room"),
    ("3x8", 0, "is not a layout"),
    ("a4:5x12:10", 0, "too small for a QR at 3 dots per module"),
    ("a4:3x8:10", 2, "is outside 3..10"),
    ("a4:3x8:10", 11, "is outside 3..10"),
    ("letter:3x10:10", 10, "too small for a QR at 10 dots"),
])
def test_bad_layouts(text: str, dots: int, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        SheetLayout.parse(text, dots)


def test_a_label_too_large_for_the_cells_is_refused() -> None:
    layout = SheetLayout.parse("letter:3x10:10")
    label = _labels(1, base="https://verify.example.com/" + "p" * 120)[0]
    with pytest.raises(InvalidInput, match="larger than the cells of letter:3x10:10 hold at 3 dots per module"):
        write_label_sheet([label], io.BytesIO(), layout)


def test_long_text_is_cut_to_the_cell() -> None:
    layout = SheetLayout.parse("a4:3x8:10")
    label = Label.signed(ItemKey("09521234543213", "1"), "https://v.example", SIGNER, product="Ibuprofen " * 12)
    out = io.BytesIO()
    write_label_sheet([label], out, layout)
    text = pypdfium2.PdfDocument(out.getvalue())[0].get_textpage().get_text_range()
    assert "Ibuprofen Ibuprofen" in text and "Ibuprofen " * 12 not in text and "…" in text


@given(st.text(max_size=40))
def test_pdf_text_is_one_balanced_literal(text: str) -> None:
    literal = pdf_text(text)
    inner = literal[1:-1].replace(b"\\\\", b"").replace(b"\\(", b"").replace(b"\\)", b"")
    assert literal[:1] == b"(" and literal[-1:] == b")" and b"(" not in inner and b")" not in inner
    assert b"\n" not in literal and b"\r" not in literal


def test_a_run_with_larger_codes_lowers_the_default_module_but_not_a_given_one() -> None:
    layout = SheetLayout.parse("a4:3x8:10")
    assert layout.holding(11) is layout
    lowered = layout.holding(13)
    assert (lowered.dots, lowered.max_version) == (3, 16) and "3 dots at 203 dpi" in lowered.describe()
    assert layout.holding(40).dots == 4  # nothing holds it: check_fits refuses it with the default's numbers
    given = SheetLayout.parse("a4:3x8:10", dots=4)
    assert given.holding(13) is given


def test_streamed_pages_are_the_written_file_a_page_at_a_time() -> None:
    layout = SheetLayout.parse("letter:2x3:12")
    pages = [(deflate(render_page(_labels(6), layout)), 6) for _ in range(5)]
    written = io.BytesIO()
    write_pages(pages, written, layout)
    parts = list(stream_pages(iter(pages), layout))
    assert b"".join(parts) == written.getvalue()
    assert len(parts) == 5 + 2  # the header, one part per page (with any checkpoint), the last checkpoint
    assert len(pypdfium2.PdfDocument(b"".join(parts))) == 5
