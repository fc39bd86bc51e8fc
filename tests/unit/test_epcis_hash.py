"""CBV 2.0 event hashes against GS1's reference generator (PyPI ``epcis-event-hash-generator``): its
published pre-hash strings and hash IDs, and the generator itself on generated identifiers of every
scheme and events of every type with every field; the EPCIS 2.0 schema against GS1's examples
(tests/data/epcis, copied with their licences).

Where the reference contradicts the CBV 2.0 text, the ledger follows the text; each such place is
pinned by one row of test_reference_divergences (what the reference does, what the text says) and
kept out of the generated inputs, so everything else is still compared.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from epcis_event_hash_generator.dl_normaliser import normaliser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.codes.epc import Sgtin
from ledger.codes.identifiers import ItemKey
from ledger.epcis._uris import canonical_uri, cbv_uri, cbv_word
from ledger.epcis.hashing import _time, event_hash_id, prehash
from ledger.epcis.schema import epcis_schema, parse_document, validate_document
from ledger.errors import InvalidEpcis, InvalidInput

from .._epcis_reference import in_reference_order, in_standard_order, reference_prehashes
from ._epcis_strategies import CONTEXT, class_ids, documents, events, instance_ids

# The reference generator loads its bundled JSON-LD context with a deprecated importlib call.
pytestmark = pytest.mark.filterwarnings("ignore:open_text is deprecated:DeprecationWarning")

DATA = Path(__file__).resolve().parent.parent / "data" / "epcis"
REFERENCES = sorted((DATA / "event-hash").glob("*.jsonld"))

def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("document", REFERENCES, ids=lambda p: p.stem)
def test_every_reference_event_gives_the_reference_prehash_and_hash(document: Path) -> None:
    doc = json.loads(document.read_text())
    events = doc["epcisBody"]["eventList"]
    published = _lines(document.with_suffix(".prehashes"))
    assert [in_reference_order(e, doc["@context"]) for e in events] == published
    assert [prehash(e, doc["@context"]) for e in events] == [in_standard_order(e, doc["@context"]) for e in events]
    if document.stem == "ReferenceEventHashAlgorithm3":  # sourceList and destinationList: divergence 1
        assert prehash(events[0], doc["@context"]) != published[0]
        assert event_hash_id(events[0], doc["@context"]) == (
            "ni:///sha-256;e9273954ba78387caf181fe74038871990dbc97568d068123d0a8774b843e383?ver=CBV2.0")
    else:
        assert [prehash(e, doc["@context"]) for e in events] == published
        assert [event_hash_id(e, doc["@context"]) for e in events] == _lines(document.with_suffix(".hashes"))
    assert reference_prehashes(doc) == published  # the generator installed is the one that published them
    validate_document(doc)


@pytest.mark.parametrize(("uri", "link"), [
    ("urn:epc:class:lgtin:4012345.012345.Lot987", "https://id.gs1.org/01/04012345123456/10/Lot987"),
    ("urn:epc:idpat:sgtin:4012345.012345.*", "https://id.gs1.org/01/04012345123456"),
    ("urn:epc:idpat:itip:4012345.012345.01.02.*", "https://id.gs1.org/8006/040123451234560102"),
    ("urn:epc:idpat:upui:4012345.012345.*", "https://id.gs1.org/01/04012345123456"),
    ("urn:epc:idpat:grai:4012345.99999.*", "https://id.gs1.org/8003/04012345999990"),
    ("urn:epc:idpat:gdti:4012345.11111.*", "https://id.gs1.org/253/4012345111118"),
    ("urn:epc:idpat:sgcn:4012345.22222.*", "https://id.gs1.org/255/4012345222227"),
    ("urn:epc:idpat:cpi:4012345.AB12.*", "https://id.gs1.org/8010/4012345AB12"),
    ("urn:epc:id:cpi:0614141.11111111111111-A%23%2F.1234", "https://id.gs1.org/8010/061414111111111111111-A%23%2F/8011/1234"),
    ("urn:epc:id:ginc:0614141.xyz47%2F11", "https://id.gs1.org/401/0614141xyz47%2F11"),
    ("urn:epc:id:gsin:4012345.222333444", "https://id.gs1.org/402/40123452223334442"),
    ("urn:epc:id:gsrn:4012345.0000006765", "https://id.gs1.org/8018/401234500000067657"),
    ("urn:epc:id:gsrnp:4012345.0000000007", "https://id.gs1.org/8017/401234500000000074"),
    ("urn:epc:id:itip:4012345.011111.01.02.987", "https://id.gs1.org/8006/040123451111180102/21/987"),
    ("urn:epc:id:sgcn:4012345.67890.04711", "https://id.gs1.org/255/401234567890104711"),
    ("urn:epc:id:upui:1234567.098765.51qIgY)%3C%26Jp3*j7SDB", "https://id.gs1.org/01/01234567987651/235/51qIgY%29%3C%26Jp3%2Aj7SDB"),
    ("https://example.com/gtin/9780345418913/cpv/344/lot/1223/ser/765tz?17=261231", "https://id.gs1.org/01/09780345418913/21/765tz"),
    ("http://example.de/gtin-8/01/97803111", "https://id.gs1.org/01/00000097803111"),
    ("https://id.gs1.org/8006/040123451234560102/22/ABCD/10/XYZ", "https://id.gs1.org/8006/040123451234560102/10/XYZ"),
])
def test_each_identifier_form_of_the_algorithm_is_hashed_as_its_canonical_link(uri: str, link: str) -> None:
    assert canonical_uri(uri) == link
    event = {"type": "ObjectEvent", "eventTime": "2024-01-01T00:00:00Z", "eventTimeZoneOffset": "+00:00", "action": "OBSERVE",
             "quantityList": [{"epcClass": uri, "quantity": 1}]}
    assert f"quantityListquantityElementepcClass={link}quantity=1action=OBSERVE" in prehash(event)


@pytest.mark.parametrize("text", ["urn:epc:id:sgtin:4012345.011111", "urn:epc:id:sscc:4012345.123", "urn:epc:idpat:sgtin:4012345.*.*",
                                  "urn:epc:idpat:sscc:4012345.*", "urn:epc:id:unknown:1.2", "http://[abc]/01/09521234543213",
                                  "https://example.com/01/09521234543213/21/1/10/L1", "https://example.com/01/0952/21/1",
                                  "https://example.com/99/09521234543213", "ftp://example.com/01/09521234543213"])
def test_what_is_not_an_identifier_of_the_algorithm_is_hashed_as_written(text: str) -> None:
    assert canonical_uri(text) is None
    assert prehash({"type": "ObjectEvent", "eventTime": "2024-01-01T00:00:00Z", "eventTimeZoneOffset": "+00:00",
                    "action": "OBSERVE", "epcList": [text]}).endswith(f"epcListepc={text}action=OBSERVE")

@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(instance_ids(), class_ids()))
def test_identifiers_of_every_scheme_canonicalise_as_the_reference_does(identifier: str) -> None:
    canonical = canonical_uri(identifier)
    assert canonical is not None and canonical.startswith("https://id.gs1.org/")
    assert canonical == normaliser(identifier)
    assert canonical_uri(canonical) == canonical


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(events())
def test_generated_events_of_every_type_hash_as_the_reference_does(event: dict[str, Any]) -> None:
    document = documents(event)
    validate_document(document)
    assert reference_prehashes(document) == [in_reference_order(event, CONTEXT)]
    assert prehash(event, CONTEXT) == in_standard_order(event, CONTEXT)
    assert event_hash_id(event, CONTEXT) == (
        f"ni:///sha-256;{hashlib.sha256(prehash(event, CONTEXT).encode()).hexdigest()}?ver=CBV2.0")


@pytest.mark.parametrize(("identifier", "ours", "why"), [
    ("urn:epc:id:grai:952123400001..A1", "https://id.gs1.org/8003/09521234000013A1",
     "a 12-digit company prefix leaves the asset type empty (TDS: two dots); the reference's pattern wants three"),
    ("urn:epc:idpat:grai:952123400001..*", "https://id.gs1.org/8003/09521234000013", "as above, for the pattern"),
    ("urn:epc:idpat:gdti:952123400001..*", "https://id.gs1.org/253/9521234000013", "as above, an empty document type"),
    ("urn:epc:idpat:sgcn:952123400001..*", "https://id.gs1.org/255/9521234000013", "as above, an empty coupon reference"),
    ("https://example.com/01/09521234543213/22/ABCDEFGHIJ/21/KLMNOPQRST", "https://id.gs1.org/01/09521234543213/21/KLMNOPQRST",
     ("CBV: only the finest level of identification, so no CPV; the reference drops a CPV only when what follows it fits in "
     "20 characters, and otherwise keeps the partner's domain")),
    ("https://example.com/01/09521234543213/21/A%2FB", "https://id.gs1.org/01/09521234543213/21/A%2FB",
     "CBV: a custom domain SHALL be replaced by id.gs1.org; the reference gives up on any escaped character"),
    ("https://example.com/01/09521234543213/21/A!B", "https://id.gs1.org/01/09521234543213/21/A%21B",
     "as above; '!' is escaped as in the link the reference makes of urn:epc:id:sgtin:9521234.054321.A!B"),
])
def test_reference_divergences_in_identifiers(identifier: str, ours: str, why: str) -> None:
    assert normaliser(identifier) is None, why
    assert canonical_uri(identifier) == ours


_NO_SLASH = "https://ns.example.com/other"  # a namespace without a trailing '/'
_BASE = {"type": "ObjectEvent", "eventTime": "2024-01-01T00:00:00Z", "eventTimeZoneOffset": "+00:00", "action": "OBSERVE",
         "epcList": ["urn:epc:id:sgtin:9521234.054321.1"]}
_REPORT = {"type": "Temperature", "value": 4}


@pytest.mark.parametrize(("fields", "reference", "ours", "why"), [
    ({"bizTransactionList": [{"bizTransaction": "urn:epc:id:gdti:9521234.00001.7"}]}, None,
     "bizTransactionListbizTransaction=https://id.gs1.org/253/95212340000137",
     "the type of a business transaction is optional (schema, CBV); the reference fails on an event without one"),
    ({"eventTime": "2024-01-01T00:00:00.0025Z"}, "eventTime=2024-01-01T00:00:00.002Z", "eventTime=2024-01-01T00:00:00.003Z",
     "CBV: the 3rd decimal SHALL be rounded up when the 4th is 5-9; the reference rounds half to even"),
    ({"eventTime": "2024-01-01T00:00:00.9995Z"}, None, "eventTime=2024-01-01T00:00:01.000Z",
     "as above, into the next second, where the reference fails"),
    ({"bizStep": "packing", "ex:kind": "packing"}, "{https://ns.example.com/epcis/}kind=https://ref.gs1.org/cbv/BizStep-packing",
     "{https://ns.example.com/epcis/}kind=packing",
     ("CBV: standard vocabulary elements in bare string notation are expanded; the reference expands any string in the "
     "document that equals the end of a vocabulary URI used in it")),
    ({"ex:code": "590E12"}, "{https://ns.example.com/epcis/}code=590000000000000", "{https://ns.example.com/epcis/}code=590E12",
     "CBV: quantitative values lose trailing zeros; the reference reads any text Python's float() accepts as a number"),
    ({"ex:n": "12345678901234567890"}, "{https://ns.example.com/epcis/}n=12345678901234567168",
     "{https://ns.example.com/epcis/}n=12345678901234567890", "as above, and rounds integers to a double's precision"),
    ({"sensorElementList": [{"sensorReport": [{**_REPORT, "booleanValue": True}]}]}, "booleanValue=True", "booleanValue=true",
     "CBV: the same event in XML and JSON gives the same hash; the reference writes JSON's true as Python's True, XML's as true"),
    ({"ex:unit": "gs1:Temperature"}, "{https://ns.example.com/epcis/}unit=gs1:Temperature",
     "{https://ns.example.com/epcis/}unit=https://gs1.org/voc/Temperature",
     "CBV: any CURIE SHALL be expanded, gs1: and cbv: included; the reference knows only prefixes declared in the document"),
    ({"sensorElementList": [{"sensorReport": [{**_REPORT, "bizRules": "https://example.org/rules"}]}]},
     "sensorElementListsensorElementsensorReportbizRules=https://example.org/rules",
     "sensorReporttype=https://gs1.org/voc/Temperaturevalue=4bizRules=https://example.org/rules",
     ("CBV: a list's name appears once; the schema allows bizRules in a sensor report, the canonical order does not list it, "
     "and the reference then writes sensorElementList a second time at the end")),
    ({"readPoint": {"id": "urn:epc:id:sgln:9521234.00001.0", "other:dock": "4"}}, "readPoint{https://ns.example.com/other}dock=4",
     "readPointid=https://id.gs1.org/414/9521234000013{https://ns.example.com/other}dock=4",
     ("CBV: extensions of readPoint come at the end of its own fields; the reference keeps them there only when their "
     "namespace ends with '/'")),
    ({"ex:sealTime": "2024-01-01T01:00:00+01:00"}, "{https://ns.example.com/epcis/}sealTime=2024-01-01T01:00:00+01:00",
     "{https://ns.example.com/epcis/}sealTime=2024-01-01T00:00:00.000Z",
     "CBV: all timestamps in UTC at millisecond precision; the reference normalises only the standard fields' times"),
])
def test_reference_divergences_in_events(fields: dict[str, Any], reference: str | None, ours: str, why: str) -> None:
    """Each place where the ledger follows the CBV 2.0 text and GS1's reference generator does not."""
    context = [*CONTEXT, {"other": _NO_SLASH}]
    event = {**_BASE, **fields}
    document = {**documents(event), "@context": context}
    validate_document(document)
    try:
        found = reference_prehashes(document)
    except IndexError:  # how it fails on an untyped business transaction
        found = []
    if reference is None:
        assert found == [], why  # it fails, or logs the error and leaves the event out
    else:
        assert reference in found[0] and ours not in found[0], why
    assert ours in prehash(event, context) and (reference is None or reference not in prehash(event, context))


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
    (b'{"type": "ObjectEvent", "action": "OBSERVE"}', ('is a bare event, not an EPCISDocument: send the ObjectEvent inside one: '
     '{"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"], "type": "EPCISDocument", '
     '"schemaVersion": "2.0", "creationDate": "2026-01-01T00:00:00Z", "epcisBody": {"eventList": [<the events>]}}; nothing was')),
    (b'{"type": "AssociationEvent"}', "is a bare event, not an EPCISDocument: send the AssociationEvent inside one"),
    (b'{"type": "Event"}', "is not an EPCISDocument: its type is 'Event'; expected {\"@context\""),
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
    with pytest.raises(InvalidEpcis) as refused:
        parse_document(text)
    assert message in refused.value.message


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
