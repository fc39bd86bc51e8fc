"""Print-ready PDF sheets of QR labels, drawn as vector paths with reportlab.

Each QR is drawn from the same ``qrcode`` matrix as the PNG labels, as one PDF
path of horizontal runs in module units (one literal per label keeps reportlab's
per-operator overhead out of memory for big batches). Labels are taken from an
iterable one at a time; reportlab still keeps each finished page's content
stream (a few kB per label) until it writes the file, compressed.

>>> layout = SheetLayout.parse("a4:3x8:10")
>>> layout.columns, layout.rows, layout.per_page
(3, 8, 24)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import BinaryIO

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from ..errors import InvalidInput
from .qr_label import Label, dark_runs, qr_matrix

__all__ = ["PAGE_SIZES", "SheetLayout", "write_label_sheet"]

PAGE_SIZES = {"a4": A4, "letter": LETTER}
# [0-9] with bounds, not \d+: int() refuses other scripts' digits and numbers over 4,300 digits.
_LAYOUT = re.compile(r"(a4|letter):([0-9]{1,4})x([0-9]{1,4})(?::([0-9]{1,4}(?:\.[0-9]{1,4})?))?", re.IGNORECASE)
_EXPECTED_LAYOUT = "PAGE:COLUMNSxROWS[:MARGIN_MM], e.g. a4:3x8:10 (PAGE a4 or letter)"
_TEXT_SIZE = 6.5


@dataclass(frozen=True, slots=True)
class SheetLayout:
    """Page size, a grid of columns x rows of equal cells, and the page margin in mm."""

    page: str = "a4"
    columns: int = 3
    rows: int = 8
    margin_mm: float = 10.0

    def __post_init__(self) -> None:
        if self.page not in PAGE_SIZES:
            raise InvalidInput("page size", self.page, "is not known", "a4 or letter")
        if not (1 <= self.columns <= 20 and 1 <= self.rows <= 40):
            raise InvalidInput("label grid", f"{self.columns}x{self.rows}", "is outside 1..20 x 1..40", _EXPECTED_LAYOUT)
        width, height = PAGE_SIZES[self.page]
        if not 0 <= self.margin_mm * mm * 2 < min(width, height) / 2:
            raise InvalidInput("margin", self.margin_mm, "leaves no room for labels", "0 to a quarter of the page")

    @classmethod
    def parse(cls, text: str) -> SheetLayout:
        match = _LAYOUT.fullmatch(text.strip())
        if not match:
            raise InvalidInput("sheet layout", text, "is not a layout", _EXPECTED_LAYOUT)
        page, columns, rows, margin = match.groups()
        return cls(page.lower(), int(columns), int(rows), float(margin) if margin else 10.0)

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def cell(self) -> tuple[float, float]:
        """Cell width and height in points."""
        width, height = PAGE_SIZES[self.page]
        margin = self.margin_mm * mm
        return (width - 2 * margin) / self.columns, (height - 2 * margin) / self.rows


def _qr_path(matrix: list[list[bool]]) -> str:
    """Runs of dark modules as ``re`` operators in module units, row 0 at the top."""
    n = len(matrix)
    return "\n".join(f"{start} {n - 1 - y} {length} 1 re" for y, start, length in dark_runs(matrix))


def _draw_label(canvas: Canvas, label: Label, x: float, y: float, width: float, height: float) -> None:
    lines = label.text_lines()
    text_height = (len(lines) + 0.5) * _TEXT_SIZE * 1.2
    matrix = qr_matrix(label.uri)
    side = min(width, height - text_height)
    module = side / len(matrix)
    left = x + (width - side) / 2
    bottom = y + height - side
    # One literal per QR: reportlab would otherwise keep a string per rectangle.
    canvas.addLiteral(f"q 0 g {module:.4f} 0 0 {module:.4f} {left:.3f} {bottom:.3f} cm\n{_qr_path(matrix)}\nf Q")
    canvas.setFont("Helvetica", _TEXT_SIZE)
    for i, line in enumerate(lines):
        canvas.drawCentredString(x + width / 2, bottom - (i + 1) * _TEXT_SIZE * 1.2, line)


def write_label_sheet(
    labels: Iterable[Label],
    out: BinaryIO,
    layout: SheetLayout | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write labels to ``out`` as a PDF, filling pages row by row; calls ``progress(done)`` per page.

    Returns the number of labels written.
    """
    layout = layout or SheetLayout()
    canvas = Canvas(out, pagesize=PAGE_SIZES[layout.page], pageCompression=1)
    canvas.setTitle("Item labels")
    width, height = layout.cell()
    margin = layout.margin_mm * mm
    page_height = PAGE_SIZES[layout.page][1]
    done = 0
    for label in labels:
        slot = done % layout.per_page
        if slot == 0 and done:
            canvas.showPage()
            if progress:
                progress(done)
        column, row = slot % layout.columns, slot // layout.columns
        x = margin + column * width
        y = page_height - margin - (row + 1) * height
        _draw_label(canvas, label, x, y, width, height)
        done += 1
    canvas.showPage()
    canvas.save()
    if progress:
        progress(done)
    return done
