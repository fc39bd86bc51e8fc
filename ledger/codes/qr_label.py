"""Signed QR labels: the item's Digital Link with the brand's ``sig=``, as PNG or SVG, and the QR symbol itself.

The QR symbol comes from zxing-cpp's writer (libzint underneath): error correction Q,
one fixed mask pattern instead of the search over all eight, and the smallest version
that holds the data, with the mode switched between byte and numeric where that saves
bits (the decimal signature goes in numeric mode). Every choice was measured by
``scripts/bench_labels.py``: the pure-Python ``qrcode`` spent ~80% of a label choosing a
mask; a fixed mask decoded as well as the searched one when blurred and downscaled, and
Q survived scuffs that M did not. The PNG is drawn with Pillow and the SVG written
directly, both with the label's text lines under the code (PDF sheets: ``label_sheet``).

>>> from eth_account import Account
>>> label = Label.signed(ItemKey("09521234543213", "12345"), "https://verify.example", Account.from_key(b"\\x01" * 32))
>>> label.uri.startswith("https://verify.example/01/09521234543213/21/12345?sig=")
True
>>> label.text_lines()
('GTIN 09521234543213', 'Serial 12345', 'Scan to verify')
>>> qr_symbol(label.uri).version
9
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

import zxingcpp
from eth_account.signers.local import LocalAccount
from PIL import Image, ImageDraw, ImageFont

from .digital_link import digital_link_uri
from .identifiers import ItemKey
from .signature import SIGNATURE_PARAM, CodeSigner, SignatureForm

__all__ = [
    "EC_LEVEL",
    "MASK",
    "QUIET_ZONE",
    "SCAN_LINE",
    "Label",
    "QrSymbol",
    "byte_mode_version",
    "dark_runs",
    "label_png",
    "label_svg",
    "qr_matrix",
    "qr_symbol",
]

QUIET_ZONE = 4
EC_LEVEL = "Q"  # 25% of codewords recoverable: labels get scuffed, and a print head loses dots
MASK = 2  # fixed: see the module docstring
SCAN_LINE = "Scan to verify"
# zxing-cpp's image: one byte per module, 0x00 dark, 0xff light. A PDF image mask paints its 0 bits.
_TO_MASK_BITS = bytes.maketrans(b"\x00\xff", b"01")


@dataclass(frozen=True, slots=True)
class QrSymbol:
    """A QR symbol: ``size`` x ``size`` modules (quiet zone not included), one byte per module, 0 dark."""

    size: int
    modules: bytes

    @property
    def version(self) -> int:
        return (self.size - 17) // 4

    def mask_bits(self) -> bytes:
        """The modules as a 1-bit PDF image mask: rows padded to whole bytes, 0 = dark (painted)."""
        n, pad = self.size, b"1" * (-self.size % 8)
        bits = b"".join(self.modules[i : i + n].translate(_TO_MASK_BITS) + pad for i in range(0, n * n, n))
        return int(bits, 2).to_bytes(len(bits) // 8, "big")  # int(…, 2) packs in C

    def rows(self) -> list[list[bool]]:
        n = self.size
        return [[byte == 0 for byte in self.modules[i : i + n]] for i in range(0, n * n, n)]


def qr_symbol(data: str) -> QrSymbol:
    """The QR symbol for ``data`` at error correction Q with the fixed mask."""
    barcode = zxingcpp.create_barcode(data, zxingcpp.QRCode, ec_level=EC_LEVEL, dataMask=MASK)
    image: Any = barcode.to_image(scale=1, add_quiet_zones=False)  # a buffer of one byte per module
    modules = memoryview(image).tobytes()
    return QrSymbol(math.isqrt(len(modules)), modules)


@lru_cache(maxsize=256)
def byte_mode_version(length: int) -> int:
    """The version a QR of ``length`` ASCII characters needs at the worst, all in byte mode: the room to
    reserve for a printer's own encoder (ZPL), which may not switch modes."""
    return qr_symbol("a" * length).version


