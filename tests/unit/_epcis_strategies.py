"""Hypothesis strategies for EPCIS 2.0: every GS1 identifier form the CBV 2.0 event hash canonicalises
(EPC pure identities, classes and patterns of every scheme, Digital Links on any host) and whole
schema-valid events of every type with every field, for the cross-check against GS1's reference
hash generator (tests/unit/test_epcis_hash.py).

Values stay inside what the CBV 2.0 text and the reference generator agree on; each place where the
reference contradicts the text is left out here and pinned by its own test there.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from biip.checksums import gs1_standard_check_digit
from hypothesis import strategies as st

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
# User extension namespaces; the reference generator recognises a nested extension only when its
# namespace ends with '/' (it looks for '/}'), so both do.
NAMESPACES = {"ex": "https://ns.example.com/epcis/", "acme": "http://acme.example.org/ns/"}
CONTEXT: list[Any] = [EPCIS_CONTEXT, NAMESPACES]


def _digits(n: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=n, max_size=n)


def _check(body: str) -> str:
    return body + str(gs1_standard_check_digit(body))


# One character of an EPC URI component: the GS1 AI character set 82 with " % & / < > ? escaped (TDS table A-1).
_URN_CHARS = st.sampled_from([*"!'()*+,-.:;=_ABCXYZabcxyz0123456789", "%22", "%25", "%26", "%2F", "%3C", "%3E", "%3F"])
# Characters a Digital Link path may carry unescaped and that need no percent-encoding in its canonical form.
_DL_CHARS = st.sampled_from([*"'-.;=_ABCXYZabcxyz0123456789"])
_CPI_CHARS = st.sampled_from([*"0123456789ABZ-", "%23", "%2F"])
_prefixes = st.integers(6, 12).flatmap(_digits)


def _text(chars: st.SearchStrategy[str], low: int, high: int) -> st.SearchStrategy[str]:
    return st.lists(chars, min_size=low, max_size=high).map("".join)


@st.composite
def _split(draw: st.DrawFn, total: int) -> tuple[str, str]:
    """A company prefix and the reference after it, ``total`` digits together."""
    prefix = draw(_prefixes)
    return prefix, draw(_digits(total - len(prefix)))


INSTANCE_SCHEMES = ("sgtin", "sscc", "sgln", "grai", "giai", "gsrn", "gsrnp", "gdti", "cpi", "sgcn", "ginc", "gsin", "itip",
                    "upui", "pgln")
CLASS_SCHEMES = ("lgtin", "idpat:sgtin", "idpat:upui", "idpat:itip", "idpat:grai", "idpat:gdti", "idpat:sgcn", "idpat:cpi")


@st.composite
def epc_uris(draw: st.DrawFn, scheme: str) -> str:
    """A pure identity (``urn:epc:id:…``), class (``urn:epc:class:lgtin:…``) or pattern (``urn:epc:idpat:…``)."""
    def split(total: int) -> tuple[str, str]:
        prefix, rest = draw(_split(total))
        # The reference generator's patterns need an extra '.' when a 12-digit prefix leaves the asset
        # type, document type or coupon reference empty; see test_reference_divergences_in_identifiers.
        while scheme in ("grai", "idpat:grai", "idpat:gdti", "idpat:sgcn") and not rest:
            prefix, rest = draw(_split(total))
        return prefix, rest

    if scheme in ("sgtin", "lgtin"):
        prefix, item = split(13)
        kind = "id" if scheme == "sgtin" else "class"
        return f"urn:epc:{kind}:{scheme}:{prefix}.{item}.{draw(_text(_URN_CHARS, 1, 20))}"
    if scheme in ("sscc", "gsrn", "gsrnp", "gsin", "pgln"):
        prefix, reference = split({"sscc": 17, "gsrn": 17, "gsrnp": 17, "gsin": 16, "pgln": 12}[scheme])
        return f"urn:epc:id:{scheme}:{prefix}.{reference}"
    if scheme == "sgln":
        prefix, location = split(12)
        return f"urn:epc:id:sgln:{prefix}.{location}.{draw(st.just('0') | _text(_URN_CHARS, 1, 20))}"
    if scheme in ("grai", "gdti"):
        prefix, kind = split(12)
        return f"urn:epc:id:{scheme}:{prefix}.{kind}.{draw(_text(_URN_CHARS, 1, 16 if scheme == 'grai' else 17))}"
    if scheme in ("giai", "ginc"):
        prefix = draw(_prefixes)
        return f"urn:epc:id:{scheme}:{prefix}.{draw(_text(_URN_CHARS, 1, 30 - len(prefix)))}"
    if scheme in ("cpi", "idpat:cpi"):
        prefix = draw(_prefixes)
        part = draw(_text(_CPI_CHARS, 1, 30 - len(prefix)))
        serial = "*" if scheme == "idpat:cpi" else draw(st.integers(1, 12).flatmap(_digits))
        return f"urn:epc:{scheme if ':' in scheme else 'id:cpi'}:{prefix}.{part}.{serial}"
    if scheme == "sgcn":
        prefix, coupon = split(12)
        return f"urn:epc:id:sgcn:{prefix}.{coupon}.{draw(st.integers(1, 12).flatmap(_digits))}"
    if scheme in ("itip", "idpat:itip"):
        prefix, item = split(13)
        serial = "*" if scheme == "idpat:itip" else draw(_text(_URN_CHARS, 1, 20))
        return f"urn:epc:{scheme if ':' in scheme else 'id:itip'}:{prefix}.{item}.{draw(_digits(2))}.{draw(_digits(2))}.{serial}"
    if scheme == "upui":
        prefix, item = split(13)
        return f"urn:epc:id:upui:{prefix}.{item}.{draw(_text(_URN_CHARS, 1, 28))}"
    prefix, reference = split(13 if scheme in ("idpat:sgtin", "idpat:upui") else 12)
    return f"urn:epc:{scheme}:{prefix}.{reference}.*"


_SHORT_NAMES = {"01": "gtin", "8006": "itip", "8010": "cpid", "414": "gln", "417": "party", "8017": "gsrnp", "8018": "gsrn",
                "255": "gcn", "00": "sscc", "253": "gdti", "401": "ginc", "402": "gsin", "8003": "grai", "8004": "giai", "22": "cpv",
                "10": "lot", "21": "ser"}
LINK_KEYS = ("00", "01", "253", "255", "401", "402", "414", "417", "8003", "8004", "8006", "8010", "8017", "8018")


@st.composite
def digital_links(draw: st.DrawFn, key: str, classes: bool = False) -> str:
    """A GS1 Digital Link of primary key ``key``, on any host, perhaps with short names, a CPV, a lot beside
    the serial, a GTIN written short and a query; ``classes``: class-level links only (no serial)."""
    qualifiers: list[tuple[str, str]] = []
    if key == "01":
        value = _check(draw(_digits(13)))
        if draw(st.booleans()):  # a GTIN-8, -12 or -13 written without its leading zeros
            length = draw(st.sampled_from([8, 12, 13]))
            value = value[14 - length:] if draw(st.booleans()) else "0" * (14 - length) + value[14 - length:]
        # The reference drops a CPV only when all that follows it fits in 20 characters: short CPVs here
        # (see test_reference_divergences_in_identifiers).
        options = ["", "10", "22", "22+10"] if classes else ["21", "10+21", "235", "22+21"]
        qualifiers = [(q, draw(_text(_DL_CHARS, 1, 4 if q == "22" else 10))) for q in draw(st.sampled_from(options)).split("+") if q]
    elif key == "8006":
        value = _check(draw(_digits(13))) + draw(_digits(4))
        options = ["", "10", "22"] if classes else ["21", "10+21"]
        qualifiers = [(q, draw(_text(_DL_CHARS, 1, 4 if q == "22" else 10))) for q in draw(st.sampled_from(options)).split("+") if q]
    elif key == "00" or key in ("8017", "8018"):
        value = _check(draw(_digits(17)))
    elif key == "253":
        value = _check(draw(_digits(12))) + draw(_text(_DL_CHARS, 0, 17))
    elif key == "255":
        value = _check(draw(_digits(12))) + draw(st.integers(0, 12).flatmap(_digits))
    elif key in ("401", "8004"):
        value = draw(_digits(7)) + draw(_text(_DL_CHARS, 1, 23))
    elif key == "402":
        value = _check(draw(_digits(16)))
    elif key in ("414", "417"):
        value = _check(draw(_digits(12)))
        if key == "414" and draw(st.booleans()):
            qualifiers = [("254", draw(_text(_DL_CHARS, 1, 20)))]
    elif key == "8003":
        value = "0" + _check(draw(_digits(12))) + draw(_text(_DL_CHARS, 0, 16))
    else:  # 8010
        value = draw(_digits(7)) + draw(st.text("0123456789ABZ-", min_size=1, max_size=20))
        if draw(st.booleans()):
            qualifiers = [("8011", draw(st.integers(1, 12).flatmap(_digits)))]
    short = draw(st.booleans())

    def name(ai: str) -> str:
        return _SHORT_NAMES.get(ai, ai) if short else ai

    host = draw(st.sampled_from(["https://id.gs1.org", "http://id.gs1.org", "https://example.com", "https://brand.example.org/shop/en"]))
    query = draw(st.sampled_from(["", "?17=261231", "?linkType=gs1:pip&3103=000189"]))
    return host + f"/{name(key)}/{value}" + "".join(f"/{name(q)}/{v}" for q, v in qualifiers) + query


def instance_ids() -> st.SearchStrategy[str]:
    """Any instance-level identifier: an EPC pure identity of any scheme, or a Digital Link of any key."""
    return st.one_of(st.sampled_from(INSTANCE_SCHEMES).flatmap(epc_uris), st.sampled_from(LINK_KEYS).flatmap(digital_links))


def class_ids() -> st.SearchStrategy[str]:
    """Any class-level identifier: an LGTIN, an EPC pattern, or a class-level Digital Link."""
    return st.one_of(st.sampled_from(CLASS_SCHEMES).flatmap(epc_uris),
                     st.sampled_from(["01", "8006"]).flatmap(lambda key: digital_links(key, classes=True)))


def locations() -> st.SearchStrategy[str]:
    return st.one_of(epc_uris("sgln"), digital_links("414"))


def parties() -> st.SearchStrategy[str]:
    return st.one_of(epc_uris("pgln"), digital_links("417"), epc_uris("sgln"),
                     st.from_regex(r"did:pkh:eip155:[1-9][0-9]{0,5}:0x[0-9a-f]{40}", fullmatch=True))


@st.composite
def times(draw: st.DrawFn) -> str:
    """An xsd:dateTimeStamp with an offset and 0–6 fractional digits. The reference rounds sub-millisecond
    time half to even, so its half-way cases are left out (test_reference_divergences_in_events)."""
    moment = draw(st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31))).replace(tzinfo=UTC)
    zone = timezone(timedelta(minutes=draw(st.integers(-12 * 4, 14 * 4)) * 15))
    digits = draw(st.integers(0, 6))
    local = moment.astimezone(zone)
    text = local.strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        fraction = f"{local.microsecond:06d}"[:digits]
        if len(fraction) > 3 and fraction[3] == "5" and set(fraction[4:]) <= {"0"}:
            fraction = fraction[:3] + "4"
        if fraction.startswith("999") and len(fraction) > 3 and fraction[3] >= "5":
            fraction = "998"  # the reference fails on a round-up into the next second
        text += "." + fraction
    offset = local.strftime("%z")
    return text + ("Z" if offset == "+0000" and draw(st.booleans()) else f"{offset[:3]}:{offset[3:]}")


def offsets() -> st.SearchStrategy[str]:
    return st.sampled_from(["+00:00", "+01:00", "-06:00", "+05:30", "+14:00", "-12:00"])


_WORDS = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.", min_size=1, max_size=12)
# Extension values: words (never a bare CBV or GS1 vocabulary word, which the reference rewrites
# wherever it appears: test_reference_divergences_in_events), numbers within a double's
# precision, URIs and identifiers.
_plain_strings = _WORDS.filter(lambda w: not w.strip().replace(".", "", 1).replace("-", "", 1).isdigit()).map(lambda w: "v" + w)
_number_strings = st.one_of(st.integers(-10**15, 10**15).map(str), st.from_regex(r"-?[0-9]{1,9}\.[0-9]{1,6}", fullmatch=True))
_numbers = st.one_of(st.integers(-10**15, 10**15), st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False).map(lambda f: round(f, 6)))
_scalars = st.one_of(_plain_strings, _number_strings, _numbers, instance_ids(), class_ids(),
                     st.sampled_from(["https://example.org/doc/1", "urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8",
                                      "ex:Thing", "acme:part-7"]))  # CURIEs of the document's own prefixes
_extension_names = st.sampled_from(["ex:a", "ex:b", "ex:color", "ex:myField", "acme:batch", "acme:note", "acme:z"])


def extension_values(depth: int = 2) -> st.SearchStrategy[Any]:
    """A user extension's value: a scalar, a list of them, or nested extension elements."""
    if depth == 0:
        return _scalars
    return st.one_of(_scalars, st.lists(_scalars, min_size=1, max_size=3),
                     st.dictionaries(_extension_names, extension_values(depth - 1), min_size=1, max_size=3))


