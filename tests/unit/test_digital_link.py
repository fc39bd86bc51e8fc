from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.codes.digital_link import DigitalLink, _parse_common_form, digital_link_uri
from ledger.codes.identifiers import ItemKey
from ledger.errors import InvalidCode
from tests.unit._code_strategies import GS1_CHARS, gtins, item_keys, serials


def test_parses_prefixed_uri_with_lot_serial_and_expiry() -> None:
    link = DigitalLink.parse("https://example.com/some/prefix/01/09521234543213/10/ABC/21/12345?17=261231")
    assert link.key == ItemKey("09521234543213", "12345", "ABC", date(2026, 12, 31))
    assert link.base_url == "https://example.com/some/prefix"


def test_query_ais_percent_encoding_and_day_zero() -> None:
    link = DigitalLink.parse("http://localhost:5000/01/9521234543213?21=A%2FB%25&10=L%2B1x&17=260200&sig=s1")
    assert link.key == ItemKey("09521234543213", "A/B%", "L+1x", date(2026, 2, 28))
    assert link.param("sig") == "s1"


def test_percent_encoded_serial_in_path_and_signature_param() -> None:
    link = DigitalLink.parse("/01/09521234543213/21/a%2Fb%3F?sig=xyz&utm=1")
    assert link.key.serial == "a/b?"
    assert link.base_url == ""
    assert link.param("sig") == "xyz"
    assert link.params == (("sig", "xyz"), ("utm", "1"))


def test_day_zero_means_last_day_of_month() -> None:
    assert DigitalLink.parse("/01/09521234543213/21/1?17=240200").key.expiry == date(2024, 2, 29)


def test_render_order_follows_gs1_qualifier_order() -> None:
    key = ItemKey("9521234543213", "12/5", "L1", date(2026, 12, 31))
    uri = digital_link_uri(key, "https://verify.example/x/", {"sig": "abc"})
    assert uri == "https://verify.example/x/01/09521234543213/10/L1/21/12%2F5?17=261231&sig=abc"


def test_render_short_path_is_canonical_key_without_attributes() -> None:
    key = ItemKey("09521234543213", "12345")
    assert digital_link_uri(key) == key.canonical


@pytest.mark.parametrize("base", ["ftp://x", "https://x/01", "https://x/a?b=1", "nohost"])
def test_bad_base_url(base: str) -> None:
    with pytest.raises(InvalidCode, match="base URL"):
        digital_link_uri(ItemKey("09521234543213", "1"), base)


def test_numeric_extra_param_refused() -> None:
    with pytest.raises(InvalidCode, match="numeric"):
        digital_link_uri(ItemKey("09521234543213", "1"), "", {"17": "x"})


@given(item_keys())
def test_round_trip(key: ItemKey) -> None:
    uri = digital_link_uri(key, "https://verify.example/p", {"sig": "s"})
    link = DigitalLink.parse(uri)
    assert link.key == key
    assert link.param("sig") == "s"
    assert link.uri == uri


# Near misses of the common label form: hosts, serials, GTINs and queries that are valid, invalid or
# need decoding, so both sides of the fast path's boundary are drawn.
_hosts = st.sampled_from(["", "https://verify.example", "http://localhost:8000", "https://a-b.example/p",
                          "HTTPS://verify.example", "https://Verify.example", "https://x..y", "https://-x",
                          "ftp://x", "https://x:", "https://x:99999", "https://user@x"])
_gtin_texts = st.one_of(gtins(), st.text("0123456789", min_size=13, max_size=15))
_serial_texts = st.one_of(serials(), st.text(GS1_CHARS + "/?#&= %é", min_size=0, max_size=22))
_queries = st.one_of(
    st.just(""),
    st.text("ABCXYZabcxyz0189-_", max_size=30).map(lambda sig: f"?sig={sig}"),
    st.text("ABCabc019-_=+%/&#?", max_size=12).map(lambda sig: f"?sig={sig}"),
    st.text("0123456789", min_size=154, max_size=156).map(lambda sig: f"?sig={sig}"),  # the decimal form and near it
    st.sampled_from(["?", "?sig", "?sig=a&sig=b", "?utm=1&sig=a", "?sig=a&17=261231", "?SIG=a", "#sig=a"]),
)


def _outcome(parse: Callable[[str], DigitalLink], text: str) -> DigitalLink | str:
    try:
        return parse(text)
    except InvalidCode as exc:
        return f"InvalidCode: {exc}"


@settings(max_examples=2000)
@given(_hosts, _gtin_texts, st.sampled_from(["21", "10", "22"]), _serial_texts, _queries)
def test_parse_agrees_with_the_full_parser(host: str, gtin: str, ai: str, serial: str, query: str) -> None:
    text = f"{host}/01/{gtin}/{ai}/{serial}{query}"
    # Before the fast path, parse() was strip() then the full parser: that is the reference.
    assert _outcome(DigitalLink.parse, text) == _outcome(lambda t: DigitalLink._parse_full(t.strip()), text)


# What the labels carry must actually take the fast path, or the verifier pays for biip again.
@given(item_keys(alphabet="ABCxyz0123456789", with_attributes=False),
       st.sampled_from(["", "https://verify.example", "http://127.0.0.1:8000"]),
       st.none() | st.text("ABCXYZabcxyz0189-_", max_size=90) | st.text("0123456789", min_size=155, max_size=155))
def test_label_codes_take_the_fast_path(key: ItemKey, base: str, signature: str | None) -> None:
    text = digital_link_uri(key, base, {"sig": signature} if signature is not None else {})
    fast = _parse_common_form(text)
    assert fast is not None
    assert fast == DigitalLink._parse_full(text)
