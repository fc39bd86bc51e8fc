"""The OpenAPI 3.1 document of API v1 (served at /api/v1/openapi.json; schemathesis tests the app against it)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ledger.index.models import Condition, LifeCycle
from ledger.verify.verdicts import Directive, Verdict

__all__ = ["document"]

_ERROR = {"$ref": "#/components/responses/Error"}
# A custody event's place (a name or GLN); null, like leaving it out, means none.
_PLACE = {"type": ["string", "null"], "maxLength": 200}
_CODE = {"type": "string", "minLength": 1, "maxLength": 4096,
         "description": "Digital Link URI or path, element string, EPC URN or tag URI, or SGTIN hex",
         "examples": ["https://verify.example/01/09521234543213/21/12345?sig=…", "(01)09521234543213(21)12345",
                      "urn:epc:tag:sgtin-96:3.0614141.812345.6789"]}
_ACTION = {"type": "object", "required": ["root", "kind", "count", "tx_hash", "block_number"], "properties": {
    "root": {"type": "string"}, "kind": {"type": "string"}, "count": {"type": "integer"},
    "tx_hash": {"type": "string"}, "block_number": {"type": "integer"},
    "skipped": {"type": "integer", "description": "items of a lot passed over: nothing left to do to them"}}}
_LIFE_CYCLES = [c.value for c in LifeCycle]
_IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False,
                "schema": {"type": "string", "maxLength": 64},
                "description": "Repeating a request with the same key gets 409 and changes nothing."}


def _location(sites: Iterable[str], optional: bool) -> dict[str, Any]:
    """As ledger.geo.location_from_json reads it: coordinates as JSON numbers, or a known site's name, nothing else.

    Where a location is optional, null means none, as leaving the field out does.
    """
    names = sorted(sites)
    site = {"type": "string", "enum": names} if names else {"type": "string", "minLength": 1, "maxLength": 80}
    forms: list[dict[str, Any]] = [
        {"type": "object", "required": ["lat", "lon"], "additionalProperties": False, "properties": {
            "lat": {"type": "number", "minimum": -90, "maximum": 90},
            "lon": {"type": "number", "minimum": -180, "maximum": 180}}},
        {"type": "object", "required": ["site"], "additionalProperties": False, "properties": {"site": site}},
    ]
    return {"oneOf": [*forms, {"type": "null"}] if optional else forms}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): _ERROR for c in codes}


def _json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _created() -> dict[str, Any]:
    return {"description": "Anchored on chain", "content": {"application/json": {"schema": _ACTION}}}


def _acted() -> dict[str, Any]:
    """The answers of an action: anchored, or pending (sent; outcome not known yet), or an error."""
    return {"201": _created(),
            "202": {"description": "Pending: the transaction was sent but its outcome is not known yet; "
                                   "`ledger sync` (or the server's next start or action) finishes it. Do not repeat it.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pending"}}}},
            **_errors(400, 401, 403, 404, 409, 503)}


def document(server: str, sites: Iterable[str] = ()) -> dict[str, Any]:
    """The document for a server at ``server`` whose inspection sites are ``sites``."""
    secured: list[dict[str, list[str]]] = [{"bearer": []}]
    return {
        "openapi": "3.1.0",
        "info": {"title": "Provenance ledger verifier API", "version": "1.0.0",
                 "description": "Verify serialised goods, read custody histories, record inspections and handovers."},
        "servers": [{"url": server}],
        "paths": {
            "/api/v1/verify": {"post": {
                "operationId": "verify", "summary": "Verdict for a scanned code; the scan is recorded",
                "security": [{}, {"bearer": []}],
                "requestBody": _json_body({"type": "object", "required": ["code"], "properties": {
                    "code": _CODE, "location": _location(sites, optional=True)}}),
                "responses": {"200": {"description": "Verdict", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Verification"}}}}, **_errors(400, 401, 503)}}},
            "/api/v1/items/{key}/history": {"get": {
                "operationId": "history", "summary": "Custody events (with their anchors) and recent scans",
                "security": secured,
                "parameters": [{"name": "key", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1},
                                "description": "any code form, e.g. 0109521234543213211234 or urn:epc:id:sgtin:…"}],
                "responses": {"200": {"description": "History", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/History"}}}}, **_errors(400, 401, 404, 503)}}},
            "/api/v1/inspections": {"post": {
                "operationId": "inspect", "summary": "Record an inspection (officers)", "security": secured,
                "parameters": [_IDEMPOTENCY],
                "requestBody": _json_body({"type": "object", "required": ["code", "outcome", "location"], "properties": {
                    "code": _CODE, "outcome": {"enum": ["passed", "held", "seized", "suspected_counterfeit"]},
                    "location": _location(sites, optional=False)}}),
                "responses": _acted()}},
            "/api/v1/stolen": {"post": {
                "operationId": "reportStolen", "summary": "Report an item stolen (officers, brands, custodians)",
                "security": secured, "parameters": [_IDEMPOTENCY],
                "requestBody": _json_body({"type": "object", "required": ["code"], "properties": {
                    "code": _CODE, "location": _location(sites, optional=True)}}),
                "responses": _acted()}},
            "/api/v1/shipments": {"post": {
                "operationId": "ship", "summary": "Ship items to another party (custodians)", "security": secured,
                "parameters": [_IDEMPOTENCY],
                "requestBody": _json_body({"type": "object", "required": ["to", "codes"], "properties": {
                    "to": {"type": "string", "minLength": 1}, "codes": {"type": "array", "items": _CODE, "minItems": 1, "maxItems": 10000},
                    "location": _PLACE}}),
                "responses": _acted()}},
            "/api/v1/shipments/{root}/receipt": {"post": {
                "operationId": "receive", "summary": "Accept a shipment sent to you (custodians)", "security": secured,
                "parameters": [{"name": "root", "in": "path", "required": True, "schema": {"type": "string"}}, _IDEMPOTENCY],
                "requestBody": _json_body({"type": "object", "properties": {"location": _PLACE}}),
                "responses": _acted()}},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "a token from `ledger token create`"}},
            "responses": {"Error": {"description": "Error", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"}}}}},
            "schemas": {
                "Error": {"type": "object", "required": ["error", "message", "status"], "properties": {
                    "error": {"type": "string"}, "message": {"type": "string"}, "status": {"type": "integer"},
                    "field": {"type": "string"}}},
                "Pending": {"type": "object", "required": ["error", "message", "status", "root", "tx_hash"], "properties": {
                    "error": {"const": "ActionPending"}, "message": {"type": "string"}, "status": {"const": 202},
                    "root": {"type": "string"}, "tx_hash": {"type": "string"}}},
                "Reason": {"type": "object", "required": ["code", "weight", "sentence", "advice"], "properties": {
                    "code": {"type": "string"}, "weight": {"enum": ["note", "alert", "suspect", "counterfeit"]},
                    "sentence": {"type": "string"}, "advice": {"type": "string"}}},
                "Verification": {"type": "object", "required": ["verdict", "action", "instruction", "reasons", "item", "form",
                                                                  "scanned_at", "custody"],
                                 "properties": {
                    "verdict": {"enum": [v.value for v in Verdict]},
                    "action": {"enum": [d.value for d in Directive],
                               "description": "what the officer must do with the goods: the strictest reason's directive"},
                    "instruction": {"type": "string", "description": "the action as one sentence a person reads"},
                    "reasons": {"type": "array", "items": {"$ref": "#/components/schemas/Reason"}},
                    "advice": {"type": ["string", "null"], "description": "what to do: the first (most severe) reason's advice"},
                    "item": {"type": "object", "required": ["key", "gtin", "serial", "registered"], "properties": {
                        "key": {"type": "string"}, "gtin": {"type": "string"}, "serial": {"type": "string"},
                        "lot": {"type": ["string", "null"]}, "expiry": {"type": ["string", "null"], "format": "date"},
                        "brand": {"type": ["string", "null"]}, "registered": {"type": "boolean"}}},
                    "form": {"type": "string"}, "scanned_at": {"type": "integer"},
                    "custody": {"type": ["object", "null"], "description": "only for authenticated clients", "properties": {
                        "status": {"enum": [*_LIFE_CYCLES, Condition.STOLEN.value, Condition.RECALLED.value],
                                   "description": "one word (API v1): a final life-cycle state, else stolen, else recalled, "
                                                  "else the life-cycle state; life_cycle and conditions say it all"},
                        "life_cycle": {"enum": _LIFE_CYCLES},
                        "conditions": {"type": "array", "items": {"enum": [c.value for c in Condition]}},
                        "custodian": {"type": "string"}, "in_transit_to": {"type": ["string", "null"]},
                        "last_inspection": {"type": ["object", "null"]}}}}},
                "History": {"type": "object", "required": ["key", "events", "scans"], "properties": {
                    "key": {"type": "string"}, "events": {"type": "array", "items": {"type": "object"}},
                    "scans": {"type": "array", "items": {"type": "object"}}}},
            },
        },
    }
