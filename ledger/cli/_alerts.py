"""``ledger alerts``: subscriptions to alerts, the watcher that delivers them, and the delivery log."""

from __future__ import annotations

import time
from typing import Any

import click

from ..codes.parsing import parse_code
from ..errors import InvalidInput
from ..intel.alerts import AlertKind, list_subscriptions, remove_subscription, subscribe, watch_once
from ..intel.privacy import Pseudonyms, pseudonym_key
from ..intel.report import iso
from ..intel.webhooks import Mailer, deliver_due, delivery_log
from ._context import CliContext, pass_ctx

__all__ = ["alerts"]


@click.group()
def alerts() -> None:
    """Alerts to the people who must act: webhooks or e-mail on clones, counterfeits, stolen goods and recalls."""


@alerts.command("subscribe")
@click.option("--party", required=True, help="Who is told: an officer, auditor or brand of this ledger.")
@click.option("--on", "kinds", required=True, metavar="KINDS", help="clone, counterfeit, stolen, recall (comma-separated).")
@click.option("--url", help="The webhook the alerts are POSTed to.")
@click.option("--email", help="Or: the e-mail address they are sent to (needs LEDGER_SMTP_HOST).")
@click.option("--gtin", help="Only this product (GTIN-14).")
@click.option("--item", "code", metavar="CODE", help="Only this item (a case), any code form.")
@click.option("--label", default="", help="A name for the subscription.")
@pass_ctx
def alerts_subscribe(ctx: CliContext, party: str, kinds: str, url: str | None, email: str | None, gtin: str | None,
                     code: str | None, label: str) -> None:
    """Subscribe PARTY's webhook (prints the signing secret once: the receiver checks X-Ledger-Signature with it)
    or e-mail address."""
    if (url is None) == (email is None):
        raise InvalidInput("--url/--email", url or email or "", "names both or neither",
                           "--url for a webhook or --email for e-mail, one of them")
    if email is not None and ctx.settings.smtp is None:
        raise InvalidInput("--email", email[:80], "needs an SMTP server, and LEDGER_SMTP_HOST is not set",
                           "LEDGER_SMTP_HOST (and LEDGER_SMTP_PORT, LEDGER_SMTP_SECURITY, LEDGER_SMTP_SENDER) set, or --url")
    key = parse_code(code).key if code else None
    sub, secret = subscribe(ctx.index(), party, AlertKind.parse_list(kinds), url or "", int(time.time()), gtin, key, label,
                            email=email)
    data = {"id": sub.id, "party": sub.party_name, "kinds": [k.value for k in sub.kinds], "url": sub.url or None,
            "email": sub.email, "gtin": sub.gtin, "item": key.canonical if key else None, "label": sub.label,
            "secret": None if sub.email else secret}
    ctx.emit(data, lambda: click.echo(f"subscription {sub.id}: {party} on {', '.join(k.value for k in sub.kinds)} → {sub.target}"
                                      + ("" if sub.email else f"\nsigning secret (shown once): {secret}")))


@alerts.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include removed subscriptions.")
@pass_ctx
def alerts_list(ctx: CliContext, show_all: bool) -> None:
    """The subscriptions (never their secrets)."""
    subs = list_subscriptions(ctx.index(), active_only=not show_all)
    rows: list[dict[str, Any]] = [{"id": s.id, "party": s.party_name, "kinds": [k.value for k in s.kinds], "url": s.url or None,
             "email": s.email, "target": s.target, "gtin": s.gtin,
             "item": s.item_id, "label": s.label, "active": s.active} for s in subs]
    ctx.emit(rows, lambda: click.echo("\n".join(
        f"{r['id']:>4}  {r['party']:<16} {','.join(r['kinds']):<30} {r['target']}" + ("" if r["active"] else "  (removed)")
        for r in rows) or "no subscriptions"))


@alerts.command("remove")
@click.argument("subscription", type=int)
@pass_ctx
def alerts_remove(ctx: CliContext, subscription: int) -> None:
    """Stop a subscription (its delivery log stays; its pending deliveries are cancelled)."""
    remove_subscription(ctx.index(), subscription)
    ctx.emit({"removed": subscription}, lambda: click.echo(f"subscription {subscription} removed"))


@alerts.command("run")
@click.option("--once", is_flag=True, help="One round (queue new alerts, attempt due deliveries), then exit.")
@click.option("--interval", type=click.FloatRange(0.1, 3600), default=1.0, show_default=True, help="Seconds between rounds.")
@pass_ctx
def alerts_run(ctx: CliContext, once: bool, interval: float) -> None:
    """Watch the index for alerts and deliver them (until Ctrl-C): each round queues new alerts, then posts or mails what is due."""
    engine = ctx.index()
    pseudonyms = Pseudonyms(pseudonym_key(ctx.settings.home))
    mailer = Mailer(ctx.settings.smtp, ctx.settings.resolver_url)
    while True:
        now = int(time.time())
        queued = watch_once(engine, now, pseudonyms)
        attempted = deliver_due(engine, now, mailer=mailer)
        if queued or attempted or once:
            line = {"time": iso(now), "queued": queued, "attempted": len(attempted),
                    "delivered": sum(1 for d in attempted if d.status == "delivered"),
                    "failed": sum(1 for d in attempted if d.status == "failed")}
            text = (f"{line['time']}: {queued} queued, {line['attempted']} attempted, {line['delivered']} delivered, "
                    f"{line['failed']} failed for good")
            ctx.emit(line, lambda text=text: click.echo(text))  # type: ignore[misc]
        if once:
            return
        time.sleep(interval)


@alerts.command("log")
@click.option("--subscription", type=int, help="Only this subscription's deliveries.")
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True)
@pass_ctx
def alerts_log(ctx: CliContext, subscription: int | None, limit: int) -> None:
    """The delivery log, newest first: each alert, its attempts and the last answer."""
    rows = delivery_log(ctx.index(), subscription, limit)
    data = [{"id": d.id, "subscription": d.subscription, "alert": d.alert, "kind": d.kind, "status": d.status,
             "attempts": d.attempts, "last_status": d.last_status, "last_error": d.last_error, "created": iso(d.created_at),
             "next_attempt": iso(d.next_attempt_at) if d.status == "pending" else None,
             "delivered": iso(d.delivered_at) if d.delivered_at else None} for d in rows]
    ctx.emit(data, lambda: click.echo("\n".join(
        f"{r['id']:>6}  sub {r['subscription']:<4} {r['kind']:<12} {r['status']:<10} {r['attempts']} attempts  "
        f"{r['last_error'] or r['last_status'] or ''}  {r['alert']}" for r in data) or "no deliveries"))
