from __future__ import annotations

import json

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.codes.identifiers import ItemKey
from ledger.codes.signature import (
    Brand,
    BrandDirectory,
    CodeSigner,
    SignatureForm,
    SignatureReason,
    decode_signature,
    encode_signature,
    sign_code,
    verify_code_signature,
)
from ledger.errors import InvalidInput

from ._code_strategies import item_keys

ACME = Account.from_key(b"\x01" * 32)
GLOBEX = Account.from_key(b"\x02" * 32)
STRANGER = Account.from_key(b"\x03" * 32)
BRANDS = BrandDirectory(
    (Brand("Acme", ACME.address, ("9521234", "952123555")), Brand("Globex", GLOBEX.address, ("952124",)))
)
KEY = ItemKey("09521234543213", "12345")


def reason(key: ItemKey, signature: str | None) -> SignatureReason:
    return verify_code_signature(key, signature, BRANDS).reason


def test_valid_signature_by_prefix_owner() -> None:
    check = verify_code_signature(KEY, sign_code(KEY, ACME), BRANDS)
    assert check.ok and check.brand == "Acme" and check.signer == "Acme"


def test_accepts_private_key_and_hex_signature() -> None:
    signature = sign_code(KEY, ACME.key.hex())
    assert reason(KEY, "0x" + decode_signature(signature).hex()) is SignatureReason.VALID
    assert reason(KEY, decode_signature(signature).hex()) is SignatureReason.VALID


def test_new_codes_are_decimal_and_base64url_still_verifies() -> None:
    decimal, base64url = sign_code(KEY, ACME), sign_code(KEY, ACME, SignatureForm.BASE64URL)
    assert len(decimal) == 155 and decimal.isdigit() and len(base64url) == 87
    assert decode_signature(decimal) == decode_signature(base64url)
    assert reason(KEY, decimal) is reason(KEY, base64url) is SignatureReason.VALID


def test_a_label_printed_before_the_decimal_form_verifies() -> None:
    # sig= of /01/09521234543213/21/12345 as main's labels printed it (eth_account, base64url r||s||v).
    old = "eOalpHjNaqcYtEOIqUXlaHjHfcPkKronxM7LnQnYBcUVVrP8XnOMckNovbsZYt_R8LQjO05VamChoTjBbFpWtxw"
    assert reason(KEY, old) is SignatureReason.VALID


@settings(max_examples=40, deadline=None)
@given(item_keys(), st.binary(min_size=32, max_size=32).filter(lambda b: 0 < int.from_bytes(b, "big") < 2**255))
def test_code_signer_makes_eth_account_signatures_in_both_forms(key: ItemKey, secret: bytes) -> None:
    expected = bytes(Account.from_key(secret).sign_message(encode_defunct(text=key.canonical)).signature)
    for form in SignatureForm:
        written = CodeSigner(secret, form).sign(key)
        assert decode_signature(written) == expected
        assert encode_signature(expected, form) == written


@pytest.mark.parametrize("text", [
    "9" * 155,  # above 2**512
    "0" * 155,  # r = s = 0
    f"{(1 << 256) | (2**255 - 1):0155d}",  # s above half the curve order
])
def test_decimal_outside_the_curve_is_malformed(text: str) -> None:
    check = verify_code_signature(KEY, text, BRANDS)
    assert check.reason is SignatureReason.MALFORMED_SIGNATURE and "EIP-2098" in check.detail


def test_code_signer_repr_shows_the_address_not_the_key() -> None:
    signer = CodeSigner(ACME)
    assert repr(signer) == f"CodeSigner({ACME.address}, decimal)" and ACME.key.hex()[2:] not in repr(signer)


def test_missing() -> None:
    assert reason(KEY, None) is SignatureReason.MISSING_SIGNATURE
    assert reason(KEY, "") is SignatureReason.MISSING_SIGNATURE


def test_copied_from_another_serial() -> None:
    other = ItemKey("09521234543213", "12346")
    assert reason(other, sign_code(KEY, ACME)) is SignatureReason.BAD_SIGNATURE


def test_signed_by_a_brand_that_does_not_own_the_prefix() -> None:
    check = verify_code_signature(KEY, sign_code(KEY, GLOBEX), BRANDS)
    assert check.reason is SignatureReason.PREFIX_NOT_OWNED
    assert check.signer == "Globex" and check.brand == "Acme"


def test_signed_by_unknown_key() -> None:
    assert reason(KEY, sign_code(KEY, STRANGER)) is SignatureReason.BAD_SIGNATURE


