"""End to end in a real browser: Debian's Chromium (driven by Playwright) uploads a label photo on the scan page.

Never downloads a browser: scripts/test.sh installs Debian's `chromium`; the test is skipped without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.codes.identifiers import ItemKey
from ledger.codes.qr_label import Label, label_png
from ledger.custody.ledger import Ledger
from tests._hardhat import ROOT
from tests.integration._browser import ARGS, CHROMIUM, needs_chromium, serving
from tests.integration._web import GTIN, PASSWORD, build

pytestmark = needs_chromium


@pytest.fixture
def server(ledger: Ledger) -> Iterator[tuple[str, Ledger]]:
    with serving(build(ledger).app) as url:
        yield url, ledger


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


PHONE = {"width": 360, "height": 740}


def _scan_rows(ledger: Ledger, serial: str) -> list[tuple[float | None, float | None]]:
    from sqlalchemy import select
    from sqlmodel import col

    from ledger.index.models import Scan

    item_id = "0x" + ItemKey(GTIN, serial).item_id.hex()
    with ledger.engine.connect() as db:
        return [(r.lat, r.lon) for r in db.execute(select(Scan).where(col(Scan.item_id) == item_id).order_by(col(Scan.id)))]


def _fits(page: object) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
    return width


@pytest.mark.parametrize("who", ["anonymous", "officer"])
def test_phone_views_fit_360_px(server: tuple[str, Ledger], who: str, request: pytest.FixtureRequest) -> None:
    """Genuine, stolen and counterfeit verdicts, the scan page and an error page: nothing wider than a 360 px phone."""
    from playwright.sync_api import sync_playwright

    from ledger.proofs.events import Action

    url, ledger = server
    ledger.change_status("customs", Action.REPORT_STOLEN, [ItemKey(GTIN, "4")])
    acme = ledger.keystore.unlock("acme")
    links = {"genuine": (Label.signed(ItemKey(GTIN, "1"), url, acme).uri, "release"),
             "stolen": (Label.signed(ItemKey(GTIN, "4"), url, acme).uri, "seize"),
             "counterfeit": (f"{url}/01/{GTIN}/21/424242", "seize")}
    shots = ROOT / "test-artifacts"
    shots.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
        page = context.new_page()
        if who == "officer":
            page.goto(url + "/sign-in")
            page.fill("input[name=user]", "olga")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(url + "/")
        page.goto(url + "/")
        assert _fits(page) <= 360, "scan page"
        page.screenshot(path=str(shots / f"phone-scan-{who}.png"), full_page=True)
        for state, (link, action) in links.items():
            page.goto(link)
            page.wait_for_selector("#verdict")
            assert page.get_attribute("#verdict", "data-action") == action
            assert page.locator("h1").inner_text() == action.upper()  # one h1: what to do
            colour = page.eval_on_selector("#verdict", "e => getComputedStyle(e).backgroundColor")
            assert (colour == "rgb(21, 128, 61)") == (action == "release"), (state, colour)  # green only to release
            assert _fits(page) <= 360, (state, who)
            page.screenshot(path=str(shots / f"phone-{state}-{who}.png"), full_page=True)
        if who == "officer":  # after an inspection: the flash with its transaction hash, and the history
            page.goto(links["stolen"][0])
            page.select_option("#inspect-form select[name=site]", "Port of Rotterdam")
            page.select_option("#inspect-form select[name=outcome]", "seized")
            page.fill("#inspect-form textarea[name=reason]", "seal broken")
            page.click("#inspect-form button[type=submit]")  # a seizure is anchored for good: not without "I confirm"
            page.wait_for_selector("#problem")
            assert "confirmation" in page.inner_text("#problem") and "is not given" in page.inner_text("#problem")
            assert page.input_value("#inspect-form textarea[name=reason]") == "seal broken"  # the form kept its values
            assert page.input_value("#inspect-form select[name=outcome]") == "seized"
            assert page.input_value("#inspect-form select[name=site]") == "Port of Rotterdam"
            page.check("#inspect-form input[name=confirm]")
            stale = page.eval_on_selector("#inspect-form", "f => f.outerHTML")  # what Back would show again
            page.click("#inspect-form button[type=submit]")
            page.wait_for_selector(".flash")
            assert "Inspection recorded" in page.inner_text(".flash")
            assert page.inner_text("#life-cycle").startswith("seized") and "seal broken" in page.inner_text("#cases")
            # The same form sent again (Back and submit, or a second click): refused with a message, not recorded twice.
            page.evaluate("html => document.querySelector('main').insertAdjacentHTML('beforeend', html)",
                          stale.replace('id="inspect-form"', 'id="stale-form"'))
            page.check("#stale-form input[name=confirm]")
            page.click("#stale-form button[type=submit]")
            page.wait_for_selector("#problem")
            assert "already received" in page.inner_text("#problem")
            page.goto(links["stolen"][0])
            page.wait_for_selector("#cases")
            assert page.locator("#cases li").count() == 1
            assert page.locator("ol.timeline li").count() >= 3
            assert _fits(page) <= 360, "after an inspection"
            page.screenshot(path=str(shots / "phone-inspected-officer.png"), full_page=True)
        page.goto(url + "/01/123/21/1")
        assert "Invalid" not in page.inner_text("h1") and _fits(page) <= 360, "error page"
        browser.close()


def test_a_reload_records_no_scan_and_the_position_lands_on_the_scan(server: tuple[str, Ledger],
                                                                    request: pytest.FixtureRequest) -> None:
    from playwright.sync_api import sync_playwright

    url, ledger = server
    link = Label.signed(ItemKey(GTIN, "2"), url, ledger.keystore.unlock("acme")).uri
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        # No permission: the page asks, is refused, and the scan keeps no place; a reload records nothing.
        refused = browser.new_context(viewport=PHONE).new_page()
        refused.goto(link)
        refused.wait_for_selector("#place-status:has-text('No position')")
        assert _scan_rows(ledger, "2") == [(None, None)]
        refused.reload()
        refused.wait_for_selector("#verdict")
        assert _scan_rows(ledger, "2") == [(None, None)]
        # Permission granted: the device's position is given to that scan, and to no other.
        phone = browser.new_context(viewport=PHONE, geolocation={"latitude": 51.92, "longitude": 4.48},
                                    permissions=["geolocation"]).new_page()
        phone.goto(link)
        phone.wait_for_selector("#verdict")
        phone.wait_for_selector("#place-form", state="detached")  # sent; the view came back with nothing to ask
        assert _scan_rows(ledger, "2") == [(None, None), (51.92, 4.48)]
        phone.reload()
        phone.wait_for_selector("#verdict")
        assert phone.locator("#place-form").count() == 0
        assert _scan_rows(ledger, "2") == [(None, None), (51.92, 4.48)]
        phone.screenshot(path=str(ROOT / "test-artifacts" / "phone-located-anonymous.png"), full_page=True)
        browser.close()
