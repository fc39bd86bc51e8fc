from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from eth_account import Account
from PIL import Image, ImageChops

from ledger.codes.identifiers import ItemKey
from ledger.codes.images import read_codes
from ledger.codes.parsing import parse_code
from ledger.codes.qr_label import QUIET_ZONE, Label, label_png, label_svg, qr_matrix, qr_symbol
from ledger.codes.signature import Brand, BrandDirectory, CodeSigner, SignatureForm, verify_code_signature

BRAND = Account.from_key(b"\x01" * 32)
BRANDS = BrandDirectory((Brand("Acme", BRAND.address, ("9521234",)),))
KEY = ItemKey("09521234543213", "SN-12/345", "LOT7", date(2027, 3, 31))
LABEL = Label.signed(KEY, "https://verify.example", BRAND)


def _png_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _assert_decodes_to_key(png: bytes) -> None:
    texts = read_codes(png)
    assert texts == [LABEL.uri]
    code = parse_code(texts[0])
    assert code.key == KEY
    assert verify_code_signature(code.key, code.signature, BRANDS).ok


def test_png_decodes_back_to_signed_key() -> None:
    png = label_png(LABEL)
    assert png.startswith(b"\x89PNG")
    _assert_decodes_to_key(png)


def test_png_photographed_badly_still_decodes() -> None:
    image = Image.open(io.BytesIO(label_png(LABEL))).convert("L")
    rotated = image.rotate(15, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    scaled = rotated.resize((rotated.width // 2, rotated.height // 2), Image.Resampling.BILINEAR)
    noise = Image.effect_noise(scaled.size, 30)
    noisy = ImageChops.add(scaled, noise, scale=1.0, offset=-128)
    _assert_decodes_to_key(_png_bytes(noisy))


@pytest.mark.parametrize("angle", [90, 180])
def test_png_upside_down_or_sideways(angle: int) -> None:
    image = Image.open(io.BytesIO(label_png(LABEL))).rotate(angle, expand=True)
    _assert_decodes_to_key(_png_bytes(image))


def test_quiet_zone_and_error_correction() -> None:
    matrix = qr_matrix(LABEL.uri)
    border = [*matrix[:QUIET_ZONE], *matrix[-QUIET_ZONE:]]
    assert not any(any(row) for row in border)
    assert not any(row[:QUIET_ZONE] != [False] * QUIET_ZONE for row in matrix)
    png = Image.open(io.BytesIO(label_png(LABEL)))
    import zxingcpp

    assert zxingcpp.read_barcodes(png)[0].ec_level in ("M", "Q", "H")


def test_text_lines() -> None:
    assert LABEL.text_lines() == ("GTIN 09521234543213", "Serial SN-12/345", "Lot LOT7", "Expiry 2027-03-31", "Scan to verify")
    named = Label.signed(KEY, "https://verify.example", BRAND, brand="Acme", product="Aspirin 500 mg, 20 tablets")
    assert named.text_lines()[:3] == ("Acme", "Aspirin 500 mg, 20 tablets", "Serial SN-12/345")


def test_symbol_is_q_with_the_fixed_mask_and_packs_into_an_image_mask() -> None:
    symbol = qr_symbol(LABEL.uri)
    assert symbol.size == 17 + 4 * symbol.version and len(symbol.modules) == symbol.size**2
    bits = symbol.mask_bits()
    stride = (symbol.size + 7) // 8
    assert len(bits) == stride * symbol.size
    unpacked = [[not bits[y * stride + x // 8] >> (7 - x % 8) & 1 for x in range(symbol.size)] for y in range(symbol.size)]
    assert unpacked == symbol.rows()
    assert symbol.rows()[0][:7] == [True] * 7  # the top-left finder pattern


def test_the_decimal_signature_makes_the_code_smaller_than_base64url() -> None:
    base64url = Label.signed(KEY, "https://verify.example", CodeSigner(BRAND, SignatureForm.BASE64URL))
    assert qr_symbol(LABEL.uri).version < qr_symbol(base64url.uri).version
    assert verify_code_signature(KEY, parse_code(base64url.uri).signature, BRANDS).ok


def test_svg_has_path_and_text_and_matches_matrix() -> None:
    svg = label_svg(LABEL)
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    texts = [t.text for t in root.iter(ns + "text")]
    assert texts == list(LABEL.text_lines())
    path = next(root.iter(ns + "path")).attrib["d"]
    dark = sum(row.count(True) for row in qr_matrix(LABEL.uri))
    widths = sum(int(part.split("v")[0]) for part in path.split("h")[1::2])
    assert widths == dark


def test_unsigned_label() -> None:
    assert "sig=" not in Label.signed(KEY, "https://verify.example", None).uri
