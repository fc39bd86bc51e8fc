"""Picture files for the product tests, made with Pillow: real encoders, real metadata, real bombs."""

from __future__ import annotations

import io
from typing import Any

from PIL import ExifTags, Image

__all__ = ["encoded", "jpeg_with_gps"]


def encoded(fmt: str, size: tuple[int, int] = (40, 30), mode: str = "RGB", colour: Any = "red", **options: Any) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, fmt, **options)
    return out.getvalue()


def jpeg_with_gps(size: tuple[int, int] = (40, 20), orientation: int = 6) -> bytes:
    """A phone-like JPEG: camera make, orientation and a GPS position in its EXIF, a comment and an ICC profile."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretCamera"
    exif[ExifTags.Base.Orientation] = orientation
    exif.get_ifd(ExifTags.IFD.GPSInfo).update({ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (51.0, 26.0, 30.0),
                                               ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (5.0, 28.0, 10.0)})
    out = io.BytesIO()
    image = Image.new("RGB", size, "blue")
    image.paste("white", (0, 0, size[0] // 2, size[1]))  # left half white: shows which way it was turned
    image.save(out, "JPEG", exif=exif.tobytes(), comment=b"shot at the secret plant")
    return out.getvalue()
