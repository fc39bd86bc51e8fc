"""Pictures brands upload for their products, checked as hostile input and re-encoded before they are kept.

A picture is kept only if its *content* is a JPEG, PNG or WebP picture (the file's name and the
browser's declared type are ignored), it is at most :data:`MAX_PICTURE_BYTES`, its header declares
at most :data:`MAX_PICTURE_PIXELS` (a decompression bomb is refused before a pixel is decoded),
it is one still frame, and Pillow's ``verify()`` and a full decode both pass. What is kept is a
re-encoding of the pixels alone, turned upright from its EXIF orientation and scaled down to
:data:`MAX_SIDE` pixels a side: EXIF (a phone's GPS position, camera serial number), XMP, ICC
profiles and comments are not carried over, and neither is anything hidden after the image data.

>>> import io
>>> from PIL import Image
>>> raw = io.BytesIO(); Image.new("RGB", (4, 3), "red").save(raw, "PNG")
>>> picture = clean_picture(raw.getvalue())
>>> picture.media_type, picture.width, picture.height, len(picture.sha256)
('image/png', 4, 3, 64)
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import InvalidImage

__all__ = ["MAX_PICTURE_BYTES", "MAX_PICTURE_PIXELS", "MAX_SIDE", "MEDIA_TYPES", "Picture", "clean_picture"]

# A phone photo is 2–8 MB as taken; a product shot for a guide needs no more.
MAX_PICTURE_BYTES = 8 * 1024 * 1024
# 24 megapixels as declared: a phone camera's full resolution fits, a bomb (a few KB that claim 100,000 px a side) not.
MAX_PICTURE_PIXELS = 24_000_000
# Enough to see a hologram or a stitch on a phone or a desktop; a kept picture is then ~100-500 KB.
MAX_SIDE = 1600
MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_EXPECTED = f"a JPEG, PNG or WebP picture of at most {MAX_PICTURE_BYTES // (1024 * 1024)} MB"


@dataclass(frozen=True)
class Picture:
    """A picture as kept: re-encoded bytes, their type and size in pixels, and their SHA-256 (the picture's name)."""

    data: bytes
    media_type: str
    width: int
    height: int
    sha256: str


def _refuse(field: str, name: str, problem: str, expected: str = _EXPECTED) -> InvalidImage:
    return InvalidImage(field, name, problem, expected)


def clean_picture(data: bytes, field: str = "picture", name: str = "") -> Picture:
    """The picture in ``data``, checked and re-encoded; InvalidImage (naming ``field`` and the file ``name``) if not."""
    if not data:
        raise _refuse(field, name, "is empty")
    if len(data) > MAX_PICTURE_BYTES:
        raise _refuse(field, name, f"is {len(data):,} bytes, larger than {MAX_PICTURE_BYTES:,}")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=list(MEDIA_TYPES)) as probe:
                kind = str(probe.format)
                width, height = probe.size
                frames = getattr(probe, "n_frames", 1)
                if width * height > MAX_PICTURE_PIXELS:
                    raise _refuse(field, name, f"declares {width:,} × {height:,} pixels, more than {MAX_PICTURE_PIXELS:,}",
                                  f"a picture of at most {MAX_PICTURE_PIXELS:,} pixels")
                if frames > 1:
                    raise _refuse(field, name, f"is animated ({frames} frames)", "one still picture")
                probe.verify()
            with Image.open(io.BytesIO(data), formats=[kind]) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
        except UnidentifiedImageError:
            raise _refuse(field, name, "is not a JPEG, PNG or WebP picture (its content was read, not its name)") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _refuse(field, name, "declares more pixels than it may", f"a picture of at most {MAX_PICTURE_PIXELS:,} pixels") from None
        except (OSError, SyntaxError, ValueError, EOFError) as exc:  # Pillow's ways of saying damaged or truncated
            raise _refuse(field, name, f"is damaged or cut short ({str(exc)[:80] or type(exc).__name__})",
                          "the picture file as the camera or editor saved it") from None
    return _reencode(upright, kind)


def _reencode(image: Image.Image, kind: str) -> Picture:
    """The pixels alone in a new file of the same format: no metadata of the upload survives."""
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if kind == "JPEG":
        pixels = image.convert("L" if image.mode in ("L", "1", "I;16") else "RGB")
    else:
        pixels = image.convert("RGBA" if has_alpha else "RGB")
    pixels.info.clear()  # nothing the encoder could copy from the upload (exif, icc_profile, xmp, comment…)
    out = io.BytesIO()
    if kind == "JPEG":
        pixels.save(out, "JPEG", quality=85, optimize=True)
    elif kind == "PNG":
        pixels.save(out, "PNG", optimize=True)
    else:
        pixels.save(out, "WEBP", quality=85)
    data = out.getvalue()
    return Picture(data, MEDIA_TYPES[kind], pixels.width, pixels.height, hashlib.sha256(data).hexdigest())
