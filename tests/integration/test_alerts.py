"""Alerts (chain × database): subscriptions, the watcher, and webhook deliveries to a real local HTTP receiver —
signatures, retries with backoff, the delivery log, and who is told what."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ledger.chain.roles import Role
from ledger.codes.identifiers import ItemKey
from ledger.errors import InvalidInput, NotAllowed, NotFound, RoleError
from ledger.geo import Location
from ledger.index.accounts import Account
from ledger.intel.alerts import AlertKind, list_subscriptions, remove_subscription, secret_of, subscribe, watch_once
from ledger.intel.hotspots import cell_of
from ledger.intel.privacy import Pseudonyms
from ledger.intel.webhooks import MAX_ATTEMPTS, backoff, check_signature, deliver_due, delivery_log
from ledger.proofs.events import Action
from ledger.verify.sites import INSPECTION_SITES
from tests.integration._cli import run
from tests.integration._web import BOLT_GTIN, GTIN, WebLedger

LAGOS = Location(6.45, 3.39, "Lagos market")
ROTTERDAM = INSPECTION_SITES["Port of Rotterdam"]
PSEUDONYMS = Pseudonyms(b"p" * 32)


class Receiver:
    """A webhook receiver on 127.0.0.1: records every request; answers 204, or ``failing[path]`` while that is set."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.failing: dict[str, int] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append((self.path, dict(self.headers.items()), body))
                self.send_response(receiver.failing.get(self.path, 204))
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def to(self, path: str) -> list[tuple[dict[str, str], dict[str, object]]]:
        return [(headers, json.loads(body)) for p, headers, body in self.requests if p == path]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.server.shutdown()
    found.server.server_close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def code(serial: int | str) -> str:
    return f"(01){GTIN}(21){serial}"


def test_who_may_subscribe_to_what(web: WebLedger, receiver: Receiver) -> None:
    engine, now = web.ledger.engine, web.clock[0]
    for party, kinds, kwargs, error in [
        ("truck", [AlertKind.CLONE], {}, RoleError),  # custodians get no alerts on others' goods
        ("acme", [AlertKind.CLONE], {"gtin": BOLT_GTIN}, NotAllowed),  # a brand, on another brand's product
        ("acme", [AlertKind.CLONE], {"code": ItemKey(BOLT_GTIN, "6789")}, NotAllowed),
        ("nobody", [AlertKind.CLONE], {}, NotFound),
        ("acme", [], {}, InvalidInput),
        ("acme", [AlertKind.CLONE], {"gtin": "123"}, InvalidInput),
    ]:
        with pytest.raises(error):
            subscribe(engine, party, kinds, receiver.url, now, **kwargs)  # type: ignore[arg-type]
    for url in ("ftp://x.example/", "not a url", "http://"):
        with pytest.raises(InvalidInput):
            subscribe(engine, "acme", [AlertKind.CLONE], url, now)
    with pytest.raises(InvalidInput):
        AlertKind.parse_list("clone,arson")
    assert list_subscriptions(engine) == []  # nothing refused was kept


