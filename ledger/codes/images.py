"""Read QR codes and GS1 DataMatrix from image bytes (a phone photo, a scan) with zxing-cpp.

Memory is bounded before any pixel is decoded. From the header: at most
:data:`MAX_IMAGE_PIXELS` as stored, and at most :data:`MAX_DECODED_PIXELS` as decoded
(JPEG decodes at 1/2, 1/4 or 1/8 scale when that still leaves :data:`DECODE_MAX_SIDE`
pixels a side, so a phone photo fits; PNG and the other formats decode whole). Each
decode then takes its bytes from a per-process budget of :data:`DECODE_BUDGET_BYTES`,
waiting for concurrent uploads to finish if it must, so a worker's decodes never add
up beyond it. The decoded picture becomes grayscale and is downscaled to
:data:`DECODE_MAX_SIDE` at once; zxing works on that. zxing is asked to try rotations,
downscaled copies, inversion and, if nothing is found, a second binarizer (global
histogram copes better with noise than the default local average).

GS1 DataMatrix and GS1 QR come back as the HRI element string (``(01)…(21)…``),
plain QR as its text (a Digital Link URI).
"""

from __future__ import annotations

import io
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import zxingcpp
from PIL import ExifTags, Image, UnidentifiedImageError

from ..errors import InvalidImage

__all__ = ["DECODE_BUDGET_BYTES", "DECODE_MAX_SIDE", "MAX_DECODED_PIXELS", "MAX_IMAGE_BYTES", "MAX_IMAGE_PIXELS",
           "decode_cost", "read_codes"]

MAX_IMAGE_BYTES = 20 * 1024 * 1024
# A 48-megapixel phone photo fits; decompression bombs do not.
MAX_IMAGE_PIXELS = 50_000_000
# What one upload may decode at once: a 16-megapixel PNG or screenshot, or a JPEG up to
# MAX_IMAGE_PIXELS read at reduced scale. Pillow holds RGB as 4 bytes a pixel, and the
# grayscale copy 1 more: at most 80 MB.
MAX_DECODED_PIXELS = 16_000_000
# Codes on a label survive this downscale; zxing's time grows with pixels.
DECODE_MAX_SIDE = 2000
# The downscaled copy zxing reads, and zxing's own copies of it (rotated, inverted, binarised).
_ZXING_BYTES = 4 * DECODE_MAX_SIDE * DECODE_MAX_SIDE
# Shared by a process's concurrent uploads (a worker's threads): two reads at the maximum, 192 MB.
DECODE_BUDGET_BYTES = 2 * (MAX_DECODED_PIXELS * 5 + _ZXING_BYTES)

_FORMATS = zxingcpp.barcode_formats_from_str("QRCode,DataMatrix")
_EXPECTED_SIZE = (f"at most {MAX_DECODED_PIXELS:,} pixels (a JPEG photo up to {MAX_IMAGE_PIXELS:,}, "
                  "which is read at reduced size)")
# EXIF orientation -> the transposition that puts the picture upright (as ImageOps.exif_transpose).
_UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
            5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
            8: Image.Transpose.ROTATE_90}


class _DecodeBudget:
    """Bytes of decoded pixels that a process's uploads may hold at once; each waits for its share."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._used = 0
        self._changed = threading.Condition()

    @contextmanager
    def share(self, amount: int) -> Iterator[None]:
        with self._changed:
            self._changed.wait_for(lambda: self._used + amount <= self.capacity)
            self._used += amount
        try:
            yield
        finally:
            with self._changed:
                self._used -= amount
                self._changed.notify_all()


_BUDGET = _DecodeBudget(DECODE_BUDGET_BYTES)


def decode_cost(width: int, height: int, mode: str) -> int:
    """Bytes a decode holds at its peak: the picture as Pillow stores it, and its grayscale copy."""
    stored = 1 if mode in ("1", "L", "P") else 4
    return width * height * (stored + (0 if mode == "L" else 1))


def _open(data: bytes) -> Image.Image:
    """The picture, header read and JPEG scale chosen, nothing decoded; InvalidImage if it would decode too large."""
    if len(data) > MAX_IMAGE_BYTES:
        raise InvalidImage("image", f"{len(data)} bytes", "is too large", f"at most {MAX_IMAGE_BYTES} bytes")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise InvalidImage("image", f"{len(data)} bytes", "has too many pixels", f"at most {MAX_IMAGE_PIXELS:,} pixels") from None
    except (UnidentifiedImageError, OSError):
        raise InvalidImage("image", f"{len(data)} bytes", "is not a readable picture", "PNG, JPEG, WebP, GIF, BMP or TIFF") from None
    if width * height > MAX_IMAGE_PIXELS:
        raise InvalidImage("image", f"{width}x{height}", "has too many pixels", _EXPECTED_SIZE)
    # draft() lets JPEG decode at a reduced scale directly, never holding the full image; other formats ignore it.
    image.draft("L", (DECODE_MAX_SIDE, DECODE_MAX_SIDE))
    if image.width * image.height > MAX_DECODED_PIXELS:
        raise InvalidImage("image", f"{width}x{height} {image.format}",
                           f"would be decoded at {image.width}x{image.height}, {image.width * image.height:,} pixels", _EXPECTED_SIZE)
    return image


def _grayscale(image: Image.Image, size: int) -> Image.Image:
    """Decode ``image``, upright, in grayscale, at most DECODE_MAX_SIDE a side."""
    try:
        image.load()
        orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
        gray = image if image.mode == "L" else image.convert("L")
        if gray is not image:
            image.close()  # frees the colour picture before the grayscale one is scaled
        gray.thumbnail((DECODE_MAX_SIDE, DECODE_MAX_SIDE))
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise InvalidImage("image", f"{size} bytes", "is damaged or cut short", "an intact image file") from None
    upright = _UPRIGHT.get(orientation)
    return gray.transpose(upright) if upright is not None else gray


def read_codes(data: bytes) -> list[str]:
    """Every QR / DataMatrix found in the image, as text, in zxing's order; InvalidImage if none."""
    image = _open(data)
    # The share covers zxing's work on the downscaled copy too: all of a read's memory is in the budget.
    with _BUDGET.share(decode_cost(image.width, image.height, image.mode) + _ZXING_BYTES):
        gray = _grayscale(image, len(data))
        found: list[zxingcpp.Barcode] = []
        for binarizer in (zxingcpp.Binarizer.LocalAverage, zxingcpp.Binarizer.GlobalHistogram):
            found = zxingcpp.read_barcodes(
                gray, formats=_FORMATS, try_rotate=True, try_downscale=True, try_invert=True, binarizer=binarizer
            )
            if found:
                break
    if not found:
        raise InvalidImage(
            "image", f"{gray.width}x{gray.height}", "has no readable QR code or DataMatrix",
            "a sharp, well-lit photo with the whole code in view",
        )
    texts: list[str] = []
    for barcode in found:
        if barcode.text not in texts:
            texts.append(barcode.text)
    return texts
