"""A PDF written as it goes: pages go to the file as they are made, and the file is a whole
document again after every checkpoint.

reportlab (and fpdf2) keep every page until they save, so a million labels meant hours of
an empty file and memory growing with the batch. Label sheets need little of PDF: pages
with one content stream each, two standard fonts, inline image masks. Here each page's
objects are written at once; a checkpoint writes the page-tree node of the pages since the
last one, a new root of the page tree, and an incremental-update cross-reference section
and trailer (ISO 32000-1, 7.5.6), so any reader opens the file as it stands after the last
checkpoint. Checkpoints come after 1, 2, 4, … 64 pages, then every 64: the first page is
readable at once, and the root's list of nodes stays short. Memory holds one page and two
numbers per object written.
"""

from __future__ import annotations

import zlib
from array import array
from typing import BinaryIO

__all__ = ["FONT", "BOLD_FONT", "PdfWriter", "deflate", "pdf_text"]

FONT, BOLD_FONT = "F1", "F2"  # Helvetica and Helvetica-Bold, WinAnsi encoded
_CATALOG, _ROOT, _RESOURCES, _HELVETICA, _BOLD, _INFO = 1, 2, 3, 4, 5, 6
_LARGEST_CHUNK = 64


def deflate(content: bytes) -> bytes:
    """A page's content stream, compressed. Level 1: measured on label pages, 8% larger than level 6 in
    40% of its time (11 against 27 µs a label), and deflate was a tenth of a label's time at level 6."""
    return zlib.compress(content, 1)


def pdf_text(text: str) -> bytes:
    """``text`` as a PDF literal string in WinAnsi (the standard fonts' encoding); other characters become '?'."""
    raw = text.encode("cp1252", "replace").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    return b"(" + raw.replace(b"\r", b"\\r").replace(b"\n", b"\\n") + b")"


class PdfWriter:
    """Pages of one size, each a deflated content stream that may use ``/F1``, ``/F2`` and inline images."""

    def __init__(self, out: BinaryIO, width: float, height: float, title: str) -> None:
        self._out = out
        self._position = 0
        self._offsets = array("Q", [0] * (_INFO + 1))  # by object number; 0 is the free list's head
        self._media_box = f"/MediaBox [0 0 {width:.2f} {height:.2f}]".encode()
        self._chunks: list[int] = []  # page-tree nodes, one per checkpoint
        self._chunk: int | None = None
        self._chunk_pages: list[int] = []
        self._pages = 0
        self._last_xref: int | None = None
        self._since_xref = _CATALOG  # first object number not yet in a cross-reference section
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        self._object(_CATALOG, b"<< /Type /Catalog /Pages 2 0 R >>")
        self._object(_RESOURCES, b"<< /Font << /F1 4 0 R /F2 5 0 R >> /ProcSet [/PDF /Text /ImageB] >>")
        self._object(_HELVETICA, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
        self._object(_BOLD, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
        self._object(_INFO, b"<< /Title " + pdf_text(title) + b" /Producer (provenance-ledger) >>")

    @property
    def pages(self) -> int:
        return self._pages

    def add_page(self, deflated_content: bytes) -> None:
        """Write one page whose content stream is ``deflated_content`` (see :func:`deflate`)."""
        if self._chunk is None:
            self._chunk = self._new_number()
        content = self._new_number()
        self._object(content, b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(deflated_content)
                     + deflated_content + b"\nendstream")
        page = self._new_number()
        self._object(page, b"<< /Type /Page /Parent %d 0 R %s /Resources 3 0 R /Contents %d 0 R >>"
                     % (self._chunk, self._media_box, content))
        self._chunk_pages.append(page)
        self._pages += 1
        if len(self._chunk_pages) >= min(_LARGEST_CHUNK, 2 ** len(self._chunks)):
            self.checkpoint()

    def checkpoint(self) -> None:
        """Make the file a whole document of the pages so far, and flush it."""
        if self._chunk is not None:
            kids = b" ".join(b"%d 0 R" % page for page in self._chunk_pages)
            self._object(self._chunk, b"<< /Type /Pages /Parent 2 0 R /Kids [%s] /Count %d >>"
                         % (kids, len(self._chunk_pages)))
            self._chunks.append(self._chunk)
            self._chunk, self._chunk_pages = None, []
        elif self._last_xref is not None:
            return  # nothing new since the last checkpoint
        kids = b" ".join(b"%d 0 R" % chunk for chunk in self._chunks)
        self._object(_ROOT, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, self._pages))
        self._write_xref()
        self._out.flush()

    def close(self) -> None:
        """The last checkpoint; ``out`` stays open."""
        self.checkpoint()

    def _new_number(self) -> int:
        self._offsets.append(0)
        return len(self._offsets) - 1

    def _object(self, number: int, body: bytes) -> None:
        self._offsets[number] = self._position
        self._write(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    def _write(self, data: bytes) -> None:
        self._out.write(data)
        self._position += len(data)

    def _write_xref(self) -> None:
        start = self._position
        size = len(self._offsets)
        entry = b"%010d 00000 n \n"
        if self._last_xref is None:
            sections = [b"0 %d\n0000000000 65535 f \n" % size, *(entry % self._offsets[n] for n in range(1, size))]
        else:
            # The root of the page tree is rewritten at every checkpoint; every other object is written once.
            sections = [b"2 1\n", entry % self._offsets[_ROOT], b"%d %d\n" % (self._since_xref, size - self._since_xref),
                        *(entry % self._offsets[n] for n in range(self._since_xref, size))]
        previous = b"" if self._last_xref is None else b" /Prev %d" % self._last_xref
        self._write(b"xref\n" + b"".join(sections)
                    + b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (size, previous, start))
        self._last_xref, self._since_xref = start, size
