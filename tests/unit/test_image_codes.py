from __future__ import annotations

import io
import struct
import zlib

import pytest
import zxingcpp
from PIL import Image

from ledger.codes.identifiers import ItemKey
from ledger.codes.images import DECODE_MAX_SIDE, MAX_IMAGE_PIXELS, read_codes
from ledger.codes.parsing import CodeForm, parse_code
from ledger.errors import InvalidImage


def _gs1_datamatrix_png() -> bytes:
    barcode = zxingcpp.create_barcode("(01)09521234543213(10)ABC(21)12345", zxingcpp.BarcodeFormat.DataMatrix, gs1=True)
    view = memoryview(barcode.to_image(scale=6, add_quiet_zones=True))
    image = Image.frombytes("L", (view.shape[1], view.shape[0]), bytes(view))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_gs1_datamatrix_comes_back_as_element_string() -> None:
    texts = read_codes(_gs1_datamatrix_png())
    assert texts == ["(01)09521234543213(10)ABC(21)12345"]
    code = parse_code(texts[0])
    assert code.form is CodeForm.ELEMENT_STRING_HRI
    assert code.key == ItemKey("09521234543213", "12345", "ABC")


def test_not_an_image() -> None:
    with pytest.raises(InvalidImage, match="is not a readable picture"):
        read_codes(b"%PDF-1.4 definitely not a picture")


def test_truncated_image() -> None:
    with pytest.raises(InvalidImage):
        read_codes(_gs1_datamatrix_png()[:200])


def test_image_without_code() -> None:
    out = io.BytesIO()
    Image.new("L", (300, 200), 200).save(out, format="PNG")
    with pytest.raises(InvalidImage, match="has no readable QR code or DataMatrix"):
        read_codes(out.getvalue())


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims a size; the pixel data would never be read."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunks = b""
    for name, body in ((b"IHDR", ihdr), (b"IDAT", zlib.compress(b"")), (b"IEND", b"")):
        chunks += struct.pack(">I", len(body)) + name + body + struct.pack(">I", zlib.crc32(name + body))
    return b"\x89PNG\r\n\x1a\n" + chunks


def test_huge_image_rejected_from_header() -> None:
    with pytest.raises(InvalidImage, match="has too many pixels"):
        read_codes(_png_header_only(100_000, 100_000))
    side = int(MAX_IMAGE_PIXELS**0.5) + 10
    with pytest.raises(InvalidImage, match="has too many pixels"):
        read_codes(_png_header_only(side, side))


def test_large_image_is_downscaled_and_still_read() -> None:
    small = Image.open(io.BytesIO(_gs1_datamatrix_png()))
    big = Image.new("L", (DECODE_MAX_SIDE * 2, DECODE_MAX_SIDE), 255)
    big.paste(small.resize((small.width * 4, small.height * 4), Image.Resampling.NEAREST), (100, 100))
    out = io.BytesIO()
    big.save(out, format="PNG")
    assert read_codes(out.getvalue()) == ["(01)09521234543213(10)ABC(21)12345"]