def extensions(max_size: int = 3) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(_extension_names, extension_values(), max_size=max_size)


def _vocabulary(field: str, words: list[str]) -> st.SearchStrategy[str]:
    """A CBV value as a bare word, its web URI or a user's own URI (the JSON schema refuses old URNs)."""
    web = {"bizStep": "BizStep-", "disposition": "Disp-", "btt": "BTT-", "sdt": "SDT-"}[field]
    word = st.sampled_from(words)
    return st.one_of(word, word.map(lambda w: f"https://ref.gs1.org/cbv/{web}{w}"), st.just(f"https://ns.example.com/epcis/{field}/custom"))


BIZ_STEPS = ["accepting", "arriving", "commissioning", "departing", "holding", "inspecting", "packing", "receiving", "shipping",
             "storing", "unpacking", "retail_selling", "destroying", "decommissioning"]
DISPOSITIONS = ["active", "in_progress", "in_transit", "recalled", "stolen", "destroyed", "retail_sold", "inactive", "damaged", "expired"]
_biz_steps = _vocabulary("bizStep", BIZ_STEPS)
_dispositions = _vocabulary("disposition", DISPOSITIONS)
_quantities = st.one_of(st.integers(0, 10**6), st.floats(0, 1e6, allow_nan=False, allow_infinity=False).map(lambda f: round(f, 4)))
_uoms = st.sampled_from(["KGM", "LTR", "MTR", "EA", "CEL"])
_uris = st.sampled_from(["https://example.org/sensor/model-7", "https://id.gs1.org/8004/4000001111", "urn:epc:id:giai:4000001.111",
                         "https://example.com/gdti/4012345000054987", "urn:epc:id:gdti:4012345.00005.4987",
                         "http://www.opengis.net/def/crs/EPSG/0/4326"])


