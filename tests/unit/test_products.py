"""Product sheets: the text brands type and the pictures they upload, checked as hostile input."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from ledger.errors import InvalidImage, InvalidInput, InvalidItemKey
from ledger.products.pictures import MAX_PICTURE_BYTES, MAX_SIDE, clean_picture
from ledger.products.sheet import MAX_DESCRIPTION, MAX_FEATURE, MAX_PRODUCT_NAME, FeatureText, ProductFacts
from tests.unit._pictures import encoded, jpeg_with_gps

GTIN = "09521234543213"

BAD_FACTS = [
    # (gtin, name, description, pack size, contact) -> the error's class and what its message must say
    (("9521234543214", "Aspirin", "", "", ""), InvalidItemKey, "check digit"),
    (("95212345432", "Aspirin", "", "", ""), InvalidItemKey, "is 11 digits long"),
    (("abc", "Aspirin", "", "", ""), InvalidItemKey, "characters other than the digits"),
    ((GTIN, "", "", "", ""), InvalidInput, "name '': is empty; expected the product's name"),
    ((GTIN, "   ", "", "", ""), InvalidInput, "is empty"),
    ((GTIN, "x" * (MAX_PRODUCT_NAME + 1), "", "", ""), InvalidInput, f"is longer than {MAX_PRODUCT_NAME} characters"),
    ((GTIN, "Aspi\x00rin", "", "", ""), InvalidInput, "unprintable character U+0000"),
    ((GTIN, "Aspirin\u202e", "", "", ""), InvalidInput, "unprintable character U+202E"),
    ((GTIN, "Aspirin\nForte", "", "", ""), InvalidInput, "unprintable character U+000A"),
    ((GTIN, "Aspirin", "d" * (MAX_DESCRIPTION + 1), "", ""), InvalidInput, "description"),
    ((GTIN, "Aspirin", "line one\n\x1b[31mred", "", ""), InvalidInput, "unprintable character U+001B"),
    ((GTIN, "Aspirin", "", "p" * 81, ""), InvalidInput, "pack size"),
    ((GTIN, "Aspirin", "", "", "c" * 201), InvalidInput, "contact"),
    ((GTIN, "Aspirin", "", "", "call \ud800"), InvalidInput, "unprintable character U+D800"),
]


@pytest.mark.parametrize(("fields", "error", "says"), BAD_FACTS)
def test_bad_product_text_is_refused_with_what_was_wrong(fields: tuple[str, ...], error: type[Exception], says: str) -> None:
    with pytest.raises(error) as refused:
        ProductFacts.parse(*fields)
    assert says in str(refused.value) and "expected" in str(refused.value)


def test_product_text_is_normalised() -> None:
    facts = ProductFacts.parse("9521234543213", "  Acme Aspirin 500 ", "First line\r\nsecond line\r\n", " 20 tablets ",
                               "brand-protection@acme.example")
    assert facts == ProductFacts(GTIN, "Acme Aspirin 500", "First line\nsecond line", "20 tablets",
                                 "brand-protection@acme.example")


@given(st.text(st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp", "Co", "Cn")), min_size=1,
               max_size=MAX_PRODUCT_NAME).filter(lambda t: t.strip() != "" and t.isprintable()))
def test_any_printable_name_is_kept_as_typed_less_the_outer_spaces(name: str) -> None:
    assert ProductFacts.parse(GTIN, name).name == name.strip()


@pytest.mark.parametrize(("text", "says"), [("", "is empty"), (" \n ", "is empty"), ("f" * (MAX_FEATURE + 1), "is longer"),
                                            ("tilt the \x07cap", "U+0007")])
def test_bad_feature_text_is_refused(text: str, says: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(says)):
        FeatureText.parse(text)


def _noisy(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.effect_noise((200, 200), 64).convert("RGB").save(out, fmt)
    return out.getvalue()


def _animated(fmt: str) -> bytes:
    frames = [Image.new("RGB", (20, 20), c) for c in ("red", "green")]
    out = io.BytesIO()
    frames[0].save(out, fmt, save_all=True, append_images=frames[1:])
    return out.getvalue()


BAD_UPLOADS = [
    # (what, bytes) -> what the message says
    ("empty file", b"", "is empty"),
    ("plain text named .jpg", b"this is not a picture at all", "is not a JPEG, PNG or WebP picture"),
    ("HTML with a script", b"<html><script>alert(1)</script></html>", "is not a JPEG, PNG or WebP picture"),
    ("SVG", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "is not a JPEG, PNG or WebP"),
    ("GIF", encoded("GIF"), "is not a JPEG, PNG or WebP picture"),
    ("BMP", encoded("BMP"), "is not a JPEG, PNG or WebP picture"),
    ("TIFF", encoded("TIFF"), "is not a JPEG, PNG or WebP picture"),
    ("PDF", b"%PDF-1.4\n1 0 obj<<>>endobj\n", "is not a JPEG, PNG or WebP picture"),
    ("JPEG magic, then nothing", b"\xff\xd8\xff\xe0" + b"\x00" * 20, "is not a JPEG, PNG or WebP picture"),
    ("PNG cut in half", _noisy("PNG")[:2000], "damaged or cut short"),
    ("JPEG cut in half", _noisy("JPEG")[:2000], "damaged or cut short"),
    ("WebP cut in half", _noisy("WEBP")[:2000], "damaged or cut short"),
    ("too many bytes", b"\xff\xd8\xff" + b"\x00" * MAX_PICTURE_BYTES, "larger than"),
    ("pixel bomb (30 megapixels, a few KB)", encoded("PNG", (6000, 5000), mode="1", colour=0), "declares 6,000 × 5,000 pixels"),
    ("animated PNG", _animated("PNG"), "is animated (2 frames)"),
    ("animated WebP", _animated("WEBP"), "is animated (2 frames)"),
]


@pytest.mark.parametrize(("what", "data", "says"), BAD_UPLOADS, ids=[row[0] for row in BAD_UPLOADS])
def test_bad_uploads_are_refused_with_what_was_wrong(what: str, data: bytes, says: str) -> None:
    with pytest.raises(InvalidImage) as refused:
        clean_picture(data, "picture", "upload.jpg")
    message = str(refused.value)
    assert says in message, message
    assert message.startswith("picture 'upload.jpg': ") and "; expected " in message


@pytest.mark.parametrize(("fmt", "media_type"), [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")])
def test_good_pictures_are_kept_in_their_format(fmt: str, media_type: str) -> None:
    picture = clean_picture(encoded(fmt, (40, 30)))
    assert (picture.media_type, picture.width, picture.height) == (media_type, 40, 30)
    with Image.open(io.BytesIO(picture.data)) as kept:
        assert kept.format == fmt and kept.size == (40, 30)


def test_metadata_is_stripped_and_the_picture_turned_upright() -> None:
    upload = jpeg_with_gps((40, 20), orientation=6)
    with Image.open(io.BytesIO(upload)) as original:
        assert original.getexif().get_ifd(0x8825)  # the test's upload does carry a GPS position
    picture = clean_picture(upload)
    for secret in (b"SecretCamera", b"secret plant", b"Exif", b"GPS"):
        assert secret not in picture.data
    with Image.open(io.BytesIO(picture.data)) as kept:
        assert not kept.getexif() and "comment" not in kept.info and "icc_profile" not in kept.info
        assert kept.size == (20, 40)  # orientation 6: turned a quarter, as the phone showed it
        rgb = kept.convert("RGB")
        assert rgb.getpixel((10, 2))[0] > 200 and rgb.getpixel((10, 38))[0] < 60  # the white left half is on top


def test_bytes_after_the_picture_are_not_kept() -> None:
    polyglot = encoded("PNG") + b"<script>alert(1)</script>"
    picture = clean_picture(polyglot)
    assert b"<script>" not in picture.data


def test_large_pictures_are_scaled_down_and_transparency_kept() -> None:
    picture = clean_picture(encoded("PNG", (4000, 1000), mode="RGBA", colour=(0, 0, 0, 0)))
    assert (picture.width, picture.height) == (MAX_SIDE, MAX_SIDE // 4)
    with Image.open(io.BytesIO(picture.data)) as kept:
        assert kept.mode == "RGBA" and kept.getpixel((0, 0))[3] == 0


def test_cmyk_and_grey_jpegs_are_kept_as_jpeg() -> None:
    assert clean_picture(encoded("JPEG", mode="CMYK", colour=(0, 0, 0, 0))).media_type == "image/jpeg"
    assert clean_picture(encoded("JPEG", mode="L", colour=128)).media_type == "image/jpeg"


def test_the_same_picture_has_the_same_name() -> None:
    assert clean_picture(encoded("PNG")).sha256 == clean_picture(encoded("PNG") + b"trailing").sha256
