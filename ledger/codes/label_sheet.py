"""Print-ready PDF sheets of QR labels, written as they are made (see ``ledger.codes._pdf``).

A layout is a page size, a grid of equal cells and a margin, and a QR module of a whole
number of printer dots at 203 dpi (the coarsest thermal and desktop label printers): a
module that falls between dots prints as 2 dots here and 3 there, and bars of uneven width
are what makes a code hard to read. The default module is the largest of 6 down to 3 dots
at which a cell still holds a QR of version 10 (a label with lot and expiry on a base URL
of about 30 characters is version 9 or 10) with its quiet zone, and the text beside it, or
under it in narrow cells; a run whose largest label needs more lowers it (``holding``), not
below 3 dots. Every label's QR must fit: a label that needs a larger version than the cells
hold at that module is refused, never shrunk.

Each QR is an inline 1-bit image mask of one sample per module, drawn at the module size:
a few hundred bytes where the vector path of runs was a few kB, and no per-module work in
Python. Text is Helvetica (WinAnsi), beside the QR, truncated to the cell.

>>> layout = SheetLayout.parse("a4:3x8:10")
>>> layout.columns, layout.rows, layout.per_page, layout.dots, layout.max_version
(3, 8, 24, 4, 11)
>>> layout.describe()
'A4, 3 x 8 labels of 63.3 x 34.6 mm: QR module 4 dots at 203 dpi (0.50 mm), QR up to version 11'
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import BinaryIO, TypeVar

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from ..errors import InvalidInput
from ._pdf import BOLD_FONT, FONT, PdfWriter, deflate, pdf_text
from .qr_label import QUIET_ZONE, Label, qr_symbol

__all__ = ["PAGE_SIZES", "PRINTER_DPI", "SheetLayout", "pages_of", "render_page", "stream_pages", "write_label_sheet", "write_pages"]

T = TypeVar("T")

PAGE_SIZES = {"a4": A4, "letter": LETTER}
PRINTER_DPI = 203
DOT = 72 / PRINTER_DPI  # one printer dot in points
MIN_DOTS, MAX_DOTS, AUTO_MAX_DOTS = 3, 10, 6
DESIGN_VERSION = 10  # what the default module must hold
# [0-9] with bounds, not \d+: int() refuses other scripts' digits and numbers over 4,300 digits.
_LAYOUT = re.compile(r"(a4|letter):([0-9]{1,4})x([0-9]{1,4})(?::([0-9]{1,4}(?:\.[0-9]{1,4})?))?", re.IGNORECASE)
_EXPECTED_LAYOUT = "PAGE:COLUMNSxROWS[:MARGIN_MM], e.g. a4:3x8:10 (PAGE a4 or letter)"
_TITLE_SIZE, _TEXT_SIZE, _LEADING = 7.0, 6.5, 1.25
_MAX_LINES = 6  # brand, product, serial, lot, expiry, "scan to verify"
_TEXT_MIN_WIDTH = 20 * mm  # narrower than this beside the QR, the text goes under it
_GAP = 1 * mm
_WIDEST_GLYPH = 1.015  # Helvetica's widest glyph in ems ('@'): shorter lines need no measuring


def _version_for(modules: int) -> int:
    return min(40, (modules - 2 * QUIET_ZONE - 17) // 4)


@dataclass(frozen=True, slots=True)
class SheetLayout:
    """Page size, a grid of columns x rows of equal cells, the page margin in mm, and the QR module in dots."""

    page: str = "a4"
    columns: int = 3
    rows: int = 8
    margin_mm: float = 10.0
    dots: int = 0  # 0: the largest that fits (see the module docstring)
    text_beside: bool = field(init=False, default=True)
    max_version: int = field(init=False, default=0)
    _explicit_dots: bool = field(init=False, default=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.page not in PAGE_SIZES:
            raise InvalidInput("page size", self.page, "is not known", "a4 or letter")
        if not (1 <= self.columns <= 20 and 1 <= self.rows <= 40):
            raise InvalidInput("label grid", f"{self.columns}x{self.rows}", "is outside 1..20 x 1..40", _EXPECTED_LAYOUT)
        width, height = PAGE_SIZES[self.page]
        if not 0 <= self.margin_mm * mm * 2 < min(width, height) / 2:
            raise InvalidInput("margin", self.margin_mm, "leaves no room for labels", "0 to a quarter of the page")
        if self.dots and not MIN_DOTS <= self.dots <= MAX_DOTS:
            raise InvalidInput("dots per module", self.dots, f"is outside {MIN_DOTS}..{MAX_DOTS}",
                               f"{MIN_DOTS} to {MAX_DOTS} dots at {PRINTER_DPI} dpi")
        object.__setattr__(self, "_explicit_dots", bool(self.dots))
        candidates = [self.dots] if self.dots else list(range(AUTO_MAX_DOTS, MIN_DOTS - 1, -1))
        for dots in candidates:
            beside, version = self._fit(dots)
            if version >= (DESIGN_VERSION if not self.dots else 1):
                object.__setattr__(self, "dots", dots)
                object.__setattr__(self, "text_beside", beside)
                object.__setattr__(self, "max_version", version)
                return
        cell_w, cell_h = self.cell()
        wanted = f"{self.dots} dots" if self.dots else f"{MIN_DOTS} dots per module (a version-{DESIGN_VERSION} QR)"
        raise InvalidInput("sheet layout", self.spec, f"has cells of {cell_w / mm:.1f} x {cell_h / mm:.1f} mm, too small "
                           f"for a QR at {wanted} with its text", "fewer columns or rows, or a smaller margin")

    def _fit(self, dots: int) -> tuple[bool, int]:
        """Whether the text goes beside the QR at this module, and the largest QR version a cell holds."""
        width, height = self.cell()
        module = dots * DOT
        if width - height >= _TEXT_MIN_WIDTH:
            return True, _version_for(math.floor(height / module))
        text = _MAX_LINES * _TEXT_SIZE * _LEADING + _GAP
        return False, _version_for(math.floor(min(width, height - text) / module))

    @classmethod
    def parse(cls, text: str, dots: int = 0) -> SheetLayout:
        match = _LAYOUT.fullmatch(text.strip())
        if not match:
            raise InvalidInput("sheet layout", text, "is not a layout", _EXPECTED_LAYOUT)
        page, columns, rows, margin = match.groups()
        return cls(page.lower(), int(columns), int(rows), float(margin) if margin else 10.0, dots)

    @property
    def spec(self) -> str:
        return f"{self.page}:{self.columns}x{self.rows}:{self.margin_mm:g}"

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def module_mm(self) -> float:
        return self.dots * 25.4 / PRINTER_DPI

    def cell(self) -> tuple[float, float]:
        """Cell width and height in points."""
        width, height = PAGE_SIZES[self.page]
        margin = self.margin_mm * mm
        return (width - 2 * margin) / self.columns, (height - 2 * margin) / self.rows

    def describe(self) -> str:
        width, height = self.cell()
        return (f"{self.page.upper() if self.page == 'a4' else self.page.title()}, {self.columns} x {self.rows} labels of "
                f"{width / mm:.1f} x {height / mm:.1f} mm: QR module {self.dots} dots at {PRINTER_DPI} dpi "
                f"({self.module_mm:.2f} mm), QR up to version {self.max_version}")

    def holding(self, version: int) -> SheetLayout:
        """This layout, or with its default module lowered (not below 3 dots) until a QR of ``version`` fits;
        a module given explicitly stays."""
        if version <= self.max_version or self._explicit_dots:
            return self
        for dots in range(self.dots - 1, MIN_DOTS - 1, -1):
            if self._fit(dots)[1] >= version:
                lowered = SheetLayout(self.page, self.columns, self.rows, self.margin_mm, dots)
                object.__setattr__(lowered, "_explicit_dots", False)
                return lowered
        return self

    def check_fits(self, label: Label, version: int) -> None:
        """Refuse a label whose QR is larger than the cells hold at this module."""
        if version > self.max_version:
            raise InvalidInput("label", label.key.canonical, f"needs a QR of version {version}, larger than the cells of "
                               f"{self.spec} hold at {self.dots} dots per module (up to version {self.max_version})",
                               "larger cells, fewer dots per module (--dots), or a shorter base URL")


def _fitted(line: str, size: float, font: str, width: float) -> str:
    """``line`` cut to ``width`` points with an ellipsis."""
    if len(line) * _WIDEST_GLYPH * size <= width or stringWidth(line, font, size) <= width:
        return line
    while line and stringWidth(line + "…", font, size) > width:
        line = line[:-1]
    return line + "…"


def _draw_label(label: Label, layout: SheetLayout, x: float, top: float) -> bytes:
    """PDF operators for one label in the cell whose top-left corner is at (x, top)."""
    width, height = layout.cell()
    module = layout.dots * DOT
    symbol = qr_symbol(label.uri)
    layout.check_fits(label, symbol.version)
    box = (symbol.size + 2 * QUIET_ZONE) * module
    if layout.text_beside:
        left, box_top = x, top - (height - box) / 2
    else:
        left, box_top = x + (width - box) / 2, top
    # On the dot grid, so each module starts on a dot where the printer's origin is the page's.
    left, box_top = math.ceil(left / DOT) * DOT, math.floor(box_top / DOT) * DOT
    side = symbol.size * module
    qr = (b"q %.4f 0 0 %.4f %.4f %.4f cm BI /W %d /H %d /IM true /BPC 1 /F /AHx ID %s> EI Q\n"
          % (side, side, left + QUIET_ZONE * module, box_top - QUIET_ZONE * module - side, symbol.size, symbol.size,
             symbol.mask_bits().hex().encode()))
    if layout.text_beside:
        text_x, text_top, text_width = left + box, box_top - QUIET_ZONE * module, x + width - (left + box) - _GAP
    else:
        text_x, text_top, text_width = x + _GAP, box_top - box, width - 2 * _GAP
    lines = label.text_lines()
    parts = [b"BT /%s %.1f Tf %.2f TL %.2f %.2f Td " % (BOLD_FONT.encode(), _TITLE_SIZE, _TEXT_SIZE * _LEADING,
                                                        text_x, text_top - _TITLE_SIZE),
             pdf_text(_fitted(lines[0], _TITLE_SIZE, "Helvetica-Bold", text_width)), b" Tj /%s %.1f Tf" % (FONT.encode(), _TEXT_SIZE)]
    parts += [b" T* " + pdf_text(_fitted(line, _TEXT_SIZE, "Helvetica", text_width)) + b" Tj" for line in lines[1:]]
    return qr + b"".join(parts) + b" ET\n"


def render_page(labels: Iterable[Label], layout: SheetLayout) -> bytes:
    """The content stream (not compressed) of one page of ``labels``, filled row by row."""
    width, height = layout.cell()
    margin = layout.margin_mm * mm
    page_height = PAGE_SIZES[layout.page][1]
    drawn = [b"0 g\n"]
    for slot, label in enumerate(labels):
        column, row = slot % layout.columns, slot // layout.columns
        drawn.append(_draw_label(label, layout, margin + column * width, page_height - margin - row * height))
    return b"".join(drawn)


def pages_of(items: Iterable[T], per_page: int) -> Iterator[list[T]]:
    """``items`` in lists of ``per_page`` (the last may be shorter), taken one list at a time."""
    it = iter(items)
    while page := list(islice(it, per_page)):
        yield page


def write_label_sheet(
    labels: Iterable[Label],
    out: BinaryIO,
    layout: SheetLayout | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write labels to ``out`` as a PDF, page by page; calls ``progress(done)`` per page.

    Returns the number of labels written.
    """
    layout = layout or SheetLayout()
    pages = ((deflate(render_page(page, layout)), len(page)) for page in pages_of(labels, layout.per_page))
    return write_pages(pages, out, layout, progress)


class _Sink:
    """A file-like target whose written bytes are taken out as they come."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.chunks.append(data)
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def stream_pages(pages: Iterable[tuple[bytes, int]], layout: SheetLayout) -> Iterator[bytes]:
    """The PDF of ``(deflated content, labels on it)`` pages, as bytes to send as each page is written
    (for a web response: memory holds one page, however many there are)."""
    width, height = PAGE_SIZES[layout.page]
    sink = _Sink()
    writer = PdfWriter(sink, width, height, title="Item labels")  # type: ignore[arg-type]  # writes and flushes only
    yield sink.take()
    for content, _count in pages:
        writer.add_page(content)
        yield sink.take()
    writer.close()
    yield sink.take()


def write_pages(pages: Iterable[tuple[bytes, int]], out: BinaryIO, layout: SheetLayout,
                progress: Callable[[int], None] | None = None) -> int:
    """Write ``(deflated content, labels on it)`` pages as they come; returns the number of labels."""
    width, height = PAGE_SIZES[layout.page]
    writer = PdfWriter(out, width, height, title="Item labels")
    done = 0
    for content, count in pages:
        writer.add_page(content)
        done += count
        if progress:
            progress(done)
    writer.close()
    return done
