"""E-mail alerts and retention, the pure parts: addresses, SMTP and retention settings, the message, the purge boundary."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import InvalidInput
from ledger.intel.mail import message, parse_address
from ledger.intel.records import week_of, week_start
from ledger.intel.retention import boundary
from ledger.settings import Settings, SmtpSecurity, SmtpSettings


@pytest.mark.parametrize("bad", [
    "", "olga", "olga@", "@customs.example", "olga@customs", "olga@@customs.example", "olga customs@customs.example",
    "olga@customs.example\r\nBcc: all@example.com", "olga@customs.example\n", "olga.@customs.example", ".olga@customs.example",
    "olga@-customs.example", "olga@customs.e", "\"olga\"@customs.example", "olga@[127.0.0.1]", "ölga@customs.example",
    "x" * 65 + "@customs.example", "o@" + "a" * 250 + ".example",
])
def test_bad_addresses(bad: str) -> None:
    with pytest.raises(InvalidInput, match="is not an e-mail address"):
        parse_address(bad)


@given(st.text(max_size=80))
def test_accepted_addresses_are_one_plain_mailbox(text: str) -> None:
    try:
        address = parse_address(text)
    except InvalidInput:
        return
    assert address.count("@") == 1 and not any(c.isspace() or ord(c) > 126 for c in address)
    assert parse_address(address) == address


_ENV = {"LEDGER_HOME": "/tmp/ledger-unit-home"}


@pytest.mark.parametrize(("env", "field"), [
    ({"LEDGER_SMTP_HOST": "smtp.example.com", "LEDGER_SMTP_SECURITY": "tls"}, "LEDGER_SMTP_SECURITY"),
    ({"LEDGER_SMTP_HOST": "smtp.example.com", "LEDGER_SMTP_PORT": "x25"}, "LEDGER_SMTP_PORT"),
    ({"LEDGER_SMTP_HOST": "smtp.example.com", "LEDGER_SMTP_PORT": "70000"}, "LEDGER_SMTP_PORT"),
    ({"LEDGER_SMTP_HOST": "smtp.example.com", "LEDGER_SMTP_USER": "ledger"}, "LEDGER_SMTP_PASSWORD"),
    ({"LEDGER_SMTP_HOST": "smtp.example.com", "LEDGER_SMTP_PASSWORD": "s3cret"}, "LEDGER_SMTP_USER"),
    ({"LEDGER_SMTP_HOST": "smtp.example.com", "LEDGER_SMTP_SENDER": "ledger"}, "LEDGER_SMTP_SENDER"),
    ({"LEDGER_SMTP_HOST": "user@smtp.example.com"}, "LEDGER_SMTP_HOST"),
    ({"LEDGER_SCAN_RETENTION_DAYS": "a year"}, "LEDGER_SCAN_RETENTION_DAYS"),
    ({"LEDGER_SCAN_RETENTION_DAYS": "0"}, "LEDGER_SCAN_RETENTION_DAYS"),
])
def test_bad_settings(env: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput, match=field):
        Settings.from_env({**_ENV, **env})


def test_settings() -> None:
    plain = Settings.from_env(_ENV)
    assert plain.smtp is None and plain.scan_retention_days == 365 and plain.home == Path("/tmp/ledger-unit-home")
    full = Settings.from_env({**_ENV, "LEDGER_SMTP_HOST": "smtp.example.com", "LEDGER_SMTP_SECURITY": "SSL",
                              "LEDGER_SMTP_USER": "ledger", "LEDGER_SMTP_PASSWORD": "s3cret",
                              "LEDGER_SMTP_SENDER": "alerts@ledger.example", "LEDGER_SCAN_RETENTION_DAYS": "90"})
    assert full.smtp == SmtpSettings("smtp.example.com", 465, SmtpSecurity.SSL, "ledger", "s3cret", "alerts@ledger.example")
    assert full.scan_retention_days == 90
    assert "s3cret" not in repr(full)  # the password stays out of logs and tracebacks
    assert Settings.from_env({**_ENV, "LEDGER_SMTP_HOST": "smtp.example.com"}).smtp == SmtpSettings("smtp.example.com", 587)


def test_message_of_a_recall() -> None:
    payload = {"alert": "anchor:0xab", "kind": "recall", "time": "2026-05-28T20:26:40Z", "brand": "acme",
               "gtin": "09521234543213", "subscription": 7, "recalled_items": 10, "scanned_items": 3}
    msg = message(payload, "duty@customs.example", "alerts@ledger.example", "https://ledger.example/", 42)
    assert msg["Subject"] == "[ledger] recall reached scanned items: acme 09521234543213"
    assert msg["Date"] == "Thu, 28 May 2026 20:26:40 +0000" and msg["Message-ID"] == "<delivery-42@ledger.example>"
    body = msg.get_content()
    assert "A recall reached 3 of its 10 items that were already scanned." in body and "Ledger: https://ledger.example/" in body


@given(st.integers(10**9, 3 * 10**9), st.integers(0, 3650))
def test_purge_boundary_is_the_monday_before(now: int, days: int) -> None:
    before = boundary(now, days)
    assert week_start(week_of(before)).timestamp() == before and week_start(week_of(before)).weekday() == 0
    assert now - days * 86_400 - 7 * 86_400 < before <= now - days * 86_400


def test_purge_boundary_days() -> None:
    with pytest.raises(InvalidInput, match="--older-than"):
        boundary(1_780_000_000, -1)
