"""SSCCs: parsing (biip's check digit), their EPC URN and its canonical Digital Link."""

from __future__ import annotations

import pytest
from biip.checksums import gs1_standard_check_digit
from hypothesis import given
from hypothesis import strategies as st

from ledger.custody.packing import Sscc
from ledger.epcis._uris import canonical_uri
from ledger.epcis.export import sscc_urn
from ledger.errors import InvalidCode

ssccs = st.from_regex(r"[0-9]{17}", fullmatch=True).map(lambda body: body + str(gs1_standard_check_digit(body)))


@given(ssccs, st.integers(6, 12))
def test_sscc_forms_and_urn_round_trip(sscc: str, prefix_length: int) -> None:
    assert Sscc.parse(sscc) == Sscc.parse(f"(00){sscc}") == Sscc.parse(f"00{sscc}")
    assert canonical_uri(sscc_urn(sscc, prefix_length)) == f"https://id.gs1.org/00/{sscc}"


@pytest.mark.parametrize(("text", "problem"), [
    ("095212340000000014", "SSCC '095212340000000014'"),
    ("12345", "SSCC '12345'"),
    ("(00)09521234000000001X", "SSCC"),
])
def test_bad_ssccs(text: str, problem: str) -> None:
    with pytest.raises(InvalidCode, match=problem.replace("(", r"\(").replace(")", r"\)")):
        Sscc.parse(text)