def qr_matrix(data: str) -> list[list[bool]]:
    """Dark modules of the QR for ``data``, quiet zone included."""
    rows = qr_symbol(data).rows()
    blank = [False] * (len(rows) + 2 * QUIET_ZONE)
    side = [False] * QUIET_ZONE
    return [list(blank) for _ in range(QUIET_ZONE)] + [side + row + side for row in rows] + [
        list(blank) for _ in range(QUIET_ZONE)
    ]


def dark_runs(matrix: list[list[bool]]) -> Iterator[tuple[int, int, int]]:
    """``(row, first column, length)`` of each horizontal run of dark modules: one shape per
    run keeps vector QR codes small."""
    for y, row in enumerate(matrix):
        x, n = 0, len(row)
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                yield y, start, x - start
            else:
                x += 1


@dataclass(frozen=True, slots=True)
class Label:
    """What one label shows: the item, the (signed) Digital Link its QR encodes, and who and what it is.

    ``product`` is the product's name where the ledger knows one; the label shows the GTIN otherwise.
    """

    key: ItemKey
    uri: str
    brand: str | None = None
    product: str | None = None

    @classmethod
    def signed(
        cls,
        key: ItemKey,
        base_url: str,
        signer: CodeSigner | LocalAccount | bytes | str | None,
        brand: str | None = None,
        product: str | None = None,
    ) -> Label:
        """The label for ``key`` on ``base_url``; unsigned when ``signer`` is None."""
        if signer is None:
            return cls(key, digital_link_uri(key, base_url), brand, product)
        code_signer = signer if isinstance(signer, CodeSigner) else CodeSigner(signer, SignatureForm.DECIMAL)
        return cls(key, digital_link_uri(key, base_url, ((SIGNATURE_PARAM, code_signer.sign(key)),)), brand, product)

    def text_lines(self) -> tuple[str, ...]:
        lines = [self.brand] if self.brand else []
        lines += [self.product or f"GTIN {self.key.gtin}", f"Serial {self.key.serial}"]
        if self.key.lot is not None:
            lines.append(f"Lot {self.key.lot}")
        if self.key.expiry is not None:
            lines.append(f"Expiry {self.key.expiry.isoformat()}")
        lines.append(SCAN_LINE)
        return tuple(lines)


def label_png(label: Label, module_px: int = 8) -> bytes:
    """A PNG of the QR (``module_px`` pixels per module) with the text lines under it."""
    symbol = qr_symbol(label.uri)
    modules = symbol.size + 2 * QUIET_ZONE
    size = modules * module_px
    font_size = max(10, 2 * module_px)
    font = ImageFont.load_default(size=font_size)
    lines = label.text_lines()
    line_height = int(font_size * 1.3)
    width = max(size, max(int(font.getlength(line)) for line in lines) + 2 * QUIET_ZONE * module_px)
    image = Image.new("L", (width, size + line_height * len(lines) + QUIET_ZONE * module_px), 255)
    code = Image.new("L", (modules, modules), 255)
    code.paste(Image.frombytes("L", (symbol.size, symbol.size), symbol.modules), (QUIET_ZONE, QUIET_ZONE))
    image.paste(code.resize((size, size), Image.Resampling.NEAREST), ((width - size) // 2, 0))
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((width // 2, size + i * line_height), line, fill=0, font=font, anchor="ma")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def label_svg(label: Label, module: float = 4.0) -> str:
    """An SVG with the QR as one path (runs of dark modules) and ``<text>`` lines under it."""
    matrix = qr_matrix(label.uri)
    n = len(matrix)
    runs = [f"M{start} {y}h{length}v1h-{length}z" for y, start, length in dark_runs(matrix)]
    lines = label.text_lines()
    font = 2.5 * module
    size = n * module
    height = size + (len(lines) + 1) * font * 1.3
    texts = "".join(
        f'<text x="{size / 2:g}" y="{size + (i + 1) * font * 1.3:g}" font-family="monospace" '
        f'font-size="{font:g}" text-anchor="middle">{escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size:g}" height="{height:g}" '
        f'viewBox="0 0 {size:g} {height:g}"><rect width="100%" height="100%" fill="#fff"/>'
        f'<path transform="scale({module:g})" fill="#000" shape-rendering="crispEdges" d="{"".join(runs)}"/>'
        f"{texts}</svg>"
    )
