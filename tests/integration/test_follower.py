"""The follower across homes on one Hardhat node: another organisation's rows are fetched over real HTTP and stored
only when they reproduce the anchor on chain (ledger/epcis/follower.py)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from eth_account import Account
from sqlmodel import Session, col, select

from ledger.chain.roles import Role
from ledger.cli.main import cli as ledger_cli
from ledger.custody.ledger import Ledger
from ledger.epcis.serving import anchor_document
from ledger.epcis.sharing import Requester, SharingPolicy
from ledger.index.models import Anchor, Event, Item
from ledger.proofs.typed_data import RegistrationMessage, sign
from ledger.settings import Settings
from tests._hardhat import hardhat_node

GTIN = "09521234543213"
BOLT_GTIN = "09521235000012"


@dataclass
class Home:
    path: Path
    env: dict[str, str]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _home(path: Path, url: str) -> Home:
    return Home(path, {"LEDGER_HOME": str(path), "LEDGER_PASSPHRASE": "follower passphrase", "LEDGER_KDF_ITERATIONS": "16",
                       "LEDGER_CHAIN": url, "LEDGER_DATABASE_URL": ""})


def _run(home: Home, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(ledger_cli, ["--json", *args], env=home.env, catch_exceptions=False)
    return result.exit_code, result.output


def _ok(home: Home, *args: str) -> Any:
    code, output = _run(home, *args)
    assert code == 0, (args, output)
    return json.loads(output) if output.strip() else None


def _customs(node: str, path: Path, brand_home: Home, name: str = "customs") -> Home:
    """A customs service in a home of its own, granted the officer role by the administrator's home."""
    home = _home(path, node)
    contract = json.loads((brand_home.path / "deployment.json").read_text())["address"]
    _ok(home, "init", "--attach", contract)
    asked = _ok(home, "party", "add", name, "--role", "officer")
    _ok(brand_home, "party", "grant", asked["request"])
    _ok(home, "sync")
    return home


def _serve(home: Home, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, **home.env}
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "ledger.cli", "serve", "--port", str(port), "--workers", "1"],
                                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2).close()
            return proc
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)


