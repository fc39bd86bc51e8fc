"""Helpers for the web tests: a demo ledger behind the app, signed codes, form tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask import Flask
from flask.testing import FlaskClient

from ledger.codes.identifiers import ItemKey
from ledger.codes.qr_label import Label
from ledger.codes.signature import sign_code
from ledger.custody.ledger import Ledger
from ledger.custody.registration import ItemSpec
from ledger.index.accounts import create_token, create_user
from web.app import create_app

GTIN = "09521234543213"
BOLT_GTIN = "80614141123458"
PASSWORD = "correct horse battery"
BASE = "https://verify.example"


@dataclass
class WebLedger:
    ledger: Ledger
    app: Flask
    tokens: dict[str, str]
    clock: list[int]

    def key(self, serial: str | int) -> ItemKey:
        return ItemKey(GTIN, str(serial))

    def link(self, serial: str | int, signer: str = "acme", gtin: str = GTIN) -> str:
        key = ItemKey(gtin, str(serial))
        return Label.signed(key, BASE, self.ledger.keystore.unlock(signer)).uri

    def sig(self, serial: str | int, signer: str = "acme") -> str:
        return sign_code(self.key(serial), self.ledger.keystore.unlock(signer))

    def client(self) -> FlaskClient:
        client = self.app.test_client()
        client.environ_base["wsgi.url_scheme"] = "https"  # the session cookie is Secure
        return client

    def signed_in(self, user: str) -> FlaskClient:
        client = self.client()
        page = client.get("/sign-in").get_data(as_text=True)
        response = client.post("/sign-in", data={"user": user, "password": PASSWORD, "csrf_token": csrf(page)})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    def bearer(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def once(html: str) -> str:
    match = re.search(r'name="once" value="([^"]+)"', html)
    assert match, "no submission token in the page"
    return match.group(1)


def build(ledger: Ledger, **config: object) -> WebLedger:
    """Register demo goods on ``ledger`` (from tests/conftest.py) and create users, tokens and the app."""
    clock = [1_780_000_000]  # 2026-05-28
    ledger.clock = lambda: clock[0]
    ledger.register("acme", [ItemSpec(GTIN, str(n), "L1", date(2030, 1, 1)) for n in range(1, 11)])
    ledger.register("acme", [ItemSpec(GTIN, "old", "L0", date(2020, 1, 1))])
    ledger.register("acme", [ItemSpec(GTIN, "A/7%", "L2", date(2030, 1, 1))])  # characters a URI path must escape
    ledger.register("bolt", [ItemSpec(BOLT_GTIN, "6789", None, None)])
    tokens = {}
    for user, party in (("olga", "customs"), ("ann", "acme"), ("tom", "truck"), ("sam", "shop")):
        create_user(ledger.engine, user, party, PASSWORD)
        tokens[user] = create_token(ledger.engine, user, "test")
    app = create_app({"LEDGER": ledger, "SECRET_KEY": "test secret", **config})
    app.extensions["provenance_verifier"].clock = lambda: clock[0]
    return WebLedger(ledger, app, tokens, clock)
