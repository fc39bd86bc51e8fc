"""Real PostgreSQL faults under the web app: connections terminated by the server, and a database refusing them.

The index database is a fresh database on the local PostgreSQL server; the faults are the server's own:
``pg_terminate_backend`` on its connections, and ``ALTER DATABASE … ALLOW_CONNECTIONS false`` (restored
after; ``CONNECTION LIMIT 0`` would not do, the tests connect as a superuser, whom it does not bind).
The chain is the Hardhat node behind the fault proxy, so a fault can strike between anchor and commit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlmodel import Session, select

from ledger.audit.auditor import audit
from ledger.chain.roles import Role
from ledger.codes.identifiers import ItemKey
from ledger.custody.ledger import Ledger
from ledger.custody.registration import ItemSpec
from ledger.custody.sync import sync
from ledger.errors import ActionPending
from ledger.index.models import PendingAction
from ledger.index.queries import item_status
from ledger.settings import Settings
from tests._rpc_proxy import Fault, RpcProxy
from tests.conftest import POSTGRES_ADMIN_URL, _postgres_database
from tests.integration._web import GTIN, WebLedger, build


@pytest.fixture
def ledger(proxy: RpcProxy, tmp_path: Path) -> Iterator[Ledger]:
    for url in _postgres_database():
        settings = Settings(home=tmp_path / "home", chain=proxy.url, database_url=url, passphrase="test passphrase",
                            kdf_iterations=16)
        with Ledger.init(settings) as fresh:
            for name, role, prefixes in (("acme", Role.BRAND, ["9521234"]), ("bolt", Role.BRAND, ["0614141"]),
                                         ("truck", Role.CARRIER, []), ("shop", Role.RETAILER, []),
                                         ("customs", Role.OFFICER, [])):
                fresh.add_party(name, role, prefixes)
            yield fresh
            _allow(fresh)  # whatever a test left refused


@pytest.fixture
def web(ledger: Ledger) -> WebLedger:
    return build(ledger)


def _database(ledger: Ledger) -> str:
    name = ledger.engine.url.database
    assert name is not None
    return name


def _terminate(ledger: Ledger) -> None:
    """End every connection to the ledger's database, and wait until the server has."""
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                      (_database(ledger),))
        for _ in range(200):
            row = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (_database(ledger),)).fetchone()
            if row is not None and row[0] == 0:
                return
            time.sleep(0.05)
    raise AssertionError("the server did not end the connections")


def _refuse(ledger: Ledger) -> None:
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{_database(ledger)}" ALLOW_CONNECTIONS false')
    _terminate(ledger)


def _allow(ledger: Ledger) -> None:
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{_database(ledger)}" ALLOW_CONNECTIONS true')


@contextmanager
def _refused(ledger: Ledger) -> Iterator[None]:
    _refuse(ledger)
    try:
        yield
    finally:
        _allow(ledger)


def _requests(web: WebLedger) -> dict[str, int]:
    """One request down each path that reads the index: the lean verify endpoint, the Flask API, a page."""
    client = web.client()
    return {
        "verify": client.post("/api/v1/verify", json={"code": web.link(1)}).status_code,
        "history": client.get(f"/api/v1/items/01/{GTIN}/21/1/history", headers=web.bearer("olga")).status_code,
        "verify with token": client.post("/api/v1/verify", json={"code": web.link(2)}, headers=web.bearer("olga")).status_code,
        "page": client.get(f"/01/{GTIN}/21/3?sig={web.sig(3)}", follow_redirects=True).status_code,
    }


OK = {"verify": 200, "history": 200, "verify with token": 200, "page": 200}


def test_connections_the_server_ended_are_replaced_unnoticed(web: WebLedger, caplog: pytest.LogCaptureFixture) -> None:
    assert _requests(web) == OK  # the pool now holds connections
    _terminate(web.ledger)
    assert _requests(web) == OK
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_a_database_refusing_connections_is_503_logged_once_then_recovers(web: WebLedger,
                                                                           caplog: pytest.LogCaptureFixture) -> None:
    assert _requests(web) == OK
    with _refused(web.ledger):
        for _ in range(3):
            assert _requests(web) == {path: 503 for path in OK}
        answer = web.client().post("/api/v1/verify", json={"code": web.link(1)})
        assert answer.get_json()["message"].startswith("the index database is not answering (")
        page = web.client().get(f"/01/{GTIN}/21/3?sig={web.sig(3)}").get_data(as_text=True)
        assert "The index database is not answering" in page and "Traceback" not in page
    assert _requests(web) == OK  # back by itself
    lines = [(r.name, r.levelname, r.getMessage()) for r in caplog.records if r.levelno >= logging.WARNING]
    assert [line[:2] for line in lines] == [("ledger.index.engine", "ERROR"), ("ledger.index.engine", "WARNING")]  # one per outage
    assert lines[0][2].startswith("index database unavailable (") and lines[1][2].startswith("index database available again")
    assert not any(r.exc_info for r in caplog.records)  # no traceback


def test_losing_the_database_after_anchoring_leaves_the_action_pending(web: WebLedger, proxy: RpcProxy) -> None:
    """The anchor is mined, then the index refuses: 202 pending (not 503), and the journal entry finishes it."""
    proxy.fault("eth_sendRawTransaction", Fault.PASS, times=1, after=lambda: _refuse(web.ledger))
    try:
        response = web.client().post("/api/v1/stolen", json={"code": web.link(5)},
                                     headers={**web.bearer("olga"), "Idempotency-Key": "k1"})
    finally:
        _allow(web.ledger)
    body = response.get_json()
    assert response.status_code == 202, body
    assert body["error"] == "ActionPending" and "the index database failed while recording it" in body["message"]
    assert item_status(web.ledger.engine, ItemKey(GTIN, "5")).status == "active"  # anchored, not yet recorded
    with Session(web.ledger.engine) as s:
        [entry] = s.exec(select(PendingAction)).all()
    assert (entry.root, entry.tx_hash) == (body["root"], body["tx_hash"])
    again = web.client().post("/api/v1/stolen", json={"code": web.link(5)}, headers={**web.bearer("olga"), "Idempotency-Key": "k1"})
    assert again.status_code == 409  # the same request is not done twice
    assert sync(web.ledger).reconciled[0].startswith(f"completed report stolen {entry.root}")
    assert item_status(web.ledger.engine, ItemKey(GTIN, "5")).status == "stolen"
    assert audit(web.ledger).clean


def test_a_pending_action_is_finished_by_the_next_action(ledger: Ledger, proxy: RpcProxy) -> None:
    proxy.fault("eth_sendRawTransaction", Fault.PASS, times=1, after=lambda: _refuse(ledger))
    try:
        with pytest.raises(ActionPending, match="the index database failed while recording it"):
            ledger.register("acme", [ItemSpec(GTIN, "1")])
    finally:
        _allow(ledger)
    ledger.register("acme", [ItemSpec(GTIN, "2")])  # settles the journal first
    assert [item_status(ledger.engine, ItemKey(GTIN, s)).registered for s in "12"] == [True, True]
    assert audit(ledger).clean
