"""E-mail alerts (chain × database) through a real SMTP server on 127.0.0.1 (aiosmtpd): delivered, retried while the
server refuses, failed after the last attempt, and what the message says to whom."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from ledger.chain.roles import Role
from ledger.cli.main import cli
from ledger.codes.identifiers import ItemKey
from ledger.errors import InvalidInput
from ledger.geo import Location
from ledger.index.accounts import Account
from ledger.intel.alerts import AlertKind, list_subscriptions, subscribe, watch_once
from ledger.intel.hotspots import cell_of
from ledger.intel.privacy import Pseudonyms
from ledger.intel.webhooks import MAX_ATTEMPTS, Mailer, backoff, deliver_due, delivery_log
from ledger.proofs.events import Action
from ledger.settings import SmtpSecurity, SmtpSettings
from ledger.verify.sites import INSPECTION_SITES
from tests.integration._web import GTIN, WebLedger

LAGOS = Location(6.45, 3.39, "Lagos market")
ROTTERDAM = INSPECTION_SITES["Port of Rotterdam"]
PSEUDONYMS = Pseudonyms(b"p" * 32)
BASE = "https://ledger.example"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mailbox:
    """aiosmtpd's handler: keeps each accepted message; answers ``refuse`` to RCPT TO while that is set."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []
        self.refuse: str | None = None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for _, rcpts, m in self.messages if address in rcpts]


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, SmtpSettings]]:
    mailbox = Mailbox()
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, SmtpSettings("127.0.0.1", port, SmtpSecurity.NONE, sender="alerts@ledger.example", timeout=5)
    controller.stop()


def code(serial: int | str) -> str:
    return f"(01){GTIN}(21){serial}"


def _clone_and_stolen(web: WebLedger) -> Account:
    """An officer scans items 1 and 2 in Rotterdam; item 1 turns up in Lagos an hour later (a clone); 2 was stolen."""
    ledger, clock = web.ledger, web.clock
    verifier = web.app.extensions["provenance_verifier"]
    officer = ledger.party("customs")
    olga = Account("olga", "customs", officer.address, Role.OFFICER)
    verifier.verify(code(1), ROTTERDAM, olga)
    clock[0] += 3600
    verifier.verify(code(1), LAGOS)
    ledger.change_status("acme", Action.REPORT_STOLEN, [ItemKey(GTIN, "2")])
    verifier.verify(code(2), ROTTERDAM, olga)
    return olga