@pytest.mark.parametrize("cut", [1, 10, 40])
def test_truncated(cut: int) -> None:
    assert reason(KEY, sign_code(KEY, ACME)[:-cut]) is SignatureReason.MALFORMED_SIGNATURE


def test_not_hex_or_base64() -> None:
    assert reason(KEY, "z" * 130) is SignatureReason.MALFORMED_SIGNATURE
    assert reason(KEY, "!" * 87) is SignatureReason.MALFORMED_SIGNATURE


def test_one_hex_digit_altered() -> None:
    hex_signature = decode_signature(sign_code(KEY, ACME)).hex()
    altered = hex_signature[:20] + ("0" if hex_signature[20] != "0" else "1") + hex_signature[21:]
    assert reason(KEY, altered) is SignatureReason.BAD_SIGNATURE


def test_one_base64_character_altered() -> None:
    signature = sign_code(KEY, ACME, SignatureForm.BASE64URL)
    altered = signature[:5] + ("A" if signature[5] != "A" else "B") + signature[6:]
    assert reason(KEY, altered) is SignatureReason.BAD_SIGNATURE


@pytest.mark.parametrize("position", [0, 40, 77, 78, 120, 154])  # in r, at the parity bit's digits, in s
def test_one_decimal_digit_altered(position: int) -> None:
    signature = sign_code(KEY, ACME)
    altered = signature[:position] + str((int(signature[position]) + 1) % 10) + signature[position + 1:]
    assert reason(KEY, altered) in (SignatureReason.BAD_SIGNATURE, SignatureReason.MALFORMED_SIGNATURE)


def test_a_gtin_belongs_to_the_one_prefix_it_starts_with() -> None:
    # 952124 belongs to Globex; a GTIN under it must be signed by Globex, not Acme.
    key = ItemKey("09521240000007", "1")
    assert BRANDS.owner_of(key.gtin) == (BRANDS.brands[1], "952124")
    assert reason(key, sign_code(key, GLOBEX)) is SignatureReason.VALID
    assert reason(key, sign_code(key, ACME)) is SignatureReason.PREFIX_NOT_OWNED
    assert BRANDS.owner_of("09521234543213") == (BRANDS.brands[0], "9521234")
    assert BRANDS.owner_of("09521235550002") == (BRANDS.brands[0], "952123555")
    assert BRANDS.owner_of("09521230000004") is None


# GS1 company prefixes never nest: a directory in which one starts another would give the GTINs under
# the longer one two owners, so it is refused (the contract refuses such bindings too).
@pytest.mark.parametrize(("acme", "other", "message"), [
    (("9521234",), ("952123",), "'9521234': Acme's prefix extends 952123 of Other"),
    (("9521234",), ("95212345",), "'95212345': Other's prefix extends 9521234 of Acme"),
    (("9521234",), ("952123456789",), "'952123456789': Other's prefix extends 9521234 of Acme"),
    (("952123", "95212345"), (), "'95212345': Acme's prefix extends 952123 of Acme"),
])
def test_nested_prefixes_are_refused(acme: tuple[str, ...], other: tuple[str, ...], message: str) -> None:
    brands = (Brand("Acme", ACME.address, acme), Brand("Other", GLOBEX.address, other))
    with pytest.raises(InvalidInput, match=message + r".*never nest"):
        BrandDirectory(brands)
    with pytest.raises(InvalidInput, match=message):  # a directory file, as `ledger check --brands` reads it
        BrandDirectory.parse(json.dumps({"brands": {b.name: {"address": b.address, "prefixes": list(b.prefixes)}
                                                    for b in brands}}))


def test_unknown_prefix() -> None:
    key = ItemKey("80614141123458", "1")
    assert reason(key, sign_code(key, ACME)) is SignatureReason.UNKNOWN_PREFIX


def test_directory_json_round_trip_and_errors() -> None:
    assert BrandDirectory.parse(BRANDS.to_json()) == BRANDS
    with pytest.raises(InvalidInput, match="claimed by Acme and Other"):
        BrandDirectory((Brand("Acme", ACME.address, ("9521234",)), Brand("Other", GLOBEX.address, ("9521234",))))
    with pytest.raises(InvalidInput, match="not readable"):
        BrandDirectory.parse('{"brands": []}')
    with pytest.raises(InvalidInput, match="6 to 12 digits"):
        Brand("X", ACME.address, ("12",))