def test_alerts_reach_the_people_who_must_act(web: WebLedger, receiver: Receiver) -> None:
    ledger, engine, clock = web.ledger, web.ledger.engine, web.clock
    verifier = web.app.extensions["provenance_verifier"]
    acme, acme_secret = subscribe(engine, "acme", [AlertKind.CLONE, AlertKind.STOLEN, AlertKind.RECALL], receiver.url + "/acme",
                                  clock[0])
    customs, customs_secret = subscribe(engine, "customs", [AlertKind.CLONE, AlertKind.COUNTERFEIT, AlertKind.STOLEN],
                                        receiver.url + "/customs", clock[0])
    subscribe(engine, "bolt", [AlertKind.CLONE, AlertKind.COUNTERFEIT], receiver.url + "/bolt", clock[0])
    case, _ = subscribe(engine, "customs", [AlertKind.CLONE], receiver.url + "/case", clock[0], code=ItemKey(GTIN, "5"))
    verifier.verify(code(3), ROTTERDAM)  # before the watcher first ran: not news to anyone
    assert watch_once(engine, clock[0], PSEUDONYMS) == 0

    officer = ledger.party("customs")
    olga = Account("olga", "customs", officer.address, Role.OFFICER)
    verifier.verify(code(1), ROTTERDAM, olga)
    clock[0] += 3600
    verifier.verify(code(1), LAGOS)  # an hour later in Lagos: clone
    ledger.change_status("acme", Action.REPORT_STOLEN, [ItemKey(GTIN, "2")])
    verifier.verify(code(2), ROTTERDAM, olga)  # a stolen item scanned
    verifier.verify(code(999), ROTTERDAM, olga)  # a code acme never registered: counterfeit
    clock[0] += 60
    ledger.change_status("acme", Action.RECALL, lot="L1")  # reaches items 1, 2 and 3, which were scanned
    now = clock[0]
    assert watch_once(engine, now, PSEUDONYMS) == 6  # acme: clone, stolen, recall; customs: clone, stolen, counterfeit
    assert watch_once(engine, now, PSEUDONYMS) == 0  # each alert is queued once
    verifier.verify(code(2), ROTTERDAM, olga)  # recalled since, and still stolen (conditions coexist): a new scan of it
    assert watch_once(engine, now, PSEUDONYMS) == 3  # acme's recall and stolen, customs' stolen

    receiver.failing["/acme"] = 500  # acme's receiver is down
    first = deliver_due(engine, now)
    assert len(first) == 9  # 6 + 3 queued above
    assert {(d.status, d.attempts, d.last_status) for d in first if d.subscription == customs.id} == {("delivered", 1, 204)}
    failing = [d for d in first if d.subscription == acme.id]
    assert len(failing) == 5 and {(d.status, d.attempts, d.last_status, d.last_error) for d in failing} == {
        ("pending", 1, 500, "HTTP 500")}
    assert deliver_due(engine, now + backoff(1) - 1) == []  # not due yet
    receiver.failing["/acme"] = 503
    second = deliver_due(engine, now + backoff(1))
    assert {(d.id, d.status, d.attempts, d.last_status) for d in second} == {(d.id, "pending", 2, 503) for d in failing}
    assert deliver_due(engine, now + backoff(1) + backoff(2) - 1) == []  # waits twice as long now
    del receiver.failing["/acme"]
    third = deliver_due(engine, now + backoff(1) + backoff(2))
    assert {(d.status, d.attempts, d.last_status, d.last_error) for d in third} == {("delivered", 3, 204, "")}
    assert {d.status for d in delivery_log(engine)} == {"delivered"}

    # What each was told, signed with its own secret, as its sharing rules allow.
    assert receiver.to("/bolt") == [] and receiver.to("/case") == []
    for path, secret in (("/acme", acme_secret), ("/customs", customs_secret)):
        for headers, _ in receiver.to(path):
            body = next(b for p, h, b in receiver.requests if p == path and h == headers)
            signed_at = int(headers["X-Ledger-Signature"].split(",")[0][2:])
            assert check_signature(bytes.fromhex(secret), headers["X-Ledger-Signature"], body, now=signed_at)
            assert not check_signature(bytes.fromhex(customs_secret if secret == acme_secret else acme_secret),
                                       headers["X-Ledger-Signature"], body, now=signed_at)
    acme_got = {body["alert"]: body for _, body in receiver.to("/acme")}  # the same alert tried thrice: once here
    customs_got = {body["alert"]: body for _, body in receiver.to("/customs")}
    kinds_acme = sorted(str(b["kind"]) for b in acme_got.values())
    assert kinds_acme == ["clone", "recall", "recall", "stolen"]
    assert sorted(str(b["kind"]) for b in customs_got.values()) == ["clone", "counterfeit", "stolen", "stolen"]
    clone_for_acme = next(b for b in acme_got.values() if b["kind"] == "clone")
    assert clone_for_acme["scan"]["place"] == {"cell": cell_of(LAGOS.lat, LAGOS.lon, 5)}  # type: ignore[index]
    stolen_for_acme = next(b for b in acme_got.values() if b["kind"] == "stolen")
    assert stolen_for_acme["scan"]["scanner"] == PSEUDONYMS.of(officer.address)  # type: ignore[index]
    assert "customs" not in json.dumps(list(acme_got.values())) and officer.address not in json.dumps(list(acme_got.values()))
    stolen_for_customs = next(b for b in customs_got.values() if b["kind"] == "stolen")
    assert stolen_for_customs["scan"]["scanner"] == "customs"  # type: ignore[index]
    assert stolen_for_customs["scan"]["place"]["site"] == "Port of Rotterdam"  # type: ignore[index]
    recall = next(b for b in acme_got.values() if b["kind"] == "recall" and str(b["alert"]).startswith("anchor:"))
    assert (recall["recalled_items"], recall["scanned_items"]) == (10, 3)
    deliveries = [h["X-Ledger-Delivery"] for h, _ in receiver.to("/acme")]
    assert len(deliveries) == 15 and len(set(deliveries)) == 5  # a retried delivery keeps its id: duplicates can be dropped
    assert case.id not in {d.subscription for d in delivery_log(engine)}


