"""`ledger serve`, `ledger user add`, `ledger token create`: the verifier web app and its accounts.

gunicorn serves the app (gthread workers, its C HTTP parser): on the embedded chain, which one
process may open, with one worker; on the scale-out set-up (JSON-RPC chain and PostgreSQL) with
one worker per CPU, each opening its own ledger. On the embedded set-up one gunicorn worker
verified ~1,300 requests/s where waitress managed ~470/s (its HTTP handling is pure Python).
"""

from __future__ import annotations

import os
import sys

import click

from ..index.accounts import MIN_PASSWORD, check_new_user, create_token, create_user
from ..index.engine import open_engine
from ._context import CliContext, pass_ctx

__all__ = ["serve", "token", "user"]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (0.0.0.0 to serve the network).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", type=click.IntRange(1, 64),
              help="Worker processes (default one per CPU; the embedded chain allows one).")
# Few threads per process: a verification is mostly Python holding the GIL, and more threads
# only queue on it (at saturation, p99 rose from ~50 ms with 4 threads to ~125 ms with 16).
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 256), help="Threads per process.")
@click.option("--access-log/--no-access-log", default=False, show_default=True,
              help="Log every request to standard output (gunicorn's access log).")
@pass_ctx
def serve(ctx: CliContext, host: str, port: int, workers: int | None, threads: int, access_log: bool) -> None:
    """Run the verifier web app with gunicorn: one worker on the embedded chain, one per CPU on a JSON-RPC chain."""
    settings = ctx.with_passphrase()
    embedded = settings.chain == "embedded"
    if embedded and workers and workers > 1:
        raise click.UsageError("the embedded chain is opened by one process only; use a JSON-RPC chain (and PostgreSQL) "
                               "for --workers above 1")
    count = 1 if embedded else workers or os.cpu_count() or 1
    # Opened here first, so a home that is not initialised or a chain that is down fails with the
    # ledger's own message rather than as a worker that will not boot; closed to free the embedded chain.
    ctx.ledger.close()
    environ = {**os.environ, "LEDGER_HOME": str(settings.home), "LEDGER_CHAIN": settings.chain,
               "LEDGER_DATABASE_URL": settings.database_url, "LEDGER_PASSPHRASE": settings.passphrase or ""}
    click.echo(f"verifier on http://{host}:{port}/ (gunicorn, {count} worker{'s' if count > 1 else ''} × {threads} threads, "
               f"{settings.chain})", err=True)
    # Off unless asked: formatting and writing a line per request under the logging lock was ~6% of
    # the verify path's samples in py-spy; a proxy in front usually keeps the log.
    logging = ["--access-logfile", "-"] if access_log else []
    # exec: gunicorn becomes this process, so signals and exit codes reach it directly.
    # --reuse-port: each worker listens on its own SO_REUSEPORT socket and the kernel spreads
    # connections over them; on one shared socket the worker that wakes first took most of the
    # keep-alive connections (38 / 10 / 2 of 50 measured) and its queue set the tail latency.
    os.execve(sys.executable, [sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}", "--workers", str(count),
                               "--threads", str(threads), "--worker-class", "gthread", "--reuse-port", *logging,
                               "web.app:create_app()"], environ)


@click.group()
def user() -> None:
    """Web users: people who sign in to the verifier, each acting for a ledger party."""


@user.command("add")
@click.argument("name")
@click.option("--party", required=True, help="The ledger party this user acts for.")
@click.option("--password", help=f"The user's password, {MIN_PASSWORD} characters or more (prompted if not given).")
@pass_ctx
def user_add(ctx: CliContext, name: str, party: str, password: str | None) -> None:
    """Create the web user NAME for PARTY (the password is stored as an argon2 hash)."""
    engine = open_engine(ctx.settings.database_url)
    # Checked before the prompt: a typo in --party should not cost typing a password twice.
    check_new_user(engine, name, party)
    if password is None:
        password = click.prompt(f"Password for {name} ({MIN_PASSWORD} characters or more)", hide_input=True,
                                confirmation_prompt=True, err=True)
    account = create_user(engine, name, party, password)
    data = {"user": account.user, "party": account.party, "role": account.role.value}
    ctx.emit(data, lambda: click.echo(f"added user {account.user} for {account.party} ({account.role.value})"))


@click.group()
def token() -> None:
    """API tokens for scanners and machine clients."""


@token.command("create")
@click.option("--user", "user_name", required=True, help="The web user the token acts as.")
@click.option("--label", default="", help="What the token is for (e.g. the scanner's name).")
@click.option("--days", type=click.IntRange(1, 3650), help="Expire after this many days (default: never).")
@pass_ctx
def token_create(ctx: CliContext, user_name: str, label: str, days: int | None) -> None:
    """Print a new bearer token for USER, once: only its hash is stored."""
    secret = create_token(open_engine(ctx.settings.database_url), user_name, label, days)
    ctx.emit({"token": secret, "user": user_name}, lambda: click.echo(secret))
