"""The JSON API's request fields and answers, free of Flask.

The Flask views and the lean verify endpoint (:mod:`web.verify_endpoint`) read requests and
write answers through these functions, so both give the same answer, byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ledger.errors import SHOWN_CHARACTERS, InvalidInput
from ledger.geo import Location, location_from_json

__all__ = ["MAX_JSON_BRACKETS", "bearer_token", "dump_json", "is_json_type", "json_object", "location_field",
           "string_field"]


# Bodies with more brackets than this are refused before parsing. A library the chain code
# imports (py_ecc) raises Python's recursion limit to 100,000, and json.loads then recurses on
# "[[[[…" deep enough to overflow a thread's C stack and kill the server process (seen at ~80,000
# levels; 60,000 passed). Nesting can be no deeper than the brackets are many, and an API body
# needs a handful, so counting them (at C speed) is enough.
MAX_JSON_BRACKETS = 10_000


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


def string_field(data: Mapping[str, Any], name: str, required: bool = True) -> str:
    value = data.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidInput(name, value, "is missing or not a non-empty string", f"a string in the field {name!r}")
    return value


def location_field(data: Mapping[str, Any], sites: Mapping[str, Location], required: bool) -> Location | None:
    """The ``location`` field as the OpenAPI document has it: absent or null where optional, else an exact object."""
    raw = data.get("location")
    if raw is None:
        if required:
            raise InvalidInput("location", None, "is missing", '{"lat": …, "lon": …} or {"site": "…"}')
        return None
    return location_from_json(raw, sites)


def bearer_token(authorization: str) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def dump_json(data: object) -> bytes:
    """``data`` serialised as Flask's ``jsonify`` does here (compact, keys in order, trailing newline)."""
    return (json.dumps(data, separators=(",", ":"), ensure_ascii=True, sort_keys=False) + "\n").encode()
