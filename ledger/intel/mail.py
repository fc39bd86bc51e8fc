"""E-mail alerts: the second channel beside webhooks, through an SMTP server (:class:`ledger.settings.SmtpSettings`).

A subscription names either a webhook URL or an e-mail address (:func:`parse_address`). Its
deliveries go through the same queue as webhooks (:func:`ledger.intel.webhooks.deliver_due`), with
the same retries, backoff and delivery log: a message the server accepts (250) is delivered;
a refusal (4xx or 5xx, for the sender, the recipient or the message), a refused connection or a
timeout is retried, and after the last attempt the delivery is ``failed``.

The message (:func:`message`) is plain text made from the delivery's stored payload, which the
watcher already cut to what the subscriber's viewer may see (:mod:`ledger.intel.privacy`): a
brand's e-mail names a scan's H3 cell and a scanner pseudonym, never coordinates or a party. It
carries a link to the item's custody trace on the ledger's web app (sign-in needed) and, like
the webhook, the delivery's id (``X-Ledger-Delivery``, and a ``Message-ID`` made from it, the
same on every retry), so a mailbox rule can drop duplicates.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from urllib.parse import quote

from ..errors import InvalidInput
from ..settings import SmtpSecurity, SmtpSettings

__all__ = ["SmtpRefused", "message", "parse_address", "send"]

# What a subscription's address may be: a dot-atom local part and a dotted domain of LDH labels. Quoted local
# parts, IP literals and non-ASCII addresses are refused (an alert needs a plain mailbox, not every RFC 5322 form).
_ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                      r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")


def parse_address(text: str) -> str:
    """A subscriber's e-mail address, checked; lower-cased domain.

    >>> parse_address("Olga.Customs@Customs.Example")
    'Olga.Customs@customs.example'
    >>> parse_address("olga@customs")
    Traceback (most recent call last):
    ...
    ledger.errors.InvalidInput: --email 'olga@customs': is not an e-mail address; expected a mailbox such as officer@customs.example
    """
    if len(text) > 254 or not _ADDRESS.fullmatch(text) or len(text.split("@", 1)[0]) > 64:
        raise InvalidInput("--email", text[:80], "is not an e-mail address", "a mailbox such as officer@customs.example")
    local, domain = text.split("@", 1)
    return f"{local}@{domain.lower()}"


_SUBJECTS = {"clone": "clone alert", "counterfeit": "counterfeit hit", "stolen": "stolen item scanned",
             "recall": "recall reached scanned items"}


def _place(scan: Mapping[str, Any]) -> str:
    place = scan.get("place")
    if not place:
        return "no place given"
    if "cell" in place:
        return f"H3 cell {place['cell']}"
    site = f"{place['site']} " if place.get("site") else ""
    return f"{site}({place['lat']:.4f}, {place['lon']:.4f})"


def message(payload: Mapping[str, Any], to: str, sender: str, base_url: str, delivery_id: int) -> EmailMessage:
    """The e-mail of one delivery: subject, plain-text body with the alert and a link, the delivery's id."""
    kind = str(payload["kind"])
    product = f"{payload.get('brand') or 'unknown brand'} {payload['gtin']}"
    msg = EmailMessage()
    msg["Subject"] = f"[ledger] {_SUBJECTS.get(kind, kind)}: {product}"
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = format_datetime(datetime.fromisoformat(str(payload["time"]).replace("Z", "+00:00")))
    msg["Message-ID"] = f"<delivery-{delivery_id}@{sender.rsplit('@', 1)[1]}>"
    msg["X-Ledger-Delivery"] = str(delivery_id)
    msg["X-Ledger-Alert"] = kind
    lines = [f"{_SUBJECTS.get(kind, kind).capitalize()} on {product} at {payload['time']}.", ""]
    base = base_url.rstrip("/")
    scan = payload.get("scan")
    if scan is not None:
        lines += [f"Code:     {payload['code']}",
                  f"Verdict:  {scan['verdict']}" + (f" ({', '.join(scan['reasons'])})" if scan["reasons"] else ""),
                  f"Place:    {_place(scan)}",
                  f"Scanner:  {scan['scanner']}",
                  "", f"Custody trace: {base}/trace?code={quote(str(payload['code']), safe='/')}"]
    else:
        lines += [(f"A recall reached {payload['scanned_items']} of its {payload['recalled_items']} items that were "
                   "already scanned."), "", f"Ledger: {base}/"]
    lines += ["", f"Alert {payload['alert']}, subscription {payload['subscription']}, delivery {delivery_id}.",
              ("You receive this because of an alert subscription on the provenance ledger; its operator can remove it "
               "(ledger alerts remove).")]
    msg.set_content("\n".join(lines) + "\n")
    return msg


class SmtpRefused(Exception):
    """The server answered an SMTP error: its code, for the delivery log."""

    def __init__(self, code: int, text: str) -> None:
        self.code = code
        self.text = text
        super().__init__(f"SMTP {code} {text}"[:200])


def send(smtp: SmtpSettings, msg: EmailMessage) -> None:
    """Hand ``msg`` to the SMTP server; raises :class:`SmtpRefused` on an SMTP error answer, OSError on a network one."""
    client: smtplib.SMTP
    try:
        if smtp.security is SmtpSecurity.SSL:
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        with client:
            if smtp.security is SmtpSecurity.STARTTLS:
                client.starttls(context=ssl.create_default_context())
            if smtp.user is not None and smtp.password is not None:
                client.login(smtp.user, smtp.password)
            client.send_message(msg)
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        raise SmtpRefused(int(code), _text(text)) from None
    except smtplib.SMTPResponseException as exc:
        raise SmtpRefused(int(exc.smtp_code), _text(exc.smtp_error)) from None
    except smtplib.SMTPNotSupportedError:
        raise SmtpRefused(0, "the server does not offer STARTTLS (LEDGER_SMTP_SECURITY=starttls)") from None
    except smtplib.SMTPException as exc:
        raise SmtpRefused(0, str(exc)) from None


def _text(raw: bytes | str) -> str:
    return (raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw).replace("\n", " ")[:160]