def test_a_receiver_that_never_answers_fails_for_good_and_is_logged(web: WebLedger) -> None:
    engine, clock = web.ledger.engine, web.clock
    sub, _ = subscribe(engine, "customs", [AlertKind.COUNTERFEIT], f"http://127.0.0.1:{_closed_port()}/hook", clock[0])
    watch_once(engine, clock[0], PSEUDONYMS)
    web.app.extensions["provenance_verifier"].verify(code(999))
    now = clock[0]
    assert watch_once(engine, now, PSEUDONYMS) == 1
    for attempt in range(1, MAX_ATTEMPTS + 1):
        (row,) = deliver_due(engine, now)
        assert row.attempts == attempt and "ConnectionError" in row.last_error and row.last_status is None
        now += backoff(attempt)
    assert row.status == "failed" and deliver_due(engine, now + 10**6) == []
    remove_subscription(engine, sub.id)
    assert list_subscriptions(engine) == [] and [s.id for s in list_subscriptions(engine, active_only=False)] == [sub.id]
    assert delivery_log(engine, sub.id)[0].status == "failed"  # the log outlives the subscription
    with pytest.raises(NotFound):
        remove_subscription(engine, sub.id)
    assert len(secret_of(engine, sub.id)) == 32


def test_alerts_cli(web: WebLedger, receiver: Receiver) -> None:
    settings = web.ledger.settings
    env = {"LEDGER_HOME": str(settings.home), "LEDGER_DATABASE_URL": settings.database_url}

    made = json.loads(run(env, "--json", "alerts", "subscribe", "--party", "customs", "--on", "counterfeit,clone",
                          "--url", receiver.url + "/cli", "--label", "duty officer"))
    assert len(made["secret"]) == 64 and made["kinds"] == ["counterfeit", "clone"]
    listed = json.loads(run(env, "--json", "alerts", "list"))
    assert [s["id"] for s in listed] == [made["id"]] and "secret" not in listed[0]
    assert json.loads(run(env, "--json", "alerts", "run", "--once"))["queued"] == 0  # starts from now
    web.app.extensions["provenance_verifier"].verify(code(999))
    round_ = json.loads(run(env, "--json", "alerts", "run", "--once"))
    assert (round_["queued"], round_["delivered"]) == (1, 1)
    ((headers, body),) = receiver.to("/cli")
    assert body["kind"] == "counterfeit" and body["code"] == f"/01/{GTIN}/21/999"
    (logged,) = json.loads(run(env, "--json", "alerts", "log"))
    assert (logged["status"], logged["attempts"], logged["last_status"]) == ("delivered", 1, 204)
    assert "delivered" in run(env, "alerts", "log")
    run(env, "alerts", "remove", str(made["id"]))
    assert "no subscriptions" in run(env, "alerts", "list")
