"""Validation of EPCIS 2.0 JSON-LD documents against GS1's EPCIS 2.0 JSON schema.

The schema (GS1's, with its licence notice) ships inside the package under
``ledger/epcis/data/``; formats (``date-time``, ``uri``) are checked too.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft7Validator

from ..errors import InvalidEpcis, shown
from ..untrusted import load_json

__all__ = ["MAX_DOCUMENT_BYTES", "epcis_schema", "parse_document", "validate_document"]

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
_EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent")
_WRAPPER = ('{"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"], "type": "EPCISDocument", '
            '"schemaVersion": "2.0", "creationDate": "2026-01-01T00:00:00Z", "epcisBody": {"eventList": [<the events>]}}')
# A library the chain code imports (py_ecc) raises Python's recursion limit to 100,000; json.loads
# nesting that deep overflows an ordinary 8 MB thread stack and kills the process. The parser runs
# on a thread with room for the whole limit (~10 MB seen), so a hostile document meets
# RecursionError instead.
_PARSER_STACK_BYTES = 256 * 1024 * 1024


@cache
def epcis_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(resources.files("ledger.epcis").joinpath("data/EPCIS-JSON-Schema.json").read_text())
    return schema


@cache
def _validator() -> Draft7Validator:
    return Draft7Validator(epcis_schema(), format_checker=Draft7Validator.FORMAT_CHECKER)


def validate_document(document: Any) -> None:
    """Raise :class:`InvalidEpcis` naming the first schema violations (path and reason)."""
    errors = sorted(_validator().iter_errors(document), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if errors:
        listed = "; ".join(f"at {'/'.join(map(str, e.absolute_path)) or '(document)'}: {e.message[:200]}" for e in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise InvalidEpcis("does not conform to the EPCIS 2.0 JSON schema", listed + more)


def parse_document(data: bytes | str) -> dict[str, Any]:
    """Parse and schema-validate an EPCIS 2.0 JSON-LD document (an ``EPCISDocument``, not a bare event)."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InvalidEpcis("is too large", f"{len(data)} bytes; at most {MAX_DOCUMENT_BYTES}")
    # Depth is bounded here, before validation: jsonschema walks the document recursively.
    document = load_json(data, InvalidEpcis)
    if not isinstance(document, dict):
        raise InvalidEpcis("is not a JSON object", f"it is a {type(document).__name__}")
    if document.get("type") in _EVENT_TYPES:
        raise InvalidEpcis("is a bare event, not an EPCISDocument", f"send the {document['type']} inside one: {_WRAPPER}")
    if document.get("type") != "EPCISDocument":
        raise InvalidEpcis("is not an EPCISDocument", f"its type is {shown(document.get('type'))}; expected {_WRAPPER}")
    validate_document(document)
    return document

