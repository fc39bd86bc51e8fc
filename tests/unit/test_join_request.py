"""Join request files: what `ledger party add` writes reads back and recovers its signer; hostile text never gets
past the parser with anything but a BadJoinRequest (the checks against the chain are in tests/integration/test_joining.py)."""

from __future__ import annotations

import json
from dataclasses import replace

from eth_account import Account
from eth_utils.address import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import BadJoinRequest, InvalidInput
from ledger.proofs.join_request import FORMAT, JoinRequest

KEY = Account.from_key(b"\x02" * 32)
REQUEST = JoinRequest(KEY.address, "swift", "carrier", (), "https://swift.example", 31337, to_checksum_address("0x" + "ab" * 20),
                      1_700_000_000)

json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
                           max_leaves=20)


@given(name=st.text(min_size=1, max_size=30), prefixes=st.lists(st.text(max_size=12), max_size=3),
       url=st.text(max_size=40), timestamp=st.integers(0, 2**63 - 1))
@settings(max_examples=50, deadline=None)
def test_a_written_request_reads_back_and_recovers_its_signer(name: str, prefixes: list[str], url: str, timestamp: int) -> None:
    signed = replace(REQUEST, name=name, prefixes=tuple(prefixes), service_url=url, timestamp=timestamp).signed(KEY)
    parsed = JoinRequest.parse(signed.to_json())
    assert parsed == signed and parsed.signer() == KEY.address


@given(field=st.sampled_from(["name", "role", "service_url"]), value=st.text(min_size=1, max_size=10))
@settings(max_examples=30, deadline=None)
def test_a_field_changed_after_signing_recovers_another_address(field: str, value: str) -> None:
    signed = REQUEST.signed(KEY)
    changed = replace(signed, **{field: getattr(signed, field) + value})
    assert JoinRequest.parse(changed.to_json()).signer() != KEY.address


@given(body=json_values)
@settings(max_examples=200, deadline=None)
def test_any_json_is_read_or_refused_with_a_join_request_error(body: object) -> None:
    try:
        JoinRequest.parse(json.dumps(body))
    except BadJoinRequest as exc:
        assert exc.message.startswith("join request ")


@given(edits=st.dictionaries(st.sampled_from(["address", "name", "role", "prefixes", "service_url", "chain_id",
                                               "contract", "timestamp", "signature", "format"]), json_values, max_size=3))
@settings(max_examples=200, deadline=None)
def test_a_request_with_fields_replaced_is_read_or_refused_cleanly(edits: dict[str, object]) -> None:
    data = json.loads(REQUEST.signed(KEY).to_json()) | edits
    try:
        parsed = JoinRequest.parse(json.dumps(data))
        parsed.signer()
    except InvalidInput as exc:
        assert isinstance(exc, BadJoinRequest)


@given(signature=st.binary(min_size=65, max_size=65))
@settings(max_examples=100, deadline=None)
def test_any_65_bytes_as_a_signature_recover_or_are_refused(signature: bytes) -> None:
    request = replace(REQUEST, signature=signature)
    try:
        assert request.signer().startswith("0x")
    except BadJoinRequest as exc:
        assert "is not a valid signature" in exc.message


def test_the_written_file_names_its_format_and_every_signed_field() -> None:
    data = json.loads(REQUEST.signed(KEY).to_json())
    assert data["format"] == FORMAT
    assert set(data) == {"format", "address", "name", "role", "prefixes", "service_url", "chain_id", "contract",
                         "timestamp", "signature"}
