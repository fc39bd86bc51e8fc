"""Signed QR labels: the item's Digital Link with the brand's ``sig=``, as PNG or SVG.

The QR matrix comes from ``qrcode`` (error correction M, quiet zone of 4
modules); the PNG is drawn with Pillow and the SVG written directly, both with
the human-readable GTIN, serial, lot and expiry under the code.

>>> from eth_account import Account
>>> label = Label.signed(ItemKey("09521234543213", "12345"), "https://verify.example", Account.from_key(b"\\x01" * 32))
>>> label.uri.startswith("https://verify.example/01/09521234543213/21/12345?sig=")
True
>>> label.text_lines()
('GTIN 09521234543213', 'Serial 12345')
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from xml.sax.saxutils import escape

import qrcode
import qrcode.constants
from eth_account.signers.local import LocalAccount
from PIL import Image, ImageDraw, ImageFont

from .digital_link import digital_link_uri
from .identifiers import ItemKey
from .signature import SIGNATURE_PARAM, sign_code

__all__ = ["dark_runs", "QUIET_ZONE", "Label", "label_png", "label_svg", "qr_matrix"]

QUIET_ZONE = 4


def qr_matrix(data: str) -> list[list[bool]]:
    """Dark modules of the QR for ``data``, quiet zone included."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QUIET_ZONE)
    qr.add_data(data)
    qr.make(fit=True)
    return [list(row) for row in qr.get_matrix()]


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
    """What one label shows: the item and the (signed) Digital Link its QR encodes."""

    key: ItemKey
    uri: str

    @classmethod
    def signed(cls, key: ItemKey, base_url: str, signer: LocalAccount | bytes | str | None) -> Label:
        """The label for ``key`` on ``base_url``; unsigned when ``signer`` is None."""
        params = {SIGNATURE_PARAM: sign_code(key, signer)} if signer is not None else {}
        return cls(key, digital_link_uri(key, base_url, params))

    def text_lines(self) -> tuple[str, ...]:
        lines = [f"GTIN {self.key.gtin}", f"Serial {self.key.serial}"]
        if self.key.lot is not None:
            lines.append(f"Lot {self.key.lot}")
        if self.key.expiry is not None:
            lines.append(f"Expiry {self.key.expiry.isoformat()}")
        return tuple(lines)


def label_png(label: Label, module_px: int = 8) -> bytes:
    """A PNG of the QR (``module_px`` pixels per module) with the text lines under it."""
    matrix = qr_matrix(label.uri)
    size = len(matrix) * module_px
    font_size = max(10, 2 * module_px)
    font = ImageFont.load_default(size=font_size)
    lines = label.text_lines()
    line_height = int(font_size * 1.3)
    width = max(size, max(int(font.getlength(line)) for line in lines) + 2 * QUIET_ZONE * module_px)
    image = Image.new("L", (width, size + line_height * len(lines) + QUIET_ZONE * module_px), 255)
    code = Image.new("1", (len(matrix), len(matrix)), 1)
    code.putdata([0 if dark else 1 for row in matrix for dark in row])
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
