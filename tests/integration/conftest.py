"""Web fixtures: the app on the `ledger` fixture's chain × database (see tests/conftest.py)."""

from __future__ import annotations

import pytest

from ledger.custody.ledger import Ledger
from tests.integration._web import WebLedger, build


@pytest.fixture
def web(ledger: Ledger) -> WebLedger:
    return build(ledger)