@st.composite
def quantity_elements(draw: st.DrawFn) -> dict[str, Any]:
    element: dict[str, Any] = {"epcClass": draw(class_ids())}
    if draw(st.booleans()):
        element["quantity"] = draw(_quantities)
        if draw(st.booleans()):
            element["uom"] = draw(_uoms)
    return element


@st.composite
def sensor_metadata(draw: st.DrawFn) -> dict[str, Any]:
    fields = {"time": times(), "startTime": times(), "endTime": times(), "deviceID": st.one_of(instance_ids(), _uris),
              "deviceMetadata": _uris, "rawData": _uris, "dataProcessingMethod": _uris, "bizRules": _uris}
    metadata = {k: draw(v) for k, v in fields.items() if draw(st.booleans())}
    return metadata | draw(extensions(2))


MEASUREMENT_TYPES = ["Temperature", "AbsoluteHumidity", "Dimensionless", "Mass", "Length", "Illuminance", "Speed", "Voltage"]
SENSOR_ALERTS = ["ALARM_CONDITION", "ERROR_CONDITION"]
COMPONENTS = ["x", "y", "z", "latitude", "longitude", "altitude", "easting", "northing"]


@st.composite
def sensor_reports(draw: st.DrawFn) -> dict[str, Any]:
    fields: dict[str, st.SearchStrategy[Any]] = {
        # The schema takes a GS1 measurement type as a bare word only, or another vocabulary's URI.
        "type": st.one_of(st.sampled_from(MEASUREMENT_TYPES), st.just("https://ns.example.com/epcis/measure/Radiation")),
        "exception": st.sampled_from(SENSOR_ALERTS), "deviceID": st.one_of(instance_ids(), _uris), "deviceMetadata": _uris,
        "rawData": _uris, "dataProcessingMethod": _uris, "time": times(),
        "microorganism": st.sampled_from(["https://www.ncbi.nlm.nih.gov/taxonomy/1496"]),
        "chemicalSubstance": st.sampled_from(["https://identifiers.org/inchikey:CZMRCDWAGMRECN-UGDNZRGBSA-N"]),
        # booleanValue is left out: test_reference_divergences_in_events.
        "value": _numbers, "component": st.sampled_from(COMPONENTS), "stringValue": _plain_strings,
        # Not digits-E-digits, which the reference reads as a number (test_reference_divergences_in_events).
        "hexBinaryValue": st.from_regex(r"(?:[0-9A-F]{2}){1,8}", fullmatch=True).filter(lambda h: not re.fullmatch(r"\d+E\d+", h)),
        "uriValue": st.one_of(instance_ids(), _uris), "minValue": _numbers, "maxValue": _numbers, "meanValue": _numbers,
        "sDev": _numbers, "percRank": _numbers, "percValue": _numbers, "uom": _uoms, "coordinateReferenceSystem": _uris}
    report = {k: draw(v) for k, v in fields.items() if k == "type" or draw(st.integers(0, 3)) == 0}
    return report | draw(extensions(2))


