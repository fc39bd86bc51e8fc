"""The JSON API's request bodies as pydantic models, and the reading of requests and writing of answers, free of Flask.

The models are the one statement of what a request may hold: the Flask views and the lean
verify endpoint (:mod:`web.verify_endpoint`) read bodies through :func:`read_body`, and the
OpenAPI document (:mod:`web.openapi`) is generated from the same models, so the document
and the server cannot disagree. A model's error becomes an :class:`InvalidInput` that names
the field, what was wrong and what would be right (:func:`_invalid`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from annotated_types import Ge, Le
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError
from pydantic_core import ErrorDetails

from ledger.errors import SHOWN_CHARACTERS, InvalidInput
from ledger.geo import Location, site_location
from ledger.proofs.inspections import InspectionOutcome

__all__ = ["BODIES", "MAX_JSON_BRACKETS", "Coordinates", "InspectionBody", "ReceiptBody", "ShipmentBody", "Site",
           "StolenBody", "VerifyBody", "bearer_token", "check_body", "dump_json", "is_json_type", "json_object", "location_of",
           "read_body"]


# Bodies with more brackets than this are refused before parsing. A library the chain code
# imports (py_ecc) raises Python's recursion limit to 100,000, and json.loads then recurses on
# "[[[[…" deep enough to overflow a thread's C stack and kill the server process (seen at ~80,000
# levels; 60,000 passed). Nesting can be no deeper than the brackets are many, and an API body
# needs a handful, so counting them (at C speed) is enough.
MAX_JSON_BRACKETS = 10_000
MAX_CODES = 10_000
_EXPECTED_LOCATION = '{"lat": 51.95, "lon": 4.14} (JSON numbers) or {"site": "Port of Rotterdam"}'
_CODE_FORMS = "a Digital Link URI or path, element string, EPC URN or tag URI, or SGTIN hex"


class _Body(BaseModel):
    # Strict: JSON types as the document states them (no "12" for 12, no 12 for "12"). Unknown
    # top-level fields are ignored, as the document allows, so clients may send more.
    model_config = ConfigDict(strict=True, frozen=True)


Code = Annotated[str, Field(min_length=1, max_length=4096, description=_CODE_FORMS, examples=[
    "https://verify.example/01/09521234543213/21/12345?sig=…", "(01)09521234543213(21)12345",
    "urn:epc:tag:sgtin-96:3.0614141.812345.6789"])]
Place = Annotated[str | None, Field(max_length=200, description="a custody event's place (a name or GLN); null, "
                                                               "like leaving it out, means none")]


class Coordinates(_Body):
    """A place by its coordinates, as JSON numbers in decimal degrees."""

    model_config = ConfigDict(extra="forbid")
    lat: Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
    lon: Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]


class Site(_Body):
    """A place by the name of one of the server's inspection sites (the document lists them)."""

    model_config = ConfigDict(extra="forbid")
    site: Annotated[str, Field(min_length=1, max_length=80)]


def _location_form(value: object) -> str:
    return "site" if isinstance(value, dict) and "site" in value else "coordinates"


JsonLocation = Annotated[Annotated[Coordinates, Tag("coordinates")] | Annotated[Site, Tag("site")],
                         Discriminator(_location_form)]


class VerifyBody(_Body):
    """Verify a code; the location, if given, is recorded with the scan."""

    code: Code
    location: JsonLocation | None = None


class InspectionBody(_Body):
    """Record an inspection of one item."""

    code: Code
    outcome: Annotated[InspectionOutcome, Field(strict=False)]
    location: JsonLocation


class StolenBody(_Body):
    """Report one item stolen."""

    code: Code
    location: JsonLocation | None = None


class ShipmentBody(_Body):
    """Ship items to another party."""

    to: Annotated[str, Field(min_length=1, description="the receiving party's name")]
    codes: Annotated[list[Code], Field(min_length=1, max_length=MAX_CODES)]
    location: Place = None


class ReceiptBody(_Body):
    """Accept a shipment addressed to the sender."""

    location: Place = None


BODIES: tuple[type[_Body], ...] = (VerifyBody, InspectionBody, StolenBody, ShipmentBody, ReceiptBody)
_Model = TypeVar("_Model", bound=_Body)


