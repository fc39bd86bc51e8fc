"""`ledger serve` as deployed (gunicorn: one worker on the embedded chain, two on a JSON-RPC chain), over real HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.codes.identifiers import ItemKey
from ledger.codes.qr_label import Label
from ledger.custody.ledger import Ledger
from ledger.custody.registration import ItemSpec
from ledger.settings import Settings

GTIN = "09521234543213"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(ledger: Ledger, ledger_settings: Settings, tmp_path: Path) -> Iterator[tuple[str, Ledger]]:
    """The fixture's ledger with goods registered, closed, then served by `ledger serve` in a child process.

    The server's user has a home directory of its own here, to show that nothing of the server lands in it.
    """
    ledger.register("acme", [ItemSpec(GTIN, "1", "L1", None), ItemSpec(GTIN, "A/7%", "L1", None)])
    ledger.close()  # the embedded chain admits one opener: the server
    port = _free_port()
    env = {**os.environ, "LEDGER_HOME": str(ledger_settings.home), "LEDGER_CHAIN": ledger_settings.chain,
           "LEDGER_DATABASE_URL": ledger_settings.database_url, "LEDGER_PASSPHRASE": ledger_settings.passphrase or "",
           "LEDGER_KDF_ITERATIONS": str(ledger_settings.kdf_iterations), "HOME": str(tmp_path / "user-home")}
    env.pop("XDG_RUNTIME_DIR", None)
    command = [sys.executable, "-m", "ledger.cli", "serve", "--port", str(port), "--threads", "4"]
    if ledger_settings.chain != "embedded":
        command += ["--workers", "2"]
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/v1/openapi.json", timeout=2).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
        yield url, ledger
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=30) in (0, -signal.SIGTERM), log.read_text()


def _post(url: str, body: bytes) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(f"{url}/api/v1/verify", body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_served_app_verifies_resolves_and_refuses(served: tuple[str, Ledger]) -> None:
    url, ledger = served
    signer = ledger.keystore.unlock("acme")
    status, answer = _post(url, json.dumps({"code": Label.signed(ItemKey(GTIN, "1"), url, signer).uri}).encode())
    assert status == 200 and answer["verdict"] == "genuine", answer
    # The serial "A/7%" is escaped in the path (%2F, %25): the server must hand the resolver the URI as sent.
    link = Label.signed(ItemKey(GTIN, "A/7%"), url, signer).uri
    assert "A%2F7%25" in link
    with urllib.request.urlopen(link, timeout=10) as page:
        html = page.read().decode()
    assert page.status == 200 and "GENUINE" in html.upper() and "A/7%" in html
    status, answer = _post(url, b"{not json")
    assert status == 400 and "not a JSON object" in str(answer["message"])


def test_control_socket_is_in_the_ledger_home(served: tuple[str, Ledger], tmp_path: Path) -> None:
    """gunicorn's control socket defaults to one per user (~/.gunicorn), which every instance would take over."""
    url, ledger = served
    control = ledger.settings.home / f"gunicorn-{url.rsplit(':', 1)[1]}.ctl"
    deadline = time.monotonic() + 30
    while not control.exists():  # the arbiter opens it just after the first workers start
        assert time.monotonic() < deadline, "no control socket in the ledger home"
        time.sleep(0.2)
    assert stat.S_ISSOCK(control.stat().st_mode) and stat.S_IMODE(control.stat().st_mode) == 0o600
    workers = subprocess.run([str(Path(sys.executable).with_name("gunicornc")), "-s", str(control), "-c", "show workers",
                              "-j"], capture_output=True, text=True, timeout=30, check=True)
    assert len(json.loads(workers.stdout)["workers"]) == (1 if ledger.settings.chain == "embedded" else 2), workers.stdout
    assert not (tmp_path / "user-home").exists()