def test_email_alerts_are_delivered_as_the_sharing_rules_allow(web: WebLedger, smtp: tuple[Mailbox, SmtpSettings]) -> None:
    mailbox, settings = smtp
    engine, clock = web.ledger.engine, web.clock
    acme, _ = subscribe(engine, "acme", [AlertKind.CLONE, AlertKind.STOLEN], "", clock[0], email="Brand.Protection@Acme.Example")
    customs, _ = subscribe(engine, "customs", [AlertKind.CLONE, AlertKind.STOLEN], "", clock[0], email="duty@customs.example")
    assert acme.email == "Brand.Protection@acme.example" and acme.target == "mailto:Brand.Protection@acme.example"
    assert {s.email for s in list_subscriptions(engine)} == {"Brand.Protection@acme.example", "duty@customs.example"}
    watch_once(engine, clock[0], PSEUDONYMS)
    olga = _clone_and_stolen(web)
    now = clock[0]
    assert watch_once(engine, now, PSEUDONYMS) == 4

    rows = deliver_due(engine, now, mailer=Mailer(settings, BASE))
    assert {(d.status, d.attempts, d.last_status, d.last_error) for d in rows} == {("delivered", 1, 250, "")}
    assert {m[0] for m in mailbox.messages} == {"alerts@ledger.example"}
    brand_mail = {m["X-Ledger-Alert"]: m for m in mailbox.to("Brand.Protection@acme.example")}
    officer_mail = {m["X-Ledger-Alert"]: m for m in mailbox.to("duty@customs.example")}
    assert sorted(brand_mail) == sorted(officer_mail) == ["clone", "stolen"]

    clone = brand_mail["clone"]
    assert clone["Subject"] == f"[ledger] clone alert: acme {GTIN}"
    assert clone["From"] == "alerts@ledger.example" and clone.get_content_type() == "text/plain"
    body = clone.get_content()
    assert f"Code:     /01/{GTIN}/21/1" in body and "CLONE_IMPOSSIBLE_TRAVEL" in body
    assert f"Custody trace: {BASE}/trace?code=/01/{GTIN}/21/1" in body
    assert f"H3 cell {cell_of(LAGOS.lat, LAGOS.lon, 5)}" in body
    stolen = brand_mail["stolen"].get_content()
    assert f"Scanner:  {PSEUDONYMS.of(olga.address)}" in stolen
    for mail in brand_mail.values():  # a brand is told neither coordinates nor who scanned
        text = mail.as_string()
        assert "customs" not in text and olga.address not in text and "6.45" not in text and "51.9" not in text
    officer_stolen = officer_mail["stolen"].get_content()
    assert "Scanner:  customs" in officer_stolen and "Port of Rotterdam (51.9" in officer_stolen

    # The delivery's id names the message, the same on every retry: a mailbox can drop duplicates by it.
    ids = {str(d.id) for d in rows}
    assert {m["X-Ledger-Delivery"] for _, _, m in mailbox.messages} == ids
    assert {m["Message-ID"] for _, _, m in mailbox.messages} == {f"<delivery-{i}@ledger.example>" for i in ids}
    assert deliver_due(engine, now + 10**6, mailer=Mailer(settings, BASE)) == []  # nothing left


def test_a_refusing_server_is_retried_with_backoff_then_fails_for_good(web: WebLedger,
                                                                        smtp: tuple[Mailbox, SmtpSettings]) -> None:
    mailbox, settings = smtp
    engine, clock = web.ledger.engine, web.clock
    mailer = Mailer(settings, BASE)
    refused, _ = subscribe(engine, "customs", [AlertKind.COUNTERFEIT], "", clock[0], email="duty@customs.example")
    watch_once(engine, clock[0], PSEUDONYMS)
    web.app.extensions["provenance_verifier"].verify(code(999))  # never registered: counterfeit
    now = clock[0]
    assert watch_once(engine, now, PSEUDONYMS) == 1

    mailbox.refuse = "451 4.3.0 Mailbox busy, try again later"
    (first,) = deliver_due(engine, now, mailer=mailer)
    assert (first.status, first.attempts, first.last_status) == ("pending", 1, 451)
    assert first.last_error == "SMTP 451 4.3.0 Mailbox busy, try again later"
    assert deliver_due(engine, now + backoff(1) - 1, mailer=mailer) == []  # not due yet
    mailbox.refuse = None
    (second,) = deliver_due(engine, now + backoff(1), mailer=mailer)
    assert (second.status, second.attempts, second.last_status, second.last_error) == ("delivered", 2, 250, "")
    assert len(mailbox.to("duty@customs.example")) == 1

    # A server that refuses every time: failed after the last attempt, each refusal in the log.
    web.app.extensions["provenance_verifier"].verify(code(998))
    assert watch_once(engine, now, PSEUDONYMS) == 1
    mailbox.refuse = "550 5.1.1 No such mailbox"
    for attempt in range(1, MAX_ATTEMPTS + 1):
        (row,) = deliver_due(engine, now, mailer=mailer)
        assert (row.attempts, row.last_status) == (attempt, 550) and "No such mailbox" in row.last_error
        now += backoff(attempt)
    assert row.status == "failed" and deliver_due(engine, now + 10**6, mailer=mailer) == []
    assert [d.status for d in delivery_log(engine, refused.id)] == ["failed", "delivered"]
    assert len(mailbox.to("duty@customs.example")) == 1


