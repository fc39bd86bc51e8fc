"""Reading what people type, send or hand over that is not a GS1 code: free text, anchor roots, JSON.

Each check refuses hostile input with a :class:`~ledger.errors.LedgerError` that says what was
wrong, before it can reach a place that would fail without one: PostgreSQL refuses NUL
characters, neither database driver can encode a lone surrogate, and a JSON document nested
thousands of levels deep overflows the C stack of any recursive reader (``json``, jsonschema).

>>> plain_text("location", "Port of Rotterdam", 200, "a place name")
'Port of Rotterdam'
>>> is_name("acme-eu"), is_name("acme\\x00")
(True, False)
>>> anchor_root("shipment root", "0x" + "AB" * 32)[:6]
'0xabab'
>>> load_json('{"a": [1, 2]}', lambda problem, detail: InvalidInput("JSON", "", problem, detail))
{'a': [1, 2]}
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from typing import Any

from .errors import InvalidInput, LedgerError

__all__ = ["MAX_JSON_DEPTH", "MAX_NAME", "anchor_root", "is_name", "load_json", "plain_text"]

# EPCIS documents, the deepest JSON the ledger reads, nest about ten levels (document, body, event
# list, event, ilmd or sensor data, a partner's extension…); a brand directory three.
MAX_JSON_DEPTH = 64
# A library the chain code imports (py_ecc) raises Python's recursion limit to 100,000; json.loads
# nesting that deep overflows an ordinary 8 MB thread stack and kills the process. The parser runs
# on a thread with room for the whole limit (~10 MB seen), so a hostile document meets
# RecursionError instead; the depth is then bounded before anything else walks the document.
_PARSER_STACK_BYTES = 256 * 1024 * 1024
_ROOT = re.compile(r"0x[0-9a-fA-F]{64}")
MAX_NAME = 80


def is_name(text: str, symbols: str = "-_.") -> bool:
    """The rule for party and user names: 1 to 80 letters and digits, and ``symbols``.

    A text that breaks it cannot name anything, so lookups refuse it without asking the database.
    """
    return 0 < len(text) <= MAX_NAME and text.translate({ord(c): None for c in symbols}).isalnum()


def plain_text(field: str, value: str, max_length: int, expected: str) -> str:
    """``value`` if it is at most ``max_length`` printable characters; else InvalidInput.

    Printable excludes control characters (NUL, newline…), lone surrogates and invisible
    format characters such as bidirectional overrides, none of which belongs in a name or a place.
    """
    if len(value) > max_length:
        raise InvalidInput(field, value, f"is longer than {max_length} characters", expected)
    if not value.isprintable():
        bad = next(c for c in value if not c.isprintable())
        raise InvalidInput(field, value, f"has the unprintable character U+{ord(bad):04X}", expected)
    return value


def anchor_root(field: str, value: str) -> str:
    """A batch, shipment or action root as the index keeps it: ``0x`` and 64 lower-case hex digits."""
    text = value.strip()
    if not _ROOT.fullmatch(text):
        raise InvalidInput(field, value, "is not a 32-byte hex root", "0x followed by 64 hex digits")
    return text.lower()


def load_json(data: bytes | str, refuse: Callable[[str, str], LedgerError], max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse untrusted JSON; ``refuse(problem, detail)`` makes the error if it is not JSON or nests too deeply."""
    try:
        value = _loads_with_room(data)
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, an integer over 4,300 digits
        raise refuse("is not JSON", str(exc)) from None
    except RecursionError:
        value = None
        depth = max_depth + 1
    else:
        depth = _depth(value, max_depth)
    if depth > max_depth:
        raise refuse("is nested too deeply", f"arrays and objects may nest {max_depth} levels, and it nests more")
    return value


def _depth(value: Any, limit: int) -> int:
    """How deeply ``value`` nests (a scalar is 0), counted without recursion and only up to ``limit`` + 1."""
    deepest = 0
    stack = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            node = list(node.values())
        elif not isinstance(node, list):
            continue
        deepest = max(deepest, depth + 1)
        if deepest > limit:
            return deepest
        stack.extend((child, depth + 1) for child in node if isinstance(child, (dict, list)))
    return deepest


def _loads_with_room(data: bytes | str) -> Any:
    outcome: list[Any] = []

    def parse() -> None:
        try:
            outcome.append(json.loads(data))
        except BaseException as exc:  # handed to the caller's thread
            outcome.append(exc)

    previous = threading.stack_size(_PARSER_STACK_BYTES)
    try:
        parser = threading.Thread(target=parse, name="untrusted-json")
        parser.start()
    finally:
        threading.stack_size(previous)
    parser.join()
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]
