"""End to end in a real browser: Debian's Chromium (driven by Playwright) uploads a label photo on the scan page.

Never downloads a browser: scripts/test.sh installs Debian's `chromium`; the test is skipped without it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from ledger.codes.identifiers import ItemKey
from ledger.codes.qr_label import Label, label_png
from ledger.custody.ledger import Ledger
from tests._hardhat import ROOT
from tests.integration._web import GTIN, PASSWORD, build

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="apt-get install -y chromium (scripts/test.sh does)")


@pytest.fixture
def server(ledger: Ledger) -> Iterator[tuple[str, Ledger]]:
    web = build(ledger)
    # In this process, on the fixture's open ledger (the embedded chain admits one opener).
    wsgi = make_server("127.0.0.1", 0, web.app, threaded=True)
    thread = threading.Thread(target=wsgi.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{wsgi.server_port}", ledger
    finally:
        wsgi.shutdown()


def test_upload_a_label_photo_and_see_the_verdict(server: tuple[str, Ledger], tmp_path: Path,
                                                   request: pytest.FixtureRequest) -> None:
    from playwright.sync_api import sync_playwright

    url, ledger = server
    label = tmp_path / "label.png"
    key = Label.signed(ItemKey(GTIN, "3"), url,
                       ledger.keystore.unlock("acme"))
    label.write_bytes(label_png(key))
    shots = ROOT / "test-artifacts"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 420, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" and ".map" not in m.text else None)
        page.goto(url + "/")
        assert page.locator("h1").inner_text() == "Is it genuine?"
        page.select_option("select[name=site]", "Port of Rotterdam")
        page.set_input_files("#photo", str(label))  # scan.js submits the form as soon as a photo is chosen
        page.wait_for_selector("#verdict")
        assert page.get_attribute("#verdict", "data-verdict") == "genuine"
        assert "GENUINE" in page.inner_text("#verdict")
        page.screenshot(path=str(shots / f"verdict-genuine-{request.node.callspec.id}.png"), full_page=True)
        page.goto(url + f"/01/{GTIN}/21/424242")
        assert page.get_attribute("#verdict", "data-verdict") == "counterfeit"
        page.screenshot(path=str(shots / f"verdict-counterfeit-{request.node.callspec.id}.png"), full_page=True)
        browser.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_a_session_cookie_kept_after_sign_out_signs_no_one_in(server: tuple[str, Ledger]) -> None:
    from playwright.sync_api import sync_playwright

    url, _ = server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        signed_in = browser.new_context()
        page = signed_in.new_page()
        page.goto(url + "/sign-in?next=/parties")
        page.fill("input[name=user]", "olga")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(url + "/parties")
        assert "Sign out olga" in page.inner_text("header")
        kept = signed_in.cookies()
        assert [c["name"] for c in kept] == ["session"]
        page.click("text=Sign out olga")
        page.wait_for_selector("text=Signed out.")
        # Another browser given the cookie as it was before signing out: the server has ended that session.
        thief = browser.new_context()
        thief.add_cookies(kept)  # type: ignore[arg-type]  # the same cookie dicts Playwright gave
        stolen = thief.new_page()
        stolen.goto(url + "/parties")
        assert stolen.url.startswith(url + "/sign-in") and "Sign out" not in stolen.inner_text("header")
        browser.close()