def test_no_server_or_an_unreachable_one_is_retried(web: WebLedger) -> None:
    engine, clock = web.ledger.engine, web.clock
    subscribe(engine, "customs", [AlertKind.COUNTERFEIT], "", clock[0], email="duty@customs.example")
    watch_once(engine, clock[0], PSEUDONYMS)
    web.app.extensions["provenance_verifier"].verify(code(999))
    now = clock[0]
    watch_once(engine, now, PSEUDONYMS)
    (row,) = deliver_due(engine, now, mailer=Mailer(None, BASE))
    assert (row.status, row.last_status, row.last_error) == ("pending", None, "no SMTP server configured (LEDGER_SMTP_HOST)")
    closed = SmtpSettings("127.0.0.1", _free_port(), SmtpSecurity.NONE, sender="alerts@ledger.example", timeout=5)
    (row,) = deliver_due(engine, now + backoff(1), mailer=Mailer(closed, BASE))
    assert (row.status, row.attempts, row.last_status) == ("pending", 2, None)
    assert "ConnectionRefusedError" in row.last_error


@pytest.mark.parametrize(("address", "url"), [
    ("olga@customs", ""),  # no dot in the domain
    ("olga@@customs.example", ""),
    ("olga customs@customs.example", ""),
    ("olga@customs.example\r\nBcc: all@example.com", ""),  # header injection
    ("duty@customs.example", "https://hooks.example/x"),  # both channels
    ("x" * 65 + "@customs.example", ""),
])
def test_bad_addresses_are_refused_and_nothing_is_kept(web: WebLedger, address: str, url: str) -> None:
    with pytest.raises(InvalidInput):
        subscribe(web.ledger.engine, "customs", [AlertKind.CLONE], url, web.clock[0], email=address)
    assert list_subscriptions(web.ledger.engine) == []


def test_alerts_cli_email(web: WebLedger, smtp: tuple[Mailbox, SmtpSettings]) -> None:
    mailbox, settings = smtp
    ledger_settings = web.ledger.settings
    env = {"LEDGER_HOME": str(ledger_settings.home), "LEDGER_DATABASE_URL": ledger_settings.database_url,
           "LEDGER_SMTP_HOST": "", "LEDGER_RESOLVER_URL": BASE}

    def invoke(*args: str, **extra: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, list(args), env={**env, **extra}, catch_exceptions=False)
        return result.exit_code, result.output

    with pytest.raises(InvalidInput, match="needs an SMTP server, and LEDGER_SMTP_HOST is not set"):
        invoke("alerts", "subscribe", "--party", "customs", "--on", "counterfeit", "--email", "duty@customs.example")
    with pytest.raises(InvalidInput, match="--url for a webhook or --email for e-mail"):
        invoke("alerts", "subscribe", "--party", "customs", "--on", "counterfeit")
    smtp_env = {"LEDGER_SMTP_HOST": "127.0.0.1", "LEDGER_SMTP_PORT": str(settings.port), "LEDGER_SMTP_SECURITY": "none",
                "LEDGER_SMTP_SENDER": "alerts@ledger.example"}
    code_, output = invoke("--json", "alerts", "subscribe", "--party", "customs", "--on", "counterfeit", "--email",
                           "duty@customs.example", **smtp_env)
    assert code_ == 0, output
    sub = json.loads(output)
    assert sub["email"] == "duty@customs.example" and sub["url"] is None and sub["secret"] is None
    assert "mailto:duty@customs.example" in invoke("alerts", "list")[1]
    invoke("alerts", "run", "--once", **smtp_env)
    web.app.extensions["provenance_verifier"].verify(code(999))
    code_, output = invoke("--json", "alerts", "run", "--once", **smtp_env)
    assert code_ == 0 and json.loads(output)["delivered"] == 1, output
    (mail,) = mailbox.to("duty@customs.example")
    assert f"Custody trace: {BASE}/trace?code=/01/{GTIN}/21/999" in mail.get_content()
