"""Web fixtures: the app on the `ledger` fixture's chain × database (see tests/conftest.py); the fault proxy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ledger.custody.ledger import Ledger
from tests._rpc_proxy import RpcProxy
from tests.integration._web import WebLedger, build


@pytest.fixture
def web(ledger: Ledger) -> WebLedger:
    return build(ledger)


@pytest.fixture
def proxy(hardhat_url: str) -> Iterator[RpcProxy]:
    """A JSON-RPC proxy in front of the session's Hardhat node, to inject faults (tests/_rpc_proxy.py)."""
    with RpcProxy(hardhat_url).running() as running:
        yield running
