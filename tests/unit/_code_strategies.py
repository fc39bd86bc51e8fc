"""Hypothesis strategies for item keys, shared by the code-form tests."""

from __future__ import annotations

from datetime import date

from biip.checksums import gs1_standard_check_digit
from hypothesis import strategies as st

from ledger.codes.identifiers import ItemKey

# GS1 AI 82 character set (AI 10 and 21).
GS1_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!\"%&'()*+,-./:;<=>?_"


@st.composite
def gtins(draw: st.DrawFn) -> str:
    body = draw(st.text("0123456789", min_size=13, max_size=13))
    return body + str(gs1_standard_check_digit(body))


def serials(alphabet: str = GS1_CHARS) -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers(0, 2**38 - 1).map(str),
        st.integers(2**38, 10**20 - 1).map(str),
        st.text(alphabet, min_size=1, max_size=20),
    )


# Inside GS1's sliding century window from 2026.
expiries = st.dates(date(2000, 1, 1), date(2070, 12, 31))


@st.composite
def item_keys(draw: st.DrawFn, alphabet: str = GS1_CHARS, with_attributes: bool = True) -> ItemKey:
    lot = draw(st.none() | st.text(alphabet, min_size=1, max_size=20)) if with_attributes else None
    expiry = draw(st.none() | expiries) if with_attributes else None
    return ItemKey(draw(gtins()), draw(serials(alphabet)), lot, expiry)
