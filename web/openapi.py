"""The OpenAPI 3.1 document of API v1 (served at /api/v1/openapi.json; schemathesis tests the app against it).

Request bodies are generated from the models the server reads them with (:mod:`web._api_bodies`);
the answers are described here, beside the code that writes them (ledger/verify/report.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from ledger.index.models import Condition, LifeCycle
from ledger.verify.verdicts import Directive, Verdict

from ._api_bodies import BODIES, InspectionBody, ReceiptBody, ShipmentBody, StolenBody, VerifyBody

__all__ = ["document"]

_ERROR = {"$ref": "#/components/responses/Error"}
_ACTION = {"type": "object", "required": ["root", "kind", "count", "tx_hash", "block_number"], "properties": {
    "root": {"type": "string"}, "kind": {"type": "string"}, "count": {"type": "integer"},
    "tx_hash": {"type": "string"}, "block_number": {"type": "integer"},
    "skipped": {"type": "integer", "description": "items of a lot passed over: nothing left to do to them"}}}
_LIFE_CYCLES = [c.value for c in LifeCycle]
_IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False,
                "schema": {"type": "string", "maxLength": 64},
                "description": "Repeating a request with the same key gets 409 and changes nothing."}
_REF = "#/components/schemas/{model}"


def _request_schemas(sites: Iterable[str]) -> dict[str, Any]:
    """The request bodies' schemas, generated from their models; a site is one of this server's sites."""
    _, generated = models_json_schema([(model, "validation") for model in BODIES], ref_template=_REF)
    schemas: dict[str, Any] = generated["$defs"]
    names = sorted(sites)
    if names:
        schemas["Site"]["properties"]["site"] = {"type": "string", "enum": names}
    return schemas


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): _ERROR for c in codes}


def _json_body(model: type[BaseModel]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": _REF.format(model=model.__name__)}}}}


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
                "requestBody": _json_body(VerifyBody),
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
                "requestBody": _json_body(InspectionBody),
                "responses": _acted()}},
            "/api/v1/stolen": {"post": {
                "operationId": "reportStolen", "summary": "Report an item stolen (officers, brands, custodians)",
                "security": secured, "parameters": [_IDEMPOTENCY],
                "requestBody": _json_body(StolenBody),
                "responses": _acted()}},
            "/api/v1/shipments": {"post": {
                "operationId": "ship", "summary": "Ship items to another party (custodians)", "security": secured,
                "parameters": [_IDEMPOTENCY],
                "requestBody": _json_body(ShipmentBody),
                "responses": _acted()}},
            "/api/v1/shipments/{root}/receipt": {"post": {
                "operationId": "receive", "summary": "Accept a shipment sent to you (custodians)", "security": secured,
                "parameters": [{"name": "root", "in": "path", "required": True, "schema": {"type": "string"}}, _IDEMPOTENCY],
                "requestBody": _json_body(ReceiptBody),
                "responses": _acted()}},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "a token from `ledger token create`"}},
            "responses": {"Error": {"description": "Error", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"}}}}},
            "schemas": {
                **_request_schemas(sites),
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
                        "last_inspection": {"type": ["object", "null"]}}},
                    "product": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Product"}],
                                "description": "what the brand says the GTIN is; null if it gave nothing"}}},
                "Picture": {"type": "object", "required": ["url", "sha256", "media_type", "width", "height"], "properties": {
                    "url": {"type": "string", "description": "served with ETag and immutable caching"},
                    "sha256": {"type": "string"}, "media_type": {"enum": ["image/jpeg", "image/png", "image/webp"]},
                    "width": {"type": "integer"}, "height": {"type": "integer"}}},
                "Product": {"type": "object", "required": ["gtin", "brand", "name", "pictures", "features"], "properties": {
                    "gtin": {"type": "string"}, "brand": {"type": "string"}, "name": {"type": "string"},
                    "description": {"type": "string"}, "pack_size": {"type": "string"},
                    "contact": {"type": "string", "description": "for customs: empty for anonymous clients"},
                    "pictures": {"type": "array", "items": {"$ref": "#/components/schemas/Picture"}},
                    "features": {"type": "array", "description": "how to tell it from a fake: empty for anonymous clients",
                                 "items": {"type": "object", "required": ["id", "text", "picture"], "properties": {
                                     "id": {"type": "integer"}, "text": {"type": "string"},
                                     "picture": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Picture"}]}}}},
                    "updated_at": {"type": "integer"}}},
                "History": {"type": "object", "required": ["key", "events", "scans"], "properties": {
                    "key": {"type": "string"}, "events": {"type": "array", "items": {"type": "object"}},
                    "scans": {"type": "array", "items": {"type": "object"}}}},
            },
        },
    }
