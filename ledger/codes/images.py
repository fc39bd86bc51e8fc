"""Read QR codes and GS1 DataMatrix from image bytes (a phone photo, a scan) with zxing-cpp.

Image size is checked from the header before any pixel is decoded, and images
larger than :data:`DECODE_MAX_SIDE` are downscaled first, so memory and time
stay bounded. zxing is asked to try rotations, downscaled copies, inversion
and, if nothing is found, a second binarizer (global histogram copes better
with noise than the default local average).

GS1 DataMatrix and GS1 QR come back as the HRI element string (``(01)…(21)…``),
plain QR as its text (a Digital Link URI).
"""

from __future__ import annotations

import io
import warnings

import zxingcpp
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import InvalidImage

__all__ = ["DECODE_MAX_SIDE", "MAX_IMAGE_BYTES", "MAX_IMAGE_PIXELS", "read_codes"]

MAX_IMAGE_BYTES = 20 * 1024 * 1024
# A 48-megapixel phone photo fits; decompression bombs do not.
MAX_IMAGE_PIXELS = 50_000_000
# Codes on a label survive this downscale; zxing's time grows with pixels.
DECODE_MAX_SIDE = 2000

_FORMATS = zxingcpp.barcode_formats_from_str("QRCode,DataMatrix")


def _open(data: bytes) -> Image.Image:
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
        raise InvalidImage("image", f"{len(data)} bytes", "is not an image Pillow can read", "PNG, JPEG, WebP, GIF, BMP or TIFF") from None
    if width * height > MAX_IMAGE_PIXELS:
        raise InvalidImage(
            "image", f"{width}x{height}", "has too many pixels", f"at most {MAX_IMAGE_PIXELS:,} pixels"
        )
    # draft() lets JPEG decode at a reduced scale directly, never holding the full image.
    image.draft("L", (DECODE_MAX_SIDE, DECODE_MAX_SIDE))
    try:
        gray = ImageOps.exif_transpose(image).convert("L")
    except (OSError, ValueError, SyntaxError) as exc:
        raise InvalidImage("image", f"{len(data)} bytes", f"cannot be decoded ({exc})", "an intact image file") from None
    gray.thumbnail((DECODE_MAX_SIDE, DECODE_MAX_SIDE))
    return gray


def read_codes(data: bytes) -> list[str]:
    """Every QR / DataMatrix found in the image, as text, in zxing's order; InvalidImage if none."""
    gray = _open(data)
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