@st.composite
def sensor_elements(draw: st.DrawFn) -> dict[str, Any]:
    element: dict[str, Any] = {"sensorReport": draw(st.lists(sensor_reports(), min_size=1, max_size=3))}
    if draw(st.booleans()):
        element["sensorMetadata"] = draw(sensor_metadata())
    return element | draw(extensions(2))


def _places() -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(lambda id_, ext: {"id": id_, **ext}, locations(), extensions(2))


_EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    "ObjectEvent": ("epcList", "quantityList", "ilmd"),
    "AggregationEvent": ("parentID", "childEPCs", "childQuantityList"),
    "TransactionEvent": ("parentID", "epcList", "quantityList"),
    "TransformationEvent": ("inputEPCList", "inputQuantityList", "outputEPCList", "outputQuantityList", "transformationID", "ilmd"),
    "AssociationEvent": ("parentID", "childEPCs", "childQuantityList"),
}


@st.composite
def events(draw: st.DrawFn, kind: str | None = None) -> dict[str, Any]:
    """A schema-valid EPCIS 2.0 event of any type, each optional field present or not."""
    kind = kind or draw(st.sampled_from(sorted(_EVENT_FIELDS)))

    def maybe() -> bool:
        return draw(st.booleans())

    event: dict[str, Any] = {"type": kind, "eventTime": draw(times()), "eventTimeZoneOffset": draw(offsets())}
    if maybe():
        event["eventID"] = "ni:///sha-256;" + "ab" * 32 + "?ver=CBV2.0"
    if maybe():
        event["recordTime"] = draw(times())
    if maybe():
        event["certificationInfo"] = draw(st.one_of(_uris, st.lists(_uris, min_size=1, max_size=2, unique=True)))
    for name in _EVENT_FIELDS[kind]:
        if name == "parentID" and (kind == "AssociationEvent" or maybe()):
            event[name] = draw(instance_ids())
        elif name.endswith(("EPCList", "EPCs")) or name == "epcList":
            if maybe():
                event[name] = draw(st.lists(instance_ids(), min_size=name != "epcList", max_size=3, unique=True))
        elif name.endswith("QuantityList") or name == "quantityList":
            if maybe():
                event[name] = draw(st.lists(quantity_elements(), min_size=1, max_size=3))
        elif name == "transformationID" and maybe():
            event[name] = draw(st.one_of(_uris, st.just("urn:epc:id:gdti:0614141.12345.400")))
        elif name == "ilmd" and maybe():
            event[name] = draw(extensions(3).filter(bool))
    # What the schema requires of each type: some EPCs or quantities (on both sides of a transformation).
    for side in (("inputEPCList", "inputQuantityList"), ("outputEPCList", "outputQuantityList")) if kind == "TransformationEvent" \
            else ([n for n in _EVENT_FIELDS[kind] if n.endswith(("List", "EPCs")) and n != "ilmd"],):
        if not any(n in event for n in side):
            event[side[0]] = draw(st.lists(instance_ids(), min_size=1, max_size=3, unique=True))
    if kind != "TransformationEvent":
        event["action"] = draw(st.sampled_from(["ADD", "OBSERVE", "DELETE"]))
    if maybe():
        event["bizStep"] = draw(_biz_steps)
    if maybe():
        event["disposition"] = draw(_dispositions)
    if kind in ("ObjectEvent", "TransformationEvent") and maybe():
        which = draw(st.sampled_from([("set",), ("unset",), ("set", "unset")]))
        event["persistentDisposition"] = {k: draw(st.lists(_dispositions, min_size=1, max_size=2, unique=True)) for k in which}
    if maybe():
        event["readPoint"] = draw(_places())
    if maybe():
        event["bizLocation"] = draw(_places())
    if kind == "TransactionEvent" or maybe():
        # Always typed: the reference generator fails on an untyped one (test_reference_divergences_in_events).
        event["bizTransactionList"] = draw(st.lists(st.builds(
            lambda t, b: {"type": t, "bizTransaction": b}, _vocabulary("btt", ["po", "inv", "desadv", "bol", "recadv"]),
            st.one_of(epc_uris("gdti"), digital_links("253"), st.just("urn:epcglobal:cbv:bt:4012345000009:ASN1099"),
                      st.just("http://transaction.acme.com/po/12345678"))), min_size=1, max_size=2))
    for name, role in (("sourceList", "source"), ("destinationList", "destination")):
        if maybe():
            event[name] = draw(st.lists(st.builds(lambda t, p, role=role: {"type": t, role: p},
                                                  _vocabulary("sdt", ["owning_party", "possessing_party", "location"]), parties()),
                                        min_size=1, max_size=2))
    if maybe():
        event["sensorElementList"] = draw(st.lists(sensor_elements(), min_size=1, max_size=2))
    if kind == "ObjectEvent" and event["action"] != "ADD":
        event.pop("ilmd", None)  # the schema allows ILMD only where objects come into being
    return event | draw(extensions())


def documents(*event_list: dict[str, Any]) -> dict[str, Any]:
    return {"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2024-01-01T00:00:00Z",
            "epcisBody": {"eventList": list(event_list)}}