def _stop(proc: subprocess.Popen[Any]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def node() -> Iterator[str]:
    with hardhat_node() as url:
        yield url


def _verdict(home: Home, code: str) -> dict[str, Any]:
    result = CliRunner().invoke(ledger_cli, ["--json", "verify", code], env=home.env, catch_exceptions=False)
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_customs_fetches_the_brands_rows_from_its_service_and_verifies_with_custody(node: str, tmp_path: Path) -> None:
    port = _free_port()
    brand = _home(tmp_path / "brand", node)
    _ok(brand, "init")
    _ok(brand, "party", "add", "acme", "--role", "brand", "--prefix", "9521234", "--url", f"http://127.0.0.1:{port}/")
    _ok(brand, "party", "add", "swift", "--role", "carrier", "--url", f"http://127.0.0.1:{port}/")  # one home, one service
    _ok(brand, "register", "--as", "acme", "--gtin", GTIN, "--count", "2", "--lot", "L1")
    shipped = _ok(brand, "ship", "--as", "acme", "--to", "swift", f"/01/{GTIN}/21/1", f"/01/{GTIN}/21/2")
    _ok(brand, "receive", "--as", "swift", shipped["root"])
    customs = _customs(node, tmp_path / "customs", brand)
    # Before fetching: the anchors are known, their rows are not, and the status says so.
    _ok(customs, "sync")
    pending = _ok(customs, "sync", "--status")
    assert {name: len(anchors) for name, anchors in pending.items()} == {"acme": 2, "swift": 1}
    assert {p["reason"] for anchors in pending.values() for p in anchors} == {"not tried yet"}
    server = _serve(brand, port, tmp_path / "serve.log")
    try:
        fetched = _ok(customs, "sync", "--fetch")
        assert len(fetched["stored"]) == 3 and fetched["refused"] == [], fetched
        assert _ok(customs, "sync", "--status") == {}
        verdict = _verdict(customs, f"(01){GTIN}(21)1")
        assert verdict["verdict"] == "genuine", verdict
        assert (verdict["item"]["brand"], verdict["item"]["lot"]) == ("acme", "L1")
        assert (verdict["custody"]["custodian"], verdict["custody"]["in_transit_to"]) == ("swift", None)  # shipped, received
        assert _ok(customs, "sync", "--fetch")["stored"] == []  # a second pass finds nothing more to do
        # `--follow` in a process of its own picks up the brand's recall made meanwhile.
        follower = subprocess.Popen([sys.executable, "-m", "ledger.cli", "sync", "--follow"], env={**os.environ, **customs.env},
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            _ok(brand, "status", "recall", "--as", "acme", f"/01/{GTIN}/21/1")
            deadline = time.monotonic() + 60
            while "recalled" not in _verdict(customs, f"(01){GTIN}(21)1")["custody"]["conditions"]:
                assert follower.poll() is None and time.monotonic() < deadline
                time.sleep(0.5)
        finally:
            _stop(follower)
    finally:
        _stop(server)
    for home in (brand, customs):
        _ok(home, "sync")
        code, output = _run(home, "audit")
        assert code == 0, output


# -- a hostile partner ------------------------------------------------------------------------------------------------


@dataclass
class Network:
    brand: Home
    acme_roots: list[str]  # registration, shipment: served altered
    bolt_root: str  # another partner's registration: served genuine
    documents: dict[str, bytes]
    port: int


class _Partner(BaseHTTPRequestHandler):
    documents: dict[str, bytes] = {}
    case: Callable[[str, bytes], bytes | None] = staticmethod(lambda root, body: body)  # type: ignore[assignment]
    raw: Callable[[Any, bytes], None] | None = None
    release = threading.Event()

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        root = self.path.rsplit("/", 1)[-1]
        body = self.documents.get(root)
        if body is None:
            self.send_error(404)
            return
        if self.path.startswith("/acme/"):
            altered = type(self).case(root, body)
            if altered is None:  # never answers
                self.release.wait(30)
                return
            body = altered
            if type(self).raw is not None:
                type(self).raw(self, body)  # type: ignore[misc]
                return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def network(node: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    path = tmp_path_factory.mktemp("hostile")
    port = _free_port()
    brand = _home(path / "brand", node)
    _ok(brand, "init")
    _ok(brand, "party", "add", "acme", "--role", "brand", "--prefix", "9521234", "--url", f"http://127.0.0.1:{port}/acme")
    _ok(brand, "party", "add", "bolt", "--role", "brand", "--prefix", "9521235", "--url", f"http://127.0.0.1:{port}/bolt")
    _ok(brand, "party", "add", "swift", "--role", "carrier")
    registered = _ok(brand, "register", "--as", "acme", "--gtin", GTIN, "--count", "2", "--lot", "L1")
    bolt = _ok(brand, "register", "--as", "bolt", "--gtin", BOLT_GTIN, "--count", "1")
    shipped = _ok(brand, "ship", "--as", "acme", "--to", "swift", f"/01/{GTIN}/21/1", f"/01/{GTIN}/21/2")
    roots = [registered["root"], shipped["root"]]
    with Ledger.open(Settings.from_env(brand.env)) as ledger:
        officer = Requester(Account.create().address, Role.OFFICER)
        documents = {r: json.dumps(anchor_document(ledger, SharingPolicy(), officer, r)).encode()
                     for r in [*roots, bolt["root"]]}
    _Partner.documents = documents
    server = ThreadingHTTPServer(("127.0.0.1", port), _Partner)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Network(brand, roots, bolt["root"], documents, port)
    finally:
        _Partner.release.set()
        server.shutdown()
        server.server_close()


def _edit(which: int, change: Callable[[dict[str, Any]], None]) -> Callable[[Network], Callable[[str, bytes], bytes | None]]:
    def case(net: Network) -> Callable[[str, bytes], bytes | None]:
        def serve(root: str, body: bytes) -> bytes | None:
            if root != net.acme_roots[which]:
                return body
            document = json.loads(body)
            change(document)
            return json.dumps(document).encode()
        return serve
    return case


def _other_signer(document: dict[str, Any]) -> None:
    head = document["ledger:anchor"]
    with Ledger.open(Settings.from_env(_NETWORK[0].brand.env)) as ledger:
        domain = ledger.domain
    message = RegistrationMessage(bytes.fromhex(head["ledger:root"][2:]), head["ledger:count"], head["ledger:companyPrefix"],
                                  head["ledger:timestamp"])
    head["ledger:signature"] = "0x" + sign(message, domain, Account.create())[1].hex()


_NETWORK: list[Network] = []


def _extra_item(document: dict[str, Any]) -> None:
    extra = dict(document["ledger:items"][0], **{"ledger:serial": "99"})
    document["ledger:items"].append(extra)


def _truncated(handler: BaseHTTPRequestHandler, body: bytes) -> None:
    handler.send_response(200)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body[: len(body) // 2])
    handler.wfile.flush()
    handler.close_connection = True


def _oversize(handler: BaseHTTPRequestHandler, body: bytes) -> None:
    handler.send_response(200)
    handler.end_headers()
    chunk = b" " * (1 << 20)
    try:
        for _ in range(60):  # 60 MB, without a Content-Length
            handler.wfile.write(chunk)
    except OSError:
        pass  # the follower hung up once it had read enough
    handler.close_connection = True


def _redirect(handler: BaseHTTPRequestHandler, body: bytes) -> None:
    handler.send_response(302)
    handler.send_header("Location", "file:///etc/passwd")
    handler.send_header("Content-Length", "0")
    handler.end_headers()


def _replayed(net: Network) -> Callable[[str, bytes], bytes | None]:
    return lambda root, body: net.documents[net.acme_roots[0]] if root == net.acme_roots[1] else body


def _set_lot(document: dict[str, Any]) -> None:
    document["ledger:items"][0]["ledger:lot"] = "L9"


def _drop_event(document: dict[str, Any]) -> None:
    document["ledger:events"].pop()


CASES: list[tuple[str, Callable[[Network], Callable[[str, bytes], bytes | None]], Callable[[Any, bytes], None] | None, int, str]] = [
    ("altered lot", _edit(0, _set_lot), None, 0, "rebuild Merkle root"),
    ("extra item", _edit(0, _extra_item), None, 0, "rebuild Merkle root"),
    ("rows signed by another party", _edit(0, _other_signer), None, 0, "the signature recovers to"),
    ("dropped event", _edit(1, _drop_event), None, 1, "rebuild Merkle root"),
    ("older document replayed", _replayed, None, 1, "an older or another document"),
    ("truncated body", lambda net: lambda root, body: body, _truncated, 0, "cut short"),
    ("oversize body", lambda net: lambda root, body: body, _oversize, 0, "larger than 50 MB"),
    ("redirect elsewhere", lambda net: lambda root, body: body, _redirect, 0, "answered HTTP 302"),
    ("never answers", lambda net: lambda root, body: None if root == net.acme_roots[0] else body, None, 0, "did not answer within 10 s"),
]


@pytest.mark.parametrize(("case", "serve", "raw", "refused", "reason"), CASES, ids=[c[0] for c in CASES])
def test_a_hostile_partner_is_refused_with_the_reason_and_nothing_stored(
        node: str, network: Network, tmp_path: Path, case: str, serve: Callable[[Network], Callable[[str, bytes], bytes | None]],
        raw: Callable[[Any, bytes], None] | None, refused: int, reason: str) -> None:
    _NETWORK[:] = [network]
    _Partner.case = staticmethod(serve(network))  # type: ignore[assignment]
    _Partner.raw = staticmethod(raw) if raw is not None else None  # type: ignore[assignment]
    customs = _customs(node, tmp_path / "customs", network.brand, "customs-" + case.replace(" ", "-"))
    report = _ok(customs, "sync", "--fetch")
    reasons = {p["root"]: p["reason"] for p in report["refused"]}
    bad = network.acme_roots[refused]
    assert reason in reasons.get(bad, ""), report
    assert network.bolt_root in report["stored"], report  # the other partner's anchor is stored all the same
    with Ledger.open(Settings.from_env(customs.env)) as ledger, Session(ledger.engine) as s:
        row = s.get(Anchor, bad)
        assert row is not None and row.signature is None  # nothing of the refused anchor is stored
        stored_items = list(s.scalars(select(Item).where(col(Item.batch_root) == network.acme_roots[0])))
        stored_events = list(s.scalars(select(Event).where(col(Event.anchor_root) == network.acme_roots[1])))
    assert stored_events == []
    assert (stored_items == []) == (refused == 0)
    status = _ok(customs, "sync", "--status")
    assert any(reason in p["reason"] for p in status["acme"]), status
    code, output = _run(customs, "audit")
    assert code == 0, output
