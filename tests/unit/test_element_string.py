from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given

from ledger.codes.element_string import GS, ElementString, element_string_hri, element_string_raw
from ledger.codes.identifiers import ItemKey
from ledger.errors import InvalidCode
from tests.unit._code_strategies import GS1_CHARS, item_keys

KEY = ItemKey("09521234543213", "12345", "ABC123", date(2026, 12, 31))


def test_hri_from_the_brief() -> None:
    assert ElementString.parse("(01)09521234543213(10)ABC123(21)12345(17)261231").key == KEY


@pytest.mark.parametrize("symbology", ["]d2", "]Q3", "]C1", ""])
def test_raw_with_symbology(symbology: str) -> None:
    code = ElementString.parse(f"{symbology}0109521234543213{'10ABC123'}{GS}17261231{'21'}12345")
    assert code.key == KEY
    assert code.symbology == (symbology or None)


def test_render_both_forms() -> None:
    assert element_string_hri(KEY) == "(01)09521234543213(17)261231(10)ABC123(21)12345"
    assert element_string_raw(KEY, "]d2") == f"]d201095212345432131726123110ABC123{GS}2112345"


def test_other_ais_are_ignored() -> None:
    assert ElementString.parse("(01)09521234543213(3103)000195(21)7").key == ItemKey("09521234543213", "7")


@given(item_keys())
def test_raw_round_trip(key: ItemKey) -> None:
    assert ElementString.parse(element_string_raw(key, "]d2")).key == key


@given(item_keys(alphabet=GS1_CHARS.replace("(", "")))
def test_hri_round_trip(key: ItemKey) -> None:
    assert ElementString.parse(element_string_hri(key)).key == key


def test_hri_with_parenthesis_in_value_is_refused_not_truncated() -> None:
    with pytest.raises(InvalidCode, match="text outside"):
        ElementString.parse("(01)09521234543213(21)a(b")
