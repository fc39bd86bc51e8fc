"""Signed requests between organisations: the header parser, the signed text, the README's client snippet."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlencode, urlsplit

import pytest
from eth_account import Account
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.epcis.request_signing import CLOCK_SKEW, ReplayGuard, SignedRequest, canonical_query, sign_request
from ledger.errors import RequestNotAuthenticated

KEY = Account.from_key(b"\x07" * 32)
NOW = 1_780_000_000
README = Path(__file__).parents[2] / "README.md"


def readme_client() -> dict[str, object]:
    """The README's Python snippet, run: a partner's client with no ledger code in it."""
    text = README.read_text()
    block = next(b for b in re.findall(r"^```python\n(.*?)^```", text, re.M | re.S) if "ledger_authorization" in b)
    namespace: dict[str, object] = {}
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own README, the code under test
    return namespace


@pytest.mark.parametrize("url", ["https://h.example/epcis/events",
                                 "https://h.example/epcis/events?perPage=2&EQ_bizStep=shipping%7Creceiving",
                                 "https://h.example/epcis/epcs/urn%3Aepc%3Aid%3Asgtin%3A9521234.054321.A%2F7%25/events"])
def test_the_readmes_client_signs_as_the_ledger_checks(url: str) -> None:
    header = readme_client()["ledger_authorization"](KEY, "GET", url, b"", NOW)  # type: ignore[operator]
    assert header == sign_request(KEY, "GET", url.split("?")[0].removeprefix("https://h.example"),
                                  url.partition("?")[2], b"", NOW)
    parts = urlsplit(url)
    assert SignedRequest.parse(header).check("GET", unquote(parts.path), parts.query, b"", NOW + 5) == KEY.address


BAD_HEADERS = [
    ("", "sign"),
    ("Bearer x", "sign"),
    ("Ledger", "lacks address, t, sig"),
    ("Ledger address=0x1,t=5,sig=0x" + "0" * 130, "is not an Ethereum address"),
    ("Ledger address=0x" + "1" * 40 + ",t=-5,sig=0x" + "0" * 130, "is not a time"),
    ("Ledger address=0x" + "1" * 40 + ",t=5,sig=0x00", "is not a 65-byte"),
    ("Ledger address=0x" + "1" * 40 + ",address=0x" + "2" * 40, "is malformed"),
    ("Ledger who=me", "is malformed"),
]


@pytest.mark.parametrize(("header", "problem"), BAD_HEADERS)
def test_bad_headers_say_what_is_wrong(header: str, problem: str) -> None:
    with pytest.raises(RequestNotAuthenticated, match=problem) as caught:
        SignedRequest.parse(header).check("GET", "/epcis/events", "", b"", NOW)
    assert caught.value.http_status == 401


def test_what_the_signature_covers() -> None:
    header = sign_request(KEY, "POST", "/epcis/events", "a=1", b"{}", NOW)
    signed = SignedRequest.parse(header)
    assert signed.check("POST", "/epcis/events", "a=1", b"{}", NOW) == KEY.address
    for changed in [("GET", "/epcis/events", "a=1", b"{}"), ("POST", "/epcis/epcs", "a=1", b"{}"),
                    ("POST", "/epcis/events", "a=2", b"{}"), ("POST", "/epcis/events", "a=1", b"{ }")]:
        with pytest.raises(RequestNotAuthenticated, match="over this request"):
            signed.check(*changed, NOW)
    with pytest.raises(RequestNotAuthenticated, match="from this home's clock"):
        signed.check("POST", "/epcis/events", "a=1", b"{}", NOW + CLOCK_SKEW + 1)


def test_a_request_is_accepted_once() -> None:
    guard = ReplayGuard()
    signed = SignedRequest.parse(sign_request(KEY, "GET", "/epcis/events", "", b"", NOW))
    _, digest = signed.checked("GET", "/epcis/events", "", b"", NOW)
    guard.first_use(digest, NOW, NOW)
    with pytest.raises(RequestNotAuthenticated, match="a replay"):
        guard.first_use(digest, NOW, NOW + 1)


@given(st.text(max_size=200))
@settings(max_examples=300)
def test_any_header_parses_or_is_refused_with_a_reason(header: str) -> None:
    try:
        SignedRequest.parse(header)
    except RequestNotAuthenticated as refused:
        assert refused.reason


@given(st.lists(st.tuples(st.text(max_size=8), st.text(max_size=8)), max_size=5))
def test_canonical_query_ignores_order(pairs: list[tuple[str, str]]) -> None:
    assert canonical_query(urlencode(pairs)) == canonical_query(urlencode(list(reversed(pairs))))
