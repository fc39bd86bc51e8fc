"""Shared GS1 plumbing for the code forms: biip's element strings to an ItemKey, precise errors.

biip's parse errors name the failing pattern, not the rule a person broke; these
helpers turn them into :class:`InvalidCode` messages that say what is wrong and
what would be right, by re-checking the value with the ItemKey validators.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from datetime import date

import biip
from biip.gs1_element_strings import GS1ElementString

from ..errors import InvalidCode, InvalidItemKey
from .identifiers import ItemKey, validate_gtin, validate_lot, validate_serial

__all__ = ["KEY_AIS", "explain", "invalid_code", "key_from_elements", "yymmdd"]

# The AIs an ItemKey carries; others in a scanned code (weights, prices...) are ignored.
KEY_AIS = {"01": "GTIN", "21": "serial", "10": "lot", "17": "expiry"}
EXPECTED_KEY = "a GTIN (01) and a serial (21), optionally a lot (10) and expiry (17)"

# biip quotes the value with repr(): '…' or, when it holds a single quote, "…", with escapes.
_NO_MATCH = re.compile(r"""Failed to match ('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*") with GS1 AI \((\d+)\)""", re.DOTALL)
_UNKNOWN_HRI_AI = re.compile(r"Unknown GS1 Application Identifier '(\d+)'")
_NO_AI = re.compile(r"Failed to get GS1 Application Identifier from '(.*)'\.", re.DOTALL)


def yymmdd(day: date) -> str:
    """GS1's date format for AI 17."""
    return day.strftime("%y%m%d")


def invalid_code(exc: InvalidItemKey) -> InvalidCode:
    """The same complaint, reported as a bad code (the key came from a scan, not a form field)."""
    return InvalidCode(exc.field, exc.value, exc.problem, exc.expected)


def explain(exc: biip.ParseError, form: str, text: str) -> InvalidCode:
    """Turn a biip parse error into a message that names the rule broken."""
    message = str(exc)
    if match := _NO_MATCH.search(message):
        quoted, ai = match.groups()
        value = str(ast.literal_eval(quoted))[len(ai):]
        try:
            if ai == "01":
                validate_gtin(value)
            elif ai == "21":
                validate_serial(value)
            elif ai == "10":
                validate_lot(value)
        except InvalidItemKey as bad:
            return invalid_code(bad)
        if ai == "17":
            return InvalidCode("expiry (17)", value, "is not a date", "YYMMDD, with DD=00 for the month's last day")
        return InvalidCode(
            f"AI ({ai})", value,
            "does not fit the AI's format (or the value before it ran past its maximum length or lacked its GS)",
            "the format in GS1's AI table",
        )
    if match := _UNKNOWN_HRI_AI.search(message):
        return InvalidCode(form, text, f"has unknown application identifier ({match.group(1)})", EXPECTED_KEY)
    if match := _NO_AI.search(message):
        rest = match.group(1)
        shown = rest if len(rest) <= 24 else rest[:24] + "…"
        return InvalidCode(
            form,
            text,
            f"has no known application identifier at {shown!r} (a value longer than its AI allows, "
            "or a variable-length value not ended by GS)",
            EXPECTED_KEY + "; variable-length values (10, 21) ended by GS (\\x1d) unless last",
        )
    return InvalidCode(form, text, message.rstrip("."), EXPECTED_KEY)


def key_from_elements(elements: Iterable[GS1ElementString], form: str, text: str) -> ItemKey:
    """Build the ItemKey from biip's element strings; a repeated AI must repeat the same value."""
    seen: dict[str, GS1ElementString] = {}
    for element in elements:
        ai = element.ai.ai
        if ai not in KEY_AIS:
            continue
        earlier = seen.setdefault(ai, element)
        if earlier.value != element.value:
            raise InvalidCode(
                form, text, f"gives ({ai}) twice with different values {earlier.value!r} and {element.value!r}",
                f"one {KEY_AIS[ai]}",
            )
    if "01" not in seen:
        raise InvalidCode(form, text, "has no GTIN (01)", EXPECTED_KEY)
    if "21" not in seen:
        raise InvalidCode(form, text, "has no serial (21): it names a product, not one item", EXPECTED_KEY)
    lot = seen.get("10")
    expiry = seen.get("17")
    try:
        return ItemKey(
            seen["01"].value,
            seen["21"].value,
            lot.value if lot else None,
            expiry.date if expiry else None,
        )
    except InvalidItemKey as exc:
        raise invalid_code(exc) from None