def is_json_type(content_type: str) -> bool:
    """Whether a Content-Type names JSON, as Werkzeug's ``Request.is_json`` decides it."""
    mimetype = content_type.split(";", 1)[0].strip(" \t").lower()
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def json_object(raw: bytes, is_json: bool) -> dict[str, Any]:
    """The request body as a JSON object; InvalidInput if it is not JSON, or not an object, or bracket-laden."""
    if is_json and raw.count(b"[") + raw.count(b"{") > MAX_JSON_BRACKETS:
        raise InvalidInput("request body", raw[:SHOWN_CHARACTERS].decode(errors="replace"),
                           f"has more than {MAX_JSON_BRACKETS:,} '[' and '{{' characters",
                           'a JSON object such as {"code": "…"}: an API request needs a handful')
    data: object = None
    if is_json:
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):  # ValueError includes UnicodeDecodeError
            data = None
    if not isinstance(data, dict):
        raise InvalidInput("request body", raw[:SHOWN_CHARACTERS].decode(errors="replace"), "is not a JSON object",
                           'a JSON object such as {"code": "…"} with Content-Type: application/json')
    return data


def read_body(model: type[_Model], raw: bytes, is_json: bool) -> _Model:
    """The request body checked against ``model``; InvalidInput if it is not a JSON object, or breaks the model."""
    return check_body(model, json_object(raw, is_json))


def check_body(model: type[_Model], data: Mapping[str, Any]) -> _Model:
    """``data`` checked against ``model``; InvalidInput naming the first field that breaks it."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise _invalid(error.errors(include_url=False)[0], data) from None


def location_of(body: VerifyBody | InspectionBody | StolenBody, sites: Mapping[str, Location]) -> Location | None:
    """The body's location as the ledger keeps it: coordinates, or the named site's (InvalidInput if unknown)."""
    match body.location:
        case Coordinates(lat=lat, lon=lon):
            return Location(lat, lon)
        case Site(site=name):
            return site_location(name, sites)
    return None


def _invalid(error: ErrorDetails, data: Mapping[str, Any]) -> InvalidInput:
    """The InvalidInput that says, in the API's words, what ``error`` found wrong."""
    loc, kind, value = error["loc"], error["type"], error["input"]
    field = str(loc[0]) if loc else "request body"
    if kind == "string_unicode":  # JSON's "\ud800" escapes: a lone surrogate half, which no text may hold
        return InvalidInput(field, value, "holds a lone surrogate (an escape such as \\ud800 that is half a character)",
                            "text of whole Unicode characters")
    if field == "location":
        return _invalid_location(loc[2:] if len(loc) > 2 else (), kind, value, data.get("location"))
    if field == "codes":
        return InvalidInput("codes", data.get("codes") if not isinstance(data.get("codes"), list) else
                            f"{len(data['codes'])} entries", f"is not a list of 1 to {MAX_CODES:,} code strings",
                            '["/01/…/21/…", …]')
    if field == "outcome":
        return InvalidInput("outcome", value, "is not an outcome", " | ".join(o.value for o in InspectionOutcome))
    if kind == "string_too_long":
        return InvalidInput(field, value, f"is longer than {error.get('ctx', {}).get('max_length')} characters",
                            "a shorter text")
    expected = _CODE_FORMS if field == "code" else f"a string in the field {field!r}"
    return InvalidInput(field, data.get(field), "is missing or not a non-empty string", expected)


def _invalid_location(inner: tuple[int | str, ...], kind: str, value: object, location: object) -> InvalidInput:
    if location is None:
        return InvalidInput("location", None, "is missing", _EXPECTED_LOCATION)
    if not isinstance(location, dict):
        return InvalidInput("location", location, "is not an object", _EXPECTED_LOCATION)
    if kind in ("missing", "extra_forbidden") or not inner:
        return InvalidInput("location", sorted(map(str, location)), "does not have exactly the fields lat and lon, "
                            "or site", _EXPECTED_LOCATION)
    name = str(inner[0])
    if name == "site":
        problem = "is empty" if value == "" else "is not a short site name"
        return InvalidInput("site", value, problem, "the name of a known inspection site, or lat and lon instead")
    if isinstance(value, str):
        return InvalidInput(name, value, "is a string, not a number", _EXPECTED_LOCATION)
    low, high = _bounds(name)
    return InvalidInput("latitude" if name == "lat" else "longitude", value,
                        f"is not a number between {low:g} and {high:g}", _EXPECTED_LOCATION)


def _bounds(name: str) -> tuple[float, float]:
    """The range the Coordinates model allows ``name``, as its Field states it (one statement of the bounds)."""
    metadata = Coordinates.model_fields[name].metadata
    low = next(float(m.ge) for m in metadata if isinstance(m, Ge))  # type: ignore[arg-type]
    high = next(float(m.le) for m in metadata if isinstance(m, Le))  # type: ignore[arg-type]
    return low, high


def bearer_token(authorization: str) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def dump_json(data: object) -> bytes:
    """``data`` serialised as Flask's ``jsonify`` does here (compact, keys in order, trailing newline)."""
    return (json.dumps(data, separators=(",", ":"), ensure_ascii=True, sort_keys=False) + "\n").encode()
