"""The brand portal in Chromium on a phone-sized screen: it fits 360 px, with a registration result and a bad-scan list.

Debian's Chromium driven by Playwright (scripts/test.sh installs it); skipped without it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ledger.custody.ledger import Ledger
from tests._hardhat import ROOT
from tests.integration._browser import ARGS, CHROMIUM, needs_chromium, serving
from tests.integration._web import BASE, GTIN, PASSWORD, build

pytestmark = needs_chromium


@pytest.fixture
def server(ledger: Ledger) -> Iterator[str]:
    web = build(ledger)
    web.client().get(web.link(999).removeprefix(BASE))  # a counterfeit scan, for the list
    with serving(web.app) as url:
        yield url


def test_the_portal_fits_a_phone(server: str, request: pytest.FixtureRequest) -> None:
    from playwright.sync_api import sync_playwright

    url = server
    shots = ROOT / "test-artifacts"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 360, "height": 800})
        page.goto(url + "/sign-in?next=/portal")
        page.fill("input[name=user]", "ann")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(url + "/portal")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.fill("#register-form input[name=gtin]", "09521234000013")
        page.fill("#register-form input[name=count]", "3")
        page.fill("#register-form input[name=lot]", "P7")
        page.click("#register-form button[type=submit]")
        page.wait_for_selector("text=Registered 3 items")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360  # the long root and tx hash wrap
        page.goto(url + f"/portal?gtin={GTIN}")
        page.wait_for_selector(".scan-list li")
        assert "counterfeit" in page.inner_text(".scan-list")
        page.fill("#recall-form input[name=lot]", "L1")
        page.click("#recall-form button[type=submit]")
        page.wait_for_selector("#recall-confirm")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=str(shots / f"portal-{request.node.callspec.id}.png"), full_page=True)
        browser.close()
