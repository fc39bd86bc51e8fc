"""A brand describes a product in Chromium, and an anonymous officer's verdict page shows its name and picture.

Debian's Chromium driven by Playwright (scripts/test.sh installs it); skipped without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.codes.identifiers import ItemKey
from ledger.codes.qr_label import Label
from ledger.custody.ledger import Ledger
from tests._hardhat import ROOT
from tests.integration._browser import ARGS, CHROMIUM, needs_chromium, serving
from tests.integration._web import GTIN, PASSWORD, build
from tests.unit._pictures import encoded

pytestmark = needs_chromium


@pytest.fixture
def server(ledger: Ledger) -> Iterator[tuple[str, Ledger]]:
    with serving(build(ledger).app) as url:
        yield url, ledger


def test_a_brand_describes_a_product_and_the_verdict_page_shows_it(server: tuple[str, Ledger], tmp_path: Path,
                                                                   request: pytest.FixtureRequest) -> None:
    from playwright.sync_api import sync_playwright

    url, ledger = server
    front = tmp_path / "front.png"
    front.write_bytes(encoded("PNG", (300, 200), colour="orange"))
    link = Label.signed(ItemKey(GTIN, "4"), url, ledger.keystore.unlock("acme")).uri
    shots = ROOT / "test-artifacts"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        brand = browser.new_page(viewport={"width": 1024, "height": 900})
        brand.goto(url + "/sign-in?next=/products")
        brand.fill("input[name=user]", "ann")
        brand.fill("input[name=password]", PASSWORD)
        brand.click("button[type=submit]")
        brand.wait_for_url(url + "/products")
        brand.fill("#product-form input[name=gtin]", GTIN)
        brand.fill("#product-form input[name=name]", "Acme Aspirin 500")
        brand.fill("#product-form input[name=pack_size]", "20 tablets")
        brand.click("#product-form button[type=submit]")
        brand.wait_for_url(url + f"/products/{GTIN}")
        brand.set_input_files("#picture-form input[name=picture]", str(front))
        brand.click("#picture-form button[type=submit]")
        brand.wait_for_selector("text=Picture added.")
        brand.fill("#feature-form textarea[name=text]", "The hologram on the cap turns green when tilted")
        brand.click("#feature-form button[type=submit]")
        brand.wait_for_selector("text=Feature added.")

        officer = browser.new_context(viewport={"width": 360, "height": 800}).new_page()  # anonymous, on a phone
        officer.goto(link)
        officer.wait_for_selector("#product")
        assert officer.inner_text("#product .product-name") == "Acme Aspirin 500"
        assert "20 tablets" in officer.inner_text("#product")
        assert "hologram" not in officer.inner_text("#product")  # the guide is for signed-in parties
        picture = officer.locator("#product .product-pictures img").first
        picture.wait_for()
        assert officer.evaluate("img => img.complete && img.naturalWidth", picture.element_handle()) == 300
        assert officer.evaluate("document.documentElement.scrollWidth") <= 360
        officer.screenshot(path=str(shots / f"verdict-product-{request.node.callspec.id}.png"), full_page=True)

        # Signed in, an officer also sees the identification guide.
        olga = browser.new_context(viewport={"width": 360, "height": 800}).new_page()
        olga.goto(url + "/sign-in")
        olga.fill("input[name=user]", "olga")
        olga.fill("input[name=password]", PASSWORD)
        olga.click("button[type=submit]")
        olga.wait_for_url(url + "/")
        olga.goto(link)
        olga.wait_for_selector("#product .product-features")
        assert "The hologram on the cap turns green when tilted" in olga.inner_text("#product .product-features")
        # The product block fits a phone (the rest of the signed-in page is the phone-first work's: issue 12, item 5).
        assert olga.evaluate("document.querySelector('#product').scrollWidth <= document.querySelector('#product').clientWidth")
        assert olga.evaluate("document.querySelector('#product').getBoundingClientRect().right") <= 360
        olga.screenshot(path=str(shots / f"verdict-product-signed-in-{request.node.callspec.id}.png"), full_page=True)
        browser.close()
