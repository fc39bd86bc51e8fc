"""CBV 2.0 event hashes against GS1's reference pre-hash strings and hash IDs, and the
EPCIS 2.0 schema against GS1's examples (tests/data/epcis, copied with their licences)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.codes.epc import Sgtin
from ledger.codes.identifiers import ItemKey
from ledger.epcis._uris import canonical_uri, cbv_uri, cbv_word
from ledger.epcis.hashing import _time, event_hash_id, prehash
from ledger.epcis.schema import epcis_schema, parse_document, validate_document
from ledger.errors import InvalidEpcis, InvalidInput

DATA = Path(__file__).resolve().parent.parent / "data" / "epcis"
REFERENCES = sorted((DATA / "event-hash").glob("*.jsonld"))


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("document", REFERENCES, ids=lambda p: p.stem)
def test_every_reference_event_gives_the_reference_prehash_and_hash(document: Path) -> None:
    doc = json.loads(document.read_text())
    events = doc["epcisBody"]["eventList"]
    assert [prehash(e, doc["@context"]) for e in events] == _lines(document.with_suffix(".prehashes"))
    assert [event_hash_id(e, doc["@context"]) for e in events] == _lines(document.with_suffix(".hashes"))
    validate_document(doc)


def test_all_reference_files_are_covered_and_licensed() -> None:
    assert len(REFERENCES) == 5
    assert (DATA / "event-hash" / "LICENSE-epcis-event-hash-generator").read_text().startswith("MIT License")
    assert (DATA / "schema" / "LICENSE-gs1-EPCIS").exists() and (DATA / "examples" / "LICENSE-gs1-EPCIS").exists()
    # The package ships the same schema the tests use.
    assert epcis_schema() == json.loads((DATA / "schema" / "EPCIS-JSON-Schema.json").read_text())


@pytest.mark.parametrize("example", sorted((DATA / "examples").glob("*.json")), ids=lambda p: p.stem)
def test_gs1_examples_are_schema_valid(example: Path) -> None:
    validate_document(json.loads(example.read_text()))


@pytest.mark.parametrize(("text", "message"), [
    (b"{not json", "is not JSON"),
    (b"[]", "is not a JSON object"),
    (b'{"type": "ObjectEvent"}', "is not an EPCISDocument"),
    (b'{"type": "EPCISDocument"}', "does not conform to the EPCIS 2.0 JSON schema: at (document): '@context' is a required"),
    (json.dumps({"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"], "type": "EPCISDocument",
                 "schemaVersion": "2.0", "creationDate": "2024-01-01T00:00:00Z", "epcisBody": {"eventList": [
                     {"type": "ObjectEvent", "eventTime": "yesterday", "eventTimeZoneOffset": "+00:00", "action": "OBSERVE",
                      "epcList": []}]}}).encode(), "at epcisBody/eventList/0/eventTime: 'yesterday' is not a 'date-time'"),
    (json.dumps({"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"], "type": "EPCISDocument",
                 "schemaVersion": "2.0", "creationDate": "2024-01-01T00:00:00Z", "epcisBody": {"eventList": [
                     {"type": "ObjectEvent", "eventTime": "2024-01-01T00:00:00Z", "eventTimeZoneOffset": "+00:00",
                      "action": "MOVE", "epcList": []}]}}).encode(), "'MOVE' is not one of"),
])
def test_bad_documents_are_refused_precisely(text: bytes, message: str) -> None:
    with pytest.raises(InvalidEpcis, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_document(text)


@pytest.mark.parametrize(("given_", "expected"), [
    ("2020-03-04T11:00:30+01:00", "2020-03-04T10:00:30.000Z"),
    ("2023-02-02T11:04:03.1415Z", "2023-02-02T11:04:03.142Z"),
    ("2023-02-02T11:04:03.1414Z", "2023-02-02T11:04:03.141Z"),
    ("2023-12-31T23:59:59.9996Z", "2024-01-01T00:00:00.000Z"),
    ("2022-02-16T20:33:31.116000-06:00", "2022-02-17T02:33:31.116Z"),
])
def test_time_normalisation(given_: str, expected: str) -> None:
    assert _time(given_) == expected


def test_a_time_without_offset_is_refused() -> None:
    with pytest.raises(InvalidInput, match="is not an ISO 8601 date-time with an offset"):
        _time("2020-03-04T11:00:30")


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2999, 1, 1)),
       st.integers(-14 * 60, 14 * 60))
def test_times_normalise_to_the_same_instant(moment: datetime, offset_minutes: int) -> None:
    zone = timedelta(minutes=offset_minutes)
    local = moment.replace(microsecond=moment.microsecond // 1000 * 1000, tzinfo=UTC).astimezone(timezone(zone))
    text = local.isoformat(timespec="milliseconds")
    assert datetime.fromisoformat(_time(text)) == local


gtins = st.from_regex(r"[0-9]{13}", fullmatch=True).map(lambda body: body + str(
    (10 - sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body))) % 10) % 10))
serials = st.from_regex(r"[0-9A-Za-z]{1,20}", fullmatch=True)


@given(gtins, serials, st.integers(6, 12))
def test_sgtin_urns_become_the_items_digital_link(gtin: str, serial: str, prefix_length: int) -> None:
    key = ItemKey(gtin, serial)
    assert canonical_uri(Sgtin.from_key(key, prefix_length).urn) == "https://id.gs1.org" + key.canonical
    # Any host, any path prefix, no query: the canonical Digital Link is the item key on id.gs1.org.
    assert canonical_uri(f"https://example.com/products/01/{gtin}/21/{serial}?17=261231") == "https://id.gs1.org" + key.canonical


@pytest.mark.parametrize(("field", "word"), [("bizStep", "shipping"), ("disposition", "in_transit"),
                                             ("sourceDestType", "possessing_party")])
def test_cbv_words_and_uris_round_trip(field: str, word: str) -> None:
    assert cbv_word(field, cbv_uri(field, word)) == word == cbv_word(field, word)
